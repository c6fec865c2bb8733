// SPDX-License-Identifier: BSD-2-Clause
//! A resource soak: 64 processes doing random mmap, touch, munmap, fork,
//! exit and grant copies through VFS for 60 s of guest time. No server
//! may die, nothing may deadlock (the boot's timeout catches a hang),
//! every process must see its own data intact, and afterwards VM's free
//! memory must be back at its baseline.
extern crate alloc;
use crate::harness::{ensure, Rng, Test};
use alloc::vec::Vec;
use minix_abi::common::PING;
use minix_abi::cspace::{PM_EP, VFS_EP, VM_EP};
use minix_abi::endpoint::{PM, VFS, VM};
use minix_abi::errno::ENOMEM;
use minix_abi::pm;
use minix_abi::vm::{PROT_READ, PROT_WRITE};
use mxrt::posix;

const PAGE: u64 = 4096;
const WORKERS: u64 = 64;
const SOAK_SECONDS: u64 = 60;
/// New VSpaces keep their PML4s (one frame each, counted nowhere else)
/// when the long run has more processes at once than the warm-up;
/// anything beyond this many frames either way is a leak or a double
/// count.
const PAGING_SLACK: u64 = 512;

/// A mapping this worker made and the value it writes to each page.
struct Tagged {
    map: posix::Mapping,
    pages: u64,
    tag: u64,
}

fn value(tag: u64, page: u64) -> u64 {
    tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ page
}

/// Checks every touched page of `m` (each page is either untouched, 0, or
/// holds its value).
fn intact(m: &Tagged) -> bool {
    (0..m.pages).all(|p| {
        let v = m.map.read_u64(p * PAGE);
        v == 0 || v == value(m.tag, p)
    })
}

/// One worker's life until `deadline` (TSC). Returns its exit code: 0 when
/// all its data stayed intact.
fn worker(seed: u64, start: u64, deadline: u64, depth: u32) -> u8 {
    // Every worker begins together, once all exist.
    while sel4::rdtsc() < start {
        sel4::yield_now();
    }
    let mut r = Rng(seed | 1);
    let mut maps: Vec<Tagged> = Vec::new();
    let mut grants = mxrt::grants::Grants::new();
    let mut kids = 0u32;
    while sel4::rdtsc() < deadline {
        match r.below(8) {
            0 | 1 if maps.len() < 16 => {
                let pages = 1 + r.below(32);
                match posix::mmap_region(pages * PAGE, PROT_READ | PROT_WRITE) {
                    Ok(map) => maps.push(Tagged { map, pages, tag: r.next() }),
                    Err(e) if e == ENOMEM => {}
                    Err(_) => return 10,
                }
            }
            2 | 3 if !maps.is_empty() => {
                let i = r.below(maps.len() as u64) as usize;
                let m = &mut maps[i];
                let p = r.below(m.pages);
                m.map.write_u64(p * PAGE, value(m.tag, p));
            }
            4 if !maps.is_empty() => {
                let m = maps.swap_remove(r.below(maps.len() as u64) as usize);
                if !intact(&m) {
                    return 11;
                }
                if m.map.unmap().is_err() {
                    return 12;
                }
            }
            // Workers fork, their children do not: at most 64 + 128
            // processes, inside PM's table of 256.
            5 if depth < 1 && kids < 2 => match posix::fork() {
                // The child checks what it inherited, works a little, exits.
                Ok(0) => {
                    if !maps.iter().all(intact) {
                        posix::exit(13);
                    }
                    let soon = sel4::rdtsc().saturating_add((deadline.saturating_sub(sel4::rdtsc())) / 8);
                    posix::exit(worker(r.next(), 0, soon.min(deadline), depth + 1))
                }
                Ok(_) => kids += 1,
                Err(e) if e == ENOMEM || e == minix_abi::errno::EAGAIN => {}
                Err(_) => return 14,
            },
            6 if kids > 0 => match posix::waitpid(-1, 0) {
                Ok((_, st)) if pm::wifexited(st) && pm::wexitstatus(st) == 0 => kids -= 1,
                _ => return 15,
            },
            7 if !maps.is_empty() => {
                // A grant copy: VFS adds 1 to each byte of one word, in and out.
                let i = r.below(maps.len() as u64) as usize;
                let m = &mut maps[i];
                let off = r.below(m.pages) * PAGE;
                let before = m.map.read_u64(off);
                let Ok(id) = grants.direct(VFS, m.map.base() + off, 8, grant::CPF_READ | grant::CPF_WRITE) else { return 16 };
                let (c, w, l) = minix_abi::vfs::Request::GrantExercise { grant: id.0, len: 8, delta: 1 }.encode();
                let res = mxrt::ipc::sendrec(VFS_EP, c, w, l).result();
                let _ = grants.revoke(id);
                if res.is_err() {
                    return 17;
                }
                let bytes = before.to_ne_bytes().map(|b| b.wrapping_add(1));
                if m.map.read_u64(off) != u64::from_ne_bytes(bytes) {
                    return 18;
                }
                // Put the page's value back, so `intact` still holds.
                m.map.write_u64(off, before);
            }
            _ => {}
        }
    }
    while kids > 0 {
        match posix::waitpid(-1, 0) {
            Ok((_, st)) if pm::wifexited(st) && pm::wexitstatus(st) == 0 => kids -= 1,
            _ => return 19,
        }
    }
    for m in &maps {
        if !intact(m) {
            return 20;
        }
    }
    0
}

