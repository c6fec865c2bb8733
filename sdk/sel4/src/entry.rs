// SPDX-License-Identifier: BSD-2-Clause
//! Process and thread entry. `_start` is where every process begins: the
//! kernel (root task) or the root task (other processes) leaves one word in
//! `rdi` (bootinfo pointer or start-up page). A process that exec started
//! also has a stack, with argc, argv, envp and the auxiliary vector at
//! `rsp`; others have none. We switch to a static stack and call
//! `__sel4_runtime_start(rdi, rsp as we found it)`, which the runtime crate
//! defines.
use crate::UserContext;
use core::sync::atomic::{AtomicU64, Ordering};

/// `rsp` as `_start` found it (see [`initial_sp`]).
static INITIAL_SP: AtomicU64 = AtomicU64::new(0);

/// Records `rsp` as `_start` found it; the runtime calls this first.
pub fn set_initial_sp(sp: u64) {
    INITIAL_SP.store(sp, Ordering::Relaxed);
}

/// `rsp` as `_start` found it: where exec put argc (meaningless in a
/// process that exec did not start; readers check it lies in exec's
/// stack).
pub fn initial_sp() -> u64 {
    INITIAL_SP.load(Ordering::Relaxed)
}

#[cfg(all(target_os = "none", feature = "process-entry"))]
core::arch::global_asm!(
    ".section .bss.sel4_stack, \"aw\", @nobits",
    ".balign 4096",
    "__sel4_stack_bottom:",
    ".space 0x40000",
    "__sel4_stack_top:",
    ".text",
    ".global _start",
    "_start:",
    "    mov rsi, rsp",
    "    lea rsp, [rip + __sel4_stack_top]",
    "    xor rbp, rbp",
    "    call __sel4_runtime_start",
    "    ud2",
);

/// Registers for starting a second thread of the calling process at
/// `entry(arg)` on the stack whose top (exclusive, 16-byte aligned) is
/// `stack_top`. As after a `call`, the thread sees RSP = top - 8.
pub fn spawn_thread_entry(entry: extern "C" fn(u64) -> !, arg: u64, stack_top: u64) -> UserContext {
    UserContext { rip: entry as usize as u64, rsp: (stack_top & !15) - 8, rdi: arg, rflags: 0x202, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn never(_: u64) -> ! {
        panic!("only its address is used")
    }

    #[test]
    fn a_started_thread_sees_the_stack_a_call_leaves() {
        let entry: extern "C" fn(u64) -> ! = never;
        for top in [0x7fff_0000u64, 0x7fff_0008, 0x7fff_000f, 0x7fff_0010] {
            let r = spawn_thread_entry(entry, 0x1234, top);
            // SysV ABI at function entry: the return address was pushed on
            // a 16-byte aligned stack.
            assert_eq!((r.rsp + 8) % 16, 0, "top {:#x}", top);
            assert!(r.rsp < top && top - r.rsp <= 24, "top {:#x}: rsp {:#x}", top, r.rsp);
            assert_eq!(r.rip, entry as usize as u64);
            assert_eq!(r.rdi, 0x1234);
            // Interrupts on (IF), the one flag x86 requires set (bit 1).
            assert_eq!(r.rflags, 0x202);
            assert_eq!((r.rax, r.rbp, r.fs_base), (0, 0, 0));
        }
    }
}
