// SPDX-License-Identifier: BSD-2-Clause
//! The mounted file system: superblock state, the cache, inode and zone
//! allocation, mount, sync and unmount. The calls by inode number live in
//! `file.rs`, `namei.rs` and `attr.rs`.

use crate::bitmap::Bitmap;
use crate::cache::{BlockCache, CacheStats};
use crate::device::BlockDevice;
use crate::inode::{DiskInode, INODE_SIZE};
use crate::superblock::{Geometry, Superblock, FLAG_CLEAN, SUPER_LEN, SUPER_OFFSET};
use crate::{Result, ROOT_INO};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use minix_abi::errno::{EINVAL, EIO, ENOSPC, EROFS};

/// How to mount.
#[derive(Clone, Copy, Debug)]
pub struct MountOptions {
    /// Refuse every change with EROFS and never write the device.
    pub read_only: bool,
    /// Blocks the cache may hold.
    pub cache_blocks: usize,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions { read_only: false, cache_blocks: 256 }
    }
}

/// Most inodes held open at once. The table lives in the FS server's
/// fixed heap and grows with what users do; VFS keeps at most 8192 files
/// plus one working directory per process (PM's 256) and a few in walks,
/// so VFS never reaches this, and a client that did would get `ENFILE`
/// rather than exhaust the heap (about 20 bytes an entry).
pub const OPEN_INODES_MAX: usize = 16384;

pub struct FileSystem<D: BlockDevice> {
    pub(crate) cache: BlockCache<D>,
    pub(crate) sb: Superblock,
    pub(crate) geo: Geometry,
    pub(crate) imap: Bitmap,
    pub(crate) zmap: Bitmap,
    free_inodes: u64,
    free_zones: u64,
    /// Open references per inode (see [`FileSystem::open`]).
    pub(crate) open: BTreeMap<u32, u32>,
    /// Most inodes `open` may hold at once ([`OPEN_INODES_MAX`]).
    pub(crate) open_max: usize,
    pub(crate) now: u32,
    read_only: bool,
    was_clean: bool,
}

impl<D: BlockDevice> FileSystem<D> {
    /// Mounts with the default options.
    pub fn mount(dev: D) -> Result<Self> {
        Self::mount_with(dev, MountOptions::default())
    }

    /// Reads and checks the superblock and the root inode. A read-write
    /// mount clears the clean flag on disk until [`FileSystem::unmount`].
    pub fn mount_with(dev: D, opts: MountOptions) -> Result<Self> {
        Self::mount_inner(dev, opts, None)
    }

    /// As [`FileSystem::mount_with`], with the block cache in `store` (as
    /// many blocks as fit; `opts.cache_blocks` is ignored): the FS server
    /// lends pages VM manages, which a driver reaches through grants.
    pub fn mount_in(dev: D, opts: MountOptions, store: &'static mut [u8]) -> Result<Self> {
        Self::mount_inner(dev, opts, Some(store))
    }

    fn mount_inner(mut dev: D, opts: MountOptions, store: Option<&'static mut [u8]>) -> Result<Self> {
        let mut raw = [0u8; 1024];
        dev.read_block(SUPER_OFFSET / 1024, &mut raw)?;
        let sb = Superblock::decode(&raw)?;
        let geo = sb.geometry()?;
        let bytes = geo.zones as u64 * geo.block_size as u64;
        if bytes > dev.size_bytes() {
            return Err(EINVAL);
        }
        let bs = geo.block_size as usize;
        let mut cache = match store {
            Some(store) if store.len() >= 8 * bs => BlockCache::new_in(dev, bs, store),
            _ => BlockCache::new(dev, bs, opts.cache_blocks.max(8)),
        };
        let imap = Bitmap::new(geo.imap_start, geo.imap_bits());
        let zmap = Bitmap::new(geo.zmap_start, geo.zmap_bits());
        let free_inodes = imap.count_free(&mut cache)?;
        let free_zones = zmap.count_free(&mut cache)?;
        let mut fs = FileSystem {
            cache,
            sb,
            geo,
            imap,
            zmap,
            free_inodes,
            free_zones,
            open: BTreeMap::new(),
            open_max: OPEN_INODES_MAX,
            now: 0,
            read_only: opts.read_only,
            was_clean: sb.flags & FLAG_CLEAN != 0,
        };
        let root = fs.inode(ROOT_INO)?;
        if !root.is_dir() || !fs.imap.is_set(&mut fs.cache, ROOT_INO as u64)? {
            return Err(EIO);
        }
        if !fs.read_only {
            fs.sb.flags &= !FLAG_CLEAN;
            fs.write_super()?;
            fs.cache.flush()?;
        }
        Ok(fs)
    }

