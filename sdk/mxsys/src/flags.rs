// SPDX-License-Identifier: BSD-2-Clause
//! Linux's flag words turned into ours (NetBSD's values, as MINIX uses)
//! and back: open and status flags, `fcntl` commands, `mmap` flags, the
//! `*at` calls' flags.
use crate::errno::{Lx, EINVAL};
use minix_abi::vfs::flags as mx;
use minix_abi::vm;

/// Linux's open flags (x86_64).
pub mod lx {
    pub const O_ACCMODE: u64 = 0o3;
    pub const O_CREAT: u64 = 0o100;
    pub const O_EXCL: u64 = 0o200;
    pub const O_NOCTTY: u64 = 0o400;
    pub const O_TRUNC: u64 = 0o1000;
    pub const O_APPEND: u64 = 0o2000;
    pub const O_NONBLOCK: u64 = 0o4000;
    pub const O_DSYNC: u64 = 0o10000;
    pub const O_LARGEFILE: u64 = 0o100000;
    pub const O_DIRECTORY: u64 = 0o200000;
    pub const O_NOFOLLOW: u64 = 0o400000;
    pub const O_NOATIME: u64 = 0o1000000;
    pub const O_CLOEXEC: u64 = 0o2000000;
    pub const O_SYNC: u64 = 0o4010000;
    pub const O_PATH: u64 = 0o10000000;
    pub const O_TMPFILE: u64 = 0o20200000;

    pub const F_DUPFD: u64 = 0;
    pub const F_GETFD: u64 = 1;
    pub const F_SETFD: u64 = 2;
    pub const F_GETFL: u64 = 3;
    pub const F_SETFL: u64 = 4;
    pub const F_DUPFD_CLOEXEC: u64 = 1030;

    pub const MAP_SHARED: u64 = 0x01;
    pub const MAP_PRIVATE: u64 = 0x02;
    pub const MAP_FIXED: u64 = 0x10;
    pub const MAP_ANONYMOUS: u64 = 0x20;
    pub const MAP_NORESERVE: u64 = 0x4000;
    pub const MAP_POPULATE: u64 = 0x8000;
    pub const MAP_STACK: u64 = 0x20000;

    /// The `*at` calls' directory "the current one".
    pub const AT_FDCWD: i32 = -100;
    pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
    pub const AT_REMOVEDIR: u64 = 0x200;
    pub const AT_EACCESS: u64 = 0x200;
    pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
    pub const AT_EMPTY_PATH: u64 = 0x1000;
}

/// (Linux bit, our bit) for the flags both have.
const OPEN_PAIRS: [(u64, u64); 8] = [
    (lx::O_CREAT, mx::O_CREAT),
    (lx::O_EXCL, mx::O_EXCL),
    (lx::O_TRUNC, mx::O_TRUNC),
    (lx::O_APPEND, mx::O_APPEND),
    (lx::O_NONBLOCK, mx::O_NONBLOCK),
    (lx::O_DIRECTORY, mx::O_DIRECTORY),
    (lx::O_NOFOLLOW, mx::O_NOFOLLOW),
    (lx::O_CLOEXEC, mx::O_CLOEXEC),
];

/// Linux flags we may drop: every file is large here, no terminal is
/// taken by an open yet, writes reach the FS's cache in order, and atime
/// is not kept.
pub const OPEN_IGNORED: u64 = lx::O_LARGEFILE | lx::O_NOCTTY | lx::O_DSYNC | lx::O_SYNC | lx::O_NOATIME;

