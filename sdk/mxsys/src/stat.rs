// SPDX-License-Identifier: BSD-2-Clause
//! Linux's x86_64 `struct stat` (the kernel's, 144 bytes), written from
//! ours. File type and permission bits are the same numbers on both.
use minix_abi::fs::Stat;

pub const LINUX_STAT_SIZE: usize = 144;

/// The bytes of Linux's `struct stat` for `s`. Times have whole seconds
/// only (our inodes keep no more), so every `_nsec` field is 0.
pub fn linux_stat(s: &Stat) -> [u8; LINUX_STAT_SIZE] {
    let mut out = [0u8; LINUX_STAT_SIZE];
    let mut put = |off: usize, bytes: &[u8]| out[off..off + bytes.len()].copy_from_slice(bytes);
    put(0, &s.dev.to_le_bytes());
    put(8, &s.ino.to_le_bytes());
    put(16, &(s.nlink as u64).to_le_bytes());
    put(24, &s.mode.to_le_bytes());
    put(28, &s.uid.to_le_bytes());
    put(32, &s.gid.to_le_bytes());
    put(40, &s.rdev.to_le_bytes());
    put(48, &s.size.to_le_bytes());
    put(56, &(s.blksize as u64).to_le_bytes());
    put(64, &s.blocks.to_le_bytes());
    put(72, &s.atime.to_le_bytes());
    put(88, &s.mtime.to_le_bytes());
    put(104, &s.ctime.to_le_bytes());
    out
}

pub const STATX_SIZE: usize = 256;
/// `STATX_BASIC_STATS`: type, mode, links, uid, gid, times but birth,
/// inode, size and blocks: all `statx` has here (no birth time).
pub const STATX_BASIC_STATS: u32 = 0x7ff;

/// The bytes of Linux's `struct statx` for `s`, whatever the caller's
/// mask asked (Linux may give more than asked, and less when a file
/// system keeps less: there is never a birth time here). Device numbers
/// are split as Linux's `MAJOR`/`MINOR` split ours (`major << 8 | minor`).
pub fn linux_statx(s: &Stat) -> [u8; STATX_SIZE] {
    let mut out = [0u8; STATX_SIZE];
    let mut put = |off: usize, bytes: &[u8]| out[off..off + bytes.len()].copy_from_slice(bytes);
    put(0, &STATX_BASIC_STATS.to_le_bytes());
    put(4, &s.blksize.to_le_bytes());
    put(16, &s.nlink.to_le_bytes());
    put(20, &s.uid.to_le_bytes());
    put(24, &s.gid.to_le_bytes());
    put(28, &(s.mode as u16).to_le_bytes());
    put(32, &s.ino.to_le_bytes());
    put(40, &s.size.to_le_bytes());
    put(48, &s.blocks.to_le_bytes());
    // Each time: tv_sec (i64), tv_nsec (u32, 0: whole seconds), padding.
    put(64, &s.atime.to_le_bytes());
    put(96, &s.ctime.to_le_bytes());
    put(112, &s.mtime.to_le_bytes());
    let split = |d: u64| ((d >> 8 & 0xfff) as u32, (d & 0xff | (d >> 12 & 0xfff00)) as u32);
    let (rmaj, rmin) = split(s.rdev);
    let (dmaj, dmin) = split(s.dev);
    put(128, &rmaj.to_le_bytes());
    put(132, &rmin.to_le_bytes());
    put(136, &dmaj.to_le_bytes());
    put(140, &dmin.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statx_fields_at_linux_offsets() {
        let s = Stat {
            dev: 0x0102,
            ino: 77,
            mode: 0o020600,
            nlink: 3,
            uid: 1000,
            gid: 100,
            rdev: 0x0503,
            size: 12345,
            blksize: 4096,
            blocks: 24,
            atime: 1_700_000_000,
            mtime: 1_700_000_001,
            ctime: 1_700_000_002,
        };
        let b = linux_statx(&s);
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        assert_eq!((u32_at(0), u32_at(4), u32_at(16), u32_at(20), u32_at(24)), (0x7ff, 4096, 3, 1000, 100));
        assert_eq!(u16::from_le_bytes([b[28], b[29]]), 0o020600);
        assert_eq!((u64_at(32), u64_at(40), u64_at(48)), (77, 12345, 24));
        assert_eq!((u64_at(64), u64_at(80), u64_at(96), u64_at(112)), (1_700_000_000, 0, 1_700_000_002, 1_700_000_001));
        assert_eq!((u32_at(128), u32_at(132), u32_at(136), u32_at(140)), (5, 3, 1, 2));
        assert!(b[144..].iter().all(|&x| x == 0));
    }

    #[test]
    fn fields_at_linux_offsets() {
        let s = Stat {
            dev: 0x0102,
            ino: 77,
            mode: 0o100644,
            nlink: 3,
            uid: 1000,
            gid: 100,
            rdev: 0x0503,
            size: 1 << 33,
            atime: 1_700_000_001,
            mtime: 1_700_000_002,
            ctime: 1_700_000_003,
            blocks: 24,
            blksize: 4096,
        };
        let b = linux_stat(&s);
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        assert_eq!(u64_at(0), 0x0102);
        assert_eq!(u64_at(8), 77);
        assert_eq!(u64_at(16), 3);
        assert_eq!(u32_at(24), 0o100644);
        assert_eq!(u32_at(28), 1000);
        assert_eq!(u32_at(32), 100);
        assert_eq!(u32_at(36), 0, "padding");
        assert_eq!(u64_at(40), 0x0503);
        assert_eq!(u64_at(48), 1 << 33);
        assert_eq!(u64_at(56), 4096);
        assert_eq!(u64_at(64), 24);
        assert_eq!((u64_at(72), u64_at(80)), (1_700_000_001, 0));
        assert_eq!((u64_at(88), u64_at(96)), (1_700_000_002, 0));
        assert_eq!((u64_at(104), u64_at(112)), (1_700_000_003, 0));
        assert!(b[120..].iter().all(|&x| x == 0));
    }
}
