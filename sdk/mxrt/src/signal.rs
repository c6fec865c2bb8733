// SPDX-License-Identifier: BSD-2-Clause
//! Signals, process groups, sessions and ids: PM's calls.
//!
//! Handlers cannot be installed yet (PM answers `ENOSYS`): a signal's
//! action is its default or to be ignored.
use crate::ipc::sendrec;
use minix_abi::cspace::PM_EP;
use minix_abi::errno::{Errno, EINVAL};
use minix_abi::pm::Request;
use minix_abi::signal::{Handler, MaskHow, SigAction, SigSet, Signal};

fn pm(r: Request) -> Result<(u64, [u64; 3]), Errno> {
    let (c, w, l) = r.encode();
    let rep = sendrec(PM_EP, c, w, l);
    rep.result().map(|s| (s, rep.vals))
}

fn signal(n: u32) -> Result<Signal, Errno> {
    Signal::new(n).ok_or(EINVAL)
}

fn set(bits: u32) -> Result<SigSet, Errno> {
    SigSet::from_bits(bits).ok_or(EINVAL)
}

/// `kill(pid, sig)`: `pid` > 0 one process, 0 the caller's group, -1
/// every process it may signal, below -1 the group `-pid`; `sig` 0 only
/// checks.
pub fn kill(pid: i32, sig: u32) -> Result<(), Errno> {
    let sig = if sig == 0 { None } else { Some(signal(sig)?) };
    pm(Request::Kill { pid, sig }).map(|_| ())
}

/// Sets signal `sig`'s action to its default (`ignore` false) or to be
/// ignored; answers whether it was ignored before.
pub fn set_ignored(sig: u32, ignore: bool) -> Result<bool, Errno> {
    let handler = if ignore { Handler::Ignore } else { Handler::Default };
    let new = SigAction { handler, ..Default::default() };
    pm(Request::SigAction { sig: signal(sig)?, new: Some(new) }).map(|(_, v)| v[0] == minix_abi::signal::SIG_IGN)
}

/// `sigprocmask(how, set)`: answers the old mask.
pub fn sigprocmask(how: MaskHow, bits: u32) -> Result<u32, Errno> {
    pm(Request::SigProcMask { how, set: set(bits)? }).map(|(old, _)| old as u32)
}

/// `sigsuspend(mask)`: waits with `mask` blocked until a handler has run
/// (answers `EINTR`) or a signal ends the process.
pub fn sigsuspend(bits: u32) -> Errno {
    let mask = match set(bits) {
        Ok(s) => s,
        Err(e) => return e,
    };
    match pm(Request::SigSuspend { mask }) {
        Err(e) => e,
        Ok(_) => minix_abi::errno::EINTR,
    }
}

/// `pause()`: waits, with the current mask, until a handler has run.
pub fn pause() -> Errno {
    match sigprocmask(MaskHow::Block, 0) {
        Ok(mask) => sigsuspend(mask),
        Err(e) => e,
    }
}

/// `sigaltstack`: handlers set with `on_altstack` run on `[sp, sp +
/// size)` (`None`: no alternate stack). Answers the old (flags, sp, size).
pub fn sigaltstack(stack: Option<(u32, u32)>) -> Result<(u64, u32, u32), Errno> {
    use minix_abi::signal::AltStackChange;
    let change = Some(match stack {
        Some((sp, size)) => AltStackChange::Enable { sp, size },
        None => AltStackChange::Disable,
    });
    pm(Request::SigAltStack { change }).map(|(flags, v)| (flags, v[0] as u32, v[1] as u32))
}

/// The signals pending and blocked.
pub fn sigpending() -> Result<u32, Errno> {
    pm(Request::SigPending).map(|(s, _)| s as u32)
}

/// `setpgid(pid, pgid)` (0s: the caller, its pid).
pub fn setpgid(pid: u32, pgid: u32) -> Result<(), Errno> {
    pm(Request::SetPgid { pid, pgid }).map(|_| ())
}

/// `getpgid(pid)` (0: the caller).
pub fn getpgid(pid: u32) -> Result<u32, Errno> {
    pm(Request::GetPgid { pid }).map(|(g, _)| g as u32)
}

/// `setsid()`: the new session's id.
pub fn setsid() -> Result<u32, Errno> {
    pm(Request::SetSid).map(|(s, _)| s as u32)
}

/// `getsid(pid)` (0: the caller).
pub fn getsid(pid: u32) -> Result<u32, Errno> {
    pm(Request::GetSid { pid }).map(|(s, _)| s as u32)
}

/// (real, effective) user ids.
pub fn getuids() -> Result<(u32, u32), Errno> {
    pm(Request::GetUid).map(|(r, v)| (r as u32, v[0] as u32))
}