/// Runs WORKERS workers for `seconds` and waits for them all.
fn soak(seconds: u64, seed: u64) -> Result<(), &'static str> {
    let mhz = posix::tsc_mhz().map_err(|_| "no TSC frequency")?;
    ensure(mhz > 0, "TSC frequency 0")?;
    let start = sel4::rdtsc() + mhz * 1_000_000;
    let deadline = start + seconds * mhz * 1_000_000;
    let mut pids = Vec::new();
    for w in 0..WORKERS {
        match posix::fork() {
            Ok(0) => posix::exit(worker(seed.wrapping_add(w.wrapping_mul(0x1000_0001)), start, deadline, 0)),
            Ok(pid) => pids.push(pid),
            Err(e) => {
                sel4_root_task::println!("soak: fork of worker {} failed: {}", w, e.name());
                return Err("fork of a worker failed");
            }
        }
    }
    let mut bad = 0;
    for pid in pids {
        match posix::waitpid(pid as i64, 0) {
            Ok((_, st)) if pm::wifexited(st) && pm::wexitstatus(st) == 0 => {}
            _ => bad += 1,
        }
    }
    ensure(bad == 0, "a worker saw corrupt data or an unexpected error")
}

fn servers_answer() -> Result<(), &'static str> {
    for (slot, ep) in [(PM_EP, PM.0), (VM_EP, VM.0), (VFS_EP, VFS.0)] {
        let r = mxrt::ipc::sendrec(slot, PING, [0; 4], 0);
        ensure(r.result() == Ok(ep as u64), "a server stopped answering")?;
    }
    Ok(())
}

/// VM's memory as the soak counts it: the frames processes could get,
/// plus those in paging structures VM keeps for reuse (at most 64) and
/// those VM mapped for the servers. VFS's heap grows from VM in 2 MiB
/// steps during a storm and keeps them, within its own bounded limits;
/// that is memory accounted for, not a leak.
fn accounted() -> Result<(u64, u64, u64, u64), &'static str> {
    let m = posix::vm_memory().map_err(|_| "vm_memory")?;
    let (vfs, fs, blk) = posix::vm_server_pages().map_err(|_| "vm_server_pages")?;
    let servers = vfs + fs + blk;
    Ok((m.free_frames + m.paging + servers, m.free_frames, m.paging, servers))
}

fn soak_64_processes() -> Result<(), &'static str> {
    // A short warm-up makes the recycled VSpaces and their paging
    // structures, which the long run then reuses.
    soak(2, 0xabc)?;
    let before = accounted()?;
    soak(SOAK_SECONDS, 0x5eed)?;
    servers_answer()?;
    let after = accounted()?;
    if after.0 + PAGING_SLACK < before.0 || after.0 > before.0 + PAGING_SLACK {
        sel4_root_task::println!(
            "  soak: free+paging+servers {} -> {} (free {} -> {}, paging {} -> {}, servers {} -> {})",
            before.0,
            after.0,
            before.1,
            after.1,
            before.2,
            after.2,
            before.3,
            after.3
        );
        return Err("VM's free memory is not back at its baseline");
    }
    Ok(())
}

pub const TESTS: &[Test] = &[Test { name: "soak.64_processes_60s", run: |_| soak_64_processes() }];
