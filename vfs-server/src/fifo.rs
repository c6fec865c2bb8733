// SPDX-License-Identifier: BSD-2-Clause
//! Named pipes (FIFOs): an inode of type `S_IFIFO` that `mknod` or
//! `mkfifo` made, whose opens share one of VFS's pipes.
//!
//! The pipe exists while somebody has the FIFO open or waits to: the first
//! open makes it (no bytes, no ends), each open counts an end, and when the
//! last end closes the pipe and any bytes left in it go, as on Linux. The
//! inode only names it; nothing of it is ever on disk.
//!
//! **Opens** follow POSIX and Linux:
//! - read-only: counts a reader; waits until a writer is there, unless
//!   `O_NONBLOCK` (then it succeeds at once);
//! - write-only: with `O_NONBLOCK` and no reader, `ENXIO`; else counts a
//!   writer and waits until a reader is there;
//! - read-write: counts both, never waits.
//!
//! A waiting open holds no worker and no descriptor: its reply cap is
//! saved, its end is already counted (so the other side's open finds it and
//! does not wait in turn), and the open that brings the other end gives it
//! its descriptor and answers it. A waiting open that PM cancels (a signal,
//! a stop, an exit) uncounts its end and lets the inode go; the call then
//! ends with `EINTR` or is made again, as any wait VFS drops.

use crate::tables::{After, Object, State};
use alloc::vec::Vec;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, ENXIO};
use minix_abi::message::Reply;
use minix_abi::vfs::flags::{O_ACCMODE, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY};

/// A FIFO somebody has open or waits to open.
#[derive(Debug)]
pub struct Fifo {
    /// Its pipe in [`State::pipes`].
    pub pipe: usize,
    /// Opens waiting for the other end.
    pub waiting: Vec<WaitingOpen>,
}

/// An open of a FIFO that waits for the other end.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct WaitingOpen {
    pub who: Endpoint,
    /// The open's flags (its filp's, once it has one).
    pub flags: u64,
}

impl WaitingOpen {
    fn reads(&self) -> bool {
        self.flags & O_ACCMODE == O_RDONLY
    }
}

/// What an open of a FIFO came to.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum FifoOpened {
    /// A descriptor, now.
    Fd(u32),
    /// The open waits for the other end: the caller saves the reply cap
    /// (or, if it cannot, calls [`State::fifo_open_failed`]).
    Waits,
}

/// The ends a filp of `flags` counts: (reader, writer).
fn ends(flags: u64) -> (bool, bool) {
    let acc = flags & O_ACCMODE;
    (acc != O_WRONLY, acc != O_RDONLY)
}

impl State {
    /// Opens FIFO `ino` for `who`, with the `fs_refs` FS references its
    /// lookup brought (kept, or given back, as for any open).
    pub fn open_fifo(&mut self, who: Endpoint, ino: u32, fs_refs: u32, flags: u64, after: &mut After) -> Result<FifoOpened, Errno> {
        self.hold_for_open(ino, fs_refs, after)?;
        let pipe = match self.fifos.get(&ino) {
            Some(f) => f.pipe,
            None => match self.new_pipe() {
                Ok(n) => {
                    let p = self.pipe(n);
                    (p.readers, p.writers) = (0, 0);
                    self.fifos.insert(ino, Fifo { pipe: n, waiting: Vec::new() });
                    n
                }
                Err(e) => {
                    self.release(ino, after);
                    return Err(e);
                }
            },
        };
        let (read, write) = ends(flags);
        let (readers, writers) = (self.pipe(pipe).readers, self.pipe(pipe).writers);
        if !read && flags & O_NONBLOCK != 0 && readers == 0 {
            self.fifo_forget_if_unused(ino);
            self.release(ino, after);
            return Err(ENXIO);
        }
        let p = self.pipe(pipe);
        p.readers += read as u32;
        p.writers += write as u32;
        let waits = match (read, write) {
            (true, false) => writers == 0 && flags & O_NONBLOCK == 0,
            (false, true) => readers == 0,
            _ => false,
        };
        if waits {
            self.fifos.get_mut(&ino).expect("made above").waiting.push(WaitingOpen { who, flags });
            return Ok(FifoOpened::Waits);
        }
        let fd = self.fifo_descriptor(who, ino, pipe, flags, after)?;
        // The ends this open brought may be what others wait for.
        self.wake_fifo_opens(ino, after);
        self.wake_pollers(pipe, after);
        Ok(FifoOpened::Fd(fd))
    }

