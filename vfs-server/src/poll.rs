// SPDX-License-Identifier: BSD-2-Clause
//! `poll` (and through the runtime, `select`): which descriptors are
//! ready, and a caller that must wait for one. The rules of readiness and
//! the reply that sends the caller round again are the protocol's
//! (`minix_abi::vfs::poll`).
//!
//! **A waiting caller keeps no worker.** Like a pipe read, it saves its
//! reply cap and leaves a [`Poller`]: the pipe ends it polls and its
//! deadline. Whoever changes one of those pipes (a read, a write, the
//! last close of an end, a waiter dropped) looks at the pollers watching
//! it; one whose pipe is now ready is answered [`AGAIN`], and the runtime
//! polls again with the time left. So an answer's `revents` are always
//! from a look taken while the caller was being served, and a waker
//! never writes into another process's memory: it only sends a reply
//! through a saved cap.
//!
//! **Timeouts.** VFS holds one alarm in the timer driver
//! (`minix_abi::timer::ALARM`), never later than the earliest poller's
//! deadline: [`Vfs::sync_alarm`] after a poller with a deadline is
//! recorded. VFS's alarm thread waits for the driver's signal and calls
//! [`Vfs::alarm_fired`], which answers every poller whose deadline has
//! passed with 0 (nothing ready; the runtime cleared the array's
//! `revents` before the call) and asks for the next deadline. A poller
//! answered early leaves its deadline in the driver; the signal then finds
//! nothing due and costs one look.
//!
//! **Locks.** The alarm lock guards what VFS last asked the driver for;
//! it is taken before the state lock (never inside it, and never with an
//! I/O lock held), and held across the driver's `ALARM`, which the driver
//! answers at once without calling anyone. So a worker can wait for it
//! only behind another worker's brief call to the driver: no cycle.
//!
//! **Signals.** A poller that PM interrupts (a handler, a stop) is
//! dropped with the process's other waits on PM's `PROC_CANCEL`; the
//! kernel already took its reply cap with its Call, and the handler's
//! frame ends the call with `EINTR`.
use crate::env::{copy_in, copy_out, Env};
use crate::pipe::{Pipe, PIPE_BUF};
use crate::tables::{After, Object, State};
use crate::{Outcome, Vfs};
use alloc::vec::Vec;
use lock_api::RawMutex;
use minix_abi::endpoint::Endpoint;
use minix_abi::message::Reply;
use minix_abi::vfs::poll::{PollFd, AGAIN, ALWAYS, ENTRY, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDNORM, POLL_MAX};

const NS_PER_MS: u64 = 1_000_000;

/// A pipe end a waiting poller watches, and what it asked for there.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Watch {
    pub pipe: u32,
    pub read_end: bool,
    pub events: u16,
}

/// A process waiting in POLL (at most one per process: a process is in
/// one call at a time, so the table is bounded by PM's).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Poller {
    pub who: Endpoint,
    /// Monotonic ns; `None` waits until a watched pipe changes (or a
    /// signal).
    pub deadline: Option<u64>,
    pub watches: Vec<Watch>,
}

impl Pipe {
    /// What its read end reports: bytes to read, and a hang-up once no
    /// writer is left.
    pub fn read_events(&self) -> u16 {
        let mut e = 0;
        if !self.buf.is_empty() {
            e |= POLLIN | POLLRDNORM;
        }
        if self.writers == 0 {
            e |= POLLHUP;
        }
        e
    }

    /// What its write end reports with `space` bytes of room: room for an
    /// atomic write of `PIPE_BUF` bytes and no writer queued ahead (so a
    /// write of that size would not wait); once no reader is left, a
    /// write fails at once: `POLLOUT` with `POLLERR`.
    pub fn write_events(&self, space: usize) -> u16 {
        if self.readers == 0 {
            POLLOUT | POLLERR
        } else if self.write_waiters.is_empty() && space >= PIPE_BUF {
            POLLOUT
        } else {
            0
        }
    }
}

