// SPDX-License-Identifier: BSD-2-Clause
//! VFS's tables: processes (descriptor table, working directory, umask),
//! open-file descriptions (filps) and the vnodes VFS keeps alive. All of it
//! sits behind VFS's one state lock, which is only ever held for table
//! work, never across a message to the FS or VM (but for one: the drop of
//! VM's pages of a file let go of for good, see `Vfs::locked`).
//!
//! **Vnodes and FS references.** Every LOOKUP and CREATE gives VFS one FS
//! reference. A vnode VFS keeps (an open file, a working directory) counts
//! its `users` and the FS references it collected; when the last user goes,
//! the references go back in one PUTNODE (returned to the caller as a
//! [`Put`], sent after the lock is dropped). The root directory is held by
//! VFS itself and never given back.
//!
//! **Limits.** Every table here grows only through users' calls, so each
//! has a limit ([`Limits`]) and reaching it is an errno for the caller:
//! filps and vnodes `ENFILE`, descriptors `EMFILE`, files kept by one
//! process's mappings `EMFILE` from mmap, pipes `ENFILE`. Processes are
//! bounded by PM's table (a record per process PM tells VFS of).

use crate::limits::Limits;
use crate::pipe::{Pipe, PIPE_SIZE, PIPE_STEP};
use crate::poll::Poller;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EAGAIN, EBADF, EMFILE, ENFILE, ENOMEM};
use minix_abi::offset::Offset;
use minix_abi::vfs::flags::{O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY};

/// Descriptors per process.
pub const OPEN_MAX: usize = 64;
// poll takes as many entries as a process has descriptors.
const _: () = assert!(OPEN_MAX == minix_abi::vfs::poll::POLL_MAX);
/// Open-file descriptions in the whole system.
pub const FILPS_MAX: usize = Limits::SYSTEM.filps;
/// The root directory's inode.
pub const ROOT_INO: u32 = 1;

/// What an open file description refers to.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Object {
    /// An inode of the file system, with its file-type bits.
    File { ino: u32, mode: u16 },
    /// The read end of pipe `n`.
    PipeRead(usize),
    /// The write end of pipe `n`.
    PipeWrite(usize),
    /// A character device VFS serves itself, and its inode (held, as an
    /// open file's).
    Device { ino: u32, dev: crate::devices::MemDev },
    /// A named pipe (see [`crate::fifo`]): its inode (held) and its pipe.
    /// The filp's access mode says which ends it is.
    Fifo { ino: u32, pipe: usize },
}

/// An open file description: shared by dup and fork, with one offset.
#[derive(Clone, Debug)]
pub struct Filp {
    pub obj: Object,
    /// Access mode and status flags (`O_*`).
    pub flags: u64,
    pub pos: Offset,
    /// Descriptors naming it, plus workers using it right now.
    pub refs: u32,
}

