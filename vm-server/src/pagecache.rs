// SPDX-License-Identifier: BSD-2-Clause
//! VM's page cache of file pages, and the page-in queue.
//!
//! A page of a file, named by (file, page index), is either cached (VM
//! holds a frame with its bytes, one reference of its own), being paged in
//! (a frame is set aside and faulting threads wait on it), or absent.
//!
//! A fault on an absent page starts a page-in: the request joins a FIFO
//! queue, and the fault waits (the glue saved its reply cap). VM never
//! asks anyone for the page. A VFS pager thread keeps a Call to VM
//! outstanding ("here is the last page, give me work"); VM answers it
//! with the oldest queued request when there is one. Several page-ins may
//! be in flight at once, each with its own token. A second fault on a page
//! already being paged in joins its waiters and queues nothing.
//!
//! Nothing here touches seL4: the glue allocates and fills frames, maps
//! them and answers the waiters; this module keeps the books.

use crate::frames::FrameId;
use crate::memtype::FileRef;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

/// A page of a file: the file and the page index (offset / 4 KiB).
pub type Key = (FileRef, u64);

/// A fault waiting for a page-in.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Waiter {
    /// The faulting process (endpoint number).
    pub who: u32,
    /// The file page it waits for (within the page-in's run).
    pub page: u64,
    /// The faulting address.
    pub vaddr: u64,
    pub write: bool,
    /// Where the glue saved the fault's reply cap.
    pub slot: u64,
    /// Not a fault but VFS's FIX_RANGE for `who` (the saved cap is the VFS
    /// worker's, answered "call again" once the page is mapped), or a copy
    /// without TRY that needs this page of `who`'s (the saved cap is the
    /// copier's, whose request runs again once the page is mapped).
    pub fix: bool,
}

/// One job for a pager.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Work {
    /// Read `count` pages of `file` from page `page` on and hand them back
    /// with `token`.
    PageIn { token: u64, file: FileRef, page: u64, count: u64 },
    /// No process maps `file` any more: VFS may let go of the `maps`
    /// references it took for VM's mappings of it (one per MMAP_FILE).
    Release { file: FileRef, maps: u64 },
}

/// A page-in of a run of consecutive pages from `key` on, one frame each:
/// the page a fault wants, and the ones after it read ahead.
struct Pending {
    key: Key,
    frames: Vec<FrameId>,
    waiters: Vec<Waiter>,
    /// The file changed under this page-in (a write or truncate after the
    /// pager may have read it): its bytes are not to be trusted, and it
    /// is done again.
    stale: bool,
}

/// A finished page-in: the run's frames (those that got bytes now cached)
/// and the faults to resume.
#[derive(Debug, PartialEq, Eq)]
pub struct Finished {
    pub key: Key,
    pub frames: Vec<FrameId>,
    pub waiters: Vec<Waiter>,
}

/// Most pages one page-in reads: the page a fault wants and 15 after it.
pub const RUN_MAX: u64 = 16;

#[derive(Default)]
pub struct PageCache {
    pages: BTreeMap<Key, FrameId>,
    pending: BTreeMap<u64, Pending>,
    by_key: BTreeMap<Key, u64>,
    queue: VecDeque<u64>,
    next_token: u64,
    /// MMAP_FILE calls per file since its last release.
    maps: BTreeMap<FileRef, u64>,
    releases: VecDeque<(FileRef, u64)>,
}

impl PageCache {
    pub fn new() -> PageCache {
        PageCache { next_token: 1, ..Default::default() }
    }

    /// The cached frame of a page.
    pub fn lookup(&self, key: Key) -> Option<FrameId> {
        self.pages.get(&key).copied()
    }

    /// Whether a page-in of `key` is under way (a fault then only joins).
    pub fn in_flight(&self, key: Key) -> bool {
        self.by_key.contains_key(&key)
    }

