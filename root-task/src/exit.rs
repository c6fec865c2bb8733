// SPDX-License-Identifier: BSD-2-Clause
//! Ending QEMU through the isa-debug-exit device (I/O port 0xf4). QEMU
//! exits with status `(value << 1) | 1`: 1 for success, 3 for failure.
use sel4::{init, IoPort};
use sel4_root_task::println;

const DEBUG_EXIT_PORT: u16 = 0xf4;

pub fn exit_qemu(success: bool) -> ! {
    let value = if success { 0 } else { 1 };
    let io: IoPort = init::IO_PORT;
    if let Err(e) = io.out8(DEBUG_EXIT_PORT, value) {
        println!("root-task: isa-debug-exit failed: {:?}", e);
    }
    // Without the device (plain `make run`), stop here.
    println!("root-task: system halted");
    sel4::debug_halt()
}

pub fn fail_on_panic() -> ! {
    exit_qemu(false)
}
