// SPDX-License-Identifier: BSD-2-Clause
//! Directories: arrays of 64-byte entries, a u32 inode number then a
//! 60-byte name padded with NULs (no terminator at full length). A free
//! slot has inode 0. The size is 64 times the highest slot ever used plus
//! one; "." and ".." are slots 0 and 1.

use crate::device::BlockDevice;
use crate::fs::FileSystem;
use crate::inode::DiskInode;
use crate::Result;
use minix_abi::errno::{EINVAL, EIO, ENAMETOOLONG, ENOENT, ENOTDIR};

pub const DIRENT_SIZE: usize = 64;
/// Longest name. MINIX cuts longer names to 60 bytes silently; we refuse
/// them with ENAMETOOLONG.
pub const NAME_MAX: usize = 60;

/// One directory entry as read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u32,
    name: [u8; NAME_MAX],
    len: u8,
}

impl DirEntry {
    /// Decodes a 64-byte slot; the name ends at the first NUL.
    pub fn decode(raw: &[u8]) -> Self {
        let mut name = [0; NAME_MAX];
        name.copy_from_slice(&raw[4..4 + NAME_MAX]);
        let len = name.iter().position(|&b| b == 0).unwrap_or(NAME_MAX) as u8;
        DirEntry { ino: u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]), name, len }
    }

    pub fn name(&self) -> &[u8] {
        &self.name[..self.len as usize]
    }
}

impl core::fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DirEntry({}, {:?})", self.ino, core::str::from_utf8(self.name()).unwrap_or("<bytes>"))
    }
}

/// Encodes an entry into a 64-byte slot.
pub fn encode_entry(out: &mut [u8], ino: u32, name: &[u8]) {
    out[0..4].copy_from_slice(&ino.to_le_bytes());
    out[4..4 + NAME_MAX].fill(0);
    out[4..4 + name.len()].copy_from_slice(name);
}

/// A valid path component: 1..=60 bytes with no '/' and no NUL.
pub fn check_name(name: &[u8]) -> Result<()> {
    if name.is_empty() {
        return Err(ENOENT);
    }
    if name.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    if name.iter().any(|&b| b == b'/' || b == 0) {
        return Err(EINVAL);
    }
    Ok(())
}

pub(crate) fn is_dot_or_dotdot(name: &[u8]) -> bool {
    name == b"." || name == b".."
}

/// What a scan for a name found.
pub(crate) struct Scan {
    /// Slot and inode of the entry with that name.
    pub found: Option<(u64, u32)>,
    /// The first free slot, if any lies inside the directory's size.
    pub free: Option<u64>,
}

impl<D: BlockDevice> FileSystem<D> {
    /// Slots in a directory: whole entries only, should the size be odd.
    fn slots(inode: &DiskInode) -> u64 {
        inode.size as u64 / DIRENT_SIZE as u64
    }

    /// Calls `f(slot, entry)` for every slot from `first` on until it
    /// returns false. A hole reads as free slots.
    pub(crate) fn for_each_slot(&mut self, dir: &DiskInode, first: u64, mut f: impl FnMut(u64, &DirEntry) -> bool) -> Result<()> {
        let per = self.geo.block_size as u64 / DIRENT_SIZE as u64;
        // A directory larger than any file can be is corrupt; refusing it
        // also bounds the walk.
        if dir.size > self.geo.max_size {
            return Err(EIO);
        }
        let total = Self::slots(dir);
        let mut slot = first;
        while slot < total {
            let blk_idx = slot / per;
            let zone = self.map(dir, blk_idx)?;
            let end = ((blk_idx + 1) * per).min(total);
            match zone {
                None => {
                    let empty = DirEntry { ino: 0, name: [0; NAME_MAX], len: 0 };
                    for s in slot..end {
                        if !f(s, &empty) {
                            return Ok(());
                        }
                    }
                }
                Some(z) => {
                    let data = self.cache.read(z as u64)?;
                    for s in slot..end {
                        let o = (s % per) as usize * DIRENT_SIZE;
                        if !f(s, &DirEntry::decode(&data[o..o + DIRENT_SIZE])) {
                            return Ok(());
                        }
                    }
                }
            }
            slot = end;
        }
        Ok(())
    }

    /// Looks for `name` and for the first free slot in one pass.
    pub(crate) fn scan(&mut self, dir: &DiskInode, name: &[u8]) -> Result<Scan> {
        let mut scan = Scan { found: None, free: None };
        self.for_each_slot(dir, 0, |slot, e| {
            if e.ino == 0 {
                scan.free.get_or_insert(slot);
            } else if e.name() == name {
                scan.found = Some((slot, e.ino));
                return false;
            }
            true
        })?;
        Ok(scan)
    }

