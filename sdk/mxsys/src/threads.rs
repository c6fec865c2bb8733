// SPDX-License-Identifier: BSD-2-Clause
//! Threads of C programs: musl's `__clone`, `exit` of one thread,
//! `futex`, `gettid`, `__unmapself`.
//!
//! A thread is a TCB of its own in the process's memory, made by PM
//! (`THREAD_NEW`) and started at `sel4`'s thread entry with the function,
//! its argument and the parent's thread-id word left on its new stack.
//! Futexes are PM's: a wait is a saved reply cap there, never a spin.
//! A `clone` that asks for a new process sharing nothing but memory with
//! `CLONE_VFORK` (musl's `posix_spawn`, so `system` and `popen`) is a
//! fork whose child runs the function on its copy of the stack: the
//! function only sets the child up and execs, and reports a failure
//! through a pipe, which needs no shared memory.
use crate::calls::{Args, Outcome};
use crate::errno::{mx, Lx, EFAULT, EINVAL, ENOSYS};
use crate::user;
use minix_abi::cspace::{PM_EP, VM_EP};
use minix_abi::pm::{futex, FutexOp, Request};
use mxrt::signal::call_pm;

/// Linux's `clone` flags musl uses.
pub mod lx {
    pub const CSIGNAL: u64 = 0xff;
    pub const CLONE_VM: u64 = 0x100;
    pub const CLONE_FS: u64 = 0x200;
    pub const CLONE_FILES: u64 = 0x400;
    pub const CLONE_SIGHAND: u64 = 0x800;
    pub const CLONE_VFORK: u64 = 0x4000;
    pub const CLONE_THREAD: u64 = 0x10000;
    pub const CLONE_SYSVSEM: u64 = 0x40000;
    pub const CLONE_SETTLS: u64 = 0x80000;
    pub const CLONE_PARENT_SETTID: u64 = 0x100000;
    pub const CLONE_CHILD_CLEARTID: u64 = 0x200000;
    pub const CLONE_DETACHED: u64 = 0x400000;
    /// What a thread shares: all of it (musl's `pthread_create`).
    pub const THREAD: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    /// Every flag a thread may add.
    pub const THREAD_EXTRAS: u64 = CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED;
    pub const SIGCHLD: u64 = 17;

    pub const FUTEX_WAIT: u64 = 0;
    pub const FUTEX_WAKE: u64 = 1;
    pub const FUTEX_REQUEUE: u64 = 3;
    pub const FUTEX_CMP_REQUEUE: u64 = 4;
    pub const FUTEX_WAIT_BITSET: u64 = 9;
    pub const FUTEX_WAKE_BITSET: u64 = 10;
    pub const FUTEX_PRIVATE: u64 = 128;
    pub const FUTEX_CLOCK_REALTIME: u64 = 256;
    pub const FUTEX_BITSET_ANY: u64 = 0xffff_ffff;
}

/// What a `clone` asks for.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum CloneKind {
    Thread {
        tls: bool,
        set_parent_tid: bool,
        clear_child_tid: bool,
    },
    /// A child process that shares memory until it execs (posix_spawn).
    SpawnChild,
}

/// The kind of `clone` the flags ask for; anything else is `EINVAL`.
pub fn clone_kind(flags: u64) -> Result<CloneKind, Lx> {
    if flags & lx::THREAD == lx::THREAD && flags & !(lx::THREAD | lx::THREAD_EXTRAS) == 0 {
        return Ok(CloneKind::Thread {
            tls: flags & lx::CLONE_SETTLS != 0,
            set_parent_tid: flags & lx::CLONE_PARENT_SETTID != 0,
            clear_child_tid: flags & lx::CLONE_CHILD_CLEARTID != 0,
        });
    }
    if flags == lx::CLONE_VM | lx::CLONE_VFORK | lx::SIGCHLD {
        return Ok(CloneKind::SpawnChild);
    }
    Err(EINVAL)
}

/// A user address as a 32-bit word (every user address is below 4 GiB).
fn addr32(a: u64) -> Result<u32, Lx> {
    u32::try_from(a).map_err(|_| EFAULT)
}

