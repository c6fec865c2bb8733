// SPDX-License-Identifier: BSD-2-Clause
//! File contents: read, write (extending, leaving holes), truncate and
//! punching holes.
//!
//! Invariant: the bytes of the last block past the end of the file are
//! zero, so growing a file (by write or truncate) never exposes old data.
//! Every path that moves the end of the file keeps it.

use crate::device::BlockDevice;
use crate::fs::FileSystem;
use crate::inode::DiskInode;
use crate::Result;
use minix_abi::errno::{EFBIG, EINVAL, EISDIR, ENXIO};

impl<D: BlockDevice> FileSystem<D> {
    fn bs(&self) -> u64 {
        self.geo.block_size as u64
    }

    /// Reads from a regular file or symlink at `off`; returns the bytes
    /// read, 0 at or past the end. Holes read as zeros.
    pub fn read(&mut self, ino: u32, off: u64, buf: &mut [u8]) -> Result<usize> {
        let mut inode = self.live(ino)?;
        if inode.is_dir() {
            return Err(EISDIR);
        }
        if !inode.has_zones() {
            return Err(EINVAL);
        }
        let n = self.read_at(&inode, off, buf)?;
        if n > 0 && !self.is_read_only() && inode.atime != self.now {
            inode.atime = self.now;
            self.put_inode(ino, &inode)?;
        }
        Ok(n)
    }

    /// Reads pages of a regular file for a page-in: as [`Self::read`] from
    /// the page-aligned `off`, and also which 4 KiB pages of `buf` that got
    /// bytes lay wholly in holes (bit `i` for page `i`, up to 64 pages), so
    /// the page cache need not keep zeros. A hole reads as zeros either way.
    /// The access time is left alone: a page fault is not a read().
    pub fn read_pages(&mut self, ino: u32, off: u64, buf: &mut [u8]) -> Result<(usize, u64)> {
        const PAGE: u64 = 4096;
        let inode = self.live(ino)?;
        if inode.is_dir() {
            return Err(EISDIR);
        }
        if !inode.has_zones() || !off.is_multiple_of(PAGE) || buf.len() as u64 > 64 * PAGE {
            return Err(EINVAL);
        }
        let n = self.read_at(&inode, off, buf)?;
        let bs = self.bs();
        let mut holes = 0u64;
        for i in 0..(n as u64).div_ceil(PAGE) {
            let (first, end) = (off + i * PAGE, (off + (i + 1) * PAGE).min(inode.size as u64));
            let mut hole = true;
            let mut b = first / bs;
            while hole && b * bs < end {
                hole = self.map(&inode, b)?.is_none();
                b += 1;
            }
            if hole {
                holes |= 1 << i;
            }
        }
        Ok((n, holes))
    }

    /// `lseek`'s `SEEK_DATA` (`hole` false) and `SEEK_HOLE` (true) from
    /// `pos`: the first offset at or after it in a block that has a zone
    /// (data) or none (a hole); the end of the file counts as a hole.
    /// `ENXIO` from `pos` at or past the end, or for data when only holes
    /// follow. A block is the unit, as the zones are.
    pub fn seek_data(&mut self, ino: u32, pos: u64, hole: bool) -> Result<u64> {
        let inode = self.live(ino)?;
        if !inode.has_zones() {
            return Err(EINVAL);
        }
        let size = inode.size as u64;
        if pos >= size {
            return Err(ENXIO);
        }
        let bs = self.bs();
        let blocks = size.div_ceil(bs);
        let mut b = pos / bs;
        while b < blocks {
            let (zone, run) = self.map_extent(&inode, b, blocks - b)?;
            if zone.is_none() == hole {
                return Ok(pos.max(b * bs));
            }
            b += run.max(1);
        }
        if hole {
            Ok(size)
        } else {
            Err(ENXIO)
        }
    }

    pub(crate) fn read_at(&mut self, inode: &DiskInode, off: u64, buf: &mut [u8]) -> Result<usize> {
        let size = inode.size as u64;
        if off >= size {
            return Ok(0);
        }
        let len = (buf.len() as u64).min(size - off) as usize;
        let bs = self.bs();
        let want = (off + len as u64).div_ceil(bs);
        // The extent last mapped: file blocks from `start`, `count` of
        // them, in zones from `zone` on (or holes).
        let (mut start, mut zone, mut count) = (0u64, None::<u32>, 0u64);
        let mut done = 0;
        while done < len {
            let pos = off + done as u64;
            let lb = pos / bs;
            let o = (pos % bs) as usize;
            let chunk = (bs as usize - o).min(len - done);
            let dst = &mut buf[done..done + chunk];
            if lb < start || lb >= start + count {
                (zone, count) = self.map_extent(inode, lb, want - lb)?;
                start = lb;
            }
            match zone.map(|z| z as u64 + (lb - start)) {
                None => dst.fill(0),
                Some(z) => {
                    if let Some(hit) = self.cache.cached(z) {
                        dst.copy_from_slice(&hit[o..o + chunk]);
                    } else {
                        self.read_ahead(inode, lb, z, want);
                        dst.copy_from_slice(&self.cache.read(z)?[o..o + chunk]);
                    }
                }
            }
            done += chunk;
        }
        Ok(len)
    }

