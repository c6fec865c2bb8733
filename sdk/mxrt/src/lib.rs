// SPDX-License-Identifier: BSD-2-Clause
//! MINIX runtime for our processes.
//!
//! * [`ipc`]: `sendrec` to a server through the caps of the standard
//!   CSpace layout.
//! * [`server`]: the ReplyRecv loop every server runs.
//! * [`posix`]: the calls user programs make (getpid, fork, exit, wait,
//!   brk, mmap, ...), and [`posix::Mapping`], an anonymous mapping read
//!   and written through bounds-checked accessors and unmapped on drop.
//! * [`grants`]: this process's grant table, registered with VM, and
//!   the safecopy calls.
#![no_std]

extern crate alloc;

pub mod grants;
pub mod ipc;
pub mod posix;
pub mod server;
