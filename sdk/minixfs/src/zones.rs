// SPDX-License-Identifier: BSD-2-Clause
//! Mapping a file's block index to a zone: 7 direct zones, then trees of
//! indirect blocks one, two and three levels deep (zone slots 7, 8, 9).
//! Lookups and allocation use all three. MINIX's own file system stops
//! allocating at double indirect (64 MiB files with 1 KiB blocks); Linux's
//! minix driver and fsck.minix know the triple indirect tree, and files
//! past 64 MiB need it with the 1 KiB blocks fsck.minix reads.

use crate::device::BlockDevice;
use crate::fs::FileSystem;
use crate::inode::{DiskInode, NR_DIRECT_ZONES};
use crate::Result;
use minix_abi::errno::{EFBIG, EIO};

/// Where file block `n` hangs: the inode's zone slot, how many indirect
/// levels lie below it, and the index inside that subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ZonePath {
    pub slot: usize,
    pub levels: u32,
    pub index: u64,
}

/// Splits a file block index for indirect blocks of `ptrs` entries; EFBIG
/// past the triple indirect tree.
pub(crate) fn zone_path(ptrs: u64, n: u64) -> Result<ZonePath> {
    if n < NR_DIRECT_ZONES as u64 {
        return Ok(ZonePath { slot: n as usize, levels: 0, index: 0 });
    }
    let mut rest = n - NR_DIRECT_ZONES as u64;
    let mut span = ptrs;
    for levels in 1..=3 {
        if rest < span {
            return Ok(ZonePath { slot: NR_DIRECT_ZONES + levels as usize - 1, levels, index: rest });
        }
        rest -= span;
        span *= ptrs;
    }
    Err(EFBIG)
}

impl<D: BlockDevice> FileSystem<D> {
    fn ptrs(&self) -> u64 {
        self.geo.ptrs_per_block()
    }

