// SPDX-License-Identifier: BSD-2-Clause
//! Reading and writing pipes (the rules are in [`crate::pipe`]).
//!
//! A pipe operation holds the pipe's I/O lock throughout, so the bytes of
//! one pipe only move under one worker at a time; the state lock is taken
//! around each table step and dropped around every copy to or from a
//! process's memory. After its own step, an operation "pumps" the pipe:
//! it finishes the waiters its step made servable, answering each through
//! its saved reply cap.

use crate::env::{copy_in, copy_out, Env};
use crate::io::{Buf, Src};
use crate::pipe::{Data, Pipe, Waiter, PIPE_SIZE};
use crate::{Outcome, Vfs};
use alloc::vec::Vec;
use lock_api::RawMutex;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{EAGAIN, EPIPE};
use minix_abi::message::Reply;
use minix_abi::vfs::flags::O_NONBLOCK;
use minix_abi::vfs::{pack_small, unpack_small, SMALL_MAX};

/// Pipes use the I/O stripes from this offset on, so pipe 0 and the root
/// directory do not share one.
const PIPE_STRIPE_BASE: usize = 7;

impl<R: RawMutex> Vfs<R> {
    pub(crate) fn pipe_read(&self, env: &mut impl Env, who: Endpoint, n: usize, flags: u64, buf: Buf) -> Outcome {
        let _io = self.stripe(PIPE_STRIPE_BASE + n);
        let want = match buf {
            Buf::User(b) => b.len.min(PIPE_SIZE as u64) as usize,
            Buf::Small(len) => len,
        };
        if want == 0 {
            return Reply::ok(0).into();
        }
        let avail = {
            let mut s = self.state.lock();
            let p = s.pipe(n);
            if p.buf.is_empty() {
                if p.writers == 0 {
                    return Reply::ok(0).into();
                }
                if flags & O_NONBLOCK != 0 {
                    return Reply::err(EAGAIN).into();
                }
                if let Err(e) = env.save_reply(who) {
                    return Reply::err(e).into();
                }
                let data = match buf {
                    Buf::User(b) => Data::User { addr: b.addr },
                    Buf::Small(_) => Data::Words([0; SMALL_MAX as usize]),
                };
                s.pipe(n).read_waiters.push_back(Waiter { who, data, len: want, done: 0 });
                return Outcome::Suspended;
            }
            want.min(p.buf.len())
        };
        let reply = match self.deliver(env, who, n, buf_data(buf), avail) {
            Ok(r) => r,
            Err(e) => return Reply::err(e).into(),
        };
        self.pump(env, n);
        reply.into()
    }

    /// Copies the pipe's first `k` bytes to a reader and takes them out
    /// (only once the copy worked: a reader's bad buffer loses no bytes).
    fn deliver(&self, env: &mut impl Env, who: Endpoint, n: usize, data: Data, k: usize) -> Result<Reply, minix_abi::errno::Errno> {
        let (mut small, mut big) = ([0u8; SMALL_MAX as usize], Vec::new());
        let tmp = scratch(&mut small, &mut big, k);
        self.state.lock().pipe(n).peek(tmp);
        let reply = match data {
            Data::Words(_) => Reply::ok_with(k as u64, pack_small(tmp)),
            Data::User { addr } => {
                copy_out(env, who, addr, tmp)?;
                Reply::ok(k as u64)
            }
        };
        self.state.lock().pipe_take(n, k);
        Ok(reply)
    }

    pub(crate) fn pipe_write(&self, env: &mut impl Env, who: Endpoint, n: usize, flags: u64, src: Src) -> Outcome {
        let _io = self.stripe(PIPE_STRIPE_BASE + n);
        let (len, data) = match src {
            Src::User(b) => (b.len.min(usize::MAX as u64) as usize, Data::User { addr: b.addr }),
            Src::Small(len, words) => {
                let mut bytes = [0u8; SMALL_MAX as usize];
                unpack_small(&words, &mut bytes[..len]);
                (len, Data::Words(bytes))
            }
        };
        if len == 0 {
            return Reply::ok(0).into();
        }
        let mut w = Waiter { who, data, len, done: 0 };
        loop {
            let k = {
                let mut s = self.state.lock();
                let space = s.pipe_space(n);
                let p = s.pipe(n);
                if p.readers == 0 {
                    return partial(w.done, EPIPE).into();
                }
                // First come, first served: behind a waiting writer, wait.
                let k = if p.write_waiters.is_empty() { Pipe::writable_now(space, w.len, w.len - w.done) } else { 0 };
                if k == 0 {
                    if flags & O_NONBLOCK != 0 {
                        return partial(w.done, EAGAIN).into();
                    }
                    if let Err(e) = env.save_reply(who) {
                        return partial(w.done, e).into();
                    }
                    p.write_waiters.push_back(w);
                    drop(s);
                    self.pump(env, n);
                    return Outcome::Suspended;
                }
                if let Err(e) = s.pipe_reserve(n, k, self.low_memory()) {
                    return partial(w.done, e).into();
                }
                k
            };
            let (mut small, mut big) = ([0u8; SMALL_MAX as usize], Vec::new());
            let bytes = scratch(&mut small, &mut big, k);
            if let Err(e) = fetch(env, &w, bytes) {
                self.state.lock().pipe_trim(n);
                return partial(w.done, e).into();
            }
            self.state.lock().pipe_push(n, bytes);
            w.done += k;
            self.pump(env, n);
            if w.done == w.len {
                return Reply::ok(w.len as u64).into();
            }
        }
    }

