// SPDX-License-Identifier: BSD-2-Clause
//! Calls on descriptors: read, write and their positioned and small
//! forms, lseek, getdents, fstat, ftruncate, fsync, fcntl, fchdir, pipe.
//!
//! A call pins its filp (one more reference) under the state lock and
//! works unlocked, so a concurrent close (PM's exit notice for a killed
//! process) never frees what a worker is using. File I/O holds the
//! vnode's I/O lock from reading the offset to storing the new one.
//!
//! Positions are [`Offset`]s (never negative; the decoder refused a
//! negative offset, size or count with `EINVAL`). A transfer from the
//! descriptor's offset that would end past `i64::MAX` is `EINVAL`, as
//! Linux answers; an append's end is the file system's to refuse (`EFBIG`).

use crate::env::{copy_out, fs_on_user, Env, NameSlot, WriteSrc};
use crate::tables::{Filp, Object, OPEN_MAX};
use crate::{Outcome, Vfs};
use lock_api::RawMutex;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EACCES, EBADF, EINVAL, EIO, EISDIR, ENODEV, ENOTDIR, ESPIPE};
use minix_abi::fs::{self, Io, IO_MAX};
use minix_abi::message::Reply;
use minix_abi::offset::{Offset, WritePos};
use minix_abi::vfs::flags::*;
use minix_abi::vfs::mode::{S_IFDIR, S_IFIFO, S_IFMT, S_IFREG};
use minix_abi::vfs::{pack_small, unpack_small, UserBuf, SMALL_MAX, STAT_SIZE};

/// Where a read's bytes go.
#[derive(Copy, Clone, Debug)]
pub enum Buf {
    User(UserBuf),
    /// Into the reply's words (at most [`SMALL_MAX`] bytes).
    Small(usize),
}

/// Where a write's bytes come from.
#[derive(Copy, Clone, Debug)]
pub enum Src {
    User(UserBuf),
    /// From the request's words.
    Small(usize, [u64; 3]),
}

impl Buf {
    fn len(&self) -> u64 {
        match *self {
            Buf::User(b) => b.len,
            Buf::Small(n) => n as u64,
        }
    }
}

impl Src {
    fn len(&self) -> u64 {
        match *self {
            Src::User(b) => b.len,
            Src::Small(n, _) => n as u64,
        }
    }
}

pub(crate) fn is_dir(mode: u16) -> bool {
    mode as u32 & S_IFMT == S_IFDIR
}

/// The file's size, from a STAT into the worker's scratch buffer.
pub(crate) fn file_stat(env: &mut impl Env, ino: u32) -> Result<fs::Stat, Errno> {
    let grant = env.scratch_grant()?;
    env.fs(fs::Request::Stat { ino, grant }).result()?;
    let bytes: &[u8; fs::STAT_SIZE] = env.scratch(fs::STAT_SIZE).try_into().map_err(|_| EIO)?;
    Ok(fs::Stat::decode(bytes))
}

impl<R: RawMutex> Vfs<R> {
    /// Runs `f` on `who`'s descriptor `fd` with its filp pinned.
    fn with_filp<E: Env, T>(
        &self,
        env: &mut E,
        who: Endpoint,
        fd: u32,
        f: impl FnOnce(&mut E, usize, &Filp) -> Result<T, Errno>,
    ) -> Result<T, Errno> {
        let (id, filp) = self.locked(env, |s, _| s.pin(who, fd))?;
        let out = f(env, id, &filp);
        self.locked(env, |s, a| s.unpin(id, a));
        out
    }

    /// The descriptor's offset, where a transfer of `len` bytes starts:
    /// `EINVAL` when it would end past `i64::MAX`.
    fn start_at_offset(&self, id: usize, len: u64) -> Result<Offset, Errno> {
        let pos = self.state.lock().filp(id).pos;
        pos.plus(len)?;
        Ok(pos)
    }

