// SPDX-License-Identifier: BSD-2-Clause
//! VFS's interface: the POSIX file calls, the process notices PM sends,
//! and a grant exercise that tests and benchmarks use.
//!
//! A user passes plain addresses; VFS treats each as an allegation and
//! reaches the memory only through grants it makes itself (magic grants
//! with `CPF_TRY`, so a page that is not present fails a copy instead of
//! waiting). A path is an address and a byte count, without a NUL.
//!
//! | request | w0 | w1 | w2 | w3 | reply |
//! |---|---|---|---|---|---|
//! | `READ`, `WRITE`, `GETDENTS` | fd | buffer | bytes | | bytes moved |
//! | `PREAD`, `PWRITE` | fd | buffer | bytes | offset | bytes moved |
//! | `READ_SMALL` | fd | bytes (≤ [`SMALL_MAX`]) | | | bytes; the data in vals, little-endian |
//! | `WRITE_SMALL` | fd \| bytes << 32 (≤ [`SMALL_MAX`]) | data | data | data | bytes |
//! | `LSEEK` | fd | offset (as i64) | whence | | the new offset |
//! | `OPEN` | path | path bytes | flags | mode | fd |
//! | `CLOSE`, `DUP`, `FCHDIR`, `FSYNC` | fd | | | | 0; DUP: the new fd |
//! | `DUP2` | fd | new fd | | | new fd |
//! | `FCNTL` | fd | cmd | arg | | per cmd |
//! | `FSTAT` | fd | stat buffer | | | 0 |
//! | `FTRUNCATE` | fd | size | | | 0 |
//! | `UNLINK`, `RMDIR`, `CHDIR` | path | path bytes | | | 0 |
//! | `MKDIR`, `CHMOD`, `ACCESS` | path | path bytes | mode | | 0 |
//! | `MKNOD` | path | path bytes | mode with its type bits (≤ `0o177777`) | device number (u32, `major << 8 \| minor`) | 0 |
//! | `TRUNCATE` | path | path bytes | size | | 0 |
//! | `STAT`, `LSTAT` | path | path bytes | stat buffer | | 0 |
//! | `STATVFS` | path | path bytes | | | as FS's `STATVFS` ([`crate::fs::StatVfs`]) |
//! | `READLINK` | path | path bytes | buffer | buffer bytes | bytes |
//! | `LINK`, `RENAME`, `SYMLINK` | old path (SYMLINK: the target) | bytes | new path | bytes | 0 |
//! | `GETCWD` | buffer | buffer bytes | | | bytes of the path (no NUL) |
//! | `MMAP` | fd \| prot << 32 \| flags << 40 | address hint | length | file offset | the address |
//! | `PIPE` | flags (`O_CLOEXEC`, `O_NONBLOCK`) | | | | read fd; vals\[0] the write fd |
//! | `UMASK` | mask | | | | the old mask |
//! | `SYNC` | | | | | 0 |
//! | `POLL` | the [`poll::PollFd`] array (below 4 GiB) | entries (≤ [`poll::POLL_MAX`]) | timeout in ms, an `i32` written sign-extended (negative: none) | | entries with events; the array's `revents` written. Or status 0 with vals\[0] = [`poll::AGAIN`]: a pipe it polls changed, poll again |
//! | `CHOWN`, `LCHOWN` | path | path bytes | uid | gid | 0 |
//! | `FCHOWN` | fd | uid | gid | | 0 |
//! | `UTIMES`, `LUTIMES` | path | path bytes | atime | mtime | 0 |
//! | `FUTIMES` | fd | atime | mtime | | 0 |
//! | `FCHMOD` | fd | mode | | | 0 |
//! | `AT_DIR` | fd of a directory | | | | 0; the caller's next call that names a path resolves a relative one from that directory (the `*at` calls), then forgets it |
//! | `PROC_FORK` (PM only) | parent | child | | | 0 |
//! | `PROC_EXIT` (PM only) | process | | | | 0 |
//! | `PROC_EXEC` (PM only) | process | argument block | block bytes | | 0; vals\[0] the entry, vals\[1] the stack pointer |
//! | `PROC_CANCEL` (PM only) | process | 0 freeze, 1 thaw | | | freeze: 1 if it was waiting (pipe, poll), else 0; thaw: 0 |
//! | `PROC_THREAD` (PM only) | process | its new thread | | | 0; the thread's calls use the process's descriptors, directory and umask; `PROC_EXIT` of the thread drops its own waits only |
//!
//! Ids are `u32`s, [`KEEP_ID`] (`(uid_t)-1`) leaving one as it is; times
//! are `u32` seconds since the epoch (what MINIX's inode holds). The L
//! calls act on a symbolic link itself, the others follow it.
//!
//! Decoding is total. Words out of range are `EINVAL`, with two POSIX
//! exceptions that are answers, not malformations: a path longer than
//! [`PATH_MAX`] is `ENAMETOOLONG`, and a descriptor word that is no
//! descriptor at all (above `u32`) is `EBADF`; and POLL's array at or
//! above 4 GiB, where no user memory is, is `EFAULT`.
//!
//! Offsets, sizes and buffer lengths are `off_t` and `ssize_t` in POSIX:
//! a word that would be negative as one (above `i64::MAX`) is `EINVAL`,
//! decided here once ([`crate::offset`]), so VFS only ever holds an
//! [`Offset`] and can never pass a user's `-1` on as the FS's append
//! position. A PREAD or PWRITE whose offset plus length passes `i64::MAX`
//! is `EINVAL` (Linux's answer), and so is a READLINK buffer of 0 bytes.
//! OPEN with both `O_CREAT` and `O_DIRECTORY` is `EINVAL` (Linux 6.4+),
//! which never makes a file it would then refuse.
use crate::endpoint::Endpoint;
use crate::errno::{Errno, EBADF, EINVAL, ENAMETOOLONG, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::offset::{count_of, Offset};
use crate::word::{at_most, bits_of, endpoint_of, i32_of, u32_of, u8_of};

pub const BASE: u64 = 0x200;
pub const READ: u64 = BASE + 1;
pub const WRITE: u64 = BASE + 2;
pub const LSEEK: u64 = BASE + 3;
pub const OPEN: u64 = BASE + 4;
pub const CLOSE: u64 = BASE + 5;
pub const LINK: u64 = BASE + 6;
pub const UNLINK: u64 = BASE + 7;
pub const CHDIR: u64 = BASE + 8;
pub const MKDIR: u64 = BASE + 9;
/// Make a FIFO, a socket, a device node or an empty regular file.
pub const MKNOD: u64 = BASE + 10;
pub const CHMOD: u64 = BASE + 11;
pub const ACCESS: u64 = BASE + 15;
pub const SYNC: u64 = BASE + 16;
pub const RENAME: u64 = BASE + 17;
pub const RMDIR: u64 = BASE + 18;
pub const SYMLINK: u64 = BASE + 19;
pub const READLINK: u64 = BASE + 20;
pub const STAT: u64 = BASE + 21;
pub const FSTAT: u64 = BASE + 22;
pub const LSTAT: u64 = BASE + 23;
pub const FCNTL: u64 = BASE + 25;
pub const PIPE: u64 = BASE + 26;
pub const UMASK: u64 = BASE + 27;
pub const GETDENTS: u64 = BASE + 29;
pub const DUP: u64 = BASE + 30;
pub const DUP2: u64 = BASE + 31;
pub const FCHDIR: u64 = BASE + 32;
pub const TRUNCATE: u64 = BASE + 33;
pub const FTRUNCATE: u64 = BASE + 34;
pub const PREAD: u64 = BASE + 35;
pub const PWRITE: u64 = BASE + 36;
pub const GETCWD: u64 = BASE + 37;
pub const STATVFS: u64 = BASE + 38;
pub const FSYNC: u64 = BASE + 39;
/// Map a file: fd and flags in w0, the address hint, the length, the
/// file offset (page aligned). Reply: the address.
pub const MMAP: u64 = BASE + 40;
/// Wait until one of a set of descriptors is ready, or a timeout (see
/// [`poll`]).
pub const POLL: u64 = BASE + 41;
/// The `*at` calls' directory: the caller's next path call resolves a
/// relative path from the directory open on this descriptor.
pub const AT_DIR: u64 = BASE + 42;
/// Set the owner and group of a file named by a path (following a final
/// symbolic link, or not: `LCHOWN`) or open on a descriptor.
pub const CHOWN: u64 = BASE + 43;
pub const LCHOWN: u64 = BASE + 44;
pub const FCHOWN: u64 = BASE + 45;
/// Set the access and modification times, the same three ways.
pub const UTIMES: u64 = BASE + 46;
pub const LUTIMES: u64 = BASE + 47;
pub const FUTIMES: u64 = BASE + 48;
/// CHMOD of the file open on a descriptor.
pub const FCHMOD: u64 = BASE + 49;
/// The id word that leaves an owner or group as it is.
pub const KEEP_ID: u32 = u32::MAX;
/// A read of at most [`SMALL_MAX`] bytes answered in the reply's words.
pub const READ_SMALL: u64 = BASE + 0x40;
/// A write of at most [`SMALL_MAX`] bytes carried in the request's words.
pub const WRITE_SMALL: u64 = BASE + 0x41;
/// PM: a process forked; the child gets copies of the parent's
/// descriptors (sharing their open files), directory and umask.
pub const PROC_FORK: u64 = BASE + 0x60;
/// PM: a process is gone; its descriptors are closed and any call it had
/// waiting in VFS is dropped.
pub const PROC_EXIT: u64 = BASE + 0x61;
/// PM: a process asks to exec (see [`crate::exec`]): VFS reads its
/// argument block, checks and reads the program and has VM rebuild the
/// process's memory, then closes its close-on-exec descriptors.
pub const PROC_EXEC: u64 = BASE + 0x62;
/// PM: a process (or thread) is about to be stopped or to run a signal
/// handler; PM will suspend it, which cancels a Call it is blocked in.
/// Freeze (word 1 zero), sent before the suspension: VFS waits until no
/// call of it is being served (that call's answer reaches it while it can
/// still take it), drops any call it holds waiting (a pipe read or write,
/// a poll: nothing of it has happened yet) unanswered, and from then on
/// holds its calls unserved. Thaw (word 1 one), sent after: VFS forgets
/// a call it held and serves the process again. A call PM's suspension
/// cancels has thus had no effect, and is made again or fails with EINTR;
/// none that had an effect loses its answer. Reply to a freeze: 1 if the
/// process was waiting (a wait a signal may end with EINTR), else 0; a
/// held call, or one VFS never received, is made again whatever the
/// handler's flags, as it would have finished at once.
pub const PROC_CANCEL: u64 = BASE + 0x63;
/// PM: a process has a new thread, which shares its descriptors.
pub const PROC_THREAD: u64 = BASE + 0x64;
/// Copy `len` bytes in from the caller's grant, add `delta` to every
/// byte, copy them back out (two safecopies through VM). Reply: status 0
/// or the first copy's errno.
pub const GRANT_EXERCISE: u64 = BASE + 0x70;
/// Time `rounds` safecopies of `len` bytes from the caller's grant, and
/// `rounds` memcpys of the same size inside VFS. Reply: status = copy
/// ticks per round, vals[0] = memcpy ticks per round.
pub const GRANT_BENCH: u64 = BASE + 0x71;

/// Largest buffer the exercise handles.
pub const EXERCISE_MAX: u64 = 64 * 1024;
/// Longest path, in bytes (MINIX's `PATH_MAX`).
pub const PATH_MAX: u64 = 1024;
/// Most bytes `READ_SMALL` and `WRITE_SMALL` carry: three words.
pub const SMALL_MAX: u64 = 24;
/// Bytes of the stat buffer STAT, LSTAT and FSTAT fill.
pub const STAT_SIZE: u64 = crate::fs::STAT_SIZE as u64;

/// Open flags (NetBSD's values, as MINIX uses).
pub mod flags {
    pub const O_RDONLY: u64 = 0;
    pub const O_WRONLY: u64 = 1;
    pub const O_RDWR: u64 = 2;
    pub const O_ACCMODE: u64 = 3;
    pub const O_NONBLOCK: u64 = 0x4;
    pub const O_APPEND: u64 = 0x8;
    pub const O_NOFOLLOW: u64 = 0x100;
    pub const O_CREAT: u64 = 0x200;
    pub const O_TRUNC: u64 = 0x400;
    pub const O_EXCL: u64 = 0x800;
    pub const O_DIRECTORY: u64 = 0x20_0000;
    pub const O_CLOEXEC: u64 = 0x40_0000;
    /// Every flag OPEN accepts; any other bit (or access mode 3) is EINVAL.
    pub const OPEN_MASK: u64 = O_ACCMODE | O_NONBLOCK | O_APPEND | O_NOFOLLOW | O_CREAT | O_TRUNC | O_EXCL | O_DIRECTORY | O_CLOEXEC;
    /// The status flags F_SETFL may change.
    pub const SETFL_MASK: u64 = O_NONBLOCK | O_APPEND;

    pub const SEEK_SET: u64 = 0;
    pub const SEEK_CUR: u64 = 1;
    pub const SEEK_END: u64 = 2;
    /// The next offset that holds data, or that is in a hole (Linux's
    /// numbers); regular files only.
    pub const SEEK_DATA: u64 = 3;
    pub const SEEK_HOLE: u64 = 4;

    pub const F_DUPFD: u64 = 0;
    pub const F_GETFD: u64 = 1;
    pub const F_SETFD: u64 = 2;
    pub const F_GETFL: u64 = 3;
    pub const F_SETFL: u64 = 4;
    pub const FD_CLOEXEC: u64 = 1;

    pub const F_OK: u64 = 0;
    pub const X_OK: u64 = 1;
    pub const W_OK: u64 = 2;
    pub const R_OK: u64 = 4;
}

/// File-type bits of a mode, as MINIX stores them.
pub mod mode {
    pub const S_IFMT: u32 = 0o170000;
    pub const S_IFIFO: u32 = 0o010000;
    pub const S_IFDIR: u32 = 0o040000;
    pub const S_IFREG: u32 = 0o100000;
    pub const S_IFLNK: u32 = 0o120000;
    pub const S_IFCHR: u32 = 0o020000;
    pub const S_IFBLK: u32 = 0o060000;
    pub const S_IFSOCK: u32 = 0o140000;
}

/// `poll` (and `select`, which the runtime builds on it): the array's
/// layout, the events, and the reply that sends the caller round again.
///
/// An entry is POSIX's `struct pollfd`: `fd` (an `int`; a negative one is
/// skipped, its `revents` 0), `events` and `revents` (`short`s), 8 bytes,
/// little-endian. The event bits are the values Linux, NetBSD and MINIX
/// share; `POLLWRNORM` is `POLLOUT` (NetBSD's definition), and bits VFS
/// does not know are never set in `revents`.
///
/// What is ready (Linux's answers): a regular file or directory always
/// for reading and writing; a pipe's read end `POLLIN` with bytes in it,
/// `POLLHUP` once no writer is left; its write end `POLLOUT` while a
/// write of `PIPE_BUF` (512) bytes would not wait, `POLLERR` (with
/// `POLLOUT`: the write fails at once) once no reader is left; a
/// descriptor that is not open `POLLNVAL`. `POLLERR`, `POLLHUP` and
/// `POLLNVAL` are reported whether asked for or not.
///
/// A caller with nothing ready waits in VFS without holding a thread. A
/// change to a pipe it polls answers it with [`AGAIN`]: the runtime polls
/// again with the time that is left (so the answer is always from a fresh
/// look, and a byte another reader took meanwhile sends it back to
/// wait). The timeout answers 0 without touching the array, whose
/// `revents` the runtime cleared before the call.
pub mod poll {
    /// Bytes of one `struct pollfd`.
    pub const ENTRY: usize = 8;
    /// Most entries one call may pass: a process's descriptors (VFS's
    /// `OPEN_MAX`), as Linux bounds `nfds` by `RLIMIT_NOFILE`.
    pub const POLL_MAX: usize = 64;
    /// The reply word (vals\[0], with status 0) that says "poll again".
    pub const AGAIN: u64 = 1;

    pub const POLLIN: u16 = 0x1;
    pub const POLLPRI: u16 = 0x2;
    pub const POLLOUT: u16 = 0x4;
    pub const POLLERR: u16 = 0x8;
    pub const POLLHUP: u16 = 0x10;
    pub const POLLNVAL: u16 = 0x20;
    pub const POLLRDNORM: u16 = 0x40;
    pub const POLLWRNORM: u16 = POLLOUT;
    /// Reported whether asked for or not.
    pub const ALWAYS: u16 = POLLERR | POLLHUP | POLLNVAL;

    /// One entry of the array.
    #[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
    #[repr(C)]
    pub struct PollFd {
        pub fd: i32,
        pub events: u16,
        pub revents: u16,
    }

    impl PollFd {
        /// From its 8 bytes (any bytes are an entry).
        pub fn decode(b: &[u8; ENTRY]) -> PollFd {
            PollFd {
                fd: i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                events: u16::from_le_bytes([b[4], b[5]]),
                revents: u16::from_le_bytes([b[6], b[7]]),
            }
        }

        pub fn encode(&self) -> [u8; ENTRY] {
            let mut b = [0u8; ENTRY];
            b[..4].copy_from_slice(&self.fd.to_le_bytes());
            b[4..6].copy_from_slice(&self.events.to_le_bytes());
            b[6..].copy_from_slice(&self.revents.to_le_bytes());
            b
        }
    }
}

/// Every call number of this interface.
pub const CALLS: &[u64] = &[
    READ,
    WRITE,
    LSEEK,
    OPEN,
    CLOSE,
    LINK,
    UNLINK,
    CHDIR,
    MKDIR,
    MKNOD,
    CHMOD,
    ACCESS,
    SYNC,
    RENAME,
    RMDIR,
    SYMLINK,
    READLINK,
    STAT,
    FSTAT,
    LSTAT,
    FCNTL,
    PIPE,
    UMASK,
    GETDENTS,
    DUP,
    DUP2,
    FCHDIR,
    TRUNCATE,
    FTRUNCATE,
    PREAD,
    PWRITE,
    GETCWD,
    STATVFS,
    FSYNC,
    MMAP,
    POLL,
    AT_DIR,
    CHOWN,
    LCHOWN,
    FCHOWN,
    UTIMES,
    LUTIMES,
    FUTIMES,
    FCHMOD,
    READ_SMALL,
    WRITE_SMALL,
    PROC_FORK,
    PROC_EXIT,
    PROC_EXEC,
    PROC_CANCEL,
    PROC_THREAD,
    GRANT_EXERCISE,
    GRANT_BENCH,
];

/// A path in the caller's memory: where it starts and how many bytes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct UserPath {
    pub addr: u64,
    pub len: u64,
}

