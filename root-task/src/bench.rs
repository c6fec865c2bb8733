// SPDX-License-Identifier: BSD-2-Clause
//! The benchmark floors, measured by the root task in bench builds, in the
//! same boot as every other figure and the same way (`bench_spec`: fenced
//! TSC per iteration, warm-up dropped, median):
//!
//! * `ipc_thread`: Call/ReplyRecv between the root task's main thread and
//!   an echo thread of the same process at the same priority, the kernel's
//!   best case;
//! * `fault_raw`: a thread touches a fresh page; the main thread receives
//!   the fault, maps a frame retyped in advance, and replies.
//!
//! The echo thread then serves init, whose Call to it is `ipc_process`
//! (init finds the cap at [`USER_SLOT`]).
extern crate alloc;
use crate::kobj::Kernel;
use crate::vspace::VirtRange;
use alloc::boxed::Box;
use bench_spec::{per_iteration, FnClock, Samples};
use core::sync::atomic::{AtomicU64, Ordering};
use sel4::{object, CPtr, Endpoint, MessageInfo};
use sel4_root_task::println;

/// Where init finds the echo endpoint (init's `bench::BENCH_ECHO_EP`).
pub const USER_SLOT: u64 = 20;
static ECHO_EP: AtomicU64 = AtomicU64::new(0);

pub fn echo_ep() -> Option<Endpoint> {
    match ECHO_EP.load(Ordering::Acquire) {
        0 => None,
        v => Some(Endpoint::from_bits(v)),
    }
}

/// Bench threads stand in for servers and users, at their priority.
const BENCH_PRIO: u8 = minix_abi::system::SYSTEM_PRIO;
const WARMUP: usize = 16;
const FAULT_PAGES: usize = 1024;
/// Untouched addresses for the fault floor: one 2 MiB page table's worth
/// away from everything else.
const FAULT_AREA: u64 = 0x3000_0000;
const FAULT_BADGE: u64 = 0xfb;

/// Starts the echo thread and measures both floors. Runs at PM's priority,
/// which is the bench threads' priority.
pub fn floors(k: &mut Kernel, virt: &mut VirtRange) -> Result<(), &'static str> {
    let ep = k.alloc(object::ENDPOINT, 0).map_err(|_| "endpoint")?;
    crate::thread::start(k, virt, CPtr(0), echo, ep.0, BENCH_PRIO)?;
    ECHO_EP.store(ep.0, Ordering::Release);
    let mut s = Box::<Samples>::default();
    let r = bench_spec::workloads::NULL_CALL;
    let ipc = per_iteration(&mut FnClock(sel4::rdtsc_fenced), &mut s, r.warmup, r.iters, |_, _| {
        sel4::call(CPtr(ep.0), MessageInfo::new(1, 0, 0, 1), [0; 4]);
    });
    println!("measure name=ipc_thread instr={}", ipc);
    let fault = fault_floor(k, virt)?;
    println!("measure name=fault_raw instr={}", fault);
    Ok(())
}

/// The priority of [`idle_poller`]: above only seL4's own idle thread.
const IDLE_POLL_PRIO: u8 = 1;

/// Starts a thread that spins whenever nothing else can run, as Linux's
/// `idle=poll` does in the Linux peer's boot. Under `-icount
/// sleep=off`, a halted CPU makes QEMU jump the guest clock to the next
/// timer deadline (seL4's 2 ms tick here, up to Linux's 4 ms there), so a
/// figure that waits for the disk would mostly measure which tick came
/// next. Spinning instead, the clock counts the instructions spun until
/// the device answers: the same wait on both systems.
pub fn start_idle_poller(k: &mut Kernel, virt: &mut VirtRange) -> Result<(), &'static str> {
    crate::thread::start(k, virt, CPtr(0), idle_poller, 0, IDLE_POLL_PRIO).map(|_| ())
}

extern "C" fn idle_poller(_: u64) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// A thread touches WARMUP + FAULT_PAGES fresh pages, timing each touch;
/// this thread receives each fault, maps a frame retyped in advance and
/// answers with ReplyRecv. The page table already exists, as it usually
/// does for VM.
fn fault_floor(k: &mut Kernel, virt: &mut VirtRange) -> Result<u64, &'static str> {
    let pages = WARMUP + FAULT_PAGES;
    let mut frames = alloc::vec::Vec::new();
    for _ in 0..pages {
        frames.push(sel4::Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "frame")?));
    }
    // Create the page tables of the area by mapping and unmapping one
    // page in each 2 MiB of it.
    let probe = sel4::Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "frame")?);
    for table in 0..(pages as u64 * 4096).div_ceil(1 << 21) {
        let at = FAULT_AREA + (table << 21);
        crate::vspace::map_frame(k, sel4::init::VSPACE, probe, at, sel4::CapRights::READ_WRITE).map_err(|_| "map")?;
        probe.unmap().map_err(|_| "unmap")?;
    }
    let ep = k.alloc(object::ENDPOINT, 0).map_err(|_| "endpoint")?;
    let fault_ep = k.slot().map_err(|_| "slot")?;
    let root = sel4::init::CNODE;
    root.mint(fault_ep.0, sel4::CNODE_DEPTH, root, ep.0, sel4::CNODE_DEPTH, sel4::CapRights::ALL, FAULT_BADGE).map_err(|_| "mint")?;
    let tcb = crate::thread::start(k, virt, fault_ep, toucher, ep.0, BENCH_PRIO)?;
    let mut m = sel4::recv(ep);
    for f in frames.iter() {
        let sel4::Fault::Vm(vf) = sel4::Fault::decode(&m) else { return Err("not a fault") };
        f.map(sel4::init::VSPACE, vf.addr & !0xfff, sel4::CapRights::READ_WRITE, Default::default()).map_err(|_| "map")?;
        m = sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    }
    let _ = tcb.suspend();
    Ok(m.mrs[0])
}

extern "C" fn toucher(ep: u64) -> ! {
    let mut s = Box::<Samples>::default();
    let median = per_iteration(&mut FnClock(sel4::rdtsc_fenced), &mut s, WARMUP, FAULT_PAGES, |_, i| {
        // SAFETY: each write faults on purpose: page i of FAULT_AREA
        // (reserved for this floor) is unmapped until the root task,
        // handling the fault, maps a fresh frame there read-write and
        // resumes this thread; no Rust value refers to the area.
        unsafe { sel4::write_u64_at(FAULT_AREA + i as u64 * 4096, i as u64) };
    });
    sel4::call(CPtr(ep), MessageInfo::new(1, 0, 0, 1), [median, 0, 0, 0]);
    loop {
        sel4::yield_now();
    }
}

extern "C" fn echo(ep: u64) -> ! {
    let ep = CPtr(ep);
    let mut m = sel4::recv(ep);
    loop {
        m = sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, m.info.length().min(4)), m.mrs);
    }
}
