// SPDX-License-Identifier: BSD-2-Clause
//! exec: the argument block a process hands PM, the description VFS
//! hands VM, and the new program's first stack.
//!
//! ```text
//! user ──Call PM EXEC{block, block bytes}──▶ PM
//! PM ──Call VFS PROC_EXEC{who, block, block bytes}──▶ VFS: copies the
//!     block in, resolves and checks the path (#! one level), reads the
//!     head and the tail pages, builds the stack image (build_stack)
//! VFS ──Call VM EXEC{who, description, bytes, inode}──▶ VM: rebuilds
//!     who's memory from the description (or changes nothing)
//! VFS: closes who's close-on-exec descriptors ──reply entry, sp──▶ PM
//! PM: resets handled signals, writes who's registers, restarts it
//! ```
//!
//! Every number here fits 32 bits (addresses lie below 4 GiB), so the
//! formats are the same on a 32-bit port.
//!
//! **The argument block** ([`ArgBlock`]), in the caller's memory:
//! [`BLOCK_HEADER`] bytes (`"Xarg"`, argc, envc, path bytes as
//! little-endian `u32`s), the path (no NUL), then argc + envc strings,
//! each ended by a NUL, and nothing after them.
//!
//! **The description** ([`Description`]), in VFS's memory: five `u32`s
//! (file size, head bytes, tail bytes, stack bytes, stack pointer), the
//! file's head (its first page, at most [`HEAD_MAX`]), the tail pages'
//! file bytes in segment order (see `elf_load::LoadSeg::tail`), and the
//! stack image, which lands at `[sp, STACK_TOP)`.
use crate::errno::{Errno, E2BIG, EINVAL, ENAMETOOLONG, ENOENT};
use crate::vfs::PATH_MAX;

/// Most bytes of arguments and environment: their strings with their
/// NULs, plus one pointer (8 bytes) for each and for the two NULL ends,
/// as Linux counts. More is `E2BIG`.
pub const ARG_MAX: u32 = 128 * 1024;
/// Bytes of the argument block's header.
pub const BLOCK_HEADER: u32 = 16;
/// Largest argument block PM passes on; a longer one is `E2BIG` at once.
pub const BLOCK_MAX: u32 = BLOCK_HEADER + PATH_MAX as u32 + ARG_MAX;
/// The block's first four bytes.
pub const MAGIC: [u8; 4] = *b"Xarg";

/// The new stack's top: below the IPC area at `0x7000_0000`, with 64 KiB
/// left unmapped between them.
pub const STACK_TOP: u32 = 0x6fff_0000;
/// The new stack's size (demand-zero pages).
pub const STACK_SIZE: u32 = 8 << 20;
/// Every segment of an exec'd program must end below this (where mmap
/// starts looking, 1 GiB).
pub const IMAGE_LIMIT: u32 = 0x4000_0000;
/// Where a static PIE's first page goes.
pub const PIE_BASE: u32 = 0x40_0000;
/// Most bytes of the file's head VFS reads: one page.
pub const HEAD_MAX: u32 = 4096;
/// Most bytes of a stack image: the arguments, the program's path
/// (`AT_EXECFN`), the random bytes, the vectors and their alignment.
pub const STACK_IMAGE_MAX: u32 = ARG_MAX + PATH_MAX as u32 + 1024;
/// Bytes of the description's header.
pub const DESC_HEADER: u32 = 20;
/// Most bytes of tail pages: one page per loadable segment at most.
pub const TAILS_MAX: u32 = 16 * 4096;
/// Largest description.
pub const DESC_MAX: u32 = DESC_HEADER + HEAD_MAX + TAILS_MAX + STACK_IMAGE_MAX;

/// Auxiliary vector types (Linux's numbers, which C start code reads).
pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_RANDOM: u64 = 25;
pub const AT_EXECFN: u64 = 31;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// An argument block, checked: the path and the strings.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ArgBlock<'a> {
    pub path: &'a [u8],
    pub argc: u32,
    pub envc: u32,
    /// argc + envc strings, each with its NUL.
    pub strings: &'a [u8],
}

