// SPDX-License-Identifier: BSD-2-Clause
//! Attributes and references: stat, chmod, chown, utime, statvfs, and the
//! open counts that keep an unlinked inode alive while it is in use.

use crate::device::BlockDevice;
use crate::dir::NAME_MAX;
use crate::fs::FileSystem;
use crate::inode::{S_IFMT, S_IPERM};
use crate::Result;
use minix_abi::errno::{EINVAL, ENFILE};

/// What stat reports about an inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub ino: u32,
    pub mode: u16,
    pub nlinks: u16,
    pub uid: u16,
    pub gid: u16,
    pub size: u32,
    pub atime: u32,
    pub mtime: u32,
    pub ctime: u32,
    /// Device number of a character or block special file, else 0.
    pub rdev: u32,
    /// Space held, in 512-byte units (st_blocks), indirect blocks included.
    pub blocks: u64,
}

/// What statvfs reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatVfs {
    pub block_size: u32,
    /// Every block of the file system, metadata included.
    pub blocks: u64,
    pub free_blocks: u64,
    pub files: u64,
    pub free_files: u64,
    pub name_max: u32,
}

impl<D: BlockDevice> FileSystem<D> {
    pub fn stat(&mut self, ino: u32) -> Result<Stat> {
        let mut s = self.attrs(ino)?;
        let i = self.live(ino)?;
        s.blocks = self.count_zones(&i)? * (self.geo.block_size as u64 / 512);
        Ok(s)
    }

    /// [`FileSystem::stat`] without `blocks` (left 0): the inode's own
    /// fields only, so it costs one inode read however large the file.
    /// Counting blocks walks every indirect block of the file.
    pub fn attrs(&mut self, ino: u32) -> Result<Stat> {
        let i = self.live(ino)?;
        Ok(Stat {
            ino,
            mode: i.mode,
            nlinks: i.nlinks,
            uid: i.uid,
            gid: i.gid,
            size: i.size,
            atime: i.atime,
            mtime: i.mtime,
            ctime: i.ctime,
            rdev: if i.is_device() { i.zone[0] } else { 0 },
            blocks: 0,
        })
    }

    /// Sets the permission bits (the type stays); returns the new mode.
    pub fn chmod(&mut self, ino: u32, mode: u16) -> Result<u16> {
        self.writable()?;
        let mut i = self.live(ino)?;
        i.mode = (i.mode & S_IFMT) | (mode & S_IPERM);
        i.ctime = self.now;
        self.put_inode(ino, &i)?;
        Ok(i.mode)
    }

    /// The owner and group.
    pub fn owner(&mut self, ino: u32) -> Result<(u16, u16)> {
        let i = self.live(ino)?;
        Ok((i.uid, i.gid))
    }

    /// Sets the owner; returns the mode.
    pub fn chown(&mut self, ino: u32, uid: u16, gid: u16) -> Result<u16> {
        self.writable()?;
        let mut i = self.live(ino)?;
        i.uid = uid;
        i.gid = gid;
        i.ctime = self.now;
        self.put_inode(ino, &i)?;
        Ok(i.mode)
    }

    pub fn utime(&mut self, ino: u32, atime: u32, mtime: u32) -> Result<()> {
        self.writable()?;
        let mut i = self.live(ino)?;
        i.atime = atime;
        i.mtime = mtime;
        i.ctime = self.now;
        self.put_inode(ino, &i)
    }

    pub fn statvfs(&mut self) -> Result<StatVfs> {
        let (free_blocks, free_files) = self.free_counts();
        Ok(StatVfs {
            block_size: self.geo.block_size,
            blocks: self.geo.zones as u64,
            free_blocks,
            files: self.geo.ninodes as u64,
            free_files,
            name_max: NAME_MAX as u32,
        })
    }

    /// Takes a reference on an inode (the FS server takes one for each
    /// inode it hands to VFS). While any is held, unlinking the last name
    /// keeps the inode and its data.
    /// `ENFILE` if `ino` is not held yet and the table is full (or its
    /// count would overflow).
    pub fn open(&mut self, ino: u32) -> Result<()> {
        self.live(ino)?;
        if !self.open.contains_key(&ino) {
            self.open_room()?;
        }
        let held = self.open.entry(ino).or_insert(0);
        *held = held.checked_add(1).ok_or(ENFILE)?;
        Ok(())
    }

    /// `ENFILE` if no further inode may be held open: a create checks
    /// first, so it never makes a file it cannot hand out.
    pub fn open_room(&self) -> Result<()> {
        if self.open.len() >= self.open_max {
            return Err(ENFILE);
        }
        Ok(())
    }

    /// Sets the most inodes held open at once (tests reach the limit with
    /// a few files).
    pub fn set_open_max(&mut self, n: usize) {
        self.open_max = n;
    }

    /// Drops `count` references (PUTNODE). When the last goes and no name
    /// is left, the inode and its blocks are freed. EINVAL for a count of
    /// 0 or more than are held.
    pub fn release(&mut self, ino: u32, count: u32) -> Result<()> {
        let held = *self.open.get(&ino).ok_or(EINVAL)?;
        if count == 0 || count > held {
            return Err(EINVAL);
        }
        if count < held {
            self.open.insert(ino, held - count);
            return Ok(());
        }
        self.open.remove(&ino);
        if self.is_read_only() {
            return Ok(());
        }
        self.free_if_unused(ino)
    }

    /// References held on `ino`.
    pub fn open_count(&self, ino: u32) -> u32 {
        self.open.get(&ino).copied().unwrap_or(0)
    }
}
