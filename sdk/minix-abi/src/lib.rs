//! The MINIX personality's ABI, shared by every client and server.
//!
//! * [`errno`]: MINIX 3 error numbers (NetBSD numbering, as MINIX 3.3+ uses).
//! * [`endpoint`]: process identities and the badges that carry them.
//! * [`message`]: how a MINIX message maps onto one seL4 message.
//! * [`cspace`]: the CSpace layout every process starts with.
//! * One protocol module per server interface: [`common`] (calls every
//!   server answers), [`pm`], [`vm`].
//!
//! Decoding anything in this crate is total: every input gives either a
//! request or an errno, never a panic.
#![cfg_attr(not(test), no_std)]

pub mod common;
pub mod cspace;
pub mod endpoint;
pub mod errno;
pub mod message;
pub mod pm;
pub mod system;
pub mod vfs;
pub mod vm;