impl<'a> ArgBlock<'a> {
    /// Checks a block: `EINVAL` for a malformed one (bad magic, counts
    /// that do not match the strings, bytes after them), `ENOENT` for an
    /// empty path or one holding a NUL, `ENAMETOOLONG` for a path over
    /// [`PATH_MAX`], `E2BIG` when the arguments pass [`ARG_MAX`].
    pub fn parse(b: &'a [u8]) -> Result<ArgBlock<'a>, Errno> {
        if b.len() < BLOCK_HEADER as usize || b[..4] != MAGIC {
            return Err(EINVAL);
        }
        let (argc, envc, plen) = (u32_at(b, 4).ok_or(EINVAL)?, u32_at(b, 8).ok_or(EINVAL)?, u32_at(b, 12).ok_or(EINVAL)?);
        if plen as u64 > PATH_MAX {
            return Err(ENAMETOOLONG);
        }
        let rest = &b[BLOCK_HEADER as usize..];
        let path = rest.get(..plen as usize).ok_or(EINVAL)?;
        if path.is_empty() || path.contains(&0) {
            return Err(ENOENT);
        }
        let strings = &rest[plen as usize..];
        let count = argc as u64 + envc as u64;
        if arg_bytes(strings.len() as u64, count) > ARG_MAX as u64 {
            return Err(E2BIG);
        }
        let nuls = strings.iter().filter(|&&c| c == 0).count() as u64;
        if nuls != count || strings.last().is_some_and(|&c| c != 0) {
            return Err(EINVAL);
        }
        Ok(ArgBlock { path, argc, envc, strings })
    }

    /// The arguments, then the environment, each without its NUL.
    pub fn all(&self) -> impl Iterator<Item = &'a [u8]> + Clone + 'a {
        let s = self.strings;
        s.split(|&c| c == 0).take((self.argc + self.envc) as usize)
    }

    /// The arguments.
    pub fn args(&self) -> impl Iterator<Item = &'a [u8]> + Clone + 'a {
        self.all().take(self.argc as usize)
    }

    /// The environment.
    pub fn env(&self) -> impl Iterator<Item = &'a [u8]> + Clone + 'a {
        self.all().skip(self.argc as usize)
    }
}

/// What `count` strings of `bytes` bytes (NULs included) cost against
/// [`ARG_MAX`].
pub fn arg_bytes(bytes: u64, count: u64) -> u64 {
    bytes.saturating_add(count.saturating_add(2).saturating_mul(8))
}

/// Writes an argument block into `out`; the caller's side of
/// [`ArgBlock::parse`]. Returns the block's length. `E2BIG` past
/// [`ARG_MAX`] (or past `out`), `ENAMETOOLONG` for a long path, `EINVAL`
/// for a string holding a NUL.
pub fn write_block<'s>(
    out: &mut [u8],
    path: &[u8],
    args: impl Iterator<Item = &'s [u8]> + Clone,
    env: impl Iterator<Item = &'s [u8]> + Clone,
) -> Result<usize, Errno> {
    if path.len() as u64 > PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let (argc, envc) = (args.clone().count(), env.clone().count());
    let bytes: u64 = args.clone().chain(env.clone()).map(|s| s.len() as u64 + 1).sum();
    if arg_bytes(bytes, (argc + envc) as u64) > ARG_MAX as u64 {
        return Err(E2BIG);
    }
    let len = BLOCK_HEADER as usize + path.len() + bytes as usize;
    let out = out.get_mut(..len).ok_or(E2BIG)?;
    out[..4].copy_from_slice(&MAGIC);
    for (i, n) in [argc as u32, envc as u32, path.len() as u32].into_iter().enumerate() {
        out[4 + 4 * i..8 + 4 * i].copy_from_slice(&n.to_le_bytes());
    }
    let mut at = BLOCK_HEADER as usize;
    out[at..at + path.len()].copy_from_slice(path);
    at += path.len();
    for s in args.chain(env) {
        if s.contains(&0) {
            return Err(EINVAL);
        }
        out[at..at + s.len()].copy_from_slice(s);
        out[at + s.len()] = 0;
        at += s.len() + 1;
    }
    Ok(len)
}