impl Filp {
    pub fn readable(&self) -> bool {
        matches!(self.flags & O_ACCMODE, O_RDONLY | O_RDWR)
    }
    pub fn writable(&self) -> bool {
        matches!(self.flags & O_ACCMODE, O_WRONLY | O_RDWR)
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct FdEntry {
    pub filp: usize,
    pub cloexec: bool,
}

#[derive(Clone, Debug)]
pub struct Proc {
    pub fds: [Option<FdEntry>; OPEN_MAX],
    pub cwd: u32,
    pub umask: u32,
    /// `AT_DIR`'s descriptor, for the next path call only.
    pub at: Option<u32>,
}

impl Proc {
    /// The lowest free descriptor at or above `from`.
    pub fn free_fd(&self, from: usize) -> Result<usize, Errno> {
        (from..OPEN_MAX).find(|&i| self.fds[i].is_none()).ok_or(EMFILE)
    }
    pub fn fd(&self, fd: u32) -> Result<FdEntry, Errno> {
        self.fds.get(fd as usize).copied().flatten().ok_or(EBADF)
    }
}

/// What a vnode VFS keeps holds.
#[derive(Copy, Clone, Debug)]
struct Vnode {
    users: u32,
    fs_refs: u32,
}

/// VM's holds on one mapped file.
#[derive(Copy, Clone, Debug)]
struct VmHold {
    /// MMAP_FILE calls not yet answered for by VM's release.
    maps: u64,
    /// The process whose mapping made VFS keep the file (the first to map
    /// it), charged with it until VM lets go: so each file kept only by
    /// mappings counts against exactly one process's share.
    owner: u32,
}

/// References to give back to the FS once the lock is dropped.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Put {
    pub ino: u32,
    pub count: u32,
}

/// Work found while the lock was held, done after it is dropped.
#[derive(Default, Debug)]
pub struct After {
    pub puts: Vec<Put>,
    /// Waiters to answer through their saved reply caps.
    pub replies: Vec<(Endpoint, minix_abi::message::Reply)>,
    /// Files whose pages VM is to drop (VFS let go of them for good).
    pub vm_drops: Vec<u32>,
}

pub struct State {
    limits: Limits,
    procs: BTreeMap<u32, Proc>,
    /// Threads, by endpoint: the process whose descriptors, directory and
    /// umask they use. Their waits (pipes, poll) are their own, by their
    /// own endpoints.
    threads: BTreeMap<u32, u32>,
    filps: Vec<Option<Filp>>,
    free_filps: Vec<usize>,
    vnodes: BTreeMap<u32, Vnode>,
    pub pipes: Vec<Option<Pipe>>,
    free_pipes: Vec<usize>,
    /// Bytes of the pipe pool that pipes' buffers hold.
    pipe_pool_used: usize,
    /// Processes waiting in POLL (see [`crate::poll`]).
    pub(crate) pollers: Vec<Poller>,
    /// Holds VFS took for VM's mappings, per file: one per MMAP_FILE, given
    /// back when VM reports (through a pager) that nothing maps the file.
    /// So a mapped file outlives its names and descriptors.
    vm_holds: BTreeMap<u32, VmHold>,
    /// Files each process (by endpoint) is charged with in `vm_holds`.
    mapped_by: BTreeMap<u32, usize>,
    /// Files VM may cache pages of: when VFS lets go of one for good, VM
    /// drops its pages (the inode number may soon name another file).
    vm_cached: alloc::collections::BTreeSet<u32>,
    /// Named pipes somebody has open or waits to open, by inode.
    pub(crate) fifos: BTreeMap<u32, crate::fifo::Fifo>,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    pub fn new() -> State {
        State::with_limits(Limits::SYSTEM)
    }

    pub fn with_limits(limits: Limits) -> State {
        let mut vnodes = BTreeMap::new();
        // VFS's own hold on the root: it is never given back.
        vnodes.insert(ROOT_INO, Vnode { users: 1, fs_refs: 0 });
        State {
            limits,
            procs: BTreeMap::new(),
            threads: BTreeMap::new(),
            filps: Vec::new(),
            free_filps: Vec::new(),
            vnodes,
            pipes: Vec::new(),
            free_pipes: Vec::new(),
            pipe_pool_used: 0,
            pollers: Vec::new(),
            vm_holds: BTreeMap::new(),
            mapped_by: BTreeMap::new(),
            vm_cached: Default::default(),
            fifos: BTreeMap::new(),
        }
    }

    /// The process, made on first contact: a process PM spawned starts
    /// with no descriptors, the root as its directory and umask 022.
    pub fn proc(&mut self, who: Endpoint) -> &mut Proc {
        let vnodes = &mut self.vnodes;
        let key = self.threads.get(&who.0).copied().unwrap_or(who.0);
        self.procs.entry(key).or_insert_with(|| {
            hold(vnodes, ROOT_INO, 0);
            Proc { fds: [None; OPEN_MAX], cwd: ROOT_INO, umask: 0o022, at: None }
        })
    }

    pub fn filp(&mut self, id: usize) -> &mut Filp {
        self.filps[id].as_mut().expect("a filp named by a descriptor exists")
    }