impl State {
    /// The events `who`'s descriptor `fd` has now, and the pipe ends to
    /// watch if it is a pipe or a FIFO (both for a FIFO open read-write);
    /// `POLLNVAL` if it is not open.
    fn fd_events(&mut self, who: Endpoint, fd: u32) -> (u16, [Option<(u32, bool)>; 2]) {
        let Ok(e) = self.proc(who).fd(fd) else { return (POLLNVAL, [None, None]) };
        let filp = self.filp(e.filp);
        let (reads, writes) = (filp.readable(), filp.writable());
        let (n, read, write) = match filp.obj {
            // A file, directory or memory device never makes anyone wait.
            Object::File { .. } | Object::Device { .. } => return (POLLIN | POLLRDNORM | POLLOUT, [None, None]),
            Object::PipeRead(n) => (n, true, false),
            Object::PipeWrite(n) => (n, false, true),
            Object::Fifo { pipe, .. } => (pipe, reads, writes),
        };
        let mut now = 0;
        if read {
            now |= self.pipe(n).read_events();
        }
        if write {
            let space = self.pipe_space(n);
            now |= self.pipe(n).write_events(space);
        }
        (now, [read.then_some((n as u32, true)), write.then_some((n as u32, false))])
    }

    /// Fills each entry's `revents` (0 for a negative `fd`) and answers
    /// how many have any, with the pipe ends to watch should the caller
    /// wait.
    pub fn poll_scan(&mut self, who: Endpoint, fds: &mut [PollFd]) -> (usize, Vec<Watch>) {
        let mut watches = Vec::new();
        let mut ready = 0;
        for e in fds.iter_mut() {
            e.revents = 0;
            let Ok(fd) = u32::try_from(e.fd) else { continue };
            let (now, watch) = self.fd_events(who, fd);
            e.revents = now & (e.events | ALWAYS);
            if e.revents != 0 {
                ready += 1;
            }
            for (pipe, read_end) in watch.into_iter().flatten() {
                watches.push(Watch { pipe, read_end, events: e.events });
            }
        }
        (ready, watches)
    }

    /// Records a waiting poller (one of `who`'s left over would be stale:
    /// it goes).
    pub fn add_poller(&mut self, p: Poller) {
        let _ = self.forget_poller(p.who);
        self.pollers.push(p);
    }

    /// Drops `who`'s poller, if any (it exits, or PM cancelled its call).
    /// Forgets `who`'s poll; true if it was waiting in one.
    pub fn forget_poller(&mut self, who: Endpoint) -> bool {
        let before = self.pollers.len();
        self.pollers.retain(|p| p.who != who);
        self.pollers.len() != before
    }

    /// Whether `w` would report anything now. A pipe that is gone counts
    /// as ready: the caller's next look finds out what became of it.
    fn watch_ready(&mut self, w: &Watch) -> bool {
        let n = w.pipe as usize;
        if self.pipes.get(n).is_none_or(|p| p.is_none()) {
            return true;
        }
        let now = if w.read_end {
            self.pipe(n).read_events()
        } else {
            let space = self.pipe_space(n);
            self.pipe(n).write_events(space)
        };
        now & (w.events | ALWAYS) != 0
    }

    /// Pipe `n` changed: every poller watching it that would now see an
    /// event is answered [`AGAIN`] (after the lock is dropped).
    pub fn wake_pollers(&mut self, n: usize, after: &mut After) {
        if self.pollers.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.pollers.len() {
            let watches: Vec<Watch> = self.pollers[i].watches.iter().copied().filter(|w| w.pipe as usize == n).collect();
            if watches.iter().any(|w| self.watch_ready(w)) {
                let p = self.pollers.swap_remove(i);
                after.replies.push((p.who, Reply::ok_with(0, [AGAIN, 0, 0])));
            } else {
                i += 1;
            }
        }
    }

    /// Answers every poller whose deadline is at or before `now` with 0:
    /// nothing became ready in time.
    pub fn expire_pollers(&mut self, now: u64, after: &mut After) {
        let mut i = 0;
        while i < self.pollers.len() {
            if self.pollers[i].deadline.is_some_and(|d| d <= now) {
                let p = self.pollers.swap_remove(i);
                after.replies.push((p.who, Reply::ok(0)));
            } else {
                i += 1;
            }
        }
    }