    pub(crate) fn read(&self, env: &mut impl Env, who: Endpoint, fd: u32, buf: Buf, at: Option<Offset>) -> Outcome {
        let out = self.with_filp(env, who, fd, |env, id, filp| {
            Ok(match filp.obj {
                _ if !filp.readable() => Reply::err(EBADF).into(),
                Object::File { mode, .. } if is_dir(mode) => Reply::err(EISDIR).into(),
                Object::File { ino, .. } => self.file_read(env, who, id, ino, buf, at),
                Object::PipeRead(n) if at.is_none() => self.pipe_read(env, who, n, filp.flags, buf),
                Object::PipeRead(_) => Reply::err(ESPIPE).into(),
                Object::PipeWrite(_) => Reply::err(EBADF).into(),
                Object::Fifo { pipe, .. } if at.is_none() => self.pipe_read(env, who, pipe, filp.flags, buf),
                Object::Fifo { .. } => Reply::err(ESPIPE).into(),
                Object::Device { dev, .. } => match device_read(env, who, dev, buf) {
                    Ok(r) => r.into(),
                    Err(e) => Reply::err(e).into(),
                },
            })
        });
        out.unwrap_or_else(|e| Reply::err(e).into())
    }

    fn file_read(&self, env: &mut impl Env, who: Endpoint, id: usize, ino: u32, buf: Buf, at: Option<Offset>) -> Outcome {
        let _io = self.stripe(ino as usize);
        let start = match at {
            Some(o) => o,
            None => match self.start_at_offset(id, buf.len()) {
                Ok(o) => o,
                Err(e) => return Reply::err(e).into(),
            },
        };
        let (reply, end) = match buf {
            Buf::Small(len) => match small_read(env, ino, start, len) {
                Ok((reply, end)) => (reply, end),
                Err(e) => return Reply::err(e).into(),
            },
            Buf::User(b) => match chunked(b.len, start, |done, pos, n| {
                fs_on_user(env, who, b.addr.wrapping_add(done), n, true, |grant| fs::Request::Read { ino, grant, pos, bytes: n })
            }) {
                Ok((done, end)) => (Reply::ok(done), end),
                Err(e) => return Reply::err(e).into(),
            },
        };
        if at.is_none() {
            self.state.lock().filp(id).pos = end;
        }
        reply.into()
    }

    pub(crate) fn write(&self, env: &mut impl Env, who: Endpoint, fd: u32, src: Src, at: Option<Offset>) -> Outcome {
        let out = self.with_filp(env, who, fd, |env, id, filp| {
            Ok(match filp.obj {
                _ if !filp.writable() => Reply::err(EBADF).into(),
                Object::File { ino, .. } => self.file_write(env, who, id, ino, filp.flags, src, at),
                Object::PipeWrite(n) if at.is_none() => self.pipe_write(env, who, n, filp.flags, src),
                Object::PipeWrite(_) => Reply::err(ESPIPE).into(),
                Object::PipeRead(_) => Reply::err(EBADF).into(),
                Object::Fifo { pipe, .. } if at.is_none() => self.pipe_write(env, who, pipe, filp.flags, src),
                Object::Fifo { .. } => Reply::err(ESPIPE).into(),
                Object::Device { dev, .. } => {
                    let len = match src {
                        Src::User(b) => b.len,
                        Src::Small(n, _) => n as u64,
                    };
                    match dev.write(len) {
                        Ok(n) => Reply::ok(n).into(),
                        Err(e) => Reply::err(e).into(),
                    }
                }
            })
        });
        out.unwrap_or_else(|e| Reply::err(e).into())
    }