/// What the auxiliary vector tells the program about itself.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct AuxInfo {
    pub phdr: u64,
    pub phnum: u64,
    pub entry: u64,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub hwcap: u64,
    /// 16 bytes for `AT_RANDOM` (stack protector and pointer guards).
    pub random: [u8; 16],
}

/// The first stack's parts for these strings: the bytes of argument and
/// environment strings (with their NULs), and the whole image's bytes
/// (vectors, then strings and random bytes, each a multiple of 16).
fn stack_layout<'s>(
    execfn: &[u8],
    args: impl Iterator<Item = &'s [u8]> + Clone,
    env: impl Iterator<Item = &'s [u8]> + Clone,
) -> (u64, u64, u64) {
    let (argc, envc) = (args.clone().count() as u64, env.clone().count() as u64);
    let arg_strings: u64 = args.chain(env).map(|s| s.len() as u64 + 1).sum();
    let strings = arg_strings.saturating_add(execfn.len() as u64 + 1);
    let vectors = (8 * (1 + argc + 1 + envc + 1) + 16 * AUXV_ENTRIES as u64).next_multiple_of(16);
    (vectors, arg_strings, vectors.saturating_add((strings + 16).next_multiple_of(16)))
}

/// Bytes [`build_stack`] writes for these strings (so a caller can size
/// its buffer exactly), at most [`STACK_IMAGE_MAX`].
pub fn stack_bytes<'s>(execfn: &[u8], args: impl Iterator<Item = &'s [u8]> + Clone, env: impl Iterator<Item = &'s [u8]> + Clone) -> usize {
    stack_layout(execfn, args, env).2.min(STACK_IMAGE_MAX as u64) as usize
}

/// Bytes of the argument block [`write_block`] writes.
pub fn block_bytes<'s>(path: &[u8], args: impl Iterator<Item = &'s [u8]>, env: impl Iterator<Item = &'s [u8]>) -> usize {
    BLOCK_HEADER as usize + path.len() + args.chain(env).map(|s| s.len() + 1).sum::<usize>()
}

/// Entries of the auxiliary vector, `AT_NULL` included.
pub const AUXV_ENTRIES: usize = 17;

/// Builds the new program's first stack as the x86_64 System V ABI lays
/// it out, for a stack whose top is `top` (16-aligned): from `sp` up,
/// argc, the argument pointers and a NULL, the environment pointers and a
/// NULL, the auxiliary vector ended by `AT_NULL`, then the strings
/// (`execfn` last) and the random bytes at the top. The bytes from `sp`
/// to `top` go to the start of `out`; returns `sp` (16-aligned) and their
/// count. `E2BIG` if they would pass [`STACK_IMAGE_MAX`] or `out`.
pub fn build_stack<'s>(
    out: &mut [u8],
    top: u32,
    execfn: &[u8],
    args: impl Iterator<Item = &'s [u8]> + Clone,
    env: impl Iterator<Item = &'s [u8]> + Clone,
    aux: &AuxInfo,
) -> Result<(u32, usize), Errno> {
    let (vectors, arg_strings, total) = stack_layout(execfn, args.clone(), env.clone());
    if total > STACK_IMAGE_MAX as u64 || total > out.len() as u64 || !top.is_multiple_of(16) || (top as u64) < total {
        return Err(E2BIG);
    }
    let total = total as usize;
    let sp = top as u64 - total as u64;
    let out = &mut out[..total];
    out.fill(0);
    let random_at = total - 16;
    out[random_at..].copy_from_slice(&aux.random);
    let execfn_at = vectors as usize + arg_strings as usize;
    out[execfn_at..execfn_at + execfn.len()].copy_from_slice(execfn);
    // Two cursors: pointers from the bottom, strings from the vectors' end.
    let mut at = (0usize, vectors as usize);
    put_word(out, &mut at, args.clone().count() as u64);
    for s in args {
        put_string(out, &mut at, sp, s);
    }
    put_word(out, &mut at, 0);
    for s in env {
        put_string(out, &mut at, sp, s);
    }
    put_word(out, &mut at, 0);
    for (k, v) in aux_pairs(aux, sp + execfn_at as u64, sp + random_at as u64) {
        put_word(out, &mut at, k);
        put_word(out, &mut at, v);
    }
    Ok((sp as u32, total))
}

