//! The root task's seL4 glue: boot banner, kernel self-tests, and the exit
//! through isa-debug-exit.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_imports))]

extern crate alloc;

mod exit;
mod kobj;
mod selftest;
mod vspace;

use root_task::tally::Tally;
use sel4::BootInfo;
use sel4_root_task::println;

sel4_root_task::declare_main!("root-task", start);

#[cfg(not(target_os = "none"))]
fn main() {}

fn start(bootinfo: u64) -> ! {
    sel4_root_task::set_panic_hook(exit::fail_on_panic);
    let bi = BootInfo::from_addr(bootinfo);
    let mut k = kobj::Kernel::from_bootinfo(&bi);
    println!(
        "MINIX personality on seL4 {}: root task up; {} MiB of untyped RAM in {} caps; {} free CSpace slots; TSC {} MHz",
        sel4::KERNEL_VERSION,
        k.pool.total_ram() >> 20,
        bi.untyped().len(),
        bi.empty().len(),
        bi.tsc_mhz()
    );
    let mut tally = Tally::default();
    selftest::run(&mut k, &mut tally);
    println!("{}", tally);
    exit::exit_qemu(tally.success())
}
