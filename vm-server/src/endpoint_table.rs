// SPDX-License-Identifier: BSD-2-Clause
//! Per-process state indexed by endpoint in O(1): the slot part of the
//! endpoint picks the entry, and the whole endpoint (slot and generation)
//! must match, so a stale endpoint never finds the new process in its slot.
//! Every request and fault looks its process up here first.
//!
//! A thread of a process has an endpoint of its own (its own slot, so its
//! calls and faults can be told apart and answered apart) that is an
//! *alias*: looking it up finds its process's entry. Only real entries are
//! inserted, removed and iterated.
extern crate alloc;
use alloc::vec::Vec;
use minix_abi::endpoint::{Endpoint, MAX_SLOTS};

pub struct EndpointTable<T> {
    entries: Vec<Option<(u32, T)>>,
    /// By slot: (the thread's endpoint, its process's endpoint).
    aliases: Vec<Option<(u32, u32)>>,
    /// Aliases in `aliases`: with none, a removal scans nothing.
    alias_count: usize,
}

impl<T> Default for EndpointTable<T> {
    fn default() -> Self {
        EndpointTable::new()
    }
}

impl<T> EndpointTable<T> {
    pub const fn new() -> EndpointTable<T> {
        EndpointTable { entries: Vec::new(), aliases: Vec::new(), alias_count: 0 }
    }

    fn index(ep: u32) -> usize {
        Endpoint(ep).slot()
    }

    /// The entry of `ep`, or of the process whose thread `ep` is.
    pub fn get(&self, ep: &u32) -> Option<&T> {
        let ep = self.resolve(*ep);
        match self.entries.get(Self::index(ep)) {
            Some(Some((e, v))) if *e == ep => Some(v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, ep: &u32) -> Option<&mut T> {
        let ep = self.resolve(*ep);
        match self.entries.get_mut(Self::index(ep)) {
            Some(Some((e, v))) if *e == ep => Some(v),
            _ => None,
        }
    }

    /// The process `ep` is a thread of, or `ep` itself.
    pub fn resolve(&self, ep: u32) -> u32 {
        self.leader_of(ep).unwrap_or(ep)
    }

    /// The process whose thread `ep` is, if it is one.
    pub fn leader_of(&self, ep: u32) -> Option<u32> {
        match self.aliases.get(Self::index(ep)) {
            Some(Some((t, leader))) if *t == ep => Some(*leader),
            _ => None,
        }
    }

    /// Makes `thread` name `leader`'s entry. `false` (nothing changes) if
    /// `leader` has no real entry or `thread`'s slot holds a real entry.
    pub fn alias(&mut self, thread: u32, leader: u32) -> bool {
        let (t, l) = (Self::index(thread), Self::index(leader));
        let leader_real = matches!(self.entries.get(l), Some(Some((e, _))) if *e == leader);
        let slot_taken = matches!(self.entries.get(t), Some(Some(_)));
        if !leader_real || slot_taken || t >= MAX_SLOTS {
            return false;
        }
        if self.aliases.len() <= t {
            self.aliases.resize(t + 1, None);
        }
        if self.aliases[t].replace((thread, leader)).is_none() {
            self.alias_count += 1;
        }
        true
    }

    /// Forgets the thread `thread`; answers its process.
    pub fn unalias(&mut self, thread: u32) -> Option<u32> {
        let leader = self.leader_of(thread)?;
        self.aliases[Self::index(thread)] = None;
        self.alias_count -= 1;
        Some(leader)
    }

    /// The threads of `leader`.
    pub fn threads_of(&self, leader: u32) -> impl Iterator<Item = u32> + '_ {
        self.aliases.iter().flatten().filter(move |(_, l)| *l == leader).map(|(t, _)| *t)
    }

    /// Whether `ep` names an entry (its own, or as a thread's alias).
    pub fn contains_key(&self, ep: &u32) -> bool {
        self.get(ep).is_some()
    }

    /// Puts `v` in `ep`'s slot and gives back what the slot held, whatever
    /// its generation (a slot holds one process at a time).
    pub fn insert(&mut self, ep: u32, v: T) -> Option<T> {
        let i = Self::index(ep);
        if i >= MAX_SLOTS {
            return None;
        }
        if self.entries.len() <= i {
            self.entries.resize_with(i + 1, || None);
        }
        // A thread of a process long gone may still sit in the slot.
        if let Some(a) = self.aliases.get_mut(i) {
            if a.take().is_some() {
                self.alias_count -= 1;
            }
        }
        self.entries[i].replace((ep, v)).map(|(_, old)| old)
    }

    /// Removes a real entry (a thread's alias is left: see `unalias`),
    /// and the aliases of its threads.
    pub fn remove(&mut self, ep: &u32) -> Option<T> {
        let slot = self.entries.get_mut(Self::index(*ep))?;
        let v = match slot {
            Some((e, _)) if e == ep => slot.take().map(|(_, v)| v),
            _ => None,
        }?;
        if self.alias_count > 0 {
            for a in self.aliases.iter_mut() {
                if a.is_some_and(|(_, l)| l == *ep) {
                    *a = None;
                    self.alias_count -= 1;
                }
            }
        }
        Some(v)
    }

    /// Every entry.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().flatten().map(|(_, v)| v)
    }

    /// Every entry, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().flatten().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_must_match() {
        let mut t = EndpointTable::new();
        let a = Endpoint::new(7, 1).0;
        let stale = Endpoint::new(7, 2).0;
        assert_eq!(t.insert(a, "a"), None);
        assert_eq!(t.get(&a), Some(&"a"));
        assert_eq!(t.get(&stale), None);
        assert_eq!(t.remove(&stale), None);
        assert!(t.contains_key(&a));
        assert_eq!(t.insert(stale, "b"), Some("a"));
        assert_eq!(t.get(&a), None);
        assert_eq!(t.remove(&stale), Some("b"));
        assert!(t.is_empty());
    }

    #[test]
    fn threads_find_their_process() {
        let mut t = EndpointTable::new();
        let p = Endpoint::new(7, 1).0;
        let th = Endpoint::new(300, 4).0;
        let stale_th = Endpoint::new(300, 3).0;
        assert!(!t.alias(th, p), "no process yet");
        t.insert(p, "p");
        assert!(t.alias(th, p));
        assert_eq!(t.get(&th), Some(&"p"));
        assert_eq!(t.get(&stale_th), None);
        assert_eq!(t.leader_of(th), Some(p));
        assert_eq!(t.resolve(p), p);
        assert_eq!(t.threads_of(p).collect::<Vec<_>>(), [th]);
        assert!(!t.alias(Endpoint::new(8, 1).0, th), "a thread of a thread");
        // Removing the thread's endpoint removes nothing; unalias does.
        assert_eq!(t.remove(&th), None);
        assert_eq!(t.len(), 1);
        assert_eq!(t.unalias(th), Some(p));
        assert_eq!(t.get(&th), None);
        // The process's removal takes its threads' aliases with it.
        assert!(t.alias(th, p));
        assert_eq!(t.remove(&p), Some("p"));
        assert_eq!(t.get(&th), None);
        assert_eq!(t.leader_of(th), None);
    }

    #[test]
    fn high_bits_never_alias_a_slot_out_of_range() {
        let mut t: EndpointTable<u8> = EndpointTable::new();
        // The slot is the low 12 bits: any u32 maps inside the table.
        assert_eq!(t.insert(u32::MAX, 1), None);
        assert_eq!(t.get(&u32::MAX), Some(&1));
        assert_eq!(t.get(&0xfff), None);
    }
}
