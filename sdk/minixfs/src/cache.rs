// SPDX-License-Identifier: BSD-2-Clause
//! A bounded block cache: least recently used blocks are evicted first, and
//! changed blocks reach the device only on eviction or [`BlockCache::flush`].
//!
//! The bound is a number of blocks fixed at creation; eviction is a linear
//! scan for the oldest use, which is cheap at the few hundred blocks an FS
//! server keeps.

use crate::device::BlockDevice;
use crate::Result;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

/// Marks a slot that holds no block (after a failed read).
const NO_BLOCK: u64 = u64::MAX;

struct Slot {
    block: u64,
    data: Box<[u8]>,
    dirty: bool,
    last_use: u64,
}

/// Counters, for tests and tuning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub reads: u64,
    pub writes: u64,
}

pub struct BlockCache<D: BlockDevice> {
    dev: D,
    block_size: usize,
    capacity: usize,
    slots: Vec<Slot>,
    index: BTreeMap<u64, usize>,
    tick: u64,
    stats: CacheStats,
}

impl<D: BlockDevice> BlockCache<D> {
    /// A cache of at most `capacity` (at least 1) blocks of `block_size` bytes.
    pub fn new(dev: D, block_size: usize, capacity: usize) -> Self {
        BlockCache {
            dev,
            block_size,
            capacity: capacity.max(1),
            slots: Vec::new(),
            index: BTreeMap::new(),
            tick: 0,
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
        self.tick += 1;
        if let Some(&i) = self.index.get(&block) {
            self.stats.hits += 1;
            self.slots[i].last_use = self.tick;
            return Ok(i);
        }
        self.stats.misses += 1;
        let i = if self.slots.len() < self.capacity {
            self.slots.push(Slot { block: NO_BLOCK, data: vec![0; self.block_size].into_boxed_slice(), dirty: false, last_use: 0 });
            self.slots.len() - 1
        } else {
            self.evict_one()?
        };
        let slot = &mut self.slots[i];
        if read {
            self.stats.reads += 1;
            if let Err(e) = self.dev.read_block(block, &mut slot.data) {
                slot.block = NO_BLOCK;
                slot.last_use = 0;
                return Err(e);
            }
        } else {
            slot.data.fill(0);
        }
        slot.block = block;
        slot.last_use = self.tick;
        self.index.insert(block, i);
        Ok(i)
    }

    /// Frees the least recently used slot, writing it back if dirty. A
    /// failed write keeps the block cached and reports the error.
    fn evict_one(&mut self) -> Result<usize> {
        let mut victim = 0;
        for (i, s) in self.slots.iter().enumerate() {
            if s.last_use < self.slots[victim].last_use {
                victim = i;
            }
        }
        let slot = &mut self.slots[victim];
        if slot.block != NO_BLOCK {
            if slot.dirty {
                self.dev.write_block(slot.block, &slot.data)?;
                self.stats.writes += 1;
                slot.dirty = false;
            }
            self.index.remove(&slot.block);
            slot.block = NO_BLOCK;
        }
        Ok(victim)
    }

    /// The contents of `block`, read from the device on a miss.
    pub fn read(&mut self, block: u64) -> Result<&[u8]> {
        let i = self.slot(block, true)?;
        Ok(&self.slots[i].data)
    }

    /// The contents of `block` for changing; it is written back later.
    pub fn write(&mut self, block: u64) -> Result<&mut [u8]> {
        let i = self.slot(block, true)?;
        self.slots[i].dirty = true;
        Ok(&mut self.slots[i].data)
    }

    /// `block` filled with zeros and marked dirty, without reading it: for
    /// freshly allocated blocks and whole-block overwrites.
    pub fn zeroed(&mut self, block: u64) -> Result<&mut [u8]> {
        let i = self.slot(block, false)?;
        let slot = &mut self.slots[i];
        slot.data.fill(0);
        slot.dirty = true;
        Ok(&mut slot.data)
    }

    /// Drops `block` without writing it: its contents no longer matter
    /// (the block was freed).
    pub fn forget(&mut self, block: u64) {
        if let Some(i) = self.index.remove(&block) {
            let slot = &mut self.slots[i];
            slot.block = NO_BLOCK;
            slot.dirty = false;
            slot.last_use = 0;
        }
    }

    /// Writes every dirty block, in block order, then flushes the device.
    pub fn flush(&mut self) -> Result<()> {
        let dirty: Vec<(u64, usize)> = self.index.iter().filter(|(_, &i)| self.slots[i].dirty).map(|(&b, &i)| (b, i)).collect();
        for (block, i) in dirty {
            let slot = &mut self.slots[i];
            self.dev.write_block(block, &slot.data)?;
            self.stats.writes += 1;
            slot.dirty = false;
        }
        self.dev.flush()
    }
}
