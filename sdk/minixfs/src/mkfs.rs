// SPDX-License-Identifier: BSD-2-Clause
//! Formatting: lays out maps, inode table and a root directory, the way
//! `fsck.minix` expects (first data zone exactly after the inode table).

use crate::bitmap::set_bit;
use crate::device::BlockDevice;
use crate::dir::{encode_entry, DIRENT_SIZE};
use crate::inode::{DiskInode, INODE_SIZE, S_IFDIR, S_IPERM};
use crate::superblock::{Superblock, FLAG_CLEAN, START_BLOCK, SUPER_LEN, SUPER_OFFSET};
use crate::{Result, ROOT_INO};
use alloc::vec;
use minix_abi::errno::{EINVAL, ENOSPC};

#[derive(Clone, Copy, Debug)]
pub struct FormatOptions {
    /// 1024, 2048 or 4096. `fsck.minix` reads only 1024; MINIX mounts only
    /// 4096 and up.
    pub block_size: u32,
    /// Blocks in the file system; 0 means the whole device.
    pub blocks: u32,
    /// Inodes; 0 means one per 3 KiB, as util-linux does. Rounded up to
    /// fill the last inode block.
    pub inodes: u32,
    pub root_mode: u16,
    pub root_uid: u16,
    pub root_gid: u16,
    /// Stamped on the root directory.
    pub time: u32,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions { block_size: 1024, blocks: 0, inodes: 0, root_mode: 0o755, root_uid: 0, root_gid: 0, time: 0 }
    }
}

/// Writes a fresh, empty, clean file system on `dev`; returns its superblock.
pub fn mkfs<D: BlockDevice>(dev: &mut D, opts: &FormatOptions) -> Result<Superblock> {
    let bs = opts.block_size;
    if !matches!(bs, 1024 | 2048 | 4096) {
        return Err(EINVAL);
    }
    let bsz = bs as u64;
    let dev_blocks = dev.size_bytes() / bsz;
    let zones = if opts.blocks == 0 { dev_blocks.min(u32::MAX as u64) } else { opts.blocks as u64 };
    if zones > dev_blocks {
        return Err(EINVAL);
    }
    let per_block = bsz / INODE_SIZE as u64;
    let want_inodes = if opts.inodes == 0 { (zones * bsz / 1024 / 3).max(16) } else { opts.inodes as u64 };
    let ninodes = want_inodes.next_multiple_of(per_block).min(u32::MAX as u64 - 1);
    let bits = bsz * 8;
    let imap_blocks = (ninodes + 1).div_ceil(bits);
    let inode_blocks = ninodes.div_ceil(per_block);
    let before_zmap = START_BLOCK + imap_blocks + inode_blocks;
    // The zone map covers the zones after it; one pass can overestimate by
    // a block at most, which is harmless (the extra bits are marked used).
    let zmap_blocks = zones.saturating_sub(before_zmap).div_ceil(bits).max(1);
    let first = before_zmap + zmap_blocks;
    // Room for the root directory's block at least.
    if first + 1 > zones {
        return Err(ENOSPC);
    }
    if imap_blocks > u16::MAX as u64 || zmap_blocks > u16::MAX as u64 {
        return Err(EINVAL);
    }
    let ptrs = bsz / 4;
    let max = ((7 + ptrs + ptrs * ptrs + ptrs * ptrs * ptrs) * bsz).min(crate::superblock::MAX_FILE_SIZE as u64);
    let sb = Superblock {
        ninodes: ninodes as u32,
        imap_blocks: imap_blocks as u16,
        zmap_blocks: zmap_blocks as u16,
        first_data_zone: if first > u16::MAX as u64 { 0 } else { first as u16 },
        log_zone_size: 0,
        flags: FLAG_CLEAN,
        max_size: max as i32,
        zones: zones as u32,
        block_size: bs as u16,
        disk_version: 0,
    };
    let geo = sb.geometry()?;

    let mut blk = vec![0u8; bs as usize];
    for b in 0..first {
        dev.write_block(b, &blk)?;
    }
    // Superblock, inside block 0 or 1 depending on the block size.
    let (sblk, soff) = (SUPER_OFFSET / bsz, (SUPER_OFFSET % bsz) as usize);
    sb.encode(&mut blk[soff..soff + SUPER_LEN]);
    dev.write_block(sblk, &blk)?;

    // Maps: bit 0 reserved, the root's bit, and every bit past the end set
    // (as util-linux does) so nothing can take them.
    write_map(dev, &mut blk, geo.imap_start, imap_blocks, geo.imap_bits(), ROOT_INO as u64)?;
    write_map(dev, &mut blk, geo.zmap_start, zmap_blocks, geo.zmap_bits(), 1)?;

    let root = DiskInode {
        mode: S_IFDIR | (opts.root_mode & S_IPERM),
        nlinks: 2,
        uid: opts.root_uid,
        gid: opts.root_gid,
        size: 2 * DIRENT_SIZE as u32,
        atime: opts.time,
        mtime: opts.time,
        ctime: opts.time,
        zone: [geo.first_data, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    };
    blk.fill(0);
    root.encode(&mut blk[..INODE_SIZE]);
    dev.write_block(geo.inode_start, &blk)?;

    blk.fill(0);
    encode_entry(&mut blk[..DIRENT_SIZE], ROOT_INO, b".");
    encode_entry(&mut blk[DIRENT_SIZE..2 * DIRENT_SIZE], ROOT_INO, b"..");
    dev.write_block(geo.first_data as u64, &blk)?;
    dev.flush()?;
    Ok(sb)
}

fn write_map<D: BlockDevice>(dev: &mut D, blk: &mut [u8], start: u64, blocks: u64, nbits: u64, used: u64) -> Result<()> {
    let per = blk.len() as u64 * 8;
    for i in 0..blocks {
        blk.fill(0);
        let base = i * per;
        for b in 0..per {
            let bit = base + b;
            if bit == 0 || bit == used || bit >= nbits {
                set_bit(blk, b as usize);
            }
        }
        dev.write_block(start + i, blk)?;
    }
    Ok(())
}
