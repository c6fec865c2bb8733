// SPDX-License-Identifier: BSD-2-Clause
//! The POSIX file calls, each one request to VFS ([`minix_abi::vfs`], whose
//! module docs table every call's words), plus [`File`], an owned
//! descriptor that is an `embedded_io` reader, writer and seeker.
//!
//! Paths are byte strings without a NUL. A buffer goes to VFS as its
//! address and length; VFS reaches it through grants of its own and
//! checks both, so a call can only fail on a bad buffer, never corrupt
//! anything else. Reads and writes of at most [`SMALL_MAX`] bytes travel
//! in the message words instead (`READ_SMALL`, `WRITE_SMALL`), which saves
//! VFS a copy; `pread` and `pwrite` always pass the address.
//!
//! Offsets and sizes are `u64` here, as the callers hold them; one above
//! `i64::MAX` would be a negative `off_t`, which the protocol's
//! [`Offset`] cannot carry: such a call answers `EINVAL` (VFS's answer
//! for the same word) without a message.
//!
//! Every call answers `Result<_, Errno>`. A reply that cannot be what the
//! protocol says (more bytes than were asked for, a descriptor that is no
//! `u32`) is `EIO`: the runtime never trusts a count it would then index
//! with.
use minix_abi::errno::{Errno, EACCES, EEXIST, EINTR, EINVAL, EIO, ENOENT, ENOMEM, ENOSPC, ENOSYS, EPERM, EPIPE, ESPIPE};
use minix_abi::fs::{decode_dirent, Stat, StatVfs, STAT_SIZE};
use minix_abi::message::Reply;
use minix_abi::offset::Offset;
use minix_abi::vfs::flags::{O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET};
use minix_abi::vfs::{pack_small, unpack_small, Request, UserBuf, UserPath, SMALL_MAX};

pub use minix_abi::vfs::flags;
pub use minix_abi::vfs::{Follow, KEEP_ID};

mod poll;
pub use poll::{
    poll, select, FdSet, PollFd, Sets, Timeval, FD_SETSIZE, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM,
    POLL_MAX,
};

/// A file descriptor: a small index into this process's table in VFS.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct Fd(pub u32);

impl Fd {
    pub const STDIN: Fd = Fd(0);
    pub const STDOUT: Fd = Fd(1);
    pub const STDERR: Fd = Fd(2);
}

/// Sends one request to VFS and waits for its reply.
#[cfg(not(test))]
fn call(req: Request) -> Reply {
    let (c, w, l) = req.encode();
    crate::ipc::sendrec(minix_abi::cspace::VFS_EP, c, w, l)
}

/// The host tests' VFS: records the request, answers what the test queued.
#[cfg(test)]
fn call(req: Request) -> Reply {
    tests::mock_call(req)
}

fn status(req: Request) -> Result<u64, Errno> {
    call(req).result()
}

fn unit(req: Request) -> Result<(), Errno> {
    status(req).map(|_| ())
}

/// Maps `len` bytes of the file open on `fd`, from `offset` (page
/// aligned), with `prot` (`PROT_*`) and `flags` (`MAP_SHARED` or
/// `MAP_PRIVATE`, optionally `MAP_FIXED` with `addr`). Returns the address.
/// A shared writable mapping is refused with `ENODEV`, a descriptor not
/// open for reading with `EACCES`.
pub fn mmap(fd: Fd, addr: u64, len: u64, prot: u64, flags: u64, offset: u64) -> Result<u64, Errno> {
    status(Request::Mmap { fd: fd.0, prot, flags, addr, len, offset: Offset::new(offset)? })
}

/// A descriptor in a reply word.
fn fd_of(w: u64) -> Result<Fd, Errno> {
    u32::try_from(w).map(Fd).map_err(|_| EIO)
}

/// A byte count in a reply, which may not exceed what was asked for.
fn count_of(w: u64, asked: usize) -> Result<usize, Errno> {
    if w > asked as u64 {
        Err(EIO)
    } else {
        Ok(w as usize)
    }
}

fn user_path(p: &[u8]) -> UserPath {
    UserPath { addr: p.as_ptr() as u64, len: p.len() as u64 }
}