/// `open`'s flags. `O_TMPFILE` has no counterpart and is `EINVAL` (what
/// a Linux file system without it answers). `O_PATH` (a descriptor only
/// to name the file by: `fstat`, the `*at` calls) opens for reading,
/// which serves those uses; unlike Linux's it needs read permission and
/// does not open a symbolic link itself. Other unknown bits are
/// ignored, as Linux ignores them.
pub fn open_flags(linux: u64) -> Result<u64, Lx> {
    let linux = linux & 0xffff_ffff;
    if linux & lx::O_TMPFILE == lx::O_TMPFILE {
        return Err(EINVAL);
    }
    let linux =
        if linux & lx::O_PATH != 0 { linux & !(lx::O_PATH | lx::O_ACCMODE | lx::O_CREAT | lx::O_TRUNC | lx::O_EXCL) } else { linux };
    if linux & lx::O_ACCMODE == 3 {
        return Err(EINVAL);
    }
    let mut ours = linux & lx::O_ACCMODE;
    for (l, m) in OPEN_PAIRS {
        if linux & l != 0 {
            ours |= m;
        }
    }
    Ok(ours)
}

/// Status flags as `F_GETFL` tells them, in Linux's bits.
pub fn status_flags_to_linux(ours: u64) -> u64 {
    let mut l = ours & mx::O_ACCMODE;
    for (lb, mb) in OPEN_PAIRS {
        if ours & mb != 0 {
            l |= lb;
        }
    }
    // Linux reports O_LARGEFILE on every 64-bit open.
    l | lx::O_LARGEFILE
}

/// `F_SETFL`'s argument: only the flags it may change (the rest Linux
/// ignores too).
pub fn setfl_flags(linux: u64) -> u64 {
    let mut ours = 0;
    if linux & lx::O_APPEND != 0 {
        ours |= mx::O_APPEND;
    }
    if linux & lx::O_NONBLOCK != 0 {
        ours |= mx::O_NONBLOCK;
    }
    ours
}

/// `mmap`'s flags: exactly one of shared and private; `MAP_NORESERVE`,
/// `MAP_POPULATE` and `MAP_STACK` are hints we may drop; any other bit is
/// `EINVAL` rather than a silently different mapping.
pub fn mmap_flags(linux: u64) -> Result<u64, Lx> {
    let known = lx::MAP_SHARED | lx::MAP_PRIVATE | lx::MAP_FIXED | lx::MAP_ANONYMOUS | lx::MAP_NORESERVE | lx::MAP_POPULATE | lx::MAP_STACK;
    if linux & !known != 0 {
        return Err(EINVAL);
    }
    let mut ours = match linux & (lx::MAP_SHARED | lx::MAP_PRIVATE) {
        lx::MAP_SHARED => vm::MAP_SHARED,
        lx::MAP_PRIVATE => vm::MAP_PRIVATE,
        _ => return Err(EINVAL),
    };
    if linux & lx::MAP_FIXED != 0 {
        ours |= vm::MAP_FIXED;
    }
    if linux & lx::MAP_ANONYMOUS != 0 {
        ours |= vm::MAP_ANON;
    }
    Ok(ours)
}

/// Where an `*at` call's path is looked up from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum AtDir {
    /// The current directory (`AT_FDCWD`), or any for an absolute path.
    Cwd,
    /// A directory descriptor, for a relative path.
    Fd(u32),
}

