// SPDX-License-Identifier: BSD-2-Clause
//! A map from page-aligned virtual addresses to small `Copy` values, built
//! for the page-fault and copy hot paths.
//!
//! A `BTreeMap<u64, _>` costs a few hundred instructions per lookup and
//! more per insert or remove (node walks comparing keys one by one, node
//! splits and merges), which was most of what VM adds to a fault. Present
//! pages cluster: a fault usually lands next to the last one and a copy
//! walks consecutive pages. So [`RadixMap`] is a two-level radix:
//!
//! * a chunk holds the slots of [`SLOTS`] consecutive pages and a bitmap of
//!   the occupied ones, so iteration skips holes a word at a time and an
//!   emptied chunk is noticed (and freed) at once;
//! * the top level is a vector of (chunk number, chunk) sorted by number.
//!   Numbers are distinct and ascending, so chunk `c` sits at most
//!   `c - first` places in, and exactly there when no chunk is missing in
//!   between. A lookup tries the chunk the previous lookup found (faults
//!   and copies come in runs), then that place, which hits in any region
//!   without holes, then the last chunk (where a growing region inserts),
//!   and only then binary-searches the places before the guess.
//!
//! Slots hold `Option<V>` so that `get` and iteration can hand out
//! `&V` and `&mut V` without unsafe code. A chunk of 32 `Option<Page>`s is
//! 776 bytes, one 1 KiB block of VM's buddy heap: a page alone in its
//! chunk (one page per 2 MiB, say) costs at most 1 KiB, a full chunk
//! 32 bytes a page (a B-tree leaf is a 512-byte block holding 5 to 11
//! pages). 64 slots would double the sparse cost and measured no faster;
//! 16 measured slower on runs. A map's chunks are bounded by its span /
//! 128 KiB, so heap estimates per mapped byte stay easy ([`RadixMap::chunk_count`]).
//!
//! The map is `!Sync` (the hint is a `Cell`); VM is single-threaded.
//!
//! Semantics are those of `BTreeMap<u64, V>` for the operations VM uses,
//! with two differences:
//!
//! * keys are computed, not stored, so iterators yield them by value:
//!   `(u64, &V)` rather than `(&u64, &V)`;
//! * keys must be page aligned. Looking up an unaligned key finds nothing;
//!   inserting one is a caller bug (debug builds assert, release builds
//!   store it at the page below). A range's bounds may be anything, and an
//!   empty or inverted range yields nothing rather than panicking.

use crate::addr::PAGE_SIZE;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;
use core::ops::{Bound, RangeBounds};

const PAGE_SHIFT: u32 = PAGE_SIZE.trailing_zeros();
const PAGE_MASK: u64 = PAGE_SIZE - 1;
/// log2 of [`SLOTS`].
const SLOT_SHIFT: u32 = 5;
/// Pages per chunk (at most 64: the bitmap is a `u64`).
pub const SLOTS: usize = 1 << SLOT_SHIFT;
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// One past the largest page number: an unbounded range's end.
const END_PAGE: u64 = 1 << (u64::BITS - PAGE_SHIFT);

/// The slots of `SLOTS` consecutive pages.
#[derive(Clone, PartialEq, Eq)]
struct Chunk<V> {
    /// Bit `s` is set exactly when `slots[s]` is `Some`.
    bits: u64,
    slots: [Option<V>; SLOTS],
}

impl<V: Copy> Chunk<V> {
    fn empty() -> Box<Chunk<V>> {
        Box::new(Chunk { bits: 0, slots: [None; SLOTS] })
    }
}

/// A top-level entry. Never empty (`chunk.bits != 0`), so two maps with
/// the same contents have the same representation and the derived
/// equality is the map's.
#[derive(Clone, PartialEq, Eq)]
struct Entry<V> {
    /// Chunk number: page number `>> SLOT_SHIFT`.
    idx: u64,
    chunk: Box<Chunk<V>>,
}

impl<V> Entry<V> {
    /// Page number of slot 0.
    fn base(&self) -> u64 {
        self.idx << SLOT_SHIFT
    }
}

/// A map keyed by page-aligned address; see the module documentation.
#[derive(Clone)]
pub struct RadixMap<V> {
    /// Sorted by `idx`, no duplicates, no empty chunks.
    chunks: Vec<Entry<V>>,
    /// Occupied slots in all chunks.
    len: usize,
    /// Where the last lookup found its chunk. Only a hint, checked before
    /// use, so it may be stale or out of bounds; a `Cell` so that `get`
    /// (`&self`) can keep it.
    hint: Cell<usize>,
}

impl<V: PartialEq> PartialEq for RadixMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.chunks == other.chunks
    }
}

impl<V: Eq> Eq for RadixMap<V> {}

/// Chunk number and slot of a (page-aligned) key.
#[inline]
fn split(key: u64) -> (u64, usize) {
    let page = key >> PAGE_SHIFT;
    (page >> SLOT_SHIFT, (page & SLOT_MASK) as usize)
}

/// The first page number whose address is at least `addr`.
#[inline]
fn page_ceil(addr: u64) -> u64 {
    (addr >> PAGE_SHIFT) + u64::from(addr & PAGE_MASK != 0)
}

