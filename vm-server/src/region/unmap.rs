// SPDX-License-Identifier: BSD-2-Clause
//! Unmapping an arbitrary range, and splitting regions.

use super::{Region, RegionMap};
use crate::addr::{check_user_range, is_aligned, round_len};
use crate::frames::FrameAllocator;
use crate::page::Released;
use alloc::vec::Vec;
use minix_abi::errno::Errno;

impl RegionMap {
    /// Unmaps `[addr, addr + len)` (`len` rounded up to pages), whatever
    /// regions it covers: whole regions go away, a region cut at its start
    /// shrinks through the `lowshrink` hook, one cut at its end is
    /// truncated, one cut in the middle splits in two. Unmapping nothing
    /// is fine. `EINVAL` for an unaligned `addr`, zero `len` or a range
    /// past `USER_TOP`; `ENOMEM`, with nothing changed, when the split
    /// would take the map past its region limit.
    pub fn unmap(&mut self, addr: u64, len: u64, frames: &mut dyn FrameAllocator) -> Result<Released, Errno> {
        let len = round_len(len)?;
        let end = check_user_range(addr, len)?;
        self.room_for(self.unmap_growth(addr, end))?;
        // Regions are sorted and disjoint, so their ends are sorted too.
        let starts: Vec<u64> = self.regions.range(..end).rev().take_while(|(_, r)| r.end() > addr).map(|(k, _)| *k).collect();
        let mut out = Released::default();
        for start in starts {
            if let Some(r) = self.regions.remove(&start) {
                self.cut(r, addr, end, frames, &mut out);
            }
        }
        Ok(out)
    }

    /// Removes `[addr, end)` from a region taken out of the map, and puts
    /// back what is left.
    fn cut(&mut self, mut r: Region, addr: u64, end: u64, frames: &mut dyn FrameAllocator, out: &mut Released) {
        let (rs, re) = (r.start, r.end());
        if rs >= addr && re <= end {
            r.delete(frames, out);
            return;
        }
        if rs < addr && re > end {
            let upper = r.split_off(end);
            let middle = r.pages.split_off(&addr);
            r.len = addr - rs;
            r.release(middle, frames, out);
            self.regions.insert(upper.start, upper);
            self.regions.insert(r.start, r);
        } else if rs < addr {
            let tail = r.pages.split_off(&addr);
            r.len = addr - rs;
            r.release(tail, frames, out);
            self.regions.insert(r.start, r);
        } else {
            let rest = r.pages.split_off(&end);
            let head = core::mem::replace(&mut r.pages, rest);
            r.release(head, frames, out);
            r.mem.ops_mut().lowshrink(end - rs);
            r.start = end;
            r.len = re - end;
            self.regions.insert(r.start, r);
        }
    }

    /// Splits the region strictly containing the page-aligned `addr` into
    /// `[start, addr)` and `[addr, end)`. False if nothing was split
    /// (nothing to split, or the map is at its region limit).
    pub fn split_at(&mut self, addr: u64) -> bool {
        if !is_aligned(addr) || self.room_for(1).is_err() {
            return false;
        }
        let Some(start) = self.lookup(addr).map(Region::start) else {
            return false;
        };
        if start == addr {
            return false;
        }
        let Some(r) = self.regions.get_mut(&start) else {
            return false;
        };
        let upper = r.split_off(addr);
        self.regions.insert(upper.start, upper);
        true
    }
}
