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
    FLOOR.store(floor, core::sync::atomic::Ordering::Relaxed);
    let (c, w, l) = pm::Request::GetPid.encode();
    let null = measure(|| {
        mxrt::ipc::sendrec(PM_EP, c, w, l);
    });
    println!("bench getpid through PM: {} instructions, ratio {}", null, ratio(null, floor));
    safecopy(floor);
    faults();
    fork_cycle();
}

/// safecopy of 4 KiB and 64 KiB from init's grant into VFS, against the
/// IPC floor plus VFS's own memcpy of the same size.
fn safecopy(floor: u64) {
    const LEN: u64 = 64 * 1024;
    let Ok(buf) = mxrt::posix::mmap(0, LEN, 3, minix_abi::vm::MAP_ANON | minix_abi::vm::MAP_PRIVATE) else { return };
    for i in 0..LEN / 8 {
        sel4::write_u64_at(buf + i * 8, i);
    }
    let mut g = mxrt::grants::Grants::new();
    let Ok(id) = g.direct(minix_abi::endpoint::VFS, buf, LEN, grant::CPF_READ) else { return };
    for len in [4096u64, LEN] {
        let (c, w, l) = minix_abi::vfs::Request::GrantBench { grant: id.0, len, rounds: 200 }.encode();
        let r = mxrt::ipc::sendrec(minix_abi::cspace::VFS_EP, c, w, l);
        match r.result() {
            Ok(copy) => {
                let memcpy = r.vals[0];
                println!(
                    "bench safecopy {} KiB: {} instructions, ratio {} to IPC floor + memcpy ({} + {})",
                    len / 1024, copy, ratio(copy, floor + memcpy), floor, memcpy
                );
            }
            Err(e) => println!("bench safecopy {} KiB failed: {}", len / 1024, e.name()),
        }
    }
    let _ = g.revoke(id);
    let _ = mxrt::posix::munmap(buf, LEN);
}

/// Anonymous first-touch faults, against the raw seL4 fault floor.
fn faults() {
    const PAGES: u64 = 1024;
    let (c, w, l) = pm::Request::BenchFloors.encode();
    let fault_floor = mxrt::ipc::sendrec(PM_EP, c, w, l).result().unwrap_or(0);
    // Cold: VM takes fresh frames from untyped memory, which the kernel
    // zeroes inside Untyped_Retype. Warm: the same range again after
    // munmap, so VM reuses the freed frames (zeroing them itself), which
    // is its steady state once processes have come and gone.
    for kind in ["cold (fresh frames from untyped)", "warm (recycled frames)"] {
        let Ok(base) = mxrt::posix::mmap(0, PAGES * 4096, 3, minix_abi::vm::MAP_ANON | minix_abi::vm::MAP_PRIVATE) else {
            println!("bench: mmap failed");
            return;
        };
        // Touch one page first so the page tables of the range exist, as
        // they do for the floor.
        sel4::write_u64_at(base, 1);
        let t0 = sel4::rdtsc();
        for i in 1..PAGES {
            sel4::write_u64_at(base + i * 4096, i);
        }
        let per = (sel4::rdtsc() - t0) / (PAGES - 1);
        println!("bench anonymous first-touch fault through VM, {}: {} instructions, ratio {} to the raw seL4 fault floor ({})", kind, per, ratio(per, fault_floor), fault_floor);
        let _ = mxrt::posix::munmap(base, PAGES * 4096);
    }
}

/// fork + exit + wait of a process with 1 MiB of touched memory.
fn fork_cycle() {
    const ROUNDS: u64 = 20;
    let len = 1 << 20;
    let Ok(base) = mxrt::posix::mmap(0, len, 3, minix_abi::vm::MAP_ANON | minix_abi::vm::MAP_PRIVATE) else { return };
    for i in 0..len / 4096 {
        sel4::write_u64_at(base + i * 4096, i);
    }
    let t0 = sel4::rdtsc();
    for _ in 0..ROUNDS {
        match mxrt::posix::fork() {
            Ok(0) => mxrt::posix::exit(0),
            Ok(child) => {
                let _ = mxrt::posix::waitpid(child as i64, 0);
            }
            Err(_) => {
                println!("bench: fork failed");
                return;
            }
        }
    }
    let per = (sel4::rdtsc() - t0) / ROUNDS;
    println!("bench fork+exit+wait of a 1 MiB process: {} instructions, ratio {} to the IPC floor", per, ratio(per, FLOOR.load(core::sync::atomic::Ordering::Relaxed)));
    let _ = mxrt::posix::munmap(base, len);
}

static FLOOR: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

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
