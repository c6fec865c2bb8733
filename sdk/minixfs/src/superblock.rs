// SPDX-License-Identifier: BSD-2-Clause
//! The v3 superblock and the layout it implies.
//!
//! The superblock always starts at byte 1024, whatever the block size; the
//! inode bitmap starts at block 2, then come the zone bitmap, the inode
//! table and the data zones. All fields are little-endian.

use crate::inode::{INODE_SIZE, NR_DIRECT_ZONES};
use crate::Result;
use minix_abi::errno::EINVAL;

pub const MAGIC_V3: u16 = 0x4D5A;
/// Byte offset of the superblock on the device.
pub const SUPER_OFFSET: u64 = 1024;
/// Bytes MINIX reads and writes: up to and including `s_disk_version`.
pub const SUPER_LEN: usize = 0x1F;
/// `s_flags` bit 0: the file system was unmounted cleanly.
pub const FLAG_CLEAN: u16 = 1;
/// `s_flags` bits MINIX treats as mandatory features: we know none of them.
pub const FLAG_MANDATORY: u16 = 0xff00;
/// First block of the inode bitmap.
pub const START_BLOCK: u64 = 2;
pub const MIN_BLOCK_SIZE: u32 = 1024;
pub const MAX_BLOCK_SIZE: u32 = 4096;
/// Sizes are 32-bit signed in MINIX.
pub const MAX_FILE_SIZE: u32 = 0x7fff_ffff;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Superblock {
    pub ninodes: u32,
    pub imap_blocks: u16,
    pub zmap_blocks: u16,
    /// 0 means "too large for 16 bits; compute it" (MINIX).
    pub first_data_zone: u16,
    pub log_zone_size: u16,
    pub flags: u16,
    /// `s_max_size`, signed in MINIX; 0 or negative means unknown.
    pub max_size: i32,
    pub zones: u32,
    pub block_size: u16,
    pub disk_version: u8,
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl Superblock {
    /// Decodes the bytes at device offset 1024; EINVAL unless it is v3.
    pub fn decode(raw: &[u8]) -> Result<Self> {
        if raw.len() < SUPER_LEN || u16_at(raw, 0x18) != MAGIC_V3 {
            return Err(EINVAL);
        }
        Ok(Superblock {
            ninodes: u32_at(raw, 0x00),
            imap_blocks: u16_at(raw, 0x06),
            zmap_blocks: u16_at(raw, 0x08),
            first_data_zone: u16_at(raw, 0x0A),
            log_zone_size: u16_at(raw, 0x0C),
            flags: u16_at(raw, 0x0E),
            max_size: u32_at(raw, 0x10) as i32,
            zones: u32_at(raw, 0x14),
            block_size: u16_at(raw, 0x1C),
            disk_version: raw[0x1E],
        })
    }

    /// Writes the fields into `out` (at least [`SUPER_LEN`] bytes); bytes
    /// past the last field are left alone.
    pub fn encode(&self, out: &mut [u8]) {
        out[0x00..0x04].copy_from_slice(&self.ninodes.to_le_bytes());
        out[0x04..0x06].copy_from_slice(&0u16.to_le_bytes());
        out[0x06..0x08].copy_from_slice(&self.imap_blocks.to_le_bytes());
        out[0x08..0x0A].copy_from_slice(&self.zmap_blocks.to_le_bytes());
        out[0x0A..0x0C].copy_from_slice(&self.first_data_zone.to_le_bytes());
        out[0x0C..0x0E].copy_from_slice(&self.log_zone_size.to_le_bytes());
        out[0x0E..0x10].copy_from_slice(&self.flags.to_le_bytes());
        out[0x10..0x14].copy_from_slice(&self.max_size.to_le_bytes());
        out[0x14..0x18].copy_from_slice(&self.zones.to_le_bytes());
        out[0x18..0x1A].copy_from_slice(&MAGIC_V3.to_le_bytes());
        out[0x1A..0x1C].copy_from_slice(&0u16.to_le_bytes());
        out[0x1C..0x1E].copy_from_slice(&self.block_size.to_le_bytes());
        out[0x1E] = self.disk_version;
    }

    /// Checks the fields against each other and works out the layout.
    pub fn geometry(&self) -> Result<Geometry> {
        let bs = self.block_size as u32;
        if !matches!(bs, 1024 | 2048 | 4096) || self.log_zone_size != 0 {
            return Err(EINVAL);
        }
        if self.flags & FLAG_MANDATORY != 0 {
            return Err(EINVAL);
        }
        if self.ninodes == 0 || self.ninodes == u32::MAX || self.zones == 0 {
            return Err(EINVAL);
        }
        if self.imap_blocks == 0 || self.zmap_blocks == 0 {
            return Err(EINVAL);
        }
        let bits = bs as u64 * 8;
        if self.imap_blocks as u64 * bits < self.ninodes as u64 + 1 {
            return Err(EINVAL);
        }
        let per_block = (bs as usize / INODE_SIZE) as u64;
        let inode_blocks = (self.ninodes as u64).div_ceil(per_block);
        let imap_start = START_BLOCK;
        let zmap_start = imap_start + self.imap_blocks as u64;
        let inode_start = zmap_start + self.zmap_blocks as u64;
        let norm_first = inode_start + inode_blocks;
        let first = if self.first_data_zone == 0 { norm_first } else { self.first_data_zone as u64 };
        if first < norm_first || first >= self.zones as u64 {
            return Err(EINVAL);
        }
        let zone_bits = self.zones as u64 - first + 1;
        if self.zmap_blocks as u64 * bits < zone_bits {
            return Err(EINVAL);
        }
        let ptrs = bs as u64 / 4;
        let format_max = (NR_DIRECT_ZONES as u64 + ptrs + ptrs * ptrs + ptrs * ptrs * ptrs).saturating_mul(bs as u64);
        let mut max_size = format_max.min(MAX_FILE_SIZE as u64);
        if self.max_size > 0 {
            max_size = max_size.min(self.max_size as u64);
        }
        Ok(Geometry {
            block_size: bs,
            ninodes: self.ninodes,
            zones: self.zones,
            imap_start,
            zmap_start,
            inode_start,
            inode_blocks,
            first_data: first as u32,
            max_size: max_size as u32,
        })
    }
}

/// Where everything is, derived from a valid superblock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub block_size: u32,
    pub ninodes: u32,
    /// Blocks on the file system, metadata included.
    pub zones: u32,
    pub imap_start: u64,
    pub zmap_start: u64,
    pub inode_start: u64,
    pub inode_blocks: u64,
    pub first_data: u32,
    /// Largest file size we write: what the triple indirect tree reaches,
    /// at most 2 GiB - 1, and at most what the superblock says.
    pub max_size: u32,
}