/// A buffer VFS reads from.
fn source(b: &[u8]) -> UserBuf {
    UserBuf { addr: b.as_ptr() as u64, len: b.len() as u64 }
}

/// A buffer VFS writes into (during the call, while `b` is borrowed here).
fn sink(b: &mut [u8]) -> UserBuf {
    UserBuf { addr: b.as_mut_ptr() as u64, len: b.len() as u64 }
}

fn is_small(len: usize) -> bool {
    len as u64 <= SMALL_MAX
}

/// Opens (or with `O_CREAT` creates, with permission bits `mode`) the file
/// at `path`. `flags` are [`flags`]' `O_*` values.
pub fn open(path: &[u8], flags: u64, mode: u32) -> Result<Fd, Errno> {
    fd_of(status(Request::Open { path: user_path(path), flags, mode })?)
}

/// `open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)`.
pub fn creat(path: &[u8], mode: u32) -> Result<Fd, Errno> {
    open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
}

pub fn close(fd: Fd) -> Result<(), Errno> {
    unit(Request::Close { fd: fd.0 })
}

/// Reads up to `buf.len()` bytes at the descriptor's offset; 0 at the end.
pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    if is_small(buf.len()) {
        let r = call(Request::ReadSmall { fd: fd.0, len: buf.len() as u64 });
        let n = count_of(r.result()?, buf.len())?;
        unpack_small(&r.vals, &mut buf[..n]);
        Ok(n)
    } else {
        let asked = buf.len();
        count_of(status(Request::Read { fd: fd.0, buf: sink(buf) })?, asked)
    }
}

/// Writes up to `buf.len()` bytes; answers how many were written. A
/// write to a pipe nobody reads raises SIGPIPE on the writer first (which
/// ends it, unless it ignores or catches the signal), then answers
/// `EPIPE`: VFS never calls PM, so the runtime sends the signal.
pub fn write(fd: Fd, buf: &[u8]) -> Result<usize, Errno> {
    let req = if is_small(buf.len()) {
        Request::WriteSmall { fd: fd.0, len: buf.len() as u64, data: pack_small(buf) }
    } else {
        Request::Write { fd: fd.0, buf: source(buf) }
    };
    match status(req) {
        Err(e) if e == minix_abi::errno::EPIPE => {
            let _ = crate::signal::kill(crate::posix::getpid() as i32, 13);
            Err(e)
        }
        r => count_of(r?, buf.len()),
    }
}

/// Reads at `offset`, leaving the descriptor's offset alone.
pub fn pread(fd: Fd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
    let asked = buf.len();
    let offset = Offset::new(offset)?;
    count_of(status(Request::Pread { fd: fd.0, buf: sink(buf), offset })?, asked)
}

/// Writes at `offset`, leaving the descriptor's offset alone.
pub fn pwrite(fd: Fd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
    let offset = Offset::new(offset)?;
    count_of(status(Request::Pwrite { fd: fd.0, buf: source(buf), offset })?, buf.len())
}

/// Moves the offset (`whence`: `SEEK_SET`, `SEEK_CUR` or `SEEK_END`);
/// answers the new one.
pub fn lseek(fd: Fd, offset: i64, whence: u64) -> Result<u64, Errno> {
    status(Request::Lseek { fd: fd.0, offset, whence })
}

/// A stat call: VFS fills a [`STAT_SIZE`]-byte buffer here.
fn stat_call(req: impl FnOnce(u64) -> Request) -> Result<Stat, Errno> {
    let mut buf = [0u8; STAT_SIZE];
    unit(req(buf.as_mut_ptr() as u64))?;
    Ok(Stat::decode(&buf))
}

/// The file at `path`, following a final symbolic link.
pub fn stat(path: &[u8]) -> Result<Stat, Errno> {
    stat_call(|buf| Request::Stat { path: user_path(path), buf, follow: Follow::Yes })
}

/// The file at `path`; a final symbolic link is described itself.
pub fn lstat(path: &[u8]) -> Result<Stat, Errno> {
    stat_call(|buf| Request::Stat { path: user_path(path), buf, follow: Follow::No })
}

