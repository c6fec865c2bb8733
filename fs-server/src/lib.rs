// SPDX-License-Identifier: BSD-2-Clause
//! FS's request handling, independent of seL4 and tested on the host: a
//! [`Server`] over a mounted [`minixfs::FileSystem`] takes one request
//! (from VFS, checked here) and gives its reply. The glue in `main.rs`
//! only receives, implements [`GrantCopy`] with VM's safecopy, and replies.
//! The calls every server answers (PING) never reach it: the runtime's
//! server loop answers them.
//!
//! **Copies and faults.** Every byte moves through one bounce buffer:
//! bytes come in from a grant whole before the file system is touched
//! (names, WRITE's data, SYMLINK's target), and go out to a grant only
//! after the file system has produced them (READ, GETDENTS, RDLINK, STAT).
//! A copy that fails, as a `CPF_TRY` copy into a page that is not present
//! does with `EFAULT`, fails the whole request at once: FS never waits for
//! a page, never reports a partial count, and a failed copy in leaves the
//! file system exactly as it was (a failed copy out leaves it as the read
//! left it: only the access time moves). VFS then has VM make the range
//! present and repeats the request.
#![cfg_attr(not(test), no_std)]

use minix_abi::endpoint::{Endpoint, Sender, PM, VFS};
use minix_abi::errno::{Errno, EINVAL, EIO, ENAMETOOLONG, ENOENT, ENOMEM, EPERM};
use minix_abi::fs::{self, Io, Name, Node, Request, StatVfs, NAME_MAX, STAT_SIZE};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::offset::{Offset, WritePos};
use minixfs::device::block_range;
use minixfs::{BlockDevice, FileSystem};

