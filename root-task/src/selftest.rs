// SPDX-License-Identifier: BSD-2-Clause
//! Built-in self-tests of the kernel interface, run by the root task on
//! the real kernel before anything else starts. Each prints one line.
use crate::{
    kobj::Kernel,
    process::Built,
    vspace::{map_frame, VirtRange},
};
use minix_abi::cspace::vfs::{NTFNS, NTFN_BASE, WORKERS, WORKER_TCB_BASE};
use root_task::tally::Tally;
use sel4::{init, object, CNode, CapRights, Endpoint, Error, Fault, Frame, MessageInfo, Notification, Tcb, Untyped};
use sel4_root_task::println;

/// An address nothing maps until the fault handler does.
const FAULT_ADDR: u64 = 0x1200_0000;
const FAULT_BADGE: u64 = 0xfa;
const MARKER: u64 = 0x5e14_0000_cafe;

/// The root task's registered tests: these self-tests, the check of VFS's
/// worker caps while VFS is built, then PM's checks at the end of boot
/// that FS answers and serves the boot file system.
/// Each prints one line; `qemu/test.sh` checks that every registered test
/// did.
pub const REGISTERED: &[&str] = &[
    "kernel.retype_endpoint_and_tcb",
    "kernel.thread_ipc_round_trip",
    "kernel.fault_handled_and_resumed",
    "kernel.retype_into_occupied_slot_fails",
    "boot.vfs_worker_caps",
    "boot.ping_fs",
    "boot.fs_statvfs",
];

pub fn report(t: &mut Tally, name: &str, r: Result<(), &'static str>) {
    match r {
        Ok(()) => println!("test {}: ok", name),
        Err(why) => println!("test {}: FAILED ({})", name, why),
    }
    t.record(r.is_ok());
}

pub fn run(k: &mut Kernel, virt: &mut VirtRange, t: &mut Tally) {
    println!("tests registered: {}", REGISTERED.len());
    let ep = k.alloc(object::ENDPOINT, 0).map(Endpoint);
    let tcb = k.alloc(object::TCB, 0).map(Tcb);
    report(
        t,
        "kernel.retype_endpoint_and_tcb",
        match (ep, tcb) {
            (Ok(_), Ok(_)) => Ok(()),
            _ => Err("retype failed"),
        },
    );
    let (Ok(ep), Ok(_)) = (ep, tcb) else { return };

    let mut worker_tcb = None;
    report(t, "kernel.thread_ipc_round_trip", start_worker(k, virt, ep, &mut worker_tcb).and_then(|_| ipc_round_trip(ep)));
    report(t, "kernel.fault_handled_and_resumed", handle_worker_fault(k, ep));
    report(t, "kernel.retype_into_occupied_slot_fails", retype_into_occupied(k, ep));
    if let Some(w) = worker_tcb {
        let _ = w.suspend();
    }
}

/// VFS's CNode holds a TCB in every worker slot and a notification no
/// thread is bound to in every notification slot. Each cap is copied out
/// and used as what it should be: its registers read, or bound to a worker
/// and unbound again. It runs before VFS starts, so nothing VFS does (such
/// as binding a notification) can interfere.
pub fn vfs_worker_caps(k: &mut Kernel, vfs: &Built) -> Result<(), &'static str> {
    let (Ok(tcb), Ok(ntfn)) = (k.slot(), k.slot()) else { return Err("no slot") };
    let root = init::CNODE;
    let take = |dest: sel4::CPtr, slot: u64| {
        let _ = root.delete(dest.0, sel4::CNODE_DEPTH);
        root.copy(dest.0, sel4::CNODE_DEPTH, vfs.cnode, slot, vfs.cnode_bits, CapRights::ALL)
    };
    let check = || {
        for slot in WORKER_TCB_BASE..WORKER_TCB_BASE + WORKERS {
            take(tcb, slot).map_err(|_| "a worker slot is empty")?;
            Tcb(tcb).read_registers(false).map_err(|_| "a worker slot holds no TCB")?;
        }
        // The lock notifications, and the alarm thread's.
        for slot in (NTFN_BASE..NTFN_BASE + NTFNS).chain([minix_abi::cspace::vfs::ALARM_NTFN]) {
            take(ntfn, slot).map_err(|_| "a notification slot is empty")?;
            Tcb(tcb).bind_notification(Notification(ntfn)).map_err(|_| "a notification slot holds no free notification")?;
            Tcb(tcb).unbind_notification().map_err(|_| "unbind")?;
        }
        Ok(())
    };
    let r = check();
    for s in [tcb, ntfn] {
        let _ = root.delete(s.0, sel4::CNODE_DEPTH);
        k.slots.free(s.0);
    }
    r
}