/// The bits of slots below `n` (all of them from 64 up).
#[inline]
fn below(n: u64) -> u64 {
    if n >= 64 {
        !0
    } else {
        (1 << n) - 1
    }
}

/// Occupied slots in `chunks`.
fn count<V>(chunks: &[Entry<V>]) -> usize {
    chunks.iter().map(|e| e.chunk.bits.count_ones() as usize).sum()
}

impl<V> Default for RadixMap<V> {
    fn default() -> Self {
        RadixMap { chunks: Vec::new(), len: 0, hint: Cell::new(0) }
    }
}

impl<V> RadixMap<V> {
    /// An empty map (allocates nothing).
    pub const fn new() -> Self {
        RadixMap { chunks: Vec::new(), len: 0, hint: Cell::new(0) }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes every entry and frees all memory.
    pub fn clear(&mut self) {
        self.chunks = Vec::new();
        self.len = 0;
    }

    /// Chunks allocated (for sizing heap needs: each is one allocation of
    /// `size_of` a chunk, 776 bytes for pages).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Where chunk `idx` is (`Ok`) or would be inserted (`Err`).
    #[inline]
    fn find(&self, idx: u64) -> Result<usize, usize> {
        let chunks = &self.chunks[..];
        let hint = self.hint.get();
        if chunks.get(hint).is_some_and(|e| e.idx == idx) {
            return Ok(hint);
        }
        let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
            return Err(0);
        };
        let Some(off) = idx.checked_sub(first.idx) else {
            return Err(0);
        };
        let found = if idx >= last.idx {
            let n = chunks.len();
            if idx == last.idx {
                Ok(n - 1)
            } else {
                return Err(n);
            }
        } else {
            // Chunk `idx` is at most `off` places in.
            let guess = off as usize;
            match chunks.get(guess) {
                Some(e) if e.idx == idx => Ok(guess),
                Some(_) => chunks[..guess].binary_search_by_key(&idx, |e| e.idx),
                None => chunks.binary_search_by_key(&idx, |e| e.idx),
            }
        };
        if let Ok(i) = found {
            self.hint.set(i);
        }
        found
    }

    /// The value at `key`.
    #[inline]
    pub fn get(&self, key: &u64) -> Option<&V> {
        if key & PAGE_MASK != 0 {
            return None;
        }
        let (idx, s) = split(*key);
        let i = self.find(idx).ok()?;
        self.chunks.get(i)?.chunk.slots[s].as_ref()
    }

    /// The value at `key`, mutably.
    #[inline]
    pub fn get_mut(&mut self, key: &u64) -> Option<&mut V> {
        if key & PAGE_MASK != 0 {
            return None;
        }
        let (idx, s) = split(*key);
        let i = self.find(idx).ok()?;
        self.chunks.get_mut(i)?.chunk.slots[s].as_mut()
    }

    /// True when `key` has a value.
    #[inline]
    pub fn contains_key(&self, key: &u64) -> bool {
        self.get(key).is_some()
    }

    /// Removes and returns the value at `key`; frees its chunk if that
    /// was the chunk's last entry.
    #[inline]
    pub fn remove(&mut self, key: &u64) -> Option<V> {
        if key & PAGE_MASK != 0 {
            return None;
        }
        let (idx, s) = split(*key);
        let i = self.find(idx).ok()?;
        let e = self.chunks.get_mut(i)?;
        let old = e.chunk.slots[s].take()?;
        e.chunk.bits &= !(1 << s);
        if e.chunk.bits == 0 {
            self.chunks.remove(i);
        }
        self.len -= 1;
        Some(old)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(u64, &V)> {
        let e = self.chunks.first()?;
        let s = e.chunk.bits.trailing_zeros() as usize;
        Some(((e.base() | s as u64) << PAGE_SHIFT, e.chunk.slots.get(s)?.as_ref()?))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(u64, &V)> {
        let e = self.chunks.last()?;
        let s = (63 - e.chunk.bits.leading_zeros()) as usize;
        Some(((e.base() | s as u64) << PAGE_SHIFT, e.chunk.slots.get(s)?.as_ref()?))
    }

    /// Entries in ascending key order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter { rest: self.chunks.iter(), slots: &[], base: 0, bits: 0, end: END_PAGE }
    }

    /// Entries in ascending key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, V> {
        IterMut { rest: self.chunks.iter_mut(), slots: Default::default(), pos: 0, base: 0, bits: 0 }
    }

