// SPDX-License-Identifier: BSD-2-Clause
//! The inode and zone bitmaps. Bit `b` is bit `b % 8` of byte `b / 8` of
//! the map, which spans whole blocks. Bit 0 of both maps is reserved (set,
//! never handed out). Inode `n` is bit `n`; zone `z` is bit
//! `z - first_data + 1`.

use crate::cache::BlockCache;
use crate::device::BlockDevice;
use crate::Result;
use minix_abi::errno::EIO;

pub fn test_bit(bytes: &[u8], bit: usize) -> bool {
    bytes[bit / 8] & (1 << (bit % 8)) != 0
}
pub fn set_bit(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] |= 1 << (bit % 8);
}
pub fn clear_bit(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] &= !(1 << (bit % 8));
}

/// The first clear bit in `from..to`, skipping full bytes quickly.
pub fn find_clear(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    let to = to.min(bytes.len() * 8);
    let mut b = from;
    while b < to {
        if b.is_multiple_of(8) && bytes[b / 8] == 0xff {
            b += 8;
            continue;
        }
        if !test_bit(bytes, b) {
            return Some(b);
        }
        b += 1;
    }
    None
}

/// Clear bits in `from..to`.
pub fn count_clear(bytes: &[u8], from: usize, to: usize) -> usize {
    let to = to.min(bytes.len() * 8);
    (from..to).filter(|&b| !test_bit(bytes, b)).count()
}

/// One bitmap on the device: where it is, how many bits are meaningful,
/// and where the next search starts.
#[derive(Clone, Copy, Debug)]
pub struct Bitmap {
    start: u64,
    nbits: u64,
    hint: u64,
}

impl Bitmap {
    /// A map at block `start` with `nbits` meaningful bits (bit 0 included).
    pub fn new(start: u64, nbits: u64) -> Self {
        Bitmap { start, nbits, hint: 1 }
    }

    pub fn nbits(&self) -> u64 {
        self.nbits
    }

    fn locate<D: BlockDevice>(&self, cache: &BlockCache<D>, bit: u64) -> (u64, usize) {
        let per = cache.block_size() as u64 * 8;
        (self.start + bit / per, (bit % per) as usize)
    }

    pub fn is_set<D: BlockDevice>(&self, cache: &mut BlockCache<D>, bit: u64) -> Result<bool> {
        if bit >= self.nbits {
            return Err(EIO);
        }
        let (blk, b) = self.locate(cache, bit);
        Ok(test_bit(cache.read(blk)?, b))
    }

    /// Takes a clear bit and sets it; `None` when the map is full. Bits past
    /// `nbits` are never handed out, whatever they hold.
    pub fn alloc<D: BlockDevice>(&mut self, cache: &mut BlockCache<D>) -> Result<Option<u64>> {
        let hint = self.hint.clamp(1, self.nbits);
        let found = match self.search(cache, hint, self.nbits)? {
            Some(b) => Some(b),
            None => self.search(cache, 1, hint)?,
        };
        if let Some(bit) = found {
            let (blk, b) = self.locate(cache, bit);
            set_bit(cache.write(blk)?, b);
            self.hint = bit + 1;
        }
        Ok(found)
    }

    fn search<D: BlockDevice>(&self, cache: &mut BlockCache<D>, from: u64, to: u64) -> Result<Option<u64>> {
        let per = cache.block_size() as u64 * 8;
        let mut bit = from;
        while bit < to {
            let blk = bit / per;
            let base = blk * per;
            let end = (to - base).min(per) as usize;
            let bytes = cache.read(self.start + blk)?;
            if let Some(b) = find_clear(bytes, (bit - base) as usize, end) {
                return Ok(Some(base + b as u64));
            }
            bit = base + per;
        }
        Ok(None)
    }

    /// Clears a set bit. Freeing bit 0, a bit out of range or a bit that is
    /// already clear means the image is inconsistent: EIO, nothing changed.
    pub fn free<D: BlockDevice>(&mut self, cache: &mut BlockCache<D>, bit: u64) -> Result<()> {
        if bit == 0 || bit >= self.nbits {
            return Err(EIO);
        }
        let (blk, b) = self.locate(cache, bit);
        if !test_bit(cache.read(blk)?, b) {
            return Err(EIO);
        }
        clear_bit(cache.write(blk)?, b);
        // Reuse low numbers first, as MINIX does.
        self.hint = self.hint.min(bit);
        Ok(())
    }

    /// Clear bits among 1..nbits.
    pub fn count_free<D: BlockDevice>(&self, cache: &mut BlockCache<D>) -> Result<u64> {
        let per = cache.block_size() as u64 * 8;
        let mut free = 0;
        let mut base = 0;
        while base < self.nbits {
            let bytes = cache.read(self.start + base / per)?;
            let from = if base == 0 { 1 } else { 0 };
            free += count_clear(bytes, from, (self.nbits - base).min(per) as usize) as u64;
            base += per;
        }
        Ok(free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::RamDisk;

    #[test]
    fn bit_ops() {
        let mut m = [0u8; 4];
        set_bit(&mut m, 0);
        set_bit(&mut m, 9);
        assert_eq!(m, [1, 2, 0, 0]);
        assert!(test_bit(&m, 9) && !test_bit(&m, 8));
        assert_eq!(find_clear(&m, 0, 32), Some(1));
        m[0] = 0xff;
        assert_eq!(find_clear(&m, 0, 32), Some(8));
        assert_eq!(find_clear(&m, 9, 10), None);
        assert_eq!(find_clear(&m, 9, 100), Some(10));
        clear_bit(&mut m, 9);
        assert_eq!(count_clear(&m, 0, 16), 8);
    }

    #[test]
    fn alloc_never_twice_spans_blocks_and_reuses() {
        // Two 1 KiB blocks of map, 10000 meaningful bits.
        let mut cache = BlockCache::new(RamDisk::new(8 * 1024), 1024, 2);
        set_bit(cache.write(2).unwrap(), 0);
        let mut map = Bitmap::new(2, 10000);
        assert_eq!(map.count_free(&mut cache).unwrap(), 9999);
        let mut seen = std::collections::BTreeSet::new();
        while let Some(b) = map.alloc(&mut cache).unwrap() {
            assert!((1..10000).contains(&b) && seen.insert(b));
        }
        assert_eq!(seen.len(), 9999);
        assert_eq!(map.count_free(&mut cache).unwrap(), 0);
        map.free(&mut cache, 8500).unwrap();
        map.free(&mut cache, 17).unwrap();
        assert_eq!(map.free(&mut cache, 17), Err(EIO));
        assert_eq!(map.free(&mut cache, 0), Err(EIO));
        assert_eq!(map.free(&mut cache, 10000), Err(EIO));
        assert_eq!(map.alloc(&mut cache).unwrap(), Some(17));
        assert_eq!(map.alloc(&mut cache).unwrap(), Some(8500));
        assert_eq!(map.alloc(&mut cache).unwrap(), None);
        // Bits past the end stay untouched.
        assert!(!test_bit(cache.read(3).unwrap(), 10000 - 8192));
    }
}