fn start_worker(k: &mut Kernel, virt: &mut VirtRange, ep: Endpoint, tcb_out: &mut Option<Tcb>) -> Result<(), &'static str> {
    // Fault endpoint: the same endpoint, badged, with Send and Grant rights.
    let fault_ep = k.slot().map_err(|_| "no slot")?;
    let root: CNode = init::CNODE;
    root.mint(fault_ep.0, sel4::CNODE_DEPTH, root, ep.bits(), sel4::CNODE_DEPTH, CapRights::ALL, FAULT_BADGE)
        .map_err(|_| "mint fault ep")?;
    *tcb_out = Some(crate::thread::start(k, virt, fault_ep, worker, ep.bits(), 200)?);
    Ok(())
}

fn ipc_round_trip(ep: Endpoint) -> Result<(), &'static str> {
    let m = sel4::recv(ep.cptr());
    if m.badge != 0 || m.info.label() != 1 || m.mrs != [1, 2, 3, 4] {
        return Err("unexpected first message");
    }
    let five = sel4::get_mr(4);
    sel4::set_mr(4, five + 100);
    sel4::reply(MessageInfo::new(2, 0, 0, 5), [11, 12, 13, 14]);
    // The worker checks the reply and reports back.
    let m = sel4::recv(ep.cptr());
    if m.info.label() == 3 && m.mrs[0] == 1 {
        sel4::reply(MessageInfo::new(0, 0, 0, 0), [0; 4]);
        Ok(())
    } else {
        Err("worker saw a wrong reply")
    }
}

fn handle_worker_fault(k: &mut Kernel, ep: Endpoint) -> Result<(), &'static str> {
    let m = sel4::recv(ep.cptr());
    if m.badge != FAULT_BADGE {
        return Err("fault arrived without the fault badge");
    }
    let Fault::Vm(f) = Fault::decode(&m) else { return Err("not a VM fault") };
    if f.addr != FAULT_ADDR || f.is_write() {
        return Err("wrong fault address or kind");
    }
    let frame = Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "frame")?);
    map_frame(k, init::VSPACE, frame, FAULT_ADDR & !0xfff, CapRights::READ_WRITE).map_err(|_| "map")?;
    // SAFETY: the page of FAULT_ADDR, reserved for this test, was just
    // mapped read-write with a fresh frame; no Rust value refers to it, and
    // the worker, blocked in its fault until the reply below, reads it
    // only after this write.
    unsafe { sel4::write_u64_at(FAULT_ADDR, MARKER) };
    sel4::reply(MessageInfo::new(0, 0, 0, 0), [0; 4]);
    let m = sel4::recv(ep.cptr());
    if m.badge == 0 && m.info.label() == 4 && m.mrs[0] == MARKER {
        Ok(())
    } else {
        Err("worker did not read the marker after resuming")
    }
}

fn retype_into_occupied(k: &mut Kernel, occupied: Endpoint) -> Result<(), &'static str> {
    // Any untyped with room will do; the kernel must refuse the slot.
    let ut = k.ut.place(sel4::size_bits::ENDPOINT as u32).ok_or("no untyped")?;
    match Untyped::from_bits(ut).retype(object::ENDPOINT, 0, init::CNODE, 0, 0, occupied.bits(), 1) {
        Err(Error::DeleteFirst) => Ok(()),
        Ok(()) => Err("retype into an occupied slot succeeded"),
        Err(_) => Err("wrong error (expected DeleteFirst)"),
    }
}

/// The second thread: an IPC round trip, then a read of an unmapped page.
extern "C" fn worker(ep_bits: u64) -> ! {
    let ep = sel4::CPtr(ep_bits);
    sel4::set_mr(4, 5);
    let r = sel4::call(ep, MessageInfo::new(1, 0, 0, 5), [1, 2, 3, 4]);
    let ok = r.info.label() == 2 && r.mrs == [11, 12, 13, 14] && sel4::get_mr(4) == 105;
    sel4::call(ep, MessageInfo::new(3, 0, 0, 1), [ok as u64, 0, 0, 0]);
    // SAFETY: the read faults on purpose: nothing is mapped at FAULT_ADDR
    // (reserved for this test) until the root task, handling the fault,
    // maps a frame there and writes MARKER before it resumes this thread.
    let v = unsafe { sel4::read_u64_at(FAULT_ADDR) };
    sel4::call(ep, MessageInfo::new(4, 0, 0, 1), [v, 0, 0, 0]);
    loop {
        sel4::yield_now();
    }
}