    /// Keys in ascending order.
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Values in ascending key order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Values in ascending key order, mutable.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.iter_mut().map(|(_, v)| v)
    }

    /// Entries whose keys lie in `range`, in ascending key order. Bounds
    /// need not be aligned; an empty or inverted range yields nothing.
    pub fn range<R: RangeBounds<u64>>(&self, range: R) -> Iter<'_, V> {
        let start = match range.start_bound() {
            Bound::Included(&a) => page_ceil(a),
            Bound::Excluded(&a) => (a >> PAGE_SHIFT) + 1,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&a) => (a >> PAGE_SHIFT) + 1,
            Bound::Excluded(&a) => page_ceil(a),
            Bound::Unbounded => END_PAGE,
        };
        let mut it = Iter { rest: [].iter(), slots: &[], base: 0, bits: 0, end };
        if start >= end {
            return it;
        }
        let (idx, s) = (start >> SLOT_SHIFT, start & SLOT_MASK);
        let (Ok(i) | Err(i)) = self.find(idx);
        let rest = self.chunks.get(i..).unwrap_or(&[]);
        it.rest = rest.iter();
        if let Some(e) = rest.first().filter(|e| e.idx == idx) {
            it.rest.next();
            it.load(e);
            it.bits &= !0 << s;
        }
        it
    }

    /// Moves the entries with keys at least `key` to a new map (like
    /// `BTreeMap::split_off`).
    pub fn split_off(&mut self, key: &u64) -> Self
    where
        V: Copy,
    {
        let page = page_ceil(*key);
        let (idx, s) = (page >> SLOT_SHIFT, (page & SLOT_MASK) as usize);
        let (Ok(i) | Err(i)) = self.find(idx);
        let mut upper = self.chunks.split_off(i);
        // A chunk straddling the cut: its slots below `s` stay here.
        let low = below(s as u64);
        let straddles = upper.first().is_some_and(|e| e.idx == idx && e.chunk.bits & low != 0);
        if straddles {
            let e = &mut upper[0];
            if e.chunk.bits & !low == 0 {
                self.chunks.push(upper.remove(0));
            } else {
                let mut c = Chunk::empty();
                c.slots[..s].copy_from_slice(&e.chunk.slots[..s]);
                e.chunk.slots[..s].fill(None);
                c.bits = e.chunk.bits & low;
                e.chunk.bits &= !low;
                self.chunks.push(Entry { idx, chunk: c });
            }
        }
        // Count whichever side has fewer chunks.
        let total = self.len;
        let upper_len = if upper.len() <= self.chunks.len() { count(&upper) } else { total - count(&self.chunks) };
        self.len = total - upper_len;
        RadixMap { chunks: upper, len: upper_len, hint: Cell::new(0) }
    }

    /// Moves every entry of `other` into this map, `other`'s value winning
    /// on equal keys; `other` is left empty (like `BTreeMap::append`).
    pub fn append(&mut self, other: &mut Self)
    where
        V: Copy,
    {
        let mut theirs = core::mem::take(&mut other.chunks);
        let their_len = core::mem::replace(&mut other.len, 0);
        let (Some(their_first), Some(mine_last)) = (theirs.first(), self.chunks.last()) else {
            // One side is empty.
            if self.chunks.is_empty() {
                self.chunks = theirs;
                self.len = their_len;
            }
            return;
        };
        if mine_last.idx < their_first.idx {
            // Disjoint and above, as when adjacent regions merge.
            self.chunks.append(&mut theirs);
            self.len += their_len;
            return;
        }
        let mine = core::mem::take(&mut self.chunks);
        let mut merged = Vec::with_capacity(mine.len() + theirs.len());
        let mut len = self.len + their_len;
        let mut a = mine.into_iter().peekable();
        let mut b = theirs.into_iter().peekable();
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(x), Some(y)) => {
                    if x.idx == y.idx {
                        if let (Some(mut x), Some(y)) = (a.next(), b.next()) {
                            let mut bits = y.chunk.bits;
                            len -= (x.chunk.bits & bits).count_ones() as usize;
                            while bits != 0 {
                                let s = bits.trailing_zeros() as usize;
                                bits &= bits - 1;
                                x.chunk.slots[s] = y.chunk.slots[s];
                            }
                            x.chunk.bits |= y.chunk.bits;
                            merged.push(x);
                        }
                        continue;
                    }
                    x.idx < y.idx
                }
            };
            let next = if take_a { a.next() } else { b.next() };
            merged.extend(next);
        }
        self.chunks = merged;
        self.len = len;
    }
}

impl<V: Copy> RadixMap<V> {
    /// Sets the value at `key`, returning the one it replaces.
    #[inline]
    pub fn insert(&mut self, key: u64, value: V) -> Option<V> {
        debug_assert!(key & PAGE_MASK == 0, "RadixMap: unaligned key {key:#x}");
        let (idx, s) = split(key);
        let i = match self.find(idx) {
            Ok(i) => i,
            Err(i) => {
                self.chunks.insert(i, Entry { idx, chunk: Chunk::empty() });
                self.hint.set(i);
                i
            }
        };
        let chunk = &mut self.chunks[i].chunk;
        let old = chunk.slots[s].replace(value);
        if old.is_none() {
            chunk.bits |= 1 << s;
            self.len += 1;
        }
        old
    }
}

impl<V: fmt::Debug> fmt::Debug for RadixMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: Copy> FromIterator<(u64, V)> for RadixMap<V> {
    fn from_iter<I: IntoIterator<Item = (u64, V)>>(iter: I) -> Self {
        let mut m = RadixMap::new();
        m.extend(iter);
        m
    }
}

