// SPDX-License-Identifier: BSD-2-Clause
//! The system calls: one table from Linux's x86_64 numbers to what this
//! layer does for each, and [`dispatch`], which every `syscall` of the C
//! library reaches through `__mx_syscall`.
//!
//! A handler takes the six argument words as Linux passes them and
//! answers the result or a Linux errno; [`dispatch`] turns that into
//! Linux's return convention (`-errno`). A number the table lacks
//! answers `-ENOSYS` (and is named on the console when the program's
//! environment has `MXSYS_TRACE`), so that a missing call is found, not
//! guessed. Calls our servers cannot do yet answer `-ENOSYS` from their
//! handlers too, never a pretended success.
use crate::errno::{self, Lx, E2BIG, EAFNOSUPPORT, EBADF, EFAULT, EINVAL, EISDIR, ENOMEM, ENOSYS, ENOTTY, EPERM, ERANGE};
use crate::flags::{self, lx, AtDir};
use crate::{attrs, dirent, signals, stat, system, threads, user};
use minix_abi::errno::Errno;
use minix_abi::timer::Timespec;
use mxrt::fs::{self as vfs, Fd};
use mxrt::{posix, signal, time};

pub type Args = [u64; 6];
pub type Outcome = Result<u64, Lx>;

/// One entry of the table.
pub struct Call {
    pub nr: u32,
    pub name: &'static str,
    pub run: fn(&Args) -> Outcome,
}

/// Linux's x86_64 numbers of the calls this layer knows.
pub mod nr {
    pub const READ: u32 = 0;
    pub const WRITE: u32 = 1;
    pub const OPEN: u32 = 2;
    pub const CLOSE: u32 = 3;
    pub const STAT: u32 = 4;
    pub const FSTAT: u32 = 5;
    pub const LSTAT: u32 = 6;
    pub const POLL: u32 = 7;
    pub const LSEEK: u32 = 8;
    pub const MMAP: u32 = 9;
    pub const MPROTECT: u32 = 10;
    pub const MUNMAP: u32 = 11;
    pub const BRK: u32 = 12;
    pub const RT_SIGACTION: u32 = 13;
    pub const RT_SIGPROCMASK: u32 = 14;
    pub const IOCTL: u32 = 16;
    pub const PREAD64: u32 = 17;
    pub const PWRITE64: u32 = 18;
    pub const READV: u32 = 19;
    pub const WRITEV: u32 = 20;
    pub const ACCESS: u32 = 21;
    pub const PIPE: u32 = 22;
    pub const SELECT: u32 = 23;
    pub const SCHED_YIELD: u32 = 24;
    pub const MADVISE: u32 = 28;
    pub const DUP: u32 = 32;
    pub const DUP2: u32 = 33;
    pub const PAUSE: u32 = 34;
    pub const NANOSLEEP: u32 = 35;
    pub const GETITIMER: u32 = 36;
    pub const ALARM: u32 = 37;
    pub const SETITIMER: u32 = 38;
    pub const GETPID: u32 = 39;
    pub const SOCKET: u32 = 41;
    pub const FORK: u32 = 57;
    pub const VFORK: u32 = 58;
    pub const EXECVE: u32 = 59;
    pub const EXIT: u32 = 60;
    pub const WAIT4: u32 = 61;
    pub const KILL: u32 = 62;
    pub const UNAME: u32 = 63;
    pub const FCNTL: u32 = 72;
    pub const FSYNC: u32 = 74;
    pub const FDATASYNC: u32 = 75;
    pub const TRUNCATE: u32 = 76;
    pub const FTRUNCATE: u32 = 77;
    pub const GETCWD: u32 = 79;
    pub const CHDIR: u32 = 80;
    pub const FCHDIR: u32 = 81;
    pub const RENAME: u32 = 82;
    pub const MKDIR: u32 = 83;
    pub const RMDIR: u32 = 84;
    pub const LINK: u32 = 86;
    pub const UNLINK: u32 = 87;
    pub const SYMLINK: u32 = 88;
    pub const READLINK: u32 = 89;
    pub const CHMOD: u32 = 90;
    pub const FCHMOD: u32 = 91;
    pub const CHOWN: u32 = 92;
    pub const FCHOWN: u32 = 93;
    pub const LCHOWN: u32 = 94;
    pub const UMASK: u32 = 95;
    pub const GETRUSAGE: u32 = 98;
    pub const TIMES: u32 = 100;
    pub const GETUID: u32 = 102;
    pub const GETGID: u32 = 104;
    pub const SETUID: u32 = 105;
    pub const SETGID: u32 = 106;
    pub const GETEUID: u32 = 107;
    pub const GETEGID: u32 = 108;
    pub const SETPGID: u32 = 109;
    pub const GETPPID: u32 = 110;
    pub const GETPGRP: u32 = 111;
    pub const SETSID: u32 = 112;
    pub const GETPGID: u32 = 121;
    pub const GETSID: u32 = 124;
    pub const RT_SIGPENDING: u32 = 127;
    pub const RT_SIGSUSPEND: u32 = 130;
    pub const SIGALTSTACK: u32 = 131;
    pub const MKNOD: u32 = 133;
    pub const ARCH_PRCTL: u32 = 158;
    pub const SYNC: u32 = 162;
    pub const GETTID: u32 = 186;
    pub const TKILL: u32 = 200;
    pub const FUTEX: u32 = 202;
    pub const SCHED_GETAFFINITY: u32 = 204;
    pub const GETDENTS64: u32 = 217;
    pub const SET_TID_ADDRESS: u32 = 218;
    pub const CLOCK_GETTIME: u32 = 228;
    pub const CLOCK_NANOSLEEP: u32 = 230;
    pub const EXIT_GROUP: u32 = 231;
    pub const TGKILL: u32 = 234;
    pub const OPENAT: u32 = 257;
    pub const MKDIRAT: u32 = 258;
    pub const MKNODAT: u32 = 259;
    pub const FCHOWNAT: u32 = 260;
    pub const NEWFSTATAT: u32 = 262;
    pub const UNLINKAT: u32 = 263;
    pub const RENAMEAT: u32 = 264;
    pub const LINKAT: u32 = 265;
    pub const SYMLINKAT: u32 = 266;
    pub const READLINKAT: u32 = 267;
    pub const FCHMODAT: u32 = 268;
    pub const FACCESSAT: u32 = 269;
    pub const PSELECT6: u32 = 270;
    pub const PPOLL: u32 = 271;
    pub const UTIMENSAT: u32 = 280;
    pub const DUP3: u32 = 292;
    pub const PIPE2: u32 = 293;
    pub const PRLIMIT64: u32 = 302;
    pub const GETRANDOM: u32 = 318;
    pub const STATX: u32 = 332;
    pub const FACCESSAT2: u32 = 439;
}

