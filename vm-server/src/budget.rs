// SPDX-License-Identifier: BSD-2-Clause
//! How VM shares out the memory it has not yet made into anything: the
//! pages of untyped memory past the watermarks plus the free 4 KiB units
//! (`sel4_alloc::units`), together the *spare* pages.
//!
//! Three users draw on the spare pages, each with its own rule:
//!
//! * **processes' frames** take only what lies beyond the heap's part and
//!   the paging reserve, so neither is ever taken by processes' data;
//! * **paging structures** (every level a process's VSpace needs, each in
//!   its own unit) take anything beyond the heap's part, the paging
//!   reserve included, and past that a frame from VM's free list: a page
//!   table is never starved by frames;
//! * **VM's heap** takes only its own part, which shrinks as the heap
//!   grows and is never refilled, so the heap can never take memory from
//!   processes for good; past it, requests that build bookkeeping answer
//!   `ENOMEM` (VM itself never fails an allocation).
//!
//! Frames processes freed wait on VM's free list and paging structures of
//! exited processes go back to the spare pages as units, so once the
//! processes that used memory are gone, [`Budget::free_frames`] is back
//! where it was: the heap's growth came out of its own part, which
//! processes never counted.
//!
//! The invariant `spare >= heap_left` holds throughout: frames and paging
//! structures stop above it and the heap takes from both at once.

/// Share of all memory kept from processes' frames: 1/8, for VM's heap
/// and for paging structures.
pub const RESERVE_SHIFT: u32 = 3;
/// Share of all memory only paging structures may use: 1/64 (a page
/// table for every 2 MiB of all of memory, many times over, or one
/// page table each for that many scattered pages).
pub const PAGING_SHIFT: u32 = 6;

/// Where a new paging structure's page comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagingSource {
    /// The spare pages (a free unit, or untyped memory).
    Spare,
    /// A frame on VM's free list, taken out of the pool.
    FreeFrame,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Pages the heap may still take.
    heap_left: u64,
    /// Pages only paging structures may take.
    paging_reserve: u64,
}

impl Budget {
    /// The shares for a machine of `total` pages of memory.
    pub fn new(total: u64) -> Budget {
        let reserve = total >> RESERVE_SHIFT;
        let paging = total >> PAGING_SHIFT;
        Budget { heap_left: reserve - paging, paging_reserve: paging }
    }

    /// Pages the heap may still take.
    pub fn heap_left(&self) -> u64 {
        self.heap_left
    }

    /// Pages only paging structures may take.
    pub fn paging_reserve(&self) -> u64 {
        self.paging_reserve
    }

    /// Of `spare` pages, how many processes' frames may take.
    #[inline]
    pub fn for_frames(&self, spare: u64) -> u64 {
        spare.saturating_sub(self.heap_left.saturating_add(self.paging_reserve))
    }

    /// Whether a paging structure may take one of `spare` pages.
    #[inline]
    pub fn for_paging(&self, spare: u64) -> bool {
        spare > self.heap_left
    }

    /// Where a paging structure comes from: the spare pages while the
    /// budget allows, else one of `free_frames` frames on VM's free list
    /// (memory processes freed, which page tables may always have), else
    /// nowhere.
    pub fn paging_source(&self, spare: u64, free_frames: u64) -> Option<PagingSource> {
        if self.for_paging(spare) {
            Some(PagingSource::Spare)
        } else if free_frames > 0 {
            Some(PagingSource::FreeFrame)
        } else {
            None
        }
    }

    /// How many of `want` pages the heap may take out of `spare`.
    pub fn for_heap(&self, spare: u64, want: u64) -> u64 {
        want.min(self.heap_left).min(spare)
    }

    /// The heap took `n` pages (at most what [`Budget::for_heap`] allowed).
    pub fn heap_took(&mut self, n: u64) {
        self.heap_left = self.heap_left.saturating_sub(n);
    }

    /// Frames processes could still get: those made and free (`made_free`,
    /// VM's free list and fresh frames) and what the spare pages allow.
    #[inline]
    pub fn free_frames(&self, made_free: u64, spare: u64) -> u64 {
        made_free + self.for_frames(spare)
    }
}

/// Paging structures an exited process's VSpace may keep, so that the
/// next small process to get it (a fork and exit, the common case) makes
/// and deletes none: at most this many in one VSpace...
pub const KEEP_PER_VSPACE: u64 = 16;
/// ...and at most this many kept over all spare VSpaces: memory that
/// stays out of the free frames for good, 256 KiB.
pub const KEEP_MAX: u64 = 64;

/// Whether a VSpace with `count` paging structures keeps them when its
/// process exits, with `kept` already kept by other spare VSpaces.
pub fn keep_paging(count: u64, kept: u64) -> bool {
    count > 0 && count <= KEEP_PER_VSPACE && kept.saturating_add(count) <= KEEP_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_a_512_mib_machine() {
        let b = Budget::new(131_072);
        assert_eq!((b.heap_left(), b.paging_reserve()), (16_384 - 2_048, 2_048));
        assert_eq!(b.for_frames(131_072), 131_072 - 16_384);
        assert_eq!(b.for_frames(16_000), 0);
        assert!(b.for_paging(14_337) && !b.for_paging(14_336));
    }

    #[test]
    fn only_small_vspaces_keep_their_paging_structures_and_only_a_few() {
        assert!(keep_paging(7, 0) && keep_paging(KEEP_PER_VSPACE, 0));
        assert!(!keep_paging(0, 0), "nothing to keep");
        assert!(!keep_paging(KEEP_PER_VSPACE + 1, 0));
        assert!(keep_paging(4, KEEP_MAX - 4) && !keep_paging(5, KEEP_MAX - 4));
        assert!(!keep_paging(1, u64::MAX));
        // However exits come, the total kept stays bounded.
        let mut kept = 0;
        for count in (0..1000).map(|i| i % 23) {
            if keep_paging(count, kept) {
                kept += count;
            }
        }
        assert!(kept <= KEEP_MAX);
    }
}