    #[allow(clippy::too_many_arguments)]
    fn file_write(&self, env: &mut impl Env, who: Endpoint, id: usize, ino: u32, flags: u64, src: Src, at: Option<Offset>) -> Outcome {
        let _io = self.stripe(ino as usize);
        // Only O_APPEND appends: a positioned write's offset is an
        // Offset, which can never be the append word.
        let start = match at {
            Some(o) => WritePos::At(o),
            None if flags & O_APPEND != 0 => WritePos::Append,
            None => match self.start_at_offset(id, src.len()) {
                Ok(o) => WritePos::At(o),
                Err(e) => return Reply::err(e).into(),
            },
        };
        let mut small = [0u8; SMALL_MAX as usize];
        // Each piece the FS writes and the update of VM's cached pages for
        // it are one step, still under the I/O lock. A source that is a
        // mapping of this very file shows the cached pages, so the FS's
        // copy of a later piece already sees the earlier pieces written;
        // VM's update of that piece reads the same bytes (it takes the
        // piece's source whole before it writes a page), and read() and
        // every mapping agree.
        let result = match src {
            Src::Small(len, words) => {
                unpack_small(&words, &mut small[..len]);
                let io = env
                    .name_grant(NameSlot::Second, &small[..len])
                    .and_then(|grant| Io::from_reply(&env.fs(fs::Request::Write { ino, grant, pos: start, bytes: len as u64 })))
                    .and_then(|io| Ok((io.bytes, fs_pos(io.pos)?)));
                if let Ok((done, end)) = io {
                    self.cache_written(env, WriteSrc::Bytes(&small[..done as usize]), ino, end.get() - done, done);
                }
                io
            }
            Src::User(b) => {
                // An append's first piece finds the end; the rest follow it.
                let first = start;
                let at = |pos: Offset, done: u64| if done == 0 { first } else { WritePos::At(pos) };
                chunked(b.len, start_pos(start), |done, pos, n| {
                    let r = fs_on_user(env, who, b.addr.wrapping_add(done), n, false, |grant| fs::Request::Write {
                        ino,
                        grant,
                        pos: at(pos, done),
                        bytes: n,
                    });
                    if let Ok(io) = r.as_ref().map_err(|e| *e).and_then(Io::from_reply) {
                        let src = WriteSrc::User { who, addr: b.addr.wrapping_add(done) };
                        self.cache_written(env, src, ino, io.pos.wrapping_sub(io.bytes), io.bytes);
                    }
                    r
                })
            }
        };
        match result {
            Ok((done, end)) => {
                if at.is_none() {
                    self.state.lock().filp(id).pos = end;
                }
                Reply::ok(done).into()
            }
            Err(e) => Reply::err(e).into(),
        }
    }

    /// Pages VM caches of this file take the `len` bytes just written at
    /// `pos`, so every mapping sees the write.
    fn cache_written(&self, env: &mut impl Env, src: WriteSrc<'_>, ino: u32, pos: u64, len: u64) {
        if len > 0 && self.state.lock().vm_caches(ino) {
            let _ = env.vm_cache_write(src, ino, pos, len);
        }
    }

    pub(crate) fn lseek(&self, env: &mut impl Env, who: Endpoint, fd: u32, offset: i64, whence: u64) -> Result<u64, Errno> {
        self.with_filp(env, who, fd, |env, id, filp| {
            // A memory device has no position: every seek lands at 0, as
            // on Linux.
            if let Object::Device { .. } = filp.obj {
                return if whence <= SEEK_END { Ok(0) } else { Err(EINVAL) };
            }
            let Object::File { ino, mode } = filp.obj else { return Err(ESPIPE) };
            let _io = self.stripe(ino as usize);
            if whence == SEEK_DATA || whence == SEEK_HOLE {
                // The FS knows where the holes are (a negative start is
                // ENXIO, as on Linux).
                if is_dir(mode) {
                    return Err(EINVAL);
                }
                let from = Offset::from_i64(offset).map_err(|_| minix_abi::errno::ENXIO)?;
                let pos = env.fs(fs::Request::SeekData { ino, pos: from, hole: whence == SEEK_HOLE }).result()?;
                let pos = Offset::new(pos)?;
                self.state.lock().filp(id).pos = pos;
                return Ok(pos.get());
            }
            let base = match whence {
                SEEK_SET => 0,
                SEEK_CUR => self.state.lock().filp(id).pos.get(),
                _ => file_stat(env, ino)?.size,
            };
            // A result before the start of the file, or past the largest
            // off_t, is EINVAL (POSIX; Linux answers the same).
            let pos = i64::try_from(base as i128 + offset as i128).map_err(|_| EINVAL)?;
            let pos = Offset::from_i64(pos)?;
            self.state.lock().filp(id).pos = pos;
            Ok(pos.get())
        })
    }

