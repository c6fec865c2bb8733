// SPDX-License-Identifier: BSD-2-Clause
//! A host model of the VM/VFS/FS protocol for file-backed memory, explored
//! exhaustively by `cargo test`.
//!
//! This crate is the **design contract** for file-mapped memory (issue 12)
//! and the file half of the personality (issue 11). It models the protocol
//! as it is to be built. Today the FS already fails a request at once when a
//! TRY copy faults (`fs-server`). VFS's worker pool and pagers, VM's
//! fix-range call, its page-in queue and the shared page cache do not exist
//! yet. The servers must keep every rule below. A change to the protocol
//! changes this model first, and the checker decides whether the change is
//! safe.
//!
//! # The design
//!
//! ## Threads
//! * **Users** (2 or 3 processes, one thread each). A `read`/`write` is a Call to
//!   VFS. A fault on a file mapping is a Call to VM by the kernel.
//! * **VFS**: a pool of **workers** (2 by default) plus **reserved pagers**
//!   (1 by default). All are seL4 threads in VFS's VSpace.
//!   - Workers Recv on VFS's endpoint. A worker holds at most one request;
//!     when every worker is busy, callers queue on the endpoint (FIFO).
//!   - A pager never serves users. It loops on a Call to VM, "page-in done
//!     (if any), give me work". VM answers when it has a page-in queued.
//!     The pager then Calls the FS `PEEK` (load this block into the cache)
//!     and Calls VM again with "done".
//! * **FS**: **one thread**. Every VM call it makes (register a cache block,
//!   safecopy with TRY) is answered at once, so a request always finishes in
//!   bounded time. A pool would add FS-internal locks held across those
//!   calls and change nothing below. Without TRY a pool would not help
//!   either: every FS thread can end up waiting on a page only the FS can
//!   load. One thread is also the harshest setting for the no-TRY check.
//! * **VM**: one thread that **never blocks**. It only receives, replies,
//!   and saves reply caps: of a faulting user, of a fix-range caller, of a
//!   parked pager. It keeps a FIFO of page-ins; a page already queued or in
//!   flight gains a waiter and starts nothing new. Several page-ins can be
//!   in flight, one per pager.
//!
//! ## Memory
//! 2 files of 2 pages each. A page is in VM's page cache or not; the FS's
//! cache blocks *are* those pages, so a write updates what mappings see. A
//! user buffer is anonymous, a private file mapping, or a read-only file
//! mapping, and present or not. VM may evict an unmapped cached page the FS
//! is not holding, at any moment (bounded by [`Config::evictions`]).
//!
//! ## A file page fault
//! 1. The page is cached: VM maps it (read) or copies it (write, COW) and
//!    replies. No message goes to VFS or the FS.
//! 2. It is not cached: VM saves the reply cap and queues a page-in. A
//!    parked pager gets it through its own saved reply cap.
//! 3. The pager Calls FS `PEEK`. The FS Calls VM to register the block.
//! 4. The pager Calls VM "done". VM answers every caller saved on the page.
//!    If the page was evicted in between, VM queues the page-in again.
//!
//! ## `read`/`write` with a user buffer
//! 1. A worker takes the request and the file's vnode lock: shared for a
//!    read, exclusive for a write. It holds the lock until it replies,
//!    across every wait below.
//! 2. It makes a grant on the user's buffer **with CPF_TRY** and Calls FS
//!    READ/WRITE at the descriptor's offset.
//! 3. The FS registers the file block with VM, then copies through VM's copy
//!    engine. If the user page is missing (or only mapped read-only, for a
//!    read), the engine marks the grant and answers EFAULT. The FS fails the
//!    request at once: **it never waits on a page**.
//! 4. The worker revokes the grant. If the revoke reports "faulted", it
//!    Calls VM **fix-range** (only VFS may). VM makes the range present,
//!    writable for a read, and answers through the saved reply cap once any
//!    page-in is done. Then the worker **repeats the FS request, whatever
//!    the FS returned**. A fix-range that fails (a read into a read-only
//!    mapping) ends the request with EFAULT.
//! 5. The offset moves only on success. Page-ins never touch a descriptor:
//!    they name (file, page), not a file description.
//!
//! ## Who waits on whom
//! * VM waits on nobody.
//! * The FS waits only on VM. Across that wait it holds only its reference
//!   on the cache page, which keeps VM from evicting the page; no thread
//!   ever waits for that reference.
//! * A pager waits only on the FS and VM.
//! * A worker waits on a vnode lock (held by another worker), on the FS,
//!   and on VM. VM's answer to a fix-range may wait for a pager.
//! * A user waits on a worker, or on VM for a fault.
//!
//! Pagers take no lock and never serve users, so nothing a pager needs is
//! ever held by a worker, and the waits form no cycle. That is why a worker
//! may hold the vnode lock across its fix-range. It is the fix for MINIX's
//! §4.9 cases 1 and 2, where the page-in (FDIO) needed the filp or vnode
//! lock that the faulting worker held.
//!
//! ## Obligations on the implementation
//! These are the rules the model needs. Break one and a test below fails.
//! 1. **FS:** every grant on user memory carries TRY. On EFAULT the FS fails
//!    the request at once. It never waits on a page and never Calls VFS.
//! 2. **VM:** it never Calls anyone. Page-ins go on a FIFO. A page already
//!    queued or in flight only gains a waiter. Parked pagers get work
//!    through their saved reply caps. On "done", VM answers every saved
//!    caller of the page; if VM evicted the page meanwhile, it queues the
//!    page-in again. It never evicts a page that is mapped or that the FS
//!    holds.
//! 3. **VFS:** at least one pager is started at boot and parked in VM.
//!    Pagers never serve users, take no VFS lock, and use no file
//!    description. Workers retry after every faulted revoke; one retry is
//!    enough, because a fixed range stays present.
//! 4. **Sizes:** at least 1 worker and at least 1 pager. The model checks 1
//!    and 2 of each; the no-cycle argument above does not depend on the
//!    count. More of either only adds concurrency.
//!
//! # What the checker shows
//! [`Config::DESIGN`] (and 1 worker, 2 pagers, 0 to 2 evictions) on every
//! scenario in [`scenarios`], plus 1,000 random scenarios, each explored
//! exhaustively:
//! * no deadlock, and from every reachable state some path completes every
//!   request. With fair scheduling, every request completes;
//! * every read returns the full count and the file's bytes at that offset.
//!   A read into a read-only mapping returns EFAULT, once;
//! * every write puts the buffer's bytes into the file;
//! * every fault maps the right cache page (or a private copy of it);
//! * offsets equal what the completed reads and writes make them. Faults
//!   and page-ins never move them;
//! * no request goes to the FS a third time;
//! * a finished run leaves no lock, grant mark, queued page-in or saved
//!   reply cap behind.
//!
//! The checker catches each broken variant and prints the shortest trace:
//! * no TRY on the FS's grants: the FS waits on a page whose page-in waits
//!   for the FS;
//! * VM Calling VFS for page-ins: VM waits on a worker, which waits on the
//!   FS, which waits on VM;
//! * no reserved pager ([`PageIn::Pool`]) with as many concurrent requests
//!   as workers: every worker sits in fix-range, and no thread is left to
//!   take the page-in. More workers than users only moves the limit. The
//!   design reserves a pager, and then **one pool worker is enough**;
//! * a page-in that takes the vnode lock (MINIX's FDIO, §4.9 case 2);
//! * a page-in that moves the mapped descriptor's offset (MINIX's FDIO
//!   lseek, §4.9 case 9);
//! * a VFS that does not retry after a faulted revoke.
//!
//! # Abstractions
//! * A buffer is one page and an operation moves one page. So a copy is
//!   all or nothing, and partial counts are out of scope.
//! * The FS's "register this block" Call stands for its cache lookup, the
//!   disk read and `VM_SETCACHEPAGE`. All of it is local work plus one VM
//!   Call that VM answers at once.
//! * Idle workers are interchangeable: only the first idle one receives (a
//!   symmetry reduction). Endpoint queues are FIFO. A lock waiter takes the
//!   lock whenever it is free, in any order.
//! * Evictions are bounded per run, so the state space stays finite. Within
//!   the bound they can happen at any moment.
//! * Not modelled: holes and one-shot pages, truncate and unlink, block
//!   devices, exec mappings, fork and shared file descriptions, fault-around,
//!   VFS's own copies of paths and stat buffers, and server crashes. None of
//!   these adds a wait between VM, VFS and FS beyond the ones above. Holes
//!   are zero-filled through the same TRY grant (§4.9 case 5).
//!
//! # Running
//! `cargo test -p protocol-model -- --nocapture` prints the state counts
//! and the traces. The examples print a table of every configuration
//! (`--example survey`) or one trace (`--example trace -- notry
//! cross-file`).

#![forbid(unsafe_code)]

pub mod explore;
pub mod model;
pub mod scenarios;

pub use explore::{explore, Failure, Finding, Report, Succ, System};
pub use model::{Buf, Config, Model, Op, PageIn, Scenario, State, UserSpec};
