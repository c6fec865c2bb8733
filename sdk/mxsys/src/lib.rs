// SPDX-License-Identifier: BSD-2-Clause
//! The system-call layer of C programs. musl (patched by
//! `tools/musl/0001-system-calls-through-the-mx-layer.patch`) makes no
//! `syscall` instruction: every call reaches `__mx_syscall(n, a1..a6)`
//! here, with Linux's x86_64 number and arguments. This library speaks
//! Linux at that one boundary (numbers, errno values, flag bits and
//! structure layouts) and our servers' MINIX protocol behind it, through
//! `mxrt`'s clients; the servers know nothing of Linux.
//!
//! * [`calls`]: the table of calls and their handlers, [`calls::dispatch`];
//! * [`signals`]: C handlers (run through `mxrt`'s), masks, `sigsuspend`,
//!   the alternate stack;
//! * [`system`]: `uname`, `prlimit64`, `poll`, `select`, `getrandom`;
//! * [`attrs`]: owners, modes and times (`chown`, `fchmod`, `utimensat`);
//! * [`threads`]: `clone`, a thread's `exit`, `futex`, `gettid`;
//! * [`errno`], [`flags`], [`stat`], [`dirent`]: the translations,
//!   host-tested;
//! * [`user`]: the program's own memory as its calls name it;
//! * `glue` (seL4 only): the C entry points, the allocator `mxrt` needs,
//!   the panic handler.
//!
//! It runs before thread-local storage exists (its first call is
//! `arch_prctl`) and on small stacks: it keeps no thread-local state and
//! puts nothing large on the stack.
#![cfg_attr(target_os = "none", no_std)]

pub mod attrs;
pub mod calls;
pub mod dirent;
pub mod errno;
pub mod flags;
pub mod signals;
pub mod stat;
pub mod system;
pub mod threads;
pub mod user;

#[cfg(target_os = "none")]
mod glue;
