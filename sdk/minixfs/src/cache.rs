// SPDX-License-Identifier: BSD-2-Clause
//! A bounded block cache: least recently used blocks are evicted first, and
//! changed blocks reach the device only on eviction or [`BlockCache::flush`].
//!
//! The bound is a number of blocks fixed at creation. The slots form a
//! doubly linked list in order of use (indices, not pointers): a hit moves
//! its slot to the front, eviction takes the back, both O(1). A linear
//! scan for the oldest use cost a pass over every slot per miss, which was
//! most of the time of a sequential read.

use crate::device::BlockDevice;
use crate::Result;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// Marks a slot that holds no block (after a failed read).
const NO_BLOCK: u64 = u64::MAX;

struct Slot {
    block: u64,
    dirty: bool,
    /// Neighbours in the use list: `prev` was used more recently.
    prev: usize,
    next: usize,
}

/// The end of the use list.
const NIL: usize = usize::MAX;

/// Counters, for tests and tuning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub reads: u64,
    pub writes: u64,
}

/// Where the cached blocks' bytes live: slot `i` is bytes
/// `i * block_size ..` of it.
enum Store {
    /// The heap, grown a slot at a time.
    Heap(Vec<u8>),
    /// Memory the owner lent for good: the FS server's cache is pages VM
    /// manages, so that a driver can reach them through grants.
    Lent(&'static mut [u8]),
}

impl Store {
    fn bytes(&mut self) -> &mut [u8] {
        match self {
            Store::Heap(v) => v,
            Store::Lent(s) => s,
        }
    }
}

pub struct BlockCache<D: BlockDevice> {
    dev: D,
    block_size: usize,
    capacity: usize,
    store: Store,
    slots: Vec<Slot>,
    index: BTreeMap<u64, usize>,
    /// The dirty blocks, so a flush visits only them (a sync with a big,
    /// mostly clean cache would otherwise walk every block).
    dirty: BTreeSet<u64>,
    /// Most and least recently used slots.
    head: usize,
    tail: usize,
    stats: CacheStats,
}

impl<D: BlockDevice> BlockCache<D> {
    /// A cache of at most `capacity` (at least 1) blocks of `block_size`
    /// bytes, on the heap.
    pub fn new(dev: D, block_size: usize, capacity: usize) -> Self {
        Self::with_store(dev, block_size, capacity.max(1), Store::Heap(Vec::new()))
    }

    /// A cache whose blocks live in `store`: as many blocks as fit (at
    /// least 1: a smaller store falls back to a one-block heap cache).
    pub fn new_in(dev: D, block_size: usize, store: &'static mut [u8]) -> Self {
        let capacity = store.len() / block_size.max(1);
        if capacity == 0 {
            return Self::new(dev, block_size, 1);
        }
        Self::with_store(dev, block_size, capacity, Store::Lent(store))
    }

    fn with_store(dev: D, block_size: usize, capacity: usize, store: Store) -> Self {
        BlockCache {
            dev,
            block_size,
            capacity,
            store,
            // All at once: growing by doubling would want the old and the
            // new array together, which a server's fixed heap may not have.
            slots: Vec::with_capacity(capacity),
            index: BTreeMap::new(),
            dirty: BTreeSet::new(),
            head: NIL,
            tail: NIL,
            stats: CacheStats::default(),
        }
    }

    pub fn block_size(&self) -> usize {
        self.block_size
    }
    pub fn stats(&self) -> CacheStats {
        self.stats
    }
    pub fn device(&self) -> &D {
        &self.dev
    }
    /// The device itself. Writing to it behind the cache's back is the
    /// caller's business (tests corrupt images this way).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.dev
    }
    /// Drops the cache without writing anything back.
    pub fn into_device(self) -> D {
        self.dev
    }
    /// Blocks held, for tests.
    pub fn resident(&self) -> usize {
        self.index.len()
    }
    pub fn is_dirty(&self, block: u64) -> bool {
        self.index.get(&block).is_some_and(|&i| self.slots[i].dirty)
    }

