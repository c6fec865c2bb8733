// SPDX-License-Identifier: BSD-2-Clause
//! Logic of the root task that does not need the kernel, tested on the
//! host: the process table, PM's decisions (who sent a message, what each
//! kind of process may call), and the test tally.
#![cfg_attr(not(test), no_std)]

pub mod pci;
pub mod pm_policy;
pub mod proctab;
pub mod tally;
