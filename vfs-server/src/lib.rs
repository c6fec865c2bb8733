// SPDX-License-Identifier: BSD-2-Clause
//! VFS's request handling, independent of seL4 and tested on the host.
//!
//! Several worker threads run [`Vfs::handle`] at once, each with its own
//! [`Env`] (its buffers, its grants, its view of the FS and VM). The
//! shared state sits behind two kinds of lock, both `lock_api` mutexes so
//! the glue can use seL4 notifications and the host tests spin locks:
//!
//! * **the state lock** guards the tables (processes, descriptors, filps,
//!   vnodes, pipes). It is held only for table work, never while a worker
//!   waits for the FS or VM.
//! * **I/O locks**, one per stripe of vnodes (inode number modulo
//!   [`STRIPES`]) and pipes. A worker holds its object's I/O lock across a
//!   whole read, write, truncate or getdents, FS calls, fix-range and the
//!   retry included, so a shared offset moves atomically and writes to one
//!   file never interleave. A worker holds at most one I/O lock, takes the
//!   state lock only inside it, and never waits for anything but the FS
//!   and VM while holding it; neither ever waits for VFS. So no cycle of
//!   waits exists.
//!
//! Namespace calls (open, mkdir, rename, ...) take no I/O lock: each FS
//! request is atomic in the single-threaded FS.
//!
//! A call that must wait (a pipe, a poll) never keeps its worker: see
//! [`pipe`] and [`poll`]. A third kind of lock, the alarm lock, guards
//! what VFS asked the timer driver for (poll's timeouts); it is taken
//! before the state lock and never with an I/O lock held.
//! The calls every server answers (PING) never reach this module: the
//! runtime's server loop answers them.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

mod create;
pub mod devices;
pub mod env;
pub mod exec;
pub mod fifo;
mod io;
pub mod limits;
mod names;
pub mod path;
pub mod pipe;
mod pipe_io;
pub mod poll;
pub mod random;
pub mod service;
pub mod tables;

use core::sync::atomic::{AtomicBool, Ordering};
use env::Env;
use limits::Limits;
use lock_api::{Mutex, RawMutex};
use minix_abi::endpoint::{Endpoint, Sender, PM};
use minix_abi::errno::{Errno, EINVAL, ENOMEM, ENOSYS, EPERM};
use minix_abi::fs;
use minix_abi::message::{RawRequest, Reply};
use minix_abi::vfs::{Request, EXERCISE_MAX};
use tables::{After, State};

/// I/O lock stripes.
pub const STRIPES: usize = 16;

/// Most rounds one GRANT_BENCH call may time (bounds how long it holds
/// VFS and VM).
pub const BENCH_MAX_ROUNDS: u64 = 1000;

/// What the glue must do for a request.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// Answer the caller now.
    Reply(Reply),
    /// The caller waits; its reply cap was saved (see [`Env::save_reply`]).
    Suspended,
    /// The grant exercise, which the glue does with its own buffer.
    Exercise { caller: Endpoint, grant: i32, len: u64, delta: u8 },
    /// Time `rounds` safecopies and memcpys of `len` bytes.
    Bench { caller: Endpoint, grant: i32, len: u64, rounds: u64 },
}

impl From<Result<u64, Errno>> for Outcome {
    fn from(r: Result<u64, Errno>) -> Outcome {
        Outcome::Reply(Reply::from_result(r))
    }
}

pub struct Vfs<R: RawMutex> {
    state: Mutex<R, State>,
    stripes: [Mutex<R, ()>; STRIPES],
    /// The deadline VFS last asked the timer driver to signal it at, as
    /// far as VFS knows (see [`poll`]).
    alarm: Mutex<R, Option<u64>>,
    /// VFS's heap is below its reserve and VM gave no more: calls that
    /// would keep more get `ENOMEM` (see [`limits::grows_state`]).
    low_memory: AtomicBool,
    /// Callers with a call being served, and those PM froze (boxed: a
    /// word per endpoint slot).
    services: alloc::boxed::Box<service::Services>,
}

impl<R: RawMutex> Vfs<R> {
    /// VFS over the given raw locks: one for the state, one per stripe,
    /// one for the alarm.
    pub fn new(state: R, stripes: [R; STRIPES], alarm: R) -> Vfs<R> {
        Vfs::with_limits(state, stripes, alarm, Limits::SYSTEM)
    }