    /// The earliest deadline of any poller.
    pub fn next_poll_deadline(&self) -> Option<u64> {
        self.pollers.iter().filter_map(|p| p.deadline).min()
    }

    /// Pollers waiting (for tests).
    pub fn pollers(&self) -> usize {
        self.pollers.len()
    }
}

impl<R: RawMutex> Vfs<R> {
    /// POLL: `nfds` entries at `addr` in `who`'s memory (copied in whole,
    /// paged in through VM if need be); answered at once when one is ready
    /// or `timeout_ms` is 0, with the entries' `revents` written back;
    /// else the caller waits (see the module notes).
    pub(crate) fn poll(&self, env: &mut impl Env, who: Endpoint, addr: u32, nfds: u32, timeout_ms: i32) -> Outcome {
        let n = (nfds as usize).min(POLL_MAX);
        let mut bytes = [0u8; POLL_MAX * ENTRY];
        let bytes = &mut bytes[..n * ENTRY];
        if let Err(e) = copy_in(env, who, addr as u64, bytes) {
            return Reply::err(e).into();
        }
        let mut fds = [PollFd::default(); POLL_MAX];
        let fds = &mut fds[..n];
        for (e, b) in fds.iter_mut().zip(bytes.chunks_exact(ENTRY)) {
            *e = PollFd::decode(b.try_into().unwrap_or(&[0; ENTRY]));
        }
        // The clock before the look: a deadline from it is never early.
        let deadline = (timeout_ms > 0).then(|| env.now().saturating_add(timeout_ms as u64 * NS_PER_MS));
        let ready = {
            let mut s = self.state.lock();
            let (ready, watches) = s.poll_scan(who, fds);
            if ready == 0 && timeout_ms != 0 {
                // Saved before the poller is recorded, with the state
                // locked, so a waker always finds the cap.
                if let Err(e) = env.save_reply(who) {
                    return Reply::err(e).into();
                }
                s.add_poller(Poller { who, deadline, watches });
                None
            } else {
                Some(ready)
            }
        };
        let Some(ready) = ready else {
            if deadline.is_some() {
                self.sync_alarm(env);
            }
            return Outcome::Suspended;
        };
        for (e, b) in fds.iter().zip(bytes.chunks_exact_mut(ENTRY)) {
            b.copy_from_slice(&e.encode());
        }
        match copy_out(env, who, addr as u64, bytes) {
            Ok(()) => Reply::ok(ready as u64).into(),
            Err(e) => Reply::err(e).into(),
        }
    }

    /// Makes sure the timer driver will signal VFS no later than the
    /// earliest poller's deadline (see the module notes).
    pub fn sync_alarm(&self, env: &mut impl Env) {
        let mut asked = self.alarm.lock();
        let want = self.state.lock().next_poll_deadline();
        if let Some(w) = want {
            // On a refusal `asked` stays as it was, and the next poller
            // with a deadline asks again (the glue reports it).
            if asked.is_none_or(|a| w < a) && env.set_alarm(w).is_ok() {
                *asked = Some(w);
            }
        }
    }

    /// The timer driver signalled VFS's alarm (the alarm thread): the
    /// pollers whose deadline passed are answered, and the next deadline
    /// asked for.
    pub fn alarm_fired(&self, env: &mut impl Env) {
        // The driver forgets a deadline once it has signalled it.
        *self.alarm.lock() = None;
        let now = env.now();
        self.locked(env, |s, a| s.expire_pollers(now, a));
        self.sync_alarm(env);
    }

    /// What VFS last asked the timer driver for (for tests).
    pub fn alarm_asked(&self) -> Option<u64> {
        *self.alarm.lock()
    }

    /// Pollers waiting (for tests).
    pub fn pollers(&self) -> usize {
        self.state.lock().pollers()
    }
}
