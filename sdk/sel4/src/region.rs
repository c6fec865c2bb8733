// SPDX-License-Identifier: BSD-2-Clause
//! Safe access to memory that came from outside Rust: a range of this
//! address space that something else mapped (an anonymous mapping VM made,
//! say) and that one owner uses alone. The one unsafe step is saying so,
//! in [`MappedRegion::new`]; every accessor after it is bounds-checked.

/// A mapped range of this address space, used only through this value.
#[derive(Debug)]
pub struct MappedRegion {
    /// Invariant (from [`MappedRegion::new`]): `base..base + len` is mapped
    /// readable, writable when `writable`, and reached only through `self`.
    base: u64,
    len: u64,
    writable: bool,
}

impl MappedRegion {
    /// Takes charge of the `len` bytes at `base`.
    ///
    /// # Safety
    ///
    /// For as long as the region, or any part split off it, exists:
    ///
    /// - `base` is not 0, `base + len` does not wrap and `len` is at most
    ///   `isize::MAX`;
    /// - the range is mapped in this address space, readable, and writable
    ///   if `writable`, and stays so (pages a pager maps on first touch
    ///   count as mapped);
    /// - nothing else in this process reaches the range: no Rust
    ///   reference, no other region, no raw access;
    /// - whatever writes it from outside the process (a server copying
    ///   through a grant) does so only while this thread waits in the IPC
    ///   call that asked for it, when no slice of the region is borrowed.
    pub const unsafe fn new(base: u64, len: u64, writable: bool) -> MappedRegion {
        MappedRegion { base, len, writable }
    }

    /// The address of the first byte (to hand to a server, in a grant).
    pub fn base(&self) -> u64 {
        self.base
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_writable(&self) -> bool {
        self.writable
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the range is mapped readable and reached only through
        // `self` (new's contract); `&self` keeps `as_mut_slice` and the
        // writes out while the slice lives.
        unsafe { crate::slice_at(self.base, self.len as usize) }
    }

    /// # Panics
    ///
    /// If the region is read-only.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        assert!(self.writable, "mutable slice of a read-only region");
        // SAFETY: the range is mapped writable (checked just above) and
        // reached only through `self`, which `&mut self` borrows whole.
        unsafe { crate::slice_at_mut(self.base, self.len as usize) }
    }

    /// A region of no bytes (at a dangling, nonzero address), owning
    /// nothing: what is left where a region was moved out.
    pub const fn empty() -> MappedRegion {
        MappedRegion { base: 1, len: 0, writable: false }
    }

