// SPDX-License-Identifier: BSD-2-Clause
//! Signals, process groups, sessions and ids: PM's calls, and the
//! program's signal handlers.
//!
//! Every PM call of the runtime goes through [`call_pm`], which tells PM
//! that this runtime runs its handlers itself (`pm::RUNS_HANDLERS`). A
//! signal for a handler that arrives while PM owes such a call its answer
//! (a kill of the process itself, a `sigprocmask` that unblocks one, a
//! `sigsuspend`, `pause` or `wait` it ends) comes back as a `RUN_HANDLER`
//! answer: `call_pm` runs the handler, on the alternate stack if the
//! action asks for it, tells PM with `HANDLER_DONE`, and answers what PM
//! then says (the call's own answer, a restart of the call, or the next
//! handler). No registers are rewritten and no frame is copied: the
//! handler is an ordinary call, and the compiler saves whatever FPU and
//! SSE state the caller still needs around it, as around any call.
//!
//! A signal that comes while the process runs, or waits in another
//! server, is started through its registers by PM: `sel4`'s signal entry
//! then calls `__sel4_signal_handler` with the frame PM wrote.
use crate::ipc::sendrec;
use minix_abi::cspace::PM_EP;
use minix_abi::errno::{Errno, EINVAL, EIO};
use minix_abi::message::Reply;
use minix_abi::pm::{self as pmabi, HandlerDetails, HandlerStart, Request};
use minix_abi::signal::{Handler, MaskHow, SaFlags, SigAction, SigInfo, SigSet, Signal, SS_DISABLE, SS_ONSTACK};
use sel4::{CPtr, MessageInfo};

/// Makes a PM call as this runtime's every PM call is made: with
/// `pm::RUNS_HANDLERS`, running the handlers PM hands over before the
/// call's answer (see the module notes).
pub fn call_pm(req: &Request) -> Reply {
    let (c, w, l) = req.encode();
    let call = MessageInfo::new(c | pmabi::RUNS_HANDLERS, 0, 0, l);
    let mut r = sel4::call(CPtr(PM_EP), call, w);
    loop {
        match r.info.label() {
            0 => return Reply::from_received(r.mrs, r.info.length()),
            pmabi::RUN_HANDLER => {
                // PM is trusted, but its words are decoded like any
                // other; a start that is none leaves the call with EIO.
                let Ok(start) = HandlerStart::decode(r.mrs, r.info.length()) else { return Reply::err(EIO) };
                run_handed(&start);
                // The mask comes back as PM kept it: these handlers have
                // no context in which to change it.
                let (c, w, l) = Request::HandlerDone { token: start.token, mask: None }.encode();
                r = sel4::call(CPtr(PM_EP), MessageInfo::new(c, 0, 0, l), w);
            }
            // SA_RESTART: the call is made again, as it was.
            pmabi::RESTART => r = sel4::call(CPtr(PM_EP), call, w),
            _ => return Reply::err(EIO),
        }
    }
}