    /// The filp behind `who`'s descriptor, pinned (one more reference) so
    /// that it outlives a close while the caller works unlocked; give it
    /// back with [`State::unpin`].
    pub fn pin(&mut self, who: Endpoint, fd: u32) -> Result<(usize, Filp), Errno> {
        let e = self.proc(who).fd(fd)?;
        let f = self.filp(e.filp);
        f.refs += 1;
        Ok((e.filp, f.clone()))
    }

    pub fn unpin(&mut self, id: usize, after: &mut After) {
        self.drop_filp_ref(id, after);
    }

    /// A new filp with one reference; its object's hold is the caller's,
    /// now owned by the filp.
    pub fn new_filp(&mut self, obj: Object, flags: u64) -> Result<usize, Errno> {
        let f = Filp { obj, flags, pos: Offset::ZERO, refs: 1 };
        if let Some(id) = self.free_filps.pop() {
            self.filps[id] = Some(f);
            return Ok(id);
        }
        if self.filps.len() >= self.limits.filps {
            return Err(ENFILE);
        }
        self.filps.push(Some(f));
        Ok(self.filps.len() - 1)
    }

    /// Installs `filp` at `who`'s lowest free descriptor.
    pub fn install(&mut self, who: Endpoint, filp: usize, cloexec: bool) -> Result<u32, Errno> {
        let p = self.proc(who);
        let fd = p.free_fd(0)?;
        p.fds[fd] = Some(FdEntry { filp, cloexec });
        Ok(fd as u32)
    }

    /// Closes a descriptor.
    pub fn close(&mut self, who: Endpoint, fd: u32, after: &mut After) -> Result<(), Errno> {
        let p = self.proc(who);
        let e = p.fd(fd)?;
        p.fds[fd as usize] = None;
        self.drop_filp_ref(e.filp, after);
        Ok(())
    }

    /// `dup2`-style: `to` names `from`'s filp, closing what `to` named.
    pub fn dup_to(&mut self, who: Endpoint, from: u32, to: usize, after: &mut After) -> Result<u32, Errno> {
        if to >= OPEN_MAX {
            return Err(EBADF);
        }
        let e = self.proc(who).fd(from)?;
        if from as usize == to {
            return Ok(to as u32);
        }
        if let Some(old) = self.proc(who).fds[to].take() {
            self.drop_filp_ref(old.filp, after);
        }
        self.filp(e.filp).refs += 1;
        self.proc(who).fds[to] = Some(FdEntry { filp: e.filp, cloexec: false });
        Ok(to as u32)
    }

    /// `dup`/`F_DUPFD`: the lowest free descriptor at or above `min`.
    pub fn dup_from(&mut self, who: Endpoint, from: u32, min: usize) -> Result<u32, Errno> {
        let e = self.proc(who).fd(from)?;
        let to = self.proc(who).free_fd(min)?;
        self.filp(e.filp).refs += 1;
        self.proc(who).fds[to] = Some(FdEntry { filp: e.filp, cloexec: false });
        Ok(to as u32)
    }

    fn drop_filp_ref(&mut self, id: usize, after: &mut After) {
        let f = self.filp(id);
        f.refs -= 1;
        if f.refs > 0 {
            return;
        }
        let (obj, flags) = (f.obj, f.flags);
        self.filps[id] = None;
        self.free_filps.push(id);
        match obj {
            Object::File { ino, .. } | Object::Device { ino, .. } => self.release(ino, after),
            Object::PipeRead(n) => self.pipe_end_closed(n, true, after),
            Object::PipeWrite(n) => self.pipe_end_closed(n, false, after),
            Object::Fifo { ino, pipe } => self.fifo_end_closed(ino, pipe, flags, after),
        }
    }

    /// Keeps `ino` alive for one more user, with the `fs_refs` references
    /// the caller got from the FS. One reference keeps the inode in the
    /// FS: any beyond it go straight back, so a file held open while
    /// others open and close it again and again piles up no count in VFS
    /// or the FS.
    pub fn hold(&mut self, ino: u32, fs_refs: u32, after: &mut After) {
        let kept = self.vnodes.get(&ino).map_or(0, |v| v.fs_refs);
        let (keep, give) = if kept > 0 { (0, fs_refs) } else { (fs_refs.min(1), fs_refs.saturating_sub(1)) };
        if give > 0 {
            after.puts.push(Put { ino, count: give });
        }
        hold(&mut self.vnodes, ino, keep)
    }

