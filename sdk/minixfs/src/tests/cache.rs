// SPDX-License-Identifier: BSD-2-Clause
//! The block cache on its own: bound, LRU order, write-back.

use crate::cache::BlockCache;
use crate::device::{BlockDevice, RamDisk};
use crate::Errno;
use minix_abi::errno::EIO;

/// A RAM disk that counts writes and can be told to fail.
struct Counting {
    disk: RamDisk,
    writes: Vec<u64>,
    fail_reads: bool,
}

impl BlockDevice for Counting {
    fn read_block(&mut self, b: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if self.fail_reads {
            return Err(EIO);
        }
        self.disk.read_block(b, buf)
    }
    fn write_block(&mut self, b: u64, buf: &[u8]) -> Result<(), Errno> {
        self.writes.push(b);
        self.disk.write_block(b, buf)
    }
    fn size_bytes(&self) -> u64 {
        self.disk.size_bytes()
    }
}

fn cache(cap: usize) -> BlockCache<Counting> {
    BlockCache::new(Counting { disk: RamDisk::new(64 * 1024), writes: vec![], fail_reads: false }, 1024, cap)
}

#[test]
fn bounded_lru_with_write_back() {
    let mut c = cache(3);
    c.write(1).unwrap()[0] = 11;
    c.write(2).unwrap()[0] = 22;
    c.read(3).unwrap();
    assert_eq!(c.device().writes, Vec::<u64>::new(), "nothing written before eviction");
    c.read(1).unwrap(); // 2 is now the oldest
    c.read(4).unwrap();
    assert_eq!(c.device().writes, [2]);
    assert_eq!(c.resident(), 3);
    assert!(c.is_dirty(1) && !c.is_dirty(4));
    c.read(5).unwrap(); // evicts 3 (clean): no write
    assert_eq!(c.device().writes, [2]);
    c.flush().unwrap();
    assert_eq!(c.device().writes, [2, 1]);
    c.flush().unwrap();
    assert_eq!(c.device().writes, [2, 1], "clean blocks are not rewritten");
    let d = c.into_device().disk;
    assert_eq!((d.as_bytes()[1024], d.as_bytes()[2048]), (11, 22));
    assert_eq!(d.as_bytes()[3072], 0);
}

#[test]
fn zeroed_forget_and_errors() {
    let mut c = cache(2);
    c.device_mut().disk.as_bytes_mut()[5 * 1024] = 9;
    assert_eq!(c.read(5).unwrap()[0], 9);
    assert_eq!(c.zeroed(5).unwrap()[0], 0, "zeroed clears a cached block too");
    c.zeroed(6).unwrap()[1] = 1;
    let reads = c.stats().reads;
    c.forget(6);
    c.flush().unwrap();
    assert_eq!(c.device().writes, [5], "a forgotten block is never written");
    assert_eq!(c.stats().reads, reads);
    assert_eq!(c.read(1000).err(), Some(EIO), "past the end of the device");
    c.device_mut().fail_reads = true;
    assert_eq!(c.read(7).err(), Some(EIO));
    assert_eq!(c.read(5).unwrap()[0], 0, "still cached");
    c.device_mut().fail_reads = false;
    assert_eq!(c.read(7).unwrap()[0], 0);
    assert!(c.stats().hits >= 1 && c.stats().misses >= 4);
}

/// Against a reference LRU (a vector in order of use): every access dirties
/// its block, so each eviction shows up as a device write, and the writes
/// must name exactly the blocks the reference evicts, in order. Forgets
/// and failed reads are mixed in (a failed slot is the next to go).
#[test]
fn eviction_order_matches_a_reference_lru() {
    for cap in [1usize, 2, 3, 7, 16] {
        let mut c = cache(cap);
        let mut order: Vec<u64> = Vec::new(); // most recent last
        let mut evicted: Vec<u64> = Vec::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ cap as u64;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = x % 24;
            if x.is_multiple_of(11) {
                c.forget(b);
                order.retain(|&o| o != b);
                continue;
            }
            c.write(b).unwrap()[0] = b as u8;
            if let Some(p) = order.iter().position(|&o| o == b) {
                order.remove(p);
            } else if order.len() == cap {
                evicted.push(order.remove(0));
            }
            order.push(b);
        }
        assert_eq!(c.device().writes, evicted, "capacity {cap}");
    }
}

#[test]
fn a_lent_store_holds_the_blocks() {
    use crate::cache::BlockCache;
    let store: &'static mut [u8] = Box::leak(vec![0u8; 4 * 1024].into_boxed_slice());
    let base = store.as_ptr() as usize;
    let mut dev = RamDisk::new(64 * 1024);
    for b in 0..64u8 {
        dev.as_bytes_mut()[b as usize * 1024..(b as usize + 1) * 1024].fill(b);
    }
    let mut c = BlockCache::new_in(dev, 1024, store);
    for b in 0..10u64 {
        let data = c.read(b).unwrap();
        let at = data.as_ptr() as usize;
        assert!(at >= base && at + 1024 <= base + 4 * 1024, "block {b} lives in the lent store");
        assert!(data.iter().all(|&x| x == b as u8));
    }
    assert_eq!(c.resident(), 4, "as many blocks as fit");
    c.write(2).unwrap().fill(0xee);
    for b in 20..30u64 {
        c.read(b).unwrap();
    }
    c.flush().unwrap();
    assert!(c.device().as_bytes()[2048..3072].iter().all(|&x| x == 0xee), "evicted dirty block written back");
}