pub fn fstat(fd: Fd) -> Result<Stat, Errno> {
    stat_call(|buf| Request::Fstat { fd: fd.0, buf })
}

/// Reads directory entries into `buf` as [`minix_abi::fs::Dirent`]
/// records (walk them with [`Dirents`]); 0 at the end of the directory.
pub fn getdents(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    let asked = buf.len();
    count_of(status(Request::Getdents { fd: fd.0, buf: sink(buf) })?, asked)
}

/// The records in a [`getdents`] buffer: (inode, name) each. It stops at
/// the end of the buffer or at the first record that is malformed (too
/// short for its name, or running past the buffer), never panicking.
#[derive(Clone, Debug)]
pub struct Dirents<'a> {
    rest: &'a [u8],
}

impl<'a> Dirents<'a> {
    /// The records in `buf`: pass only the bytes [`getdents`] filled.
    pub fn new(buf: &'a [u8]) -> Dirents<'a> {
        Dirents { rest: buf }
    }
}

impl<'a> Iterator for Dirents<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<(u64, &'a [u8])> {
        // A record is at least a header and a NUL long, so every step
        // moves on; a malformed one ends the walk for good.
        let Some(d) = decode_dirent(self.rest) else {
            self.rest = &[];
            return None;
        };
        self.rest = self.rest.get(d.reclen..).unwrap_or(&[]);
        Some((d.ino, d.name))
    }
}

impl core::iter::FusedIterator for Dirents<'_> {}

/// `AT_DIR`: the next call that names a path resolves a relative one
/// from the directory open on `fd` (the `*at` calls), once.
pub fn at_dir(fd: Fd) -> Result<(), Errno> {
    unit(Request::AtDir { fd: fd.0 })
}

pub fn mkdir(path: &[u8], mode: u32) -> Result<(), Errno> {
    unit(Request::Mkdir { path: user_path(path), mode })
}

/// mknod: `mode` with its type bits (a FIFO, a socket, a device node, a
/// regular file); `dev` a device's number (`major << 8 | minor`).
pub fn mknod(path: &[u8], mode: u32, dev: u32) -> Result<(), Errno> {
    unit(Request::Mknod { path: user_path(path), mode, dev })
}

pub fn rmdir(path: &[u8]) -> Result<(), Errno> {
    unit(Request::Rmdir { path: user_path(path) })
}

pub fn unlink(path: &[u8]) -> Result<(), Errno> {
    unit(Request::Unlink { path: user_path(path) })
}

pub fn rename(old: &[u8], new: &[u8]) -> Result<(), Errno> {
    unit(Request::Rename { old: user_path(old), new: user_path(new) })
}

/// Makes `new` another name of the file at `old`.
pub fn link(old: &[u8], new: &[u8]) -> Result<(), Errno> {
    unit(Request::Link { old: user_path(old), new: user_path(new) })
}

/// Makes `path` a symbolic link whose contents are `target`.
pub fn symlink(target: &[u8], path: &[u8]) -> Result<(), Errno> {
    unit(Request::Symlink { target: user_path(target), path: user_path(path) })
}

/// Copies the target of the symbolic link at `path` into `buf` (cut to
/// its length, no NUL added); answers the bytes copied.
pub fn readlink(path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
    let asked = buf.len();
    count_of(status(Request::Readlink { path: user_path(path), buf: sink(buf) })?, asked)
}

pub fn truncate(path: &[u8], size: u64) -> Result<(), Errno> {
    unit(Request::Truncate { path: user_path(path), size: Offset::new(size)? })
}

pub fn ftruncate(fd: Fd, size: u64) -> Result<(), Errno> {
    unit(Request::Ftruncate { fd: fd.0, size: Offset::new(size)? })
}

pub fn chdir(path: &[u8]) -> Result<(), Errno> {
    unit(Request::Chdir { path: user_path(path) })
}

pub fn fchdir(fd: Fd) -> Result<(), Errno> {
    unit(Request::Fchdir { fd: fd.0 })
}