impl UserPath {
    fn decode(addr: u64, len: u64) -> Result<UserPath, Errno> {
        if len > PATH_MAX {
            return Err(ENAMETOOLONG);
        }
        Ok(UserPath { addr, len })
    }
}

/// A buffer in the caller's memory. The address is only an allegation:
/// VFS's grants decide whether it is memory at all. A decoded length is at
/// most `i64::MAX` (a negative `ssize_t` count is `EINVAL`), but for
/// GETCWD's, whose `size_t` has no sign.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct UserBuf {
    pub addr: u64,
    pub len: u64,
}

impl UserBuf {
    fn decode(addr: u64, len: u64) -> Result<UserBuf, Errno> {
        Ok(UserBuf { addr, len: count_of(len)? })
    }
}

/// Which stat call: following a final symlink or not.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Follow {
    Yes,
    No,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    Read {
        fd: u32,
        buf: UserBuf,
    },
    Write {
        fd: u32,
        buf: UserBuf,
    },
    Pread {
        fd: u32,
        buf: UserBuf,
        offset: Offset,
    },
    Pwrite {
        fd: u32,
        buf: UserBuf,
        offset: Offset,
    },
    ReadSmall {
        fd: u32,
        len: u64,
    },
    WriteSmall {
        fd: u32,
        len: u64,
        data: [u64; 3],
    },
    Lseek {
        fd: u32,
        offset: i64,
        whence: u64,
    },
    Open {
        path: UserPath,
        flags: u64,
        mode: u32,
    },
    Close {
        fd: u32,
    },
    Dup {
        fd: u32,
    },
    Dup2 {
        fd: u32,
        to: u32,
    },
    Fchdir {
        fd: u32,
    },
    /// The next path call's directory for a relative path.
    AtDir {
        fd: u32,
    },
    Fsync {
        fd: u32,
    },
    Fcntl {
        fd: u32,
        cmd: u64,
        arg: u64,
    },
    Fstat {
        fd: u32,
        buf: u64,
    },
    Ftruncate {
        fd: u32,
        size: Offset,
    },
    Getdents {
        fd: u32,
        buf: UserBuf,
    },
    Unlink {
        path: UserPath,
    },
    Rmdir {
        path: UserPath,
    },
    Chdir {
        path: UserPath,
    },
    Mkdir {
        path: UserPath,
        mode: u32,
    },
    Mknod {
        path: UserPath,
        mode: u32,
        dev: u32,
    },
    Chmod {
        path: UserPath,
        mode: u32,
    },
    Fchmod {
        fd: u32,
        mode: u32,
    },
    Chown {
        path: UserPath,
        uid: u32,
        gid: u32,
        follow: Follow,
    },
    Fchown {
        fd: u32,
        uid: u32,
        gid: u32,
    },
    Utimes {
        path: UserPath,
        atime: u32,
        mtime: u32,
        follow: Follow,
    },
    Futimes {
        fd: u32,
        atime: u32,
        mtime: u32,
    },
    Access {
        path: UserPath,
        mode: u64,
    },
    Truncate {
        path: UserPath,
        size: Offset,
    },
    Stat {
        path: UserPath,
        buf: u64,
        follow: Follow,
    },
    Statvfs {
        path: UserPath,
    },
    Readlink {
        path: UserPath,
        buf: UserBuf,
    },
    Link {
        old: UserPath,
        new: UserPath,
    },
    Rename {
        old: UserPath,
        new: UserPath,
    },
    Symlink {
        target: UserPath,
        path: UserPath,
    },
    Getcwd {
        buf: UserBuf,
    },
    Pipe {
        flags: u64,
    },
    Mmap {
        fd: u32,
        prot: u64,
        flags: u64,
        addr: u64,
        len: u64,
        offset: Offset,
    },
    Umask {
        mask: u32,
    },
    Sync,
    /// `fds`: the address of `nfds` [`poll::PollFd`]s (at most
    /// [`poll::POLL_MAX`]); `timeout_ms` negative waits for ever, 0 only
    /// looks.
    Poll {
        fds: u32,
        nfds: u32,
        timeout_ms: i32,
    },
    ProcFork {
        parent: Endpoint,
        child: Endpoint,
    },
    ProcExit {
        who: Endpoint,
    },
    /// `block`: the argument block's address in `who`'s memory (below
    /// 4 GiB); `len` at most `exec::BLOCK_MAX`.
    ProcExec {
        who: Endpoint,
        block: u32,
        len: u32,
    },
    ProcThread {
        leader: Endpoint,
        thread: Endpoint,
    },
    ProcCancel {
        who: Endpoint,
        thaw: bool,
    },
    GrantExercise {
        grant: i32,
        len: u64,
        delta: u8,
    },
    GrantBench {
        grant: i32,
        len: u64,
        rounds: u64,
    },
}

