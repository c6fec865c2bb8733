// SPDX-License-Identifier: BSD-2-Clause
//! The seL4 system calls on x86_64 (`syscall` instruction).
//!
//! Registers: rdx = syscall number, rdi = destination cap in / badge out,
//! rsi = MessageInfo in/out, MR0-MR3 = r10, r8, r9, r15. The kernel returns
//! with RSP cleared, so RSP is parked in r12 (preserved by the kernel).
//! rcx and r11 are clobbered.
//!
//! The syscall numbers are libsel4's `seL4_Syscall_ID`, generated.
use crate::syscall as sys;
use crate::{CPtr, MessageInfo};

/// Message registers MR0-MR3, which travel in CPU registers.
pub type Mrs = [u64; 4];

/// Result of a receiving syscall: tag, badge and MR0-MR3.
#[derive(Copy, Clone, Debug)]
pub struct Received {
    pub info: MessageInfo,
    pub badge: u64,
    pub mrs: Mrs,
}

#[inline(always)]
fn raw(sys: i64, dest: u64, info: u64, mrs: Mrs) -> (u64, u64, Mrs) {
    let (mut d, mut i) = (dest, info);
    let [mut m0, mut m1, mut m2, mut m3] = mrs;
    // SAFETY: the seL4 syscall ABI above; RSP is saved in r12 and restored.
    unsafe {
        core::arch::asm!(
            "mov r12, rsp",
            "syscall",
            "mov rsp, r12",
            inout("rdx") sys => _,
            inout("rdi") d,
            inout("rsi") i,
            inout("r10") m0,
            inout("r8") m1,
            inout("r9") m2,
            inout("r15") m3,
            out("r12") _,
            out("rcx") _,
            out("r11") _,
        );
    }
    (d, i, [m0, m1, m2, m3])
}

/// Call: send and wait for the reply on the one-time reply cap.
#[inline(always)]
pub fn call(ep: CPtr, info: MessageInfo, mrs: Mrs) -> Received {
    let (badge, i, mrs) = raw(sys::CALL, ep.0, info.0, mrs);
    Received { info: MessageInfo(i), badge, mrs }
}

/// Reply to the current caller, then wait on `ep`.
#[inline(always)]
pub fn reply_recv(ep: CPtr, info: MessageInfo, mrs: Mrs) -> Received {
    let (badge, i, mrs) = raw(sys::REPLY_RECV, ep.0, info.0, mrs);
    Received { info: MessageInfo(i), badge, mrs }
}

/// Blocking send.
#[inline(always)]
pub fn send(ep: CPtr, info: MessageInfo, mrs: Mrs) {
    raw(sys::SEND, ep.0, info.0, mrs);
}

/// Non-blocking send: dropped if nobody waits.
#[inline(always)]
pub fn nb_send(ep: CPtr, info: MessageInfo, mrs: Mrs) {
    raw(sys::NB_SEND, ep.0, info.0, mrs);
}

/// Signal a notification.
#[inline(always)]
pub fn signal(ntfn: CPtr) {
    raw(sys::SEND, ntfn.0, MessageInfo::new(0, 0, 0, 1).0, [0; 4]);
}

/// Blocking receive on an endpoint or notification.
#[inline(always)]
pub fn recv(ep: CPtr) -> Received {
    let (badge, i, mrs) = raw(sys::RECV, ep.0, 0, [0; 4]);
    Received { info: MessageInfo(i), badge, mrs }
}

/// Wait on a notification; returns its badge word.
#[inline(always)]
pub fn wait(ntfn: CPtr) -> u64 {
    recv(ntfn).badge
}

/// Non-blocking receive.
#[inline(always)]
pub fn nb_recv(ep: CPtr) -> Received {
    let (badge, i, mrs) = raw(sys::NB_RECV, ep.0, 0, [0; 4]);
    Received { info: MessageInfo(i), badge, mrs }
}

/// Reply to the current caller.
#[inline(always)]
pub fn reply(info: MessageInfo, mrs: Mrs) {
    raw(sys::REPLY, 0, info.0, mrs);
}

/// Give up the rest of the time slice.
#[inline(always)]
pub fn yield_now() {
    raw(sys::YIELD, 0, 0, [0; 4]);
}

/// Print one character on the kernel's debug console.
#[inline(always)]
pub fn debug_put_char_raw(c: u8) {
    raw(sys::DEBUG_PUT_CHAR, c as u64, 0, [0; 4]);
}

/// Turns on the kernel's accounting of each thread's CPU time (our
/// kernel keeps it on from then: kernel/patches/0002).
pub fn thread_time_start() {
    raw(sys::BENCHMARK_RESET_LOG, 0, 0, [0; 4]);
}

/// The TSC ticks `tcb`'s thread has run since it was created or its count
/// reset ([`thread_time_reset`]); 0 for a cap that is not a TCB's. The
/// kernel writes the figure into the caller's IPC buffer.
pub fn thread_time(tcb: CPtr) -> u64 {
    crate::set_mr(0, 0);
    raw(sys::BENCHMARK_GET_THREAD_UTILISATION, tcb.0, 0, [0; 4]);
    crate::get_mr(0)
}

/// Starts `tcb`'s count of ticks again from 0 (a recycled TCB begins a
/// new process).
pub fn thread_time_reset(tcb: CPtr) {
    raw(sys::BENCHMARK_RESET_THREAD_UTILISATION, tcb.0, 0, [0; 4]);
}

/// Halt the whole system (debug kernels).
pub fn debug_halt() -> ! {
    raw(sys::DEBUG_HALT, 0, 0, [0; 4]);
    loop {
        yield_now();
    }
}
