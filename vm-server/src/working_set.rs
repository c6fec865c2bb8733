// SPDX-License-Identifier: BSD-2-Clause
//! Programs' working sets: which pages of its text a program's last run
//! had mapped, so that the next exec of the same file maps them at once.
//!
//! Why: here a page fault costs a trip through the kernel to VM and back
//! on top of the mapping itself (about 2,500 instructions before VM does
//! anything), and a small C program takes some thirty of them on its
//! text after exec. Mapping the pages the last run used, while VM builds
//! the new memory, costs only the mappings. A page the new run does not
//! use costs a mapping and an unmapping for nothing, so only the last
//! run's pages are kept, not every page any run ever touched.
//!
//! Which pages a run used is known only from the runs that were not
//! given their pages: VM cannot tell a mapped page that was used from
//! one that was not (seL4 shows no accessed bits). So a run given its
//! working set adds what it faulted in besides, and every
//! [`LEARN_EVERY`]th exec of a program is given nothing: what that run
//! maps is then exactly what it used, and replaces the set, so pages
//! no longer used drop out.
//!
//! Bounded: [`MAX_FILES`] programs (the least recently recorded goes),
//! [`MAX_PAGES`] pages each (the lowest). Page numbers are 32 bits, as in
//! the pager protocol. Nothing here decides whether a page is still the
//! file's: the glue maps only pages it finds in the page cache.
use crate::memtype::FileRef;
use alloc::vec::Vec;

/// Programs remembered.
pub const MAX_FILES: usize = 32;
/// Pages remembered per program.
pub const MAX_PAGES: usize = 96;
/// One exec in this many of a program learns its working set afresh.
pub const LEARN_EVERY: u32 = 16;

#[derive(Debug)]
struct Set {
    file: FileRef,
    pages: Vec<u32>,
    execs: u32,
}

/// The working sets, most recently recorded last.
#[derive(Default, Debug)]
pub struct WorkingSets {
    sets: Vec<Set>,
}

impl WorkingSets {
    pub const fn new() -> WorkingSets {
        WorkingSets { sets: Vec::new() }
    }

    /// `file` is being exec'd: the page numbers to map now, ascending, or
    /// `None` (nothing known, or this run learns the set afresh).
    pub fn for_exec(&mut self, file: FileRef) -> Option<&[u32]> {
        let set = self.sets.iter_mut().find(|s| s.file == file)?;
        set.execs = set.execs.wrapping_add(1);
        if set.execs % LEARN_EVERY == 0 {
            return None;
        }
        Some(&set.pages)
    }

    /// A run of `file` ended (exit, or exec of another image) with these
    /// file page numbers mapped. A run that was given no pages (`learned`)
    /// replaces what was remembered, and an empty one forgets the program;
    /// a run that was given them adds to them. Page numbers past 32 bits
    /// are left out.
    ///
    /// After the first [`MAX_FILES`] programs this allocates nothing: a
    /// set's list is reused (the oldest program's, when a new one comes),
    /// and kept within its capacity of [`MAX_PAGES`], so recording never
    /// grows VM's heap as programs come and go.
    pub fn record(&mut self, file: FileRef, pages: impl IntoIterator<Item = u64>, learned: bool) {
        if self.sets.capacity() < MAX_FILES {
            self.sets.reserve_exact(MAX_FILES - self.sets.len());
        }
        let mut set = match self.sets.iter().position(|s| s.file == file) {
            Some(i) => self.sets.remove(i),
            None if self.sets.len() == MAX_FILES => {
                let mut oldest = self.sets.remove(0);
                oldest.file = file;
                oldest.execs = 0;
                oldest.pages.clear();
                oldest
            }
            None => Set { file, pages: Vec::with_capacity(MAX_PAGES), execs: 0 },
        };
        if learned {
            set.pages.clear();
        }
        for p in pages {
            let Ok(p) = u32::try_from(p) else { continue };
            if let Err(at) = set.pages.binary_search(&p) {
                // The lowest MAX_PAGES are kept, within the capacity.
                if set.pages.len() < MAX_PAGES {
                    set.pages.insert(at, p);
                } else if at < MAX_PAGES {
                    set.pages.pop();
                    set.pages.insert(at, p);
                }
            }
        }
        if set.pages.is_empty() {
            // Forgotten; its list goes (only an empty run frees one).
            return;
        }
        self.sets.push(set);
    }

    /// The page numbers remembered for `file`, ascending (none if none).
    pub fn pages(&self, file: FileRef) -> &[u32] {
        self.sets.iter().find(|s| s.file == file).map_or(&[], |s| s.pages.as_slice())
    }

    /// Programs remembered.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(ino: u64) -> FileRef {
        FileRef { dev: 1, ino }
    }

    #[test]
    fn the_last_run_replaces_the_one_before() {
        let mut w = WorkingSets::new();
        w.record(f(1), [5, 1, 3, 3], true);
        assert_eq!(w.pages(f(1)), &[1, 3, 5]);
        w.record(f(1), [2], true);
        assert_eq!(w.pages(f(1)), &[2]);
        assert_eq!(w.pages(f(2)), &[] as &[u32]);
        w.record(f(1), [], true);
        assert!(w.is_empty(), "an empty run forgets the program");
    }

    #[test]
    fn a_run_given_its_pages_adds_and_every_sixteenth_learns_afresh() {
        let mut w = WorkingSets::new();
        assert_eq!(w.for_exec(f(1)), None, "nothing known yet");
        w.record(f(1), [1, 2], true);
        assert_eq!(w.for_exec(f(1)), Some(&[1, 2][..]));
        w.record(f(1), [1, 2, 9], false);
        for _ in 2..LEARN_EVERY {
            assert_eq!(w.for_exec(f(1)), Some(&[1, 2, 9][..]));
            w.record(f(1), [1, 2, 9], false);
        }
        assert_eq!(w.pages(f(1)), &[1, 2, 9], "a given run's faults are added");
        assert_eq!(w.for_exec(f(1)), None, "the sixteenth exec learns");
        w.record(f(1), [9], true);
        assert_eq!(w.for_exec(f(1)), Some(&[9][..]), "pages no longer used dropped out");
    }

    #[test]
    fn bounded_in_programs_and_pages() {
        let mut w = WorkingSets::new();
        for ino in 0..(MAX_FILES as u64 + 5) {
            w.record(f(ino), 0..1000, true);
        }
        assert_eq!(w.len(), MAX_FILES);
        assert!(w.pages(f(0)).is_empty(), "the oldest went");
        let last = w.pages(f(MAX_FILES as u64 + 4));
        assert_eq!(last.len(), MAX_PAGES);
        assert_eq!(last[0], 0);
        // Recording one again makes it the newest: it survives the next.
        w.record(f(5), [7], true);
        w.record(f(1000), [1], true);
        assert_eq!(w.pages(f(5)), &[7]);
    }

    #[test]
    fn page_numbers_past_32_bits_are_left_out() {
        let mut w = WorkingSets::new();
        w.record(f(1), [1 << 32, 4, u64::MAX], true);
        assert_eq!(w.pages(f(1)), &[4]);
    }
}