/// The table, in number order (a test checks), searched by [`lookup`].
pub const CALLS: &[Call] = &[
    Call { nr: nr::READ, name: "read", run: read },
    Call { nr: nr::WRITE, name: "write", run: write },
    Call { nr: nr::OPEN, name: "open", run: open },
    Call { nr: nr::CLOSE, name: "close", run: close },
    Call { nr: nr::STAT, name: "stat", run: stat_path },
    Call { nr: nr::FSTAT, name: "fstat", run: fstat },
    Call { nr: nr::LSTAT, name: "lstat", run: lstat_path },
    Call { nr: nr::POLL, name: "poll", run: system::poll },
    Call { nr: nr::LSEEK, name: "lseek", run: lseek },
    Call { nr: nr::MMAP, name: "mmap", run: mmap },
    Call { nr: nr::MPROTECT, name: "mprotect", run: mprotect },
    Call { nr: nr::MUNMAP, name: "munmap", run: munmap },
    Call { nr: nr::BRK, name: "brk", run: brk },
    Call { nr: nr::RT_SIGACTION, name: "rt_sigaction", run: signals::rt_sigaction },
    Call { nr: nr::RT_SIGPROCMASK, name: "rt_sigprocmask", run: signals::rt_sigprocmask },
    Call { nr: nr::IOCTL, name: "ioctl", run: ioctl },
    Call { nr: nr::PREAD64, name: "pread64", run: pread64 },
    Call { nr: nr::PWRITE64, name: "pwrite64", run: pwrite64 },
    Call { nr: nr::READV, name: "readv", run: readv },
    Call { nr: nr::WRITEV, name: "writev", run: writev },
    Call { nr: nr::ACCESS, name: "access", run: access },
    Call { nr: nr::PIPE, name: "pipe", run: pipe },
    Call { nr: nr::SELECT, name: "select", run: system::select },
    Call { nr: nr::SCHED_YIELD, name: "sched_yield", run: sched_yield },
    Call { nr: nr::MADVISE, name: "madvise", run: madvise },
    Call { nr: nr::DUP, name: "dup", run: dup },
    Call { nr: nr::DUP2, name: "dup2", run: dup2 },
    Call { nr: nr::PAUSE, name: "pause", run: pause },
    Call { nr: nr::NANOSLEEP, name: "nanosleep", run: nanosleep },
    Call { nr: nr::GETITIMER, name: "getitimer", run: getitimer },
    Call { nr: nr::ALARM, name: "alarm", run: alarm },
    Call { nr: nr::SETITIMER, name: "setitimer", run: setitimer },
    Call { nr: nr::GETPID, name: "getpid", run: getpid },
    Call { nr: nr::SOCKET, name: "socket", run: socket },
    Call { nr: nr::FORK, name: "fork", run: fork },
    Call { nr: nr::VFORK, name: "vfork", run: fork },
    Call { nr: nr::EXECVE, name: "execve", run: execve },
    Call { nr: nr::EXIT, name: "exit", run: threads::exit },
    Call { nr: nr::WAIT4, name: "wait4", run: wait4 },
    Call { nr: nr::KILL, name: "kill", run: kill },
    Call { nr: nr::UNAME, name: "uname", run: system::uname },
    Call { nr: nr::FCNTL, name: "fcntl", run: fcntl },
    Call { nr: nr::FSYNC, name: "fsync", run: fsync },
    Call { nr: nr::FDATASYNC, name: "fdatasync", run: fsync },
    Call { nr: nr::TRUNCATE, name: "truncate", run: truncate },
    Call { nr: nr::FTRUNCATE, name: "ftruncate", run: ftruncate },
    Call { nr: nr::GETCWD, name: "getcwd", run: getcwd },
    Call { nr: nr::CHDIR, name: "chdir", run: chdir },
    Call { nr: nr::FCHDIR, name: "fchdir", run: fchdir },
    Call { nr: nr::RENAME, name: "rename", run: rename },
    Call { nr: nr::MKDIR, name: "mkdir", run: mkdir },
    Call { nr: nr::RMDIR, name: "rmdir", run: rmdir },
    Call { nr: nr::LINK, name: "link", run: link },
    Call { nr: nr::UNLINK, name: "unlink", run: unlink },
    Call { nr: nr::SYMLINK, name: "symlink", run: symlink },
    Call { nr: nr::READLINK, name: "readlink", run: readlink },
    Call { nr: nr::CHMOD, name: "chmod", run: chmod },
    Call { nr: nr::FCHMOD, name: "fchmod", run: attrs::fchmod },
    Call { nr: nr::CHOWN, name: "chown", run: attrs::chown },
    Call { nr: nr::FCHOWN, name: "fchown", run: attrs::fchown },
    Call { nr: nr::LCHOWN, name: "lchown", run: attrs::lchown },
    Call { nr: nr::UMASK, name: "umask", run: umask },
    Call { nr: nr::GETRUSAGE, name: "getrusage", run: system::getrusage },
    Call { nr: nr::TIMES, name: "times", run: system::times },
    Call { nr: nr::GETUID, name: "getuid", run: getuid },
    Call { nr: nr::GETGID, name: "getgid", run: getgid },
    Call { nr: nr::SETUID, name: "setuid", run: setuid },
    Call { nr: nr::SETGID, name: "setgid", run: setgid },
    Call { nr: nr::GETEUID, name: "geteuid", run: geteuid },
    Call { nr: nr::GETEGID, name: "getegid", run: getegid },
    Call { nr: nr::SETPGID, name: "setpgid", run: setpgid },
    Call { nr: nr::GETPPID, name: "getppid", run: getppid },
    Call { nr: nr::GETPGRP, name: "getpgrp", run: getpgrp },
    Call { nr: nr::SETSID, name: "setsid", run: setsid },
    Call { nr: nr::GETPGID, name: "getpgid", run: getpgid },
    Call { nr: nr::GETSID, name: "getsid", run: getsid },
    Call { nr: nr::RT_SIGPENDING, name: "rt_sigpending", run: signals::rt_sigpending },
    Call { nr: nr::RT_SIGSUSPEND, name: "rt_sigsuspend", run: signals::rt_sigsuspend },
    Call { nr: nr::SIGALTSTACK, name: "sigaltstack", run: signals::sigaltstack },
    Call { nr: nr::MKNOD, name: "mknod", run: mknod },
    Call { nr: nr::ARCH_PRCTL, name: "arch_prctl", run: arch_prctl },
    Call { nr: nr::SYNC, name: "sync", run: sync },
    Call { nr: nr::GETTID, name: "gettid", run: threads::gettid },
    Call { nr: nr::TKILL, name: "tkill", run: tkill },
    Call { nr: nr::FUTEX, name: "futex", run: threads::futex_call },
    Call { nr: nr::SCHED_GETAFFINITY, name: "sched_getaffinity", run: sched_getaffinity },
    Call { nr: nr::GETDENTS64, name: "getdents64", run: getdents64 },
    Call { nr: nr::SET_TID_ADDRESS, name: "set_tid_address", run: getpid },
    Call { nr: nr::CLOCK_GETTIME, name: "clock_gettime", run: clock_gettime },
    Call { nr: nr::CLOCK_NANOSLEEP, name: "clock_nanosleep", run: clock_nanosleep },
    Call { nr: nr::EXIT_GROUP, name: "exit_group", run: exit },
    Call { nr: nr::TGKILL, name: "tgkill", run: tgkill },
    Call { nr: nr::OPENAT, name: "openat", run: openat },
    Call { nr: nr::MKDIRAT, name: "mkdirat", run: mkdirat },
    Call { nr: nr::MKNODAT, name: "mknodat", run: mknodat },
    Call { nr: nr::FCHOWNAT, name: "fchownat", run: attrs::fchownat },
    Call { nr: nr::NEWFSTATAT, name: "newfstatat", run: newfstatat },
    Call { nr: nr::UNLINKAT, name: "unlinkat", run: unlinkat },
    Call { nr: nr::RENAMEAT, name: "renameat", run: renameat },
    Call { nr: nr::LINKAT, name: "linkat", run: linkat },
    Call { nr: nr::SYMLINKAT, name: "symlinkat", run: symlinkat },
    Call { nr: nr::READLINKAT, name: "readlinkat", run: readlinkat },
    Call { nr: nr::FCHMODAT, name: "fchmodat", run: fchmodat },
    Call { nr: nr::FACCESSAT, name: "faccessat", run: faccessat },
    Call { nr: nr::PSELECT6, name: "pselect6", run: system::pselect6 },
    Call { nr: nr::PPOLL, name: "ppoll", run: system::ppoll },
    Call { nr: nr::UTIMENSAT, name: "utimensat", run: attrs::utimensat },
    Call { nr: nr::DUP3, name: "dup3", run: dup3 },
    Call { nr: nr::PIPE2, name: "pipe2", run: pipe2 },
    Call { nr: nr::PRLIMIT64, name: "prlimit64", run: system::prlimit64 },
    Call { nr: nr::GETRANDOM, name: "getrandom", run: system::getrandom },
    Call { nr: nr::STATX, name: "statx", run: statx },
    Call { nr: nr::FACCESSAT2, name: "faccessat2", run: faccessat2 },
];

