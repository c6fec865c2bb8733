// SPDX-License-Identifier: BSD-2-Clause
//! Allocation of free slots in a CNode: a bump range plus the set of freed
//! slots, every one of which is reused.
//!
//! The freed set is a hierarchical bitmap over the allocator's whole range:
//! level 0 has one bit per slot (set = freed, ready for reuse), and each
//! level above has one bit per non-empty word of the level below, up to a
//! single word. Finding the lowest freed slot walks down from the top
//! word with one `trailing_zeros` per level, and freeing sets one bit per
//! level at most, so both are O(log64 n): three levels for a 2^18-slot
//! CNode. The bitmap's size is fixed by the range (one bit per slot, 32 KiB
//! for VM's 2^18 slots), so no pattern of allocations and frees can make
//! it grow; it is allocated once, at the first free, because a const
//! constructor cannot allocate.
//!
//! An earlier version kept at most `F` freed slots in an array and leaked
//! the rest, so a server that churned through caps (VM mapping and
//! unmapping pages) ran out of slots for good. `F` is kept as a type
//! parameter so that users' types stay the same; it no longer bounds
//! anything.
//!
//! Freeing a slot twice, or one that was never handed out, is refused
//! ([`SlotAllocator::try_free`] says why): otherwise the slot would be
//! handed out twice and two caps would fight over it.

extern crate alloc;
use alloc::vec::Vec;

/// Why a slot could not be freed.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum FreeError {
    /// The slot is outside the allocator's range.
    OutOfRange,
    /// The slot was never handed out (it lies in the untouched bump range).
    NeverAllocated,
    /// The slot is already free.
    DoubleFree,
    /// The bitmap could not be allocated; the slot is leaked (safe).
    NoMemory,
}

/// Hands out slot indexes from `[start, end)`, reusing every freed one
/// (lowest first) before taking fresh ones from the bump range.
pub struct SlotAllocator<const F: usize> {
    start: u64,
    /// Slots in `[next, end)` have never been handed out.
    next: u64,
    end: u64,
    /// Freed slots below `next` (set bits of level 0).
    nfree: u64,
    /// `levels[0]`: one bit per slot of `[start, end)`; `levels[k + 1]`: one
    /// bit per non-zero word of `levels[k]`; the last level has one word.
    /// Empty until the first free.
    levels: Vec<Vec<u64>>,
}

impl<const F: usize> SlotAllocator<F> {
    pub const fn new(start: u64, end: u64) -> Self {
        // An inverted range is an empty one.
        let end = if end < start { start } else { end };
        SlotAllocator { start, next: start, end, nfree: 0, levels: Vec::new() }
    }