/// (real, effective) group ids.
pub fn getgids() -> Result<(u32, u32), Errno> {
    pm(Request::GetGid).map(|(r, v)| (r as u32, v[0] as u32))
}

pub fn setuid(uid: u32) -> Result<(), Errno> {
    pm(Request::SetUid { uid }).map(|_| ())
}

pub fn setgid(gid: u32) -> Result<(), Errno> {
    pm(Request::SetGid { gid }).map(|_| ())
}

/// The program's handlers, by signal number.
static HANDLERS: sel4::HandlerTable<32> = sel4::HandlerTable::new();

/// Catches signal `sig` with `handler`: it runs on the process's stack
/// with `sig` blocked (and `mask` too), the FPU state saved around it.
/// With `restart`, a call the signal interrupts is made again; otherwise
/// it fails with `EINTR`.
pub fn set_handler(sig: u32, handler: fn(u32), restart: bool, mask: u32) -> Result<(), Errno> {
    set_handler_on(sig, handler, restart, mask, false)
}

/// [`set_handler`], on the alternate stack when `on_altstack` and one is
/// set up ([`sigaltstack`]).
pub fn set_handler_on(sig: u32, handler: fn(u32), restart: bool, mask: u32, on_altstack: bool) -> Result<(), Errno> {
    use minix_abi::signal::SaFlags;
    let s = signal(sig)?;
    let entry = u32::try_from(sel4::signal_entry()).map_err(|_| EINVAL)?;
    HANDLERS.set(sig as usize, Some(handler));
    let mut flags = if restart { SaFlags::RESTART.bits() } else { 0 };
    if on_altstack {
        flags |= SaFlags::ONSTACK.bits();
    }
    let flags = SaFlags::from_bits(flags).ok_or(EINVAL)?;
    // The restorer is never used (the entry calls SIGRETURN itself) but a
    // catching action needs one.
    let new = SigAction { handler: Handler::Catch { entry, restorer: entry }, flags, mask: set(mask)? };
    pm(Request::SigAction { sig: s, new: Some(new) }).map(|_| ())
}

/// The info of the signal whose handler runs now (or ran last):
/// `si_code`, `si_pid`, `si_addr`.
static INFO: [core::sync::atomic::AtomicU32; 3] = [const { core::sync::atomic::AtomicU32::new(0) }; 3];

/// The running handler's signal info: (`si_code`, `si_pid`, `si_addr`).
pub fn info() -> (i32, u32, u32) {
    use core::sync::atomic::Ordering::Relaxed;
    (INFO[0].load(Relaxed) as i32, INFO[1].load(Relaxed), INFO[2].load(Relaxed))
}

/// Called by `sel4`'s signal entry with the signal, its info and frame.
#[no_mangle]
extern "C" fn __sel4_signal_handler(sig: u64, _info: u64, frame: u64) {
    use core::sync::atomic::Ordering::Relaxed;
    use minix_abi::sigframe::{SigFrame, FRAME_BYTES};
    // SAFETY: the signal entry copied the frame's FRAME_BYTES to `frame`
    // on this thread's stack, and nothing writes it while this runs.
    let bytes = unsafe { sel4::slice_at(frame, FRAME_BYTES) };
    if let Some(f) = bytes.try_into().ok().and_then(|b: &[u8; FRAME_BYTES]| SigFrame::decode(b).ok()) {
        INFO[0].store(f.info.code as u32, Relaxed);
        INFO[1].store(f.info.pid, Relaxed);
        INFO[2].store(f.info.addr, Relaxed);
    }
    if let Some(h) = HANDLERS.get(sig as usize) {
        h(sig as u32);
    }
}

/// Called by `sel4`'s signal entry when the handler returned: hands the
/// frame back to PM (its 24 words in the message), which restores the
/// registers and mask it holds. Never returns.
#[no_mangle]
extern "C" fn __sel4_signal_return(frame: u64) -> ! {
    use minix_abi::sigframe::FRAME_BYTES;
    const WORDS: usize = FRAME_BYTES / 8;
    // SAFETY: the signal entry copied the frame's FRAME_BYTES to `frame`
    // on this thread's stack, above the entry's own stack use, and nothing
    // writes it while this runs.
    let bytes = unsafe { sel4::slice_at(frame, FRAME_BYTES) };
    let word = |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
    for i in 4..WORDS {
        sel4::set_mr(i, word(i));
    }
    let info = sel4::MessageInfo::new(minix_abi::pm::SIGRETURN, 0, 0, WORDS as u64);
    loop {
        // PM answers only a frame it refuses (the process is then
        // killed); keep asking rather than run on a stale stack.
        sel4::call(sel4::CPtr(PM_EP), info, [word(0), word(1), word(2), word(3)]);
    }
}
