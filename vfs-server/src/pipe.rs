// SPDX-License-Identifier: BSD-2-Clause
//! Pipes. A pipe's bytes live in VFS. A read of an empty pipe, or a write
//! to a full one, never holds a worker: the worker saves the caller's
//! reply cap, records what the caller waits for, and goes back to serve
//! others. Whoever later makes progress possible (a write, a read, the
//! last close of an end) finishes the waiter's call and answers it through
//! the saved cap. So a thousand processes blocked on pipes cost VFS no
//! thread.
//!
//! POSIX's rules: writes of at most [`PIPE_BUF`] bytes are atomic (all the
//! bytes go in at once, never interleaved with another write); a write to
//! a pipe with no reader left fails with `EPIPE` (with what it managed so
//! far, if anything); a read of an empty pipe without writers returns 0.
//! Waiters are served first come, first served.
//!
//! **Memory.** A pipe's buffer is allocated when bytes first arrive,
//! grows in [`PIPE_STEP`]s up to [`PIPE_SIZE`], shrinks back to one step
//! when it empties and is freed when the last reader goes. Its first step
//! is always its own; the steps beyond come from a pool
//! shared by every pipe ([`crate::limits::Limits::pipe_pool`]). With the
//! pool used up a pipe still holds a step, more than [`PIPE_BUF`], so a
//! writer only ever waits on a pipe that has bytes in it, for its own
//! reader: one user filling pipes slows others' pipes down to a step at a
//! time, and never makes anyone wait for someone else or fail.

use crate::tables::After;
use alloc::collections::VecDeque;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::EPIPE;
use minix_abi::message::Reply;
use minix_abi::vfs::SMALL_MAX;

/// Most bytes a pipe holds.
pub const PIPE_SIZE: usize = 32 * 1024;
/// A pipe's buffer grows and is charged in steps of this size; the first
/// is always available, whatever the pool holds.
pub const PIPE_STEP: usize = 4096;
/// Writes up to this size are atomic (MINIX's and POSIX's minimum).
pub const PIPE_BUF: usize = 512;

/// Where a waiter's bytes are: in its memory, or (small calls) in the
/// message words.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Data {
    /// `len` bytes at `addr` in the waiter's memory.
    User { addr: u64 },
    /// Carried in message words (at most [`SMALL_MAX`] bytes).
    Words([u8; SMALL_MAX as usize]),
}

/// A call waiting on a pipe.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Waiter {
    pub who: Endpoint,
    pub data: Data,
    /// Bytes asked for.
    pub len: usize,
    /// Bytes moved so far (writes only; a read completes at its first byte).
    pub done: usize,
}

pub struct Pipe {
    pub buf: VecDeque<u8>,
    /// Bytes reserved for `buf`: a multiple of [`PIPE_STEP`], 0 while the
    /// pipe is empty. All but the first step are charged to the pool.
    pub cap: usize,
    pub readers: u32,
    pub writers: u32,
    pub read_waiters: VecDeque<Waiter>,
    pub write_waiters: VecDeque<Waiter>,
}

impl Default for Pipe {
    fn default() -> Self {
        Self::new()
    }
}

impl Pipe {
    pub fn new() -> Pipe {
        Pipe { buf: VecDeque::new(), cap: 0, readers: 1, writers: 1, read_waiters: VecDeque::new(), write_waiters: VecDeque::new() }
    }

    /// The pool's bytes this pipe holds.
    pub fn pool_share(&self) -> usize {
        self.cap.saturating_sub(PIPE_STEP)
    }

    /// Bytes that could go in now, when the pool has `pool_free` bytes
    /// left: the pipe's own step and what the pool can add, up to
    /// [`PIPE_SIZE`].
    pub fn space(&self, pool_free: usize) -> usize {
        let reachable = self.cap.max(PIPE_STEP) + pool_free / PIPE_STEP * PIPE_STEP;
        reachable.min(PIPE_SIZE) - self.buf.len()
    }

    /// How many of a write's remaining `left` bytes may go in now, with
    /// `space` bytes of room: all of them or none for an atomic write,
    /// else whatever fits.
    pub fn writable_now(space: usize, total: usize, left: usize) -> usize {
        if total <= PIPE_BUF {
            if space >= left {
                left
            } else {
                0
            }
        } else {
            left.min(space)
        }
    }

    /// An end's last filp closed: waiters that can never be served are
    /// answered now.
    pub fn end_closed(&mut self, read_end: bool, after: &mut After) {
        if read_end {
            self.readers -= 1;
            if self.readers == 0 {
                // Nobody can read these bytes any more: the caller frees
                // the buffer (see `State::pipe_end_closed`).
                for w in self.write_waiters.drain(..) {
                    let r = if w.done > 0 { Reply::ok(w.done as u64) } else { Reply::err(EPIPE) };
                    after.replies.push((w.who, r));
                }
            }
        } else {
            self.writers -= 1;
            if self.writers == 0 && self.buf.is_empty() {
                for w in self.read_waiters.drain(..) {
                    after.replies.push((w.who, Reply::ok(0)));
                }
            }
        }
    }

    /// Drops every wait of `who` (it is gone); whether it had one.
    pub fn forget(&mut self, who: Endpoint) -> bool {
        let before = self.read_waiters.len() + self.write_waiters.len();
        self.read_waiters.retain(|w| w.who != who);
        self.write_waiters.retain(|w| w.who != who);
        self.read_waiters.len() + self.write_waiters.len() != before
    }

    /// Copies the first `out.len()` bytes without taking them.
    pub fn peek(&self, out: &mut [u8]) {
        let (a, b) = self.buf.as_slices();
        let n = out.len().min(a.len());
        out[..n].copy_from_slice(&a[..n]);
        let rest = out.len() - n;
        out[n..].copy_from_slice(&b[..rest]);
    }
}
