// SPDX-License-Identifier: BSD-2-Clause
//! The runtime every one of our seL4 programs links: the root task and the
//! processes it starts alike.
//!
//! * entry: `sel4`'s `_start` switches to a static stack and calls the
//!   `__sel4_runtime_start` that [`declare_main!`] defines;
//! * a heap (the `buddy_system_allocator` crate over a static area);
//! * a panic handler that prints the component name and source location,
//!   then stops the system (see [`set_panic_hook`]);
//! * [`println!`] and [`print!`] on the kernel debug console.
#![no_std]

pub use sel4;

mod heap;
mod panic;
pub mod print;

pub use heap::{free_bytes as heap_free_bytes, give as give_heap_memory, grow as grow_heap, used_and_size as heap_used_and_size};
pub use panic::{component_name, set_panic_hook};

/// Called by the `__sel4_runtime_start` that [`declare_main!`] generates.
/// Records the stack pointer the process started with (exec's argument
/// block, see `sel4::initial_sp`), sets up the heap, records the component
/// name, runs `main(arg)`.
pub fn run(name: &'static str, arg: u64, sp: u64, main: fn(u64) -> !) -> ! {
    sel4::set_initial_sp(sp);
    panic::set_component_name(name);
    heap::init();
    main(arg)
}

/// Declares the program's entry: `declare_main!("vm", main)` where
/// `fn main(arg: u64) -> !` receives the word the starter left in `rdi`
/// (the bootinfo address for the root task, the start-up page otherwise).
#[macro_export]
macro_rules! declare_main {
    ($name:expr, $main:path) => {
        #[cfg(target_os = "none")]
        #[no_mangle]
        extern "C" fn __sel4_runtime_start(arg: u64, sp: u64) -> ! {
            $crate::run($name, arg, sp, $main)
        }
    };
}