/// musl's `__clone(fn, stack, flags, arg, ptid, tls, ctid)`.
#[allow(clippy::too_many_arguments)]
pub fn clone(func: u64, stack: u64, flags: u64, arg: u64, ptid: u64, tls: u64, ctid: u64) -> Result<u64, Lx> {
    let kind = clone_kind(flags)?;
    // The entry's four words go just under the 16-aligned top.
    let top = stack & !15;
    let sp = top.checked_sub(32).ok_or(EINVAL)?;
    match kind {
        CloneKind::Thread { tls: set_tls, set_parent_tid, clear_child_tid } => {
            let ptid_word = if set_parent_tid { ptid } else { 0 };
            if set_parent_tid {
                user::bytes_mut(ptid, 4)?;
            }
            put_start(sp, func, arg, ptid_word)?;
            let tls = if set_tls { addr32(tls)? } else { 0 };
            let clear_tid = if clear_child_tid { addr32(ctid)? } else { 0 };
            let req = Request::ThreadNew { stack: addr32(sp)?, tls, clear_tid, entry: addr32(sel4::thread_entry())? };
            let tid = mx(call_pm(&req).result())?;
            if set_parent_tid {
                user::put(ptid, &(tid as u32).to_le_bytes())?;
            }
            Ok(tid)
        }
        CloneKind::SpawnChild => {
            put_start(sp, func, arg, 0)?;
            match mx(mxrt::posix::fork())? {
                0 => start_child(sp),
                pid => Ok(pid as u64),
            }
        }
    }
}

/// The forked child of a spawn runs the function on its copy of the
/// stack the caller gave, then ends with its result.
fn start_child(sp: u64) -> ! {
    // SAFETY: the child is a copy of this process: `sp` lies in its copy
    // of the stack the caller gave for the function, with the entry's four
    // words on it, and nothing of this call is needed any more.
    #[cfg(target_os = "none")]
    unsafe {
        sel4::start_thread_here(sp, 0)
    }
    #[cfg(not(target_os = "none"))]
    {
        let _ = sp;
        exit_thread(127)
    }
}

