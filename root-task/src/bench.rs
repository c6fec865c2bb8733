//! The benchmark floor: in bench builds a root-task thread answers Calls on
//! its own endpoint with a bare ReplyRecv loop, and init gets a cap to it
//! at [`USER_SLOT`]. init's Call to it is the raw seL4 round trip between
//! two processes, measured in the same boot as everything else.
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
