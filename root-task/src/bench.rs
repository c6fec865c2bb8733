//! The benchmark floor: in bench builds a root-task thread answers Calls on
//! its own endpoint with a bare ReplyRecv loop, and init gets a cap to it
//! at [`USER_SLOT`]. init's Call to it is the raw seL4 round trip between
//! two processes, measured in the same boot as everything else.
extern crate alloc;
use crate::kobj::Kernel;
use crate::vspace::VirtRange;
use core::sync::atomic::{AtomicU64, Ordering};
use sel4::{object, CPtr, Endpoint, MessageInfo};

/// Where init finds the echo endpoint (init's `bench::BENCH_ECHO_EP`).
pub const USER_SLOT: u64 = 20;
static ECHO_EP: AtomicU64 = AtomicU64::new(0);

pub fn echo_ep() -> Option<Endpoint> {
    match ECHO_EP.load(Ordering::Acquire) {
        0 => None,
        v => Some(Endpoint::from_bits(v)),
    }
}

static FAULT_FLOOR: AtomicU64 = AtomicU64::new(0);

/// The raw seL4 fault floor measured at boot (0 if not measured).
pub fn fault_floor() -> u64 {
    FAULT_FLOOR.load(Ordering::Acquire)
}

const FAULT_PAGES: u64 = 256;
/// Untouched addresses for the fault floor: one 2 MiB page table's worth
/// away from everything else.
const FAULT_AREA: u64 = 0x3000_0000;
const FAULT_BADGE: u64 = 0xfb;

/// Measures the raw fault round trip: a thread touches FAULT_PAGES fresh
/// pages; this thread receives each fault, maps a frame that was retyped
/// in advance, and answers with ReplyRecv. The page table already exists,
/// as it usually does for VM. Per fault, in TSC ticks (instructions under
/// -icount shift=0).
pub fn measure_fault_floor(k: &mut Kernel, virt: &mut VirtRange) -> Result<u64, &'static str> {
    let mut frames = alloc::vec::Vec::new();
    for _ in 0..FAULT_PAGES {
        frames.push(sel4::Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "frame")?));
    }
    // Create the page table by mapping and unmapping one page.
    let probe = sel4::Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "frame")?);
    crate::vspace::map_frame(k, sel4::init::VSPACE, probe, FAULT_AREA, sel4::CapRights::READ_WRITE).map_err(|_| "map")?;
    probe.unmap().map_err(|_| "unmap")?;
    let ep = k.alloc(object::ENDPOINT, 0).map_err(|_| "endpoint")?;
    let fault_ep = k.slot().map_err(|_| "slot")?;
    let root = sel4::init::CNODE;
    root.mint(fault_ep.0, 64, root, ep.0, 64, sel4::CapRights::ALL, FAULT_BADGE).map_err(|_| "mint")?;
    let tcb = crate::thread::start(k, virt, fault_ep, toucher, ep.0, 254)?;
    let mut m = sel4::recv(ep);
    for f in frames.iter() {
        let sel4::Fault::Vm(vf) = sel4::Fault::decode(&m) else { return Err("not a fault") };
        f.map(sel4::init::VSPACE, vf.addr & !0xfff, sel4::CapRights::READ_WRITE, Default::default()).map_err(|_| "map")?;
        m = sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    }
    let _ = tcb.suspend();
    let per = m.mrs[0] / FAULT_PAGES;
    FAULT_FLOOR.store(per, Ordering::Release);
    Ok(per)
}

extern "C" fn toucher(ep: u64) -> ! {
    let t0 = sel4::rdtsc();
    for i in 0..FAULT_PAGES {
        sel4::write_u64_at(FAULT_AREA + i * 4096, i);
    }
    let t = sel4::rdtsc() - t0;
    sel4::call(CPtr(ep), MessageInfo::new(1, 0, 0, 1), [t, 0, 0, 0]);
    loop {
        sel4::yield_now();
    }
}

pub fn start_echo(k: &mut Kernel, virt: &mut VirtRange) -> Result<(), &'static str> {
    let ep = k.alloc(object::ENDPOINT, 0).map_err(|_| "endpoint")?;
    crate::thread::start(k, virt, CPtr(0), echo, ep.0, 255)?;
    ECHO_EP.store(ep.0, Ordering::Release);
    Ok(())
}

extern "C" fn echo(ep: u64) -> ! {
    let ep = CPtr(ep);
    let mut m = sel4::recv(ep);
    loop {
        m = sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, m.info.length().min(4)), m.mrs);
    }
}
