//! Benchmarks, run under QEMU -icount shift=0 (one TSC tick = one guest
//! instruction). Every figure is printed with its ratio to the raw seL4
//! Call/ReplyRecv round trip measured in the same boot.
use minix_abi::cspace::PM_EP;
use minix_abi::pm;
use sel4_root_task::println;

/// Slot where a bench build of init finds the root task's echo endpoint.
pub const BENCH_ECHO_EP: u64 = 20;
const ROUNDS: u64 = 2000;

fn measure(mut op: impl FnMut()) -> u64 {
    for _ in 0..50 {
        op();
    }
    let t0 = sel4::rdtsc();
    for _ in 0..ROUNDS {
        op();
    }
    (sel4::rdtsc() - t0) / ROUNDS
}

pub fn run() {
    let floor = measure(|| {
        sel4::call(sel4::CPtr(BENCH_ECHO_EP), sel4::MessageInfo::new(1, 0, 0, 1), [0; 4]);
    });
    println!("bench seL4 Call/ReplyRecv round trip (floor): {} instructions", floor);
    let (c, w, l) = pm::Request::GetPid.encode();
    let null = measure(|| {
        mxrt::ipc::sendrec(PM_EP, c, w, l);
    });
    println!("bench getpid through PM: {} instructions, ratio {}", null, ratio(null, floor));
}

/// `a / b` with two decimals, as text.
pub fn ratio(a: u64, b: u64) -> Ratio {
    Ratio(if b == 0 { 0 } else { a * 100 / b })
}

pub struct Ratio(u64);

impl core::fmt::Display for Ratio {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}
