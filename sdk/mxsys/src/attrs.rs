// SPDX-License-Identifier: BSD-2-Clause
//! Owners, modes and times of files: `fchmod`, the `chown` family and
//! `utimensat` (musl's `utime`, `utimes` and `futimens` all come here).
//! VFS takes ids as `u32`s and times as `u32` seconds, which MINIX's
//! inode holds; `UTIME_NOW` and `UTIME_OMIT` are settled here, with the
//! clock page and a `stat` for a time left as it is.
use crate::calls::{at, enter, Args, Outcome};
use crate::errno::{mx, Lx, EBADF, EFAULT, EINVAL};
use crate::flags::lx;
use crate::user;
use minix_abi::vfs::Follow;
use mxrt::fs::{self as vfs, Fd};

/// `timespec.tv_nsec` values that ask for the time now, or for no change.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// What one `timespec` of `utimensat` asks.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum TimeAsk {
    Now,
    Omit,
    At(u32),
}

/// One `timespec` (seconds, nanoseconds) as a request: nanoseconds
/// outside `0..1e9` but for the two markers are `EINVAL`, as are
/// seconds the inode cannot hold (before 1970, after 2106).
pub fn time_ask(sec: i64, nsec: i64) -> Result<TimeAsk, Lx> {
    match nsec {
        UTIME_NOW => Ok(TimeAsk::Now),
        UTIME_OMIT => Ok(TimeAsk::Omit),
        0..=999_999_999 => u32::try_from(sec).map(TimeAsk::At).map_err(|_| EINVAL),
        _ => Err(EINVAL),
    }
}

/// The times to set, from the two requests, the time now, and the
/// file's current (atime, mtime), which is asked for only when one is
/// left as it is. `None`: both are left, nothing to do.
pub fn settle(asks: [TimeAsk; 2], now: u32, current: impl FnOnce() -> Result<(u32, u32), Lx>) -> Result<Option<(u32, u32)>, Lx> {
    if asks == [TimeAsk::Omit; 2] {
        return Ok(None);
    }
    let cur = if asks.contains(&TimeAsk::Omit) { Some(current()?) } else { None };
    let pick = |a: TimeAsk, keep: fn((u32, u32)) -> u32| match a {
        TimeAsk::Now => now,
        TimeAsk::At(t) => t,
        TimeAsk::Omit => cur.map(keep).unwrap_or(now),
    };
    Ok(Some((pick(asks[0], |c| c.0), pick(asks[1], |c| c.1))))
}

fn id(w: u64) -> u32 {
    w as u32
}

fn fd(w: u64) -> Result<Fd, Lx> {
    let f = w as u32 as i32;
    if f < 0 {
        return Err(EBADF);
    }
    Ok(Fd(f as u32))
}

pub fn fchmod(a: &Args) -> Outcome {
    mx(vfs::fchmod(fd(a[0])?, (a[1] & 0o7777) as u32)).map(|()| 0)
}

pub fn chown(a: &Args) -> Outcome {
    mx(vfs::chown(user::path(a[0])?, id(a[1]), id(a[2]), Follow::Yes)).map(|()| 0)
}

pub fn lchown(a: &Args) -> Outcome {
    mx(vfs::chown(user::path(a[0])?, id(a[1]), id(a[2]), Follow::No)).map(|()| 0)
}

pub fn fchown(a: &Args) -> Outcome {
    mx(vfs::fchown(fd(a[0])?, id(a[1]), id(a[2]))).map(|()| 0)
}