/// The four words `sel4`'s thread entry takes from the new stack.
fn put_start(sp: u64, func: u64, arg: u64, ptid: u64) -> Result<(), Lx> {
    let mut words = [0u8; 32];
    for (i, w) in [func, arg, ptid, 0].into_iter().enumerate() {
        words[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
    }
    user::put(sp, &words)
}

/// `exit` (60): this thread ends; the process with it if it is the last.
pub fn exit_thread(code: u8) -> ! {
    let (c, w, l) = Request::ThreadExit { code }.encode();
    loop {
        sel4::call(sel4::CPtr(PM_EP), sel4::MessageInfo::new(c, 0, 0, l), w);
    }
}

pub fn exit(a: &Args) -> Outcome {
    exit_thread(a[0] as u8)
}

pub fn gettid(_: &Args) -> Outcome {
    mx(call_pm(&Request::GetTid).result())
}

/// A detached thread's end (musl's `__unmapself`): its stack unmapped by
/// VM, then the thread ended by PM, with no use of the stack between.
pub fn unmap_self(base: u64, len: u64) -> ! {
    let (vc, vw, vl) = minix_abi::vm::Request::Munmap { addr: base, len }.encode();
    let (pc, pw, pl) = Request::ThreadExit { code: 0 }.encode();
    let first = (sel4::CPtr(VM_EP), sel4::MessageInfo::new(vc, 0, 0, vl), vw[0], vw[1]);
    let last = (sel4::CPtr(PM_EP), sel4::MessageInfo::new(pc, 0, 0, pl), pw[0]);
    // SAFETY: PM ends the thread on THREAD_EXIT and never answers it;
    // musl calls this as the thread's very last act, its stack given up.
    unsafe { sel4::call_then_end(first, last) }
}

/// The microseconds of a relative `timespec` at `addr`, rounded up, and
/// whether they had to be cut to what one FUTEX call can wait.
fn relative_us(addr: u64) -> Result<(u32, bool), Lx> {
    let sec = user::read_u64(addr)? as i64;
    let nsec = user::read_u64(addr + 8)? as i64;
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    let us = (sec as u128) * 1_000_000 + (nsec as u128).div_ceil(1000);
    let max = (futex::FOREVER - 1) as u128;
    Ok(if us > max { (max as u32, true) } else { (us as u32, false) })
}

/// futex(uaddr, op, val, timeout or val2, uaddr2, val3).
pub fn futex_call(a: &Args) -> Outcome {
    let op = a[1] & !(lx::FUTEX_PRIVATE | lx::FUTEX_CLOCK_REALTIME);
    let addr = addr32(a[0])?;
    if addr % 4 != 0 {
        return Err(EINVAL);
    }
    let val = a[2] as u32;
    let count = |n: u64| (n as u32).min(futex::COUNT_MAX);
    let (req, cut) = match op {
        lx::FUTEX_WAIT | lx::FUTEX_WAIT_BITSET => {
            if op == lx::FUTEX_WAIT_BITSET && a[5] as u32 as u64 != lx::FUTEX_BITSET_ANY {
                return Err(ENOSYS);
            }
            let (timeout_us, cut) = match a[3] {
                0 => (futex::FOREVER, false),
                t if op == lx::FUTEX_WAIT => relative_us(t)?,
                t => absolute_us(t, a[1] & lx::FUTEX_CLOCK_REALTIME != 0)?,
            };
            (Request::Futex(FutexOp::Wait { addr, val, timeout_us }), cut)
        }
        lx::FUTEX_WAKE | lx::FUTEX_WAKE_BITSET => {
            if op == lx::FUTEX_WAKE_BITSET && a[5] as u32 as u64 != lx::FUTEX_BITSET_ANY {
                return Err(ENOSYS);
            }
            (Request::Futex(FutexOp::Wake { addr, count: count(a[2]) }), false)
        }
        lx::FUTEX_REQUEUE | lx::FUTEX_CMP_REQUEUE => {
            // CMP_REQUEUE's check is made here, not atomically with the
            // move in PM: a waker that changed the word meanwhile also
            // wakes, so a waiter moved too early is woken anyway.
            if op == lx::FUTEX_CMP_REQUEUE && user::read_u64(a[0]).map(|w| w as u32)? != a[5] as u32 {
                return Err(crate::errno::EAGAIN);
            }
            let to = addr32(a[4])?;
            let wake = count(a[2]).min(futex::REQUEUE_WAKE_MAX);
            (Request::Futex(FutexOp::Requeue { addr, wake, to, requeue: count(a[3]) }), false)
        }
        _ => return Err(ENOSYS),
    };
    match mx(call_pm(&req).result()) {
        // A wait cut short by the limit of one call is a spurious wake:
        // the caller checks its condition and waits again.
        Err(e) if cut && e == crate::errno::ETIMEDOUT => Ok(0),
        r => r,
    }
}

/// The microseconds until an absolute `timespec` on the monotonic (or
/// realtime) clock, 0 if it is past.
fn absolute_us(addr: u64, realtime: bool) -> Result<(u32, bool), Lx> {
    let sec = user::read_u64(addr)? as i64;
    let nsec = user::read_u64(addr + 8)? as i64;
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    let clock = if realtime { mxrt::time::CLOCK_REALTIME } else { mxrt::time::CLOCK_MONOTONIC };
    let now = mx(mxrt::time::clock_gettime(clock))?;
    let now_ns = now.sec as i128 * 1_000_000_000 + now.nsec as i128;
    let at_ns = sec as i128 * 1_000_000_000 + nsec as i128;
    let us = ((at_ns - now_ns).max(0) as u128).div_ceil(1000);
    let max = (futex::FOREVER - 1) as u128;
    Ok(if us > max { (max as u32, true) } else { (us as u32, false) })
}

/// The C-side entry of a thread's end: `sel4`'s thread entry calls it with
/// the function's result.
#[cfg(target_os = "none")]
#[no_mangle]
pub extern "C" fn __sel4_thread_exit(code: i32) -> ! {
    exit_thread(code as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_kinds() {
        let musl_thread = lx::THREAD | lx::CLONE_SETTLS | lx::CLONE_PARENT_SETTID | lx::CLONE_CHILD_CLEARTID | lx::CLONE_DETACHED;
        assert_eq!(clone_kind(musl_thread), Ok(CloneKind::Thread { tls: true, set_parent_tid: true, clear_child_tid: true }));
        assert_eq!(clone_kind(lx::THREAD), Ok(CloneKind::Thread { tls: false, set_parent_tid: false, clear_child_tid: false }));
        assert_eq!(clone_kind(lx::CLONE_VM | lx::CLONE_VFORK | lx::SIGCHLD), Ok(CloneKind::SpawnChild));
        // A thread that does not share everything, or a plain fork.
        assert_eq!(clone_kind(lx::THREAD & !lx::CLONE_FILES), Err(EINVAL));
        assert_eq!(clone_kind(lx::SIGCHLD), Err(EINVAL));
        assert_eq!(clone_kind(musl_thread | lx::CLONE_VFORK), Err(EINVAL));
    }

    #[test]
    fn futex_arguments_checked_before_any_message() {
        // Unaligned word, an address past 4 GiB, an unknown operation, a
        // bitset other than all ones.
        assert_eq!(futex_call(&[0x1002, lx::FUTEX_WAKE, 1, 0, 0, 0]), Err(EINVAL));
        assert_eq!(futex_call(&[1 << 32, lx::FUTEX_WAKE, 1, 0, 0, 0]), Err(EFAULT));
        assert_eq!(futex_call(&[0x1000, 5, 1, 0, 0, 0]), Err(ENOSYS));
        assert_eq!(futex_call(&[0x1000, lx::FUTEX_WAKE_BITSET, 1, 0, 0, 1]), Err(ENOSYS));
    }
}
