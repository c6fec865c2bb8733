// SPDX-License-Identifier: BSD-2-Clause
//! Memory that must come back to VM. Storms of processes use memory in
//! the ways that once kept it from VM for good (page tables of many
//! sparse mappings, VM's heap grown by forks of a process with many
//! regions), then exit; afterwards VM's free frames, its paging
//! structures and its heap in use must be back where they were, within a
//! small fixed margin, and a fresh process must get what it asks for.
extern crate alloc;
use crate::harness::{ensure, Rng, Test};
use alloc::vec::Vec;
use minix_abi::errno::ENOMEM;
use minix_abi::pm;
use minix_abi::vm::{VmMemory, MAP_ANON, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use mxrt::fs::{self as vfs, Fd};
use mxrt::posix;

const PAGE: u64 = 4096;
/// A page table maps 2 MiB: pages this far apart each need their own.
const PT_SPAN: u64 = 2 << 20;
/// Where the sparse storms map: above the IPC buffer, below 4 GiB, away
/// from the image, the break and mmap's default area.
const SPARSE_BASE: u64 = 0x8000_0000;
const SPARSE_END: u64 = 0xffe0_0000;
/// Where the fresh process after a storm maps: a range no storm process
/// touched, so every page there needs a page table the storm never made.
const FRESH_BASE: u64 = 0x1000_0000;
const FRESH_PAGES: u64 = 256;
/// Frames a storm may leave behind for good: the PML4s of VSpaces VM
/// keeps for reuse (one per process alive at once) and a few paging
/// structures of init's own VSpace.
const FRAME_MARGIN: u64 = 128;
/// Bytes of VM's heap a storm may leave in use (tables that keep their
/// capacity, such as the process table and the spare VSpace list).
const HEAP_MARGIN: u64 = 1 << 20;
/// Pages a server may keep after a storm (VFS's buffers for the pipes
/// the tests use).
const SERVER_MARGIN: u64 = 64;

/// VM's figures and the pages it has mapped for each server (VFS, FS,
/// BLK).
struct Snapshot {
    vm: VmMemory,
    servers: (u64, u64, u64),
}

fn memory() -> Result<Snapshot, &'static str> {
    Ok(Snapshot { vm: posix::vm_memory().map_err(|_| "vm_memory")?, servers: posix::vm_server_pages().map_err(|_| "vm_server_pages")? })
}

fn exited_ok(s: u64) -> bool {
    pm::wifexited(s) && pm::wexitstatus(s) == 0
}

/// Runs `body` in a child and returns its wait status.
fn in_child(body: impl FnOnce() -> u8) -> Result<u64, &'static str> {
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => posix::exit(body()),
        Ok(child) => posix::waitpid(child as i64, 0).map(|(_, s)| s).map_err(|_| "wait failed"),
    }
}

/// Maps one page at `hint` (VM may place it elsewhere) and writes to it.
/// False when VM refuses the mapping.
fn touch_one(hint: u64, prot_toggle: bool) -> bool {
    let prot = if prot_toggle { PROT_READ | PROT_WRITE } else { PROT_READ | PROT_WRITE | minix_abi::vm::PROT_EXEC };
    match posix::mmap(hint, PAGE, prot, MAP_ANON | MAP_PRIVATE) {
        Ok(a) => {
            // SAFETY: VM just mapped this page read-write for this process
            // alone; no Rust reference covers it.
            unsafe { sel4::write_u64_at(a, a) };
            true
        }
        Err(_) => false,
    }
}

/// A gate children wait at until the parent opens it: a pipe whose write
/// end only the parent holds, so closing it wakes every reader with EOF.
struct Gate {
    read: Fd,
    write: Fd,
}

impl Gate {
    fn new() -> Result<Gate, &'static str> {
        let (read, write) = vfs::pipe(0).map_err(|_| "pipe")?;
        Ok(Gate { read, write })
    }

    /// In a child: let go of the write end, then wait for the parent.
    fn wait(&self) {
        let _ = vfs::close(self.write);
        let mut b = [0u8; 1];
        let _ = vfs::read(self.read, &mut b);
    }

    /// In the parent: wakes every child at the gate.
    fn open(self) {
        let _ = vfs::close(self.write);
        let _ = vfs::close(self.read);
    }
}