impl<V: Copy> Extend<(u64, V)> for RadixMap<V> {
    fn extend<I: IntoIterator<Item = (u64, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

/// Shared iterator over entries in ascending key order ([`RadixMap::iter`],
/// [`RadixMap::range`]).
#[derive(Clone)]
pub struct Iter<'a, V> {
    /// Chunks not yet loaded.
    rest: core::slice::Iter<'a, Entry<V>>,
    /// The loaded chunk's slots.
    slots: &'a [Option<V>],
    /// Page number of `slots[0]`.
    base: u64,
    /// Slots of the loaded chunk still to yield.
    bits: u64,
    /// Page number where the range ends (exclusive).
    end: u64,
}

impl<'a, V> Iter<'a, V> {
    #[inline]
    fn load(&mut self, e: &'a Entry<V>) {
        self.base = e.base();
        self.slots = &e.chunk.slots;
        // The range's end may cut this chunk (callers checked it starts
        // below the end).
        self.bits = e.chunk.bits & below(self.end - self.base);
    }
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (u64, &'a V);

    #[inline]
    fn next(&mut self) -> Option<(u64, &'a V)> {
        loop {
            if self.bits != 0 {
                let s = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                if let Some(Some(v)) = self.slots.get(s) {
                    return Some(((self.base | s as u64) << PAGE_SHIFT, v));
                }
                continue;
            }
            let e = self.rest.next()?;
            if e.base() >= self.end {
                // Chunks are sorted: nothing further is in range.
                self.rest = [].iter();
                return None;
            }
            self.load(e);
        }
    }
}

impl<V> core::iter::FusedIterator for Iter<'_, V> {}

/// Mutable iterator over entries in ascending key order
/// ([`RadixMap::iter_mut`]).
pub struct IterMut<'a, V> {
    rest: core::slice::IterMut<'a, Entry<V>>,
    /// The loaded chunk's slots from `pos` on.
    slots: core::slice::IterMut<'a, Option<V>>,
    pos: usize,
    base: u64,
    bits: u64,
}

impl<'a, V> Iterator for IterMut<'a, V> {
    type Item = (u64, &'a mut V);

    #[inline]
    fn next(&mut self) -> Option<(u64, &'a mut V)> {
        loop {
            if self.bits != 0 {
                let s = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                // Slots are handed out in order, so the slice iterator
                // splits off each `&mut` without unsafe code.
                let skip = s - self.pos;
                self.pos = s + 1;
                if let Some(Some(v)) = self.slots.nth(skip) {
                    return Some(((self.base | s as u64) << PAGE_SHIFT, v));
                }
                continue;
            }
            let e = self.rest.next()?;
            self.base = e.base();
            self.bits = e.chunk.bits;
            self.pos = 0;
            self.slots = e.chunk.slots.iter_mut();
        }
    }
}

impl<V> core::iter::FusedIterator for IterMut<'_, V> {}

/// Owning iterator over entries in ascending key order.
pub struct IntoIter<V> {
    rest: alloc::vec::IntoIter<Entry<V>>,
    chunk: Option<Box<Chunk<V>>>,
    base: u64,
    bits: u64,
}

impl<V: Copy> Iterator for IntoIter<V> {
    type Item = (u64, V);

    #[inline]
    fn next(&mut self) -> Option<(u64, V)> {
        loop {
            if self.bits != 0 {
                let s = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                if let Some(Some(v)) = self.chunk.as_ref().and_then(|c| c.slots.get(s)) {
                    return Some(((self.base | s as u64) << PAGE_SHIFT, *v));
                }
                continue;
            }
            let e = self.rest.next()?;
            self.base = e.base();
            self.bits = e.chunk.bits;
            self.chunk = Some(e.chunk);
        }
    }
}

impl<V: Copy> core::iter::FusedIterator for IntoIter<V> {}

impl<V: Copy> IntoIterator for RadixMap<V> {
    type Item = (u64, V);
    type IntoIter = IntoIter<V>;