    /// Starts a page-in of the run from `key` into `frames` (one per page,
    /// allocated by the glue, each one reference becoming the cache's),
    /// queued last.
    pub fn start(&mut self, key: Key, frames: Vec<FrameId>, waiter: Waiter) -> u64 {
        let token = self.next_token;
        self.next_token += 1;
        for i in 0..frames.len() as u64 {
            self.by_key.insert((key.0, key.1 + i), token);
        }
        self.pending.insert(token, Pending { key, frames, waiters: alloc::vec![waiter], stale: false });
        self.queue.push_back(token);
        token
    }

    /// Adds a fault to the page-in of `key`; false if there is none.
    pub fn join(&mut self, key: Key, waiter: Waiter) -> bool {
        let Some(token) = self.by_key.get(&key) else { return false };
        match self.pending.get_mut(token) {
            Some(p) => {
                p.waiters.push(waiter);
                true
            }
            None => false,
        }
    }

    /// The oldest queued page-in (page-ins first: a fault waits on each),
    /// else the oldest release, for a pager.
    pub fn next_work(&mut self) -> Option<Work> {
        while let Some(token) = self.queue.pop_front() {
            // Page-ins whose waiters all went away are still done: the
            // page is likely wanted again, and a pager may already hold it.
            if let Some(p) = self.pending.get(&token) {
                return Some(Work::PageIn { token, file: p.key.0, page: p.key.1, count: p.frames.len() as u64 });
            }
        }
        self.releases.pop_front().map(|(file, maps)| Work::Release { file, maps })
    }

    /// VFS mapped `file` once more (MMAP_FILE).
    pub fn mapped(&mut self, file: FileRef) {
        *self.maps.entry(file).or_insert(0) += 1;
    }

    /// No process maps `file` any more: queue its release, carrying the
    /// MMAP_FILE calls it answers for.
    pub fn unmapped(&mut self, file: FileRef) {
        if let Some(maps) = self.maps.remove(&file) {
            self.releases.push_back((file, maps));
        }
    }

    /// A pager finished `token`: the first `filled` frames of the run
    /// (filled by the FS) become cached pages, except holes (bit `i` of
    /// `holes` for the run's page `i`), which are zeros the cache does not
    /// keep: their waiters get them mapped, and the next fault after they
    /// are gone reads the file again. The caller drops the run's reference
    /// on every frame that did not become a cached page. An unknown token
    /// (stale, or never given out) is `None`.
    pub fn finish(&mut self, token: u64, filled: usize, holes: u64) -> Option<Finished> {
        let p = self.pending.remove(&token)?;
        for i in 0..p.frames.len() as u64 {
            self.by_key.remove(&(p.key.0, p.key.1 + i));
        }
        self.queue.retain(|&t| t != token);
        for (i, f) in p.frames.iter().take(filled).enumerate() {
            if holes & 1u64.checked_shl(i as u32).unwrap_or(0) == 0 {
                self.pages.insert((p.key.0, p.key.1 + i as u64), *f);
            }
        }
        Some(Finished { key: p.key, frames: p.frames, waiters: p.waiters })
    }

    /// Marks the page-ins of `file` whose runs touch pages `first..=last`
    /// stale.
    pub fn stale(&mut self, file: FileRef, first: u64, last: u64) {
        for p in self.pending.values_mut() {
            let (a, b) = (p.key.1, p.key.1 + p.frames.len() as u64 - 1);
            if p.key.0 == file && a <= last && first <= b {
                p.stale = true;
            }
        }
    }

    /// If `token`'s page-in went stale, queues it again (last) and says
    /// so: the glue then ignores what the pager brought.
    pub fn redo_if_stale(&mut self, token: u64) -> bool {
        match self.pending.get_mut(&token) {
            Some(p) if p.stale => {
                p.stale = false;
                if !self.queue.contains(&token) {
                    self.queue.push_back(token);
                }
                true
            }
            _ => false,
        }
    }

    /// The pending frames of `token`, for the glue to fill before
    /// [`PageCache::finish`].
    pub fn pending_frames(&self, token: u64) -> Option<(Key, &[FrameId])> {
        self.pending.get(&token).map(|p| (p.key, &p.frames[..]))
    }

