// SPDX-License-Identifier: BSD-2-Clause
//! Runs of consecutive blocks in one device request: the cache's
//! read-ahead and its flush, against a device that logs its requests.

use super::util::{format, pattern};
use crate::cache::{BlockCache, MAX_RUN};
use crate::device::{BlockDevice, RamDisk};
use crate::*;
use minix_abi::errno::EIO;

/// One request the device saw: first block and block count, and whether
/// it was a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Req {
    write: bool,
    first: u64,
    count: usize,
}

/// A RAM disk that takes runs of up to 64 KiB, logs every request, and
/// fails requests touching blocks in `bad`.
struct Logging {
    disk: RamDisk,
    log: Vec<Req>,
    bad: Vec<u64>,
}

impl Logging {
    fn new(disk: RamDisk) -> Self {
        Logging { disk, log: vec![], bad: vec![] }
    }
    fn check(&self, first: u64, count: usize) -> Result<()> {
        match self.bad.iter().any(|&b| b >= first && b < first + count as u64) {
            true => Err(EIO),
            false => Ok(()),
        }
    }
    fn reads(&self) -> impl Iterator<Item = &Req> {
        self.log.iter().filter(|r| !r.write)
    }
}

impl BlockDevice for Logging {
    fn read_block(&mut self, b: u64, buf: &mut [u8]) -> Result<()> {
        self.log.push(Req { write: false, first: b, count: 1 });
        self.check(b, 1)?;
        self.disk.read_block(b, buf)
    }
    fn write_block(&mut self, b: u64, buf: &[u8]) -> Result<()> {
        self.log.push(Req { write: true, first: b, count: 1 });
        self.check(b, 1)?;
        self.disk.write_block(b, buf)
    }
    fn size_bytes(&self) -> u64 {
        self.disk.size_bytes()
    }
    fn run_bytes(&self) -> usize {
        64 * 1024
    }
    fn read_run(&mut self, first: u64, count: usize, len: usize, put: &mut dyn FnMut(usize, &[u8])) -> Result<()> {
        assert!(count * len <= self.run_bytes());
        self.log.push(Req { write: false, first, count });
        self.check(first, count)?;
        let mut buf = vec![0; len];
        for i in 0..count {
            self.disk.read_block(first + i as u64, &mut buf)?;
            put(i, &buf);
        }
        Ok(())
    }
    fn write_run(&mut self, first: u64, count: usize, len: usize, get: &mut dyn FnMut(usize, &mut [u8])) -> Result<()> {
        assert!(count * len <= self.run_bytes());
        self.log.push(Req { write: true, first, count });
        self.check(first, count)?;
        let mut buf = vec![0; len];
        for i in 0..count {
            get(i, &mut buf);
            self.disk.write_block(first + i as u64, &buf)?;
        }
        Ok(())
    }
}

/// A 1 MiB disk whose block `b` starts with the byte `b`.
fn numbered() -> Logging {
    let mut d = RamDisk::new(1 << 20);
    for b in 0..1024usize {
        d.as_bytes_mut()[b * 1024] = b as u8;
    }
    Logging::new(d)
}

#[test]
fn prefetch_reads_the_missing_run_in_one_request() {
    let mut c = BlockCache::new(numbered(), 1024, 256);
    assert_eq!(c.run_blocks(), MAX_RUN);
    c.read(13).unwrap();
    // 10..13 are missing, 13 is cached: the run stops there.
    assert_eq!(c.prefetch(10, 8).unwrap(), 3);
    assert_eq!(c.device().log.last(), Some(&Req { write: false, first: 10, count: 3 }));
    for b in 10..14u64 {
        assert_eq!(c.read(b).unwrap()[0], b as u8);
    }
    // Nothing more was read for those hits.
    assert_eq!(c.device().log.len(), 2);
    // A single missing block is left to the plain read; so is a cached one.
    assert_eq!(c.prefetch(14, 1).unwrap(), 0);
    assert_eq!(c.prefetch(12, 8).unwrap(), 0);
    // At most a run's worth.
    assert_eq!(c.prefetch(100, 1000).unwrap(), MAX_RUN);
    assert_eq!(c.stats().runs, 2);
}