/// fchownat(dirfd, path, uid, gid, flags): `AT_SYMLINK_NOFOLLOW`, and
/// `AT_EMPTY_PATH` with an empty path for the descriptor itself.
pub fn fchownat(a: &Args) -> Outcome {
    let flags = a[4];
    if flags & !(lx::AT_SYMLINK_NOFOLLOW | lx::AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    if flags & lx::AT_EMPTY_PATH != 0 && user::c_str(a[1], 1)?.is_empty() {
        return mx(vfs::fchown(fd(a[0])?, id(a[2]), id(a[3]))).map(|()| 0);
    }
    let (p, start) = at(a[0], a[1])?;
    let follow = if flags & lx::AT_SYMLINK_NOFOLLOW != 0 { Follow::No } else { Follow::Yes };
    enter(start)?;
    mx(vfs::chown(p, id(a[2]), id(a[3]), follow)).map(|()| 0)
}

/// utimensat(dirfd, path, times, flags): a null path means the file open
/// on `dirfd` (Linux's `futimens`); null times mean now for both.
pub fn utimensat(a: &Args) -> Outcome {
    let flags = a[3];
    if flags & !lx::AT_SYMLINK_NOFOLLOW != 0 {
        return Err(EINVAL);
    }
    let asks = if a[2] == 0 {
        [TimeAsk::Now; 2]
    } else {
        let w = |i: u64| user::read_u64(a[2] + 8 * i).map(|v| v as i64);
        [time_ask(w(0)?, w(1)?)?, time_ask(w(2)?, w(3)?)?]
    };
    let now = mx(mxrt::time::time())? as u32;
    let follow = if flags & lx::AT_SYMLINK_NOFOLLOW != 0 { Follow::No } else { Follow::Yes };
    if a[1] == 0 {
        if a[0] as u32 as i32 == lx::AT_FDCWD {
            return Err(EFAULT);
        }
        let f = fd(a[0])?;
        let Some((at_, mt)) = settle(asks, now, || mx(vfs::fstat(f)).map(|s| (s.atime as u32, s.mtime as u32)))? else {
            return Ok(0);
        };
        return mx(vfs::futimes(f, at_, mt)).map(|()| 0);
    }
    let (p, start) = at(a[0], a[1])?;
    let current = || {
        enter(start)?;
        let s = if follow == Follow::Yes { vfs::stat(p) } else { vfs::lstat(p) };
        mx(s).map(|s| (s.atime as u32, s.mtime as u32))
    };
    let Some((at_, mt)) = settle(asks, now, current)? else {
        // Nothing to change; the name must still be there.
        enter(start)?;
        return mx(vfs::lstat(p)).map(|_| 0);
    };
    enter(start)?;
    mx(vfs::utimes(p, at_, mt, follow)).map(|()| 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespecs() {
        assert_eq!(time_ask(5, 0), Ok(TimeAsk::At(5)));
        assert_eq!(time_ask(5, 999_999_999), Ok(TimeAsk::At(5)));
        assert_eq!(time_ask(-1, 0), Err(EINVAL));
        assert_eq!(time_ask(1 << 32, 0), Err(EINVAL));
        assert_eq!(time_ask(0, 1_000_000_000), Err(EINVAL));
        assert_eq!(time_ask(0, -1), Err(EINVAL));
        assert_eq!(time_ask(-7, UTIME_NOW), Ok(TimeAsk::Now));
        assert_eq!(time_ask(1 << 40, UTIME_OMIT), Ok(TimeAsk::Omit));
    }

    #[test]
    fn settling() {
        let never = || -> Result<(u32, u32), Lx> { panic!("the current times were not needed") };
        assert_eq!(settle([TimeAsk::Now; 2], 100, never), Ok(Some((100, 100))));
        assert_eq!(settle([TimeAsk::At(1), TimeAsk::Now], 100, never), Ok(Some((1, 100))));
        assert_eq!(settle([TimeAsk::Omit; 2], 100, never), Ok(None));
        assert_eq!(settle([TimeAsk::Omit, TimeAsk::At(9)], 100, || Ok((3, 4))), Ok(Some((3, 9))));
        assert_eq!(settle([TimeAsk::Now, TimeAsk::Omit], 100, || Ok((3, 4))), Ok(Some((100, 4))));
        assert_eq!(settle([TimeAsk::Now, TimeAsk::Omit], 100, || Err(EBADF)), Err(EBADF));
    }
}