/// The table's entry for Linux call `n`.
pub fn lookup(n: u64) -> Option<&'static Call> {
    let n = u32::try_from(n).ok()?;
    CALLS.binary_search_by_key(&n, |c| c.nr).ok().map(|i| &CALLS[i])
}

/// Linux's return word for an outcome: the value, or `-errno`.
pub fn linux_return(o: Outcome) -> i64 {
    match o {
        Ok(v) => v as i64,
        Err(e) => -(e.0 as i64),
    }
}

/// Carries out Linux call `n`; `None` if the table has no such call (the
/// caller answers `-ENOSYS`, after naming it if asked to).
pub fn dispatch(n: u64, args: &Args) -> Option<i64> {
    lookup(n).map(|c| linux_return((c.run)(args)))
}

// ---- helpers ----

use crate::errno::mx;

/// A descriptor argument: an `int`; a negative one is `EBADF`.
fn fd(w: u64) -> Result<Fd, Lx> {
    let v = w as u32 as i32;
    if v < 0 {
        Err(EBADF)
    } else {
        Ok(Fd(v as u32))
    }
}

/// A byte count: `size_t`, at most what fits in the 4 GiB below
/// `USER_TOP` (anything larger cannot name the program's memory).
fn len(w: u64) -> Result<usize, Lx> {
    if w > u32::MAX as u64 {
        Err(EFAULT)
    } else {
        Ok(w as usize)
    }
}

fn done(r: Result<(), Errno>) -> Outcome {
    mx(r).map(|()| 0)
}

/// madvise: VM's `MADVISE` for the advice it takes (`MADV_NORMAL`,
/// `RANDOM`, `SEQUENTIAL` and `WILLNEED` change nothing, `DONTNEED` and
/// `FREE` let private pages go); `MADV_COLD` and `MADV_PAGEOUT`, hints
/// about memory pressure there is no swap to act on, are checked as
/// `MADV_NORMAL`. Anything else (huge pages, fork and dump flags, merging)
/// is `EINVAL`, as a Linux built without those features answers. No user
/// memory lies at or above 4 GiB: a range there is `ENOMEM`.
fn madvise(a: &Args) -> Outcome {
    const MADV_COLD: u64 = 20;
    const MADV_PAGEOUT: u64 = 21;
    let advice = match a[2] {
        v @ (0..=4 | 8) => v as u32,
        MADV_COLD | MADV_PAGEOUT => minix_abi::vm::MADV_NORMAL,
        _ => return Err(EINVAL),
    };
    if !a[0].is_multiple_of(4096) {
        return Err(EINVAL);
    }
    if a[1] == 0 {
        return Ok(0);
    }
    let (Ok(addr), Ok(len)) = (u32::try_from(a[0]), u32::try_from(a[1])) else { return Err(ENOMEM) };
    done(posix::madvise(addr, len, advice))
}

/// Where an `*at` call's path starts, as [`at`] found it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Start {
    /// An absolute path: the directory does not matter.
    Absolute,
    /// A relative path from the working directory (`AT_FDCWD`).
    Cwd,
    /// A relative path from a directory descriptor.
    Dir(Fd),
}

/// An `*at` call's path and where it starts. No message yet: [`enter`]
/// sends VFS the directory, last, once every other argument is checked
/// (VFS keeps it for the caller's next path call only).
pub(crate) fn at(dirfd: u64, addr: u64) -> Result<(&'static [u8], Start), Lx> {
    let p = user::path(addr)?;
    if p.first() == Some(&b'/') {
        return Ok((p, Start::Absolute));
    }
    Ok(match flags::at_dir(dirfd, false)? {
        AtDir::Cwd => (p, Start::Cwd),
        AtDir::Fd(fd) => (p, Start::Dir(Fd(fd))),
    })
}

/// Where a call with two paths starts both: they must agree (VFS takes
/// one directory a call); two different directories are `ENOSYS`.
fn both(a: Start, b: Start) -> Result<Start, Lx> {
    match (a, b) {
        (Start::Absolute, x) | (x, Start::Absolute) => Ok(x),
        (x, y) if x == y => Ok(x),
        _ => Err(ENOSYS),
    }
}

/// Tells VFS where the next path starts, for a directory descriptor.
pub(crate) fn enter(s: Start) -> Result<(), Lx> {
    match s {
        Start::Dir(fd) => mx(vfs::at_dir(fd)),
        _ => Ok(()),
    }
}

// ---- files ----

fn read(a: &Args) -> Outcome {
    let buf = user::bytes_mut(a[1], len(a[2])?)?;
    mx(vfs::read(fd(a[0])?, buf)).map(|n| n as u64)
}

