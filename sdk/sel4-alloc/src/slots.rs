//! Allocation of free slots in a CNode: a bump range plus a free list.

/// Hands out slot indexes from `[next, end)`, reusing freed ones first.
pub struct SlotAllocator<const F: usize> {
    next: u64,
    end: u64,
    free: [u64; F],
    nfree: usize,
}

impl<const F: usize> SlotAllocator<F> {
    pub const fn new(start: u64, end: u64) -> Self {
        SlotAllocator { next: start, end, free: [0; F], nfree: 0 }
    }

    pub fn alloc(&mut self) -> Option<u64> {
        if self.nfree > 0 {
            self.nfree -= 1;
            return Some(self.free[self.nfree]);
        }
        self.alloc_range(1)
    }

    /// A run of `n` consecutive fresh slots (for Untyped_Retype of n objects).
    pub fn alloc_range(&mut self, n: u64) -> Option<u64> {
        let s = self.next;
        let e = s.checked_add(n)?;
        if e > self.end {
            return None;
        }
        self.next = e;
        Some(s)
    }

    /// Returns a slot (which must be empty again). If the free list is
    /// full the slot is leaked, which is safe.
    pub fn free(&mut self, slot: u64) {
        if self.nfree < F {
            self.free[self.nfree] = slot;
            self.nfree += 1;
        }
    }

    pub fn remaining(&self) -> u64 {
        self.end - self.next + self.nfree as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    }
}
