// SPDX-License-Identifier: BSD-2-Clause
//! A model of the kernel's untyped memory, so the root task knows which
//! untyped cap can hold the next object.
//!
//! seL4 places each new object at the untyped's free index rounded up to
//! the object's size. We mirror that: every untyped has a watermark that
//! only grows. (Objects are recycled by their users, e.g. VM keeps free
//! frames, rather than returned to untyped; memory that must change type
//! is carved into child untypeds of its own, see [`crate::units`].)

/// One untyped capability.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UntypedEntry {
    pub cap: u64,
    pub paddr: u64,
    pub size_bits: u8,
    pub is_device: bool,
    /// Bytes used from the start, object alignment included.
    pub watermark: u64,
}

impl UntypedEntry {
    pub fn size(&self) -> u64 {
        1u64.checked_shl(self.size_bits as u32).unwrap_or(0)
    }

    /// Offset at which an object of `2^bits` bytes would go, if it fits.
    fn fit(&self, bits: u32) -> Option<u64> {
        let obj = 1u64.checked_shl(bits)?;
        let start = self.watermark.checked_add(obj - 1)? & !(obj - 1);
        let end = start.checked_add(obj)?;
        (end <= self.size()).then_some(start)
    }
}

/// Fixed-capacity pool of untyped caps (no allocation needed).
pub struct UntypedPool<const N: usize> {
    entries: [Option<UntypedEntry>; N],
    len: usize,
}

impl<const N: usize> Default for UntypedPool<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> UntypedPool<N> {
    pub const fn new() -> Self {
        UntypedPool { entries: [None; N], len: 0 }
    }

    /// Adds an untyped; returns false when the pool is full.
    pub fn add(&mut self, cap: u64, paddr: u64, size_bits: u8, is_device: bool) -> bool {
        if self.len == N {
            return false;
        }
        self.entries[self.len] = Some(UntypedEntry { cap, paddr, size_bits, is_device, watermark: 0 });
        self.len += 1;
        true
    }

    fn iter(&self) -> impl Iterator<Item = &UntypedEntry> {
        self.entries[..self.len].iter().flatten()
    }

    /// Total bytes of RAM (non-device) untyped.
    pub fn total_ram(&self) -> u64 {
        self.iter().filter(|e| !e.is_device).map(|e| e.size()).sum()
    }

    /// Bytes of RAM untyped above the watermarks.
    pub fn free_ram(&self) -> u64 {
        self.iter().filter(|e| !e.is_device).map(|e| e.size() - e.watermark.min(e.size())).sum()
    }

    /// Chooses the untyped for an object of `2^bits` bytes and advances its
    /// watermark. Best fit: the smallest untyped that can hold it, so large
    /// untypeds stay whole for large requests. Returns the untyped cap.
    pub fn place(&mut self, bits: u32) -> Option<u64> {
        let mut best: Option<usize> = None;
        for i in 0..self.len {
            let Some(e) = &self.entries[i] else { continue };
            if e.is_device || e.fit(bits).is_none() {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => {
                    let cur = self.entries[b].as_ref().map(|x| x.size_bits).unwrap_or(u8::MAX);
                    e.size_bits < cur
                }
            };
            if better {
                best = Some(i);
            }
        }
        let e = self.entries[best?].as_mut()?;
        let start = e.fit(bits)?;
        e.watermark = start + (1u64 << bits);
        Some(e.cap)
    }

    /// Chooses an untyped for `n` consecutive objects of `2^bits` bytes
    /// (one Untyped_Retype of n objects places them back to back, so they
    /// are physically contiguous) and advances its watermark.
    pub fn place_n(&mut self, bits: u32, n: u64) -> Option<u64> {
        let obj = 1u64.checked_shl(bits)?;
        let total = obj.checked_mul(n)?;
        for i in 0..self.len {
            let Some(e) = self.entries[i].as_mut() else { continue };
            if e.is_device {
                continue;
            }
            let Some(start) = e.watermark.checked_add(obj - 1).map(|w| w & !(obj - 1)) else { continue };
            let Some(end) = start.checked_add(total) else { continue };
            if end <= e.size() {
                e.watermark = end;
                return Some(e.cap);
            }
        }
        None
    }

    /// Takes a whole RAM untyped of at least `2^bits` bytes out of the pool
    /// (to hand to another process). Chooses the smallest that is unused.
    pub fn take_whole(&mut self, min_bits: u8) -> Option<UntypedEntry> {
        let mut best: Option<usize> = None;
        for i in 0..self.len {
            let Some(e) = &self.entries[i] else { continue };
            if e.is_device || e.watermark != 0 || e.size_bits < min_bits {
                continue;
            }
            if best.is_none_or(|b| self.entries[b].is_none_or(|x| e.size_bits < x.size_bits)) {
                best = Some(i);
            }
        }
        self.entries[best?].take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_mirrors_the_kernel() {
        let mut p: UntypedPool<4> = UntypedPool::new();
        p.add(10, 0x100000, 16, false); // 64 KiB
        assert_eq!(p.place(4), Some(10)); // endpoint at 0
        assert_eq!(p.place(12), Some(10)); // frame at 4096 after rounding
        let e = p.entries[0].unwrap();
        assert_eq!(e.watermark, 8192);
        assert_eq!(p.free_ram(), 65536 - 8192);
    }

    #[test]
    fn best_fit_and_exhaustion() {
        let mut p: UntypedPool<4> = UntypedPool::new();
        p.add(1, 0, 20, false);
        p.add(2, 0, 13, false);
        p.add(3, 0, 30, true); // device memory is never used for objects
        assert_eq!(p.place(12), Some(2));
        assert_eq!(p.place(12), Some(2));
        assert_eq!(p.place(12), Some(1));
        assert_eq!(p.total_ram(), (1 << 20) + (1 << 13));
        // Too large for anything.
        assert_eq!(p.place(21), None);
        assert_eq!(p.place(64), None);
    }

    #[test]
    fn place_n_is_contiguous_in_one_untyped() {
        let mut p: UntypedPool<4> = UntypedPool::new();
        p.add(1, 0, 13, false); // 2 frames
        p.add(2, 0, 16, false); // 16 frames
        assert_eq!(p.place_n(12, 3), Some(2));
        assert_eq!(p.place_n(12, 2), Some(1));
        assert_eq!(p.place_n(12, 14), None);
        assert_eq!(p.place_n(12, 13), Some(2));
        assert_eq!(p.place_n(12, u64::MAX), None);
    }

    #[test]
    fn take_whole_skips_used() {
        let mut p: UntypedPool<4> = UntypedPool::new();
        p.add(1, 0, 22, false);
        p.add(2, 0, 24, false);
        p.place(12);
        let t = p.take_whole(20).unwrap();
        assert_eq!(t.cap, 2);
        assert!(p.take_whole(20).is_none());
        // The taken untyped is gone for good: only it could hold 8 MiB.
        assert_eq!(p.place(23), None);
        assert_eq!(p.place(21), Some(1));
        // A pool of 4 that has had 2 entries takes 2 more, then refuses
        // (a taken entry's place is not reused).
        assert!(p.add(5, 0, 12, false) && p.add(6, 0, 12, false));
        assert!(!p.add(7, 0, 12, false), "a full pool accepted a fifth untyped");
        assert_eq!(p.place(12), Some(5));
    }
}