fn write(a: &Args) -> Outcome {
    let buf = user::bytes(a[1], len(a[2])?)?;
    mx(vfs::write(fd(a[0])?, buf)).map(|n| n as u64)
}

fn pread64(a: &Args) -> Outcome {
    let buf = user::bytes_mut(a[1], len(a[2])?)?;
    mx(vfs::pread(fd(a[0])?, buf, a[3])).map(|n| n as u64)
}

fn pwrite64(a: &Args) -> Outcome {
    let buf = user::bytes(a[1], len(a[2])?)?;
    mx(vfs::pwrite(fd(a[0])?, buf, a[3])).map(|n| n as u64)
}

/// Linux's `IOV_MAX`.
const IOV_MAX: u64 = 1024;

/// `readv`/`writev`: each piece in turn, stopping at a short transfer;
/// an error after some bytes moved answers those bytes, as Linux does.
fn vectored(a: &Args, mut each: impl FnMut(Fd, u64, usize) -> Result<usize, Errno>) -> Outcome {
    let f = fd(a[0])?;
    let count = a[2] as u32 as i32;
    if count < 0 || count as u64 > IOV_MAX {
        return Err(EINVAL);
    }
    let mut total = 0u64;
    for i in 0..count as u64 {
        let base = user::read_u64(a[1] + 16 * i)?;
        let n = len(user::read_u64(a[1] + 16 * i + 8)?)?;
        if n == 0 {
            continue;
        }
        match each(f, base, n) {
            Ok(m) => {
                total += m as u64;
                if m < n {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(errno::linux(e)),
            Err(_) => break,
        }
    }
    Ok(total)
}

fn readv(a: &Args) -> Outcome {
    vectored(a, |f, base, n| match user::bytes_mut(base, n) {
        Ok(b) => vfs::read(f, b),
        Err(_) => Err(minix_abi::errno::EFAULT),
    })
}

fn writev(a: &Args) -> Outcome {
    vectored(a, |f, base, n| match user::bytes(base, n) {
        Ok(b) => vfs::write(f, b),
        Err(_) => Err(minix_abi::errno::EFAULT),
    })
}

fn open_at(path: &[u8], flags_word: u64, mode: u64) -> Outcome {
    let f = flags::open_flags(flags_word)?;
    mx(vfs::open(path, f, (mode & 0o7777) as u32)).map(|d| d.0 as u64)
}

fn open(a: &Args) -> Outcome {
    open_at(user::path(a[0])?, a[1], a[2])
}

fn openat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    let f = flags::open_flags(a[2])?;
    enter(start)?;
    mx(vfs::open(p, f, (a[3] & 0o7777) as u32)).map(|d| d.0 as u64)
}

fn close(a: &Args) -> Outcome {
    done(vfs::close(fd(a[0])?))
}

fn lseek(a: &Args) -> Outcome {
    mx(vfs::lseek(fd(a[0])?, a[1] as i64, a[2]))
}

fn put_stat(addr: u64, s: &minix_abi::fs::Stat) -> Outcome {
    user::put(addr, &stat::linux_stat(s))?;
    Ok(0)
}

fn stat_path(a: &Args) -> Outcome {
    let s = mx(vfs::stat(user::path(a[0])?))?;
    put_stat(a[1], &s)
}

fn lstat_path(a: &Args) -> Outcome {
    let s = mx(vfs::lstat(user::path(a[0])?))?;
    put_stat(a[1], &s)
}

fn fstat(a: &Args) -> Outcome {
    let s = mx(vfs::fstat(fd(a[0])?))?;
    put_stat(a[1], &s)
}

fn newfstatat(a: &Args) -> Outcome {
    let fl = a[3];
    if fl & !(lx::AT_SYMLINK_NOFOLLOW | lx::AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    put_stat(a[2], &stat_at(a[0], a[1], fl)?)
}

/// statx: what `newfstatat` finds, in Linux's `struct statx`. Flags as
/// newfstatat's, and the sync-type and no-automount bits, which change
/// nothing here (one file system, always in sync); a mask with the
/// reserved bit is `EINVAL`.
fn statx(a: &Args) -> Outcome {
    const AT_NO_AUTOMOUNT: u64 = 0x800;
    const AT_STATX_SYNC_TYPE: u64 = 0x6000;
    const STATX__RESERVED: u64 = 0x8000_0000;
    let fl = a[2];
    if fl & !(lx::AT_SYMLINK_NOFOLLOW | lx::AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || fl & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || a[3] & STATX__RESERVED != 0
    {
        return Err(EINVAL);
    }
    let s = stat_at(a[0], a[1], fl)?;
    user::put(a[4], &stat::linux_statx(&s))?;
    Ok(0)
}

/// The file newfstatat and statx name: `path` from `dirfd`, or with
/// `AT_EMPTY_PATH` and an empty path the descriptor itself.
fn stat_at(dirfd: u64, path: u64, fl: u64) -> Result<minix_abi::fs::Stat, Lx> {
    let p = user::path(path)?;
    if p.is_empty() {
        if fl & lx::AT_EMPTY_PATH == 0 {
            return Err(crate::errno::ENOENT);
        }
        return mx(vfs::fstat(fd(dirfd)?));
    }
    let (p, start) = at(dirfd, path)?;
    enter(start)?;
    if fl & lx::AT_SYMLINK_NOFOLLOW != 0 {
        mx(vfs::lstat(p))
    } else {
        mx(vfs::stat(p))
    }
}

fn getdents64(a: &Args) -> Outcome {
    let n = len(a[2])?;
    let buf = user::bytes_mut(a[1], n)?;
    let at = dirent::vfs_area(n);
    let got = mx(vfs::getdents(fd(a[0])?, &mut buf[at..]))?;
    if got == 0 {
        return Ok(0);
    }
    match dirent::to_linux(buf, at, got) {
        // A buffer too small for one record, as Linux answers.
        0 => Err(EINVAL),
        w => Ok(w as u64),
    }
}

fn access(a: &Args) -> Outcome {
    done(vfs::access(user::path(a[0])?, a[1] & 7))
}

fn faccessat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    enter(start)?;
    done(vfs::access(p, a[2] & 7))
}

/// faccessat2: faccessat with flags. Every process is root to VFS, so
/// `AT_EACCESS` (the effective ids) asks what faccessat asks. With
/// `AT_SYMLINK_NOFOLLOW` a final symbolic link is itself the file, and
/// its `rwxrwxrwx` lets root do anything; with `AT_EMPTY_PATH` and an
/// empty path the descriptor's file is, checked by the rule VFS's access
/// applies: root reads and writes anything, and executes what has an x
/// bit, or a directory.
fn faccessat2(a: &Args) -> Outcome {
    let (mode, fl) = (a[2], a[3]);
    if mode & !7 != 0 || fl & !(lx::AT_EACCESS | lx::AT_SYMLINK_NOFOLLOW | lx::AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let empty = user::path(a[1])?.is_empty();
    if empty || fl & lx::AT_SYMLINK_NOFOLLOW != 0 {
        let s = stat_at(a[0], a[1], fl & (lx::AT_SYMLINK_NOFOLLOW | lx::AT_EMPTY_PATH))?;
        let ty = s.mode & 0o170_000;
        if ty == 0o120_000 {
            return Ok(0);
        }
        if !empty {
            return faccessat(a);
        }
        return if mode & 1 != 0 && ty != 0o040_000 && s.mode & 0o111 == 0 { Err(crate::errno::EACCES) } else { Ok(0) };
    }
    faccessat(a)
}

/// sched_getaffinity: the system runs on one processor, CPU 0, so every
/// thread's mask is that one bit, in a mask of 64 bits (Linux's size for
/// a kernel of at most 64 CPUs): a buffer shorter, or not a multiple of 8
/// bytes, is `EINVAL`. Answers the bytes written. A pid must be a live
/// process (or 0, the caller).
fn sched_getaffinity(a: &Args) -> Outcome {
    if a[1] < 8 || !a[1].is_multiple_of(8) {
        return Err(EINVAL);
    }
    if a[0] != 0 {
        getpgid(&[a[0], 0, 0, 0, 0, 0])?;
    }
    user::put(a[2], &1u64.to_le_bytes())?;
    Ok(8)
}

fn mkdir(a: &Args) -> Outcome {
    done(vfs::mkdir(user::path(a[0])?, (a[1] & 0o7777) as u32))
}

fn mkdirat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    enter(start)?;
    done(vfs::mkdir(p, (a[2] & 0o7777) as u32))
}

/// mknod and mknodat: the mode as Linux's `umode_t` (16 bits) and the
/// device as its `unsigned` (32 bits), whose encoding for majors below
/// 4096 and minors below 256 is MINIX's `major << 8 | minor`.
fn mknod(a: &Args) -> Outcome {
    done(vfs::mknod(user::path(a[0])?, (a[1] & 0o177_777) as u32, a[2] as u32))
}

fn mknodat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    enter(start)?;
    done(vfs::mknod(p, (a[2] & 0o177_777) as u32, a[3] as u32))
}

fn rmdir(a: &Args) -> Outcome {
    done(vfs::rmdir(user::path(a[0])?))
}

fn unlink(a: &Args) -> Outcome {
    unlink_in(user::path(a[0])?, Start::Cwd)
}

/// unlink of `p` from `start`. A directory is refused with `EPERM` by
/// VFS, as MINIX and POSIX say; Linux says `EISDIR`, so a refusal looks
/// at what the name is (only on that error path).
fn unlink_in(p: &[u8], start: Start) -> Outcome {
    enter(start)?;
    match vfs::unlink(p) {
        Err(e) if errno::linux(e) == EPERM => {
            enter(start)?;
            match vfs::lstat(p) {
                Ok(st) if st.mode & 0o170000 == 0o040000 => Err(EISDIR),
                _ => Err(EPERM),
            }
        }
        r => done(r),
    }
}

fn unlinkat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    let dir = match a[2] {
        0 => false,
        lx::AT_REMOVEDIR => true,
        _ => return Err(EINVAL),
    };
    if !dir {
        return unlink_in(p, start);
    }
    enter(start)?;
    done(vfs::rmdir(p))
}

