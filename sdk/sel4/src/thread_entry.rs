// SPDX-License-Identifier: BSD-2-Clause
//! A C program's threads: where a new thread starts
//! (`__sel4_thread_entry`), and the last act of a thread whose stack goes
//! away with it.
//!
//! PM starts a new thread with `rdi` = its thread id and `rsp` = the
//! stack pointer the creator chose, where the creator left four words:
//! the function, its argument, where to store the thread id (0: nowhere)
//! and a spare. The entry stores the id (before the function can read
//! it), calls `function(argument)` on the 16-aligned stack above, and
//! hands the function's result to the runtime's
//! `__sel4_thread_exit(code)`, which never returns.

#[cfg(all(target_os = "none", feature = "thread-entry"))]
core::arch::global_asm!(
    ".text",
    ".global __sel4_thread_entry",
    "__sel4_thread_entry:",
    "    mov esi, edi",
    "    pop rax",
    "    pop rdi",
    "    pop rcx",
    "    pop rdx",
    "    test rcx, rcx",
    "    jz 1f",
    "    mov dword ptr [rcx], esi",
    "1:",
    "    and rsp, -16",
    "    call rax",
    "    mov edi, eax",
    "    call __sel4_thread_exit",
    "    ud2",
);

#[cfg(all(target_os = "none", feature = "thread-entry"))]
extern "C" {
    fn __sel4_thread_entry();
}

/// The address PM starts a new thread at.
pub fn thread_entry() -> u64 {
    #[cfg(all(target_os = "none", feature = "thread-entry"))]
    {
        __sel4_thread_entry as *const () as usize as u64
    }
    #[cfg(not(all(target_os = "none", feature = "thread-entry")))]
    {
        0
    }
}

/// Continues this thread at the thread entry, as PM starts a new one:
/// `rsp` = `sp` (where the entry's four words are), `rdi` = `tid`. A
/// forked child uses it to run a function on a stack of its own.
///
/// # Safety
///
/// `sp` must point at the entry's four words in mapped, writable memory
/// that nothing else uses, with room below for the function's stack;
/// nothing on the current stack is needed any more.
#[cfg(all(target_os = "none", feature = "thread-entry"))]
pub unsafe fn start_thread_here(sp: u64, tid: u64) -> ! {
    // SAFETY: the caller vouches for the stack at `sp`; the entry never
    // returns.
    unsafe {
        core::arch::asm!("mov rsp, {sp}", "jmp {entry}", sp = in(reg) sp, entry = sym __sel4_thread_entry, in("rdi") tid, options(noreturn))
    }
}

/// Two Calls, the second never answered, with no use of the stack
/// between or after them: a detached thread unmaps its own stack (the
/// first Call, to VM) and ends (the second, to PM). Only MR0 and MR1 of
/// the first and MR0 of the second are sent.
///
/// # Safety
///
/// The second Call must never return (PM ends the calling thread on it),
/// and nothing may need this thread's stack after the first one: the
/// caller gives it away.
#[cfg(target_arch = "x86_64")]
pub unsafe fn call_then_end(first: (crate::CPtr, crate::MessageInfo, u64, u64), last: (crate::CPtr, crate::MessageInfo, u64)) -> ! {
    // SAFETY: the seL4 syscall ABI (see syscalls.rs); the kernel keeps
    // r12-r14 across the first syscall, and neither syscall nor the moves
    // between them touch memory. The caller vouches that the last never
    // returns (ud2 stops the thread if it did).
    unsafe {
        core::arch::asm!(
            "syscall",
            "mov rdx, {call}",
            "mov rdi, r12",
            "mov rsi, r13",
            "mov r10, r14",
            "syscall",
            "ud2",
            call = const crate::syscall::CALL,
            in("rdx") crate::syscall::CALL,
            in("rdi") (first.0).0,
            in("rsi") (first.1).0,
            in("r10") first.2,
            in("r8") first.3,
            in("r12") (last.0).0,
            in("r13") (last.1).0,
            in("r14") last.2,
            options(noreturn, nostack),
        )
    }
}