/// Copies the working directory's path into `buf`; answers its length
/// (no NUL).
pub fn getcwd(buf: &mut [u8]) -> Result<usize, Errno> {
    let asked = buf.len();
    count_of(status(Request::Getcwd { buf: sink(buf) })?, asked)
}

/// A new descriptor (the lowest free) for the same open file.
pub fn dup(fd: Fd) -> Result<Fd, Errno> {
    fd_of(status(Request::Dup { fd: fd.0 })?)
}

/// Makes `to` a descriptor for `fd`'s open file, closing `to` first if it
/// was open; answers `to`.
pub fn dup2(fd: Fd, to: Fd) -> Result<Fd, Errno> {
    fd_of(status(Request::Dup2 { fd: fd.0, to: to.0 })?)
}

/// `F_DUPFD`, `F_GETFD`, `F_SETFD`, `F_GETFL` or `F_SETFL`; the answer
/// is per command.
pub fn fcntl(fd: Fd, cmd: u64, arg: u64) -> Result<u64, Errno> {
    status(Request::Fcntl { fd: fd.0, cmd, arg })
}

/// Whether this process may reach `path` as `mode` asks (`F_OK`, or any
/// of `R_OK`, `W_OK`, `X_OK`): `Ok` or the errno saying why not.
pub fn access(path: &[u8], mode: u64) -> Result<(), Errno> {
    unit(Request::Access { path: user_path(path), mode })
}

pub fn chmod(path: &[u8], mode: u32) -> Result<(), Errno> {
    unit(Request::Chmod { path: user_path(path), mode })
}

pub fn fchmod(fd: Fd, mode: u32) -> Result<(), Errno> {
    unit(Request::Fchmod { fd: fd.0, mode })
}

/// Sets the owner and group of `path` (`follow`: of what a final symbolic
/// link names, else of the link); `vfs::KEEP_ID` leaves one as it is.
pub fn chown(path: &[u8], uid: u32, gid: u32, follow: Follow) -> Result<(), Errno> {
    unit(Request::Chown { path: user_path(path), uid, gid, follow })
}

pub fn fchown(fd: Fd, uid: u32, gid: u32) -> Result<(), Errno> {
    unit(Request::Fchown { fd: fd.0, uid, gid })
}

/// Sets the access and modification times of `path`, in seconds since
/// the epoch (`follow` as for [`chown`]).
pub fn utimes(path: &[u8], atime: u32, mtime: u32, follow: Follow) -> Result<(), Errno> {
    unit(Request::Utimes { path: user_path(path), atime, mtime, follow })
}

pub fn futimes(fd: Fd, atime: u32, mtime: u32) -> Result<(), Errno> {
    unit(Request::Futimes { fd: fd.0, atime, mtime })
}

/// Sets the creation mask; answers the old one.
pub fn umask(mask: u32) -> Result<u32, Errno> {
    u32::try_from(status(Request::Umask { mask })?).map_err(|_| EIO)
}

/// The totals of the file system holding `path`.
pub fn statvfs(path: &[u8]) -> Result<StatVfs, Errno> {
    StatVfs::from_reply(&call(Request::Statvfs { path: user_path(path) }))
}

/// Writes every changed block to the device.
pub fn sync() -> Result<(), Errno> {
    unit(Request::Sync)
}

pub fn fsync(fd: Fd) -> Result<(), Errno> {
    unit(Request::Fsync { fd: fd.0 })
}

/// A pipe: (read end, write end). `flags`: `O_CLOEXEC`, `O_NONBLOCK`.
pub fn pipe(flags: u64) -> Result<(Fd, Fd), Errno> {
    let r = call(Request::Pipe { flags });
    Ok((fd_of(r.result()?)?, fd_of(r.vals[0])?))
}

/// An [`Errno`] as an `embedded_io` error.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct Error(pub Errno);

impl From<Errno> for Error {
    fn from(e: Errno) -> Error {
        Error(e)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.0.name(), self.0 .0)
    }
}

impl core::error::Error for Error {}

impl embedded_io::Error for Error {
    fn kind(&self) -> embedded_io::ErrorKind {
        kind_of(self.0)
    }
}

