// SPDX-License-Identifier: BSD-2-Clause
//! The program's arguments, environment and auxiliary vector, read from
//! the stack exec built (`minix_abi::exec::build_stack`), and `execve`.
//!
//! A process that exec did not start (init, spawned at boot) has none:
//! its starting stack pointer does not lie in exec's stack, and every
//! reader answers as for an empty list. Every pointer is checked to lie in
//! the block, so a damaged block gives `None`s, never a wild read.

use alloc::vec;
use minix_abi::errno::Errno;
use minix_abi::exec::{self, BLOCK_MAX, STACK_SIZE, STACK_TOP};
use minix_abi::pm;

/// The bytes from the starting stack pointer to exec's stack top.
fn block() -> Option<(&'static [u8], u64)> {
    let sp = sel4::initial_sp();
    let bottom = (STACK_TOP - STACK_SIZE) as u64;
    if sp < bottom || sp >= STACK_TOP as u64 || !sp.is_multiple_of(16) {
        return None;
    }
    // SAFETY: exec left [sp, STACK_TOP) present and readable in the stack
    // region, which the program runs beside (its own stack is static) and
    // never writes or unmaps: nothing in our runtime writes above the
    // starting stack pointer.
    let bytes = unsafe { sel4::slice_at(sp, (STACK_TOP as u64 - sp) as usize) };
    Some((bytes, sp))
}

fn word(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i * 8..i * 8 + 8)?.try_into().ok()?))
}

/// The NUL-terminated string at `addr`, inside the block.
fn string(b: &'static [u8], sp: u64, addr: u64) -> Option<&'static [u8]> {
    let at = usize::try_from(addr.checked_sub(sp)?).ok()?;
    let rest = b.get(at..)?;
    Some(&rest[..rest.iter().position(|&c| c == 0)?])
}

/// The number of arguments.
pub fn argc() -> usize {
    block().and_then(|(b, _)| word(b, 0)).map_or(0, |n| n as usize)
}

/// Argument `i`.
pub fn arg(i: usize) -> Option<&'static [u8]> {
    let (b, sp) = block()?;
    if i >= argc() {
        return None;
    }
    string(b, sp, word(b, 1 + i)?)
}

/// The arguments.
pub fn args() -> impl Iterator<Item = &'static [u8]> {
    (0..argc()).map_while(arg)
}

/// Environment string `i` (`NAME=value`).
pub fn env_at(i: usize) -> Option<&'static [u8]> {
    let (b, sp) = block()?;
    let p = word(b, argc() + 2 + i)?;
    if p == 0 {
        return None;
    }
    string(b, sp, p)
}

/// The environment.
pub fn env() -> impl Iterator<Item = &'static [u8]> {
    (0..).map_while(env_at)
}

/// The value of environment variable `name`.
pub fn getenv(name: &[u8]) -> Option<&'static [u8]> {
    env().find_map(|e| e.strip_prefix(name).and_then(|rest| rest.strip_prefix(b"=")))
}

/// The auxiliary vector's value for `key` (`exec::AT_*`).
pub fn aux(key: u64) -> Option<u64> {
    let (b, _) = block()?;
    // Past argc, the arguments and their NULL, then the environment.
    let mut i = argc() + 2;
    while word(b, i)? != 0 {
        i += 1;
    }
    i += 1;
    loop {
        let (k, v) = (word(b, i)?, word(b, i + 1)?);
        if k == exec::AT_NULL {
            return None;
        }
        if k == key {
            return Some(v);
        }
        i += 2;
    }
}

/// The string an `AT_*` entry points at (`AT_EXECFN`).
pub fn aux_string(key: u64) -> Option<&'static [u8]> {
    let (b, sp) = block()?;
    string(b, sp, aux(key)?)
}

/// Replaces this program with the one at `path`, run with `argv` and
/// `envp`. Returns only on failure, with the errno; the process is then
/// as it was.
pub fn execve(path: &[u8], argv: &[&[u8]], envp: &[&[u8]]) -> Errno {
    let size = exec::block_bytes(path, argv.iter().copied(), envp.iter().copied()).min(BLOCK_MAX as usize + 1);
    let mut buf = vec![0u8; size];
    let len = match exec::write_block(&mut buf, path, argv.iter().copied(), envp.iter().copied()) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let req = pm::Request::Exec { block: u32::try_from(buf.as_ptr() as usize).unwrap_or(u32::MAX), len: len as u32 };
    match crate::signal::call_pm(&req).result() {
        Err(e) => e,
        // PM never answers a successful exec; any answer is a failure.
        Ok(_) => minix_abi::errno::EIO,
    }
}