/// Forks a child that runs `work`, tells the parent it is done (one byte
/// on a pipe of its own, so a child that dies says so by EOF), and waits
/// at `gate`. Returns the child's pid and whether its work succeeded.
fn start_at_gate(gate: &Gate, work: impl FnOnce() -> bool) -> Result<(u32, bool), &'static str> {
    let (r, w) = vfs::pipe(0).map_err(|_| "pipe")?;
    match posix::fork() {
        Err(_) => {
            let _ = (vfs::close(r), vfs::close(w));
            Err("fork failed")
        }
        Ok(0) => {
            let _ = vfs::close(r);
            let ok = work();
            let _ = vfs::write(w, &[ok as u8]);
            let _ = vfs::close(w);
            gate.wait();
            posix::exit(0)
        }
        Ok(pid) => {
            let _ = vfs::close(w);
            let mut b = [0u8; 1];
            let got = vfs::read(r, &mut b);
            let _ = vfs::close(r);
            Ok((pid, got == Ok(1) && b[0] == 1))
        }
    }
}

/// Waits for every pid; the number that did not exit with 0.
fn reap(pids: &[u32]) -> u64 {
    pids.iter().filter(|&&p| !matches!(posix::waitpid(p as i64, 0), Ok((_, s)) if exited_ok(s))).count() as u64
}

/// A fresh process maps pages that each need a new page table, and
/// `bytes` of dense memory, and touches them all.
fn fresh_process_maps(bytes: u64) -> Result<(), &'static str> {
    let s = in_child(|| {
        for i in 0..FRESH_PAGES {
            if !touch_one(FRESH_BASE + i * PT_SPAN, true) {
                return 2;
            }
        }
        let Ok(mut m) = posix::mmap_region(bytes.max(PAGE), PROT_READ | PROT_WRITE) else { return 3 };
        for i in 0..bytes / PAGE {
            m.write_u64(i * PAGE, i);
        }
        0
    })?;
    ensure(exited_ok(s), "a fresh process could not map and touch what it asked for")
}

/// Compares VM's memory after a storm with before it.
fn back_where_it_was(before: &Snapshot) -> Result<(), &'static str> {
    let now = memory()?;
    let (b, a) = (&before.vm, &now.vm);
    sel4_root_task::println!(
        "memory: free {} -> {}, paging {} -> {}, heap used {} -> {} KiB (of {} -> {} KiB), server pages {:?} -> {:?}",
        b.free_frames,
        a.free_frames,
        b.paging,
        a.paging,
        b.heap_used >> 10,
        a.heap_used >> 10,
        b.heap_size >> 10,
        a.heap_size >> 10,
        before.servers,
        now.servers
    );
    ensure(a.paging <= b.paging + FRAME_MARGIN, "paging structures of exited processes were kept")?;
    ensure(a.free_frames + FRAME_MARGIN >= b.free_frames, "free frames did not come back")?;
    ensure(a.heap_used <= b.heap_used + HEAP_MARGIN, "VM's heap in use did not come back")?;
    let (v0, f0, k0) = before.servers;
    let (v1, f1, k1) = now.servers;
    ensure(v1 <= v0 + SERVER_MARGIN && f1 <= f0 + SERVER_MARGIN && k1 <= k0 + SERVER_MARGIN, "a server kept memory")
}

/// One page touched in every 2 MiB from `SPARSE_BASE` to `SPARSE_END`:
/// 1,023 pages, each needing a page table of its own.
fn touch_sparse() -> bool {
    let mut a = SPARSE_BASE;
    let mut toggle = false;
    while a < SPARSE_END {
        if !touch_one(a, toggle) {
            return false;
        }
        toggle = !toggle;
        a += PT_SPAN;
    }
    true
}