    /// [`State::hold`] for an open: `ENFILE` if `ino` is not kept yet and
    /// the vnode table is full, and then the caller's FS references go
    /// back to the FS.
    pub fn hold_for_open(&mut self, ino: u32, fs_refs: u32, after: &mut After) -> Result<(), Errno> {
        if !self.vnodes.contains_key(&ino) && self.vnodes.len() >= self.limits.vnodes {
            if fs_refs > 0 {
                after.puts.push(Put { ino, count: fs_refs });
            }
            return Err(ENFILE);
        }
        self.hold(ino, fs_refs, after);
        Ok(())
    }

    /// One user of `ino` is gone; the last one gives the FS its references.
    pub fn release(&mut self, ino: u32, after: &mut After) {
        let Some(v) = self.vnodes.get_mut(&ino) else { return };
        v.users -= 1;
        if v.users == 0 {
            let count = v.fs_refs;
            self.vnodes.remove(&ino);
            if self.vm_cached.remove(&ino) {
                after.vm_drops.push(ino);
            }
            if count > 0 {
                after.puts.push(Put { ino, count });
            }
        }
    }

    /// Sets `who`'s working directory to `ino`, whose hold the caller
    /// passes in.
    pub fn set_cwd(&mut self, who: Endpoint, ino: u32, after: &mut After) {
        let p = self.proc(who);
        let old = core::mem::replace(&mut p.cwd, ino);
        self.release(old, after);
    }

    /// PM's fork notice: the child gets the parent's descriptors (sharing
    /// their filps), directory and umask. A child VFS already knows is
    /// replaced (its endpoint was reused).
    pub fn fork(&mut self, parent: Endpoint, child: Endpoint, after: &mut After) {
        self.exit(child, after);
        self.threads.remove(&child.0);
        let mut p = self.proc(parent).clone();
        p.at = None;
        for e in p.fds.iter().flatten() {
            self.filp(e.filp).refs += 1;
        }
        hold(&mut self.vnodes, p.cwd, 0);
        self.procs.insert(child.0, p);
    }

    /// PM's notice of a new thread of `leader`: its calls use `leader`'s
    /// table. `EINVAL` for a thread of a thread, or an endpoint that is a
    /// process here already.
    pub fn thread(&mut self, leader: Endpoint, thread: Endpoint) -> Result<u64, Errno> {
        let known = |e: Endpoint| self.threads.contains_key(&e.0) || self.procs.contains_key(&e.0);
        if self.threads.contains_key(&leader.0) || known(thread) || leader == thread {
            return Err(minix_abi::errno::EINVAL);
        }
        self.proc(leader);
        self.threads.insert(thread.0, leader.0);
        Ok(0)
    }

    /// PM's exit notice: every descriptor closed, the directory released,
    /// any wait on a pipe or in poll dropped (its reply cap died with the
    /// process). A thread's exit drops its waits only; a process's takes
    /// its threads' names with it.
    pub fn exit(&mut self, who: Endpoint, after: &mut After) {
        let _ = self.cancel_waits(who, after);
        if self.threads.remove(&who.0).is_some() {
            return;
        }
        self.threads.retain(|_, l| *l != who.0);
        let Some(p) = self.procs.remove(&who.0) else { return };
        for e in p.fds.iter().flatten() {
            self.drop_filp_ref(e.filp, after);
        }
        self.release(p.cwd, after);
    }

    /// PM stops `who` or starts a handler: the calls it waits in (pipes,
    /// poll) are dropped; the kernel has already cancelled its Call, and
    /// it calls again when it continues (or the handler's frame ends the
    /// call with EINTR). A writer dropped from a pipe's queue may leave
    /// room for a poller's write.
    /// True if `who` was waiting (in a pipe or a poll).
    pub fn cancel_waits(&mut self, who: Endpoint, after: &mut After) -> bool {
        let mut waited = self.forget_poller(who);
        waited |= self.cancel_fifo_opens(who, after);
        for n in 0..self.pipes.len() {
            if self.pipes[n].as_mut().is_some_and(|p| p.forget(who)) {
                waited = true;
                self.wake_pollers(n, after);
            }
        }
        waited
    }

