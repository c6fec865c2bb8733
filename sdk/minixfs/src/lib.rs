// SPDX-License-Identifier: BSD-2-Clause
//! The MINIX v3 file system, on any [`BlockDevice`], with no operating
//! system underneath: what the FS server will run, tested on the host.
//!
//! * [`device`]: the block-device trait and a RAM disk.
//! * [`cache`]: a bounded LRU block cache with write-back.
//! * [`superblock`], [`inode`], [`dir`], [`bitmap`]: the on-disk formats.
//! * [`FileSystem`]: mount, the calls by inode number (lookup, create,
//!   read, write, rename, ...), sync and unmount.
//! * [`mkfs()`](mkfs::mkfs): formatting.
//!
//! Decoding is total: a corrupt image gives `EIO` or `EINVAL`, never a
//! panic. Errors are MINIX errno values ([`minix_abi::errno::Errno`]).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod bitmap;
pub mod cache;
pub mod device;
pub mod dir;
pub mod inode;
pub mod mkfs;
pub mod superblock;

mod attr;
mod file;
mod fs;
mod namei;
mod slot_index;
mod zones;

#[cfg(test)]
mod tests;

pub use attr::{Stat, StatVfs};
pub use device::{BlockDevice, RamDisk};
pub use dir::DirEntry;
pub use fs::{FileSystem, MountOptions, OPEN_INODES_MAX};
pub use minix_abi::errno::Errno;
pub use mkfs::{mkfs, FormatOptions};

/// Every fallible call in this crate.
pub type Result<T> = core::result::Result<T, Errno>;

/// The root directory's inode number.
pub const ROOT_INO: u32 = 1;

/// Most links an inode may have. The format's counter is 16 bits, but
/// `fsck.minix` counts links in a byte and fails above 255.
pub const LINK_MAX: u16 = 255;
