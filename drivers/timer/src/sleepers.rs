// SPDX-License-Identifier: BSD-2-Clause
//! The processes waiting in `SLEEP`, by process-table slot.
//!
//! A process is in at most one call at a time, so one entry per slot of
//! PM's table bounds the table for good: no process can make the driver
//! keep more. An entry belongs to the endpoint that made it; a request
//! from a later process of the same slot (a new generation: the old one
//! died, and its reply cap died with it) replaces it, so a sleeper that
//! dies is forgotten at the latest when its slot is reused, and its
//! deadline, if it comes first, wakes nobody.
use minix_abi::cspace::timer::SLEEPERS;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EINVAL};

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Sleeper {
    pub who: Endpoint,
    /// Monotonic nanoseconds.
    pub deadline: u64,
}

pub struct Sleepers {
    table: [Option<Sleeper>; SLEEPERS],
    count: usize,
}

impl Default for Sleepers {
    fn default() -> Self {
        Sleepers { table: [None; SLEEPERS], count: 0 }
    }
}

impl Sleepers {
    /// The entry index of `who`: its process-table slot, `EINVAL` past
    /// the table (no process PM made has one).
    pub fn index(who: Endpoint) -> Result<usize, Errno> {
        let i = who.slot();
        if i < SLEEPERS {
            Ok(i)
        } else {
            Err(EINVAL)
        }
    }

    /// Puts `who` to sleep until `deadline`; returns the entry it replaced
    /// (an earlier process of the same slot, or `who`'s own stale entry).
    pub fn insert(&mut self, who: Endpoint, deadline: u64) -> Result<Option<Sleeper>, Errno> {
        let i = Self::index(who)?;
        let old = self.table[i].replace(Sleeper { who, deadline });
        if old.is_none() {
            self.count += 1;
        }
        Ok(old)
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        self.table.iter().flatten().map(|s| s.deadline).min()
    }

    /// Takes out the sleeper with the earliest deadline at or before
    /// `now`, with its index (so that sleepers are woken in deadline
    /// order, the earlier first; equal deadlines by slot).
    pub fn pop_expired(&mut self, now: u64) -> Option<(usize, Sleeper)> {
        let (i, s) = self
            .table
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i, s)))
            .filter(|(_, s)| s.deadline <= now)
            .min_by_key(|(i, s)| (s.deadline, *i))?;
        self.table[i] = None;
        self.count -= 1;
        Some((i, s))
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn get(&self, i: usize) -> Option<Sleeper> {
        self.table.get(i).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_in_deadline_order() {
        let mut s = Sleepers::default();
        for (slot, d) in [(10u16, 300u64), (11, 100), (12, 200), (13, 100)] {
            assert_eq!(s.insert(Endpoint::new(slot, 1), d), Ok(None));
        }
        assert_eq!(s.len(), 4);
        assert_eq!(s.next_deadline(), Some(100));
        assert_eq!(s.pop_expired(99), None);
        let order: Vec<u16> = core::iter::from_fn(|| s.pop_expired(250)).map(|(_, x)| x.who.slot() as u16).collect();
        assert_eq!(order, vec![11, 13, 12]);
        assert_eq!(s.len(), 1);
        assert_eq!(s.next_deadline(), Some(300));
    }

    #[test]
    fn a_new_process_of_a_slot_replaces_the_dead_one() {
        let mut s = Sleepers::default();
        let old = Endpoint::new(20, 1);
        s.insert(old, 1_000_000).unwrap();
        let new = Endpoint::new(20, 2);
        assert_eq!(s.insert(new, 50), Ok(Some(Sleeper { who: old, deadline: 1_000_000 })));
        assert_eq!(s.len(), 1);
        assert_eq!(s.pop_expired(60), Some((20, Sleeper { who: new, deadline: 50 })));
        assert!(s.is_empty());
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn bounded_by_the_process_table() {
        let mut s = Sleepers::default();
        for slot in 0..SLEEPERS as u16 {
            s.insert(Endpoint::new(slot, 1), slot as u64).unwrap();
        }
        assert_eq!(s.len(), SLEEPERS);
        assert_eq!(s.insert(Endpoint::new(SLEEPERS as u16, 1), 0), Err(EINVAL));
        assert_eq!(s.insert(Endpoint::new(4095, 1), 0), Err(EINVAL));
        assert_eq!(s.len(), SLEEPERS);
    }
}
