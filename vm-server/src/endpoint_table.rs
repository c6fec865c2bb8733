// SPDX-License-Identifier: BSD-2-Clause
//! Per-process state indexed by endpoint in O(1): the slot part of the
//! endpoint picks the entry, and the whole endpoint (slot and generation)
//! must match, so a stale endpoint never finds the new process in its slot.
//! Every request and fault looks its process up here first.
extern crate alloc;
use alloc::vec::Vec;
use minix_abi::endpoint::{Endpoint, MAX_SLOTS};

pub struct EndpointTable<T> {
    entries: Vec<Option<(u32, T)>>,
}

impl<T> Default for EndpointTable<T> {
    fn default() -> Self {
        EndpointTable::new()
    }
}

impl<T> EndpointTable<T> {
    pub const fn new() -> EndpointTable<T> {
        EndpointTable { entries: Vec::new() }
    }

    fn index(ep: u32) -> usize {
        Endpoint(ep).slot()
    }

    pub fn get(&self, ep: &u32) -> Option<&T> {
        match self.entries.get(Self::index(*ep)) {
            Some(Some((e, v))) if e == ep => Some(v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, ep: &u32) -> Option<&mut T> {
        match self.entries.get_mut(Self::index(*ep)) {
            Some(Some((e, v))) if e == ep => Some(v),
            _ => None,
        }
    }

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
        self.entries[i].replace((ep, v)).map(|(_, old)| old)
    }

    pub fn remove(&mut self, ep: &u32) -> Option<T> {
        let slot = self.entries.get_mut(Self::index(*ep))?;
        match slot {
            Some((e, _)) if e == ep => slot.take().map(|(_, v)| v),
            _ => None,
        }
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
    fn high_bits_never_alias_a_slot_out_of_range() {
        let mut t: EndpointTable<u8> = EndpointTable::new();
        // The slot is the low 12 bits: any u32 maps inside the table.
        assert_eq!(t.insert(u32::MAX, 1), None);
        assert_eq!(t.get(&u32::MAX), Some(&1));
        assert_eq!(t.get(&0xfff), None);
    }
}