#[test]
fn prefetch_never_takes_more_than_half_the_cache() {
    let mut c = BlockCache::new(numbered(), 1024, 10);
    assert_eq!(c.run_blocks(), 5);
    assert_eq!(c.prefetch(0, 64).unwrap(), 5);
    assert_eq!(c.resident(), 5);
}

#[test]
fn a_failed_prefetch_caches_nothing() {
    let mut dev = numbered();
    dev.bad = vec![22];
    let mut c = BlockCache::new(dev, 1024, 64);
    assert_eq!(c.prefetch(20, 4), Err(EIO));
    assert_eq!(c.resident(), 0);
    // The good blocks still read, one by one; the bad one fails alone.
    assert_eq!(c.read(21).unwrap()[0], 21);
    assert_eq!(c.read(22).err(), Some(EIO));
    assert!(!c.contains(22));
}

#[test]
fn prefetch_writes_back_the_dirty_blocks_it_evicts() {
    let mut c = BlockCache::new(numbered(), 1024, 8);
    for b in 0..8u64 {
        c.write(b).unwrap()[1] = 0xd0 + b as u8;
    }
    assert_eq!(c.prefetch(100, 4).unwrap(), 4);
    // The four oldest went to the device first.
    let writes: Vec<u64> = c.device().log.iter().filter(|r| r.write).map(|r| r.first).collect();
    assert_eq!(writes, [0, 1, 2, 3]);
    let d = &c.device().disk;
    assert!((0..4usize).all(|b| d.as_bytes()[b * 1024 + 1] == 0xd0 + b as u8));
}

#[test]
fn flush_writes_each_run_of_consecutive_dirty_blocks_once() {
    let mut c = BlockCache::new(numbered(), 1024, 256);
    for b in [5u64, 6, 7, 9, 40, 41] {
        c.write(b).unwrap()[2] = b as u8 + 1;
    }
    for b in 100..100 + MAX_RUN as u64 + 3 {
        c.zeroed(b).unwrap()[2] = 7;
    }
    c.device_mut().log.clear();
    c.flush().unwrap();
    let log = c.device().log.clone();
    let w = |first, count| Req { write: true, first, count };
    assert_eq!(log, [w(5, 3), w(9, 1), w(40, 2), w(100, MAX_RUN), w(100 + MAX_RUN as u64, 3)]);
    assert_eq!(c.stats().runs, 4);
    let d = &c.device().disk;
    assert!([5usize, 6, 7, 9, 40, 41].iter().all(|&b| d.as_bytes()[b * 1024 + 2] == b as u8 + 1));
    assert!((100..100 + MAX_RUN + 3).all(|b| d.as_bytes()[b * 1024 + 2] == 7));
    // Clean now: nothing more to write.
    c.device_mut().log.clear();
    c.flush().unwrap();
    assert!(c.device().log.is_empty());
}

/// A file system on a logging disk, holding a 200 KiB file written in
/// order (so its blocks are consecutive on the disk), remounted so the
/// cache is cold.
fn cold_file() -> (FileSystem<Logging>, u32, Vec<u8>) {
    let data = pattern(9, 200 * 1024);
    let mut fs = FileSystem::mount(Logging::new(format(1024, 4096))).unwrap();
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    assert_eq!(fs.write(f, 0, &data).unwrap(), data.len());
    let mut dev = fs.unmount().unwrap();
    dev.log.clear();
    (FileSystem::mount(dev).unwrap(), f, data)
}

#[test]
fn a_sequential_read_goes_a_run_at_a_time() {
    let (mut fs, f, data) = cold_file();
    let mut got = vec![0; data.len()];
    for (i, chunk) in got.chunks_mut(4096).enumerate() {
        assert_eq!(fs.read(f, i as u64 * 4096, chunk).unwrap(), chunk.len());
    }
    assert!(got == data);
    let dev = fs.device_mut();
    let big: Vec<&Req> = dev.reads().filter(|r| r.count > 1).collect();
    let blocks: usize = big.iter().map(|r| r.count).sum();
    // 200 blocks of data and 1 indirect block, mostly in whole runs: the
    // file's blocks once each, no more than a handful of requests.
    assert!((190..=200).contains(&blocks), "{blocks} blocks in runs: {big:?}");
    assert!(dev.reads().count() <= 16, "{:?}", dev.log);
}

