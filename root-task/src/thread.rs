// SPDX-License-Identifier: BSD-2-Clause
//! Extra threads in the root task's own VSpace (self-tests, bench echo).
use crate::kobj::Kernel;
use crate::vspace::{map_frame, VirtRange};
use sel4::{init, object, CPtr, CapRights, Frame, Tcb};

const STACK_PAGES: u64 = 4;

/// Creates and starts a thread running `entry(arg)` at `prio`, with its
/// own IPC buffer and stack mapped from `virt`. Faults go to `fault_ep`.
pub fn start(
    k: &mut Kernel,
    virt: &mut VirtRange,
    fault_ep: CPtr,
    entry: extern "C" fn(u64) -> !,
    arg: u64,
    prio: u8,
) -> Result<Tcb, &'static str> {
    let tcb = Tcb(k.alloc(object::TCB, 0).map_err(|_| "tcb")?);
    let ipc = Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "ipc frame")?);
    let ipc_addr = virt.take(1).ok_or("virt")?;
    map_frame(k, init::VSPACE, ipc, ipc_addr, CapRights::READ_WRITE).map_err(|_| "map ipc")?;
    let stack = virt.take(STACK_PAGES).ok_or("virt")?;
    for i in 0..STACK_PAGES {
        let f = Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "stack frame")?);
        map_frame(k, init::VSPACE, f, stack + i * 4096, CapRights::READ_WRITE).map_err(|_| "map stack")?;
    }
    tcb.configure(fault_ep, prio, 0, init::CNODE, 0, init::VSPACE, ipc_addr, ipc).map_err(|_| "configure")?;
    let regs = sel4::spawn_thread_entry(entry, arg, stack + STACK_PAGES * 4096);
    tcb.write_registers(true, &regs).map_err(|_| "write registers")?;
    Ok(tcb)
}