    /// Finds or loads `block`; `read` false gives a zero-filled block
    /// without touching the device.
    fn slot(&mut self, block: u64, read: bool) -> Result<usize> {
        if let Some(&i) = self.index.get(&block) {
            self.stats.hits += 1;
            self.make_newest(i);
            return Ok(i);
        }
        self.stats.misses += 1;
        let i = if self.slots.len() < self.capacity {
            self.slots.push(Slot { block: NO_BLOCK, dirty: false, prev: NIL, next: NIL });
            if let Store::Heap(v) = &mut self.store {
                v.resize(self.slots.len() * self.block_size, 0);
            }
            let i = self.slots.len() - 1;
            self.push_front(i);
            i
        } else {
            self.evict_one()?
        };
        let bs = self.block_size;
        let data = &mut self.store.bytes()[i * bs..(i + 1) * bs];
        if read {
            self.stats.reads += 1;
            if let Err(e) = self.dev.read_block(block, data) {
                self.slots[i].block = NO_BLOCK;
                self.make_oldest(i);
                return Err(e);
            }
        } else {
            data.fill(0);
        }
        self.slots[i].block = block;
        self.make_newest(i);
        self.index.insert(block, i);
        Ok(i)
    }

    fn unlink(&mut self, i: usize) {
        let (p, n) = (self.slots[i].prev, self.slots[i].next);
        if p == NIL {
            self.head = n;
        } else {
            self.slots[p].next = n;
        }
        if n == NIL {
            self.tail = p;
        } else {
            self.slots[n].prev = p;
        }
    }

    fn push_front(&mut self, i: usize) {
        self.slots[i].prev = NIL;
        self.slots[i].next = self.head;
        if self.head != NIL {
            self.slots[self.head].prev = i;
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i;
        }
    }

    fn make_newest(&mut self, i: usize) {
        if self.head != i {
            self.unlink(i);
            self.push_front(i);
        }
    }

    /// Makes slot `i` the next to go (it holds nothing worth keeping).
    fn make_oldest(&mut self, i: usize) {
        if self.tail != i {
            self.unlink(i);
            self.slots[i].next = NIL;
            self.slots[i].prev = self.tail;
            if self.tail != NIL {
                self.slots[self.tail].next = i;
            }
            self.tail = i;
            if self.head == NIL {
                self.head = i;
            }
        }
    }

    /// Frees the least recently used slot, writing it back if dirty. A
    /// failed write keeps the block cached and reports the error.
    fn evict_one(&mut self) -> Result<usize> {
        let victim = self.tail;
        let bs = self.block_size;
        let data = &self.store.bytes()[victim * bs..(victim + 1) * bs];
        let slot = &mut self.slots[victim];
        if slot.block != NO_BLOCK {
            if slot.dirty {
                self.dev.write_block(slot.block, data)?;
                self.stats.writes += 1;
                slot.dirty = false;
                self.dirty.remove(&slot.block);
            }
            self.index.remove(&slot.block);
            slot.block = NO_BLOCK;
        }
        Ok(victim)
    }

    /// The contents of `block`, read from the device on a miss.
    pub fn read(&mut self, block: u64) -> Result<&[u8]> {
        let i = self.slot(block, true)?;
        Ok(self.data(i))
    }

    fn data(&mut self, i: usize) -> &mut [u8] {
        let bs = self.block_size;
        &mut self.store.bytes()[i * bs..(i + 1) * bs]
    }

    /// The contents of `block` for changing; it is written back later.
    pub fn write(&mut self, block: u64) -> Result<&mut [u8]> {
        let i = self.slot(block, true)?;
        self.slots[i].dirty = true;
        self.dirty.insert(block);
        Ok(self.data(i))
    }

    /// `block` filled with zeros and marked dirty, without reading it: for
    /// freshly allocated blocks and whole-block overwrites.
    pub fn zeroed(&mut self, block: u64) -> Result<&mut [u8]> {
        let i = self.slot(block, false)?;
        self.slots[i].dirty = true;
        self.dirty.insert(block);
        let data = self.data(i);
        data.fill(0);
        Ok(data)
    }

    /// Drops `block` without writing it: its contents no longer matter
    /// (the block was freed).
    pub fn forget(&mut self, block: u64) {
        if let Some(i) = self.index.remove(&block) {
            let slot = &mut self.slots[i];
            slot.block = NO_BLOCK;
            slot.dirty = false;
            self.dirty.remove(&block);
            self.make_oldest(i);
        }
    }

    /// Writes every dirty block, in block order, then flushes the device.
    pub fn flush(&mut self) -> Result<()> {
        let dirty: Vec<(u64, usize)> = self.dirty.iter().filter_map(|b| self.index.get(b).map(|&i| (*b, i))).collect();
        let bs = self.block_size;
        for (block, i) in dirty {
            self.dev.write_block(block, &self.store.bytes()[i * bs..(i + 1) * bs])?;
            self.stats.writes += 1;
            self.slots[i].dirty = false;
            self.dirty.remove(&block);
        }
        self.dev.flush()
    }
}
