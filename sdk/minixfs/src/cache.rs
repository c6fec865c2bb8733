// SPDX-License-Identifier: BSD-2-Clause
//! A bounded block cache: least recently used blocks are evicted first, and
//! changed blocks reach the device only on eviction or [`BlockCache::flush`].
//!
//! The bound is a number of blocks fixed at creation. The slots form a
//! doubly linked list in order of use (indices, not pointers): a hit moves
//! its slot to the front, eviction takes the back, both O(1). A linear
//! scan for the oldest use cost a pass over every slot per miss, which was
//! most of the time of a sequential read.
//!
//! A device with a per-request cost (the block driver) moves runs of
//! consecutive blocks in one request: [`BlockCache::prefetch`] reads the
//! missing blocks of a run ahead of a file read, and a flush writes each
//! run of consecutive dirty blocks together.

use crate::device::BlockDevice;
use crate::slot_index::SlotIndex;
use crate::Result;
use alloc::collections::BTreeSet;
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
    /// Blocks read from the device, one at a time or in runs.
    pub reads: u64,
    /// Blocks written to the device, one at a time or in runs.
    pub writes: u64,
    /// Device requests that moved a run of blocks (reads and writes).
    pub runs: u64,
}

/// Most blocks in one device run: 64 KiB of 1 KiB blocks.
pub const MAX_RUN: usize = 64;

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
    /// Which slot holds each cached block.
    index: SlotIndex,
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
            index: SlotIndex::new(capacity),
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
        self.lookup(block).is_some_and(|i| self.slots[i].dirty)
    }

    /// Whether `block` is cached.
    pub fn contains(&self, block: u64) -> bool {
        self.lookup(block).is_some()
    }

    /// The slot holding `block`.
    fn lookup(&self, block: u64) -> Option<usize> {
        let slots = &self.slots;
        self.index.get(block, |i| slots[i].block)
    }

    /// Records that slot `i`, which now holds `block`, is where it is.
    fn index_insert(&mut self, block: u64, i: usize) {
        let slots = &self.slots;
        self.index.insert(block, i, |i| slots[i].block);
    }

    /// Forgets where `block` is, while its slot still holds it.
    fn index_remove(&mut self, block: u64) -> Option<usize> {
        let slots = &self.slots;
        self.index.remove(block, |i| slots[i].block)
    }

    /// Blocks one device run may hold: below 2, runs are not worth it.
    /// At most half the cache, so a run never evicts its own blocks.
    pub fn run_blocks(&self) -> usize {
        (self.dev.run_bytes() / self.block_size.max(1)).min(MAX_RUN).min(self.capacity / 2)
    }

    /// A slot holding no block (a new one while the cache grows, else the
    /// least recently used one, written back first if dirty).
    fn take_slot(&mut self) -> Result<usize> {
        if self.slots.len() < self.capacity {
            self.slots.push(Slot { block: NO_BLOCK, dirty: false, prev: NIL, next: NIL });
            if let Store::Heap(v) = &mut self.store {
                v.resize(self.slots.len() * self.block_size, 0);
            }
            let i = self.slots.len() - 1;
            self.push_front(i);
            Ok(i)
        } else {
            self.evict_one()
        }
    }

    /// Finds or loads `block`; `read` false gives a zero-filled block
    /// without touching the device.
    fn slot(&mut self, block: u64, read: bool) -> Result<usize> {
        if let Some(i) = self.hit(block) {
            return Ok(i);
        }
        self.stats.misses += 1;
        let i = self.take_slot()?;
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
        self.index_insert(block, i);
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
        let block = self.slots[victim].block;
        if block != NO_BLOCK {
            if self.slots[victim].dirty {
                let data = &self.store.bytes()[victim * bs..(victim + 1) * bs];
                self.dev.write_block(block, data)?;
                self.stats.writes += 1;
                self.slots[victim].dirty = false;
                self.dirty.remove(&block);
            }
            self.index_remove(block);
            self.slots[victim].block = NO_BLOCK;
        }
        Ok(victim)
    }

    /// Reads ahead: the blocks from `first` on, up to `count` (and
    /// [`Self::run_blocks`]) and up to the first one already cached, in
    /// one device run. Returns how many it read: 0 when fewer than two
    /// were missing, which a plain [`Self::read`] serves as well. After an
    /// error none of the run is cached.
    pub fn prefetch(&mut self, first: u64, count: usize) -> Result<usize> {
        let count = count.min(self.run_blocks());
        let mut n = 0;
        while n < count && first.checked_add(n as u64).is_some_and(|b| !self.contains(b)) {
            n += 1;
        }
        if n < 2 {
            return Ok(0);
        }
        let mut idx = [0usize; MAX_RUN];
        for k in 0..n {
            match self.take_slot() {
                Ok(i) => {
                    // In use from now: the next take must not pick it.
                    self.make_newest(i);
                    idx[k] = i
                }
                Err(e) => {
                    idx[..k].iter().for_each(|&i| self.make_oldest(i));
                    return Err(e);
                }
            }
        }
        let bs = self.block_size;
        let store = &mut self.store;
        let r = self.dev.read_run(first, n, bs, &mut |k, bytes| {
            if let Some(&i) = idx.get(k) {
                store.bytes()[i * bs..(i + 1) * bs].copy_from_slice(bytes);
            }
        });
        if let Err(e) = r {
            idx[..n].iter().for_each(|&i| self.make_oldest(i));
            return Err(e);
        }
        for (k, &i) in idx[..n].iter().enumerate() {
            let block = first + k as u64;
            self.slots[i].block = block;
            self.index_insert(block, i);
        }
        self.stats.reads += n as u64;
        self.stats.runs += 1;
        Ok(n)
    }

    /// The contents of `block` if it is cached (a hit, as for
    /// [`Self::read`]); `None` touches nothing, not even the counters.
    pub fn cached(&mut self, block: u64) -> Option<&[u8]> {
        let i = self.hit(block)?;
        Some(self.data(i))
    }

    /// The slot of a cached `block`, counted as a hit and made the most
    /// recently used.
    fn hit(&mut self, block: u64) -> Option<usize> {
        let i = self.lookup(block)?;
        self.stats.hits += 1;
        self.make_newest(i);
        Some(i)
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
        if let Some(i) = self.index_remove(block) {
            let slot = &mut self.slots[i];
            slot.block = NO_BLOCK;
            slot.dirty = false;
            self.dirty.remove(&block);
            self.make_oldest(i);
        }
    }

    /// Writes every dirty block, in block order, then flushes the device.
    /// Consecutive dirty blocks go in one device run each (up to
    /// [`Self::run_blocks`]).
    pub fn flush(&mut self) -> Result<()> {
        let dirty: Vec<(u64, usize)> = self.dirty.iter().filter_map(|&b| self.lookup(b).map(|i| (b, i))).collect();
        let bs = self.block_size;
        let most = self.run_blocks().max(1);
        let mut at = 0;
        while at < dirty.len() {
            let first = dirty[at].0;
            let mut n = 1;
            while n < most && at + n < dirty.len() && dirty[at + n].0 == first + n as u64 {
                n += 1;
            }
            let run = &dirty[at..at + n];
            if n == 1 {
                let i = run[0].1;
                self.dev.write_block(first, &self.store.bytes()[i * bs..(i + 1) * bs])?;
            } else {
                let store = &mut self.store;
                self.dev.write_run(first, n, bs, &mut |k, out| {
                    if let Some(&(_, i)) = run.get(k) {
                        out.copy_from_slice(&store.bytes()[i * bs..(i + 1) * bs]);
                    }
                })?;
                self.stats.runs += 1;
            }
            for &(block, i) in run {
                self.stats.writes += 1;
                self.slots[i].dirty = false;
                self.dirty.remove(&block);
            }
            at += n;
        }
        self.dev.flush()
    }
}