    /// A successful exec: `who`'s descriptors marked close-on-exec go.
    pub fn close_on_exec(&mut self, who: Endpoint, after: &mut After) {
        let gone: Vec<u32> =
            self.proc(who).fds.iter().enumerate().filter(|(_, e)| e.is_some_and(|e| e.cloexec)).map(|(fd, _)| fd as u32).collect();
        for fd in gone {
            let _ = self.close(who, fd, after);
        }
    }

    /// A new pipe with one reader and one writer; `ENFILE` when the
    /// system has its limit of pipes.
    pub fn new_pipe(&mut self) -> Result<usize, Errno> {
        if let Some(n) = self.free_pipes.pop() {
            self.pipes[n] = Some(Pipe::new());
            return Ok(n);
        }
        if self.pipes.len() >= self.limits.pipes {
            return Err(ENFILE);
        }
        self.pipes.push(Some(Pipe::new()));
        Ok(self.pipes.len() - 1)
    }

    /// Frees a pipe whose ends were never handed out.
    pub fn discard_pipe(&mut self, n: usize) {
        self.free_pipe_buffer(n);
        self.pipes[n] = None;
        self.free_pipes.push(n);
    }

    /// Pool bytes no pipe holds.
    fn pipe_pool_free(&self) -> usize {
        self.limits.pipe_pool - self.pipe_pool_used
    }

    /// Bytes that could go into pipe `n` now.
    pub fn pipe_space(&mut self, n: usize) -> usize {
        let free = self.pipe_pool_free();
        self.pipe(n).space(free)
    }

    /// Makes room in pipe `n`'s buffer for `k` more bytes, charging the
    /// pool for steps beyond the first. The caller found the room with
    /// [`State::pipe_space`] in the same locked section. `ENOMEM` if the
    /// buffer must grow while VFS's heap is `low`, or the heap refuses.
    pub fn pipe_reserve(&mut self, n: usize, k: usize, low: bool) -> Result<(), Errno> {
        let free = self.pipe_pool_free();
        let p = self.pipe(n);
        let need = p.buf.len() + k;
        if need <= p.cap {
            return Ok(());
        }
        let cap = need.next_multiple_of(PIPE_STEP);
        let charge = (cap - PIPE_STEP) - p.pool_share();
        if cap > PIPE_SIZE || charge > free {
            return Err(EAGAIN);
        }
        if low {
            return Err(ENOMEM);
        }
        p.buf.try_reserve_exact(cap - p.buf.len()).map_err(|_| ENOMEM)?;
        p.cap = cap;
        self.pipe_pool_used += charge;
        Ok(())
    }

    /// Adds bytes to pipe `n`, whose room [`State::pipe_reserve`] made.
    /// Pipe I/O holds the pipe's I/O lock, so only a close can have come
    /// in between: if that was the last reader's, its buffer is gone and
    /// nobody will read the bytes, which are dropped.
    pub fn pipe_push(&mut self, n: usize, bytes: &[u8]) {
        let p = self.pipe(n);
        if p.readers == 0 {
            return;
        }
        debug_assert!(p.buf.len() + bytes.len() <= p.cap);
        p.buf.extend(bytes.iter());
    }

    /// Takes pipe `n`'s first `k` bytes; an emptied pipe gives its buffer
    /// back.
    pub fn pipe_take(&mut self, n: usize, k: usize) {
        self.pipe(n).buf.drain(..k);
        self.pipe_trim(n);
    }

