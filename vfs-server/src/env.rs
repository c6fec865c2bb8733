// SPDX-License-Identifier: BSD-2-Clause
//! What a VFS worker needs from the world: the FS, grants, VM's copies and
//! fix-range, and saved reply caps. The glue implements it with seL4 calls;
//! host tests implement it over an in-memory FS server and fake user
//! memory. One `Env` belongs to one worker thread, so its buffers and its
//! permanent grants are that worker's own.
//!
//! **TRY and retry.** Every grant on user memory carries `CPF_TRY`: a copy
//! into a page that is not present fails at once and marks the grant.
//! [`fs_on_user`] revokes the grant after the FS call, and when the revoke
//! reports the mark it has VM make the range present and repeats the call,
//! whatever the FS answered (the FS may have failed the request with
//! `EFAULT`, or, had it copied before faulting, the answer is stale).
//! VFS's own copies of a user's paths and stat buffers try first the same
//! way ([`copy_in`], [`copy_out`]).

use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EFAULT};
use minix_abi::fs;
use minix_abi::message::Reply;

/// How many times a request is repeated after a fault. One fix-range
/// normally suffices; a page can only go again if another thread of the
/// same process unmaps it meanwhile, and then the user gets EFAULT.
pub const RETRIES: usize = 3;

/// The two name slots of a worker (a rename or link names two).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum NameSlot {
    First,
    Second,
}