/// The directory an `*at` call names for `path` (whose first byte
/// tells whether it is absolute). A negative descriptor other than
/// `AT_FDCWD` is `EBADF`.
pub fn at_dir(dirfd: u64, path_is_absolute: bool) -> Result<AtDir, Lx> {
    let fd = dirfd as u32 as i32;
    if path_is_absolute || fd == lx::AT_FDCWD {
        Ok(AtDir::Cwd)
    } else if fd < 0 {
        Err(crate::errno::EBADF)
    } else {
        Ok(AtDir::Fd(fd as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_translate_bit_by_bit() {
        assert_eq!(open_flags(0), Ok(mx::O_RDONLY));
        assert_eq!(open_flags(1), Ok(mx::O_WRONLY));
        assert_eq!(open_flags(2), Ok(mx::O_RDWR));
        assert_eq!(open_flags(3), Err(EINVAL));
        // fopen("w"): O_WRONLY|O_CREAT|O_TRUNC, with musl's O_LARGEFILE.
        assert_eq!(open_flags(0o101101), Ok(mx::O_WRONLY | mx::O_CREAT | mx::O_TRUNC));
        assert_eq!(
            open_flags(
                2 | lx::O_CREAT
                    | lx::O_EXCL
                    | lx::O_APPEND
                    | lx::O_NONBLOCK
                    | lx::O_DIRECTORY
                    | lx::O_NOFOLLOW
                    | lx::O_CLOEXEC
                    | lx::O_NOCTTY
                    | lx::O_LARGEFILE
            ),
            Ok(mx::O_RDWR | mx::O_CREAT | mx::O_EXCL | mx::O_APPEND | mx::O_NONBLOCK | mx::O_DIRECTORY | mx::O_NOFOLLOW | mx::O_CLOEXEC)
        );
        assert_eq!(open_flags(lx::O_PATH), Ok(mx::O_RDONLY));
        assert_eq!(open_flags(lx::O_PATH | lx::O_DIRECTORY | lx::O_CLOEXEC | 2), Ok(mx::O_RDONLY | mx::O_DIRECTORY | mx::O_CLOEXEC));
        assert_eq!(open_flags(lx::O_TMPFILE | 2), Err(EINVAL));
        // O_DIRECTORY alone is not O_TMPFILE.
        assert_eq!(open_flags(lx::O_DIRECTORY), Ok(mx::O_DIRECTORY));
        // Every result is one OPEN accepts.
        for bit in 0..64 {
            if let Ok(f) = open_flags(1 << bit) {
                assert_eq!(f & !mx::OPEN_MASK, 0, "bit {}", bit);
            }
        }
    }

    #[test]
    fn status_flags_go_back() {
        for l in [0, 1, 2, lx::O_APPEND | 1, lx::O_NONBLOCK, lx::O_APPEND | lx::O_NONBLOCK | 2] {
            let ours = open_flags(l).unwrap();
            assert_eq!(status_flags_to_linux(ours), l | lx::O_LARGEFILE);
        }
        assert_eq!(setfl_flags(lx::O_NONBLOCK | lx::O_APPEND | lx::O_CREAT), mx::O_NONBLOCK | mx::O_APPEND);
    }

    #[test]
    fn mmap_flags_need_one_kind() {
        assert_eq!(mmap_flags(lx::MAP_PRIVATE | lx::MAP_ANONYMOUS), Ok(vm::MAP_PRIVATE | vm::MAP_ANON));
        assert_eq!(mmap_flags(lx::MAP_SHARED | lx::MAP_FIXED), Ok(vm::MAP_SHARED | vm::MAP_FIXED));
        assert_eq!(mmap_flags(lx::MAP_ANONYMOUS), Err(EINVAL));
        assert_eq!(mmap_flags(lx::MAP_SHARED | lx::MAP_PRIVATE), Err(EINVAL));
        assert_eq!(mmap_flags(lx::MAP_PRIVATE | 0x40), Err(EINVAL));
        assert_eq!(mmap_flags(lx::MAP_PRIVATE | lx::MAP_ANONYMOUS | lx::MAP_NORESERVE | lx::MAP_STACK), Ok(vm::MAP_PRIVATE | vm::MAP_ANON));
    }

    #[test]
    fn at_directories() {
        assert_eq!(at_dir(lx::AT_FDCWD as u32 as u64, false), Ok(AtDir::Cwd));
        // Sign-extended as musl passes it.
        assert_eq!(at_dir(lx::AT_FDCWD as i64 as u64, false), Ok(AtDir::Cwd));
        assert_eq!(at_dir(5, false), Ok(AtDir::Fd(5)));
        assert_eq!(at_dir(5, true), Ok(AtDir::Cwd));
        assert_eq!(at_dir((-1i64) as u64, false), Err(crate::errno::EBADF));
    }
}