/// Copies between the bounce buffer and grants VFS made. The glue copies
/// with VM's safecopy; host tests use a fake that can fail part-way.
pub trait GrantCopy {
    /// The bounce buffer: every copy starts at its first byte. At least
    /// [`fs::IO_MAX`] bytes.
    fn buffer(&mut self) -> Result<&mut [u8], Errno>;
    /// Copies the first `len` bytes of `granter`'s grant into the buffer.
    fn copy_from(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno>;
    /// Copies the buffer's first `len` bytes into `granter`'s grant.
    fn copy_to(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno>;
    /// The cache window ([`fs::PAGE_IN_MAX`] pages), where VM has mapped
    /// the page-cache frames of the page-in under way: PAGE_IN writes
    /// there and nowhere else.
    fn window(&mut self) -> Result<&mut [u8], Errno>;
}

/// Whether `who` may make `call`: VFS every request but UNMOUNT, PM only
/// STATVFS (its boot check) and UNMOUNT (shutdown). PING is answered
/// before this.
pub fn allowed(who: Endpoint, call: u64) -> bool {
    (who == VFS && call != fs::UNMOUNT) || (who == PM && matches!(call, fs::STATVFS | fs::UNMOUNT))
}

/// The page size of VM's page cache.
const PAGE: usize = 4096;

/// A name copied in from its grant.
struct NameBuf {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl NameBuf {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The first `len` bytes of the bounce buffer; `ENOMEM` if it is smaller
/// (the glue maps [`fs::IO_MAX`], so only a broken glue sees this).
fn prefix(buf: &mut [u8], len: u64) -> Result<&mut [u8], Errno> {
    let len = usize::try_from(len).map_err(|_| ENOMEM)?;
    buf.get_mut(..len).ok_or(ENOMEM)
}

/// Copies the buffer's first `len` bytes out; nothing to copy is no copy.
fn copy_out(io: &mut impl GrantCopy, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
    if len == 0 {
        return Ok(());
    }
    io.copy_to(granter, grant, len)
}

pub struct Server<D: BlockDevice> {
    fs: FileSystem<D>,
    /// The device number STAT reports.
    dev: u64,
}

impl<D: BlockDevice> Server<D> {
    pub fn new(fs: FileSystem<D>, dev: u64) -> Server<D> {
        Server { fs, dev }
    }

    /// The time, in seconds since the epoch, stamped on inodes the next
    /// requests change (the glue reads the clock page before each).
    pub fn set_time(&mut self, now: u32) {
        self.fs.set_time(now);
    }

    /// The file system, for tests that look behind the requests.
    pub fn fs(&mut self) -> &mut FileSystem<D> {
        &mut self.fs
    }

    pub fn into_fs(self) -> FileSystem<D> {
        self.fs
    }

    /// One received message: who sent it, what it asks, its answer. Anyone
    /// but VFS (and PM for STATVFS) gets `EPERM`, whatever the call; then
    /// decoding errors (`ENOSYS`, `EINVAL`); then the request's own.
    pub fn handle(&mut self, sender: Sender, raw: &RawRequest, io: &mut impl GrantCopy) -> Reply {
        let who = match sender {
            Sender::Process(who) if allowed(who, raw.call) => who,
            // Faults never come here; forged, stale or missing badges and
            // everyone else are refused alike.
            _ => return Reply::err(EPERM),
        };
        match Request::decode(raw) {
            Ok(req) => self.execute(who, &req, io),
            Err(e) => Reply::err(e),
        }
    }

    /// Carries out a decoded request whose grants `granter` made.
    pub fn execute(&mut self, granter: Endpoint, req: &Request, io: &mut impl GrantCopy) -> Reply {
        self.run(granter, req, io).unwrap_or_else(Reply::err)
    }

    fn run(&mut self, granter: Endpoint, req: &Request, io: &mut impl GrantCopy) -> Result<Reply, Errno> {
        let ok = Ok(Reply::ok(0));
        match *req {
            Request::Lookup { name } => {
                let n = self.name(granter, &name, io)?;
                let ino = self.fs.lookup(name.dir, n.as_bytes())?;
                self.node(ino)
            }
            Request::LookupInline { dir, len, bytes } => {
                if len == 0 {
                    return Err(ENOENT);
                }
                let mut n = [0u8; fs::INLINE_NAME_MAX];
                let n = &mut n[..len as usize];
                fs::unpack_inline_name(&bytes, n);
                let ino = self.fs.lookup(dir, n)?;
                self.node(ino)
            }
            Request::Create { name, mode, uid, gid } => {
                let n = self.name(granter, &name, io)?;
                self.fs.open_room()?;
                let ino = self.fs.create(name.dir, n.as_bytes(), mode, uid, gid)?;
                self.node(ino)
            }
            Request::Mknod { name, mode, uid, gid, dev } => {
                let n = self.name(granter, &name, io)?;
                self.fs.mknod(name.dir, n.as_bytes(), mode, dev, uid, gid).and(ok)
            }
            Request::Mkdir { name, mode, uid, gid } => {
                let n = self.name(granter, &name, io)?;
                self.fs.mkdir(name.dir, n.as_bytes(), mode, uid, gid).and(ok)
            }
            Request::Unlink { name } => {
                let n = self.name(granter, &name, io)?;
                self.fs.unlink(name.dir, n.as_bytes()).and(ok)
            }
            Request::Rmdir { name } => {
                let n = self.name(granter, &name, io)?;
                self.fs.rmdir(name.dir, n.as_bytes()).and(ok)
            }
            Request::Link { name, ino } => {
                let n = self.name(granter, &name, io)?;
                self.fs.link(name.dir, n.as_bytes(), ino).and(ok)
            }
            Request::Rename { old, new } => {
                let o = self.name(granter, &old, io)?;
                let n = self.name(granter, &new, io)?;
                self.fs.rename(old.dir, o.as_bytes(), new.dir, n.as_bytes()).and(ok)
            }
            Request::Symlink { name, uid, gid, target, target_len } => {
                let n = self.name(granter, &name, io)?;
                // Refused before copying, as minixfs would refuse it after.
                if target_len == 0 {
                    return Err(ENOENT);
                }
                if target_len >= self.fs.block_size() as u64 {
                    return Err(ENAMETOOLONG);
                }
                io.copy_from(granter, target, target_len as usize)?;
                let t = prefix(io.buffer()?, target_len)?;
                self.fs.symlink(name.dir, n.as_bytes(), t, uid, gid).and(ok)
            }
            Request::Rdlink { ino, grant, bytes } => {
                let got = self.fs.readlink(ino, prefix(io.buffer()?, bytes)?)?;
                copy_out(io, granter, grant, got)?;
                Ok(Reply::ok(got as u64))
            }
            Request::Read { ino, grant, pos, bytes } => {
                let got = self.fs.read(ino, pos.get(), prefix(io.buffer()?, bytes)?)?;
                copy_out(io, granter, grant, got)?;
                Ok(Io { bytes: got as u64, pos: pos.get() + got as u64 }.reply())
            }
            Request::Write { ino, grant, pos, bytes } => {
                if bytes > 0 {
                    io.copy_from(granter, grant, bytes as usize)?;
                }
                // An append writes at the end, found here, where no other
                // write can move it between finding and writing. A
                // position is never negative (decoding saw to that).
                let pos = match pos {
                    WritePos::Append => self.fs.attrs(ino)?.size as u64,
                    WritePos::At(p) => p.get(),
                };
                let done = self.fs.write(ino, pos, prefix(io.buffer()?, bytes)?)?;
                Ok(Io { bytes: done as u64, pos: pos + done as u64 }.reply())
            }
            Request::Getdents { ino, grant, pos, bytes } => {
                let (used, next) = self.getdents(ino, pos.get(), prefix(io.buffer()?, bytes)?)?;
                copy_out(io, granter, grant, used)?;
                Ok(Io { bytes: used as u64, pos: next }.reply())
            }
            Request::Stat { ino, grant } => {
                let s = self.fs.stat(ino)?;
                let wire = fs::Stat {
                    dev: self.dev,
                    ino: s.ino as u64,
                    mode: s.mode as u32,
                    nlink: s.nlinks as u32,
                    uid: s.uid as u32,
                    gid: s.gid as u32,
                    rdev: s.rdev as u64,
                    size: s.size as u64,
                    atime: s.atime as u64,
                    mtime: s.mtime as u64,
                    ctime: s.ctime as u64,
                    blocks: s.blocks,
                    blksize: self.fs.block_size(),
                };
                let out: &mut [u8; STAT_SIZE] = prefix(io.buffer()?, STAT_SIZE as u64)?.try_into().map_err(|_| ENOMEM)?;
                wire.encode(out);
                io.copy_to(granter, grant, STAT_SIZE)?;
                ok
            }
            Request::Chmod { ino, mode } => Ok(Reply::ok(self.fs.chmod(ino, mode)? as u64)),
            Request::Chown { ino, uid, gid } => {
                let (old_uid, old_gid) = self.fs.owner(ino)?;
                Ok(Reply::ok(self.fs.chown(ino, uid.unwrap_or(old_uid), gid.unwrap_or(old_gid))? as u64))
            }
            Request::Utime { ino, atime, mtime } => self.fs.utime(ino, atime, mtime).and(ok),
            Request::Ftrunc { ino, start, end } => {
                // MINIX's FTRUNC: end 0 truncates, otherwise frees a range.
                if end == Offset::ZERO {
                    self.fs.truncate(ino, start.get()).and(ok)
                } else {
                    self.fs.punch(ino, start.get(), end.get()).and(ok)
                }
            }
            Request::Putnode { ino, count } => self.fs.release(ino, count).and(ok),
            Request::Statvfs => {
                let s = self.fs.statvfs()?;
                let narrow = |v: u64| u32::try_from(v).map_err(|_| EIO);
                Ok(StatVfs {
                    block_size: s.block_size,
                    blocks: narrow(s.blocks)?,
                    free_blocks: narrow(s.free_blocks)?,
                    files: narrow(s.files)?,
                    free_files: narrow(s.free_files)?,
                    name_max: s.name_max,
                    dev: self.dev as u32,
                }
                .reply())
            }
            Request::Sync => self.fs.sync().and(ok),
            Request::Unmount => self.fs.shut().and(ok),
            Request::SeekData { ino, pos, hole } => Ok(Reply::ok(self.fs.seek_data(ino, pos.get(), hole)?)),
            Request::PageIn { ino, page, count } => {
                let len = count as usize * PAGE;
                let window = io.window()?.get_mut(..len).ok_or(ENOMEM)?;
                let (bytes, holes) = self.fs.read_pages(ino, page as u64 * PAGE as u64, window)?;
                Ok(Reply::ok_with(bytes as u64, [holes, 0, 0]))
            }
        }
    }

    /// Copies a name in. Its length is checked first, so a name too long
    /// or empty costs no copy.
    fn name(&mut self, granter: Endpoint, n: &Name, io: &mut impl GrantCopy) -> Result<NameBuf, Errno> {
        let len = n.len as usize;
        if len == 0 {
            return Err(ENOENT);
        }
        if len > NAME_MAX {
            return Err(ENAMETOOLONG);
        }
        io.copy_from(granter, n.grant, len)?;
        let mut name = NameBuf { bytes: [0; NAME_MAX], len };
        name.bytes[..len].copy_from_slice(prefix(io.buffer()?, len as u64)?);
        Ok(name)
    }

    /// LOOKUP's and CREATE's answer, taking the reference VFS then holds.
    fn node(&mut self, ino: u32) -> Result<Reply, Errno> {
        let s = self.fs.attrs(ino)?;
        self.fs.open(ino)?;
        Ok(Node { ino, mode: s.mode, uid: s.uid, gid: s.gid, nlinks: s.nlinks, size: s.size as u64 }.reply())
    }

    /// Fills `out` with whole [`fs::Dirent`] records from `pos` on; returns
    /// the bytes used and the position to continue from. `EINVAL` when not
    /// even the first entry fits (as NetBSD's getdents).
    fn getdents(&mut self, ino: u32, pos: u64, out: &mut [u8]) -> Result<(usize, u64), Errno> {
        let mut used = 0;
        let mut full = false;
        let next = self.fs.read_dir(ino, pos, |e, _| match fs::encode_dirent(&mut out[used..], e.ino as u64, e.name()) {
            Some(n) => {
                used += n;
                true
            }
            None => {
                full = true;
                false
            }
        })?;
        if full && used == 0 {
            return Err(EINVAL);
        }
        Ok((used, next))
    }
}

/// A RAM disk over memory the caller owns: FS's boot image, which lives in
/// FS's own writable data, so the disk needs no allocation.
pub struct MemDisk<'a>(pub &'a mut [u8]);

impl BlockDevice for MemDisk<'_> {
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let (s, e) = block_range(block, buf.len(), self.0.len() as u64).ok_or(EIO)?;
        buf.copy_from_slice(&self.0[s..e]);
        Ok(())
    }
    fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno> {
        let (s, e) = block_range(block, buf.len(), self.0.len() as u64).ok_or(EIO)?;
        self.0[s..e].copy_from_slice(buf);
        Ok(())
    }
    fn size_bytes(&self) -> u64 {
        self.0.len() as u64
    }
}

#[cfg(test)]
mod tests;