    pub(crate) fn getdents(&self, env: &mut impl Env, who: Endpoint, fd: u32, buf: UserBuf) -> Result<u64, Errno> {
        self.with_filp(env, who, fd, |env, id, filp| {
            let Object::File { ino, mode } = filp.obj else { return Err(ENOTDIR) };
            if !is_dir(mode) {
                return Err(ENOTDIR);
            }
            let _io = self.stripe(ino as usize);
            let pos = self.state.lock().filp(id).pos;
            let n = buf.len.min(IO_MAX);
            let io =
                Io::from_reply(&fs_on_user(env, who, buf.addr, n, true, |grant| fs::Request::Getdents { ino, grant, pos, bytes: n })?)?;
            self.state.lock().filp(id).pos = fs_pos(io.pos)?;
            Ok(io.bytes)
        })
    }

    pub(crate) fn fstat(&self, env: &mut impl Env, who: Endpoint, fd: u32, buf: u64) -> Result<u64, Errno> {
        self.with_filp(env, who, fd, |env, _, filp| match filp.obj {
            // A FIFO's inode says what it is (its size on disk is 0, as
            // Linux shows a FIFO's).
            Object::File { ino, .. } | Object::Device { ino, .. } | Object::Fifo { ino, .. } => {
                fs_on_user(env, who, buf, STAT_SIZE, true, |grant| fs::Request::Stat { ino, grant })?.result()
            }
            Object::PipeRead(n) | Object::PipeWrite(n) => {
                let size = self.state.lock().pipe(n).buf.len() as u64;
                let st = fs::Stat { mode: S_IFIFO | 0o600, nlink: 1, size, blksize: 4096, ino: n as u64, ..Default::default() };
                let mut out = [0u8; fs::STAT_SIZE];
                st.encode(&mut out);
                copy_out(env, who, buf, &out).map(|_| 0)
            }
        })
    }

    /// fchmod, fchown and futimes: the FS call `req` makes of the inode
    /// open on `fd` (a pipe has none here: `EINVAL`, which POSIX allows
    /// for fchmod of a pipe).
    pub(crate) fn fd_attr(&self, env: &mut impl Env, who: Endpoint, fd: u32, req: impl Fn(u32) -> fs::Request) -> Result<u64, Errno> {
        self.with_filp(env, who, fd, |env, _, filp| match filp.obj {
            Object::File { ino, .. } | Object::Device { ino, .. } | Object::Fifo { ino, .. } => env.fs(req(ino)).result().map(|_| 0),
            Object::PipeRead(_) | Object::PipeWrite(_) => Err(EINVAL),
        })
    }

    pub(crate) fn ftruncate(&self, env: &mut impl Env, who: Endpoint, fd: u32, size: Offset) -> Result<u64, Errno> {
        self.with_filp(env, who, fd, |env, _, filp| {
            let Object::File { ino, mode } = filp.obj else { return Err(EINVAL) };
            if is_dir(mode) || !filp.writable() {
                return Err(EINVAL);
            }
            let _io = self.stripe(ino as usize);
            self.truncate_ino(env, ino, size)
        })
    }

    /// Truncates `ino` to `size` (its I/O lock held), and tells VM when it
    /// caches pages of the file.
    pub(crate) fn truncate_ino(&self, env: &mut impl Env, ino: u32, size: Offset) -> Result<u64, Errno> {
        let r = env.fs(fs::Request::Ftrunc { ino, start: size, end: Offset::ZERO }).result()?;
        if self.state.lock().vm_caches(ino) {
            let _ = env.vm_cache_trunc(ino, size.get());
        }
        Ok(r)
    }

