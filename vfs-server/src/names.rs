// SPDX-License-Identifier: BSD-2-Clause
//! Calls that take paths: open, stat, lstat, statvfs, unlink, rmdir,
//! chdir, mkdir, chmod, access, truncate, readlink, link, rename,
//! symlink, and getcwd, which walks up through `..`.
//!
//! A user's path is copied in whole first (trying, then paging in, like
//! every copy of user memory), and cut at a NUL if it holds one.
//!
//! A path ending in a slash names a directory (see [`crate::path`]):
//! calls that resolve the whole path answer `ENOTDIR` for anything else.
//! Calls that work on the last name answer as Linux does: `unlink` and
//! `rename` (either name) of a non-directory `ENOTDIR`; `link` and
//! `symlink` to a new name with a slash `EEXIST` when it exists, else
//! `ENOENT` (no directory is made); `open` with `O_CREAT` `EISDIR`
//! ([`crate::create`]); `mkdir` and `rmdir` take it. Every
//! process runs as root for now: access checks only that the file exists
//! and, for `X_OK`, that some execute bit is set on a file.

use crate::env::{copy_in, copy_out, fs_on_user, Env, NameSlot};
use crate::fifo::FifoOpened;
use crate::io::is_dir;
use crate::path::{lookup, put, resolve, resolve_parent, Found, Parent};
use crate::tables::{Object, ROOT_INO};
use crate::{Outcome, Vfs};
use alloc::vec;
use alloc::vec::Vec;
use lock_api::RawMutex;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EACCES, EBUSY, EEXIST, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, EPERM, ERANGE};
use minix_abi::fs::{self, decode_dirent, Io, Name, IO_MAX};
use minix_abi::message::Reply;
use minix_abi::offset::Offset;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::mode::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK};
use minix_abi::vfs::{Follow, UserBuf, UserPath, STAT_SIZE};

/// Flags that only matter while opening; the filp keeps the rest.
pub(crate) const OPEN_ONLY: u64 = O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC;
/// Deepest directory getcwd climbs out of.
const DEPTH_MAX: usize = 512;

/// Copies a path in from `who`'s memory, cut at a NUL.
fn user_path(env: &mut impl Env, who: Endpoint, p: UserPath) -> Result<Vec<u8>, Errno> {
    let mut bytes = vec![0u8; p.len as usize];
    copy_in(env, who, p.addr, &mut bytes)?;
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(nul);
    }
    if bytes.is_empty() {
        return Err(ENOENT);
    }
    Ok(bytes)
}

/// Runs `f` on a found node and gives its reference back whatever `f`
/// answered.
fn using<E: Env, T>(env: &mut E, f: Found, body: impl FnOnce(&mut E, &Found) -> Result<T, Errno>) -> Result<T, Errno> {
    let r = body(env, &f);
    put(env, &f);
    r
}

/// The same for a parent directory and the name in it; a path without a
/// last name (`/`) is `empty`'s error.
/// Where an open got to before the tables: a descriptor, or a FIFO found
/// (held, with its references), whose open may wait.
enum Opening {
    Fd(u64),
    Fifo(Found),
}

fn in_parent<E: Env, T>(
    env: &mut E,
    p: Parent,
    empty: Errno,
    body: impl FnOnce(&mut E, &Found, &[u8]) -> Result<T, Errno>,
) -> Result<T, Errno> {
    let r = if p.name.is_empty() { Err(empty) } else { body(env, &p.dir, &p.name) };
    put(env, &p.dir);
    r
}

/// What `name` in `dir` is, without keeping a reference (a final link is
/// not followed).
fn peek(env: &mut impl Env, dir: &Found, name: &[u8]) -> Result<Found, Errno> {
    let f = lookup(env, dir.node.ino, name)?;
    put(env, &f);
    Ok(Found { refs: 0, ..f })
}

/// A name with a trailing slash may be removed or renamed only when it is
/// a directory: `ENOTDIR` otherwise (`ENOENT` when there is none).
fn slash_needs_dir(env: &mut impl Env, dir: &Found, name: &[u8]) -> Result<(), Errno> {
    if peek(env, dir, name)?.is_dir() {
        Ok(())
    } else {
        Err(ENOTDIR)
    }
}

/// A new name with a trailing slash asks for a directory, which `link`
/// and `symlink` cannot make: `EEXIST` when the name exists, as for any
/// taken name, else `ENOENT` (Linux's answers).
fn slash_on_new_name(env: &mut impl Env, dir: &Found, name: &[u8]) -> Errno {
    match peek(env, dir, name) {
        Ok(_) => EEXIST,
        Err(e) => e,
    }
}

