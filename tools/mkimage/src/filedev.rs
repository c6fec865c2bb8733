// SPDX-License-Identifier: BSD-2-Clause
//! A host file as a block device. Any host I/O failure is EIO.

use minix_abi::errno::EIO;
use minixfs::{BlockDevice, Errno};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;

pub struct FileDevice {
    file: File,
    size: u64,
}

impl FileDevice {
    /// Creates (or truncates) `path` to `size` bytes of zeros.
    pub fn create(path: &Path, size: u64) -> std::io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
        file.set_len(size)?;
        Ok(FileDevice { file, size })
    }

    pub fn open(path: &Path, writable: bool) -> std::io::Result<Self> {
        let file = OpenOptions::new().read(true).write(writable).open(path)?;
        let size = file.metadata()?.len();
        Ok(FileDevice { file, size })
    }
}

impl BlockDevice for FileDevice {
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let off = block.checked_mul(buf.len() as u64).ok_or(EIO)?;
        if off + buf.len() as u64 > self.size {
            return Err(EIO);
        }
        self.file.read_exact_at(buf, off).map_err(|_| EIO)
    }
    fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno> {
        let off = block.checked_mul(buf.len() as u64).ok_or(EIO)?;
        if off + buf.len() as u64 > self.size {
            return Err(EIO);
        }
        self.file.write_all_at(buf, off).map_err(|_| EIO)
    }
    fn flush(&mut self) -> Result<(), Errno> {
        self.file.sync_data().map_err(|_| EIO)
    }
    fn size_bytes(&self) -> u64 {
        self.size
    }
}
