// SPDX-License-Identifier: BSD-2-Clause
//! MINIX runtime for our processes.
//!
//! * [`ipc`]: `sendrec` to a server through the caps of the standard
//!   CSpace layout.
//! * [`server`]: the ReplyRecv loop every server runs.
//! * [`posix`]: the calls user programs make (getpid, fork, exit, wait,
//!   brk, mmap, ...), and [`posix::Mapping`], an anonymous mapping read
//!   and written through bounds-checked accessors and unmapped on drop.
//! * [`fs`]: the POSIX file calls to VFS (open, read, write, stat,
//!   getdents, ...) and [`fs::File`], an owned descriptor that is an
//!   `embedded_io` reader, writer and seeker.
//! * [`grants`]: this process's grant table, registered with VM, and
//!   the safecopy calls.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod args;
pub mod fs;
pub mod grants;
pub mod ipc;
pub mod posix;
pub mod server;
pub mod signal;
pub mod time;