/// Runs `body` with the FS name of a new entry `parent` names (link,
/// symlink, mknod): an empty name is `EEXIST` (the path named a directory
/// that exists), a trailing slash [`slash_on_new_name`]'s answer.
fn in_new_name<E: Env, T>(env: &mut E, parent: Parent, body: impl FnOnce(&mut E, Name) -> Result<T, Errno>) -> Result<T, Errno> {
    let slash = parent.slash;
    in_parent(env, parent, EEXIST, |env, d, name| {
        if slash {
            return Err(slash_on_new_name(env, d, name));
        }
        let name = name_in(env, NameSlot::First, d, name)?;
        body(env, name)
    })
}

fn name_in(env: &mut impl Env, slot: NameSlot, dir: &Found, name: &[u8]) -> Result<Name, Errno> {
    if name.len() > fs::NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    Ok(Name { dir: dir.node.ino, grant: env.name_grant(slot, name)?, len: name.len() as u16 })
}

impl<R: RawMutex> Vfs<R> {
    /// Where a relative path of `who`'s call starts: its working
    /// directory, or the directory an `AT_DIR` just named (used once). A
    /// descriptor that no longer names a directory is `EBADF` or
    /// `ENOTDIR`, never a stale inode: the descriptor's file holds the
    /// inode while the call that uses it runs (the caller waits in it).
    pub(crate) fn cwd(&self, who: Endpoint) -> Result<u32, Errno> {
        let mut s = self.state.lock();
        let p = s.proc(who);
        let (at, cwd) = (p.at.take(), p.cwd);
        let Some(fd) = at else { return Ok(cwd) };
        let e = s.proc(who).fd(fd)?;
        match s.filp(e.filp).obj {
            Object::File { ino, mode } if is_dir(mode) => Ok(ino),
            _ => Err(ENOTDIR),
        }
    }

    /// AT_DIR: the descriptor must name a directory now too.
    pub(crate) fn at_dir(&self, who: Endpoint, fd: u32) -> Result<u64, Errno> {
        let mut s = self.state.lock();
        let e = s.proc(who).fd(fd)?;
        match s.filp(e.filp).obj {
            Object::File { mode, .. } if is_dir(mode) => {
                s.proc(who).at = Some(fd);
                Ok(0)
            }
            _ => Err(ENOTDIR),
        }
    }

    fn umask(&self, who: Endpoint) -> u32 {
        self.state.lock().proc(who).umask
    }

    /// open: a descriptor, or for a FIFO whose other end is not there yet
    /// a wait (see [`crate::fifo`]).
    pub(crate) fn open(&self, env: &mut impl Env, who: Endpoint, p: UserPath, flags: u64, mode: u32) -> Outcome {
        match self.open_found(env, who, p, flags, mode) {
            Ok(Opening::Fd(fd)) => Reply::ok(fd).into(),
            Ok(Opening::Fifo(found)) => self.open_fifo(env, who, found, flags),
            Err(e) => Reply::err(e).into(),
        }
    }

    /// A FIFO's open, under the lock: the reply cap is saved before the
    /// wait is recorded as a waker could see it.
    fn open_fifo(&self, env: &mut impl Env, who: Endpoint, found: Found, flags: u64) -> Outcome {
        let ino = found.node.ino;
        self.locked_with(env, |s, a, env| match s.open_fifo(who, ino, found.refs, flags, a) {
            Ok(FifoOpened::Fd(fd)) => Reply::ok(fd as u64).into(),
            Ok(FifoOpened::Waits) => match env.save_reply(who) {
                Ok(()) => Outcome::Suspended,
                Err(e) => {
                    s.fifo_open_failed(who, ino, a);
                    Reply::err(e).into()
                }
            },
            Err(e) => Reply::err(e).into(),
        })
    }

