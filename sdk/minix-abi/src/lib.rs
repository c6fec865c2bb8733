//! The MINIX personality's ABI, shared by every client and server.
//!
//! * [`errno`]: MINIX 3 error numbers (NetBSD numbering, as MINIX 3.3+ uses).
//!
//! Decoding anything in this crate is total: every input gives either a
//! request or an errno, never a panic.
#![cfg_attr(not(test), no_std)]

pub mod errno;
