// SPDX-License-Identifier: BSD-2-Clause
//! Exhausting VM's resources from user space, each of which once stopped
//! the whole system: VM's heap (many regions, all of memory touched, many
//! forks of a large process) and VM's CNode (mapping caps of shared pages).
//! A process may run out of its own memory; VM must answer ENOMEM or kill
//! only that process, and afterwards everything is back where it was.
extern crate alloc;
use crate::harness::{ensure, Test};
use alloc::vec::Vec;
use minix_abi::common::PING;
use minix_abi::cspace::VM_EP;
use minix_abi::endpoint::VM;
use minix_abi::errno::ENOMEM;
use minix_abi::pm;
use minix_abi::vm::{MAP_ANON, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use mxrt::posix;

const PAGE: u64 = 4096;
const ANON: u64 = MAP_ANON | MAP_PRIVATE;

fn vm_alive() -> Result<(), &'static str> {
    let r = mxrt::ipc::sendrec(VM_EP, PING, [0; 4], 0);
    ensure(r.result() == Ok(VM.0 as u64), "VM does not answer")
}

fn free_frames() -> Result<u64, &'static str> {
    posix::vm_info().map(|i| i.0).map_err(|_| "vm_info")
}

/// Runs `body` in a child and returns its wait status.
fn in_child(body: impl FnOnce() -> u8) -> Result<u64, &'static str> {
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => posix::exit(body()),
        Ok(child) => posix::waitpid(child as i64, 0).map(|(_, s)| s).map_err(|_| "wait failed"),
    }
}

/// Every free frame's worth of memory mapped and touched by one process,
/// run twice (the first run also makes paging structures that stay).
fn touch_all_memory() -> Result<(), &'static str> {
    let run = || {
        in_child(|| {
            let Ok(free) = posix::vm_info().map(|i| i.0) else { return 2 };
            // Leave room for the page tables this process needs (one per
            // 2 MiB, and the levels above).
            let pages = free.saturating_sub(free / 256 + 64);
            let Ok(mut m) = posix::mmap_region(pages * PAGE, PROT_READ | PROT_WRITE) else { return 3 };
            for i in 0..pages {
                m.write_u64(i * PAGE, i);
            }
            for i in 0..pages {
                if m.read_u64(i * PAGE) != i {
                    return 4;
                }
            }
            0
        })
    };
    // Free frames plus the paging structures VM holds: a spare VSpace may
    // keep a few paging structures for the next process, and a process
    // that reuses it and needs many gives them all back as free frames.
    let free_and_paging = || posix::vm_memory().map(|m| m.free_frames + m.paging).map_err(|_| "vm_memory");
    let s = run()?;
    ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "first run: the child failed")?;
    let before = free_and_paging()?;
    let s = run()?;
    ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "second run: the child failed")?;
    vm_alive()?;
    ensure(free_and_paging()? == before, "memory did not come back")
}

/// 50,000 one-page mappings (alternating protections, so none merge).
fn mmap_50000() -> Result<(), &'static str> {
    let s = in_child(|| {
        let mut addrs = Vec::with_capacity(50_000);
        for i in 0..50_000u64 {
            let prot = if i % 2 == 0 { PROT_READ | PROT_WRITE } else { PROT_READ };
            match posix::mmap(0, PAGE, prot, ANON) {
                Ok(a) => addrs.push(a),
                Err(e) if e == ENOMEM => break,
                Err(_) => return 2,
            }
        }
        for &a in &addrs {
            if posix::munmap(a, PAGE).is_err() {
                return 3;
            }
        }
        0
    })?;
    ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "the child failed")?;
    vm_alive()?;
    // A normal mapping still works.
    let mut m = posix::mmap_region(PAGE, PROT_READ | PROT_WRITE).map_err(|_| "mmap after")?;
    m.write_u64(0, 1);
    m.unmap().map_err(|_| "munmap after")
}

/// A process with 8 MiB touched forks 100 children that stay alive a
/// while; forks VM cannot track answer ENOMEM, never a VM failure.
fn fork_100_of_8mib() -> Result<(), &'static str> {
    let before = free_frames()?;
    let s = in_child(|| {
        const LEN: u64 = 8 << 20;
        let Ok(mut m) = posix::mmap_region(LEN, PROT_READ | PROT_WRITE) else { return 2 };
        for i in 0..LEN / PAGE {
            m.write_u64(i * PAGE, i);
        }
        let mut kids = Vec::new();
        for _ in 0..100 {
            match posix::fork() {
                Ok(0) => {
                    // Stay alive while the parent forks the others.
                    for _ in 0..2000 {
                        sel4::yield_now();
                    }
                    posix::exit(0)
                }
                Ok(k) => kids.push(k),
                Err(e) if e == ENOMEM => break,
                Err(_) => return 3,
            }
        }
        for k in kids {
            if posix::waitpid(k as i64, 0).is_err() {
                return 4;
            }
        }
        0
    })?;
    ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "the child failed")?;
    vm_alive()?;
    // A few paging structures stay with recycled VSpaces (VM keeps at
    // most 64), and new VSpaces keep their PML4s.
    ensure(free_frames()? + 4096 >= before, "memory did not come back")
}

/// 100 rounds of three children reading the same 500 pages of their
/// parent: 150,000 read-only mappings of shared frames, each with its own
/// cap in VM, more than VM's CNode holds at once.
fn shared_reads_100_rounds() -> Result<(), &'static str> {
    let s = in_child(|| {
        const PAGES: u64 = 500;
        let Ok(mut m) = posix::mmap_region(PAGES * PAGE, PROT_READ | PROT_WRITE) else { return 2 };
        for i in 0..PAGES {
            m.write_u64(i * PAGE, i);
        }
        for _ in 0..100 {
            let mut kids = [0u32; 3];
            for k in kids.iter_mut() {
                match posix::fork() {
                    Ok(0) => {
                        let ok = (0..PAGES).all(|i| m.read_u64(i * PAGE) == i);
                        posix::exit(if ok { 0 } else { 1 })
                    }
                    Ok(c) => *k = c,
                    Err(_) => return 3,
                }
            }
            for k in kids {
                match posix::waitpid(k as i64, 0) {
                    Ok((_, st)) if pm::wifexited(st) && pm::wexitstatus(st) == 0 => {}
                    _ => return 4,
                }
            }
        }
        0
    })?;
    ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "a round failed")?;
    vm_alive()
}

pub const TESTS: &[Test] = &[
    Test { name: "exhaust.mmap_50000_regions", run: |_| mmap_50000() },
    Test { name: "exhaust.touch_all_memory", run: |_| touch_all_memory() },
    Test { name: "exhaust.fork_100_of_8mib", run: |_| fork_100_of_8mib() },
    Test { name: "exhaust.shared_reads_100_rounds", run: |_| shared_reads_100_rounds() },
];
