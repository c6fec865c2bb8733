// SPDX-License-Identifier: BSD-2-Clause
//! Per-page state, and what the glue must map or unmap.

use crate::frames::FrameId;
pub use crate::page_map::RadixMap;
use alloc::vec::Vec;

/// What backs a present page.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum PageFrame {
    /// A refcounted frame from the [`crate::frames::FrameAllocator`].
    Pool(FrameId),
    /// A fixed physical page (device memory); never allocated or freed.
    Phys(u64),
}

impl PageFrame {
    /// The pool frame, if this is one.
    pub fn pool(self) -> Option<FrameId> {
        match self {
            PageFrame::Pool(f) => Some(f),
            PageFrame::Phys(_) => None,
        }
    }
}

/// A present page.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct Page {
    /// The frame it maps.
    pub frame: PageFrame,
    /// Copy-on-write: mapped read-only even in a writable region; a write
    /// fault copies the frame (or takes it over when no one else holds it).
    pub cow: bool,
}

impl Page {
    /// A private page of a pool frame, not copy-on-write.
    pub const fn own(frame: FrameId) -> Page {
        Page { frame: PageFrame::Pool(frame), cow: false }
    }
}

/// A region's present pages, keyed by page-aligned virtual address: a
/// radix map (see [`crate::page_map`]), as lookups and inserts on the
/// fault and copy paths must cost tens of instructions, not hundreds.
pub type PageMap = RadixMap<Page>;

/// Page-table attributes for a mapping.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct PtFlags {
    /// Executable (otherwise the glue sets execute-never).
    pub exec: bool,
    /// Uncached, for device memory.
    pub uncached: bool,
}

/// A page the glue must map into the process's VSpace. If another frame is
/// mapped at `vaddr` (a copy-on-write break), the glue unmaps it first.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct Mapping {
    /// Page-aligned virtual address.
    pub vaddr: u64,
    /// The frame to map.
    pub frame: PageFrame,
    /// Map writable (otherwise read-only).
    pub writable: bool,
    /// Page-table attributes.
    pub flags: PtFlags,
}

/// What an unmap (munmap, brk shrink, exit...) gave back.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Released {
    /// Pages that were present: the glue unmaps each `(vaddr, frame)` from
    /// the process's VSpace (pages it never mapped may be skipped).
    pub unmapped: Vec<(u64, PageFrame)>,
    /// Frames whose last reference went away: after unmapping, the glue
    /// calls [`crate::frames::FrameAllocator::free`] on each.
    pub to_free: Vec<FrameId>,
}

impl Released {
    /// True when nothing was released.
    pub fn is_empty(&self) -> bool {
        self.unmapped.is_empty() && self.to_free.is_empty()
    }

    /// Adds another release to this one.
    pub fn append(&mut self, mut other: Released) {
        self.unmapped.append(&mut other.unmapped);
        self.to_free.append(&mut other.to_free);
    }

    /// Frees every collected frame (for callers with nothing to unmap, and
    /// for tests).
    pub fn free_all(self, frames: &mut dyn crate::frames::FrameAllocator) {
        for f in self.to_free {
            frames.free(f);
        }
    }
}