fn rename(a: &Args) -> Outcome {
    done(vfs::rename(user::path(a[0])?, user::path(a[1])?))
}

fn renameat(a: &Args) -> Outcome {
    let (old, s1) = at(a[0], a[1])?;
    let (new, s2) = at(a[2], a[3])?;
    enter(both(s1, s2)?)?;
    done(vfs::rename(old, new))
}

fn link(a: &Args) -> Outcome {
    done(vfs::link(user::path(a[0])?, user::path(a[1])?))
}

fn linkat(a: &Args) -> Outcome {
    // Without AT_SYMLINK_FOLLOW Linux links a symbolic link itself, which
    // is what LINK does with a path's last component.
    if a[4] & !lx::AT_SYMLINK_FOLLOW != 0 {
        return Err(EINVAL);
    }
    let (old, s1) = at(a[0], a[1])?;
    let (new, s2) = at(a[2], a[3])?;
    enter(both(s1, s2)?)?;
    done(vfs::link(old, new))
}

fn symlink(a: &Args) -> Outcome {
    done(vfs::symlink(user::path(a[0])?, user::path(a[1])?))
}

fn symlinkat(a: &Args) -> Outcome {
    let target = user::path(a[0])?;
    let (p, start) = at(a[1], a[2])?;
    enter(start)?;
    done(vfs::symlink(target, p))
}

fn readlink_into(p: &[u8], start: Start, buf: u64, n: u64) -> Outcome {
    let n = len(n)?;
    if n == 0 {
        return Err(EINVAL);
    }
    let out = user::bytes_mut(buf, n)?;
    enter(start)?;
    mx(vfs::readlink(p, out)).map(|m| m as u64)
}

fn readlink(a: &Args) -> Outcome {
    readlink_into(user::path(a[0])?, Start::Cwd, a[1], a[2])
}

fn readlinkat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    readlink_into(p, start, a[2], a[3])
}

fn chmod(a: &Args) -> Outcome {
    done(vfs::chmod(user::path(a[0])?, (a[1] & 0o7777) as u32))
}

fn fchmodat(a: &Args) -> Outcome {
    let (p, start) = at(a[0], a[1])?;
    enter(start)?;
    done(vfs::chmod(p, (a[2] & 0o7777) as u32))
}

fn truncate(a: &Args) -> Outcome {
    if (a[1] as i64) < 0 {
        return Err(EINVAL);
    }
    done(vfs::truncate(user::path(a[0])?, a[1]))
}

fn ftruncate(a: &Args) -> Outcome {
    if (a[1] as i64) < 0 {
        return Err(EINVAL);
    }
    done(vfs::ftruncate(fd(a[0])?, a[1]))
}

fn fsync(a: &Args) -> Outcome {
    done(vfs::fsync(fd(a[0])?))
}

fn sync(_: &Args) -> Outcome {
    done(vfs::sync())
}

fn getcwd(a: &Args) -> Outcome {
    let n = len(a[1])?;
    if n == 0 {
        return Err(EINVAL);
    }
    let buf = user::bytes_mut(a[0], n)?;
    // VFS answers the path without its NUL; Linux counts the NUL.
    let m = match vfs::getcwd(&mut buf[..n - 1]) {
        Ok(m) => m,
        Err(e) if e == minix_abi::errno::ERANGE || e == minix_abi::errno::EINVAL => return Err(ERANGE),
        Err(e) => return Err(errno::linux(e)),
    };
    buf[m] = 0;
    Ok(m as u64 + 1)
}

