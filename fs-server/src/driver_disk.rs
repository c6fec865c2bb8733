// SPDX-License-Identifier: BSD-2-Clause
//! The disk behind the block driver, as a [`BlockDevice`] for the file
//! system (seL4 glue: IPC and grants).
//!
//! Each block moves in one READ or WRITE of the driver's protocol
//! (`minix_abi::blk`) through a grant FS makes on the buffer for that one
//! request and revokes after it. The buffers are FS's cache blocks, which
//! live in pages VM manages, so the driver's copies reach them directly.
//! A buffer elsewhere (the superblock read at mount is on the stack, which
//! VM does not manage) goes through a bounce buffer of FS's own from VM.
//!
//! Runs of consecutive blocks (the cache's read-ahead and its flush) move
//! in one request of up to [`blk::MAX_TRANSFER`] bytes through the bounce
//! buffer, copied to or from the cache blocks, which are rarely adjacent
//! in memory. The copy costs far less than the per-request cost it saves
//! (the grant, the IPC, the driver's safecopy, the notify and interrupt).
extern crate alloc;
use grant::{GrantId, SliceStorage, CPF_READ, CPF_WRITE};
use minix_abi::blk;
use minix_abi::cspace::BLK_EP;
use minix_abi::endpoint::BLK;
use minix_abi::errno::{Errno, EINVAL, EIO};
use minix_abi::vm::{PROT_READ, PROT_WRITE};
use minixfs::BlockDevice;
use mxrt::grants::Grants;

/// Bytes of the bounce buffer: the largest run.
const BOUNCE: usize = blk::MAX_TRANSFER as usize;

pub struct DriverDisk {
    size: u64,
    /// Where FS's cache lives: buffers inside it are granted directly.
    cache: (u64, u64),
    bounce: &'static mut [u8],
    grants: Grants<SliceStorage<'static>>,
}

fn call(req: blk::Request) -> Result<u64, Errno> {
    let (c, w, l) = req.encode();
    mxrt::ipc::sendrec(BLK_EP, c, w, l).result()
}

impl DriverDisk {
    /// Opens the driver's disk; `ENXIO` when there is none. `cache` is the
    /// address range of FS's block cache.
    pub fn open(cache: (u64, u64)) -> Result<DriverDisk, Errno> {
        call(blk::Request::Open { minor: 0, access: blk::ACCESS_READ | blk::ACCESS_WRITE })?;
        let size = call(blk::Request::GetSize { minor: 0 })?;
        let bounce = mxrt::posix::mmap_region(BOUNCE as u64, PROT_READ | PROT_WRITE)?.leak();
        let table = mxrt::posix::mmap_region(4096, PROT_READ | PROT_WRITE)?.leak();
        let grants = Grants::in_memory(table)?;
        Ok(DriverDisk { size, cache, bounce, grants })
    }

    /// One transfer of `len` bytes at `pos` through a grant on `addr`.
    fn transfer(&mut self, dir: blk::Dir, pos: u64, addr: u64, len: usize) -> Result<(), Errno> {
        let access = if dir == blk::Dir::In { CPF_WRITE } else { CPF_READ };
        let GrantId(grant) = self.grants.direct(BLK, addr, len as u64, access)?;
        let r = call(blk::Request::Transfer { dir, minor: 0, position: pos, grant, bytes: len as u64 });
        let _ = self.grants.revoke(GrantId(grant));
        match r {
            Ok(n) if n == len as u64 => Ok(()),
            Ok(_) => Err(EIO),
            Err(e) => Err(e),
        }
    }

    fn in_cache(&self, addr: u64, len: usize) -> bool {
        addr >= self.cache.0 && addr.checked_add(len as u64).is_some_and(|end| end <= self.cache.1)
    }

    /// Where block `block` of `len` bytes starts on the disk, if the
    /// `bytes` from there lie inside it.
    fn position(&self, block: u64, len: usize, bytes: usize) -> Result<u64, Errno> {
        let pos = block.checked_mul(len as u64).ok_or(EINVAL)?;
        if bytes == 0 || pos.checked_add(bytes as u64).is_none_or(|end| end > self.size) {
            return Err(EIO);
        }
        Ok(pos)
    }

    /// Where a run of `count` blocks of `len` bytes from `first` starts on
    /// the disk, and its length; the run must fit the bounce buffer.
    fn run(&self, first: u64, count: usize, len: usize) -> Result<(u64, usize), Errno> {
        let bytes = count.checked_mul(len).filter(|&b| b > 0 && b <= BOUNCE).ok_or(EINVAL)?;
        Ok((self.position(first, len, bytes)?, bytes))
    }
}

impl BlockDevice for DriverDisk {
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let pos = self.position(block, buf.len(), buf.len())?;
        let addr = buf.as_ptr() as u64;
        if self.in_cache(addr, buf.len()) {
            return self.transfer(blk::Dir::In, pos, addr, buf.len());
        }
        let len = buf.len();
        if len > BOUNCE {
            return Err(EINVAL);
        }
        let at = self.bounce.as_ptr() as u64;
        self.transfer(blk::Dir::In, pos, at, len)?;
        buf.copy_from_slice(&self.bounce[..len]);
        Ok(())
    }

    fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno> {
        let pos = self.position(block, buf.len(), buf.len())?;
        let addr = buf.as_ptr() as u64;
        if self.in_cache(addr, buf.len()) {
            return self.transfer(blk::Dir::Out, pos, addr, buf.len());
        }
        let len = buf.len();
        if len > BOUNCE {
            return Err(EINVAL);
        }
        self.bounce[..len].copy_from_slice(buf);
        let at = self.bounce.as_ptr() as u64;
        self.transfer(blk::Dir::Out, pos, at, len)
    }

    fn flush(&mut self) -> Result<(), Errno> {
        call(blk::Request::Flush { minor: 0 }).map(|_| ())
    }

    fn run_bytes(&self) -> usize {
        BOUNCE
    }

    fn read_run(&mut self, first: u64, count: usize, len: usize, put: &mut dyn FnMut(usize, &[u8])) -> Result<(), Errno> {
        let (pos, bytes) = self.run(first, count, len)?;
        let at = self.bounce.as_ptr() as u64;
        self.transfer(blk::Dir::In, pos, at, bytes)?;
        for (i, block) in self.bounce[..bytes].chunks_exact(len).enumerate() {
            put(i, block);
        }
        Ok(())
    }

    fn write_run(&mut self, first: u64, count: usize, len: usize, get: &mut dyn FnMut(usize, &mut [u8])) -> Result<(), Errno> {
        let (pos, bytes) = self.run(first, count, len)?;
        for (i, block) in self.bounce[..bytes].chunks_exact_mut(len).enumerate() {
            get(i, block);
        }
        let at = self.bounce.as_ptr() as u64;
        self.transfer(blk::Dir::Out, pos, at, bytes)
    }

    fn size_bytes(&self) -> u64 {
        self.size
    }
}