    /// The same with other limits (host tests reach them with a handful
    /// of objects).
    pub fn with_limits(state: R, stripes: [R; STRIPES], alarm: R, limits: Limits) -> Vfs<R> {
        Vfs {
            state: Mutex::from_raw(state, State::with_limits(limits)),
            stripes: stripes.map(|r| Mutex::from_raw(r, ())),
            alarm: Mutex::from_raw(alarm, None),
            low_memory: AtomicBool::new(false),
            services: alloc::boxed::Box::new(service::Services::new()),
        }
    }

    /// The glue's word on VFS's heap: `true` while it is below its reserve
    /// and VM has no more to give.
    pub fn set_low_memory(&self, low: bool) {
        self.low_memory.store(low, Ordering::Relaxed);
    }

    pub(crate) fn low_memory(&self) -> bool {
        self.low_memory.load(Ordering::Relaxed)
    }

    /// Runs `f` with the state locked, then does what it left to do
    /// (references back to the FS, answers to waiters) unlocked.
    ///
    /// All but one thing: when `f` let go of the last user of a file VM
    /// caches, VM drops its pages *before* the lock goes. Otherwise another
    /// thread could take the file up again in between (an exec of the same
    /// program, which maps the cached pages at once) and the late drop
    /// would pull those pages from under the new mapping, zeroed. VM never
    /// waits on VFS, so calling it with the lock held cannot deadlock; and
    /// this is the rare path (the last user of a mapped file).
    fn locked<T>(&self, env: &mut impl Env, f: impl FnOnce(&mut State, &mut After) -> T) -> T {
        self.locked_with(env, |s, a, _| f(s, a))
    }

    /// [`Vfs::locked`] for work that must reach the environment with the
    /// lock held (saving a reply cap before the wait it answers is
    /// recorded).
    fn locked_with<E: Env, T>(&self, env: &mut E, f: impl FnOnce(&mut State, &mut After, &mut E) -> T) -> T {
        let mut after = After::default();
        let v = {
            let mut state = self.state.lock();
            let v = f(&mut state, &mut after, env);
            for ino in after.vm_drops.drain(..) {
                let _ = env.vm_cache_trunc(ino, 0);
            }
            v
        };
        finish(env, after);
        v
    }

    /// Whether some thread holds the state lock (for tests of what is done
    /// under it).
    #[cfg(test)]
    pub(crate) fn state_is_locked(&self) -> bool {
        self.state.is_locked()
    }