    /// The region for good, as a slice: nothing will ever unmap it.
    ///
    /// # Panics
    ///
    /// If the region is read-only.
    pub fn leak(self) -> &'static mut [u8] {
        assert!(self.writable, "mutable slice of a read-only region");
        // SAFETY: the range is mapped writable (checked) and, by new's
        // contract, stays so for as long as the region exists and is
        // reached only through it. The region is consumed here and the
        // slice takes its place for good: it is the one way left to the
        // range, and the region (never dropped or split again) can no
        // longer end its mapping.
        unsafe { crate::slice_at_mut(self.base, self.len as usize) }
    }

    /// The address of the 8 bytes at `off`, if they lie inside.
    fn word(&self, off: u64) -> Option<*mut [u8; 8]> {
        let end = off.checked_add(8)?;
        (end <= self.len).then_some((self.base + off) as *mut [u8; 8])
    }

    /// Reads the 8 bytes at byte offset `off` (any alignment) as a native
    /// word. Volatile: the read happens here, even when the compiler could
    /// have guessed the value, so tests see what the memory holds.
    ///
    /// # Panics
    ///
    /// If the word is not wholly inside the region.
    pub fn read_u64(&self, off: u64) -> u64 {
        let p = self.word(off).expect("read outside the region");
        // SAFETY: the 8 bytes are inside the region (checked), which is
        // mapped readable and reached only through `self`; `[u8; 8]` needs
        // no alignment.
        u64::from_ne_bytes(unsafe { core::ptr::read_volatile(p) })
    }

    /// Writes `value` to the 8 bytes at byte offset `off` (any alignment),
    /// volatile.
    ///
    /// # Panics
    ///
    /// If the region is read-only or the word is not wholly inside it.
    pub fn write_u64(&mut self, off: u64, value: u64) {
        assert!(self.writable, "write to a read-only region");
        let p = self.word(off).expect("write outside the region");
        // SAFETY: the 8 bytes are inside the region (checked), which is
        // mapped writable (checked) and reached only through `self`.
        unsafe { core::ptr::write_volatile(p, value.to_ne_bytes()) }
    }

    /// Splits the region in two at byte `at`: `self` keeps `[0, at)` and
    /// the returned region holds `[at, len)` (as `Vec::split_off`).
    ///
    /// # Panics
    ///
    /// If `at > len`.
    pub fn split_off(&mut self, at: u64) -> MappedRegion {
        assert!(at <= self.len, "split past the end of the region");
        // The two parts are disjoint pieces of a range `self` held alone,
        // so each keeps new's contract.
        let tail = MappedRegion { base: self.base + at, len: self.len - at, writable: self.writable };
        self.len = at;
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::MappedRegion;

    /// A region over `len` bytes of heap memory that nothing else will
    /// ever reach (leaked), filled with `i as u8` at offset `i`.
    fn region(len: usize, writable: bool) -> MappedRegion {
        let buf: &'static mut [u8] = Box::leak((0..len).map(|i| i as u8).collect::<Vec<u8>>().into_boxed_slice());
        // SAFETY: the leaked buffer is writable, lives for good, is not 0
        // and fits isize, and its only reference is dropped here.
        unsafe { MappedRegion::new(buf.as_mut_ptr() as u64, len as u64, writable) }
    }

    #[test]
    fn words_read_back_at_any_offset() {
        let mut r = region(64, true);
        assert_eq!(r.read_u64(0), u64::from_ne_bytes([0, 1, 2, 3, 4, 5, 6, 7]));
        assert_eq!(r.read_u64(3), u64::from_ne_bytes([3, 4, 5, 6, 7, 8, 9, 10]));
        r.write_u64(5, 0x1122_3344_5566_7788);
        assert_eq!(r.read_u64(5), 0x1122_3344_5566_7788);
        assert_eq!(&r.as_slice()[5..13], &0x1122_3344_5566_7788u64.to_ne_bytes());
        r.write_u64(56, 7);
        assert_eq!(r.read_u64(56), 7);
        r.as_mut_slice()[0] = 0xaa;
        assert_eq!(r.as_slice()[0], 0xaa);
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn a_word_past_the_end_panics() {
        region(64, true).read_u64(57);
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn an_offset_that_wraps_panics() {
        region(64, true).read_u64(u64::MAX - 3);
    }

    #[test]
    #[should_panic(expected = "read-only")]
    fn writes_to_a_read_only_region_panic() {
        region(64, false).write_u64(0, 1);
    }

    #[test]
    #[should_panic(expected = "read-only")]
    fn a_read_only_region_gives_no_mutable_slice() {
        region(64, false).as_mut_slice();
    }

    #[test]
    fn split_parts_are_disjoint_and_keep_their_bytes() {
        let mut head = region(64, true);
        let base = head.base();
        let mut tail = head.split_off(16);
        assert_eq!((head.base(), head.len()), (base, 16));
        assert_eq!((tail.base(), tail.len()), (base + 16, 48));
        assert_eq!(tail.as_slice()[0], 16);
        tail.write_u64(0, u64::MAX);
        head.write_u64(8, 0);
        assert_eq!(head.read_u64(8), 0);
        assert_eq!(tail.read_u64(0), u64::MAX);
        let end = tail.split_off(48);
        assert!(end.is_empty());
        assert_eq!(end.as_slice(), &[] as &[u8]);
    }

    #[test]
    #[should_panic(expected = "past the end")]
    fn a_split_past_the_end_panics() {
        region(64, true).split_off(65);
    }
}