    fn open_found(&self, env: &mut impl Env, who: Endpoint, p: UserPath, flags: u64, mode: u32) -> Result<Opening, Errno> {
        let path = user_path(env, who, p)?;
        let cwd = self.cwd(who)?;
        let follow = flags & O_NOFOLLOW == 0;
        let perm = mode & !self.umask(who) & 0o7777;
        let (found, created) = if flags & O_CREAT == 0 {
            (resolve(env, cwd, &path, follow)?, false)
        } else {
            crate::create::open_or_create(env, cwd, &path, flags, perm)?
        };
        let acc = flags & O_ACCMODE;
        let check = if found.is_symlink() {
            Err(ELOOP)
        } else if flags & O_CREAT != 0 && found.is_dir() {
            // POSIX: O_CREAT naming a directory is EISDIR.
            Err(EISDIR)
        } else if flags & O_DIRECTORY != 0 && !found.is_dir() {
            Err(ENOTDIR)
        } else if found.is_dir() && (acc != O_RDONLY || flags & O_TRUNC != 0) {
            Err(EISDIR)
        } else if flags & O_TRUNC != 0 && !created && acc != O_RDONLY && found.node.mode as u32 & S_IFMT == S_IFREG {
            let ino = found.node.ino;
            let _io = self.stripe(ino as usize);
            self.truncate_ino(env, ino, Offset::ZERO).map(|_| 0)
        } else {
            Ok(0)
        };
        if let Err(e) = check {
            put(env, &found);
            return Err(e);
        }
        if found.node.mode as u32 & S_IFMT == S_IFIFO {
            return Ok(Opening::Fifo(found));
        }
        let obj = if found.node.mode as u32 & S_IFMT == S_IFCHR {
            // A device file: the number is in its inode, which LOOKUP's
            // answer does not carry.
            match crate::io::file_stat(env, found.node.ino).and_then(|st| crate::devices::device(st.rdev)) {
                Ok(dev) => Object::Device { ino: found.node.ino, dev },
                Err(e) => {
                    put(env, &found);
                    return Err(e);
                }
            }
        } else {
            Object::File { ino: found.node.ino, mode: found.node.mode }
        };
        self.locked(env, |s, a| {
            s.hold_for_open(found.node.ino, found.refs, a)?;
            let filp = match s.new_filp(obj, flags & !OPEN_ONLY) {
                Ok(f) => f,
                Err(e) => {
                    s.release(found.node.ino, a);
                    return Err(e);
                }
            };
            match s.install(who, filp, flags & O_CLOEXEC != 0) {
                Ok(fd) => Ok(Opening::Fd(fd as u64)),
                Err(e) => {
                    s.unpin(filp, a);
                    Err(e)
                }
            }
        })
    }

