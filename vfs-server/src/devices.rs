// SPDX-License-Identifier: BSD-2-Clause
//! Character devices VFS serves itself: the memory devices `/dev/null`,
//! `/dev/zero` and `/dev/full` (major 1, minors 3, 5 and 7, as on MINIX
//! and Linux), and `/dev/random` and `/dev/urandom` (minors 8 and 9, from
//! VFS's generator, `random.rs`). A device file is an inode of the file system whose zone 0
//! holds its number, `major << 8 | minor`; opening it gives a descriptor
//! whose reads and writes VFS answers without the FS. Other device
//! numbers have no driver yet: `ENXIO`, as for a device that is not
//! there.
use minix_abi::errno::{Errno, ENOSPC, ENXIO};

/// A memory device.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum MemDev {
    /// Reads end at once; writes vanish.
    Null,
    /// Reads give zeros; writes vanish.
    Zero,
    /// Reads give zeros; writes fail with `ENOSPC`.
    Full,
    /// Reads give random bytes (`/dev/random` and `/dev/urandom` alike);
    /// writes are taken and dropped (Linux mixes them in; nothing here
    /// needs a user's bytes to be unpredictable).
    Random,
}

pub const MEM_MAJOR: u32 = 1;

/// The device a number names.
pub fn device(rdev: u64) -> Result<MemDev, Errno> {
    let (major, minor) = ((rdev >> 8) as u32, (rdev & 0xff) as u32);
    match (major, minor) {
        (MEM_MAJOR, 3) => Ok(MemDev::Null),
        (MEM_MAJOR, 5) => Ok(MemDev::Zero),
        (MEM_MAJOR, 7) => Ok(MemDev::Full),
        (MEM_MAJOR, 8 | 9) => Ok(MemDev::Random),
        _ => Err(ENXIO),
    }
}

/// The most bytes of zeros one read gives (a read may be short; this
/// bounds how long one call holds a worker).
pub const ZERO_READ_MAX: u64 = 64 * 1024;

impl MemDev {
    /// Bytes a read of `len` gives (all zeros).
    pub fn read_len(self, len: u64) -> u64 {
        match self {
            MemDev::Null => 0,
            MemDev::Zero | MemDev::Full | MemDev::Random => len.min(ZERO_READ_MAX),
        }
    }

    /// What a write of `len` bytes answers.
    pub fn write(self, len: u64) -> Result<u64, Errno> {
        match self {
            MemDev::Null | MemDev::Zero | MemDev::Random => Ok(len),
            MemDev::Full => Err(ENOSPC),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(device(0x103), Ok(MemDev::Null));
        assert_eq!(device(0x105), Ok(MemDev::Zero));
        assert_eq!(device(0x107), Ok(MemDev::Full));
        assert_eq!(device(0x108), Ok(MemDev::Random));
        assert_eq!(device(0x109), Ok(MemDev::Random));
        for bad in [0, 0x101, 0x10a, 0x203, 0x10003, u64::MAX] {
            assert_eq!(device(bad), Err(ENXIO), "{:#x}", bad);
        }
    }

    #[test]
    fn transfers() {
        assert_eq!(MemDev::Null.read_len(100), 0);
        assert_eq!(MemDev::Zero.read_len(100), 100);
        assert_eq!(MemDev::Full.read_len(1 << 30), ZERO_READ_MAX);
        assert_eq!(MemDev::Null.write(7), Ok(7));
        assert_eq!(MemDev::Zero.write(7), Ok(7));
        assert_eq!(MemDev::Full.write(7), Err(ENOSPC));
        assert_eq!(MemDev::Random.read_len(1 << 20), ZERO_READ_MAX);
        assert_eq!(MemDev::Random.write(7), Ok(7));
    }
}