pub trait Env {
    /// Sends one request to the FS and returns its answer.
    fn fs(&mut self, req: fs::Request) -> Reply;
    /// A magic `CPF_TRY` grant, for the FS, on `len` bytes of `who`'s
    /// memory at `addr`; the FS may write it when `write`.
    fn grant_user(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Result<i32, Errno>;
    /// Revokes a grant; `Ok(true)` when a TRY copy through it faulted.
    fn revoke(&mut self, grant: i32) -> Result<bool, Errno>;
    /// Has VM make `who`'s range present (writable when `write`); EFAULT
    /// when it is not memory `who` may use that way.
    fn fix(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Result<(), Errno>;
    /// Copies `out.len()` bytes from `who`'s memory, trying only: EFAULT
    /// when a page is not present (or not memory at all).
    fn try_copy_in(&mut self, who: Endpoint, addr: u64, out: &mut [u8]) -> Result<(), Errno>;
    /// Copies `data` into `who`'s memory, trying only.
    fn try_copy_out(&mut self, who: Endpoint, addr: u64, data: &[u8]) -> Result<(), Errno>;
    /// Puts a name (at most [`fs::NAME_MAX`] bytes) where the FS reads it
    /// and returns the grant the FS reads it through.
    fn name_grant(&mut self, slot: NameSlot, name: &[u8]) -> Result<i32, Errno>;
    /// A grant the FS writes up to [`SCRATCH`] bytes into, read back with
    /// [`Env::scratch`] (symlink targets, directory entries).
    fn scratch_grant(&mut self) -> Result<i32, Errno>;
    /// The scratch buffer's first `len` bytes.
    fn scratch(&mut self, len: usize) -> &[u8];
    /// Keeps the reply cap of the call being served, to answer `who`
    /// later; called with VFS's state locked, before the wait is recorded,
    /// so a waker always finds it.
    fn save_reply(&mut self, who: Endpoint) -> Result<(), Errno>;
    /// Answers `who`, whose reply cap was saved.
    fn reply_saved(&mut self, who: Endpoint, reply: Reply);
    /// Drops `who`'s saved reply cap unanswered (a held call PM's
    /// suspension cancelled).
    fn drop_saved(&mut self, who: Endpoint);
    /// Lets other threads run (a worker waiting for another to finish).
    fn pause(&mut self);
    /// Has VM map a file into a process (VM's `MMAP_FILE`).
    fn vm_mmap_file(&mut self, map: minix_abi::vm::FileMapWord, addr: u64, len: u64) -> Result<u64, Errno>;
    /// Tells VM that `len` bytes from `src` were written at `pos` of a
    /// file it caches pages of (VM's `CACHE_WRITE`).
    fn vm_cache_write(&mut self, src: WriteSrc<'_>, ino: u32, pos: u64, len: u64) -> Result<(), Errno>;
    /// Tells VM that a file it caches pages of now has `size` bytes.
    fn vm_cache_trunc(&mut self, ino: u32, size: u64) -> Result<(), Errno>;
    /// Has VM rebuild `who`'s memory for exec from `desc` (VM's `EXEC`;
    /// `ino` is the program): answers the entry point.
    fn vm_exec(&mut self, who: Endpoint, desc: &[u8], ino: u32) -> Result<u64, Errno>;
    /// Fills `out` with unpredictable bytes (exec's `AT_RANDOM`,
    /// `/dev/random` and `/dev/urandom`).
    fn fill_random(&mut self, out: &mut [u8]);
    /// Monotonic nanoseconds (the clock page's reading).
    fn now(&mut self) -> u64;
    /// Asks the timer driver to signal VFS's alarm notification at
    /// monotonic time `at` (its `ALARM`, answered at once), replacing
    /// whatever VFS asked for before.
    fn set_alarm(&mut self, at: u64) -> Result<(), Errno>;
}

/// Where the bytes of a write came from, for VM to copy into its cache.
#[derive(Copy, Clone, Debug)]
pub enum WriteSrc<'a> {
    /// `who`'s memory at `addr`.
    User { who: Endpoint, addr: u64 },
    /// Bytes VFS holds (a small write's message words).
    Bytes(&'a [u8]),
}

/// Bytes of a worker's scratch buffer.
pub const SCRATCH: usize = 4096;

/// Sends the FS request `make(grant)`, where the grant covers `who`'s
/// `len` bytes at `addr`, repeating it after having VM make the range
/// present whenever the revoke says a copy faulted.
pub fn fs_on_user(
    env: &mut impl Env,
    who: Endpoint,
    addr: u64,
    len: u64,
    write: bool,
    make: impl Fn(i32) -> fs::Request,
) -> Result<Reply, Errno> {
    for attempt in 0..=RETRIES {
        let grant = env.grant_user(who, addr, len, write)?;
        let reply = env.fs(make(grant));
        if !env.revoke(grant)? {
            return Ok(reply);
        }
        if attempt == RETRIES {
            break;
        }
        env.fix(who, addr, len, write)?;
    }
    Err(EFAULT)
}

/// Runs `attempt` (a trying copy of `len` bytes of `who`'s memory at
/// `addr`); on EFAULT has VM make the range present (writable when
/// `write`) and tries again, at most [`RETRIES`] times.
fn retried<E: Env>(
    env: &mut E,
    who: Endpoint,
    addr: u64,
    len: usize,
    write: bool,
    mut attempt: impl FnMut(&mut E) -> Result<(), Errno>,
) -> Result<(), Errno> {
    if len == 0 {
        return Ok(());
    }
    for _ in 0..=RETRIES {
        match attempt(env) {
            Err(EFAULT) => env.fix(who, addr, len as u64, write)?,
            r => return r,
        }
    }
    Err(EFAULT)
}

/// Copies from `who`'s memory, paging the range in through VM if needed.
pub fn copy_in(env: &mut impl Env, who: Endpoint, addr: u64, out: &mut [u8]) -> Result<(), Errno> {
    let len = out.len();
    retried(env, who, addr, len, false, |env| env.try_copy_in(who, addr, out))
}

/// Copies into `who`'s memory, paging the range in writable if needed.
pub fn copy_out(env: &mut impl Env, who: Endpoint, addr: u64, data: &[u8]) -> Result<(), Errno> {
    retried(env, who, addr, data.len(), true, |env| env.try_copy_out(who, addr, data))
}