    /// Process `who` is gone: its waits end and are returned (a fault's
    /// saved cap died with it; a FIX_RANGE's still waits for an answer).
    pub fn forget(&mut self, who: u32) -> Vec<Waiter> {
        let mut gone = Vec::new();
        for p in self.pending.values_mut() {
            p.waiters.retain(|w| {
                if w.who == who {
                    gone.push(*w);
                    false
                } else {
                    true
                }
            });
        }
        gone
    }

    /// Cached pages of `file` from page `first` on, removed from the cache
    /// (truncation): the caller drops the cache's reference on each.
    pub fn drop_from(&mut self, file: FileRef, first: u64) -> Vec<(u64, FrameId)> {
        let keys: Vec<Key> = self.pages.range((file, first)..=(file, u64::MAX)).map(|(k, _)| *k).collect();
        keys.into_iter().filter_map(|k| self.pages.remove(&k).map(|f| (k.1, f))).collect()
    }

    /// Removes one cached page; the caller drops the cache's reference.
    pub fn remove(&mut self, key: Key) -> Option<FrameId> {
        self.pages.remove(&key)
    }

    /// Cached pages of `file` in `first..=last`, for keeping them in step
    /// with a write.
    pub fn cached_range(&self, file: FileRef, first: u64, last: u64) -> Vec<(u64, FrameId)> {
        if first > last {
            return Vec::new();
        }
        self.pages.range((file, first)..=(file, last)).map(|(k, f)| (k.1, *f)).collect()
    }