fn chdir(a: &Args) -> Outcome {
    done(vfs::chdir(user::path(a[0])?))
}

fn fchdir(a: &Args) -> Outcome {
    done(vfs::fchdir(fd(a[0])?))
}

fn dup(a: &Args) -> Outcome {
    mx(vfs::dup(fd(a[0])?)).map(|d| d.0 as u64)
}

fn dup2(a: &Args) -> Outcome {
    let (from, to) = (fd(a[0])?, fd(a[1])?);
    if from == to {
        // Linux checks the descriptor and changes nothing.
        mx(vfs::fcntl(from, minix_abi::vfs::flags::F_GETFD, 0))?;
        return Ok(to.0 as u64);
    }
    mx(vfs::dup2(from, to)).map(|d| d.0 as u64)
}

fn dup3(a: &Args) -> Outcome {
    let (from, to) = (fd(a[0])?, fd(a[1])?);
    if from == to || a[2] & !lx::O_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    let d = mx(vfs::dup2(from, to))?;
    if a[2] & lx::O_CLOEXEC != 0 {
        mx(vfs::fcntl(d, minix_abi::vfs::flags::F_SETFD, minix_abi::vfs::flags::FD_CLOEXEC))?;
    }
    Ok(d.0 as u64)
}

fn fcntl(a: &Args) -> Outcome {
    use minix_abi::vfs::flags as m;
    let f = fd(a[0])?;
    match a[1] & 0xffff_ffff {
        lx::F_DUPFD => mx(vfs::fcntl(f, m::F_DUPFD, a[2] & 0xffff_ffff)),
        lx::F_DUPFD_CLOEXEC => {
            let d = mx(vfs::fcntl(f, m::F_DUPFD, a[2] & 0xffff_ffff))?;
            mx(vfs::fcntl(Fd(d as u32), m::F_SETFD, m::FD_CLOEXEC))?;
            Ok(d)
        }
        lx::F_GETFD => mx(vfs::fcntl(f, m::F_GETFD, 0)),
        lx::F_SETFD => mx(vfs::fcntl(f, m::F_SETFD, a[2] & m::FD_CLOEXEC)),
        lx::F_GETFL => mx(vfs::fcntl(f, m::F_GETFL, 0)).map(flags::status_flags_to_linux),
        lx::F_SETFL => mx(vfs::fcntl(f, m::F_SETFL, flags::setfl_flags(a[2]))),
        // Locks and the rest: not served yet.
        _ => Err(EINVAL),
    }
}

fn pipe_with(addr: u64, fl: u64) -> Outcome {
    if fl & !(lx::O_CLOEXEC | lx::O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    let mut ours = 0;
    if fl & lx::O_CLOEXEC != 0 {
        ours |= minix_abi::vfs::flags::O_CLOEXEC;
    }
    if fl & lx::O_NONBLOCK != 0 {
        ours |= minix_abi::vfs::flags::O_NONBLOCK;
    }
    // Checked before the pipe exists, so a bad address leaks nothing.
    user::bytes_mut(addr, 8)?;
    let (r, w) = mx(vfs::pipe(ours))?;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&r.0.to_le_bytes());
    out[4..].copy_from_slice(&w.0.to_le_bytes());
    user::put(addr, &out)?;
    Ok(0)
}

fn pipe(a: &Args) -> Outcome {
    pipe_with(a[0], 0)
}

fn pipe2(a: &Args) -> Outcome {
    pipe_with(a[0], a[1])
}

fn umask(a: &Args) -> Outcome {
    mx(vfs::umask((a[0] & 0o777) as u32)).map(|m| m as u64)
}

/// Terminal requests: no descriptor is a terminal yet (issue 22 brings
/// the terminal driver), so every request is `ENOTTY`, as Linux answers
/// them on a file or pipe; a bad descriptor is still `EBADF`.
fn ioctl(a: &Args) -> Outcome {
    mx(vfs::fcntl(fd(a[0])?, minix_abi::vfs::flags::F_GETFD, 0))?;
    Err(ENOTTY)
}

/// No networking: `AF_UNIX` included, which musl's user and group look-ups
/// probe and take as "no such service".
fn socket(_: &Args) -> Outcome {
    Err(EAFNOSUPPORT)
}

// ---- memory ----

fn mmap(a: &Args) -> Outcome {
    let prot = a[2] & 0xffff_ffff;
    if prot & !7 != 0 {
        return Err(EINVAL);
    }
    let f = flags::mmap_flags(a[3] & 0xffff_ffff)?;
    if f & minix_abi::vm::MAP_ANON != 0 {
        mx(posix::mmap(a[0], a[1], prot, f))
    } else {
        if !a[5].is_multiple_of(4096) {
            return Err(EINVAL);
        }
        mx(vfs::mmap(fd(a[4])?, a[0], a[1], prot, f, a[5]))
    }
}

fn mprotect(a: &Args) -> Outcome {
    let prot = a[2] & 0xffff_ffff;
    if prot & !7 != 0 || !a[0].is_multiple_of(4096) {
        return Err(EINVAL);
    }
    mx(posix::mprotect(a[0], a[1], prot)).map(|_| 0)
}

fn munmap(a: &Args) -> Outcome {
    mx(posix::munmap(a[0], a[1])).map(|_| 0)
}

/// Linux's `brk` answers the break, the old one when it cannot move it.
fn brk(a: &Args) -> Outcome {
    match posix::brk(a[0]) {
        Ok(b) => Ok(b),
        Err(_) => mx(posix::brk(0)),
    }
}

// ---- processes ----

fn getpid(_: &Args) -> Outcome {
    Ok(posix::getpid() as u64)
}

fn getppid(_: &Args) -> Outcome {
    Ok(posix::getppid() as u64)
}

fn fork(_: &Args) -> Outcome {
    mx(posix::fork()).map(|p| p as u64)
}

fn exit(a: &Args) -> Outcome {
    posix::exit(a[0] as u8)
}

/// The most argument and environment strings an exec takes (Linux's
/// limit is on bytes; ours, `exec::BLOCK_MAX`, is too).
const EXEC_STRINGS_MAX: usize = 32 * 1024;

fn execve(a: &Args) -> Outcome {
    extern crate alloc;
    use alloc::vec::Vec;
    let path = user::path(a[0])?;
    let mut argv: Vec<&[u8]> = Vec::new();
    let mut envp: Vec<&[u8]> = Vec::new();
    let room = |v: &mut Vec<&'static [u8]>, s: &'static [u8]| v.try_reserve(1).map(|()| v.push(s)).map_err(|_| ENOMEM);
    user::c_str_array(a[1], EXEC_STRINGS_MAX, minix_abi::exec::BLOCK_MAX as usize, |s| room(&mut argv, s))?;
    user::c_str_array(a[2], EXEC_STRINGS_MAX, minix_abi::exec::BLOCK_MAX as usize, |s| room(&mut envp, s)).map_err(|e| {
        if e == crate::errno::ENAMETOOLONG {
            E2BIG
        } else {
            e
        }
    })?;
    Err(errno::linux(mxrt::args::execve(path, &argv, &envp)))
}