    /// Before a read misses the file's block `lb` (zone `z`): reads it and
    /// the file's next blocks that lie right after it on the disk in one
    /// device run, as far as `want` (the first block the read does not
    /// need), or a whole run ahead when the block before is cached (a
    /// sequential reader, who will want them next). A hole or a jump on
    /// the disk ends the run. A failed read-ahead is no error: the plain
    /// read that follows reports what is wrong with its own block.
    fn read_ahead(&mut self, inode: &DiskInode, lb: u64, z: u64, want: u64) {
        let most = self.cache.run_blocks() as u64;
        if most < 2 {
            return;
        }
        let file_blocks = (inode.size as u64).div_ceil(self.bs());
        let sequential = lb > 0 && matches!(self.map(inode, lb - 1), Ok(Some(p)) if self.cache.contains(p as u64));
        let end = if sequential { lb + most } else { want.min(lb + most) }.min(file_blocks);
        // The run: as far as the file's blocks follow z on the disk.
        if let Ok((Some(first), n)) = self.map_extent(inode, lb, end.saturating_sub(lb)) {
            if first as u64 == z {
                let _ = self.cache.prefetch(z, n as usize);
            }
        }
    }

    /// The inode of a regular file that write, truncate and punch may
    /// change: EROFS on a read-only mount, EINVAL for a free inode, EISDIR
    /// for a directory, EINVAL for anything else that is not a regular file.
    fn regular_for_writing(&mut self, ino: u32) -> Result<DiskInode> {
        self.writable()?;
        let inode = self.live(ino)?;
        if inode.is_dir() {
            return Err(EISDIR);
        }
        if !inode.is_reg() {
            return Err(EINVAL);
        }
        Ok(inode)
    }

    /// Writes to a regular file at `off`, growing it as needed; a gap
    /// before `off` becomes a hole. Returns the bytes written: fewer than
    /// asked only when the disk fills after some were written.
    pub fn write(&mut self, ino: u32, off: u64, data: &[u8]) -> Result<usize> {
        let mut inode = self.regular_for_writing(ino)?;
        if data.is_empty() {
            return Ok(0);
        }
        let end = off.checked_add(data.len() as u64).ok_or(EFBIG)?;
        if end > self.geo.max_size as u64 {
            return Err(EFBIG);
        }
        self.write_at(ino, &mut inode, off, data)
    }

    /// The write itself, for files, directories and symlinks alike. Stores
    /// the inode, whatever happens.
    pub(crate) fn write_at(&mut self, ino: u32, inode: &mut DiskInode, off: u64, data: &[u8]) -> Result<usize> {
        let bs = self.bs();
        let old = inode.size as u64;
        if off > old {
            self.zero_bytes(inode, old, off.min(old.next_multiple_of(bs)))?;
        }
        let mut done = 0;
        let mut failure = None;
        while done < data.len() {
            let pos = off + done as u64;
            let o = (pos % bs) as usize;
            let chunk = (bs as usize - o).min(data.len() - done);
            let z = match self.map_alloc(inode, pos / bs) {
                Ok((z, _)) => z,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            // A whole-block overwrite needs no read.
            let blk = if chunk == bs as usize { self.cache.zeroed(z as u64) } else { self.cache.write(z as u64) };
            match blk {
                Ok(b) => b[o..o + chunk].copy_from_slice(&data[done..done + chunk]),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            done += chunk;
        }
        let end = off + done as u64;
        if end > old {
            inode.size = end as u32;
        }
        if done > 0 {
            inode.mtime = self.now;
            inode.ctime = self.now;
        }
        self.put_inode(ino, inode)?;
        match failure {
            Some(e) if done == 0 => Err(e),
            _ => Ok(done),
        }
    }

    /// Zeroes bytes `from..to` in the blocks that exist; holes stay holes.
    fn zero_bytes(&mut self, inode: &DiskInode, from: u64, to: u64) -> Result<()> {
        let bs = self.bs();
        let mut pos = from;
        while pos < to {
            let o = (pos % bs) as usize;
            let chunk = (bs - o as u64).min(to - pos) as usize;
            if let Some(z) = self.map(inode, pos / bs)? {
                self.cache.write(z as u64)?[o..o + chunk].fill(0);
            }
            pos += chunk as u64;
        }
        Ok(())
    }

    /// Sets the size of a regular file: shrinking frees the blocks past the
    /// new end, growing leaves a hole.
    pub fn truncate(&mut self, ino: u32, size: u64) -> Result<()> {
        let mut inode = self.regular_for_writing(ino)?;
        if size > self.geo.max_size as u64 {
            return Err(EFBIG);
        }
        let r = self.set_size(&mut inode, size);
        inode.mtime = self.now;
        inode.ctime = self.now;
        self.put_inode(ino, &inode)?;
        r
    }

    fn set_size(&mut self, inode: &mut DiskInode, size: u64) -> Result<()> {
        let bs = self.bs();
        let old = inode.size as u64;
        if size < old {
            self.free_from(inode, size.div_ceil(bs))?;
            self.zero_bytes(inode, size, size.next_multiple_of(bs).min(old))?;
        } else if size > old {
            self.zero_bytes(inode, old, old.next_multiple_of(bs).min(size))?;
        }
        inode.size = size as u32;
        Ok(())
    }

    /// Makes `start..end` of a regular file read as zeros without changing
    /// its size: whole blocks inside are freed (MINIX's FTRUNC with a
    /// non-zero end). The range is clipped to the file.
    pub fn punch(&mut self, ino: u32, start: u64, end: u64) -> Result<()> {
        let mut inode = self.regular_for_writing(ino)?;
        if start > end {
            return Err(EINVAL);
        }
        let end = end.min(inode.size as u64);
        if start >= end {
            return Ok(());
        }
        let bs = self.bs();
        let (first, last) = (start.div_ceil(bs), end / bs);
        let r = if first < last {
            self.free_range(&mut inode, first, last)
                .and_then(|_| self.zero_bytes(&inode, start, first * bs))
                .and_then(|_| self.zero_bytes(&inode, last * bs, end))
        } else {
            self.zero_bytes(&inode, start, end)
        };
        inode.mtime = self.now;
        inode.ctime = self.now;
        self.put_inode(ino, &inode)?;
        r
    }
}