/// A descriptor word: not a descriptor at all is EBADF (POSIX's answer for
/// any bad descriptor), never a truncation.
fn fd_of(w: u64) -> Result<u32, Errno> {
    u32::try_from(w).map_err(|_| EBADF)
}

/// A mode word: permission bits only (`0o7777`).
fn perm_of(w: u64) -> Result<u32, Errno> {
    Ok(bits_of(w, 0o7777)? as u32)
}

impl Request {
    /// Decodes a request (see the module's table). Unknown call numbers
    /// are `ENOSYS`; too few words and words out of range are `EINVAL`,
    /// except the two answers named in the module docs.
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        use flags::*;
        let w = &r.words;
        let path = |i: usize| UserPath::decode(w[i], w[i + 1]);
        let buf = |i: usize| UserBuf::decode(w[i], w[i + 1]);
        Ok(match r.call {
            READ | WRITE | GETDENTS => {
                need_words(r, 3)?;
                let (fd, buf) = (fd_of(w[0])?, buf(1)?);
                match r.call {
                    READ => Request::Read { fd, buf },
                    WRITE => Request::Write { fd, buf },
                    _ => Request::Getdents { fd, buf },
                }
            }
            PREAD | PWRITE => {
                need_words(r, 4)?;
                let (fd, buf, offset) = (fd_of(w[0])?, buf(1)?, Offset::new(w[3])?);
                // Where the transfer would end must be a position too.
                offset.plus(buf.len)?;
                if r.call == PREAD {
                    Request::Pread { fd, buf, offset }
                } else {
                    Request::Pwrite { fd, buf, offset }
                }
            }
            READ_SMALL => {
                need_words(r, 2)?;
                Request::ReadSmall { fd: fd_of(w[0])?, len: at_most(w[1], SMALL_MAX)? }
            }
            WRITE_SMALL => {
                need_words(r, 1)?;
                let len = at_most(w[0] >> 32, SMALL_MAX)?;
                // The words the data needs must have been sent.
                need_words(r, 1 + len.div_ceil(8))?;
                // Registers past the sent ones hold stale values: zero.
                let sent = |i: u64| if i < len.div_ceil(8) { w[1 + i as usize] } else { 0 };
                Request::WriteSmall { fd: w[0] as u32, len, data: [sent(0), sent(1), sent(2)] }
            }
            LSEEK => {
                need_words(r, 3)?;
                Request::Lseek { fd: fd_of(w[0])?, offset: w[1] as i64, whence: at_most(w[2], SEEK_HOLE)? }
            }
            OPEN => {
                need_words(r, 4)?;
                let flags = bits_of(w[2], OPEN_MASK)?;
                if flags & O_ACCMODE == O_ACCMODE {
                    return Err(EINVAL);
                }
                // O_CREAT makes regular files only: with O_DIRECTORY it
                // would make a file and then refuse it (Linux: EINVAL).
                if flags & O_CREAT != 0 && flags & O_DIRECTORY != 0 {
                    return Err(EINVAL);
                }
                Request::Open { path: path(0)?, flags, mode: perm_of(w[3])? }
            }
            CLOSE | DUP | FCHDIR | FSYNC | AT_DIR => {
                need_words(r, 1)?;
                let fd = fd_of(w[0])?;
                match r.call {
                    CLOSE => Request::Close { fd },
                    DUP => Request::Dup { fd },
                    FCHDIR => Request::Fchdir { fd },
                    AT_DIR => Request::AtDir { fd },
                    _ => Request::Fsync { fd },
                }
            }
            DUP2 => {
                need_words(r, 2)?;
                Request::Dup2 { fd: fd_of(w[0])?, to: fd_of(w[1])? }
            }
            FCNTL => {
                need_words(r, 3)?;
                Request::Fcntl { fd: fd_of(w[0])?, cmd: at_most(w[1], F_SETFL)?, arg: w[2] }
            }
            FSTAT => {
                need_words(r, 2)?;
                Request::Fstat { fd: fd_of(w[0])?, buf: w[1] }
            }
            FTRUNCATE => {
                need_words(r, 2)?;
                Request::Ftruncate { fd: fd_of(w[0])?, size: Offset::new(w[1])? }
            }
            UNLINK | RMDIR | CHDIR | STATVFS => {
                need_words(r, 2)?;
                let path = path(0)?;
                match r.call {
                    UNLINK => Request::Unlink { path },
                    RMDIR => Request::Rmdir { path },
                    CHDIR => Request::Chdir { path },
                    _ => Request::Statvfs { path },
                }
            }
            MKDIR | CHMOD => {
                need_words(r, 3)?;
                let (path, mode) = (path(0)?, perm_of(w[2])?);
                if r.call == MKDIR {
                    Request::Mkdir { path, mode }
                } else {
                    Request::Chmod { path, mode }
                }
            }
            MKNOD => {
                need_words(r, 4)?;
                Request::Mknod { path: path(0)?, mode: bits_of(w[2], 0o177_777)? as u32, dev: u32_of(w[3])? }
            }
            FCHMOD => {
                need_words(r, 2)?;
                Request::Fchmod { fd: fd_of(w[0])?, mode: perm_of(w[1])? }
            }
            CHOWN | LCHOWN | UTIMES | LUTIMES => {
                need_words(r, 4)?;
                let (path, a, b) = (path(0)?, u32_of(w[2])?, u32_of(w[3])?);
                let follow = if r.call == CHOWN || r.call == UTIMES { Follow::Yes } else { Follow::No };
                if r.call == CHOWN || r.call == LCHOWN {
                    Request::Chown { path, uid: a, gid: b, follow }
                } else {
                    Request::Utimes { path, atime: a, mtime: b, follow }
                }
            }
            FCHOWN | FUTIMES => {
                need_words(r, 3)?;
                let (fd, a, b) = (fd_of(w[0])?, u32_of(w[1])?, u32_of(w[2])?);
                if r.call == FCHOWN {
                    Request::Fchown { fd, uid: a, gid: b }
                } else {
                    Request::Futimes { fd, atime: a, mtime: b }
                }
            }
            ACCESS => {
                need_words(r, 3)?;
                Request::Access { path: path(0)?, mode: bits_of(w[2], R_OK | W_OK | X_OK)? }
            }
            TRUNCATE => {
                need_words(r, 3)?;
                Request::Truncate { path: path(0)?, size: Offset::new(w[2])? }
            }
            STAT | LSTAT => {
                need_words(r, 3)?;
                Request::Stat { path: path(0)?, buf: w[2], follow: if r.call == STAT { Follow::Yes } else { Follow::No } }
            }
            READLINK => {
                need_words(r, 4)?;
                // POSIX's bufsiz is at least 1 (Linux: EINVAL for 0).
                let b = buf(2)?;
                if b.len == 0 {
                    return Err(EINVAL);
                }
                Request::Readlink { path: path(0)?, buf: b }
            }
            LINK | RENAME | SYMLINK => {
                need_words(r, 4)?;
                let (a, b) = (path(0)?, path(2)?);
                match r.call {
                    LINK => Request::Link { old: a, new: b },
                    RENAME => Request::Rename { old: a, new: b },
                    _ => Request::Symlink { target: a, path: b },
                }
            }
            GETCWD => {
                need_words(r, 2)?;
                // getcwd's size is a size_t, never negative: any is fine
                // (Linux answers ERANGE only when the path does not fit).
                Request::Getcwd { buf: UserBuf { addr: w[0], len: w[1] } }
            }
            MMAP => {
                need_words(r, 4)?;
                use crate::vm::{MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_MASK};
                let prot = bits_of((w[0] >> 32) & 0xff, PROT_MASK)?;
                let flags = bits_of(w[0] >> 40, MAP_SHARED | MAP_PRIVATE | MAP_FIXED | crate::vm::MAP_NO_AROUND)?;
                if (flags & MAP_SHARED != 0) == (flags & MAP_PRIVATE != 0) {
                    return Err(EINVAL);
                }
                Request::Mmap { fd: w[0] as u32, prot, flags, addr: w[1], len: w[2], offset: Offset::new(w[3])? }
            }
            PIPE => {
                need_words(r, 1)?;
                Request::Pipe { flags: bits_of(w[0], O_CLOEXEC | O_NONBLOCK)? }
            }
            UMASK => {
                need_words(r, 1)?;
                Request::Umask { mask: bits_of(w[0], 0o777)? as u32 }
            }
            SYNC => Request::Sync,
            POLL => {
                need_words(r, 3)?;
                // No user memory lies at or above 4 GiB: POSIX's answer
                // for an array that is not memory.
                let fds = u32::try_from(w[0]).map_err(|_| crate::errno::EFAULT)?;
                let nfds = at_most(w[1], poll::POLL_MAX as u64)? as u32;
                Request::Poll { fds, nfds, timeout_ms: crate::word::i32_sext_of(w[2])? }
            }
            PROC_FORK => {
                need_words(r, 2)?;
                Request::ProcFork { parent: endpoint_of(w[0])?, child: endpoint_of(w[1])? }
            }
            PROC_THREAD => {
                need_words(r, 2)?;
                Request::ProcThread { leader: endpoint_of(w[0])?, thread: endpoint_of(w[1])? }
            }
            PROC_CANCEL => {
                need_words(r, 2)?;
                let thaw = match w[1] {
                    0 => false,
                    1 => true,
                    _ => return Err(EINVAL),
                };
                Request::ProcCancel { who: endpoint_of(w[0])?, thaw }
            }
            PROC_EXEC => {
                need_words(r, 3)?;
                Request::ProcExec {
                    who: endpoint_of(w[0])?,
                    block: crate::word::u32_of(w[1])?,
                    len: at_most(w[2], crate::exec::BLOCK_MAX as u64)? as u32,
                }
            }
            PROC_EXIT => {
                need_words(r, 1)?;
                Request::ProcExit { who: endpoint_of(w[0])? }
            }
            GRANT_EXERCISE => {
                need_words(r, 3)?;
                Request::GrantExercise { grant: i32_of(w[0])?, len: at_most(w[1], EXERCISE_MAX)?, delta: u8_of(w[2])? }
            }
            GRANT_BENCH => {
                need_words(r, 3)?;
                Request::GrantBench { grant: i32_of(w[0])?, len: w[1], rounds: w[2] }
            }
            _ => return Err(ENOSYS),
        })
    }

    /// Call number, words and word count.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        let fd = |f: u32| f as u64;
        match *self {
            Request::Read { fd: f, buf } => (READ, [fd(f), buf.addr, buf.len, 0], 3),
            Request::Write { fd: f, buf } => (WRITE, [fd(f), buf.addr, buf.len, 0], 3),
            Request::Getdents { fd: f, buf } => (GETDENTS, [fd(f), buf.addr, buf.len, 0], 3),
            Request::Pread { fd: f, buf, offset } => (PREAD, [fd(f), buf.addr, buf.len, offset.get()], 4),
            Request::Pwrite { fd: f, buf, offset } => (PWRITE, [fd(f), buf.addr, buf.len, offset.get()], 4),
            Request::ReadSmall { fd: f, len } => (READ_SMALL, [fd(f), len, 0, 0], 2),
            Request::WriteSmall { fd: f, len, data } => (WRITE_SMALL, [fd(f) | len << 32, data[0], data[1], data[2]], 1 + len.div_ceil(8)),
            Request::Lseek { fd: f, offset, whence } => (LSEEK, [fd(f), offset as u64, whence, 0], 3),
            Request::Open { path, flags, mode } => (OPEN, [path.addr, path.len, flags, mode as u64], 4),
            Request::Close { fd: f } => (CLOSE, [fd(f), 0, 0, 0], 1),
            Request::Dup { fd: f } => (DUP, [fd(f), 0, 0, 0], 1),
            Request::Fchdir { fd: f } => (FCHDIR, [fd(f), 0, 0, 0], 1),
            Request::AtDir { fd: f } => (AT_DIR, [fd(f), 0, 0, 0], 1),
            Request::Fsync { fd: f } => (FSYNC, [fd(f), 0, 0, 0], 1),
            Request::Dup2 { fd: f, to } => (DUP2, [fd(f), fd(to), 0, 0], 2),
            Request::Fcntl { fd: f, cmd, arg } => (FCNTL, [fd(f), cmd, arg, 0], 3),
            Request::Fstat { fd: f, buf } => (FSTAT, [fd(f), buf, 0, 0], 2),
            Request::Ftruncate { fd: f, size } => (FTRUNCATE, [fd(f), size.get(), 0, 0], 2),
            Request::Unlink { path } => (UNLINK, [path.addr, path.len, 0, 0], 2),
            Request::Rmdir { path } => (RMDIR, [path.addr, path.len, 0, 0], 2),
            Request::Chdir { path } => (CHDIR, [path.addr, path.len, 0, 0], 2),
            Request::Statvfs { path } => (STATVFS, [path.addr, path.len, 0, 0], 2),
            Request::Mkdir { path, mode } => (MKDIR, [path.addr, path.len, mode as u64, 0], 3),
            Request::Chmod { path, mode } => (CHMOD, [path.addr, path.len, mode as u64, 0], 3),
            Request::Mknod { path, mode, dev } => (MKNOD, [path.addr, path.len, mode as u64, dev as u64], 4),
            Request::Fchmod { fd: f, mode } => (FCHMOD, [fd(f), mode as u64, 0, 0], 2),
            Request::Chown { path, uid, gid, follow } => {
                (if follow == Follow::Yes { CHOWN } else { LCHOWN }, [path.addr, path.len, uid as u64, gid as u64], 4)
            }
            Request::Fchown { fd: f, uid, gid } => (FCHOWN, [fd(f), uid as u64, gid as u64, 0], 3),
            Request::Utimes { path, atime, mtime, follow } => {
                (if follow == Follow::Yes { UTIMES } else { LUTIMES }, [path.addr, path.len, atime as u64, mtime as u64], 4)
            }
            Request::Futimes { fd: f, atime, mtime } => (FUTIMES, [fd(f), atime as u64, mtime as u64, 0], 3),
            Request::Access { path, mode } => (ACCESS, [path.addr, path.len, mode, 0], 3),
            Request::Truncate { path, size } => (TRUNCATE, [path.addr, path.len, size.get(), 0], 3),
            Request::Stat { path, buf, follow } => (if follow == Follow::Yes { STAT } else { LSTAT }, [path.addr, path.len, buf, 0], 3),
            Request::Readlink { path, buf } => (READLINK, [path.addr, path.len, buf.addr, buf.len], 4),
            Request::Link { old, new } => (LINK, [old.addr, old.len, new.addr, new.len], 4),
            Request::Rename { old, new } => (RENAME, [old.addr, old.len, new.addr, new.len], 4),
            Request::Symlink { target, path } => (SYMLINK, [target.addr, target.len, path.addr, path.len], 4),
            Request::Getcwd { buf } => (GETCWD, [buf.addr, buf.len, 0, 0], 2),
            Request::Pipe { flags } => (PIPE, [flags, 0, 0, 0], 1),
            Request::Mmap { fd: f, prot, flags, addr, len, offset } => {
                (MMAP, [fd(f) | prot << 32 | flags << 40, addr, len, offset.get()], 4)
            }
            Request::Umask { mask } => (UMASK, [mask as u64, 0, 0, 0], 1),
            Request::Sync => (SYNC, [0; 4], 0),
            Request::Poll { fds, nfds, timeout_ms } => (POLL, [fds as u64, nfds as u64, timeout_ms as i64 as u64, 0], 3),
            Request::ProcFork { parent, child } => (PROC_FORK, [parent.0 as u64, child.0 as u64, 0, 0], 2),
            Request::ProcExit { who } => (PROC_EXIT, [who.0 as u64, 0, 0, 0], 1),
            Request::ProcExec { who, block, len } => (PROC_EXEC, [who.0 as u64, block as u64, len as u64, 0], 3),
            Request::ProcCancel { who, thaw } => (PROC_CANCEL, [who.0 as u64, thaw as u64, 0, 0], 2),
            Request::ProcThread { leader, thread } => (PROC_THREAD, [leader.0 as u64, thread.0 as u64, 0, 0], 2),
            Request::GrantExercise { grant, len, delta } => (GRANT_EXERCISE, [grant as u32 as u64, len, delta as u64, 0], 3),
            Request::GrantBench { grant, len, rounds } => (GRANT_BENCH, [grant as u32 as u64, len, rounds, 0], 3),
        }
    }
}