/// Touches as many pages as VM says are free, less room for their page
/// tables; false if it could not.
fn touch_all_free() -> bool {
    let Ok(free) = posix::vm_info().map(|i| i.0) else { return false };
    let pages = free.saturating_sub(free / 256 + 64);
    let Ok(mut m) = posix::mmap_region(pages.max(1) * PAGE, PROT_READ | PROT_WRITE) else { return false };
    for i in 0..pages {
        m.write_u64(i * PAGE, i);
    }
    core::mem::forget(m);
    true
}

/// Sparse children (one touched page per page table, across 2 GiB) held
/// alive together, then one that takes the rest of memory, then all exit.
/// Their page tables must come back, as frames and as page tables for a
/// process that needs new ones.
fn page_tables_come_back() -> Result<(), &'static str> {
    const SPARSE_CHILDREN: u64 = 6;
    let before = memory()?;
    let gate = Gate::new()?;
    let mut pids = Vec::new();
    let mut sparse_ok = 0;
    for _ in 0..SPARSE_CHILDREN {
        // A fork VM refuses ends the storm early; the gate must open all
        // the same, or the children would keep their memory for good.
        let Ok((pid, ok)) = start_at_gate(&gate, touch_sparse) else {
            break;
        };
        pids.push(pid);
        sparse_ok += ok as u64;
    }
    // The rest of memory, densely, leaving room for its own page tables.
    let dense = start_at_gate(&gate, touch_all_free);
    if let Ok((pid, _)) = dense {
        pids.push(pid);
    }
    let during = memory()?;
    gate.open();
    let failed = reap(&pids);
    sel4_root_task::println!(
        "memory: {} of {} sparse children mapped everything; paging during {}",
        sparse_ok,
        SPARSE_CHILDREN,
        during.vm.paging
    );
    // A child killed by a fault found no page table; one that VM refused
    // an mmap (its heap's part used up by the storm's bookkeeping) stops
    // early and exits normally, which is VM keeping to its budget.
    ensure(failed == 0, "a storm child died")?;
    ensure(during.vm.paging >= before.vm.paging + SPARSE_CHILDREN * 1023 / 2, "the storm made too few page tables")?;
    back_where_it_was(&before)?;
    fresh_process_maps(16 << 20)
}

/// A process takes every free frame and exits, so VM's memory waits on
/// its free list as frames; then sparse children, alive together, need
/// far more page tables than the paging reserve holds. They must get them
/// from the freed frames, and everything must come back after.
fn page_tables_from_freed_frames() -> Result<(), &'static str> {
    const SPARSE_CHILDREN: u64 = 3;
    let before = memory()?;
    let s = in_child(|| if touch_all_free() { 0 } else { 1 })?;
    ensure(exited_ok(s), "the dense process could not touch every free frame")?;
    let gate = Gate::new()?;
    let mut pids = Vec::new();
    let mut sparse_ok = 0;
    for _ in 0..SPARSE_CHILDREN {
        let Ok((pid, ok)) = start_at_gate(&gate, touch_sparse) else { break };
        pids.push(pid);
        sparse_ok += ok as u64;
    }
    let during = memory()?;
    gate.open();
    let failed = reap(&pids);
    sel4_root_task::println!(
        "memory: after a dense process, {} of {} sparse children mapped everything; paging during {}",
        sparse_ok,
        SPARSE_CHILDREN,
        during.vm.paging
    );
    // Past the paging reserve (1/64 of VM's memory) by far: those page
    // tables were made from frames the dense process freed.
    let total = posix::vm_info().map(|i| i.1).map_err(|_| "vm_info")?;
    ensure(failed == 0, "a sparse child died")?;
    ensure(during.vm.paging >= before.vm.paging + total / 64 + 512, "page tables were starved by free frames")?;
    back_where_it_was(&before)
}

