// SPDX-License-Identifier: BSD-2-Clause
//! The block cache's index: which slot holds a block. An open-addressing
//! hash table of slot numbers (4 bytes each); the keys are not stored
//! here but read from the slots, through the `key` function every method
//! takes. Linear probing, and deletion by shifting later entries back, so
//! no tombstones build up however long the cache churns.
//!
//! Why not a `BTreeMap`: a lookup among the 24,576 blocks of FS's cache
//! cost a few hundred instructions, once per block a read touches. Why not
//! `hashbrown`: its table for that many keys is over 1 MiB in one
//! allocation, which FS's buddy-allocated 4 MiB heap cannot give beside
//! the slots; this one is 256 KiB.
use alloc::vec;
use alloc::vec::Vec;

const EMPTY: u32 = u32::MAX;

pub struct SlotIndex {
    table: Vec<u32>,
    /// `64 - log2(table.len())`: a hash's top bits pick the home bucket.
    shift: u32,
    len: usize,
}

impl SlotIndex {
    /// Room for `capacity` entries at a load of at most one half.
    pub fn new(capacity: usize) -> Self {
        let size = (capacity.max(1) * 2).next_power_of_two().max(2);
        SlotIndex { table: vec![EMPTY; size], shift: 64 - size.trailing_zeros(), len: 0 }
    }

    /// Where probing for `block` starts (Fibonacci hashing: the product's
    /// top bits, so runs of consecutive blocks spread out).
    fn home(&self, block: u64) -> usize {
        (block.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    fn next(&self, at: usize) -> usize {
        (at + 1) & (self.table.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The table position holding `block`, if any.
    fn find(&self, block: u64, key: impl Fn(usize) -> u64) -> Option<usize> {
        let mut at = self.home(block);
        loop {
            match self.table[at] {
                EMPTY => return None,
                s if key(s as usize) == block => return Some(at),
                _ => at = self.next(at),
            }
        }
    }

    /// The slot holding `block`.
    pub fn get(&self, block: u64, key: impl Fn(usize) -> u64) -> Option<usize> {
        self.find(block, key).map(|at| self.table[at] as usize)
    }

    /// Records that `slot` holds `block`, which must not be in the index
    /// yet (the cache looks before it loads). Past the capacity given at
    /// creation the table doubles.
    pub fn insert(&mut self, block: u64, slot: usize, key: impl Fn(usize) -> u64) {
        self.insert_by(block, slot, &key)
    }

    fn insert_by(&mut self, block: u64, slot: usize, key: &dyn Fn(usize) -> u64) {
        debug_assert!(self.find(block, key).is_none());
        if (self.len + 1) * 2 > self.table.len() {
            self.grow(key);
        }
        let mut at = self.home(block);
        while self.table[at] != EMPTY {
            at = self.next(at);
        }
        self.table[at] = slot as u32;
        self.len += 1;
    }

    fn grow(&mut self, key: &dyn Fn(usize) -> u64) {
        let old = core::mem::replace(self, SlotIndex::new(self.table.len()));
        for s in old.table.into_iter().filter(|&s| s != EMPTY) {
            self.insert_by(key(s as usize), s as usize, key);
        }
    }

    /// Forgets `block`; returns the slot that held it. `key` must still
    /// give `block` for that slot.
    pub fn remove(&mut self, block: u64, key: impl Fn(usize) -> u64) -> Option<usize> {
        let mut hole = self.find(block, &key)?;
        let slot = self.table[hole] as usize;
        self.table[hole] = EMPTY;
        self.len -= 1;
        // Shift back every later entry of the cluster whose probe from
        // its home would cross the hole.
        let mut at = self.next(hole);
        while self.table[at] != EMPTY {
            let home = self.home(key(self.table[at] as usize));
            // Whether `home` lies cyclically in (hole, at]: then the entry
            // is still reachable and stays.
            let stays = if hole < at { hole < home && home <= at } else { hole < home || home <= at };
            if !stays {
                self.table[hole] = self.table[at];
                self.table[at] = EMPTY;
                hole = at;
            }
            at = self.next(at);
        }
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A reproducible stream of numbers.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// Random inserts and removals against a `HashMap`, in a small table
    /// so clusters wrap around its end; blocks both scattered and in runs.
    #[test]
    fn agrees_with_a_map_through_churn() {
        for (cap, span) in [(4usize, 16u64), (64, 200), (300, 100_000)] {
            let mut idx = SlotIndex::new(cap);
            let mut keys: Vec<u64> = vec![u64::MAX; cap];
            let mut model: HashMap<u64, usize> = HashMap::new();
            let mut seed = 0x1234_5678_9abc_def1u64 ^ cap as u64;
            for step in 0..20_000 {
                let b = if step % 3 == 0 { step as u64 % span } else { rng(&mut seed) % span };
                let k = |s: usize| keys[s];
                if let Some(s) = model.remove(&b) {
                    assert_eq!(idx.remove(b, k), Some(s));
                    keys[s] = u64::MAX;
                } else if let Some(s) = (0..cap).find(|&s| keys[s] == u64::MAX) {
                    keys[s] = b;
                    idx.insert(b, s, |s: usize| keys[s]);
                    model.insert(b, s);
                }
                assert_eq!(idx.len(), model.len());
                if step % 97 == 0 {
                    for probe in 0..span.min(500) {
                        assert_eq!(idx.get(probe, |s: usize| keys[s]), model.get(&probe).copied(), "block {probe}");
                    }
                }
            }
        }
    }

    #[test]
    fn it_grows_past_its_capacity() {
        let keys: Vec<u64> = (0..100).map(|i| i * 7).collect();
        let mut idx = SlotIndex::new(3);
        for s in 0..100 {
            idx.insert(keys[s], s, |s: usize| keys[s]);
        }
        assert_eq!(idx.len(), 100);
        assert!((0..100).all(|s| idx.get(keys[s], |s: usize| keys[s]) == Some(s)));
        assert_eq!(idx.get(1, |s: usize| keys[s]), None);
    }
}
