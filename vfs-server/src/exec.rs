// SPDX-License-Identifier: BSD-2-Clause
//! exec, VFS's part (PM's `PROC_EXEC`): the argument block copied in from
//! the process, the program found and checked, its head and tail pages
//! read from the FS, the first stack built, and VM asked to rebuild the
//! process's memory from that description (see `minix_abi::exec`). On
//! success the process's close-on-exec descriptors are closed; on any
//! error nothing of the process has changed.
//!
//! A program is a regular file with some execute bit (everyone is root:
//! any bit will do), else `EACCES`. A file that starts with `#!` names
//! its interpreter and at most one argument on its first line; the
//! interpreter must itself be a program (one level: a script as
//! interpreter is `ENOEXEC`), and it runs with argv `interpreter
//! [argument] script args[1..]`, the script's path as given.
//!
//! Deadlock rules: the copy-in of the block pages in through VM like any
//! copy of user memory, the FS reads go into VFS's own scratch buffer,
//! and VM answers EXEC at once; nothing here waits on a process.

use crate::env::{copy_in, Env};
use crate::path::{put, resolve, Found};
use crate::Vfs;
use alloc::vec;
use alloc::vec::Vec;
use lock_api::RawMutex;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, E2BIG, EACCES, EIO, ENOEXEC};
use minix_abi::exec::{self, arg_bytes, ArgBlock, AuxInfo, Description, ARG_MAX, BLOCK_MAX, STACK_TOP};
use minix_abi::fs::{self, Io};
use minix_abi::offset::Offset;
use minix_abi::vfs::mode::{S_IFMT, S_IFREG};

/// Longest `#!` line read (Linux's limit).
pub const SHEBANG_MAX: usize = 256;

/// A program file found and checked, with its first bytes.
struct Program {
    found: Found,
    head: Vec<u8>,
}

/// Reads up to `len` bytes of `ino` at `pos` through the scratch buffer.
fn read_file(env: &mut impl Env, ino: u32, pos: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let len = len.min(crate::env::SCRATCH);
    let grant = env.scratch_grant()?;
    let io = Io::from_reply(&env.fs(fs::Request::Read { ino, grant, pos: Offset::new(pos).map_err(|_| EIO)?, bytes: len as u64 }))?;
    let n = io.bytes as usize;
    if n > len {
        return Err(EIO);
    }
    Ok(env.scratch(n).to_vec())
}

/// Finds `path`, checks that it may run and reads its head; the walk's
/// reference comes with it (the caller puts it).
fn open_program(env: &mut impl Env, cwd: u32, path: &[u8]) -> Result<Program, Errno> {
    let found = resolve(env, cwd, path, true)?;
    let mode = found.node.mode as u32;
    let checked = if mode & S_IFMT != S_IFREG || mode & 0o111 == 0 {
        Err(EACCES)
    } else {
        read_file(env, found.node.ino, 0, exec::HEAD_MAX as usize)
    };
    match checked {
        Ok(head) => Ok(Program { found, head }),
        Err(e) => {
            put(env, &found);
            Err(e)
        }
    }
}

/// A `#!` line: the interpreter and its one optional argument.
pub type Shebang<'a> = (&'a [u8], Option<&'a [u8]>);

/// A `#!` line's interpreter and optional argument, or `None` when the
/// head is no script. A line that does not end within [`SHEBANG_MAX`]
/// bytes (and is not the whole file) or names no interpreter is
/// `ENOEXEC`.
pub fn shebang(head: &[u8]) -> Result<Option<Shebang<'_>>, Errno> {
    if !head.starts_with(b"#!") {
        return Ok(None);
    }
    let window = &head[..head.len().min(SHEBANG_MAX)];
    let line = match window.iter().position(|&c| c == b'\n') {
        Some(end) => &window[2..end],
        None if head.len() < SHEBANG_MAX => &window[2..],
        None => return Err(ENOEXEC),
    };
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let line = trim(line);
    let cut = line.iter().position(blank).unwrap_or(line.len());
    let (interp, rest) = line.split_at(cut);
    if interp.is_empty() || interp.contains(&0) {
        return Err(ENOEXEC);
    }
    let arg = trim(rest);
    Ok(Some((interp, if arg.is_empty() { None } else { Some(arg) })))
}

/// `s` without blanks at either end.
fn trim(s: &[u8]) -> &[u8] {
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let a = s.iter().position(|c| !blank(c)).unwrap_or(s.len());
    let b = s.iter().rposition(|c| !blank(c)).map_or(a, |i| i + 1);
    &s[a..b.max(a)]
}

/// 16 bytes from the glue's random source, for `AT_RANDOM`.
fn random(env: &mut impl Env) -> [u8; 16] {
    let mut r = [0; 16];
    env.fill_random(&mut r);
    r
}

