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

#[cfg(all(target_os = "none", feature = "signal-entry"))]
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

#[cfg(all(target_os = "none", feature = "signal-entry"))]
extern "C" {
    fn __sel4_signal_entry();
}

/// The address PM starts a handler at (the `entry` of a catching
/// action). Its restorer is never used: the entry itself returns.
pub fn signal_entry() -> u64 {
    #[cfg(all(target_os = "none", feature = "signal-entry"))]
    {
        __sel4_signal_entry as *const () as usize as u64
    }
    // A program without our entry (a C program) has no such handler.
    #[cfg(not(all(target_os = "none", feature = "signal-entry")))]
    {
        0
    }
}

/// Calls the C function at `addr` as a signal handler:
/// `handler(sig, info, context)` (a handler without `SA_SIGINFO` ignores
/// the last two, as the C calling convention allows).
///
/// # Safety
///
/// `addr` must be the address of a C function taking up to three
/// integer or pointer arguments (a program's handler, as it gave it to
/// `sigaction`), and `info` and `context` must point at memory the
/// handler may read and write for the call.
pub unsafe fn call_c_handler(addr: u64, sig: u64, info: u64, context: u64) {
    // SAFETY: the caller vouches that addr is such a function; a
    // non-null integer of pointer size transmutes to a function pointer.
    let f: extern "C" fn(u64, u64, u64) = unsafe { core::mem::transmute(addr as usize) };
    f(sig, info, context);
}

/// Calls `f(arg)` with the stack pointer at `top` (rounded down to 16
/// bytes, so `f` starts as the ABI wants), and is back on the caller's
/// stack when `f` returns: for a signal handler on the alternate stack,
/// which the runtime runs itself when PM hands it a handler.
///
/// # Safety
///
/// The memory below `top`, as deep as `f` uses stack, is mapped writable,
/// and nothing else uses it while `f` runs: no Rust reference covers it
/// and no other thread runs on it. `f` must return (with the panic
/// strategy `abort`, a panic never unwinds across this call).
pub unsafe fn call_on_stack(top: u64, f: extern "C" fn(u64), arg: u64) {
    // SAFETY: the caller vouches for the stack below `top`. r12 is
    // callee-saved, so `f` hands it back and the old stack pointer with
    // it; the call pushes its return address on the new stack, never
    // into the caller's red zone. Declaring r12 an output keeps the
    // inputs out of it; `clobber_abi("C")` covers what `f` may change.
    unsafe {
        core::arch::asm!(
            "mov r12, rsp",
            "mov rsp, {top}",
            "call {f}",
            "mov rsp, r12",
            top = in(reg) top & !15,
            f = in(reg) f,
            in("rdi") arg,
            out("r12") _,
            clobber_abi("C"),
        );
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

#[cfg(test)]
mod tests {
    use core::sync::atomic::{AtomicU64, Ordering};

    static SEEN_SP: AtomicU64 = AtomicU64::new(0);
    static SEEN_ARG: AtomicU64 = AtomicU64::new(0);

    extern "C" fn note(arg: u64) {
        let local = 0u8;
        SEEN_SP.store(core::hint::black_box(&local) as *const u8 as u64, Ordering::SeqCst);
        SEEN_ARG.store(arg, Ordering::SeqCst);
    }

    #[test]
    fn runs_on_the_given_stack_and_comes_back() {
        let mut stack = vec![0u64; 8192];
        let base = stack.as_mut_ptr() as u64;
        let top = base + 8 * 8192 - 8;
        let before = 0u8;
        // SAFETY: `stack` is ours, writable, and no reference to it lives
        // while `note` runs on it; `note` returns.
        unsafe { super::call_on_stack(top, note, 42) };
        let sp = SEEN_SP.load(Ordering::SeqCst);
        assert!(sp > base && sp < top, "{:#x} not in {:#x}..{:#x}", sp, base, top);
        assert_eq!(SEEN_ARG.load(Ordering::SeqCst), 42);
        // Back on our own stack, our locals intact.
        assert_eq!(core::hint::black_box(before), 0);
        drop(stack);
    }
}
