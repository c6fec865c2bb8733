// SPDX-License-Identifier: BSD-2-Clause
//! Frames: opaque handles, the allocator interface the glue implements, and
//! a refcount table it can embed.
//!
//! Reference counting is what makes copy-on-write and shared regions work:
//! every page entry that names a frame holds one reference. The library
//! never frees a frame itself when the frame may still be mapped: dropping
//! the last reference reports the frame in [`crate::page::Released`]; the
//! caller unmaps it and then calls [`FrameAllocator::free`].

use alloc::vec::Vec;
use minix_abi::errno::Errno;

/// An opaque handle on one 4 KiB frame owned by the allocator.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct FrameId(pub u64);

/// The frame pool, implemented by the seL4 glue (and by
/// [`crate::host_frames::HostFrames`] for tests).
pub trait FrameAllocator {
    /// A fresh zero-filled frame holding one reference, or `ENOMEM`.
    fn alloc_zeroed(&mut self) -> Result<FrameId, Errno>;

    /// A fresh frame holding a copy of `src`'s contents and one reference,
    /// or `ENOMEM`. Used to break copy-on-write.
    fn alloc_copy(&mut self, src: FrameId) -> Result<FrameId, Errno>;

    /// `count` physically contiguous zero-filled frames, each holding one
    /// reference, in address order; `ENOMEM` if there is no such run.
    fn alloc_contig(&mut self, count: u64) -> Result<Vec<FrameId>, Errno>;

    /// Adds a reference (a second page entry names the frame).
    fn add_ref(&mut self, frame: FrameId);

    /// Drops a reference and returns how many are left. 0 means nothing
    /// names the frame any more: whoever collected it frees it once it is
    /// unmapped. An unknown frame must not be reported as 0 (answer 1), so
    /// that a bookkeeping bug can never free a frame twice.
    fn drop_ref(&mut self, frame: FrameId) -> u32;

    /// The current number of references (0 for an unknown frame).
    fn refcount(&self, frame: FrameId) -> u32;

    /// Returns an unreferenced frame to the pool.
    fn free(&mut self, frame: FrameId);
}

/// The refcount table every allocator embeds: the seL4 glue and the host
/// test allocator alike, so both follow the same rules. Frame ids are small
/// dense indexes (VM's window slots), so counts live in a vector indexed by
/// id: O(1) on the fault path. A count of 0 means "not allocated".
///
/// Counts saturate at `u32::MAX` and then stick there: a frame whose count
/// overflowed is leaked rather than ever freed while still in use.
#[derive(Default, Debug, Clone)]
pub struct RefCounts {
    counts: Vec<u32>,
    live: usize,
}

impl RefCounts {
    /// An empty table.
    pub const fn new() -> RefCounts {
        RefCounts { counts: Vec::new(), live: 0 }
    }

    /// Room for ids below `frames` without growing later.
    pub fn reserve(&mut self, frames: usize) {
        self.counts.reserve(frames.saturating_sub(self.counts.len()));
    }

    /// Records a newly allocated frame with one reference.
    pub fn start(&mut self, frame: FrameId) {
        let i = frame.0 as usize;
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        if self.counts[i] == 0 {
            self.live += 1;
        }
        self.counts[i] = 1;
    }

    /// Adds a reference; false (and no change) for a frame that is not
    /// allocated, so a stale id can never revive a freed frame.
    pub fn add(&mut self, frame: FrameId) -> bool {
        match self.counts.get_mut(frame.0 as usize) {
            Some(c) if *c > 0 => {
                *c = c.saturating_add(1);
                true
            }
            _ => false,
        }
    }

    /// Drops a reference and returns how many are left. Unallocated
    /// frames answer 1 (see [`FrameAllocator::drop_ref`]): a frame is
    /// reported unreferenced exactly once. Saturated counts stay saturated.
    pub fn drop_ref(&mut self, frame: FrameId) -> u32 {
        match self.counts.get_mut(frame.0 as usize) {
            None | Some(0) => 1,
            Some(c) if *c == u32::MAX => u32::MAX,
            Some(c) => {
                *c -= 1;
                if *c == 0 {
                    self.live -= 1;
                }
                *c
            }
        }
    }

    /// The number of references, 0 for an unallocated frame.
    pub fn get(&self, frame: FrameId) -> u32 {
        self.counts.get(frame.0 as usize).copied().unwrap_or(0)
    }

    /// How many frames have references.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no frame has a reference.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let mut r = RefCounts::new();
        let f = FrameId(7);
        assert_eq!(r.get(f), 0);
        assert!(!r.add(f));
        assert_eq!(r.drop_ref(f), 1);
        r.start(f);
        assert!(r.add(f));
        assert_eq!(r.get(f), 2);
        assert_eq!(r.drop_ref(f), 1);
        assert_eq!(r.drop_ref(f), 0);
        assert!(r.is_empty());
        // Freed: no revival, and 0 is never reported twice.
        assert!(!r.add(f));
        assert_eq!(r.drop_ref(f), 1);
        // Reallocated: counts again.
        r.start(f);
        assert_eq!((r.get(f), r.len()), (1, 1));
    }

    #[test]
    fn saturation_sticks() {
        let mut r = RefCounts::new();
        let f = FrameId(1);
        r.start(f);
        r.counts[f.0 as usize] = u32::MAX - 1;
        r.add(f);
        r.add(f);
        assert_eq!(r.get(f), u32::MAX);
        assert_eq!(r.drop_ref(f), u32::MAX);
    }
}