impl<R: RawMutex> Vfs<R> {
    /// PM's `PROC_EXEC` for `who`: answers the new program's entry point
    /// and stack pointer.
    pub(crate) fn exec(&self, env: &mut impl Env, who: Endpoint, block: u32, len: u32) -> Result<(u64, u64), Errno> {
        if len > BLOCK_MAX {
            return Err(E2BIG);
        }
        let mut raw = vec![0u8; len as usize];
        copy_in(env, who, block as u64, &mut raw)?;
        let args = ArgBlock::parse(&raw)?;
        let cwd = self.cwd(who)?;
        let script = open_program(env, cwd, args.path)?;
        let result = match shebang(&script.head) {
            Ok(None) => {
                let r = self.exec_program(env, who, script, args.path, args.args(), args.env());
                return self.finish_exec(env, who, r);
            }
            Ok(Some((interp, arg))) => match open_program(env, cwd, interp) {
                Ok(prog) => {
                    // The interpreter, its argument, the script as named,
                    // then the caller's arguments after its argv[0].
                    let argv = core::iter::once(interp).chain(arg).chain(core::iter::once(args.path)).chain(args.args().skip(1));
                    if shebang(&prog.head).ok().flatten().is_some() {
                        put(env, &prog.found);
                        Err(ENOEXEC)
                    } else {
                        self.exec_program(env, who, prog, args.path, argv, args.env())
                    }
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        put(env, &script.found);
        self.finish_exec(env, who, result)
    }

    /// After VM answered: on success the old program is gone for good, and
    /// the descriptors marked close-on-exec go with it.
    fn finish_exec(&self, env: &mut impl Env, who: Endpoint, result: Result<(u64, u64), Errno>) -> Result<(u64, u64), Errno> {
        let (entry, sp) = result?;
        // The point of no return is behind us: the old program is gone.
        self.locked(env, |s, a| s.close_on_exec(who, a));
        Ok((entry, sp))
    }

    /// Builds the description for `prog` and has VM load it. The walk's
    /// reference on the program is used up, whatever the outcome.
    fn exec_program<'s>(
        &self,
        env: &mut impl Env,
        who: Endpoint,
        prog: Program,
        execfn: &[u8],
        argv: impl Iterator<Item = &'s [u8]> + Clone,
        envp: impl Iterator<Item = &'s [u8]> + Clone,
    ) -> Result<(u64, u64), Errno> {
        let desc = match describe(env, &prog, execfn, argv, envp) {
            Ok(d) => d,
            Err(e) => {
                put(env, &prog.found);
                return Err(e);
            }
        };
        let (ino, refs, sp) = (prog.found.node.ino, prog.found.refs, desc.1);
        // VM keeps the file mapped: one hold for it, as for an mmap. The
        // walk's reference becomes the vnode's for the call's length.
        self.locked(env, |s, a| {
            s.hold_for_open(ino, refs, a)?;
            let r = s.vm_maps(ino, who);
            if r.is_err() {
                s.release(ino, a);
            }
            r
        })?;
        let r = env.vm_exec(who, &desc.0, ino);
        self.locked(env, |s, a| {
            if r.is_err() {
                s.vm_unmapped(ino, 1, a);
            }
            s.release(ino, a);
        });
        Ok((r?, sp as u64))
    }
}

/// VM's description of `prog` run with `argv` and `envp`, and the new
/// stack pointer.
fn describe<'s>(
    env: &mut impl Env,
    prog: &Program,
    execfn: &[u8],
    argv: impl Iterator<Item = &'s [u8]> + Clone,
    envp: impl Iterator<Item = &'s [u8]> + Clone,
) -> Result<(Vec<u8>, u32), Errno> {
    let strings: u64 = argv.clone().chain(envp.clone()).map(|s| s.len() as u64 + 1).sum();
    if arg_bytes(strings, (argv.clone().count() + envp.clone().count()) as u64) > ARG_MAX as u64 {
        return Err(E2BIG);
    }
    let size = u32::try_from(prog.found.node.size).map_err(|_| ENOEXEC)?;
    let layout = elf_load::parse_head(&prog.head, size as u64, exec::IMAGE_LIMIT as u64, exec::PIE_BASE as u64).map_err(|_| ENOEXEC)?;
    let ino = prog.found.node.ino;
    let mut tails = Vec::new();
    for t in layout.tails() {
        let bytes = read_file(env, ino, t.offset, t.len as usize)?;
        if bytes.len() as u64 != t.len {
            return Err(EIO);
        }
        tails.extend_from_slice(&bytes);
    }
    let aux = AuxInfo { phdr: layout.phdr, phnum: layout.phnum as u64, entry: layout.entry, random: random(env), ..Default::default() };
    // Exactly the bytes the image takes (zeroing a buffer of the largest
    // size cost more than the rest of an exec).
    let mut stack = vec![0u8; exec::stack_bytes(execfn, argv.clone(), envp.clone())];
    let (sp, stack_len) = exec::build_stack(&mut stack, STACK_TOP, execfn, argv, envp, &aux)?;
    stack.truncate(stack_len);
    let head = &prog.head[..prog.head.len().min(exec::HEAD_MAX as usize)];
    let mut desc = Vec::with_capacity(exec::DESC_HEADER as usize + head.len() + tails.len() + stack.len());
    desc.extend_from_slice(&Description::header(size, head.len() as u32, tails.len() as u32, stack.len() as u32, sp));
    desc.extend_from_slice(head);
    desc.extend_from_slice(&tails);
    desc.extend_from_slice(&stack);
    Ok((desc, sp))
}
