// SPDX-License-Identifier: BSD-2-Clause
//! VFS's tables: processes (descriptor table, working directory, umask),
//! open-file descriptions (filps) and the vnodes VFS keeps alive. All of it
//! sits behind VFS's one state lock, which is only ever held for table
//! work, never across a message to the FS or VM.
//!
//! **Vnodes and FS references.** Every LOOKUP and CREATE gives VFS one FS
//! reference. A vnode VFS keeps (an open file, a working directory) counts
//! its `users` and the FS references it collected; when the last user goes,
//! the references go back in one PUTNODE (returned to the caller as a
//! [`Put`], sent after the lock is dropped). The root directory is held by
//! VFS itself and never given back.

use crate::pipe::Pipe;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EBADF, EMFILE, ENFILE};
use minix_abi::offset::Offset;
use minix_abi::vfs::flags::{O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY};

/// Descriptors per process.
pub const OPEN_MAX: usize = 64;
/// Open-file descriptions in the whole system.
pub const FILPS_MAX: usize = 4096;
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
    procs: BTreeMap<u32, Proc>,
    filps: Vec<Option<Filp>>,
    free_filps: Vec<usize>,
    vnodes: BTreeMap<u32, Vnode>,
    pub pipes: Vec<Option<Pipe>>,
    free_pipes: Vec<usize>,
    /// Holds VFS took for VM's mappings, per file: one per MMAP_FILE, given
    /// back when VM reports (through a pager) that nothing maps the file.
    /// So a mapped file outlives its names and descriptors.
    vm_holds: BTreeMap<u32, u64>,
    /// Files VM may cache pages of: when VFS lets go of one for good, VM
    /// drops its pages (the inode number may soon name another file).
    vm_cached: alloc::collections::BTreeSet<u32>,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    pub fn new() -> State {
        let mut vnodes = BTreeMap::new();
        // VFS's own hold on the root: it is never given back.
        vnodes.insert(ROOT_INO, Vnode { users: 1, fs_refs: 0 });
        State {
            procs: BTreeMap::new(),
            filps: Vec::new(),
            free_filps: Vec::new(),
            vnodes,
            pipes: Vec::new(),
            free_pipes: Vec::new(),
            vm_holds: BTreeMap::new(),
            vm_cached: Default::default(),
        }
    }

    /// The process, made on first contact: a process PM spawned starts
    /// with no descriptors, the root as its directory and umask 022.
    pub fn proc(&mut self, who: Endpoint) -> &mut Proc {
        let vnodes = &mut self.vnodes;
        self.procs.entry(who.0).or_insert_with(|| {
            hold(vnodes, ROOT_INO, 0);
            Proc { fds: [None; OPEN_MAX], cwd: ROOT_INO, umask: 0o022 }
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
        if self.filps.len() >= FILPS_MAX {
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
        let obj = f.obj;
        self.filps[id] = None;
        self.free_filps.push(id);
        match obj {
            Object::File { ino, .. } => self.release(ino, after),
            Object::PipeRead(n) => self.pipe_end_closed(n, true, after),
            Object::PipeWrite(n) => self.pipe_end_closed(n, false, after),
        }
    }

    /// Keeps `ino` alive for one more user, adding `fs_refs` references
    /// the caller got from the FS.
    pub fn hold(&mut self, ino: u32, fs_refs: u32) {
        hold(&mut self.vnodes, ino, fs_refs)
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
        let p = self.proc(parent).clone();
        for e in p.fds.iter().flatten() {
            self.filp(e.filp).refs += 1;
        }
        hold(&mut self.vnodes, p.cwd, 0);
        self.procs.insert(child.0, p);
    }

    /// PM's exit notice: every descriptor closed, the directory released,
    /// any wait on a pipe dropped (its reply cap died with the process).
    pub fn exit(&mut self, who: Endpoint, after: &mut After) {
        let Some(p) = self.procs.remove(&who.0) else { return };
        for pipe in self.pipes.iter_mut().flatten() {
            pipe.forget(who);
        }
        for e in p.fds.iter().flatten() {
            self.drop_filp_ref(e.filp, after);
        }
        self.release(p.cwd, after);
    }

    pub fn new_pipe(&mut self) -> usize {
        if let Some(n) = self.free_pipes.pop() {
            self.pipes[n] = Some(Pipe::new());
            return n;
        }
        self.pipes.push(Some(Pipe::new()));
        self.pipes.len() - 1
    }

    /// Frees a pipe whose ends were never handed out.
    pub fn discard_pipe(&mut self, n: usize) {
        self.pipes[n] = None;
        self.free_pipes.push(n);
    }

    pub fn pipe(&mut self, n: usize) -> &mut Pipe {
        self.pipes[n].as_mut().expect("a pipe named by a filp exists")
    }

    fn pipe_end_closed(&mut self, n: usize, read_end: bool, after: &mut After) {
        let pipe = self.pipe(n);
        pipe.end_closed(read_end, after);
        if pipe.readers == 0 && pipe.writers == 0 {
            self.pipes[n] = None;
            self.free_pipes.push(n);
        }
    }

    /// VFS is about to have VM map `ino`: one more hold for VM.
    pub fn vm_maps(&mut self, ino: u32) {
        *self.vm_holds.entry(ino).or_insert(0) += 1;
        self.vm_cached.insert(ino);
        hold(&mut self.vnodes, ino, 0);
    }

    /// VM maps `ino` no more: `maps` of VM's holds go (a failed MMAP_FILE
    /// gives back its one the same way).
    pub fn vm_unmapped(&mut self, ino: u32, maps: u64, after: &mut After) {
        let Some(n) = self.vm_holds.get_mut(&ino) else { return };
        let give = maps.min(*n);
        *n -= give;
        if *n == 0 {
            self.vm_holds.remove(&ino);
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
