// SPDX-License-Identifier: BSD-2-Clause
//! Words of memory shared with other processes that change under us at
//! any time (the clock page, which the timer driver writes while every
//! process reads it). Unlike a [`crate::MappedRegion`], nothing here ever
//! makes a Rust reference to plain bytes of the range: every access is
//! one aligned 64-bit atomic, which is what makes concurrent writers
//! outside the process harmless.
use core::sync::atomic::{AtomicU64, Ordering};

/// `words` aligned 64-bit words at `base`, reached only atomically.
#[derive(Copy, Clone, Debug)]
pub struct SharedWords {
    /// Invariant (from [`SharedWords::new`]): `base..base + 8 × words` is
    /// 8-aligned, mapped readable (writable when `writable`) for the rest
    /// of the process's life, and reached only by aligned atomic accesses.
    base: u64,
    words: usize,
    writable: bool,
}

impl SharedWords {
    /// Takes the `words` words at `base`.
    ///
    /// # Safety
    ///
    /// For the rest of the process's life:
    ///
    /// - `base` is not 0, is a multiple of 8, and `base + 8 × words` does
    ///   not wrap;
    /// - the range is mapped readable in this address space, and writable
    ///   if `writable`, and stays so;
    /// - whatever else reaches the range, in this process or any other,
    ///   does so only with aligned 8-byte atomic accesses (as these
    ///   values do), never through a Rust reference to its bytes.
    pub const unsafe fn new(base: u64, words: usize, writable: bool) -> SharedWords {
        SharedWords { base, words, writable }
    }

    #[inline]
    fn word(&self, i: usize) -> &AtomicU64 {
        assert!(i < self.words, "word {} outside {} shared words", i, self.words);
        // SAFETY: word i is inside the range (checked), 8-aligned, mapped
        // for the process's life and only ever accessed atomically (new's
        // contract), so a shared reference to it as an AtomicU64 is sound.
        unsafe { &*((self.base + 8 * i as u64) as *const AtomicU64) }
    }

    /// Word `i`.
    ///
    /// # Panics
    ///
    /// If `i` is not below the word count.
    #[inline]
    pub fn load(&self, i: usize, o: Ordering) -> u64 {
        self.word(i).load(o)
    }

    /// Writes word `i`.
    ///
    /// # Panics
    ///
    /// If the words are read-only, or `i` is not below the word count.
    #[inline]
    pub fn store(&self, i: usize, v: u64, o: Ordering) {
        assert!(self.writable, "store to read-only shared words");
        self.word(i).store(v, o)
    }
}