    /// Finishes waiters until none can move: readers while there are
    /// bytes, writers while there is room; then answers the pollers the
    /// pipe's new state concerns.
    fn pump(&self, env: &mut impl Env, n: usize) {
        self.pump_waiters(env, n);
        self.locked(env, |s, a| s.wake_pollers(n, a));
    }

    fn pump_waiters(&self, env: &mut impl Env, n: usize) {
        loop {
            let mut progress = false;
            loop {
                let (w, k) = {
                    let mut s = self.state.lock();
                    let p = s.pipe(n);
                    if p.buf.is_empty() {
                        break;
                    }
                    let Some(w) = p.read_waiters.pop_front() else { break };
                    let k = w.len.min(p.buf.len());
                    // A reader PM is freezing is dropped, its bytes left
                    // (see `service`); else PM waits for its answer.
                    if !self.services.begin_finishing(w.who) {
                        progress = true;
                        continue;
                    }
                    (w, k)
                };
                let reply = self.deliver(env, w.who, n, w.data, k).unwrap_or_else(Reply::err);
                env.reply_saved(w.who, reply);
                self.services.end(w.who);
                progress = true;
            }
            loop {
                let (mut w, k) = {
                    let mut s = self.state.lock();
                    let space = s.pipe_space(n);
                    let p = s.pipe(n);
                    let Some(front) = p.write_waiters.front() else { break };
                    let k = Pipe::writable_now(space, front.len, front.len - front.done);
                    if k == 0 || p.readers == 0 {
                        break;
                    }
                    let Some(w) = p.write_waiters.pop_front() else { break };
                    // A writer PM is freezing is dropped (see `service`);
                    // else PM waits for its answer.
                    if !self.services.begin_finishing(w.who) {
                        progress = true;
                        continue;
                    }
                    if let Err(e) = s.pipe_reserve(n, k, self.low_memory()) {
                        self.services.end(w.who);
                        drop(s);
                        env.reply_saved(w.who, partial(w.done, e));
                        progress = true;
                        continue;
                    }
                    (w, k)
                };
                let (mut small, mut big) = ([0u8; SMALL_MAX as usize], Vec::new());
                let bytes = scratch(&mut small, &mut big, k);
                match fetch(env, &w, bytes) {
                    Ok(()) => {
                        let mut s = self.state.lock();
                        s.pipe_push(n, bytes);
                        w.done += k;
                        if w.done < w.len {
                            self.services.end(w.who);
                            s.pipe(n).write_waiters.push_front(w);
                        } else {
                            drop(s);
                            env.reply_saved(w.who, Reply::ok(w.len as u64));
                            self.services.end(w.who);
                        }
                    }
                    Err(e) => {
                        self.state.lock().pipe_trim(n);
                        env.reply_saved(w.who, partial(w.done, e));
                        self.services.end(w.who);
                    }
                }
                progress = true;
            }
            if !progress {
                return;
            }
        }
    }
}

/// A write's answer after an error: the bytes written so far, if any.
fn partial(done: usize, e: minix_abi::errno::Errno) -> Reply {
    if done > 0 {
        Reply::ok(done as u64)
    } else {
        Reply::err(e)
    }
}

fn buf_data(buf: Buf) -> Data {
    match buf {
        Buf::User(b) => Data::User { addr: b.addr },
        Buf::Small(_) => Data::Words([0; SMALL_MAX as usize]),
    }
}

/// A buffer of `k` bytes: on the stack when small (a one-byte pipe
/// round trip then allocates nothing), else in `big`.
fn scratch<'a>(small: &'a mut [u8; SMALL_MAX as usize], big: &'a mut Vec<u8>, k: usize) -> &'a mut [u8] {
    if k <= small.len() {
        &mut small[..k]
    } else {
        big.resize(k, 0);
        big
    }
}

/// The next `out.len()` bytes of a writer's data.
fn fetch(env: &mut impl Env, w: &Waiter, out: &mut [u8]) -> Result<(), minix_abi::errno::Errno> {
    match w.data {
        Data::Words(bytes) => {
            out.copy_from_slice(&bytes[w.done..w.done + out.len()]);
            Ok(())
        }
        Data::User { addr } => copy_in(env, w.who, addr.wrapping_add(w.done as u64), out),
    }
}
