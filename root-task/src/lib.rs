// SPDX-License-Identifier: BSD-2-Clause
//! Logic of the root task that does not need the kernel, tested on the
//! host: the process table, PM's decisions (who sent a message, what each
//! kind of process may call), and the test tally.
//!
//! PM's signals, process groups and wait rules (POSIX), as bookkeeping
//! the glue carries out:
//! * [`signals`]: one process's signal state and what a delivery does;
//! * [`handler_frame`]: the frame and registers of a signal handler;
//! * [`handed`]: handlers handed to the caller's runtime to run itself;
//! * [`proc_signals`], [`kill`], [`job_control`], [`pgroups`], [`wait`],
//!   [`alarm`]: the same across the process table;
//! * [`effects`]: what the glue must do after a change;
//! * [`credentials`]: user and group ids;
//! * [`pm_calls`]: the calls answered from the tables alone;
//! * [`threads`], [`futex`]: a process's further threads, and the
//!   words they wait on.
#![cfg_attr(not(test), no_std)]

pub mod alarm;
pub mod cputime;
pub mod credentials;
pub mod effects;
pub mod futex;
pub mod handed;
pub mod handler_frame;
pub mod job_control;
pub mod kill;
pub mod pci;
pub mod pgroups;
pub mod pm_calls;
pub mod pm_policy;
pub mod proc_signals;
pub mod proctab;
pub mod signals;
pub mod tally;
pub mod threads;
pub mod wait;
