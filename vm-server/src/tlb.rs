// SPDX-License-Identifier: BSD-2-Clause
//! A small software TLB per process for the copy engine: page → where VM
//! reaches that page's frame, and whether it may be written now.
//!
//! A safecopy looks up the grant entry's page in the granter, then every
//! page of both buffers; a region and page-map lookup costs hundreds of
//! instructions each, and a server copies through the same few pages again
//! and again. The cache holds only answers that were true when made, and
//! the glue drops them whenever they may stop being true: the whole cache
//! on mmap, munmap, brk and fork (which turns the parent's pages
//! copy-on-write), one entry on a fault at that page. Nothing another
//! process does can make a cached answer wrong: sharing a frame with a new
//! process needs a fork of this one, and another process's copy-on-write
//! break or exit only ever makes a page of this one *more* writable (a
//! cached "read-only" merely sends a write to the slow path).

use core::cell::Cell;

const ENTRIES: usize = 64;
const EMPTY: u64 = u64::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    page: u64,
    target: u64,
    writable: bool,
}

/// Entries are `Cell`s so that lookups made through a shared borrow of the
/// process (the grant verifier reads the granter's table that way) can
/// fill the cache too; VM is single-threaded.
#[derive(Clone, Debug)]
pub struct Tlb {
    entries: [Cell<Entry>; ENTRIES],
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb::new()
    }
}

impl Tlb {
    pub const fn new() -> Tlb {
        Tlb { entries: [const { Cell::new(Entry { page: EMPTY, target: 0, writable: false }) }; ENTRIES] }
    }

    fn slot(page: u64) -> usize {
        ((page >> 12) as usize) % ENTRIES
    }

    /// Where `page` (page-aligned) is, if cached and usable for a write
    /// when `write`.
    pub fn lookup(&self, page: u64, write: bool) -> Option<u64> {
        let e = self.entries[Self::slot(page)].get();
        (e.page == page && (e.writable || !write)).then_some(e.target)
    }

    /// Records that `page` is at `target`, writable or not.
    pub fn fill(&self, page: u64, target: u64, writable: bool) {
        self.entries[Self::slot(page)].set(Entry { page, target, writable });
    }

    /// Forgets `page`.
    pub fn invalidate(&mut self, page: u64) {
        let e = &self.entries[Self::slot(page)];
        if e.get().page == page {
            e.set(Entry { page: EMPTY, target: 0, writable: false });
        }
    }

    /// Forgets everything.
    pub fn flush(&mut self) {
        for e in self.entries.iter() {
            e.set(Entry { page: EMPTY, target: 0, writable: false });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_misses_and_invalidation() {
        let mut t = Tlb::new();
        assert_eq!(t.lookup(0x1000, false), None);
        t.fill(0x1000, 0x8000_0000, false);
        assert_eq!(t.lookup(0x1000, false), Some(0x8000_0000));
        // Read-only entries never serve a write.
        assert_eq!(t.lookup(0x1000, true), None);
        t.fill(0x1000, 0x8000_0000, true);
        assert_eq!(t.lookup(0x1000, true), Some(0x8000_0000));
        // A page that maps to the same slot replaces it.
        let alias = 0x1000 + (ENTRIES as u64) * 4096;
        t.fill(alias, 0x9000_0000, true);
        assert_eq!(t.lookup(0x1000, false), None);
        assert_eq!(t.lookup(alias, false), Some(0x9000_0000));
        // Invalidating another page of the slot leaves it alone.
        t.invalidate(0x1000);
        assert_eq!(t.lookup(alias, false), Some(0x9000_0000));
        t.invalidate(alias);
        assert_eq!(t.lookup(alias, false), None);
        t.fill(0x5000, 1, true);
        t.flush();
        assert_eq!(t.lookup(0x5000, false), None);
    }

    #[test]
    fn the_empty_marker_is_never_a_page() {
        let t = Tlb::new();
        // u64::MAX is not page-aligned, so no real lookup can match it.
        assert_eq!(t.lookup(!0xfff, false), None);
    }
}