    pub(crate) fn get_ptr(&mut self, blk: u32, i: u64) -> Result<u32> {
        let o = i as usize * 4;
        let d = self.cache.read(blk as u64)?;
        Ok(u32::from_le_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]))
    }

    fn set_ptr(&mut self, blk: u32, i: u64, v: u32) -> Result<()> {
        let o = i as usize * 4;
        self.cache.write(blk as u64)?[o..o + 4].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// The zone holding file block `n`, or `None` for a hole.
    pub(crate) fn map(&mut self, inode: &DiskInode, n: u64) -> Result<Option<u32>> {
        let p = zone_path(self.ptrs(), n)?;
        let mut z = inode.zone[p.slot];
        let mut idx = p.index;
        for level in (0..p.levels).rev() {
            if z == 0 {
                return Ok(None);
            }
            self.check_zone(z)?;
            let span = self.ptrs().pow(level);
            z = self.get_ptr(z, idx / span)?;
            idx %= span;
        }
        if z == 0 {
            Ok(None)
        } else {
            self.check_zone(z).map(Some)
        }
    }

    /// As [`Self::map`] for block `n`, and how many blocks from `n` on
    /// (1 to `max`) continue the same way: zones `z`, `z + 1`, … when `n`
    /// is in zone `z`, or holes when it is a hole. It looks no further
    /// than the pointer block (or the inode's direct zones) that holds
    /// `n`'s pointer, so one walk down the tree serves a whole run: a
    /// read maps 64 KiB of 1 KiB blocks with one walk instead of 64.
    pub(crate) fn map_extent(&mut self, inode: &DiskInode, n: u64, max: u64) -> Result<(Option<u32>, u64)> {
        let max = max.max(1);
        let p = zone_path(self.ptrs(), n)?;
        let (first_data, zones) = (self.geo.first_data, self.geo.zones);
        // Whether `next`, `k` pointers after `first`, continues it.
        let continues = |first: u32, k: u64, next: u32| match first {
            0 => next == 0,
            z => next as u64 == z as u64 + k && next >= first_data && next < zones,
        };
        if p.levels == 0 {
            let first = inode.zone[p.slot];
            let z = if first == 0 { None } else { Some(self.check_zone(first)?) };
            let mut k = 1;
            while k < max && p.slot + (k as usize) < NR_DIRECT_ZONES && continues(first, k, inode.zone[p.slot + k as usize]) {
                k += 1;
            }
            return Ok((z, k));
        }
        // Down to the pointer block that holds n's pointer.
        let mut z = inode.zone[p.slot];
        let mut idx = p.index;
        for level in (1..p.levels).rev() {
            if z == 0 {
                return Ok((None, 1));
            }
            self.check_zone(z)?;
            let span = self.ptrs().pow(level);
            z = self.get_ptr(z, idx / span)?;
            idx %= span;
        }
        if z == 0 {
            return Ok((None, 1));
        }
        self.check_zone(z)?;
        let ptrs = self.ptrs();
        let block = self.cache.read(z as u64)?;
        let ptr = |i: u64| {
            let o = i as usize * 4;
            u32::from_le_bytes([block[o], block[o + 1], block[o + 2], block[o + 3]])
        };
        let first = ptr(idx);
        let mut k = 1;
        while k < max && idx + k < ptrs && continues(first, k, ptr(idx + k)) {
            k += 1;
        }
        let z = if first == 0 { None } else { Some(self.check_zone(first)?) };
        Ok((z, k))
    }

    /// The zone holding file block `n`, allocating it and any missing
    /// indirect blocks. Returns the zone and whether it is new (zero-filled).
    /// `inode` may change even on error: the caller must store it.
    pub(crate) fn map_alloc(&mut self, inode: &mut DiskInode, n: u64) -> Result<(u32, bool)> {
        let p = zone_path(self.ptrs(), n)?;
        let mut fresh = false;
        if inode.zone[p.slot] == 0 {
            inode.zone[p.slot] = self.alloc_zone()?;
            fresh = true;
        }
        let mut z = self.check_zone(inode.zone[p.slot])?;
        let mut idx = p.index;
        for level in (0..p.levels).rev() {
            let span = self.ptrs().pow(level);
            let i = idx / span;
            idx %= span;
            let mut child = self.get_ptr(z, i)?;
            fresh = child == 0;
            if fresh {
                child = self.alloc_zone()?;
                self.set_ptr(z, i, child)?;
            } else {
                self.check_zone(child)?;
            }
            z = child;
        }
        Ok((z, fresh))
    }

    /// Frees the data blocks with file index in `start..end` and every
    /// indirect block left empty by that. Freed slots are zeroed, because
    /// fsck.minix checks every slot of an indirect block.
    pub(crate) fn free_range(&mut self, inode: &mut DiskInode, start: u64, end: u64) -> Result<()> {
        if start >= end {
            return Ok(());
        }
        for i in start..end.min(NR_DIRECT_ZONES as u64) {
            let z = inode.zone[i as usize];
            if z != 0 {
                self.free_zone(z)?;
                inode.zone[i as usize] = 0;
            }
        }
        let mut base = NR_DIRECT_ZONES as u64;
        let mut span = self.ptrs();
        for levels in 1..=3u32 {
            let slot = NR_DIRECT_ZONES + levels as usize - 1;
            let (lo, hi) = (base, base + span);
            let z = inode.zone[slot];
            if z != 0 && start < hi && end > lo && self.trim(z, levels, start.saturating_sub(lo), end.min(hi) - lo)? {
                self.free_zone(z)?;
                inode.zone[slot] = 0;
            }
            base = hi;
            span *= self.ptrs();
        }
        Ok(())
    }

    /// Frees from file block `start` to the end of the file.
    pub(crate) fn free_from(&mut self, inode: &mut DiskInode, start: u64) -> Result<()> {
        self.free_range(inode, start, u64::MAX)
    }

    /// Frees the range `start..end` (relative to this subtree) below the
    /// indirect block `blk`, `level` levels above the data. Returns whether
    /// `blk` is now all zeros, so the caller can free it too.
    fn trim(&mut self, blk: u32, level: u32, start: u64, end: u64) -> Result<bool> {
        self.check_zone(blk)?;
        let span = self.ptrs().pow(level - 1);
        let first = start / span;
        let last = ((end - 1) / span).min(self.ptrs() - 1);
        for i in first..=last {
            let child = self.get_ptr(blk, i)?;
            if child == 0 {
                continue;
            }
            let lo = i * span;
            let emptied = level == 1 || self.trim(child, level - 1, start.saturating_sub(lo), (end - lo).min(span))?;
            if emptied {
                self.free_zone(child)?;
                self.set_ptr(blk, i, 0)?;
            }
        }
        Ok(self.cache.read(blk as u64)?.iter().all(|&b| b == 0))
    }

    /// Zones the inode holds, indirect blocks included. No file can hold
    /// more zones than exist, so a count past that is a corrupt (looping or
    /// shared) tree: EIO rather than a walk of billions of pointers.
    pub(crate) fn count_zones(&mut self, inode: &DiskInode) -> Result<u64> {
        if !inode.has_zones() {
            return Ok(0);
        }
        let mut n = inode.zone[..NR_DIRECT_ZONES].iter().filter(|&&z| z != 0).count() as u64;
        for levels in 1..=3u32 {
            let z = inode.zone[NR_DIRECT_ZONES + levels as usize - 1];
            if z != 0 {
                self.count_tree(z, levels, &mut n)?;
            }
        }
        Ok(n)
    }

    fn count_tree(&mut self, blk: u32, level: u32, n: &mut u64) -> Result<()> {
        self.check_zone(blk)?;
        *n += 1;
        for i in 0..self.ptrs() {
            let child = self.get_ptr(blk, i)?;
            if child == 0 {
                continue;
            }
            if level == 1 {
                *n += 1;
            } else {
                self.count_tree(child, level - 1, n)?;
            }
            if *n > self.geo.zones as u64 {
                return Err(EIO);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_at_each_block_size() {
        for bs in [1024u64, 2048, 4096] {
            let p = bs / 4;
            let at = |n| zone_path(p, n).unwrap();
            assert_eq!(at(0), ZonePath { slot: 0, levels: 0, index: 0 });
            assert_eq!(at(6), ZonePath { slot: 6, levels: 0, index: 0 });
            assert_eq!(at(7), ZonePath { slot: 7, levels: 1, index: 0 });
            assert_eq!(at(7 + p - 1), ZonePath { slot: 7, levels: 1, index: p - 1 });
            assert_eq!(at(7 + p), ZonePath { slot: 8, levels: 2, index: 0 });
            assert_eq!(at(7 + p + p * p - 1), ZonePath { slot: 8, levels: 2, index: p * p - 1 });
            assert_eq!(at(7 + p + p * p), ZonePath { slot: 9, levels: 3, index: 0 });
            let last = 7 + p + p * p + p * p * p - 1;
            assert_eq!(at(last).index, p * p * p - 1);
            assert_eq!(zone_path(p, last + 1), Err(EFBIG));
        }
    }
}