    /// Gives an empty pipe's steps beyond its first back to the pool (a
    /// reservation a writer could not fill, or the last byte read). The
    /// first step is the pipe's own whatever the pool holds, so it stays
    /// allocated until the pipe's last reader goes: a ping-pong through a
    /// pipe then costs no allocation per message.
    pub fn pipe_trim(&mut self, n: usize) {
        let p = self.pipe(n);
        if !p.buf.is_empty() || p.cap <= PIPE_STEP {
            return;
        }
        let share = p.pool_share();
        p.buf.shrink_to(PIPE_STEP);
        p.cap = PIPE_STEP;
        self.pipe_pool_used -= share;
    }

    fn free_pipe_buffer(&mut self, n: usize) {
        let p = self.pipe(n);
        let share = p.pool_share();
        p.buf = VecDeque::new();
        p.cap = 0;
        self.pipe_pool_used -= share;
    }

    /// Pipe bytes held by the pool, and pipes: for tests.
    pub fn pipe_usage(&self) -> (usize, usize) {
        (self.pipe_pool_used, self.pipes.iter().flatten().count())
    }

    pub fn pipe(&mut self, n: usize) -> &mut Pipe {
        self.pipes[n].as_mut().expect("a pipe named by a filp exists")
    }

    pub(crate) fn pipe_end_closed(&mut self, n: usize, read_end: bool, after: &mut After) {
        let pipe = self.pipe(n);
        pipe.end_closed(read_end, after);
        let (readers, writers) = (pipe.readers, pipe.writers);
        if readers == 0 {
            // Nobody will read what is left.
            self.free_pipe_buffer(n);
        }
        // A hang-up (POLLHUP) or a write that now fails (POLLERR).
        self.wake_pollers(n, after);
        if readers == 0 && writers == 0 {
            self.drop_pipe(n);
        }
    }

    /// Pipe `n` goes (its buffer is gone already, or never was).
    pub(crate) fn drop_pipe(&mut self, n: usize) {
        self.pipes[n] = None;
        self.free_pipes.push(n);
    }

    /// VFS is about to have VM map `ino` for `who`: one more hold for VM.
    /// A file no mapping holds yet is charged to `who`, which gets
    /// `EMFILE` once it has its share of such files.
    pub fn vm_maps(&mut self, ino: u32, who: Endpoint) -> Result<(), Errno> {
        if let Some(h) = self.vm_holds.get_mut(&ino) {
            h.maps += 1;
        } else {
            if self.mapped_by(who) >= self.limits.mapped_files {
                return Err(EMFILE);
            }
            *self.mapped_by.entry(who.0).or_insert(0) += 1;
            self.vm_holds.insert(ino, VmHold { maps: 1, owner: who.0 });
        }
        self.vm_cached.insert(ino);
        hold(&mut self.vnodes, ino, 0);
        Ok(())
    }

    /// Files `who`'s mappings keep (its charge): for tests.
    pub fn mapped_by(&self, who: Endpoint) -> usize {
        self.mapped_by.get(&who.0).copied().unwrap_or(0)
    }

    /// VM maps `ino` no more: `maps` of VM's holds go (a failed MMAP_FILE
    /// gives back its one the same way).
    pub fn vm_unmapped(&mut self, ino: u32, maps: u64, after: &mut After) {
        let Some(h) = self.vm_holds.get_mut(&ino) else { return };
        let give = maps.min(h.maps);
        h.maps -= give;
        if h.maps == 0 {
            let owner = h.owner;
            self.vm_holds.remove(&ino);
            if let Some(c) = self.mapped_by.get_mut(&owner) {
                *c -= 1;
                if *c == 0 {
                    self.mapped_by.remove(&owner);
                }
            }
        }
        for _ in 0..give {
            self.release(ino, after);
        }
    }

    pub fn vm_caches(&self, ino: u32) -> bool {
        self.vm_cached.contains(&ino)
    }

    /// Open filps, vnodes kept and pipes: for leak checks in tests.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.filps.iter().flatten().count(), self.vnodes.len(), self.pipes.iter().flatten().count())
    }
}

fn hold(vnodes: &mut BTreeMap<u32, Vnode>, ino: u32, fs_refs: u32) {
    let v = vnodes.entry(ino).or_insert(Vnode { users: 0, fs_refs: 0 });
    v.users += 1;
    v.fs_refs += fs_refs;
}
