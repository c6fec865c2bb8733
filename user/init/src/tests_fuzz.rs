// SPDX-License-Identifier: BSD-2-Clause
//! Random messages to every server a user can reach, as a hostile process
//! would send them: labels of every protocol (with high bits set, or
//! random), lengths 0 to 127, words at the boundaries and at wild
//! addresses, and caps attached. Each batch runs in a child of its own;
//! after every batch each server answers PING, a fork and a mapping work,
//! and VM's free frames are back where they started.
//!
//! Left out of the random mix: calls with which the sender ends or
//! multiplies itself (exit, fork, spawn, wait) or unmaps its own memory
//! (munmap, brk): they would stop the batch, not probe the server, and
//! have targeted tests of their own. Timers and polls are tamed rather
//! than left out ([`tame`]): an alarm that decodes is set an hour or more
//! ahead (the child's exit clears it; SIGALRM mid-batch would end the
//! child), and a poll that decodes waits at most 2 ms.
use crate::harness::{ensure, Rng, Test};
use minix_abi::common::PING;
use minix_abi::cspace::{FAULT_EP, PM_EP, VFS_EP, VM_EP};
use minix_abi::endpoint::{PM, VFS, VM};
use minix_abi::{pm, vfs, vm};
use mxrt::posix;
use sel4::{CPtr, MessageInfo};

const BATCHES: u64 = 10;
const PER_BATCH: u64 = 1000;

const LABELS: &[u64] = &[
    PING,
    pm::GETPID,
    pm::GETPPID,
    pm::SRV_READY,
    pm::SHUTDOWN,
    // PM's exec, signal, group and id calls (not KILL: a random kill of
    // the fuzzing child's own group, or a SIGSTOP, would end the batch;
    // not SIGSUSPEND, which waits for a signal that never comes).
    pm::EXEC,
    pm::SIGACTION,
    pm::SIGPROCMASK,
    pm::SIGPENDING,
    pm::SIGRETURN,
    pm::SIGALTSTACK,
    pm::SETPGID,
    pm::GETPGID,
    pm::SETSID,
    pm::GETSID,
    pm::GETUID,
    pm::GETGID,
    pm::SETUID,
    pm::SETGID,
    pm::ALARM,
    // A handler's return and info from a process that was handed none:
    // EINVAL, whatever the token.
    pm::HANDLER_DONE,
    pm::HANDLER_INFO,
    pm::SETITIMER,
    pm::GETITIMER,
    // Any 32-bit TLS base: this runtime does not use the FS base.
    pm::SET_TLS,
    vm::SPAWN,
    vm::FORK,
    vm::EXIT,
    vm::EVENTS,
    vm::ADOPT,
    vm::MMAP,
    vm::INFO,
    vm::FIX_RANGE,
    vm::GRANT_TABLE,
    vm::SAFECOPY_FROM,
    vm::SAFECOPY_TO,
    vm::SAFEMEMSET,
    vm::VSAFECOPY,
    vfs::GRANT_EXERCISE,
    vfs::GRANT_BENCH,
    vfs::POLL,
];

/// Keeps the calls that would make the batch's child wait or die on a
/// timer from doing so, leaving every malformed word as it is.
fn tame(label: u64, w: &mut [u64; 4], r: &mut Rng) {
    const HOUR: u64 = 3600;
    match label {
        // Seconds that decode, not 0 (a cancel, kept): an hour on.
        pm::ALARM if w[0] > 0 && w[0] < HOUR => w[0] += HOUR,
        // A value that decodes and is not a plain disarm (0 s 0 us).
        pm::SETITIMER if w[0] < HOUR && (w[0] | w[1]) != 0 => w[0] += HOUR,
        // A timeout that decodes as negative (no limit) or long: 0-2 ms.
        vfs::POLL if i32::try_from(w[2] as i64).is_ok_and(|t| !(0..=2).contains(&t)) => w[2] = r.below(3),
        _ => {}
    }
}