fn put_word(out: &mut [u8], at: &mut (usize, usize), v: u64) {
    out[at.0..at.0 + 8].copy_from_slice(&v.to_le_bytes());
    at.0 += 8;
}

/// Copies a string (its NUL is already there) and pushes its address.
fn put_string(out: &mut [u8], at: &mut (usize, usize), sp: u64, s: &[u8]) {
    out[at.1..at.1 + s.len()].copy_from_slice(s);
    let addr = sp + at.1 as u64;
    at.1 += s.len() + 1;
    put_word(out, at, addr);
}

/// The auxiliary vector, `AT_NULL` last.
fn aux_pairs(a: &AuxInfo, execfn: u64, random: u64) -> [(u64, u64); AUXV_ENTRIES] {
    [
        (AT_PHDR, a.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, a.phnum),
        (AT_PAGESZ, 4096),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, a.entry),
        (AT_UID, a.uid as u64),
        (AT_EUID, a.euid as u64),
        (AT_GID, a.gid as u64),
        (AT_EGID, a.egid as u64),
        (AT_HWCAP, a.hwcap),
        (AT_CLKTCK, 100),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_EXECFN, execfn),
        (AT_NULL, 0),
    ]
}

/// VFS's description of the new image for VM, checked.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Description<'a> {
    /// The program file's size (segments must lie inside it).
    pub file_size: u32,
    /// The file's first bytes: its ELF and program headers.
    pub head: &'a [u8],
    /// The tail pages' file bytes, in segment order.
    pub tails: &'a [u8],
    /// The stack image, for `[sp, STACK_TOP)`.
    pub stack: &'a [u8],
    pub sp: u32,
}

impl<'a> Description<'a> {
    /// The header VFS writes in front of the head, tails and stack.
    pub fn header(file_size: u32, head: u32, tails: u32, stack: u32, sp: u32) -> [u8; DESC_HEADER as usize] {
        let mut h = [0u8; DESC_HEADER as usize];
        for (i, v) in [file_size, head, tails, stack, sp].into_iter().enumerate() {
            h[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        h
    }

    /// Checks a description: `EINVAL` unless its parts fill it exactly,
    /// each is within its bound, and the stack image ends at
    /// [`STACK_TOP`] from a 16-aligned `sp`.
    pub fn parse(b: &'a [u8]) -> Result<Description<'a>, Errno> {
        let w = |i: usize| u32_at(b, 4 * i).ok_or(EINVAL);
        let (file_size, head, tails, stack, sp) = (w(0)?, w(1)?, w(2)?, w(3)?, w(4)?);
        if head > HEAD_MAX || tails > TAILS_MAX || stack > STACK_IMAGE_MAX {
            return Err(EINVAL);
        }
        if DESC_HEADER as u64 + head as u64 + tails as u64 + stack as u64 != b.len() as u64 {
            return Err(EINVAL);
        }
        if sp % 16 != 0 || sp as u64 + stack as u64 != STACK_TOP as u64 {
            return Err(EINVAL);
        }
        let (h, rest) = b[DESC_HEADER as usize..].split_at(head as usize);
        let (t, s) = rest.split_at(tails as usize);
        Ok(Description { file_size, head: h, tails: t, stack: s, sp })
    }
}

#[cfg(test)]
mod tests;