    fn into_iter(self) -> IntoIter<V> {
        IntoIter { rest: self.chunks.into_iter(), chunk: None, base: 0, bits: 0 }
    }
}

impl<'a, V> IntoIterator for &'a RadixMap<V> {
    type Item = (u64, &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<'a, V> IntoIterator for &'a mut RadixMap<V> {
    type Item = (u64, &'a mut V);
    type IntoIter = IterMut<'a, V>;

    fn into_iter(self) -> IterMut<'a, V> {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::FrameId;
    use crate::page::{Page, PageFrame, PageMap};
    use alloc::collections::BTreeMap;
    use proptest::prelude::*;

    type Model = BTreeMap<u64, Page>;

    impl<V> RadixMap<V> {
        /// Checks the representation: sorted distinct chunks, none empty,
        /// bitmaps matching slots, `len` matching both.
        fn check(&self) {
            let mut n = 0;
            for w in self.chunks.windows(2) {
                assert!(w[0].idx < w[1].idx, "chunks out of order");
            }
            for e in &self.chunks {
                assert_ne!(e.chunk.bits, 0, "empty chunk kept");
                assert!(e.idx < END_PAGE >> SLOT_SHIFT);
                for (s, slot) in e.chunk.slots.iter().enumerate() {
                    assert_eq!(slot.is_some(), e.chunk.bits & (1 << s) != 0, "bitmap out of sync");
                }
                n += e.chunk.bits.count_ones() as usize;
            }
            assert_eq!(n, self.len);
        }
    }

    fn page(n: u64) -> Page {
        Page::own(FrameId(n))
    }

    /// Compares everything observable about `m` with `model`.
    fn same(m: &PageMap, model: &Model) {
        m.check();
        assert_eq!(m.len(), model.len());
        assert_eq!(m.is_empty(), model.is_empty());
        let got: Vec<(u64, Page)> = m.iter().map(|(k, v)| (k, *v)).collect();
        let want: Vec<(u64, Page)> = model.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(got, want);
        assert_eq!(m.keys().collect::<Vec<_>>(), model.keys().copied().collect::<Vec<_>>());
        assert_eq!(m.values().collect::<Vec<_>>(), model.values().collect::<Vec<_>>());
        assert_eq!(m.first_key_value().map(|(k, v)| (k, *v)), model.first_key_value().map(|(k, v)| (*k, *v)));
        assert_eq!(m.last_key_value().map(|(k, v)| (k, *v)), model.last_key_value().map(|(k, v)| (*k, *v)));
        // The representation is canonical, so equality is the map's.
        assert_eq!(*m, model.iter().map(|(k, v)| (*k, *v)).collect::<PageMap>());
        assert_eq!(format!("{m:?}"), format!("{model:?}"));
    }

    #[test]
    fn basics() {
        let mut m = PageMap::new();
        assert_eq!(m.insert(0x1000, page(1)), None);
        assert_eq!(m.insert(0x1000, page(2)), Some(page(1)));
        assert_eq!(m.get(&0x1000), Some(&page(2)));
        assert_eq!(m.get(&0x1001), None);
        assert_eq!(m.remove(&0x1001), None);
        assert_eq!(m.get(&0x2000), None);
        assert_eq!(m.len(), 1);
        if let Some(p) = m.get_mut(&0x1000) {
            p.cow = true;
        }
        assert!(m.get(&0x1000).is_some_and(|p| p.cow));
        assert_eq!(m.remove(&0x1000).map(|p| p.frame), Some(PageFrame::Pool(FrameId(2))));
        assert!(m.is_empty());
        assert_eq!(m.chunk_count(), 0, "an emptied chunk is freed");
        // The largest keys.
        let top = !PAGE_MASK;
        m.insert(top, page(3));
        m.insert(0, page(4));
        assert_eq!(m.keys().collect::<Vec<_>>(), [0, top]);
        assert_eq!(m.range(top..).count(), 1);
        assert_eq!(m.range(top + 1..).count(), 0);
        assert_eq!(m.range(..=u64::MAX).count(), 2);
        assert_eq!(m.split_off(&u64::MAX).len(), 0);
        assert_eq!(m.split_off(&top).len(), 1);
        m.check();
    }

    #[test]
    fn odd_ranges_never_panic() {
        let m: PageMap = (0..100).map(|i| (i << PAGE_SHIFT, page(i))).collect();
        assert_eq!(m.range(5000..5000).count(), 0);
        assert_eq!(m.range((Bound::Included(0x5000), Bound::Excluded(0x3000))).count(), 0);
        assert_eq!(m.range((Bound::Excluded(0x3000), Bound::Excluded(0x3000))).count(), 0);
        assert_eq!(m.range((Bound::Excluded(0x3000), Bound::Included(0x5000))).count(), 2);
        assert_eq!(m.range(0x2fff..0x5001).count(), 3);
        assert_eq!(m.range((Bound::Excluded(u64::MAX), Bound::Unbounded)).count(), 0);
    }

    #[test]
    fn other_value_types() {
        // The glue's mapping table.
        let mut m: RadixMap<(u64, Option<FrameId>)> = RadixMap::new();
        assert_eq!(m.remove(&0x40_0000), None);
        m.insert(0x40_0000, (17, Some(FrameId(3))));
        m.insert(0x7000_0000, (18, None));
        assert_eq!(m.remove(&0x40_0000), Some((17, Some(FrameId(3)))));
        assert_eq!(m.into_iter().collect::<Vec<_>>(), [(0x7000_0000, (18, None))]);
    }

    #[test]
    fn memory_stays_proportional() {
        // One page per 2 MiB: one chunk each, about 1 KiB a page.
        let mut m = PageMap::new();
        for i in 0..1000u64 {
            m.insert(i << 21, page(i));
        }
        assert_eq!(m.chunk_count(), 1000);
        let chunk = core::mem::size_of::<Chunk<Page>>();
        assert!(chunk <= 1024, "a chunk is {chunk} bytes");
        let top = m.chunks.capacity() * core::mem::size_of::<Entry<Page>>();
        assert!(m.chunk_count() * chunk + top <= 1100 * m.len());
        // Dense: 32 bytes a page or so.
        let dense: PageMap = (0..4096u64).map(|i| (i << PAGE_SHIFT, page(i))).collect();
        assert_eq!(dense.chunk_count(), 4096 / SLOTS);
        for (k, _) in dense.clone().iter() {
            m.remove(&k);
        }
        m.clear();
        assert_eq!(m.chunk_count(), 0);
    }

    #[test]
    fn lookups_with_holes() {
        // Every third chunk present: the guess misses and the search runs.
        let keys: Vec<u64> = (0..3000u64).filter(|p| (p / SLOTS as u64).is_multiple_of(3)).map(|p| p << PAGE_SHIFT).collect();
        let m: PageMap = keys.iter().map(|&k| (k, page(k))).collect();
        for p in 0..3100u64 {
            let k = p << PAGE_SHIFT;
            assert_eq!(m.get(&k).is_some(), keys.binary_search(&k).is_ok(), "{k:#x}");
        }
    }

    /// A page number: small ones, ones at chunk edges, around 4 GiB (2^20
    /// pages) and anywhere up to the top of the 64-bit space.
    fn page_no() -> impl Strategy<Value = u64> {
        prop_oneof![
            3 => 0u64..160,
            3 => (0u64..6, prop::sample::select(vec![0u64, 1, 30, 31, 32, 33, 63, 64])).prop_map(|(c, d)| c * SLOTS as u64 + d),
            2 => (1u64 << 20) - 40..(1u64 << 20) + 40,
            1 => 0u64..END_PAGE,
            1 => END_PAGE - 70..END_PAGE,
        ]
    }

    fn key() -> impl Strategy<Value = u64> {
        page_no().prop_map(|p| p << PAGE_SHIFT)
    }

    /// A key, or a little off one.
    fn addr() -> impl Strategy<Value = u64> {
        (key(), 0u64..3).prop_map(|(k, d)| match d {
            0 => k,
            1 => k.saturating_add(1),
            _ => k.saturating_sub(1),
        })
    }

    /// A range bound.
    fn bound() -> impl Strategy<Value = Bound<u64>> {
        prop_oneof![
            2 => addr().prop_map(Bound::Included),
            2 => addr().prop_map(Bound::Excluded),
            1 => Just(Bound::Unbounded),
        ]
    }

    fn value() -> impl Strategy<Value = Page> {
        (any::<bool>(), any::<u64>(), any::<bool>())
            .prop_map(|(pool, n, cow)| Page { frame: if pool { PageFrame::Pool(FrameId(n)) } else { PageFrame::Phys(n) }, cow })
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(usize, u64, Page),
        /// Inserts a run of consecutive pages (as faults and contiguous
        /// allocations do), filling chunks.
        InsertRun(usize, u64, u64, Page),
        Remove(usize, u64),
        Get(usize, u64),
        Range(usize, Bound<u64>, Bound<u64>),
        /// Splits map `m`; the upper part replaces the other map.
        SplitOff(usize, u64),
        /// Moves the other map into map `m`.
        Append(usize),
        /// Flips `cow` on every other entry.
        IterMut(usize),
        /// The other map becomes a clone of map `m`.
        Clone(usize),
        IntoIter(usize),
        Clear(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let m = 0usize..2;
        prop_oneof![
            8 => (m.clone(), key(), value()).prop_map(|(m, k, v)| Op::Insert(m, k, v)),
            3 => (m.clone(), page_no(), 1u64..80, value()).prop_map(|(m, p, n, v)| Op::InsertRun(m, p, n, v)),
            5 => (m.clone(), key()).prop_map(|(m, k)| Op::Remove(m, k)),
            3 => (m.clone(), key()).prop_map(|(m, k)| Op::Get(m, k)),
            3 => (m.clone(), bound(), bound()).prop_map(|(m, a, b)| Op::Range(m, a, b)),
            2 => (m.clone(), key(), 0u64..2).prop_map(|(m, k, d)| Op::SplitOff(m, k + d)),
            2 => m.clone().prop_map(Op::Append),
            1 => m.clone().prop_map(Op::IterMut),
            1 => m.clone().prop_map(Op::Clone),
            1 => m.clone().prop_map(Op::IntoIter),
            1 => m.prop_map(Op::Clear),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every operation agrees with `BTreeMap` on two maps at once.
        #[test]
        fn agrees_with_btreemap(ops in prop::collection::vec(op(), 1..120)) {
            let mut maps = [PageMap::new(), PageMap::new()];
            let mut models = [Model::new(), Model::new()];
            for op in ops {
                match op {
                    Op::Insert(m, k, v) => {
                        prop_assert_eq!(maps[m].insert(k, v), models[m].insert(k, v));
                    }
                    Op::InsertRun(m, p, n, v) => {
                        for p in p..(p + n).min(END_PAGE) {
                            prop_assert_eq!(maps[m].insert(p << PAGE_SHIFT, v), models[m].insert(p << PAGE_SHIFT, v));
                        }
                    }
                    Op::Remove(m, k) => {
                        prop_assert_eq!(maps[m].remove(&k), models[m].remove(&k));
                        prop_assert_eq!(maps[m].remove(&(k | 1)), None);
                    }
                    Op::Get(m, k) => {
                        prop_assert_eq!(maps[m].get(&k), models[m].get(&k));
                        prop_assert_eq!(maps[m].contains_key(&k), models[m].contains_key(&k));
                        prop_assert_eq!(maps[m].get_mut(&k).copied(), models[m].get(&k).copied());
                    }
                    Op::Range(m, a, b) => {
                        let got: Vec<(u64, Page)> = maps[m].range((a, b)).map(|(k, v)| (k, *v)).collect();
                        let want: Vec<(u64, Page)> =
                            models[m].iter().filter(|(k, _)| (a, b).contains(*k)).map(|(k, v)| (*k, *v)).collect();
                        prop_assert_eq!(got, want);
                    }
                    Op::SplitOff(m, k) => {
                        maps[1 - m] = maps[m].split_off(&k);
                        models[1 - m] = models[m].split_off(&k);
                        same(&maps[1 - m], &models[1 - m]);
                    }
                    Op::Append(m) => {
                        let (lo, hi) = maps.split_at_mut(1);
                        let (mlo, mhi) = models.split_at_mut(1);
                        if m == 0 {
                            lo[0].append(&mut hi[0]);
                            mlo[0].append(&mut mhi[0]);
                        } else {
                            hi[0].append(&mut lo[0]);
                            mhi[0].append(&mut mlo[0]);
                        }
                        same(&maps[1 - m], &models[1 - m]);
                    }
                    Op::IterMut(m) => {
                        for (i, (k, v)) in maps[m].iter_mut().enumerate() {
                            prop_assert!(models[m].contains_key(&k));
                            if i % 2 == 0 {
                                v.cow = !v.cow;
                            }
                        }
                        for (i, v) in models[m].values_mut().enumerate() {
                            if i % 2 == 0 {
                                v.cow = !v.cow;
                            }
                        }
                    }
                    Op::Clone(m) => {
                        maps[1 - m] = maps[m].clone();
                        models[1 - m] = models[m].clone();
                        prop_assert!(maps[0] == maps[1]);
                    }
                    Op::IntoIter(m) => {
                        let got: Vec<(u64, Page)> = maps[m].clone().into_iter().collect();
                        let want: Vec<(u64, Page)> = models[m].clone().into_iter().collect();
                        prop_assert_eq!(got, want);
                    }
                    Op::Clear(m) => {
                        maps[m].clear();
                        models[m].clear();
                    }
                }
                same(&maps[0], &models[0]);
                same(&maps[1], &models[1]);
                prop_assert_eq!(maps[0] == maps[1], models[0] == models[1]);
            }
        }
    }

    /// The two maps under the same operations, for the benchmark.
    trait Bench: Default {
        const NAME: &'static str;
        fn ins(&mut self, k: u64, v: Page) -> Option<Page>;
        fn get_(&self, k: u64) -> Option<&Page>;
        fn rem(&mut self, k: u64) -> Option<Page>;
        fn sum(&self) -> u64;
        fn run(&self, from: u64, n: usize) -> u64;
    }

    impl Bench for PageMap {
        const NAME: &'static str = "RadixMap";
        fn ins(&mut self, k: u64, v: Page) -> Option<Page> {
            self.insert(k, v)
        }
        fn get_(&self, k: u64) -> Option<&Page> {
            self.get(&k)
        }
        fn rem(&mut self, k: u64) -> Option<Page> {
            self.remove(&k)
        }
        fn sum(&self) -> u64 {
            self.iter().map(|(k, v)| k ^ u64::from(v.cow)).sum()
        }
        fn run(&self, from: u64, n: usize) -> u64 {
            self.range(from..).take(n).map(|(k, _)| k).sum()
        }
    }

    impl Bench for Model {
        const NAME: &'static str = "BTreeMap";
        fn ins(&mut self, k: u64, v: Page) -> Option<Page> {
            self.insert(k, v)
        }
        fn get_(&self, k: u64) -> Option<&Page> {
            self.get(&k)
        }
        fn rem(&mut self, k: u64) -> Option<Page> {
            self.remove(&k)
        }
        fn sum(&self) -> u64 {
            self.iter().map(|(k, v)| k ^ u64::from(v.cow)).sum()
        }
        fn run(&self, from: u64, n: usize) -> u64 {
            self.range(from..).take(n).map(|(k, _)| *k).sum()
        }
    }

    /// Nanoseconds per operation of `f`, which does `ops` operations;
    /// the best of five runs.
    fn time(ops: usize, mut f: impl FnMut()) -> f64 {
        (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                f();
                t.elapsed().as_nanos() as f64 / ops as f64
            })
            .fold(f64::INFINITY, f64::min)
    }

    fn bench<M: Bench>() {
        use std::hint::black_box;
        const N: u64 = 4096;
        const BASE: u64 = 0x40_0000;
        const REPS: usize = 200;
        let key = |i: u64| BASE + (i << PAGE_SHIFT);
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let random: Vec<u64> = (0..1 << 16).map(|_| rand() % N).collect();
        let full = || {
            let mut m = M::default();
            for i in 0..N {
                m.ins(key(i), page(i));
            }
            m
        };
        let m = full();
        let mut holes = M::default();
        for i in (0..4 * N).filter(|i| (i / SLOTS as u64) % 4 == 1) {
            holes.ins(key(i), page(i));
        }
        print!("{:9}", M::NAME);
        // A fault: look the page up, then insert it.
        print!(
            " fault-insert {:6.1}",
            time(N as usize * REPS, || {
                for _ in 0..REPS {
                    let mut m = M::default();
                    for i in 0..N {
                        black_box(m.get_(key(i)));
                        m.ins(key(i), page(i));
                    }
                    black_box(&m);
                }
            })
        );
        print!(
            " get-hit {:5.1}",
            time(random.len() * REPS, || {
                for _ in 0..REPS {
                    for &i in &random {
                        black_box(m.get_(black_box(key(i))));
                    }
                }
            })
        );
        print!(
            " get-holes {:5.1}",
            time(random.len() * REPS, || {
                for _ in 0..REPS {
                    for &i in &random {
                        black_box(holes.get_(black_box(key(i * 4))));
                    }
                }
            })
        );
        // The glue's mapping table: remove (usually absent) then insert.
        print!(
            " remove-absent+insert {:5.1}",
            time(N as usize * REPS, || {
                for _ in 0..REPS {
                    let mut m = M::default();
                    for i in 0..N {
                        black_box(m.rem(key(i)));
                        m.ins(key(i), page(i));
                    }
                    for i in 0..N {
                        black_box(m.rem(key(i)));
                    }
                }
            })
        );
        print!(
            " iter/page {:5.2}",
            time(N as usize * REPS, || {
                for _ in 0..REPS {
                    black_box(m.sum());
                }
            })
        );
        // The copy path: a run of 16 pages from a random start.
        print!(
            " range16 {:6.1}",
            time(random.len() * 4, || {
                for _ in 0..4 {
                    for &i in &random {
                        black_box(m.run(key(i), 16));
                    }
                }
            })
        );
        // A process's whole address space (the glue's mapping table):
        // text, heap, an mmap area, the IPC page, the stack.
        let layout: Vec<u64> = [(0x40_0000u64, 100u64), (0x80_0000, 300), (0x4000_0000, 200), (0x7000_0000, 1), (0x7fff_ffe0_0000, 20)]
            .iter()
            .flat_map(|&(a, n)| (0..n).map(move |i| a + (i << PAGE_SHIFT)))
            .collect();
        print!(
            " space:fault {:5.1}",
            time(layout.len() * REPS, || {
                for _ in 0..REPS {
                    let mut m = M::default();
                    for &k in &layout {
                        black_box(m.rem(k));
                        m.ins(k, page(k));
                    }
                    black_box(&m);
                }
            })
        );
        let mut space = M::default();
        for &k in &layout {
            space.ins(k, page(k));
        }
        // Runs of 8 pages from random places.
        print!(
            " space:get8 {:5.1}",
            time(random.len() * 8 * 4, || {
                for _ in 0..4 {
                    for &i in &random {
                        let at = (i as usize) % (layout.len() - 8);
                        for &k in &layout[at..at + 8] {
                            black_box(space.get_(black_box(k)));
                        }
                    }
                }
            })
        );
        print!(
            " space:get-random {:5.1}",
            time(random.len() * 4, || {
                for _ in 0..4 {
                    for &i in &random {
                        black_box(space.get_(black_box(layout[(i as usize) % layout.len()])));
                    }
                }
            })
        );
        println!(" ns");
    }

    /// Fault path: look up, then insert, 4096 ascending pages.
    #[inline(never)]
    fn ic_fault<M: Bench>(keys: &[u64]) -> M {
        let mut m = M::default();
        for &k in keys {
            std::hint::black_box(m.get_(k));
            m.ins(k, page(k));
        }
        m
    }

    #[inline(never)]
    fn ic_get<M: Bench>(m: &M, keys: &[u64]) {
        for &k in keys {
            std::hint::black_box(m.get_(k));
        }
    }

    #[inline(never)]
    fn ic_remove<M: Bench>(m: &mut M, keys: &[u64]) {
        for &k in keys {
            std::hint::black_box(m.rem(k));
        }
    }

    /// The glue's remove before an install: usually nothing there.
    #[inline(never)]
    fn ic_miss<M: Bench>(m: &mut M, keys: &[u64]) {
        for &k in keys {
            std::hint::black_box(m.rem(k));
        }
    }

    #[inline(never)]
    fn ic_range16<M: Bench>(m: &M, keys: &[u64]) {
        for &k in keys {
            std::hint::black_box(m.run(k, 16));
        }
    }

    fn icount<M: Bench>() {
        let keys: Vec<u64> = (0..4096u64).map(|i| 0x40_0000 + (i << PAGE_SHIFT)).collect();
        let mut m: M = ic_fault(&keys);
        let mut rng = 1u64;
        let random: Vec<u64> = (0..4096)
            .map(|_| {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                keys[(rng >> 33) as usize % keys.len()]
            })
            .collect();
        ic_get(&m, &random);
        ic_range16(&m, &random);
        // Absent keys: the pages just above the map.
        let absent: Vec<u64> = keys.iter().map(|k| k + (4096 << PAGE_SHIFT)).collect();
        ic_miss(&mut m, &absent);
        ic_remove(&mut m, &keys);
    }

    /// For instruction counts, 4096 operations each: run the test binary
    /// under `valgrind --tool=callgrind --collect-atstart=no
    /// --toggle-collect='*ic_get*'` (say) with `--ignored icount_radix`,
    /// then `icount_btreemap`.
    #[test]
    #[ignore]
    fn icount_btreemap() {
        icount::<Model>();
    }

    #[test]
    #[ignore]
    fn icount_radix() {
        icount::<PageMap>();
    }

    /// Timings against `BTreeMap`: run with
    /// `cargo test --release -p vm-server --lib page_map::tests::bench -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_vs_btreemap() {
        for _ in 0..2 {
            bench::<Model>();
            bench::<PageMap>();
        }
    }
}