    /// A waiting open whose reply cap could not be saved: it is undone
    /// (the caller answers `e`).
    pub fn fifo_open_failed(&mut self, who: Endpoint, ino: u32, after: &mut After) {
        self.cancel_fifo_open(who, ino, after);
    }

    /// Drops `who`'s waiting FIFO opens (PM cancels its calls, or it is
    /// gone); whether it had one.
    pub fn cancel_fifo_opens(&mut self, who: Endpoint, after: &mut After) -> bool {
        let inos: Vec<u32> = self.fifos.iter().filter(|(_, f)| f.waiting.iter().any(|w| w.who == who)).map(|(i, _)| *i).collect();
        for &ino in &inos {
            self.cancel_fifo_open(who, ino, after);
        }
        !inos.is_empty()
    }

    fn cancel_fifo_open(&mut self, who: Endpoint, ino: u32, after: &mut After) {
        let Some(f) = self.fifos.get_mut(&ino) else { return };
        let Some(i) = f.waiting.iter().position(|w| w.who == who) else { return };
        let w = f.waiting.remove(i);
        let pipe = f.pipe;
        self.fifo_end_closed(ino, pipe, w.flags, after);
    }

    /// A filp of FIFO `ino` (its pipe `pipe`) with `flags` goes: its ends
    /// close, the pipe and the FIFO's entry go with the last, and the
    /// inode is let go.
    pub fn fifo_end_closed(&mut self, ino: u32, pipe: usize, flags: u64, after: &mut After) {
        let (read, write) = ends(flags);
        if read {
            self.pipe_end_closed(pipe, true, after);
        }
        if write {
            self.pipe_end_closed(pipe, false, after);
        }
        if self.pipes.get(pipe).is_none_or(|p| p.is_none()) {
            self.fifos.remove(&ino);
        }
        self.release(ino, after);
    }

    /// Gives a FIFO's open its filp and descriptor. On failure its ends
    /// are uncounted and the inode let go.
    fn fifo_descriptor(&mut self, who: Endpoint, ino: u32, pipe: usize, flags: u64, after: &mut After) -> Result<u32, Errno> {
        let filp = match self.new_filp(Object::Fifo { ino, pipe }, flags & !crate::names::OPEN_ONLY) {
            Ok(f) => f,
            Err(e) => {
                self.fifo_end_closed(ino, pipe, flags, after);
                return Err(e);
            }
        };
        // The filp now owns the ends and the hold: closing it undoes both.
        self.install(who, filp, flags & O_CLOEXEC != 0).inspect_err(|_| self.unpin(filp, after))
    }

    /// Answers the opens of `ino` that waited for an end that is now
    /// there: each gets its descriptor (or the error that kept it from
    /// one).
    fn wake_fifo_opens(&mut self, ino: u32, after: &mut After) {
        let Some(f) = self.fifos.get_mut(&ino) else { return };
        let pipe = f.pipe;
        let (readers, writers) = (self.pipes[pipe].as_ref().map_or(0, |p| p.readers), self.pipes[pipe].as_ref().map_or(0, |p| p.writers));
        let Some(f) = self.fifos.get_mut(&ino) else { return };
        let (ready, still): (Vec<WaitingOpen>, Vec<WaitingOpen>) =
            f.waiting.drain(..).partition(|w| if w.reads() { writers > 0 } else { readers > 0 });
        f.waiting = still;
        for w in ready {
            let r = self.fifo_descriptor(w.who, ino, pipe, w.flags, after);
            after.replies.push((w.who, Reply::from_result(r.map(u64::from))));
        }
    }

    /// The FIFO's entry goes if nobody has it open or waits (an open that
    /// failed before counting anything).
    fn fifo_forget_if_unused(&mut self, ino: u32) {
        let Some(f) = self.fifos.get(&ino) else { return };
        let pipe = f.pipe;
        let unused = f.waiting.is_empty() && self.pipes[pipe].as_ref().is_some_and(|p| p.readers == 0 && p.writers == 0);
        if unused {
            self.fifos.remove(&ino);
            self.drop_pipe(pipe);
        }
    }
}