/// A process with many regions forks until VM refuses (or 200 times),
/// the children alive together; VM's heap must not keep processes'
/// memory afterwards.
fn fork_storm_heap_comes_back() -> Result<(), &'static str> {
    const REGIONS: u64 = 3000;
    const FORKS: u64 = 200;
    let before = memory()?;
    let s = in_child(|| {
        for i in 0..REGIONS {
            let prot = if i % 2 == 0 { PROT_READ | PROT_WRITE } else { PROT_READ };
            if posix::mmap(0, PAGE, prot, MAP_ANON | MAP_PRIVATE).is_err() {
                return 2;
            }
        }
        let Ok(gate) = Gate::new() else { return 3 };
        let mut kids = Vec::new();
        let mut refused = 0u64;
        for _ in 0..FORKS {
            match posix::fork() {
                Ok(0) => {
                    gate.wait();
                    posix::exit(0)
                }
                Ok(k) => kids.push(k),
                Err(e) => {
                    refused += (e == ENOMEM) as u64;
                    break;
                }
            }
        }
        let peak = posix::vm_memory().unwrap_or_default();
        sel4_root_task::println!(
            "memory: {} forks of a {}-region process ({} refused), VM heap {} KiB in use of {} KiB, {} frames free",
            kids.len(),
            REGIONS,
            refused,
            peak.heap_used >> 10,
            peak.heap_size >> 10,
            peak.free_frames
        );
        gate.open();
        if reap(&kids) != 0 {
            return 4;
        }
        0
    })?;
    ensure(exited_ok(s), "the forking process failed")?;
    back_where_it_was(&before)?;
    fresh_process_maps(16 << 20)
}

/// One worker of the accounting storm: random dense and sparse mappings,
/// touches, unmaps and forks (children do the same, less deep), then exit.
fn storm_worker(seed: u64, depth: u32) -> u8 {
    let mut r = Rng(seed | 1);
    let mut maps: Vec<(u64, u64)> = Vec::new();
    let mut kids = Vec::new();
    for _ in 0..60 {
        match r.below(6) {
            0 | 1 => {
                let pages = 1 + r.below(64);
                if let Ok(a) = posix::mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE) {
                    for p in (0..pages).step_by(1 + r.below(4) as usize) {
                        // SAFETY: VM just mapped these pages read-write for
                        // this process; no Rust reference covers them.
                        unsafe { sel4::write_u64_at(a + p * PAGE, p) };
                    }
                    maps.push((a, pages));
                }
            }
            2 => {
                let hint = SPARSE_BASE + r.below((SPARSE_END - SPARSE_BASE) / PT_SPAN) * PT_SPAN;
                touch_one(hint, r.below(2) == 0);
            }
            3 if !maps.is_empty() => {
                let (a, pages) = maps.swap_remove(r.below(maps.len() as u64) as usize);
                if posix::munmap(a, pages * PAGE).is_err() {
                    return 2;
                }
            }
            4 if depth < 2 && kids.len() < 3 => match posix::fork() {
                Ok(0) => posix::exit(storm_worker(seed.wrapping_mul(31).wrapping_add(kids.len() as u64 + 1), depth + 1)),
                Ok(k) => kids.push(k),
                Err(e) if e == ENOMEM => {}
                Err(_) => return 3,
            },
            _ => {}
        }
    }
    for k in kids {
        if posix::waitpid(k as i64, 0).is_err() {
            return 4;
        }
    }
    0
}

/// Processes that map, touch (dense and spread), unmap, fork and exit, in
/// two rounds: after each, VM's memory is back where it was before both.
fn accounting_storm() -> Result<(), &'static str> {
    let before = memory()?;
    for round in 0..2u64 {
        let mut pids = Vec::new();
        for w in 0..8u64 {
            match posix::fork() {
                Ok(0) => posix::exit(storm_worker(0x9e37_79b9 ^ (round << 8 | w), 0)),
                Ok(k) => pids.push(k),
                Err(_) => return Err("fork failed"),
            }
        }
        ensure(reap(&pids) == 0, "a storm worker failed")?;
        back_where_it_was(&before)?;
    }
    Ok(())
}

pub const TESTS: &[Test] = &[
    Test { name: "memory.page_tables_come_back", run: |_| page_tables_come_back() },
    Test { name: "memory.page_tables_from_freed_frames", run: |_| page_tables_from_freed_frames() },
    Test { name: "memory.fork_storm_heap_comes_back", run: |_| fork_storm_heap_comes_back() },
    Test { name: "memory.accounting_storm", run: |_| accounting_storm() },
];
