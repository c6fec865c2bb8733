// SPDX-License-Identifier: BSD-2-Clause
//! The region map: regions keyed by start address, never overlapping.
//!
//! Every region costs VM heap, and a process chooses how many it has
//! (mappings with alternating protections never merge). So the map holds
//! at most [`MAX_REGIONS`] regions (or a lower limit the glue sets): any
//! operation that would need more — a new mapping, an unmap that splits a
//! region in two — answers `ENOMEM` and changes nothing.

use super::Region;
use crate::addr::{check_map_range, is_aligned, page_ceil, page_floor, USER_BOTTOM, USER_TOP};
use crate::frames::FrameAllocator;
use crate::memtype::MemType;
use crate::page::{PageMap, Released};
use crate::prot::Prot;
use alloc::collections::BTreeMap;
use core::ops::Bound::{Excluded, Unbounded};
use minix_abi::errno::{Errno, EINVAL, ENOMEM};

/// Default limit on a process's regions.
pub const MAX_REGIONS: usize = 4096;

/// A process's regions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionMap {
    pub(super) regions: BTreeMap<u64, Region>,
    max_regions: usize,
}

impl Default for RegionMap {
    fn default() -> Self {
        RegionMap::new()
    }
}

impl RegionMap {
    /// An empty map with the default limit.
    pub const fn new() -> RegionMap {
        RegionMap { regions: BTreeMap::new(), max_regions: MAX_REGIONS }
    }

    /// The most regions this map may hold.
    pub fn max_regions(&self) -> usize {
        self.max_regions
    }

    /// Sets the limit. A map already over it keeps its regions; it can
    /// only shrink until it is under the limit again.
    pub fn set_max_regions(&mut self, max: usize) {
        self.max_regions = max;
    }

    /// `ENOMEM` unless `extra` more regions fit under the limit.
    pub fn room_for(&self, extra: usize) -> Result<(), Errno> {
        match self.regions.len().checked_add(extra) {
            Some(n) if n <= self.max_regions => Ok(()),
            _ => Err(ENOMEM),
        }
    }

    /// How many regions unmapping `[start, end)` adds: 1 when one region
    /// strictly contains the range (it is split in two), else 0.
    pub fn unmap_growth(&self, start: u64, end: u64) -> usize {
        match self.regions.range(..=start).next_back() {
            Some((_, r)) if r.start() < start && r.end() > end => 1,
            _ => 0,
        }
    }

    /// How many regions unmapping `[start, end)` removes: those it covers
    /// whole.
    pub fn unmap_removes(&self, start: u64, end: u64) -> usize {
        self.regions.range(start..end).filter(|(_, r)| r.end() <= end).count()
    }

    /// Bytes covered by regions.
    pub fn mapped_bytes(&self) -> u64 {
        self.regions.values().map(Region::len).fold(0, u64::saturating_add)
    }