    /// mmap of a file: a regular file open for reading (EACCES otherwise;
    /// MINIX lets a write-only descriptor through), a page-aligned offset
    /// below 16 TiB, and no shared writable mapping (refused with ENODEV:
    /// writes through a mapping would have to reach the file, which VM
    /// does not do). VM maps it; VFS keeps the file alive for VM.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mmap(
        &self,
        env: &mut impl Env,
        who: Endpoint,
        fd: u32,
        prot: u64,
        flags: u64,
        addr: u64,
        len: u64,
        offset: Offset,
    ) -> Result<u64, Errno> {
        use minix_abi::vm::{FileMapWord, MAP_SHARED, PROT_WRITE};
        self.with_filp(env, who, fd, |env, _, filp| {
            let Object::File { ino, mode } = filp.obj else { return Err(ENODEV) };
            if mode as u32 & S_IFMT != S_IFREG {
                return Err(ENODEV);
            }
            if !filp.readable() {
                return Err(EACCES);
            }
            if flags & MAP_SHARED != 0 && prot & PROT_WRITE != 0 {
                return Err(ENODEV);
            }
            let offset = offset.get();
            if len == 0 || !offset.is_multiple_of(4096) || offset / 4096 > u32::MAX as u64 {
                return Err(EINVAL);
            }
            self.state.lock().vm_maps(ino, who)?;
            let r = env.vm_mmap_file(FileMapWord { who, prot, flags, ino, page: (offset / 4096) as u32 }, addr, len);
            if r.is_err() {
                self.locked(env, |s, a| s.vm_unmapped(ino, 1, a));
            }
            r
        })
    }

    pub(crate) fn fsync(&self, env: &mut impl Env, who: Endpoint, fd: u32) -> Result<u64, Errno> {
        self.with_filp(env, who, fd, |env, _, filp| match filp.obj {
            Object::File { .. } => env.fs(fs::Request::Sync).result(),
            _ => Err(EINVAL),
        })
    }

    pub(crate) fn fcntl(&self, env: &mut impl Env, who: Endpoint, fd: u32, cmd: u64, arg: u64) -> Result<u64, Errno> {
        self.locked(env, |s, _| {
            let e = s.proc(who).fd(fd)?;
            match cmd {
                F_DUPFD => {
                    if arg >= OPEN_MAX as u64 {
                        return Err(EINVAL);
                    }
                    s.dup_from(who, fd, arg as usize).map(u64::from)
                }
                F_GETFD => Ok(if e.cloexec { FD_CLOEXEC } else { 0 }),
                F_SETFD => {
                    if let Some(slot) = s.proc(who).fds[fd as usize].as_mut() {
                        slot.cloexec = arg & FD_CLOEXEC != 0;
                    }
                    Ok(0)
                }
                F_GETFL => Ok(s.filp(e.filp).flags & (O_ACCMODE | SETFL_MASK)),
                _ => {
                    let f = s.filp(e.filp);
                    f.flags = (f.flags & !SETFL_MASK) | (arg & SETFL_MASK);
                    Ok(0)
                }
            }
        })
    }

    pub(crate) fn fchdir(&self, env: &mut impl Env, who: Endpoint, fd: u32) -> Result<u64, Errno> {
        self.locked(env, |s, a| {
            let e = s.proc(who).fd(fd)?;
            let Object::File { ino, mode } = s.filp(e.filp).obj else { return Err(ENOTDIR) };
            if !is_dir(mode) {
                return Err(ENOTDIR);
            }
            s.hold(ino, 0, a);
            s.set_cwd(who, ino, a);
            Ok(0)
        })
    }

    pub(crate) fn pipe(&self, env: &mut impl Env, who: Endpoint, flags: u64) -> Result<(u32, u32), Errno> {
        self.locked(env, |s, a| {
            let n = s.new_pipe()?;
            let nb = flags & O_NONBLOCK;
            let cloexec = flags & O_CLOEXEC != 0;
            // Each end's filp owns its end: dropping a filp closes the end,
            // which unwinds a half-made pipe.
            let r = match s.new_filp(Object::PipeRead(n), O_RDONLY | nb) {
                Ok(r) => r,
                Err(e) => {
                    s.discard_pipe(n);
                    return Err(e);
                }
            };
            let w = match s.new_filp(Object::PipeWrite(n), O_WRONLY | nb) {
                Ok(w) => w,
                Err(e) => {
                    s.unpin(r, a);
                    s.discard_pipe(n);
                    return Err(e);
                }
            };
            let rfd = match s.install(who, r, cloexec) {
                Ok(fd) => fd,
                Err(e) => {
                    s.unpin(r, a);
                    s.unpin(w, a);
                    return Err(e);
                }
            };
            match s.install(who, w, cloexec) {
                Ok(wfd) => Ok((rfd, wfd)),
                Err(e) => {
                    let _ = s.close(who, rfd, a);
                    s.unpin(w, a);
                    Err(e)
                }
            }
        })
    }
}