/// Packs up to [`SMALL_MAX`] bytes into three words, little-endian.
pub fn pack_small(bytes: &[u8]) -> [u64; 3] {
    crate::word::pack_bytes(bytes)
}

/// Unpacks `out.len()` (at most [`SMALL_MAX`]) bytes from three words.
pub fn unpack_small(words: &[u64; 3], out: &mut [u8]) {
    crate::word::unpack_bytes(words, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::EINVAL;

    fn dec(call: u64, words: [u64; 4], len: u64) -> Result<Request, Errno> {
        Request::decode(&RawRequest { call, words, len })
    }

    #[test]
    fn owners_and_times_are_32_bit_words() {
        assert_eq!(dec(CHOWN, [0x1000, 5, 1 << 32, 0], 4), Err(EINVAL));
        assert_eq!(dec(LUTIMES, [0x1000, 5, 0, u64::MAX], 4), Err(EINVAL));
        assert_eq!(dec(CHOWN, [0x1000, 5, 0, 0], 3), Err(EINVAL), "too few words");
        assert_eq!(dec(FCHOWN, [1 << 32, 0, 0, 0], 3), Err(EBADF));
        assert_eq!(dec(FCHMOD, [3, 0o10000, 0, 0], 2), Err(EINVAL));
        assert_eq!(dec(UTIMES, [0x1000, PATH_MAX + 1, 0, 0], 4), Err(ENAMETOOLONG));
        assert_eq!(
            dec(LCHOWN, [0x1000, 5, KEEP_ID as u64, 9], 4),
            Ok(Request::Chown { path: UserPath { addr: 0x1000, len: 5 }, uid: KEEP_ID, gid: 9, follow: Follow::No })
        );
    }

    #[test]
    fn round_trip() {
        let p = UserPath { addr: 0x1000, len: 5 };
        let b = UserBuf { addr: 0x2000, len: 100 };
        let ep = Endpoint(0x1004);
        for r in [
            Request::Chown { path: p, uid: KEEP_ID, gid: 7, follow: Follow::Yes },
            Request::Chown { path: p, uid: 0, gid: KEEP_ID, follow: Follow::No },
            Request::Fchown { fd: 3, uid: 1, gid: 2 },
            Request::Utimes { path: p, atime: u32::MAX, mtime: 0, follow: Follow::Yes },
            Request::Utimes { path: p, atime: 5, mtime: 6, follow: Follow::No },
            Request::Futimes { fd: 0, atime: 1, mtime: 2 },
            Request::Fchmod { fd: 4, mode: 0o4755 },
            Request::Mknod { path: p, mode: 0o010644, dev: 0 },
            Request::Mknod { path: p, mode: 0o177_777, dev: u32::MAX },
            Request::GrantExercise { grant: -1, len: 10, delta: 3 },
            Request::GrantBench { grant: 5, len: 4096, rounds: 100 },
            Request::Read { fd: 3, buf: b },
            Request::Pwrite { fd: 3, buf: b, offset: Offset::new(1 << 40).unwrap() },
            Request::Pread { fd: 3, buf: b, offset: Offset::new(i64::MAX as u64 - 100).unwrap() },
            Request::Ftruncate { fd: 3, size: Offset::MAX },
            Request::ReadSmall { fd: 1, len: 24 },
            Request::WriteSmall { fd: 1, len: 9, data: [1, 2, 0] },
            Request::WriteSmall { fd: 1, len: 0, data: [0; 3] },
            Request::Lseek { fd: 0, offset: -5, whence: flags::SEEK_END },
            Request::Open { path: p, flags: flags::O_CREAT | flags::O_RDWR, mode: 0o644 },
            Request::Stat { path: p, buf: 0x3000, follow: Follow::No },
            Request::Rename { old: p, new: p },
            Request::Pipe { flags: flags::O_CLOEXEC },
            Request::ProcFork { parent: ep, child: Endpoint(0x2005) },
            Request::ProcExit { who: ep },
            Request::ProcExec { who: ep, block: 0x1000, len: crate::exec::BLOCK_MAX },
            Request::ProcCancel { who: ep, thaw: false },
            Request::ProcCancel { who: ep, thaw: true },
            Request::ProcThread { leader: ep, thread: Endpoint(0x1_2345) },
            Request::Sync,
            Request::AtDir { fd: 7 },
            Request::Poll { fds: 0x7fff_f000, nfds: 2, timeout_ms: -1 },
            Request::Poll { fds: u32::MAX, nfds: poll::POLL_MAX as u32, timeout_ms: i32::MAX },
            Request::Poll { fds: 0, nfds: 0, timeout_ms: i32::MIN },
        ] {
            let (call, words, len) = r.encode();
            assert_eq!(dec(call, words, len), Ok(r), "{r:?}");
        }
    }

    #[test]
    fn words_checked_and_labels_full() {
        let d = |call, words| dec(call, words, 3);
        // A grant word with high bits was once cut to its low 32.
        assert_eq!(d(GRANT_EXERCISE, [1 << 32 | 3, 10, 1, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_EXERCISE, [u64::MAX, 10, 1, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_EXERCISE, [0xffff_ffff, 10, 1, 0]), Ok(Request::GrantExercise { grant: -1, len: 10, delta: 1 }));
        assert_eq!(d(GRANT_EXERCISE, [3, 10, 0x101, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_EXERCISE, [3, EXERCISE_MAX + 1, 1, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_BENCH, [1 << 32, 10, 1, 0]), Err(EINVAL));
        for call in CALLS {
            assert_eq!(d(call | 1 << 20, [3, 10, 1, 0]), Err(ENOSYS));
            assert_eq!(d(call | 1 << 40, [3, 10, 1, 0]), Err(ENOSYS));
        }
        assert_eq!(dec(BASE, [0; 4], 0), Err(ENOSYS));
    }

    #[test]
    fn posix_answers_and_ranges() {
        assert_eq!(dec(READ, [1 << 32, 0, 0, 0], 3), Err(EBADF));
        assert_eq!(dec(OPEN, [0, PATH_MAX + 1, 0, 0], 4), Err(ENAMETOOLONG));
        assert_eq!(dec(OPEN, [0, 1, 3, 0], 4), Err(EINVAL));
        assert_eq!(dec(OPEN, [0, 1, 1 << 40, 0], 4), Err(EINVAL));
        assert_eq!(dec(OPEN, [0, 1, flags::O_CREAT | flags::O_DIRECTORY, 0], 4), Err(EINVAL));
        assert_eq!(dec(OPEN, [0, 1, 0, 0o10000], 4), Err(EINVAL));
        assert_eq!(dec(READ_SMALL, [1, 25, 0, 0], 2), Err(EINVAL));
        // A small write must send the words its length needs.
        assert_eq!(dec(WRITE_SMALL, [1 | 17 << 32, 0, 0, 0], 3), Err(EINVAL));
        assert_eq!(dec(WRITE_SMALL, [1 | 25 << 32, 0, 0, 0], 4), Err(EINVAL));
        assert_eq!(dec(LSEEK, [1, 0, 5, 0], 3), Err(EINVAL));
        assert_eq!(dec(FCNTL, [1, 9, 0, 0], 3), Err(EINVAL));
        assert_eq!(dec(PROC_EXIT, [0, 0, 0, 0], 1), Err(EINVAL));
        assert_eq!(dec(ACCESS, [0, 1, 8, 0], 3), Err(EINVAL));
    }

    #[test]
    fn poll_words() {
        use crate::errno::EFAULT;
        // The array below 4 GiB (EFAULT: no memory there), entries
        // bounded, the timeout an i32 written sign-extended.
        assert_eq!(dec(POLL, [1 << 32, 1, 0, 0], 3), Err(EFAULT));
        assert_eq!(dec(POLL, [0x1000, poll::POLL_MAX as u64 + 1, 0, 0], 3), Err(EINVAL));
        assert_eq!(dec(POLL, [0x1000, 1, 0xffff_ffff, 0], 3), Err(EINVAL));
        assert_eq!(dec(POLL, [0x1000, 1, 1 << 31, 0], 3), Err(EINVAL));
        assert_eq!(dec(POLL, [0x1000, 1, 0, 0], 2), Err(EINVAL));
        assert_eq!(dec(POLL, [0x1000, 1, u64::MAX, 0], 3), Ok(Request::Poll { fds: 0x1000, nfds: 1, timeout_ms: -1 }));
        let (_, w, _) = Request::Poll { fds: 0xffff_fff8, nfds: 64, timeout_ms: 100 }.encode();
        assert!(w.iter().all(|&x| x <= u32::MAX as u64));
    }

    #[test]
    fn pollfd_bytes() {
        use poll::*;
        let e = PollFd { fd: -1, events: POLLIN | POLLOUT, revents: POLLHUP };
        assert_eq!(e.encode(), [0xff, 0xff, 0xff, 0xff, 5, 0, 0x10, 0]);
        assert_eq!(PollFd::decode(&e.encode()), e);
        assert_eq!(core::mem::size_of::<PollFd>(), ENTRY);
    }

    /// Every offset, size and length a user passes is checked against
    /// negative values and overflow here, once.
    #[test]
    fn negative_offsets_and_counts_are_einval() {
        let neg = [-1i64 as u64, -2i64 as u64, i64::MIN as u64, (1 << 63) + 4096];
        for n in neg {
            assert_eq!(dec(PWRITE, [3, 0x1000, 1, n], 4), Err(EINVAL), "pwrite at {n:#x}");
            assert_eq!(dec(PREAD, [3, 0x1000, 1, n], 4), Err(EINVAL), "pread at {n:#x}");
            for call in [READ, WRITE, GETDENTS] {
                assert_eq!(dec(call, [3, 0x1000, n, 0], 3), Err(EINVAL), "count {n:#x}");
            }
            assert_eq!(dec(PREAD, [3, 0x1000, n, 0], 4), Err(EINVAL));
            assert_eq!(dec(FTRUNCATE, [3, n, 0, 0], 2), Err(EINVAL));
            assert_eq!(dec(TRUNCATE, [0x1000, 1, n, 0], 3), Err(EINVAL));
            assert_eq!(dec(READLINK, [0x1000, 1, 0x2000, n], 4), Err(EINVAL));
            let map = 3 | crate::vm::PROT_READ << 32 | crate::vm::MAP_PRIVATE << 40;
            assert_eq!(dec(MMAP, [map, 0, 4096, n & !4095], 4), Err(EINVAL));
        }
        // Offset plus length past i64::MAX.
        let max = i64::MAX as u64;
        assert_eq!(dec(PWRITE, [3, 0x1000, 2, max - 1], 4), Err(EINVAL));
        assert!(dec(PWRITE, [3, 0x1000, 1, max - 1], 4).is_ok());
        assert_eq!(dec(PREAD, [3, 0x1000, max, 1], 4), Err(EINVAL));
        assert!(dec(PREAD, [3, 0x1000, max, 0], 4).is_ok());
        // A readlink buffer of 0 bytes; the largest lengths still decode.
        assert_eq!(dec(READLINK, [0x1000, 1, 0x2000, 0], 4), Err(EINVAL));
        assert!(dec(READ, [3, 0x1000, max, 0], 3).is_ok());
        assert!(dec(FTRUNCATE, [3, max, 0, 0], 2).is_ok());
        assert_eq!(dec(GETCWD, [0x1000, u64::MAX, 0, 0], 2), Ok(Request::Getcwd { buf: UserBuf { addr: 0x1000, len: u64::MAX } }));
    }

    #[test]
    fn small_packing() {
        let data: [u8; 24] = core::array::from_fn(|i| i as u8 + 1);
        let w = pack_small(&data);
        let mut out = [0u8; 24];
        unpack_small(&w, &mut out);
        assert_eq!(out, data);
        assert_eq!(pack_small(&[0xab]), [0xab, 0, 0]);
    }
}
