// SPDX-License-Identifier: BSD-2-Clause
//! A process's regions: each a page-aligned range with a protection, a
//! memory type and its present pages.
//!
//! Errnos: a bad range (unaligned address or length, zero length, outside
//! `[USER_BOTTOM, USER_TOP)`, overflow) and a fixed insert over an
//! existing region are `EINVAL`; no free range, no room to grow, or no
//! room for another region under the map's limit, is `ENOMEM`.

mod map;
mod unmap;

pub use map::{RegionMap, MAX_REGIONS};

use crate::frames::FrameAllocator;
use crate::memtype::MemType;
use crate::page::{Page, PageMap, Released};
use crate::prot::Prot;

/// One region. Its range always lies inside `[USER_BOTTOM, USER_TOP)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    start: u64,
    len: u64,
    prot: Prot,
    mem: MemType,
    pages: PageMap,
}

impl Region {
    /// First address.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Length in bytes (a non-zero multiple of the page size).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Always false: regions are never empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// First address past the region (at most `USER_TOP`).
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }

    /// Protection.
    pub fn prot(&self) -> Prot {
        self.prot
    }

    /// Memory type.
    pub fn mem(&self) -> &MemType {
        &self.mem
    }

    /// Present pages by virtual address.
    pub fn pages(&self) -> &PageMap {
        &self.pages
    }

    /// The present page at a page-aligned address.
    pub fn page(&self, vaddr: u64) -> Option<&Page> {
        self.pages.get(&vaddr)
    }

    /// True when `addr` lies in the region.
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.start && addr < self.end()
    }

    /// Number of present pages.
    pub fn resident(&self) -> usize {
        self.pages.len()
    }

    pub(crate) fn pages_mut(&mut self) -> &mut PageMap {
        &mut self.pages
    }

    pub(crate) fn mem_mut(&mut self) -> &mut MemType {
        &mut self.mem
    }

    /// Unreferences `pages` (taken out of this region) through its type.
    pub(crate) fn release(&self, pages: PageMap, frames: &mut dyn FrameAllocator, out: &mut Released) {
        let ops = self.mem.ops();
        for (vaddr, page) in pages {
            ops.unreference(vaddr, page, frames, out);
        }
    }

    /// Deletes every page through the type's `delete` hook.
    fn delete(&mut self, frames: &mut dyn FrameAllocator, out: &mut Released) {
        let mut pages = core::mem::take(&mut self.pages);
        self.mem.ops_mut().delete(&mut pages, frames, out);
    }

    /// Cuts the region at `at` (strictly inside, page aligned): this keeps
    /// `[start, at)` and the upper part `[at, end)` is returned.
    fn split_off(&mut self, at: u64) -> Region {
        let end = self.end();
        let offset = at.saturating_sub(self.start);
        let upper = Region {
            start: at,
            len: end.saturating_sub(at),
            prot: self.prot,
            mem: self.mem.ops().split(offset),
            pages: self.pages.split_off(&at),
        };
        self.len = offset;
        upper
    }
}

impl Region {
    /// The type, the protection and the pages, for walking pages with the
    /// type's hooks at hand.
    pub(crate) fn parts_mut(&mut self) -> (&MemType, Prot, &mut PageMap) {
        (&self.mem, self.prot, &mut self.pages)
    }
}