    /// Writes entry `(ino, name)` into `slot` of directory `dino`, growing
    /// it if the slot is at its end.
    pub(crate) fn put_entry(&mut self, dino: u32, slot: u64, ino: u32, name: &[u8]) -> Result<()> {
        let mut dir = self.inode(dino)?;
        let mut raw = [0u8; DIRENT_SIZE];
        encode_entry(&mut raw, ino, name);
        let off = slot * DIRENT_SIZE as u64;
        if off >= self.geo.max_size as u64 {
            return Err(minix_abi::errno::EFBIG);
        }
        let n = self.write_at(dino, &mut dir, off, &raw)?;
        if n != DIRENT_SIZE {
            return Err(EIO);
        }
        Ok(())
    }

    /// Changes only the inode number of an occupied slot.
    pub(crate) fn set_entry_ino(&mut self, dino: u32, slot: u64, ino: u32) -> Result<()> {
        let mut dir = self.inode(dino)?;
        let mut raw = [0u8; DIRENT_SIZE];
        let off = slot * DIRENT_SIZE as u64;
        if self.read_at(&dir, off, &mut raw)? != DIRENT_SIZE {
            return Err(EIO);
        }
        raw[0..4].copy_from_slice(&ino.to_le_bytes());
        self.write_at(dino, &mut dir, off, &raw)?;
        Ok(())
    }

    /// Adds `name -> ino` in the first free slot, or at the end.
    pub(crate) fn add_entry(&mut self, dino: u32, name: &[u8], ino: u32, free: Option<u64>) -> Result<()> {
        let slot = match free {
            Some(s) => s,
            None => Self::slots(&self.inode(dino)?),
        };
        self.put_entry(dino, slot, ino, name)
    }

    /// Empties a slot; the size stays (MINIX never shrinks directories).
    pub(crate) fn clear_entry(&mut self, dino: u32, slot: u64) -> Result<()> {
        self.set_entry_ino(dino, slot, 0)
    }

    /// Whether a directory has nothing but "." and "..".
    pub(crate) fn dir_is_empty(&mut self, dir: &DiskInode) -> Result<bool> {
        let mut empty = true;
        self.for_each_slot(dir, 0, |_, e| {
            if e.ino != 0 && !is_dot_or_dotdot(e.name()) {
                empty = false;
            }
            empty
        })?;
        Ok(empty)
    }

    /// A live directory inode; ENOTDIR otherwise.
    pub(crate) fn live_dir(&mut self, dino: u32) -> Result<DiskInode> {
        let dir = self.live(dino)?;
        if !dir.is_dir() {
            return Err(ENOTDIR);
        }
        Ok(dir)
    }

    /// The inode `name` names in directory `dir` ("." and ".." included).
    pub fn lookup(&mut self, dir: u32, name: &[u8]) -> Result<u32> {
        let d = self.live_dir(dir)?;
        check_name(name)?;
        if d.nlinks == 0 {
            // Removed while open: nothing is found in it any more.
            return Err(ENOENT);
        }
        let (_, ino) = self.scan(&d, name)?.found.ok_or(ENOENT)?;
        self.entry_inode(ino)?;
        Ok(ino)
    }

    /// getdents: calls `emit(entry, next)` for each used entry from byte
    /// position `pos` on, where `next` is the position just after it.
    /// `emit` returns false to stop *without* taking that entry (its
    /// buffer is full). Returns the position to resume from: pass it back
    /// to continue where this call stopped.
    pub fn read_dir(&mut self, dir: u32, pos: u64, mut emit: impl FnMut(&DirEntry, u64) -> bool) -> Result<u64> {
        let d = self.live_dir(dir)?;
        let first = pos.div_ceil(DIRENT_SIZE as u64);
        let mut resume = first.max(Self::slots(&d)) * DIRENT_SIZE as u64;
        let mut stopped = false;
        self.for_each_slot(&d, first, |slot, e| {
            if e.ino == 0 {
                return true;
            }
            let next = (slot + 1) * DIRENT_SIZE as u64;
            if !emit(e, next) {
                resume = slot * DIRENT_SIZE as u64;
                stopped = true;
                return false;
            }
            true
        })?;
        if !stopped {
            resume = resume.max(pos);
        }
        Ok(resume)
    }

    /// Every used entry of a directory, "." and ".." included.
    pub fn list_dir(&mut self, dir: u32) -> Result<alloc::vec::Vec<DirEntry>> {
        let mut v = alloc::vec::Vec::new();
        self.read_dir(dir, 0, |e, _| {
            v.push(*e);
            true
        })?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_round_trip_and_full_length_name() {
        let mut raw = [0xAAu8; 64];
        encode_entry(&mut raw, 7, b"hello");
        let e = DirEntry::decode(&raw);
        assert_eq!((e.ino, e.name()), (7, &b"hello"[..]));
        let long = [b'x'; 60];
        encode_entry(&mut raw, 9, &long);
        assert_eq!(DirEntry::decode(&raw).name(), &long[..]);
    }

    #[test]
    fn names() {
        assert_eq!(check_name(b""), Err(ENOENT));
        assert_eq!(check_name(&[b'a'; 61]), Err(ENAMETOOLONG));
        assert_eq!(check_name(&[b'a'; 60]), Ok(()));
        assert_eq!(check_name(b"a/b"), Err(EINVAL));
        assert_eq!(check_name(b"a\0"), Err(EINVAL));
    }
}
