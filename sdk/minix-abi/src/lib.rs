// SPDX-License-Identifier: BSD-2-Clause
//! The MINIX personality's ABI, shared by every client and server.
//!
//! * [`errno`]: MINIX 3 error numbers (NetBSD numbering, as MINIX 3.3+ uses).
//! * [`endpoint`]: process identities and the badges that carry them.
//! * [`message`]: how a MINIX message maps onto one seL4 message.
//! * [`cspace`]: the CSpace layout every process starts with.
//! * One protocol module per server interface: [`common`] (calls every
//!   server answers), [`pm`], [`vm`], [`vfs`], [`fs`] (VFS to FS), [`blk`]
//!   (FS to the block driver).
//! * [`signal`]: signal numbers (Linux's), sets, actions and the
//!   information a handler gets, as the [`pm`] calls carry them;
//!   [`sigframe`]: the frame PM writes for a signal handler.
//! * [`word`]: checked conversions of untrusted message words.
//! * [`offset`]: file positions and byte counts, never negative, and
//!   the VFS→FS write position with its append variant.
//!
//! Decoding anything in this crate is total and strict: every input gives
//! either a request or an errno, never a panic. A call number that is not
//! exactly a known call is `ENOSYS`; a word that does not hold a value of
//! its argument's type and range is `EINVAL`, never narrowed. Host
//! property tests (`tests/fuzz_decoders.rs`) check both over millions of
//! random messages, and that encoding then decoding gives back every
//! request.
#![cfg_attr(not(test), no_std)]

pub mod blk;
pub mod clock;
pub mod common;
pub mod cspace;
pub mod endpoint;
pub mod errno;
pub mod exec;
pub mod fs;
pub mod message;
pub mod offset;
pub mod pm;
pub mod sigframe;
pub mod signal;
pub mod system;
pub mod timer;
pub mod vfs;
pub mod vm;
pub mod word;