    fn stripe(&self, key: usize) -> lock_api::MutexGuard<'_, R, ()> {
        self.stripes[key % STRIPES].lock()
    }

    /// A pager's report from VM: no process maps `ino` any more, answering
    /// for `maps` MMAP_FILE calls.
    pub fn vm_released(&self, env: &mut impl Env, ino: u32, maps: u64) {
        self.locked(env, |s, a| s.vm_unmapped(ino, maps, a));
    }

    /// Callers VFS remembers something of (see [`service`]; leak checks).
    pub fn services(&self) -> usize {
        self.services.len()
    }

    /// Open filps, vnodes and pipes (for leak checks).
    pub fn counts(&self) -> (usize, usize, usize) {
        self.state.lock().counts()
    }

    /// Pool bytes pipes hold, and pipes (for tests).
    pub fn pipe_usage(&self) -> (usize, usize) {
        self.state.lock().pipe_usage()
    }

    /// Files `who` is charged with for keeping them mapped (for tests).
    pub fn mapped_by(&self, who: Endpoint) -> usize {
        self.state.lock().mapped_by(who)
    }

    /// Handles one request.
    pub fn handle(&self, env: &mut impl Env, sender: Sender, raw: &RawRequest) -> Outcome {
        let Sender::Process(who) = sender else { return Outcome::Reply(Reply::err(EPERM)) };
        let req = match Request::decode(raw) {
            Ok(r) => r,
            Err(e) => return Outcome::Reply(Reply::err(e)),
        };
        if self.low_memory() && limits::grows_state(&req) {
            return Reply::err(ENOMEM).into();
        }
        if who == PM {
            return self.dispatch(env, who, req);
        }
        // PM may be freezing the caller (see `service`).
        if self.services.begin(who) == service::Begin::Hold {
            return match env.save_reply(who) {
                Ok(()) => Outcome::Suspended,
                Err(e) => Reply::err(e).into(),
            };
        }
        let out = self.dispatch(env, who, req);
        self.services.end(who);
        out
    }

    fn dispatch(&self, env: &mut impl Env, who: Endpoint, req: Request) -> Outcome {
        use Request as Q;
        match req {
            Q::ProcFork { .. } | Q::ProcExit { .. } | Q::ProcExec { .. } | Q::ProcCancel { .. } | Q::ProcThread { .. } if who != PM => {
                Reply::err(EPERM).into()
            }
            Q::ProcThread { leader, thread } => self.locked(env, |s, _| s.thread(leader, thread)).into(),
            Q::ProcCancel { who: stopped, thaw: false } => {
                // Until no call of it is being served: its answer must
                // reach it before PM suspends it.
                while self.services.freeze(stopped) {
                    env.pause();
                }
                let waited = self.locked(env, |s, a| s.cancel_waits(stopped, a));
                Reply::ok(waited as u64).into()
            }
            Q::ProcCancel { who: stopped, thaw: true } => {
                // A call of it the kernel handed a worker before the
                // suspension may not have reached that worker's check yet:
                // let every runnable worker run first (one processor,
                // one priority), so it is held, not served.
                env.pause();
                if self.services.thaw(stopped) {
                    env.drop_saved(stopped);
                }
                Reply::ok(0).into()
            }
            Q::ProcExec { who: child, block, len } => match self.exec(env, child, block, len) {
                Ok((entry, sp)) => Reply::ok_with(0, [entry, sp, 0]).into(),
                Err(e) => Reply::err(e).into(),
            },
            Q::ProcFork { parent, child } => {
                self.locked(env, |s, a| s.fork(parent, child, a));
                Reply::ok(0).into()
            }
            Q::ProcExit { who: gone } => {
                self.services.forget(gone);
                self.locked(env, |s, a| s.exit(gone, a));
                Reply::ok(0).into()
            }
            Q::GrantExercise { grant, len, delta } => {
                if len > EXERCISE_MAX {
                    return Reply::err(EINVAL).into();
                }
                Outcome::Exercise { caller: who, grant, len, delta }
            }
            // A benchmark call holds VFS and VM for its whole run: only
            // bench builds answer it, and never for long.
            Q::GrantBench { .. } if !cfg!(feature = "bench") => Reply::err(ENOSYS).into(),
            Q::GrantBench { grant, len, rounds } => {
                if len > EXERCISE_MAX || rounds == 0 || rounds > BENCH_MAX_ROUNDS {
                    return Reply::err(EINVAL).into();
                }
                Outcome::Bench { caller: who, grant, len, rounds }
            }
            Q::Read { fd, buf } => self.read(env, who, fd, io::Buf::User(buf), None),
            Q::ReadSmall { fd, len } => self.read(env, who, fd, io::Buf::Small(len as usize), None),
            Q::Pread { fd, buf, offset } => self.read(env, who, fd, io::Buf::User(buf), Some(offset)),
            Q::Write { fd, buf } => self.write(env, who, fd, io::Src::User(buf), None),
            Q::WriteSmall { fd, len, data } => self.write(env, who, fd, io::Src::Small(len as usize, data), None),
            Q::Pwrite { fd, buf, offset } => self.write(env, who, fd, io::Src::User(buf), Some(offset)),
            Q::Lseek { fd, offset, whence } => self.lseek(env, who, fd, offset, whence).into(),
            Q::Getdents { fd, buf } => self.getdents(env, who, fd, buf).into(),
            Q::Fstat { fd, buf } => self.fstat(env, who, fd, buf).into(),
            Q::Ftruncate { fd, size } => self.ftruncate(env, who, fd, size).into(),
            Q::Fsync { fd } => self.fsync(env, who, fd).into(),
            Q::Close { fd } => self.locked(env, |s, a| s.close(who, fd, a)).map(|_| 0).into(),
            Q::Dup { fd } => self.locked(env, |s, _| s.dup_from(who, fd, 0)).map(u64::from).into(),
            Q::Dup2 { fd, to } => self.locked(env, |s, a| s.dup_to(who, fd, to as usize, a)).map(u64::from).into(),
            Q::Fcntl { fd, cmd, arg } => self.fcntl(env, who, fd, cmd, arg).into(),
            Q::Fchdir { fd } => self.fchdir(env, who, fd).into(),
            Q::AtDir { fd } => self.at_dir(who, fd).into(),
            Q::Umask { mask } => self.locked(env, |s, _| Ok(core::mem::replace(&mut s.proc(who).umask, mask) as u64)).into(),
            Q::Sync => env.fs(fs::Request::Sync).result().map(|_| 0).into(),
            Q::Poll { fds, nfds, timeout_ms } => self.poll(env, who, fds, nfds, timeout_ms),
            Q::Mmap { fd, prot, flags, addr, len, offset } => self.mmap(env, who, fd, prot, flags, addr, len, offset).into(),
            Q::Pipe { flags } => match self.pipe(env, who, flags) {
                Ok((r, w)) => Outcome::Reply(Reply::ok_with(r as u64, [w as u64, 0, 0])),
                Err(e) => Reply::err(e).into(),
            },
            Q::Open { path, flags, mode } => self.open(env, who, path, flags, mode),
            Q::Stat { path, buf, follow } => self.stat(env, who, path, buf, follow).into(),
            Q::Statvfs { path } => match self.statvfs(env, who, path) {
                Ok(r) => Outcome::Reply(r),
                Err(e) => Reply::err(e).into(),
            },
            Q::Unlink { path } => self.unlink(env, who, path, false).into(),
            Q::Rmdir { path } => self.unlink(env, who, path, true).into(),
            Q::Chdir { path } => self.chdir(env, who, path).into(),
            Q::Mkdir { path, mode } => self.mkdir(env, who, path, mode).into(),
            Q::Mknod { path, mode, dev } => self.mknod(env, who, path, mode, dev).into(),
            Q::Chmod { path, mode } => self.chmod(env, who, path, mode).into(),
            Q::Fchmod { fd, mode } => self.fd_attr(env, who, fd, |ino| fs::Request::Chmod { ino, mode: mode as u16 }).into(),
            Q::Chown { path, uid, gid, follow } => self.chown(env, who, path, uid, gid, follow).into(),
            Q::Fchown { fd, uid, gid } => match (names::fs_id(uid), names::fs_id(gid)) {
                (Ok(uid), Ok(gid)) => self.fd_attr(env, who, fd, |ino| fs::Request::Chown { ino, uid, gid }).into(),
                _ => Reply::err(minix_abi::errno::EINVAL).into(),
            },
            Q::Utimes { path, atime, mtime, follow } => self.utimes(env, who, path, atime, mtime, follow).into(),
            Q::Futimes { fd, atime, mtime } => self.fd_attr(env, who, fd, |ino| fs::Request::Utime { ino, atime, mtime }).into(),
            Q::Access { path, mode } => self.access(env, who, path, mode).into(),
            Q::Truncate { path, size } => self.truncate(env, who, path, size).into(),
            Q::Readlink { path, buf } => self.readlink(env, who, path, buf).into(),
            Q::Link { old, new } => self.link(env, who, old, new).into(),
            Q::Rename { old, new } => self.rename(env, who, old, new).into(),
            Q::Symlink { target, path } => self.symlink(env, who, target, path).into(),
            Q::Getcwd { buf } => self.getcwd(env, who, buf).into(),
        }
    }
}

impl From<Reply> for Outcome {
    fn from(r: Reply) -> Outcome {
        Outcome::Reply(r)
    }
}

/// Gives the FS back the references and answers the waiters a locked
/// section found.
fn finish(env: &mut impl Env, after: After) {
    // VM's pages went before this (see `Vfs::locked`), and so before the
    // FS may free the inode (its last reference goes just below): no page
    // of a dead file outlives it in the cache.
    debug_assert!(after.vm_drops.is_empty());
    for p in after.puts {
        let _ = env.fs(fs::Request::Putnode { ino: p.ino, count: p.count });
    }
    for (who, reply) in after.replies {
        env.reply_saved(who, reply);
    }
}

/// Adds `delta` to every byte (the exercise's transformation).
pub fn transform(buf: &mut [u8], delta: u8) {
    for b in buf {
        *b = b.wrapping_add(delta);
    }
}

#[cfg(test)]
mod tests;
