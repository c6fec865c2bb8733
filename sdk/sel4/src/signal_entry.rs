// SPDX-License-Identifier: BSD-2-Clause
//! Where a signal handler starts: `__sel4_signal_entry`, which PM sets a
//! thread's registers to when it delivers a signal that has a handler.
//!
//! PM leaves, as it starts the thread here:
//! - `rsp`: where the return address and the frame go (`rsp` + 8 is the
//!   frame, 16-aligned; `root_task::handler_frame::enter`);
//! - `r12`: the address in the thread's IPC buffer where PM wrote those
//!   8 + 192 bytes (PM cannot write the stack, whose pages VM holds);
//! - `rdi`, `rsi`, `rdx`: the signal, its info and the frame.
//!
//! The entry copies the bytes onto the stack (touching the stack pages as
//! any code would, so VM pages them in), saves the FPU and SSE state
//! (seL4 gives PM none of it) with `fxsave`, calls the runtime's
//! `__sel4_signal_handler(sig, info, frame)`, restores the FPU state and
//! calls `__sel4_signal_return(frame)`, which asks PM to put the frame's
//! registers back and never returns.

#[cfg(target_os = "none")]
core::arch::global_asm!(
    ".text",
    ".global __sel4_signal_entry",
    "__sel4_signal_entry:",
    "    mov r13, rdi",
    "    mov r14, rsi",
    "    mov r15, rdx",
    "    mov rdi, rsp",
    "    mov rsi, r12",
    "    mov ecx, 25",
    "    cld",
    "    rep movsq",
    "    mov rdi, r13",
    "    mov rsi, r14",
    "    mov rdx, r15",
    "    mov rbx, rsp",
    "    sub rsp, 512",
    "    and rsp, -16",
    "    fxsave64 [rsp]",
    "    call __sel4_signal_handler",
    "    fxrstor64 [rsp]",
    "    lea rdi, [rbx + 8]",
    "    call __sel4_signal_return",
    "    ud2",
);

#[cfg(target_os = "none")]
extern "C" {
    fn __sel4_signal_entry();
}

/// The address PM starts a handler at (the `entry` of a catching
/// action). Its restorer is never used: the entry itself returns.
pub fn signal_entry() -> u64 {
    #[cfg(target_os = "none")]
    {
        __sel4_signal_entry as *const () as usize as u64
    }
    #[cfg(not(target_os = "none"))]
    {
        0
    }
}

use core::sync::atomic::{AtomicPtr, Ordering};

/// Handler functions by signal number, set and read without a lock (a
/// handler may run while the program sets another).
pub struct HandlerTable<const N: usize>([AtomicPtr<()>; N]);

impl<const N: usize> HandlerTable<N> {
    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

    pub const fn new() -> HandlerTable<N> {
        HandlerTable([Self::EMPTY; N])
    }

    /// Sets entry `i` (ignored past the end).
    pub fn set(&self, i: usize, f: Option<fn(u32)>) {
        if let Some(slot) = self.0.get(i) {
            slot.store(f.map_or(core::ptr::null_mut(), |f| f as *mut ()), Ordering::Release);
        }
    }

    /// Entry `i`.
    pub fn get(&self, i: usize) -> Option<fn(u32)> {
        let p = self.0.get(i)?.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: only `set` stores into the table, and it stores null or
        // a `fn(u32)` cast to a pointer; a non-null value is therefore a
        // `fn(u32)`, which has the size of a pointer.
        Some(unsafe { core::mem::transmute::<*mut (), fn(u32)>(p) })
    }
}

impl<const N: usize> Default for HandlerTable<N> {
    fn default() -> Self {
        Self::new()
    }
}