/// The `embedded_io` kind of an errno. `ENOSPC` is `WriteZero`: a write
/// answers it only when it could write nothing at all, which is what that
/// kind says (embedded-io has no "storage full"; `OutOfMemory` is for
/// memory, which `ENOMEM` reports). `ESPIPE` (seeking a pipe) and `ENOSYS`
/// are `Unsupported`.
pub fn kind_of(e: Errno) -> embedded_io::ErrorKind {
    use embedded_io::ErrorKind as K;
    match e {
        ENOENT => K::NotFound,
        EACCES | EPERM => K::PermissionDenied,
        EEXIST => K::AlreadyExists,
        EINVAL => K::InvalidInput,
        EPIPE => K::BrokenPipe,
        ENOSPC => K::WriteZero,
        ENOMEM => K::OutOfMemory,
        EINTR => K::Interrupted,
        ESPIPE | ENOSYS => K::Unsupported,
        _ => K::Other,
    }
}

/// An open descriptor this value owns: closed when it is dropped (a close
/// error is then lost; [`File::close`] reports it).
#[derive(Debug)]
pub struct File {
    fd: Fd,
}

impl File {
    /// Opens `path` for reading.
    pub fn open(path: &[u8]) -> Result<File, Errno> {
        File::open_with(path, O_RDONLY, 0)
    }

    /// Creates `path` for writing (mode `0o666` less the umask), or
    /// truncates it if it exists.
    pub fn create(path: &[u8]) -> Result<File, Errno> {
        creat(path, 0o666).map(File::from_fd)
    }

    /// [`open`] with any flags and mode.
    pub fn open_with(path: &[u8], flags: u64, mode: u32) -> Result<File, Errno> {
        open(path, flags, mode).map(File::from_fd)
    }

    /// Takes ownership of `fd`: it is closed with the value.
    pub fn from_fd(fd: Fd) -> File {
        File { fd }
    }

    pub fn fd(&self) -> Fd {
        self.fd
    }

    /// Gives the descriptor back without closing it.
    pub fn into_fd(self) -> Fd {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }

    /// Closes now, reporting what VFS answers.
    pub fn close(self) -> Result<(), Errno> {
        close(self.into_fd())
    }

    pub fn metadata(&self) -> Result<Stat, Errno> {
        fstat(self.fd)
    }

    /// Truncates or extends the file to `size` bytes.
    pub fn set_len(&self, size: u64) -> Result<(), Errno> {
        ftruncate(self.fd, size)
    }

    /// Writes the file's changed blocks to the device.
    pub fn sync_all(&self) -> Result<(), Errno> {
        fsync(self.fd)
    }

    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        pread(self.fd, buf, offset)
    }

    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        pwrite(self.fd, buf, offset)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let _ = close(self.fd);
    }
}

impl embedded_io::ErrorType for File {
    type Error = Error;
}

impl embedded_io::Read for File {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        Ok(read(self.fd, buf)?)
    }
}

impl embedded_io::Write for File {
    /// A write of nothing for a non-empty buffer would make `write_all`
    /// loop or panic; VFS answers `ENOSPC` rather than that, and a 0 that
    /// comes anyway is reported as `ENOSPC` too (kind `WriteZero`).
    fn write(&mut self, buf: &[u8]) -> Result<usize, Error> {
        match write(self.fd, buf)? {
            0 if !buf.is_empty() => Err(Error(ENOSPC)),
            n => Ok(n),
        }
    }

    /// Nothing is buffered here: every write has reached VFS. (Reaching
    /// the device is [`File::sync_all`].)
    fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl embedded_io::Seek for File {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> Result<u64, Error> {
        use embedded_io::SeekFrom;
        let (offset, whence) = match pos {
            SeekFrom::Start(n) => (i64::try_from(n).map_err(|_| EINVAL)?, SEEK_SET),
            SeekFrom::Current(n) => (n, SEEK_CUR),
            SeekFrom::End(n) => (n, SEEK_END),
        };
        Ok(lseek(self.fd, offset, whence)?)
    }
}

#[cfg(test)]
mod tests;