#[test]
fn a_lone_read_reads_only_what_it_asks() {
    let (mut fs, f, data) = cold_file();
    let mut one = [0u8; 100];
    fs.read(f, 150 * 1024 + 10, &mut one).unwrap();
    assert!(one[..] == data[150 * 1024 + 10..150 * 1024 + 110]);
    // No run: the block before was not read, and the read wants one block.
    assert!(fs.device_mut().reads().all(|r| r.count == 1));
    // A read of 8 KiB at a cold spot reads those 8 blocks in one run.
    let mut eight = vec![0u8; 8192];
    fs.read(f, 20 * 1024, &mut eight).unwrap();
    assert!(eight[..] == data[20 * 1024..28 * 1024]);
    assert_eq!(fs.device_mut().reads().filter(|r| r.count > 1).map(|r| r.count).collect::<Vec<_>>(), [8]);
}

#[test]
fn read_ahead_stops_at_holes_and_the_end_of_the_file() {
    let mut fs = FileSystem::mount(Logging::new(format(1024, 4096))).unwrap();
    let f = fs.create(ROOT_INO, b"h", 0o644, 0, 0).unwrap();
    fs.write(f, 0, &pattern(1, 4 * 1024)).unwrap();
    fs.write(f, 10 * 1024, &pattern(2, 3 * 1024 + 5)).unwrap();
    let mut dev = fs.unmount().unwrap();
    dev.log.clear();
    let mut fs = FileSystem::mount(dev).unwrap();
    let mut all = vec![0u8; 64 * 1024];
    assert_eq!(fs.read(f, 0, &mut all).unwrap(), 13 * 1024 + 5);
    assert!(all[4096..10 * 1024].iter().all(|&b| b == 0));
    let runs: Vec<usize> = fs.device_mut().reads().filter(|r| r.count > 1).map(|r| r.count).collect();
    // Blocks 0..4, then 10..14 (the last one partly used): never the hole.
    assert_eq!(runs, [4, 4]);
}

#[test]
fn a_bad_block_in_a_run_fails_only_its_own_read() {
    let (mut fs, f, data) = cold_file();
    // The disk block behind file block 5 goes bad.
    let mut probe = [0u8; 1];
    fs.read(f, 5 * 1024, &mut probe).unwrap();
    let bad = fs.device_mut().reads().last().unwrap().first;
    let mut dev = fs.unmount().unwrap();
    dev.bad = vec![bad];
    dev.log.clear();
    let mut fs = FileSystem::mount(dev).unwrap();
    let mut buf = vec![0u8; 4096];
    // Blocks 0..4: the run's failure falls back to single reads.
    assert_eq!(fs.read(f, 0, &mut buf).unwrap(), 4096);
    assert!(buf[..] == data[..4096]);
    assert_eq!(fs.read(f, 4096, &mut buf), Err(EIO));
    assert_eq!(fs.read(f, 8192, &mut buf).unwrap(), 4096);
    assert!(buf[..] == data[8192..12288]);
}

#[test]
fn an_extent_agrees_with_block_by_block_mapping() {
    // A file over the direct zones, the single and the double indirect
    // tree, with holes of several sizes and blocks written out of order
    // (so the disk order jumps).
    let mut fs = FileSystem::mount(format(1024, 8192)).unwrap();
    let f = fs.create(ROOT_INO, b"x", 0o644, 0, 0).unwrap();
    let chunks: &[(u64, usize)] = &[(0, 3), (5, 4), (300, 20), (40, 30), (270, 10), (600, 5), (100, 1), (101, 1), (7, 300)];
    for &(block, n) in chunks {
        fs.write(f, block * 1024, &pattern(block as u8, n * 1024)).unwrap();
    }
    let inode = fs.inode(f).unwrap();
    let blocks = (inode.size as u64).div_ceil(1024);
    let mut longest = 0;
    for n in 0..blocks + 3 {
        for max in [1, 2, 7, 64, 1000] {
            let (z, k) = fs.map_extent(&inode, n, max).unwrap();
            assert!(k >= 1 && k <= max, "block {n}: {k} of at most {max}");
            for i in 0..k {
                let want = fs.map(&inode, n + i).unwrap();
                assert_eq!(want, z.map(|z| z + i as u32), "block {} in the extent from {n}", n + i);
            }
            longest = longest.max(k);
        }
    }
    // The writes in order made long runs; the extents found them.
    assert!(longest >= 64, "{longest}");
}