    /// A free slot: the lowest freed one, else a fresh one.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.nfree > 0 {
            if let Some(i) = self.lowest_set() {
                self.clear(i);
                self.nfree -= 1;
                return Some(self.start + i);
            }
        }
        self.alloc_range(1)
    }

    /// A run of `n` consecutive free slots (for Untyped_Retype of n
    /// objects): fresh ones from the bump range, or, once that is used up,
    /// the lowest run of `n` freed slots (a scan of the bitmap, only on
    /// this slow path). `None` if there is no such run or `n` is 0.
    pub fn alloc_range(&mut self, n: u64) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let s = self.next;
        match s.checked_add(n) {
            Some(e) if e <= self.end => {
                self.next = e;
                Some(s)
            }
            _ => self.alloc_freed_run(n),
        }
    }

    /// Returns a slot (which must be empty again). A slot outside the
    /// range, never handed out, or already free is ignored: see
    /// [`SlotAllocator::try_free`].
    pub fn free(&mut self, slot: u64) {
        let _ = self.try_free(slot);
    }

    /// Returns a slot, refusing one that is not allocated.
    pub fn try_free(&mut self, slot: u64) -> Result<(), FreeError> {
        if slot < self.start || slot >= self.end {
            return Err(FreeError::OutOfRange);
        }
        if slot >= self.next {
            return Err(FreeError::NeverAllocated);
        }
        if slot + 1 == self.next {
            // The top of the handed-out range goes back to the bump range,
            // with every freed slot just below it, so that runs stay
            // available for alloc_range. Each slot is absorbed once per
            // free: amortised O(1). (The slot below `next` is never in the
            // freed set, so this cannot be a double free.)
            self.next = slot;
            while self.next > self.start && self.is_set(self.next - 1 - self.start) {
                self.next -= 1;
                self.clear(self.next - self.start);
                self.nfree -= 1;
            }
            return Ok(());
        }
        if !self.ensure_levels() {
            return Err(FreeError::NoMemory);
        }
        let i = slot - self.start;
        if self.is_set(i) {
            return Err(FreeError::DoubleFree);
        }
        self.set(i);
        self.nfree += 1;
        Ok(())
    }

    /// Whether `slot` is currently handed out.
    pub fn is_allocated(&self, slot: u64) -> bool {
        slot >= self.start && slot < self.next && !self.is_set(slot - self.start)
    }

    /// Slots that can still be handed out.
    pub fn remaining(&self) -> u64 {
        self.end - self.next + self.nfree
    }

    /// Slots handed out now.
    pub fn in_use(&self) -> u64 {
        self.next - self.start - self.nfree
    }

    /// Builds the bitmap levels for the whole range, once.
    fn ensure_levels(&mut self) -> bool {
        if !self.levels.is_empty() {
            return true;
        }
        let mut bits = self.end - self.start;
        let mut levels = Vec::new();
        loop {
            let words = bits.div_ceil(64).max(1);
            let Ok(words) = usize::try_from(words) else { return false };
            let mut level = Vec::new();
            if levels.try_reserve(1).is_err() || level.try_reserve_exact(words).is_err() {
                return false;
            }
            level.resize(words, 0u64);
            levels.push(level);
            if words == 1 {
                break;
            }
            bits = words as u64;
        }
        self.levels = levels;
        true
    }

    fn is_set(&self, i: u64) -> bool {
        match self.levels.first() {
            Some(l) => l.get((i / 64) as usize).is_some_and(|w| w & (1 << (i % 64)) != 0),
            None => false,
        }
    }

    /// Sets bit `i` of level 0 and the summary bits above it.
    fn set(&mut self, mut i: u64) {
        for level in self.levels.iter_mut() {
            let Some(w) = level.get_mut((i / 64) as usize) else { return };
            let was_empty = *w == 0;
            *w |= 1 << (i % 64);
            if !was_empty {
                return;
            }
            i /= 64;
        }
    }

    /// Clears bit `i` of level 0 and every summary bit that no longer has
    /// a set bit below it.
    fn clear(&mut self, mut i: u64) {
        for level in self.levels.iter_mut() {
            let Some(w) = level.get_mut((i / 64) as usize) else { return };
            *w &= !(1 << (i % 64));
            if *w != 0 {
                return;
            }
            i /= 64;
        }
    }

    /// The lowest set bit of level 0, walking down from the top word.
    fn lowest_set(&self) -> Option<u64> {
        let mut i = 0u64;
        for level in self.levels.iter().rev() {
            let w = *level.get(i as usize)?;
            if w == 0 {
                return None;
            }
            i = i * 64 + w.trailing_zeros() as u64;
        }
        (!self.levels.is_empty()).then_some(i)
    }

    /// Takes the lowest run of `n` freed slots.
    fn alloc_freed_run(&mut self, n: u64) -> Option<u64> {
        if self.nfree < n {
            return None;
        }
        let leaves = self.levels.first()?;
        let (mut run_start, mut run_len) = (0u64, 0u64);
        let mut found = None;
        'words: for (wi, &w) in leaves.iter().enumerate() {
            if w == 0 {
                run_len = 0;
                continue;
            }
            for b in 0..64 {
                let i = wi as u64 * 64 + b;
                if w & (1 << b) == 0 {
                    run_len = 0;
                    continue;
                }
                if run_len == 0 {
                    run_start = i;
                }
                run_len += 1;
                if run_len == n {
                    found = Some(run_start);
                    break 'words;
                }
            }
        }
        let first = found?;
        for i in first..first + n {
            self.clear(i);
        }
        self.nfree -= n;
        Some(self.start + first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn bump_free_and_limits() {
        let mut s: SlotAllocator<2> = SlotAllocator::new(10, 14);
        assert_eq!(s.alloc(), Some(10));
        assert_eq!(s.alloc_range(2), Some(11));
        assert_eq!(s.remaining(), 1);
        s.free(10);
        assert_eq!(s.alloc(), Some(10));
        assert_eq!(s.alloc(), Some(13));
        assert_eq!(s.alloc(), None);
        assert_eq!(s.alloc_range(u64::MAX), None);
        assert_eq!(s.alloc_range(0), None);
    }

    /// VM's CNode: 2^18 slots from FIRST_FREE.
    const START: u64 = 1024;
    const END: u64 = 1 << 18;

    #[test]
    fn all_freed_all_reused() {
        // Far more than the 2,048 freed slots the old allocator kept.
        let mut s: SlotAllocator<2048> = SlotAllocator::new(START, END);
        let all: Vec<u64> = core::iter::from_fn(|| s.alloc()).collect();
        assert_eq!(all.len() as u64, END - START);
        assert_eq!(s.remaining(), 0);
        // Free every other slot first (no run merges back into the bump
        // range), then the rest.
        for &x in all.iter().step_by(2) {
            assert_eq!(s.try_free(x), Ok(()));
        }
        assert_eq!(s.remaining(), (END - START) / 2);
        for &x in all.iter().skip(1).step_by(2) {
            assert_eq!(s.try_free(x), Ok(()));
        }
        assert_eq!((s.remaining(), s.in_use()), (END - START, 0));
        let again: BTreeSet<u64> = core::iter::from_fn(|| s.alloc()).collect();
        assert_eq!(again.len() as u64, END - START);
        assert_eq!(again.first().copied(), Some(START));
        assert_eq!(again.last().copied(), Some(END - 1));
        assert_eq!(s.alloc(), None);
    }

    #[test]
    fn freed_slots_come_back_lowest_first() {
        let mut s: SlotAllocator<1> = SlotAllocator::new(0, 10_000);
        for _ in 0..10_000 {
            s.alloc().unwrap();
        }
        for x in [9000, 17, 4096, 64, 65] {
            s.free(x);
        }
        assert_eq!(
            [s.alloc(), s.alloc(), s.alloc(), s.alloc(), s.alloc(), s.alloc()],
            [Some(17), Some(64), Some(65), Some(4096), Some(9000), None]
        );
    }

    #[test]
    fn double_free_and_strangers_refused() {
        let mut s: SlotAllocator<4> = SlotAllocator::new(100, 200);
        let a = s.alloc().unwrap();
        let b = s.alloc().unwrap();
        assert_eq!(s.try_free(a), Ok(()));
        assert_eq!(s.try_free(a), Err(FreeError::DoubleFree));
        // A refused double free must not make the slot come back twice.
        s.free(a);
        assert_eq!(s.alloc(), Some(a));
        assert_eq!(s.alloc(), Some(b + 1));
        assert_eq!(s.try_free(99), Err(FreeError::OutOfRange));
        assert_eq!(s.try_free(200), Err(FreeError::OutOfRange));
        assert_eq!(s.try_free(150), Err(FreeError::NeverAllocated));
        // The top slot goes back to the bump range; freeing it again is
        // still caught.
        let top = b + 1;
        assert_eq!(s.try_free(top), Ok(()));
        assert_eq!(s.try_free(top), Err(FreeError::NeverAllocated));
        assert!(s.is_allocated(a) && s.is_allocated(b) && !s.is_allocated(top));
    }

    #[test]
    fn ranges_after_the_bump_range_is_used_up() {
        let mut s: SlotAllocator<1> = SlotAllocator::new(0, 256);
        assert_eq!(s.alloc_range(256), Some(0));
        for x in (10..20).chain(100..164) {
            s.free(x);
        }
        assert_eq!(s.alloc_range(64), Some(100));
        assert_eq!(s.alloc_range(11), None);
        assert_eq!(s.alloc_range(10), Some(10));
        assert_eq!(s.remaining(), 0);
        // Freeing the top merges it and the freed slots below it back into
        // the bump range.
        for x in (200..255).rev() {
            s.free(x);
        }
        assert_eq!(s.remaining(), 55);
        s.free(255);
        assert_eq!(s.remaining(), 56);
        assert_eq!(s.alloc_range(56), Some(200));
    }

    #[test]
    fn empty_and_inverted_ranges() {
        let mut s: SlotAllocator<1> = SlotAllocator::new(5, 5);
        assert_eq!((s.alloc(), s.remaining()), (None, 0));
        let mut s: SlotAllocator<1> = SlotAllocator::new(9, 5);
        assert_eq!((s.alloc(), s.remaining()), (None, 0));
        assert_eq!(s.try_free(7), Err(FreeError::OutOfRange));
    }
}