impl Geometry {
    /// Zone numbers per indirect block.
    pub fn ptrs_per_block(&self) -> u64 {
        self.block_size as u64 / 4
    }
    pub fn inodes_per_block(&self) -> u64 {
        (self.block_size as usize / INODE_SIZE) as u64
    }
    /// Bits that mean something in the zone map, the reserved bit 0 included.
    pub fn zmap_bits(&self) -> u64 {
        self.zones as u64 - self.first_data as u64 + 1
    }
    pub fn imap_bits(&self) -> u64 {
        self.ninodes as u64 + 1
    }
    /// The block and byte offset holding the superblock.
    pub fn super_location(&self) -> (u64, usize) {
        let bs = self.block_size as u64;
        (SUPER_OFFSET / bs, (SUPER_OFFSET % bs) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Superblock {
        // The fresh 4 MiB `mkfs.minix -3` image of the notes.
        Superblock {
            ninodes: 1376,
            imap_blocks: 1,
            zmap_blocks: 1,
            first_data_zone: 90,
            log_zone_size: 0,
            flags: 0,
            max_size: 0x7fff_ffff,
            zones: 4096,
            block_size: 1024,
            disk_version: 0,
        }
    }

    #[test]
    fn round_trip_and_known_bytes() {
        let mut raw = [0u8; 32];
        sample().encode(&mut raw);
        let want =
            [0x60, 0x05, 0, 0, 0, 0, 1, 0, 1, 0, 0x5a, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0x10, 0, 0, 0x5a, 0x4d, 0, 0, 0, 4, 0];
        assert_eq!(&raw[..31], &want);
        assert_eq!(Superblock::decode(&raw).unwrap(), sample());
        let g = sample().geometry().unwrap();
        assert_eq!((g.inode_start, g.inode_blocks, g.first_data), (4, 86, 90));
        assert_eq!(g.max_size, 0x7fff_ffff, "the sample's s_max_size");
    }

    #[test]
    fn rejects_bad_fields() {
        let bad: [fn(&mut Superblock); 9] = [
            |s| s.block_size = 512,
            |s| s.block_size = 3072,
            |s| s.log_zone_size = 1,
            |s| s.flags = 0x100,
            |s| s.ninodes = 0,
            |s| s.ninodes = 9000,
            |s| s.first_data_zone = 89,
            |s| s.first_data_zone = 4096,
            |s| s.zones = 9000,
        ];
        for f in bad {
            let mut s = sample();
            f(&mut s);
            assert_eq!(s.geometry(), Err(EINVAL), "{s:?}");
        }
        assert_eq!(Superblock::decode(&[0u8; 32]), Err(EINVAL));
        assert_eq!(Superblock::decode(&[0u8; 3]), Err(EINVAL));
    }

    #[test]
    fn super_location_by_block_size() {
        let mut s = sample();
        assert_eq!(s.geometry().unwrap().super_location(), (1, 0));
        s.block_size = 4096;
        s.first_data_zone = 0;
        assert_eq!(s.geometry().unwrap().super_location(), (0, 1024));
    }
}
