// SPDX-License-Identifier: BSD-2-Clause
//! Server faults. Until servers can be restarted, a fault in VM, VFS or FS
//! is a system failure: this thread prints which server, the fault and
//! where, and stops QEMU with failure. It is a thread of its own, on an
//! endpoint of its own, so a fault is reported even while PM is blocked in
//! a Call to the very server that faulted (a fork or spawn that VM was
//! serving, say).
use crate::kobj::Kernel;
use crate::vspace::VirtRange;
use minix_abi::endpoint::Sender;
use sel4::{object, CPtr, Endpoint};
use sel4_root_task::println;

/// Makes the endpoint whose badged copies become the servers' fault
/// endpoints.
pub fn endpoint(k: &mut Kernel) -> Result<Endpoint, &'static str> {
    k.alloc(object::ENDPOINT, 0).map(Endpoint).map_err(|_| "fault endpoint")
}

/// Starts the reporter on `ep`.
pub fn start(k: &mut Kernel, virt: &mut VirtRange, ep: Endpoint) -> Result<(), &'static str> {
    let prio = minix_abi::system::priority(minix_abi::system::Role::Pm);
    crate::thread::start(k, virt, CPtr(0), report, ep.cptr().0, prio).map(|_| ())
}

extern "C" fn report(ep: u64) -> ! {
    let msg = sel4::recv(CPtr(ep));
    let who = match Sender::from_badge(msg.badge) {
        Sender::Fault(e) => crate::pm::server_name(e),
        _ => "an unknown sender",
    };
    let f = sel4::Fault::decode(&msg);
    println!("PM: server {} faulted: {:?}; stopping the system", who, f);
    crate::exit::exit_qemu(false)
}