fn label(r: &mut Rng) -> u64 {
    let base = LABELS[r.below(LABELS.len() as u64) as usize];
    match r.below(4) {
        0 | 1 => base,
        // High bits on a valid call.
        2 => base | (1 << (12 + r.below(40))),
        _ => r.next() >> 12,
    }
}

fn word(r: &mut Rng) -> u64 {
    const EDGES: &[u64] = &[0, 1, 4095, 4096, 0x7000_0000, 0x7fff_ffff, 0xffff_ffff, 1 << 32, i64::MAX as u64, u64::MAX, u64::MAX - 4095];
    match r.below(4) {
        0 => EDGES[r.below(EDGES.len() as u64) as usize],
        1 => 0xdead_0000 + r.below(1 << 20),
        2 => r.below(256),
        _ => r.next(),
    }
}

/// One batch of random messages to `slot`, sent from a child. The child
/// exits 0 if every message got a proper reply (label 0).
fn batch(slot: u64, seed: u64) -> Result<(), &'static str> {
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => {
            let mut r = Rng(seed | 1);
            for _ in 0..PER_BATCH {
                let caps = r.below(4);
                const CAP_SLOTS: &[u64] = &[PM_EP, VM_EP, VFS_EP, FAULT_EP, 30];
                for i in 0..caps {
                    sel4::set_cap(i as usize, CPtr(CAP_SLOTS[r.below(CAP_SLOTS.len() as u64) as usize]));
                }
                for i in 4..16 {
                    sel4::set_mr(i, word(&mut r));
                }
                let mut words = [word(&mut r), word(&mut r), word(&mut r), word(&mut r)];
                let label = label(&mut r);
                tame(label, &mut words, &mut r);
                let info = MessageInfo::new(label, 0, caps, r.below(128));
                let reply = sel4::call(CPtr(slot), info, words);
                if reply.info.label() != 0 {
                    posix::exit(1);
                }
            }
            posix::exit(0)
        }
        Ok(child) => {
            let (_, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
            ensure(pm::wifexited(status) && pm::wexitstatus(status) == 0, "the sender died or got a non-reply")
        }
    }
}

fn servers_fine(baseline: u64) -> Result<(), &'static str> {
    for (slot, ep) in [(PM_EP, PM.0), (VM_EP, VM.0), (VFS_EP, VFS.0)] {
        let r = mxrt::ipc::sendrec(slot, PING, [0; 4], 0);
        ensure(r.result() == Ok(ep as u64), "a server stopped answering PING")?;
    }
    let mut m = posix::mmap_region(4096, vm::PROT_READ | vm::PROT_WRITE).map_err(|_| "mmap after a batch")?;
    m.write_u64(0, 5);
    m.unmap().map_err(|_| "munmap after a batch")?;
    let free = posix::vm_info().map_err(|_| "vm_info")?.0;
    if free != baseline {
        sel4_root_task::println!("  free frames {} after a batch, {} before", free, baseline);
    }
    ensure(free == baseline, "VM's free frames did not come back after a batch")
}

fn fuzz(slot: u64, seed: u64) -> Result<(), &'static str> {
    // A warm-up batch: the first children may leave paging structures in
    // recycled VSpaces.
    batch(slot, seed)?;
    let baseline = posix::vm_info().map_err(|_| "vm_info")?.0;
    for b in 0..BATCHES {
        batch(slot, seed.wrapping_mul(31).wrapping_add(b))?;
        servers_fine(baseline)?;
    }
    Ok(())
}

pub const TESTS: &[Test] = &[
    Test { name: "fuzz.pm_10000_random_messages", run: |_| fuzz(PM_EP, 0x1234_5678) },
    Test { name: "fuzz.vm_10000_random_messages", run: |_| fuzz(VM_EP, 0x9abc_def0) },
    Test { name: "fuzz.vfs_10000_random_messages", run: |_| fuzz(VFS_EP, 0x0fed_cba9) },
];
