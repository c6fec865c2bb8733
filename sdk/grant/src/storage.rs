// SPDX-License-Identifier: BSD-2-Clause
//! Where a grant table's entries live.
//!
//! The table is one contiguous array of [`GrantEntry`] in the granter's own
//! memory; the granter registers its base address and length with the copy
//! engine. A store hands out the first `len` entries and can lengthen them;
//! the table grows on demand, MINIX's way, up to 2^20 slots.

use crate::GrantEntry;

/// Storage for a grant table's entries.
pub trait GrantStorage {
    /// The table as it stands: entry `i` is slot `i`.
    fn entries(&self) -> &[GrantEntry];

    /// The table as it stands, to change.
    fn entries_mut(&mut self) -> &mut [GrantEntry];

    /// Lengthens the table towards `want` entries, each new entry
    /// [`GrantEntry::FREE`]. Returns the new length: never less than the
    /// old one, and equal to it when the store cannot grow. Must not panic
    /// (an allocation failure is "cannot grow").
    ///
    /// Growing may move the entries (a heap store reallocates); the granter
    /// then registers the new base address with the copy engine.
    fn grow(&mut self, want: usize) -> usize;
}

/// A table inside a caller-provided slice: no allocator needed, and the
/// base address never moves. The table's length starts at 0 and grows
/// within the slice, so only the slots in use so far are registered.
#[derive(Debug)]
pub struct SliceStorage<'a> {
    buf: &'a mut [GrantEntry],
    len: usize,
}

impl<'a> SliceStorage<'a> {
    /// An empty table that may grow to `buf.len()` entries.
    pub fn new(buf: &'a mut [GrantEntry]) -> Self {
        SliceStorage { buf, len: 0 }
    }

    /// Most entries the table can reach.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl GrantStorage for SliceStorage<'_> {
    fn entries(&self) -> &[GrantEntry] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    fn entries_mut(&mut self) -> &mut [GrantEntry] {
        self.buf.get_mut(..self.len).unwrap_or(&mut [])
    }

    fn grow(&mut self, want: usize) -> usize {
        let new = want.min(self.buf.len()).max(self.len);
        if let Some(fresh) = self.buf.get_mut(self.len..new) {
            fresh.fill(GrantEntry::FREE);
            self.len = new;
        }
        self.len
    }
}

/// A table on the heap (feature `alloc`). Growing reallocates, so the base
/// address changes and must be registered again.
#[cfg(any(test, feature = "alloc"))]
#[derive(Debug, Default)]
pub struct VecStorage {
    entries: alloc::vec::Vec<GrantEntry>,
}

#[cfg(any(test, feature = "alloc"))]
impl VecStorage {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(any(test, feature = "alloc"))]
impl GrantStorage for VecStorage {
    fn entries(&self) -> &[GrantEntry] {
        &self.entries
    }

    fn entries_mut(&mut self) -> &mut [GrantEntry] {
        &mut self.entries
    }

    fn grow(&mut self, want: usize) -> usize {
        let old = self.entries.len();
        if want > old && self.entries.try_reserve_exact(want - old).is_ok() {
            self.entries.resize(want, GrantEntry::FREE);
        }
        self.entries.len()
    }
}