fn wait4(a: &Args) -> Outcome {
    let pid = a[0] as u32 as i32 as i64;
    // WNOHANG 1, WUNTRACED 2, WCONTINUED 8: the same bits as ours.
    let options = a[2] & 0xffff_ffff;
    if options & !(1 | 2 | 8) != 0 {
        return Err(EINVAL);
    }
    if a[1] != 0 {
        user::bytes_mut(a[1], 4)?;
    }
    if a[3] != 0 {
        // No per-child usage is kept yet: zeros, as for a child that used
        // nothing. (`times` reports the children's CPU time.)
        user::bytes_mut(a[3], 144)?.fill(0);
    }
    let (p, status) = mx(posix::waitpid(pid, options))?;
    if a[1] != 0 && p != 0 {
        user::put(a[1], &(status as u32).to_le_bytes())?;
    }
    Ok(p as u64)
}

fn kill(a: &Args) -> Outcome {
    mx(signal::kill(a[0] as u32 as i32, (a[1] & 0xffff_ffff) as u32)).map(|()| 0)
}

/// One thread per process: the tid is the pid.
/// tkill(tid, sig): a signal to a thread of this process. Signals go to
/// the process (its first thread takes them), so any of its thread ids
/// will do; another is `ESRCH`.
fn tkill(a: &Args) -> Outcome {
    let (tid, pid) = (a[0] as u32, posix::getpid());
    let own = tid == pid || threads::gettid(a).is_ok_and(|t| t == tid as u64);
    if !own {
        return Err(crate::errno::ESRCH);
    }
    kill(&[pid as u64, a[1], 0, 0, 0, 0])
}

/// tgkill(tgid, tid, sig): tkill within process `tgid`, which must be
/// this one.
fn tgkill(a: &Args) -> Outcome {
    if a[0] as u32 != posix::getpid() {
        return Err(crate::errno::ESRCH);
    }
    tkill(&[a[1], a[2], 0, 0, 0, 0])
}

fn getuid(_: &Args) -> Outcome {
    mx(signal::getuids()).map(|(r, _)| r as u64)
}

fn geteuid(_: &Args) -> Outcome {
    mx(signal::getuids()).map(|(_, e)| e as u64)
}

fn getgid(_: &Args) -> Outcome {
    mx(signal::getgids()).map(|(r, _)| r as u64)
}

fn getegid(_: &Args) -> Outcome {
    mx(signal::getgids()).map(|(_, e)| e as u64)
}

fn setuid(a: &Args) -> Outcome {
    done(signal::setuid(a[0] as u32))
}

fn setgid(a: &Args) -> Outcome {
    done(signal::setgid(a[0] as u32))
}

/// A pid argument that names a process or the caller (0).
fn pid_arg(w: u64) -> Result<u32, Lx> {
    let p = w as u32 as i32;
    if p < 0 {
        Err(EINVAL)
    } else {
        Ok(p as u32)
    }
}

fn setpgid(a: &Args) -> Outcome {
    done(signal::setpgid(pid_arg(a[0])?, pid_arg(a[1])?))
}

fn getpgid(a: &Args) -> Outcome {
    mx(signal::getpgid(pid_arg(a[0]).map_err(|_| crate::errno::ESRCH)?)).map(|p| p as u64)
}

fn getpgrp(_: &Args) -> Outcome {
    mx(signal::getpgid(0)).map(|p| p as u64)
}

fn setsid(_: &Args) -> Outcome {
    mx(signal::setsid()).map(|p| p as u64)
}

fn getsid(a: &Args) -> Outcome {
    mx(signal::getsid(pid_arg(a[0]).map_err(|_| crate::errno::ESRCH)?)).map(|p| p as u64)
}

const ARCH_SET_FS: u64 = 0x1002;

/// `arch_prctl(ARCH_SET_FS, base)`: PM writes the FS base, which a
/// thread cannot set for itself on seL4 5.0.
fn arch_prctl(a: &Args) -> Outcome {
    if a[0] != ARCH_SET_FS {
        return Err(EINVAL);
    }
    let base = u32::try_from(a[1]).map_err(|_| EFAULT)?;
    let r = mxrt::signal::call_pm(&minix_abi::pm::Request::SetTls { base });
    mx(r.result()).map(|_| 0)
}

// ---- time ----

fn timespec_at(addr: u64) -> Result<Timespec, Lx> {
    let sec = user::read_u64(addr)? as i64;
    let nsec = user::read_u64(addr + 8)? as i64;
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    Ok(Timespec { sec: sec as u64, nsec: nsec as u32 })
}

fn put_timespec(addr: u64, t: Timespec) -> Outcome {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&t.sec.to_le_bytes());
    out[8..].copy_from_slice(&(t.nsec as u64).to_le_bytes());
    user::put(addr, &out)?;
    Ok(0)
}

/// Linux's clock ids (`CLOCK_REALTIME` 0, `CLOCK_MONOTONIC` 1, and the
/// monotonic variants `CLOCK_MONOTONIC_RAW` 4, `CLOCK_BOOTTIME` 7: one
/// clock here, which never stops) as ours (NetBSD's: 0 and 3). CPU-time
/// clocks are not kept per clock id yet: `EINVAL`.
pub fn clock_id(linux: u64) -> Result<u32, Lx> {
    match linux {
        0 => Ok(time::CLOCK_REALTIME),
        1 | 4 | 7 => Ok(time::CLOCK_MONOTONIC),
        _ => Err(EINVAL),
    }
}

fn clock_gettime(a: &Args) -> Outcome {
    let t = mx(time::clock_gettime(clock_id(a[0])?))?;
    put_timespec(a[1], t)
}

fn nanosleep(a: &Args) -> Outcome {
    let t = timespec_at(a[0])?;
    mx(time::nanosleep(t))?;
    if a[1] != 0 {
        put_timespec(a[1], Timespec { sec: 0, nsec: 0 })?;
    }
    Ok(0)
}

const TIMER_ABSTIME: u64 = 1;

fn clock_nanosleep(a: &Args) -> Outcome {
    let clock = clock_id(a[0])?;
    let t = timespec_at(a[2])?;
    let t = if a[1] & TIMER_ABSTIME != 0 {
        let now = mx(time::clock_gettime(clock))?;
        let (want, have) = (t.sec as u128 * 1_000_000_000 + t.nsec as u128, now.sec as u128 * 1_000_000_000 + now.nsec as u128);
        let d = want.saturating_sub(have);
        Timespec { sec: (d / 1_000_000_000) as u64, nsec: (d % 1_000_000_000) as u32 }
    } else {
        mx(time::clock_gettime(clock))?;
        t
    };
    mx(time::nanosleep(t))?;
    Ok(0)
}

