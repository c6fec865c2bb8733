// SPDX-License-Identifier: BSD-2-Clause
//! The root task's seL4 glue: boot banner, kernel self-tests, then the
//! servers, init, and the process manager loop.
#![cfg_attr(target_os = "none", no_std, no_main)]
// On the host only the unit tests are built, so the seL4 glue goes unused.
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]

extern crate alloc;

mod bench;
mod boot;
mod disk;
mod exit;
mod fault_reporter;
mod images;
mod kobj;
mod loader;
mod pm;
mod process;
mod scratch;
mod selftest;
mod thread;
mod timer_dev;
mod vspace;

use root_task::tally::Tally;
use sel4::BootInfo;
use sel4_root_task::println;

sel4_root_task::declare_main!("root-task", start);

#[cfg(not(target_os = "none"))]
fn main() {}

/// Root-task addresses for its own threads' stacks and IPC buffers.
const THREAD_VIRT: (u64, u64) = (0x1000_0000, 0x1100_0000);

fn start(bootinfo: u64) -> ! {
    sel4_root_task::set_panic_hook(exit::fail_on_panic);
    // SAFETY: `bootinfo` is what the kernel left in rdi: the address of the
    // bootinfo frame it mapped read-only in the root task, which stays
    // mapped and unchanged; nothing here unmaps it.
    let bi = unsafe { BootInfo::from_addr(bootinfo) };
    let mut k = kobj::Kernel::from_bootinfo(&bi);
    println!(
        "MINIX personality on seL4 {}: root task up; {} MiB of untyped RAM in {} caps; {} free CSpace slots; TSC {} MHz",
        sel4::KERNEL_VERSION,
        k.ut.total_ram() >> 20,
        bi.untyped().len(),
        bi.empty().len(),
        bi.tsc_mhz()
    );
    let mut virt = vspace::VirtRange::new(THREAD_VIRT.0, THREAD_VIRT.1);
    let mut tally = Tally::default();
    selftest::run(&mut k, &mut virt, &mut tally);
    println!("kernel self-tests: {}", tally);
    // The kernel counts each thread's CPU time from here on (times).
    sel4::thread_time_start();
    // From here on the root task is PM, at the priority of everything it
    // talks to, so that its replies take the IPC fastpath.
    let pm_prio = minix_abi::system::priority(minix_abi::system::Role::Pm);
    if sel4::init::TCB.set_priority(pm_prio).is_err() {
        println!("boot: cannot set PM's priority");
    }
    if cfg!(feature = "bench") {
        if let Err(e) = bench::floors(&mut k, &mut virt) {
            println!("bench: floors failed: {}", e);
        }
        if let Err(e) = bench::start_idle_poller(&mut k, &mut virt) {
            println!("bench: idle poller failed: {}", e);
        }
    }
    let sys = match boot::boot(&mut k, &mut tally, bi.tsc_mhz()) {
        Ok(s) => s,
        Err(e) => {
            println!("boot failed: {}", e);
            tally.record(false);
            println!("{}", tally);
            exit::exit_qemu(false)
        }
    };
    if let Err(e) = fault_reporter::start(&mut k, &mut virt, sys.fault_ep) {
        println!("boot: fault reporter failed: {}", e);
        exit::exit_qemu(false)
    }
    pm::Pm::new(&mut k, sys, tally, bi.tsc_mhz()).run()
}
