//! MINIX runtime for our processes.
//!
//! * [`ipc`]: `sendrec` to a server through the caps of the standard
//!   CSpace layout.
//! * [`server`]: the ReplyRecv loop every server runs.
//! * [`posix`]: the calls user programs make (getpid, fork, exit, wait,
//!   brk, mmap, ...).
#![no_std]

pub mod ipc;
pub mod posix;
pub mod server;