    pub(crate) fn stat(&self, env: &mut impl Env, who: Endpoint, p: UserPath, buf: u64, follow: Follow) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, follow == Follow::Yes)?;
        using(env, f, |env, f| {
            let ino = f.node.ino;
            fs_on_user(env, who, buf, STAT_SIZE, true, |grant| fs::Request::Stat { ino, grant })?.result()
        })
    }

    pub(crate) fn statvfs(&self, env: &mut impl Env, who: Endpoint, p: UserPath) -> Result<Reply, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, true)?;
        using(env, f, |env, _| {
            let r = env.fs(fs::Request::Statvfs);
            r.result().map(|_| r)
        })
    }

    pub(crate) fn unlink(&self, env: &mut impl Env, who: Endpoint, p: UserPath, dir: bool) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let parent = resolve_parent(env, self.cwd(who)?, &path)?;
        let parent_slash = parent.slash;
        in_parent(env, parent, if dir { EBUSY } else { EPERM }, |env, d, name| {
            if dir && name == b"." {
                return Err(EINVAL);
            }
            if parent_slash && !dir {
                slash_needs_dir(env, d, name)?;
            }
            let name = name_in(env, NameSlot::First, d, name)?;
            let req = if dir { fs::Request::Rmdir { name } } else { fs::Request::Unlink { name } };
            env.fs(req).result()
        })
    }

    pub(crate) fn chdir(&self, env: &mut impl Env, who: Endpoint, p: UserPath) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, true)?;
        if !f.is_dir() {
            put(env, &f);
            return Err(ENOTDIR);
        }
        self.locked(env, |s, a| {
            s.hold(f.node.ino, f.refs, a);
            s.set_cwd(who, f.node.ino, a);
        });
        Ok(0)
    }

    pub(crate) fn mkdir(&self, env: &mut impl Env, who: Endpoint, p: UserPath, mode: u32) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let perm = (mode & !self.umask(who) & 0o7777) as u16;
        let parent = resolve_parent(env, self.cwd(who)?, &path)?;
        in_parent(env, parent, EEXIST, |env, d, name| {
            let name = name_in(env, NameSlot::First, d, name)?;
            env.fs(fs::Request::Mkdir { name, mode: S_IFDIR as u16 | perm, uid: 0, gid: 0 }).result()
        })
    }

    /// mknod: a FIFO, a socket, a character or block device node, or an
    /// empty regular file (type 0 too). A directory is `EPERM` (use mkdir)
    /// and any other type `EINVAL`, Linux's answers. Every process runs as
    /// root here, so device nodes are anyone's to make. The umask applies
    /// to the permission bits.
    pub(crate) fn mknod(&self, env: &mut impl Env, who: Endpoint, p: UserPath, mode: u32, dev: u32) -> Result<u64, Errno> {
        let ty = match mode & S_IFMT {
            0 => S_IFREG,
            t @ (S_IFREG | S_IFIFO | S_IFSOCK | S_IFCHR | S_IFBLK) => t,
            S_IFDIR => return Err(EPERM),
            _ => return Err(EINVAL),
        };
        let path = user_path(env, who, p)?;
        let perm = mode & !self.umask(who) & 0o7777;
        let parent = resolve_parent(env, self.cwd(who)?, &path)?;
        in_new_name(env, parent, |env, name| {
            // Only a device's number means anything: the others keep 0.
            let dev = if ty == S_IFCHR || ty == S_IFBLK { dev } else { 0 };
            env.fs(fs::Request::Mknod { name, mode: (ty | perm) as u16, uid: 0, gid: 0, dev }).result()
        })
    }

    pub(crate) fn chmod(&self, env: &mut impl Env, who: Endpoint, p: UserPath, mode: u32) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, true)?;
        using(env, f, |env, f| env.fs(fs::Request::Chmod { ino: f.node.ino, mode: mode as u16 }).result().map(|_| 0))
    }

    /// chown and lchown: every process runs as root, so any owner may be
    /// set (an id the disk cannot hold is stored as 65534, see `fs_id`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn chown(&self, env: &mut impl Env, who: Endpoint, p: UserPath, uid: u32, gid: u32, follow: Follow) -> Result<u64, Errno> {
        let (uid, gid) = (fs_id(uid)?, fs_id(gid)?);
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, follow == Follow::Yes)?;
        using(env, f, |env, f| env.fs(fs::Request::Chown { ino: f.node.ino, uid, gid }).result().map(|_| 0))
    }

    /// utimes and lutimes: both times, in seconds (the layer turns
    /// `UTIME_NOW` and `UTIME_OMIT` into times first).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn utimes(
        &self,
        env: &mut impl Env,
        who: Endpoint,
        p: UserPath,
        atime: u32,
        mtime: u32,
        follow: Follow,
    ) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, follow == Follow::Yes)?;
        using(env, f, |env, f| env.fs(fs::Request::Utime { ino: f.node.ino, atime, mtime }).result().map(|_| 0))
    }

    pub(crate) fn access(&self, env: &mut impl Env, who: Endpoint, p: UserPath, mode: u64) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, true)?;
        using(env, f, |_, f| {
            // Root may read and write anything; execute needs some x bit
            // on anything but a directory.
            if mode & X_OK != 0 && !f.is_dir() && f.node.mode & 0o111 == 0 {
                return Err(EACCES);
            }
            Ok(0)
        })
    }

    pub(crate) fn truncate(&self, env: &mut impl Env, who: Endpoint, p: UserPath, size: Offset) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, true)?;
        using(env, f, |env, f| {
            if f.is_dir() {
                return Err(EISDIR);
            }
            let ino = f.node.ino;
            let _io = self.stripe(ino as usize);
            self.truncate_ino(env, ino, size)
        })
    }

    pub(crate) fn readlink(&self, env: &mut impl Env, who: Endpoint, p: UserPath, buf: UserBuf) -> Result<u64, Errno> {
        let path = user_path(env, who, p)?;
        let f = resolve(env, self.cwd(who)?, &path, false)?;
        using(env, f, |env, f| {
            if !f.is_symlink() {
                return Err(EINVAL);
            }
            let (ino, n) = (f.node.ino, buf.len.min(IO_MAX));
            fs_on_user(env, who, buf.addr, n, true, |grant| fs::Request::Rdlink { ino, grant, bytes: n })?.result()
        })
    }

    pub(crate) fn link(&self, env: &mut impl Env, who: Endpoint, old: UserPath, new: UserPath) -> Result<u64, Errno> {
        let (old, new) = (user_path(env, who, old)?, user_path(env, who, new)?);
        let cwd = self.cwd(who)?;
        let f = resolve(env, cwd, &old, false)?;
        using(env, f, |env, f| {
            if f.is_dir() {
                return Err(EPERM);
            }
            let parent = resolve_parent(env, cwd, &new)?;
            in_new_name(env, parent, |env, name| env.fs(fs::Request::Link { name, ino: f.node.ino }).result())
        })
    }

    pub(crate) fn rename(&self, env: &mut impl Env, who: Endpoint, old: UserPath, new: UserPath) -> Result<u64, Errno> {
        let (old, new) = (user_path(env, who, old)?, user_path(env, who, new)?);
        let cwd = self.cwd(who)?;
        let from = resolve_parent(env, cwd, &old)?;
        let to = match resolve_parent(env, cwd, &new) {
            Ok(t) => t,
            Err(e) => {
                put(env, &from.dir);
                return Err(e);
            }
        };
        let dots = |n: &[u8]| n == b"." || n == b"..";
        let r = if from.name.is_empty() || to.name.is_empty() {
            Err(EBUSY)
        } else if dots(&from.name) || dots(&to.name) {
            Err(EINVAL)
        } else {
            // Only a directory may be renamed with a slash on either name
            // (a missing source is still ENOENT).
            let slashed = if from.slash || to.slash { slash_needs_dir(env, &from.dir, &from.name) } else { Ok(()) };
            slashed
                .and_then(|_| name_in(env, NameSlot::First, &from.dir, &from.name))
                .and_then(|o| Ok((o, name_in(env, NameSlot::Second, &to.dir, &to.name)?)))
                .and_then(|(old, new)| env.fs(fs::Request::Rename { old, new }).result())
        };
        put(env, &from.dir);
        put(env, &to.dir);
        r
    }

    pub(crate) fn symlink(&self, env: &mut impl Env, who: Endpoint, target: UserPath, p: UserPath) -> Result<u64, Errno> {
        if target.len == 0 {
            return Err(ENOENT);
        }
        let path = user_path(env, who, p)?;
        let parent = resolve_parent(env, self.cwd(who)?, &path)?;
        in_new_name(env, parent, |env, name| {
            let req = |t| fs::Request::Symlink { name, uid: 0, gid: 0, target: t, target_len: target.len };
            fs_on_user(env, who, target.addr, target.len, false, req)?.result()
        })
    }

    pub(crate) fn getcwd(&self, env: &mut impl Env, who: Endpoint, buf: UserBuf) -> Result<u64, Errno> {
        let mut cur = self.cwd(who)?;
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut held: Option<Found> = None;
        let mut result = Ok(());
        while cur != ROOT_INO {
            if names.len() >= DEPTH_MAX {
                result = Err(ENAMETOOLONG);
                break;
            }
            let parent = match lookup(env, cur, b"..") {
                Ok(p) => p,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let name = name_of(env, parent.node.ino, cur);
            if let Some(h) = held.replace(parent) {
                put(env, &h);
            }
            match name {
                Ok(n) => names.push(n),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            cur = parent.node.ino;
        }
        if let Some(h) = held {
            put(env, &h);
        }
        result?;
        let mut path = Vec::new();
        for n in names.iter().rev() {
            path.push(b'/');
            path.extend_from_slice(n);
        }
        if path.is_empty() {
            path.push(b'/');
        }
        if path.len() as u64 > buf.len {
            return Err(ERANGE);
        }
        copy_out(env, who, buf.addr, &path)?;
        Ok(path.len() as u64)
    }
}

/// The name under which directory `dir` lists inode `ino`.
fn name_of(env: &mut impl Env, dir: u32, ino: u32) -> Result<Vec<u8>, Errno> {
    let mut pos = Offset::ZERO;
    loop {
        let grant = env.scratch_grant()?;
        let io = Io::from_reply(&env.fs(fs::Request::Getdents { ino: dir, grant, pos, bytes: crate::env::SCRATCH as u64 }))?;
        if io.bytes == 0 {
            return Err(ENOENT);
        }
        let mut at = 0;
        let records = env.scratch(io.bytes as usize);
        while let Some(d) = decode_dirent(&records[at..]) {
            if d.ino == ino as u64 && d.name != b"." && d.name != b".." {
                return Ok(d.name.to_vec());
            }
            at += d.reclen;
        }
        pos = crate::io::fs_pos(io.pos)?;
    }
}

/// An id of CHOWN as the FS takes it: `None` leaves it as it is. MINIX's
/// inode holds 16 bits: a larger id is stored as 65534 (Linux's
/// `overflowuid`), as Linux's own MINIX file system driver does, so a
/// tar archive from elsewhere extracts rather than fails.
pub(crate) fn fs_id(id: u32) -> Result<Option<u16>, Errno> {
    const OVERFLOW_ID: u16 = 65534;
    Ok(match id {
        minix_abi::vfs::KEEP_ID => None,
        _ => Some(u16::try_from(id).unwrap_or(OVERFLOW_ID)),
    })
}