fn pm(r: Request) -> Result<(u64, [u64; 3]), Errno> {
    let rep = call_pm(&r);
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

/// Signal `sig`'s action as PM keeps it: the handler word (0 `SIG_DFL`,
/// 1 `SIG_IGN`, else the handler's address), its mask and its flags.
pub fn query_action(sig: u32) -> Result<(u64, u32, u32), Errno> {
    pm(Request::SigAction { sig: signal(sig)?, new: None }).map(|(_, v)| (v[0], v[1] as u32, v[2] as u32))
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

/// The alternate stack as PM keeps it: (`SS_ONSTACK` if the caller runs
/// on it, or `SS_DISABLE`, or 0; its base; its size).
pub fn sigaltstack_query() -> Result<(u64, u32, u32), Errno> {
    pm(Request::SigAltStack { change: None }).map(|(flags, v)| (flags, v[0] as u32, v[1] as u32))
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
    let mut flags = if restart { SaFlags::RESTART } else { SaFlags::EMPTY };
    if on_altstack {
        flags = flags.with(SaFlags::ONSTACK);
    }
    set_handler_flags(sig, handler, flags, mask)
}

/// Catches `sig` with `handler` and the action flags `flags`
/// (`SA_SIGINFO` makes every field of [`siginfo`] valid in the handler,
/// `SA_RESETHAND`, `SA_NODEFER` and the others as POSIX says).
pub fn set_handler_flags(sig: u32, handler: fn(u32), flags: SaFlags, mask: u32) -> Result<(), Errno> {
    let s = signal(sig)?;
    let entry = u32::try_from(sel4::signal_entry()).map_err(|_| EINVAL)?;
    HANDLERS.set(sig as usize, Some(handler));
    // The restorer is never used (the entry calls SIGRETURN itself) but a
    // catching action needs one.
    let new = SigAction { handler: Handler::Catch { entry, restorer: entry }, flags, mask: set(mask)? };
    pm(Request::SigAction { sig: s, new: Some(new) }).map(|_| ())
}

/// The info of the signal whose handler runs now (or ran last):
/// `si_code`, `si_pid`, `si_uid`, `si_addr`, `si_status`.
static INFO: [core::sync::atomic::AtomicU32; 5] = [const { core::sync::atomic::AtomicU32::new(0) }; 5];

fn set_info(i: &SigInfo) {
    use core::sync::atomic::Ordering::Relaxed;
    for (k, v) in [i.code as u32, i.pid, i.uid, i.addr, i.status as u32].into_iter().enumerate() {
        INFO[k].store(v, Relaxed);
    }
}

/// The running handler's signal info. `si_code` and `si_pid` always; the
/// rest when its action has `SA_SIGINFO`, or when PM started it through
/// the thread's registers (a fault, or a signal that came while the
/// process ran or waited in another server), whose frame holds it all.
/// Otherwise they read 0.
pub fn siginfo() -> SigInfo {
    use core::sync::atomic::Ordering::Relaxed;
    let w = |k: usize| INFO[k].load(Relaxed);
    SigInfo { code: w(0) as i32, pid: w(1), uid: w(2), addr: w(3), status: w(4) as i32 }
}

/// The running handler's signal info: (`si_code`, `si_pid`, `si_addr`),
/// as [`siginfo`] says.
pub fn info() -> (i32, u32, u32) {
    let i = siginfo();
    (i.code, i.pid, i.addr)
}

/// Runs a handler PM handed over in the answer to a call: its info
/// (asking PM for the rest with `SA_SIGINFO`), then the program's handler
/// for the signal, on the alternate stack if the action has `SA_ONSTACK`,
/// one is set up and the thread is not on it already.
fn run_handed(s: &HandlerStart) {
    use core::sync::atomic::Ordering::Relaxed;
    // A handler this one interrupted (a call it made took another) finds
    // its own info and frame again afterwards.
    let outer = siginfo();
    let outer_frame = FRAME.swap(0, Relaxed);
    run_with_info(s);
    set_info(&outer);
    FRAME.store(outer_frame, Relaxed);
}

/// Where the running handler's frame is, when PM started it through the
/// thread's registers: the frame's address on this stack (see
/// `minix_abi::sigframe`), which SIGRETURN hands back to PM when the
/// handler returns, so a change to its registers or mask takes effect
/// then. 0 for a handler handed over in a call's answer, which has no
/// frame: it returns to the call like any function.
static FRAME: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The running handler's frame address, or 0 (see [`FRAME`]).
pub fn frame() -> u64 {
    FRAME.load(core::sync::atomic::Ordering::Relaxed)
}

fn run_with_info(s: &HandlerStart) {
    let mut info = SigInfo { code: s.code, pid: s.pid, ..SigInfo::default() };
    if s.flags.contains(SaFlags::SIGINFO) {
        let (c, w, l) = Request::HandlerInfo { token: s.token }.encode();
        if let Ok(d) = HandlerDetails::from_reply(&sendrec(PM_EP, c, w, l)) {
            (info.uid, info.addr, info.status) = (d.uid, d.addr, d.status);
        }
    }
    set_info(&info);
    let sig = s.sig.number();
    // The table holds the program's handlers: set_handler put each
    // behind the entry PM names.
    let Some(h) = HANDLERS.get(sig as usize) else { return };
    if s.flags.contains(SaFlags::ONSTACK) {
        // SIGALTSTACK's query says where the stack is, and SS_ONSTACK if
        // this thread runs on it already (a nested handler stays there).
        let (c, w, l) = Request::SigAltStack { change: None }.encode();
        let r = sendrec(PM_EP, c, w, l);
        if let Ok(flags) = r.result() {
            if flags & (SS_DISABLE | SS_ONSTACK) == 0 {
                let top = r.vals[0] + r.vals[1];
                // SAFETY: the program gave this stack to sigaltstack for
                // its handlers alone: mapped writable, used by nothing
                // else while the handler runs (it is not running on it:
                // no SS_ONSTACK). on_stack returns.
                unsafe { sel4::call_on_stack(top, on_stack, sig as u64) };
                return;
            }
        }
    }
    h(sig);
}

/// Runs the program's handler for signal `sig` (on the alternate stack,
/// where [`run_handed`] switched to).
extern "C" fn on_stack(sig: u64) {
    if let Some(h) = HANDLERS.get(sig as usize) {
        h(sig as u32);
    }
}

/// Called by `sel4`'s signal entry with the signal, its info and frame.
#[no_mangle]
extern "C" fn __sel4_signal_handler(sig: u64, _info: u64, frame: u64) {
    use minix_abi::sigframe::{SigFrame, FRAME_BYTES};
    // SAFETY: the signal entry copied the frame's FRAME_BYTES to `frame`
    // on this thread's stack, and nothing writes it while this runs.
    let bytes = unsafe { sel4::slice_at(frame, FRAME_BYTES) };
    if let Some(f) = bytes.try_into().ok().and_then(|b: &[u8; FRAME_BYTES]| SigFrame::decode(b).ok()) {
        set_info(&f.info);
    }
    let outer = FRAME.swap(frame, core::sync::atomic::Ordering::Relaxed);
    if let Some(h) = HANDLERS.get(sig as usize) {
        h(sig as u32);
    }
    FRAME.store(outer, core::sync::atomic::Ordering::Relaxed);
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