/// Ends only through a handler (`EINTR`) or with the process.
fn pause(_: &Args) -> Outcome {
    Err(errno::linux(signal::pause()))
}

/// Linux's `struct itimerval`: the interval, then the value, each a
/// `timeval` of two 64-bit words.
fn itimerval_at(addr: u64) -> Result<minix_abi::pm::Itimerval, Lx> {
    let tv = |o: u64| -> Result<minix_abi::pm::Timeval, Lx> {
        let sec = user::read_u64(addr + o)? as i64;
        let usec = user::read_u64(addr + o + 8)? as i64;
        if sec < 0 || !(0..1_000_000).contains(&usec) {
            return Err(EINVAL);
        }
        // Longer than 136 years: as long as our timer goes.
        Ok(minix_abi::pm::Timeval { sec: sec.min(u32::MAX as i64) as u32, usec: usec as u32 })
    };
    Ok(minix_abi::pm::Itimerval { interval: tv(0)?, value: tv(16)? })
}

fn put_itimerval(addr: u64, t: minix_abi::pm::Itimerval) -> Result<(), Lx> {
    let mut out = [0u8; 32];
    for (o, v) in [(0, t.interval.sec), (8, t.interval.usec), (16, t.value.sec), (24, t.value.usec)] {
        out[o..o + 8].copy_from_slice(&(v as u64).to_le_bytes());
    }
    user::put(addr, &out)
}

/// Only `ITIMER_REAL` exists here (others: `EINVAL`, from `mxrt`).
fn setitimer(a: &Args) -> Outcome {
    let new = if a[1] != 0 { itimerval_at(a[1])? } else { minix_abi::pm::Itimerval::default() };
    if a[2] != 0 {
        user::bytes_mut(a[2], 32)?;
    }
    let old = mx(time::setitimer((a[0] & 0xffff_ffff) as u32, new))?;
    if a[2] != 0 {
        put_itimerval(a[2], old)?;
    }
    Ok(0)
}

fn getitimer(a: &Args) -> Outcome {
    user::bytes_mut(a[1], 32)?;
    let t = mx(time::getitimer((a[0] & 0xffff_ffff) as u32))?;
    put_itimerval(a[1], t)?;
    Ok(0)
}

fn alarm(a: &Args) -> Outcome {
    Ok(time::alarm(a[0] as u32) as u64)
}

fn sched_yield(_: &Args) -> Outcome {
    sel4::yield_now();
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        for w in CALLS.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} before {}", w[0].name, w[1].name);
        }
        for c in CALLS {
            assert_eq!(lookup(c.nr as u64).map(|f| f.name), Some(c.name));
        }
    }

    #[test]
    fn unknown_numbers_are_not_served() {
        for n in [15u64, 29, 1000, 1 << 32, u64::MAX, 435] {
            assert!(lookup(n).is_none(), "{}", n);
            assert_eq!(dispatch(n, &[0; 6]), None);
        }
    }

    #[test]
    fn names_are_linux_names() {
        let by = |n: u32| lookup(n as u64).unwrap().name;
        assert_eq!(by(0), "read");
        assert_eq!(by(20), "writev");
        assert_eq!(by(59), "execve");
        assert_eq!(by(158), "arch_prctl");
        assert_eq!(by(217), "getdents64");
        assert_eq!(by(231), "exit_group");
        assert_eq!(by(257), "openat");
        assert_eq!(by(262), "newfstatat");
        assert_eq!(by(293), "pipe2");
    }

    #[test]
    fn two_paths_share_one_directory() {
        let d = |n| Start::Dir(Fd(n));
        assert_eq!(both(Start::Absolute, Start::Absolute), Ok(Start::Absolute));
        assert_eq!(both(Start::Absolute, d(3)), Ok(d(3)));
        assert_eq!(both(Start::Cwd, Start::Absolute), Ok(Start::Cwd));
        assert_eq!(both(d(3), d(3)), Ok(d(3)));
        assert_eq!(both(d(3), d(4)), Err(ENOSYS));
        assert_eq!(both(Start::Cwd, d(4)), Err(ENOSYS));
    }

    #[test]
    fn clock_ids() {
        assert_eq!(clock_id(0), Ok(time::CLOCK_REALTIME));
        assert_eq!(clock_id(1), Ok(time::CLOCK_MONOTONIC));
        assert_eq!(clock_id(7), Ok(time::CLOCK_MONOTONIC));
        assert_eq!(clock_id(2), Err(EINVAL));
        assert_eq!(clock_id(u64::MAX), Err(EINVAL));
    }

    #[test]
    fn return_convention() {
        assert_eq!(linux_return(Ok(5)), 5);
        assert_eq!(linux_return(Err(ENOSYS)), -38);
        assert_eq!(linux_return(Err(EAFNOSUPPORT)), -97);
    }

    #[test]
    fn argument_words_are_checked_before_any_message() {
        // These fail on their arguments alone; no handler reaches a server.
        assert_eq!(fd((-1i64) as u64), Err(EBADF));
        assert_eq!(fd(0xffff_ffff_0000_0003), Ok(Fd(3)));
        assert_eq!(len(1 << 32), Err(EFAULT));
        assert_eq!(user::path(0), Err(EFAULT));
        assert_eq!(user::bytes(8, 8), Err(EFAULT));
        assert_eq!(user::bytes(u32::MAX as u64, 2), Err(EFAULT));
        assert_eq!(read(&[0, 0x10, 1 << 33, 0, 0, 0]), Err(EFAULT));
        assert_eq!(arch_prctl(&[0x1001, 0, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(arch_prctl(&[ARCH_SET_FS, 1 << 32, 0, 0, 0, 0]), Err(EFAULT));
        assert_eq!(mmap(&[0, 4096, 8, 0x22, 0, 0]), Err(EINVAL));
        assert_eq!(mmap(&[0, 4096, 3, 0x20, 0, 0]), Err(EINVAL));
        assert_eq!(wait4(&[0, 0, 4, 0, 0, 0]), Err(EINVAL));
        assert_eq!(dup3(&[3, 3, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(pipe2(&[0x1000, 1, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(socket(&[1, 1, 0, 0, 0, 0]), Err(EAFNOSUPPORT));
        assert_eq!(getcwd(&[0x1000, 0, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(madvise(&[0x1001, 4096, 4, 0, 0, 0]), Err(EINVAL));
        assert_eq!(madvise(&[0x1000, 4096, 14, 0, 0, 0]), Err(EINVAL));
        assert_eq!(madvise(&[0x1000, 0, 4, 0, 0, 0]), Ok(0));
        assert_eq!(madvise(&[1 << 32, 4096, 4, 0, 0, 0]), Err(ENOMEM));
    }
}