    /// Whether the image carried the clean flag when mounted.
    pub fn was_clean(&self) -> bool {
        self.was_clean
    }
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
    pub fn superblock(&self) -> &Superblock {
        &self.sb
    }
    pub fn geometry(&self) -> &Geometry {
        &self.geo
    }
    pub fn block_size(&self) -> u32 {
        self.geo.block_size
    }
    /// Largest file size a write may reach.
    pub fn max_file_size(&self) -> u32 {
        self.geo.max_size
    }
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }
    /// The device, for tests that look behind the cache.
    pub fn device_mut(&mut self) -> &mut D {
        self.cache.device_mut()
    }

    /// Sets the time, in seconds, stamped on inodes from now on. There is
    /// no clock in here: the server sets it before each request.
    pub fn set_time(&mut self, now: u32) {
        self.now = now;
    }

    /// Writes every changed block to the device and flushes it.
    pub fn sync(&mut self) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.cache.flush()
    }

    /// Shutdown without giving the device up: frees inodes unlinked while
    /// open, writes every changed block, sets the clean flag and flushes;
    /// from then on the file system is read-only, so the flag stays true.
    pub fn shut(&mut self) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        let orphans: Vec<u32> = self.open.keys().copied().collect();
        self.open.clear();
        for ino in orphans {
            self.free_if_unused(ino)?;
        }
        // Everything else first: the flag says the rest is on the device.
        self.cache.flush()?;
        self.sb.flags |= FLAG_CLEAN;
        self.write_super()?;
        self.cache.flush()?;
        self.read_only = true;
        Ok(())
    }

    /// Frees inodes that were unlinked while open, sets the clean flag,
    /// writes everything back and hands the device back.
    pub fn unmount(mut self) -> Result<D> {
        if !self.read_only {
            let orphans: Vec<u32> = self.open.keys().copied().collect();
            self.open.clear();
            for ino in orphans {
                self.free_if_unused(ino)?;
            }
            self.sb.flags |= FLAG_CLEAN;
            self.write_super()?;
            self.cache.flush()?;
        }
        Ok(self.cache.into_device())
    }

    fn write_super(&mut self) -> Result<()> {
        let (blk, off) = self.geo.super_location();
        let sb = self.sb;
        let data = self.cache.write(blk)?;
        sb.encode(&mut data[off..off + SUPER_LEN]);
        Ok(())
    }

    pub(crate) fn writable(&self) -> Result<()> {
        if self.read_only {
            Err(EROFS)
        } else {
            Ok(())
        }
    }

    pub(crate) fn free_counts(&self) -> (u64, u64) {
        (self.free_zones, self.free_inodes)
    }

    // ---- inodes ----

    fn inode_location(&self, ino: u32) -> Result<(u64, usize)> {
        if ino == 0 || ino > self.geo.ninodes {
            return Err(EINVAL);
        }
        let idx = (ino - 1) as u64;
        let per = self.geo.inodes_per_block();
        Ok((self.geo.inode_start + idx / per, (idx % per) as usize * INODE_SIZE))
    }

    /// The inode as stored, in use or not; EINVAL for a number out of range.
    pub(crate) fn inode(&mut self, ino: u32) -> Result<DiskInode> {
        let (blk, off) = self.inode_location(ino)?;
        Ok(DiskInode::decode(&self.cache.read(blk)?[off..off + INODE_SIZE]))
    }

    pub(crate) fn put_inode(&mut self, ino: u32, inode: &DiskInode) -> Result<()> {
        let (blk, off) = self.inode_location(ino)?;
        inode.encode(&mut self.cache.write(blk)?[off..off + INODE_SIZE]);
        Ok(())
    }

    /// An inode in use, as the calls by number need: EINVAL if the number
    /// is out of range or names a free inode.
    pub(crate) fn live(&mut self, ino: u32) -> Result<DiskInode> {
        let inode = self.inode(ino)?;
        if inode.mode == 0 || !self.imap.is_set(&mut self.cache, ino as u64)? {
            return Err(EINVAL);
        }
        Ok(inode)
    }

    /// An inode named by a directory entry: a bad one means corruption.
    pub(crate) fn entry_inode(&mut self, ino: u32) -> Result<DiskInode> {
        self.live(ino).map_err(|_| EIO)
    }

    /// Takes a free inode and writes `inode` into it.
    pub(crate) fn alloc_inode(&mut self, inode: &DiskInode) -> Result<u32> {
        let bit = self.imap.alloc(&mut self.cache)?.ok_or(ENOSPC)?;
        self.free_inodes = self.free_inodes.saturating_sub(1);
        let ino = bit as u32;
        self.put_inode(ino, inode)?;
        Ok(ino)
    }

    fn free_inode(&mut self, ino: u32) -> Result<()> {
        self.imap.free(&mut self.cache, ino as u64)?;
        self.free_inodes += 1;
        // A free inode has mode 0 (fsck.minix -m checks it).
        self.put_inode(ino, &DiskInode::default())
    }

    /// Frees `ino` and its blocks if no entry names it and nobody has it open.
    pub(crate) fn free_if_unused(&mut self, ino: u32) -> Result<()> {
        let mut inode = self.inode(ino)?;
        if inode.nlinks != 0 || self.open.contains_key(&ino) || inode.mode == 0 {
            return Ok(());
        }
        if inode.has_zones() {
            self.free_from(&mut inode, 0)?;
        }
        self.free_inode(ino)
    }

    // ---- zones ----

    /// Checks a zone number read from disk: EIO unless it is a data zone.
    pub(crate) fn check_zone(&self, zone: u32) -> Result<u32> {
        if zone < self.geo.first_data || zone >= self.geo.zones {
            return Err(EIO);
        }
        Ok(zone)
    }

    /// Takes a free zone. Its cache block is zero-filled and dirty, so a new
    /// block never shows what the disk held before.
    pub(crate) fn alloc_zone(&mut self) -> Result<u32> {
        let bit = self.zmap.alloc(&mut self.cache)?.ok_or(ENOSPC)?;
        let zone = bit + self.geo.first_data as u64 - 1;
        if zone >= self.geo.zones as u64 {
            return Err(EIO);
        }
        self.free_zones = self.free_zones.saturating_sub(1);
        self.cache.zeroed(zone)?;
        Ok(zone as u32)
    }

    pub(crate) fn free_zone(&mut self, zone: u32) -> Result<()> {
        let zone = self.check_zone(zone)?;
        self.zmap.free(&mut self.cache, (zone - self.geo.first_data) as u64 + 1)?;
        self.free_zones += 1;
        self.cache.forget(zone as u64);
        Ok(())
    }
}