/// A read of at most SMALL_MAX bytes through the worker's scratch buffer,
/// answered in the reply's words.
/// A read of a memory device: zeros (or nothing, from `/dev/null`), or
/// random bytes, copied out a page at a time.
fn device_read(env: &mut impl Env, who: Endpoint, dev: crate::devices::MemDev, buf: Buf) -> Result<Reply, Errno> {
    use crate::devices::MemDev;
    let n = dev.read_len(buf.len());
    let mut page = [0u8; 4096];
    match buf {
        Buf::Small(_) => {
            if dev == MemDev::Random {
                env.fill_random(&mut page[..n as usize]);
            }
            Ok(Reply::ok_with(n, pack_small(&page[..n as usize])))
        }
        Buf::User(b) => {
            let mut done = 0;
            while done < n {
                let step = (n - done).min(page.len() as u64) as usize;
                if dev == MemDev::Random {
                    env.fill_random(&mut page[..step]);
                }
                copy_out(env, who, b.addr.wrapping_add(done), &page[..step])?;
                done += step as u64;
            }
            Ok(Reply::ok(n))
        }
    }
}

fn small_read(env: &mut impl Env, ino: u32, pos: Offset, len: usize) -> Result<(Reply, Offset), Errno> {
    let grant = env.scratch_grant()?;
    let io = Io::from_reply(&env.fs(fs::Request::Read { ino, grant, pos, bytes: len as u64 }))?;
    let n = (io.bytes as usize).min(len);
    let words = pack_small(env.scratch(n));
    Ok((Reply::ok_with(n as u64, words), fs_pos(io.pos)?))
}

/// A position the FS answered: one past `i64::MAX` is no answer it can
/// give (`EIO`).
pub(crate) fn fs_pos(w: u64) -> Result<Offset, Errno> {
    Offset::new(w).map_err(|_| EIO)
}

/// Where a transfer that starts at a [`WritePos`] is counted from: an
/// append's pieces follow the first one's answer, so its start is only a
/// placeholder.
fn start_pos(p: WritePos) -> Offset {
    match p {
        WritePos::At(o) => o,
        WritePos::Append => Offset::ZERO,
    }
}

/// Moves `len` bytes in FS-sized pieces: `step(done, pos, n)` moves one
/// piece and answers with the FS's reply. Stops at a short piece (end of
/// file, disk full); an error after some bytes moved ends the call with
/// the count so far, as POSIX wants. Returns the bytes and the position.
fn chunked(len: u64, start: Offset, mut step: impl FnMut(u64, Offset, u64) -> Result<Reply, Errno>) -> Result<(u64, Offset), Errno> {
    let (mut done, mut pos) = (0u64, start);
    while done < len || len == 0 {
        let n = (len - done).min(IO_MAX);
        let io = step(done, pos, n).and_then(|r| Io::from_reply(&r)).and_then(|io| Ok((io.bytes, fs_pos(io.pos)?)));
        match io {
            Ok((bytes, next)) => {
                done += bytes;
                pos = next;
                if bytes < n || len == 0 {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok((done, pos))
}
