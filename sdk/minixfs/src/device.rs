// SPDX-License-Identifier: BSD-2-Clause
//! Block devices. A block is whatever length the caller's buffer has:
//! block `n` covers bytes `n * len .. (n + 1) * len`. The file system reads
//! the superblock with 1 KiB buffers and everything else with its own block
//! size, so one device serves both without knowing the format.

use alloc::vec;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EIO};

/// A device the file system reads and writes in whole blocks.
///
/// A RAM disk, a host file (the `mkimage` tool) and a driver-backed device
/// in the FS server all implement it.
pub trait BlockDevice {
    /// Fills `buf` with block `block` (of `buf.len()` bytes).
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// Writes `buf` as block `block` (of `buf.len()` bytes).
    fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno>;
    /// Makes earlier writes durable.
    fn flush(&mut self) -> Result<(), Errno> {
        Ok(())
    }
    /// The capacity in bytes.
    fn size_bytes(&self) -> u64;

    /// Most bytes one [`Self::read_run`] or [`Self::write_run`] moves;
    /// 0 for a device where a run costs what its blocks cost one by one
    /// (memory), so the cache does not gather runs for it.
    fn run_bytes(&self) -> usize {
        0
    }
    /// Reads `count` consecutive blocks of `len` bytes from block `first`,
    /// handing block `first + i` to `put(i, bytes)`, in order. A device
    /// with a per-request cost (a driver) does it in one request; this
    /// default reads them one at a time. On an error some blocks may have
    /// been handed over already.
    fn read_run(&mut self, first: u64, count: usize, len: usize, put: &mut dyn FnMut(usize, &[u8])) -> Result<(), Errno> {
        let mut buf = vec![0; len];
        for i in 0..count {
            self.read_block(first + i as u64, &mut buf)?;
            put(i, &buf);
        }
        Ok(())
    }
    /// Writes `count` consecutive blocks of `len` bytes from block
    /// `first`, block `first + i` filled by `get(i, bytes)`.
    fn write_run(&mut self, first: u64, count: usize, len: usize, get: &mut dyn FnMut(usize, &mut [u8])) -> Result<(), Errno> {
        let mut buf = vec![0; len];
        for i in 0..count {
            get(i, &mut buf);
            self.write_block(first + i as u64, &buf)?;
        }
        Ok(())
    }
}

impl<T: BlockDevice + ?Sized> BlockDevice for &mut T {
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno> {
        (**self).read_block(block, buf)
    }
    fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno> {
        (**self).write_block(block, buf)
    }
    fn flush(&mut self) -> Result<(), Errno> {
        (**self).flush()
    }
    fn size_bytes(&self) -> u64 {
        (**self).size_bytes()
    }
    fn run_bytes(&self) -> usize {
        (**self).run_bytes()
    }
    fn read_run(&mut self, first: u64, count: usize, len: usize, put: &mut dyn FnMut(usize, &[u8])) -> Result<(), Errno> {
        (**self).read_run(first, count, len, put)
    }
    fn write_run(&mut self, first: u64, count: usize, len: usize, get: &mut dyn FnMut(usize, &mut [u8])) -> Result<(), Errno> {
        (**self).write_run(first, count, len, get)
    }
}

/// The byte range of block `block` of `len` bytes, if it lies inside `size`.
pub fn block_range(block: u64, len: usize, size: u64) -> Option<(usize, usize)> {
    let start = block.checked_mul(len as u64)?;
    let end = start.checked_add(len as u64)?;
    if end > size {
        return None;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()?))
}

/// A device held in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RamDisk {
    data: Vec<u8>,
}

impl RamDisk {
    /// A zero-filled disk of `bytes` bytes.
    pub fn new(bytes: usize) -> Self {
        RamDisk { data: vec![0; bytes] }
    }
    /// A disk holding an existing image.
    pub fn from_vec(data: Vec<u8>) -> Self {
        RamDisk { data }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }
}

impl BlockDevice for RamDisk {
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let (s, e) = block_range(block, buf.len(), self.data.len() as u64).ok_or(EIO)?;
        buf.copy_from_slice(&self.data[s..e]);
        Ok(())
    }
    fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno> {
        let (s, e) = block_range(block, buf.len(), self.data.len() as u64).ok_or(EIO)?;
        self.data[s..e].copy_from_slice(buf);
        Ok(())
    }
    fn size_bytes(&self) -> u64 {
        self.data.len() as u64
    }
}