    /// Pages cached and page-ins pending (for tests and INFO).
    pub fn counts(&self) -> (usize, usize) {
        (self.pages.len(), self.pending.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileRef = FileRef { dev: 1, ino: 7 };
    const G: FileRef = FileRef { dev: 1, ino: 8 };

    fn w(who: u32, slot: u64) -> Waiter {
        Waiter { who, page: 0, vaddr: 0x1000 * slot, write: false, slot, fix: false }
    }

    fn one(f: u64) -> Vec<FrameId> {
        alloc::vec![FrameId(f)]
    }

    #[test]
    fn miss_queue_join_finish_hit() {
        let mut c = PageCache::new();
        assert_eq!(c.lookup((F, 0)), None);
        let t1 = c.start((F, 0), one(10), w(1, 100));
        let t2 = c.start((G, 3), one(11), w(2, 101));
        assert!(c.join((F, 0), w(3, 102)), "a second fault joins");
        assert!(!c.join((F, 1), w(3, 103)), "nothing to join");
        assert!(c.in_flight((F, 0)) && !c.in_flight((F, 1)));
        // First in, first out; joining queued nothing more.
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t1, file: F, page: 0, count: 1 }));
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t2, file: G, page: 3, count: 1 }));
        assert_eq!(c.next_work(), None);
        // Releases carry every MMAP_FILE since the last, after page-ins.
        c.mapped(F);
        c.mapped(F);
        c.unmapped(F);
        c.unmapped(F);
        c.unmapped(G);
        let t3 = c.start((F, 9), one(12), w(4, 104));
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t3, file: F, page: 9, count: 1 }));
        assert_eq!(c.next_work(), Some(Work::Release { file: F, maps: 2 }));
        assert_eq!(c.next_work(), None);
        c.finish(t3, 0, 0);
        let done = c.finish(t1, 1, 0).unwrap();
        assert_eq!(done.waiters, [w(1, 100), w(3, 102)]);
        assert_eq!(c.lookup((F, 0)), Some(FrameId(10)));
        assert_eq!(c.finish(t1, 1, 0), None, "a token finishes once");
        assert_eq!(c.finish(999, 1, 0), None, "an unknown token is refused");
        // A failed page-in caches nothing.
        let done = c.finish(t2, 0, 0).unwrap();
        assert_eq!((done.frames, c.lookup((G, 3))), (one(11), None));
        assert_eq!(c.counts(), (1, 0));
    }

    #[test]
    fn runs_read_ahead() {
        let mut c = PageCache::new();
        let t = c.start((F, 10), alloc::vec![FrameId(1), FrameId(2), FrameId(3)], w(1, 1));
        assert!(c.in_flight((F, 12)) && !c.in_flight((F, 13)));
        assert!(c.join((F, 11), Waiter { page: 11, ..w(2, 2) }), "a fault on a page read ahead joins");
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t, file: F, page: 10, count: 3 }));
        c.stale(F, 12, 20);
        assert!(c.redo_if_stale(t), "a write to the run's last page");
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t, file: F, page: 10, count: 3 }));
        // Only two pages had bytes (the file ends in the second).
        let done = c.finish(t, 2, 0).unwrap();
        assert_eq!(done.frames.len(), 3);
        assert_eq!((c.lookup((F, 10)), c.lookup((F, 11)), c.lookup((F, 12))), (Some(FrameId(1)), Some(FrameId(2)), None));
        assert!(!c.in_flight((F, 12)));
    }

    #[test]
    fn holes_are_not_cached() {
        let mut c = PageCache::new();
        let t = c.start((F, 0), alloc::vec![FrameId(1), FrameId(2), FrameId(3), FrameId(4)], w(1, 1));
        assert!(c.join((F, 1), Waiter { page: 1, ..w(2, 2) }));
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t, file: F, page: 0, count: 4 }));
        // Pages 1 and 2 are holes; page 3 is past the end.
        let done = c.finish(t, 3, 0b110).unwrap();
        assert_eq!(done.waiters.len(), 2, "a hole's waiter is still answered");
        assert_eq!(c.lookup((F, 0)), Some(FrameId(1)));
        assert_eq!((c.lookup((F, 1)), c.lookup((F, 2)), c.lookup((F, 3))), (None, None, None));
        assert!(!c.in_flight((F, 1)), "the next fault on a hole starts a page-in");
        assert_eq!(c.counts(), (1, 0));
    }

    #[test]
    fn forget_drop_and_ranges() {
        let mut c = PageCache::new();
        let t = c.start((F, 5), one(1), w(1, 50));
        c.join((F, 5), w(2, 51));
        c.join((F, 5), w(1, 52));
        assert_eq!(c.forget(1), [w(1, 50), w(1, 52)]);
        assert_eq!(c.finish(t, 1, 0).unwrap().waiters, [w(2, 51)]);
        for (p, f) in [(0, 20), (1, 21), (7, 27)] {
            let t = c.start((F, p), one(f), w(9, 0));
            c.finish(t, 1, 0);
        }
        let t = c.start((G, 0), one(30), w(9, 0));
        c.finish(t, 1, 0);
        assert_eq!(c.cached_range(F, 1, 6), [(1, FrameId(21)), (5, FrameId(1))]);
        assert_eq!(c.cached_range(F, 6, 1), []);
        assert_eq!(c.drop_from(F, 1), [(1, FrameId(21)), (5, FrameId(1)), (7, FrameId(27))]);
        assert_eq!(c.lookup((F, 0)), Some(FrameId(20)));
        assert_eq!(c.lookup((G, 0)), Some(FrameId(30)), "other files untouched");
        // A page-in overtaken by a write is done again, with its waiters.
        let t = c.start((G, 4), one(41), w(3, 7));
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t, file: G, page: 4, count: 1 }));
        c.stale(G, 0, 3);
        assert!(!c.redo_if_stale(t), "another page");
        c.stale(G, 4, 4);
        assert!(c.redo_if_stale(t));
        assert!(!c.redo_if_stale(t), "once");
        assert_eq!(c.next_work(), Some(Work::PageIn { token: t, file: G, page: 4, count: 1 }));
        assert_eq!(c.finish(t, 1, 0).unwrap().waiters, [w(3, 7)]);
        // A queued page-in that finishes before a pager took it leaves the
        // queue too.
        let t = c.start((G, 9), one(40), w(9, 0));
        c.finish(t, 0, 0);
        assert_eq!(c.next_work(), None);
    }
}