    /// Bytes of `[start, start + len)` already covered by regions (the
    /// range is clipped at `u64::MAX`).
    pub fn overlap(&self, start: u64, len: u64) -> u64 {
        let end = start.saturating_add(len);
        let first = self.regions.range(..=start).next_back().map_or(start, |(k, _)| *k);
        self.regions.range(first..end).map(|(_, r)| r.end().min(end).saturating_sub(r.start().max(start))).fold(0, u64::saturating_add)
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// True when there are no regions.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// Regions in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// The regions intersecting `[start, end)`, in address order: a range
    /// lookup, so the cost follows the regions found, not the map's size.
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Region> {
        let first = self.regions.range(..=start).next_back().map_or(start, |(&s, _)| s);
        self.regions.range(first..end.max(first)).map(|(_, r)| r).filter(move |r| r.start() + r.len() > start)
    }

    /// The region containing `addr`.
    pub fn lookup(&self, addr: u64) -> Option<&Region> {
        self.regions.range(..=addr).next_back().map(|(_, r)| r).filter(|r| r.contains(addr))
    }

    pub(crate) fn lookup_mut(&mut self, addr: u64) -> Option<&mut Region> {
        self.regions.range_mut(..=addr).next_back().map(|(_, r)| r).filter(|r| r.contains(addr))
    }

    /// True when no region intersects `[start, start + len)` (the range is
    /// clipped at `u64::MAX`).
    pub fn is_free(&self, start: u64, len: u64) -> bool {
        let end = start.saturating_add(len);
        match self.regions.range(..end).next_back() {
            Some((_, r)) => r.end() <= start,
            None => true,
        }
    }

    /// Present pages in all regions.
    pub fn resident_pages(&self) -> usize {
        self.regions.values().map(Region::resident).sum()
    }

    /// Creates a region at a fixed address, running the type's `new` hook.
    /// `EINVAL` for a bad range or an overlap; `ENOMEM` at the region
    /// limit; the hook's errno (`ENOMEM`) if it cannot populate, with
    /// nothing changed.
    pub fn insert(&mut self, start: u64, len: u64, prot: Prot, mut mem: MemType, frames: &mut dyn FrameAllocator) -> Result<(), Errno> {
        self.check_insert(start, len)?;
        self.room_for(1)?;
        let mut pages = PageMap::new();
        mem.ops_mut().new_region(start, len, &mut pages, frames)?;
        self.regions.insert(start, Region { start, len, prot, mem, pages });
        Ok(())
    }

    /// Inserts a region whose pages are already referenced (fork, sharing).
    /// On error (`EINVAL` as for [`RegionMap::insert`], `ENOMEM` at the
    /// region limit) the caller still owns the pages' references.
    pub(crate) fn insert_populated(
        &mut self,
        start: u64,
        len: u64,
        prot: Prot,
        mem: MemType,
        pages: PageMap,
    ) -> Result<(), (Errno, PageMap)> {
        if let Err(e) = self.check_insert(start, len).and_then(|_| self.room_for(1)) {
            return Err((e, pages));
        }
        self.regions.insert(start, Region { start, len, prot, mem, pages });
        Ok(())
    }

    fn check_insert(&self, start: u64, len: u64) -> Result<(), Errno> {
        check_map_range(start, len)?;
        if self.is_free(start, len) {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// First fit: the lowest page-aligned address `a` with
    /// `[a, a + len)` free and inside `[lower, upper)` (clipped to
    /// `[USER_BOTTOM, USER_TOP)`). `EINVAL` for an unaligned or zero `len`,
    /// `ENOMEM` when nothing fits.
    pub fn find_free(&self, len: u64, lower: u64, upper: u64) -> Result<u64, Errno> {
        if len == 0 || !is_aligned(len) {
            return Err(EINVAL);
        }
        let lower = page_ceil(lower).ok_or(ENOMEM)?.max(USER_BOTTOM);
        let upper = page_floor(upper).min(USER_TOP);
        let mut cand = lower;
        let first = self.regions.range(..=lower).next_back().map_or(lower, |(k, _)| *k);
        for r in self.regions.range(first..).map(|(_, r)| r) {
            if cand >= upper {
                break;
            }
            if r.end() <= cand {
                continue;
            }
            let gap_end = r.start().min(upper);
            if gap_end >= cand && gap_end - cand >= len {
                return Ok(cand);
            }
            cand = cand.max(r.end());
        }
        if upper > cand && upper - cand >= len {
            Ok(cand)
        } else {
            Err(ENOMEM)
        }
    }

    /// Merges the region containing `addr` with adjacent compatible
    /// neighbours (private anonymous, same protection).
    pub fn merge_around(&mut self, addr: u64) {
        let Some(start) = self.lookup(addr).map(Region::start) else {
            return;
        };
        self.merge_with_next(start);
        if let Some(prev) = self.regions.range(..start).next_back().map(|(k, _)| *k) {
            self.merge_with_next(prev);
        }
    }

    fn merge_with_next(&mut self, start: u64) {
        let Some(next) = self.regions.range((Excluded(start), Unbounded)).next().map(|(k, _)| *k) else {
            return;
        };
        let compatible = match (self.regions.get(&start), self.regions.get(&next)) {
            (Some(a), Some(b)) => a.end() == b.start() && a.prot == b.prot && a.mem.mergeable_with(&b.mem),
            _ => false,
        };
        if !compatible {
            return;
        }
        if let Some(mut b) = self.regions.remove(&next) {
            if let Some(a) = self.regions.get_mut(&start) {
                a.len = a.len.saturating_add(b.len);
                a.pages.append(&mut b.pages);
            }
        }
    }

    /// Grows or shrinks the region starting exactly at `start` to
    /// `new_len` bytes (brk). Growing runs the type's `resize` hook
    /// (`EINVAL` if it refuses) and needs the space above free and below
    /// `USER_TOP` (`ENOMEM`). Shrinking unmaps the tail; 0 removes the
    /// region. `EINVAL` if no region starts at `start` or `new_len` is
    /// unaligned.
    pub fn resize(&mut self, start: u64, new_len: u64, frames: &mut dyn FrameAllocator) -> Result<Released, Errno> {
        let (old_len, end) = match self.regions.get(&start) {
            Some(r) => (r.len, r.end()),
            None => return Err(EINVAL),
        };
        if !is_aligned(new_len) {
            return Err(EINVAL);
        }
        if new_len < old_len {
            // start + new_len < end <= USER_TOP: no overflow.
            return self.unmap(start + new_len, old_len - new_len, frames);
        }
        if new_len == old_len {
            return Ok(Released::default());
        }
        let grow = new_len - old_len;
        match end.checked_add(grow) {
            Some(new_end) if new_end <= USER_TOP && self.is_free(end, grow) => {}
            _ => return Err(ENOMEM),
        }
        let Some(r) = self.regions.get_mut(&start) else {
            return Err(EINVAL);
        };
        r.mem.ops_mut().resize(old_len, new_len)?;
        r.len = new_len;
        Ok(Released::default())
    }

    /// Removes every region (exit, exec).
    pub fn clear(&mut self, frames: &mut dyn FrameAllocator) -> Released {
        let mut out = Released::default();
        for (_, mut r) in core::mem::take(&mut self.regions) {
            r.delete(frames, &mut out);
        }
        out
    }

    /// exec: this map becomes `new`, except that the regions meeting
    /// `[start, end)` (the pinned range; nothing when empty) are carried
    /// over into it whole; every other region is deleted, its pages
    /// released. The caller makes sure none of `new`'s regions overlaps a
    /// carried one. Allocates nothing that can fail but tree nodes.
    pub(crate) fn replace_keeping(&mut self, mut new: RegionMap, start: u64, end: u64, frames: &mut dyn FrameAllocator) -> Released {
        let keep: alloc::vec::Vec<u64> = self.overlapping(start, end).map(Region::start).collect();
        for k in keep {
            if let Some(r) = self.regions.remove(&k) {
                new.regions.insert(k, r);
            }
        }
        core::mem::replace(self, new).clear(frames)
    }
}

impl RegionMap {
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Region> {
        self.regions.values_mut()
    }
}

impl RegionMap {
    /// mprotect: every region in `[start, start + len)` gets `prot`, split
    /// at both ends as needed (and merged with its neighbours afterwards
    /// where it can). Answers the addresses of the range's present pages,
    /// whose hardware mappings the caller removes so that the next touch
    /// maps them again under the new rights. `ENOMEM` if any part of the
    /// range is unmapped or the split needs more regions than allowed;
    /// `EACCES` to make a shared file mapping or a physical range (device
    /// memory, the IPC buffer) writable or executable differently than it
    /// was made. Nothing changes on an error.
    pub fn protect(&mut self, start: u64, len: u64, prot: Prot) -> Result<alloc::vec::Vec<u64>, Errno> {
        use crate::memtype::MemType;
        let end = start.checked_add(len).ok_or(minix_abi::errno::EINVAL)?;
        if !is_aligned(start) || len == 0 {
            return Err(minix_abi::errno::EINVAL);
        }
        // Covered from end to end, and allowed for every region.
        let mut at = start;
        for r in self.overlapping(start, end) {
            if r.start() > at {
                return Err(minix_abi::errno::ENOMEM);
            }
            let fixed = match r.mem() {
                MemType::File(f) => f.shared && prot.write(),
                MemType::DirectPhys(_) => prot.bits() != r.prot().bits(),
                _ => false,
            };
            if fixed {
                return Err(minix_abi::errno::EACCES);
            }
            at = r.end();
        }
        if at < end {
            return Err(minix_abi::errno::ENOMEM);
        }
        self.room_for(2)?;
        self.split_at(start);
        self.split_at(end);
        let mut present = alloc::vec::Vec::new();
        for (_, r) in self.regions.range_mut(start..end) {
            r.prot = prot;
            present.extend(r.pages.keys());
        }
        self.merge_around(start);
        if end < u64::MAX {
            self.merge_around(end);
        }
        Ok(present)
    }
}
