// SPDX-License-Identifier: BSD-2-Clause
//! Threads: the second and later TCBs of a process, in a table of their
//! own beside the process table.
//!
//! A thread has an endpoint of its own, from slots above the process
//! table's (so every server can tell its calls and faults from its
//! process's, answer them apart, and keep a wait of its own for it), and
//! a thread id from the pid counter. Everything a process owns (memory,
//! descriptors, signal actions and mask, pending signals, children, group,
//! ids) stays its first thread's, the *leader*: PM answers a thread's
//! process-wide calls as its leader's. A thread ends with THREAD_EXIT, and
//! with its process.
extern crate alloc;
use crate::proctab::ProcCaps;
use alloc::vec::Vec;
use minix_abi::endpoint::{Endpoint, GEN_BITS, MAX_SLOTS};
use minix_abi::errno::{Errno, EAGAIN};

/// The first thread slot: above every process-table slot.
pub const FIRST_SLOT: usize = 256;
/// Threads the whole system may have at once.
pub const MAX_THREADS: usize = 256;
const _: () = assert!(FIRST_SLOT + MAX_THREADS <= MAX_SLOTS);

/// One thread.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub ep: Endpoint,
    /// The process's first thread.
    pub leader: Endpoint,
    pub tid: u32,
    /// Its kernel objects (cap slots the glue keeps), and the raw cap of
    /// its CNode.
    pub caps: ProcCaps,
    pub raw_cnode: u64,
    /// The word zeroed, and woken, when the thread ends (0: none).
    pub clear_tid: u32,
}

pub struct ThreadTable {
    slots: Vec<Option<Thread>>,
    generations: Vec<u16>,
    /// Threads alive: with none (the usual case) the per-process
    /// questions of every exit and stop answer without a scan.
    live: usize,
}

impl Default for ThreadTable {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadTable {
    pub fn new() -> ThreadTable {
        ThreadTable { slots: alloc::vec![None; MAX_THREADS], generations: alloc::vec![0; MAX_THREADS], live: 0 }
    }

    /// The thread an endpoint names, if it is a live thread's.
    pub fn by_ep(&self, ep: Endpoint) -> Option<&Thread> {
        let i = ep.slot().checked_sub(FIRST_SLOT)?;
        self.slots.get(i)?.as_ref().filter(|t| t.ep == ep)
    }

    pub fn by_ep_mut(&mut self, ep: Endpoint) -> Option<&mut Thread> {
        let i = ep.slot().checked_sub(FIRST_SLOT)?;
        self.slots.get_mut(i)?.as_mut().filter(|t| t.ep == ep)
    }

    /// The process an endpoint acts for: a thread's leader, or itself.
    pub fn process_of(&self, ep: Endpoint) -> Endpoint {
        self.by_ep(ep).map_or(ep, |t| t.leader)
    }

    /// A new thread of `leader` with id `tid`: its endpoint. `EAGAIN` when
    /// the table is full.
    pub fn add(&mut self, leader: Endpoint, tid: u32, caps: ProcCaps, raw_cnode: u64, clear_tid: u32) -> Result<Endpoint, Errno> {
        let i = self.slots.iter().position(|s| s.is_none()).ok_or(EAGAIN)?;
        // A new generation for every use of the slot, never 0.
        let old = self.generations[i];
        let gen = if old >= (1 << GEN_BITS) - 1 { 1 } else { old + 1 };
        self.generations[i] = gen;
        let ep = Endpoint::new((FIRST_SLOT + i) as u16, gen);
        self.slots[i] = Some(Thread { ep, leader, tid, caps, raw_cnode, clear_tid });
        self.live += 1;
        Ok(ep)
    }

    pub fn remove(&mut self, ep: Endpoint) -> Option<Thread> {
        let i = ep.slot().checked_sub(FIRST_SLOT)?;
        let slot = self.slots.get_mut(i)?;
        if slot.is_some_and(|t| t.ep == ep) {
            self.live -= 1;
            slot.take()
        } else {
            None
        }
    }

    /// The threads of `leader`.
    pub fn of(&self, leader: Endpoint) -> impl Iterator<Item = &Thread> {
        let slots = if self.live == 0 { &self.slots[..0] } else { &self.slots[..] };
        slots.iter().flatten().filter(move |t| t.leader == leader)
    }

    /// Threads alive in the whole system.
    pub fn live(&self) -> usize {
        self.live
    }

    /// How many threads `leader` has besides itself.
    pub fn count_of(&self, leader: Endpoint) -> usize {
        self.of(leader).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_above_the_process_table_with_fresh_generations() {
        let mut t = ThreadTable::new();
        let p = Endpoint::new(7, 1);
        let a = t.add(p, 100, ProcCaps::default(), 0, 0x1000).unwrap();
        assert!(a.slot() >= FIRST_SLOT);
        assert_eq!(t.by_ep(a).map(|x| (x.leader, x.tid, x.clear_tid)), Some((p, 100, 0x1000)));
        assert_eq!(t.process_of(a), p);
        assert_eq!(t.process_of(p), p);
        assert_eq!(t.remove(a).map(|x| x.tid), Some(100));
        assert!(t.by_ep(a).is_none());
        let b = t.add(p, 101, ProcCaps::default(), 0, 0).unwrap();
        assert_eq!(a.slot(), b.slot());
        assert_ne!(a, b, "a reused slot gets a new generation");
        assert!(t.remove(a).is_none(), "a stale endpoint removes nothing");
        assert!(t.by_ep(Endpoint::new(7, 1)).is_none(), "a process slot is no thread");
    }

    #[test]
    fn threads_of_a_process_and_a_full_table() {
        let mut t = ThreadTable::new();
        let (p, q) = (Endpoint::new(7, 1), Endpoint::new(8, 1));
        for i in 0..MAX_THREADS {
            t.add(if i % 2 == 0 { p } else { q }, i as u32, ProcCaps::default(), 0, 0).unwrap();
        }
        assert_eq!(t.add(p, 0, ProcCaps::default(), 0, 0), Err(EAGAIN));
        assert_eq!(t.live(), MAX_THREADS);
        assert_eq!(t.count_of(p), MAX_THREADS / 2);
        assert!(t.of(q).all(|x| x.tid % 2 == 1));
    }
}
