// SPDX-License-Identifier: BSD-2-Clause
//! Signals of C programs: `rt_sigaction` with C handlers, the masks,
//! `rt_sigsuspend`, `rt_sigpending` and `sigaltstack`, in Linux's layouts.
//!
//! A C handler runs through `mxrt`'s machinery, as a Rust program's
//! does: the layer catches the signal with [`run_c_handler`] as the
//! runtime's handler and keeps the program's function here. PM then
//! starts it either in the answer to a call or through the registers
//! (frame in the IPC buffer, FPU state saved by `sel4`'s entry), with
//! `SA_RESTART`, `EINTR`, the alternate stack, `SA_NODEFER` and
//! `SA_RESETHAND` as for Rust programs. [`run_c_handler`] builds Linux's
//! `siginfo_t` and a `ucontext_t` on the stack and calls the program's
//! function. For a handler started through the registers the
//! `ucontext_t` holds the interrupted registers (`uc_mcontext.gregs`)
//! and the mask to restore; what the handler leaves there goes back into
//! PM's frame when it returns, and PM's SIGRETURN restores it: that is
//! `rt_sigreturn`'s work, so `__restore_rt` is never used (a `siglongjmp`
//! out of a handler restores the mask itself). `uc_mcontext.fpregs` is
//! null: the FPU state is saved by `sel4`'s entry, not in this frame.
use crate::calls::{Args, Outcome};
use crate::errno::{self, Lx, EINVAL, ENOSYS};
use crate::user;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use minix_abi::signal::{MaskHow, SaFlags, SigInfo};
use mxrt::signal;

/// Linux's `sa_flags` bits.
pub mod lx {
    pub const SA_NOCLDSTOP: u64 = 1;
    pub const SA_NOCLDWAIT: u64 = 2;
    pub const SA_SIGINFO: u64 = 4;
    pub const SA_RESTORER: u64 = 0x0400_0000;
    pub const SA_ONSTACK: u64 = 0x0800_0000;
    pub const SA_RESTART: u64 = 0x1000_0000;
    pub const SA_NODEFER: u64 = 0x4000_0000;
    pub const SA_RESETHAND: u64 = 0x8000_0000;
}

/// (Linux bit, ours) for the flags PM carries out.
const FLAG_PAIRS: [(u64, SaFlags); 6] = [
    (lx::SA_NOCLDSTOP, SaFlags::NOCLDSTOP),
    (lx::SA_SIGINFO, SaFlags::SIGINFO),
    (lx::SA_ONSTACK, SaFlags::ONSTACK),
    (lx::SA_RESTART, SaFlags::RESTART),
    (lx::SA_NODEFER, SaFlags::NODEFER),
    (lx::SA_RESETHAND, SaFlags::RESETHAND),
];

/// Linux's `sa_flags` as ours. `SA_RESTORER` (musl always sets it) is
/// not needed: handlers return to the layer. `SA_NOCLDWAIT` is not
/// carried out yet: `ENOSYS` rather than children that silently stay
/// zombies; unknown bits are `EINVAL`.
pub fn sa_flags(linux: u64) -> Result<SaFlags, Lx> {
    let known = FLAG_PAIRS.iter().fold(lx::SA_RESTORER | lx::SA_NOCLDWAIT, |a, (l, _)| a | l);
    if linux & !known != 0 {
        return Err(EINVAL);
    }
    if linux & lx::SA_NOCLDWAIT != 0 {
        return Err(ENOSYS);
    }
    Ok(FLAG_PAIRS.iter().filter(|(l, _)| linux & l != 0).fold(SaFlags::EMPTY, |f, (_, m)| f.with(*m)))
}

/// Linux's `siginfo_t` (128 bytes) for a signal's info: `si_signo`,
/// `si_errno`, `si_code`, then `si_pid` and `si_uid` (with `si_status`
/// after them for SIGCHLD), or `si_addr` for the fault signals.
pub fn siginfo(sig: u32, i: &SigInfo) -> [u8; 128] {
    let mut out = [0u8; 128];
    out[0..4].copy_from_slice(&(sig as i32).to_le_bytes());
    out[8..12].copy_from_slice(&i.code.to_le_bytes());
    match sig {
        // SIGILL, SIGBUS, SIGFPE, SIGSEGV: the address.
        4 | 7 | 8 | 11 => out[16..24].copy_from_slice(&(i.addr as u64).to_le_bytes()),
        _ => {
            out[16..20].copy_from_slice(&i.pid.to_le_bytes());
            out[20..24].copy_from_slice(&i.uid.to_le_bytes());
            if sig == 17 {
                out[24..28].copy_from_slice(&i.status.to_le_bytes());
            }
        }
    }
    out
}

/// Bytes of musl's `ucontext_t` on x86_64, and where its `uc_sigmask`
/// lies: `uc_flags`, `uc_link`, `uc_stack` (24), `uc_mcontext` (256)
/// come first.
const UCONTEXT_BYTES: usize = 936;
const UC_SIGMASK: usize = 8 + 8 + 24 + 256;

/// The program's handler for each signal (0: none of the program's).
static HANDLERS: [AtomicU64; 32] = [const { AtomicU64::new(0) }; 32];
/// Its `sa_flags` as the program gave them, for the old action's answer.
static FLAGS: [AtomicU32; 32] = [const { AtomicU32::new(0) }; 32];

/// The runtime's handler for every signal a C program catches: calls the
/// program's function with Linux's arguments.
fn run_c_handler(sig: u32) {
    let Some(h) = HANDLERS.get(sig as usize).map(|h| h.load(Ordering::Relaxed)) else { return };
    if h <= 1 {
        return;
    }
    let si = signal::siginfo();
    let mut info = siginfo(sig, &si);
    let mut uc = [0u8; UCONTEXT_BYTES];
    // A handler PM started through the registers has a frame: its
    // registers and the mask to restore go in uc_mcontext and uc_sigmask,
    // as Linux's frame holds them, and come back from there when the
    // handler returns (rt_sigreturn's part). One handed over in a call's
    // answer interrupted no instruction: it shows the current mask.
    let frame = signal::frame();
    let regs = if frame != 0 { frame_regs(frame) } else { None };
    let mask = match regs {
        Some((_, mask)) => Some(mask),
        None => signal::sigprocmask(MaskHow::Block, 0).ok(),
    };
    if let Some(mask) = mask {
        uc[UC_SIGMASK..UC_SIGMASK + 8].copy_from_slice(&(mask as u64).to_le_bytes());
    }
    if let Some((r, _)) = &regs {
        put_gregs(&mut uc, r, sig, si.addr);
    }
    // SAFETY: the program gave h to sigaction as its handler for sig;
    // info and uc are this frame's and outlive the call.
    unsafe { sel4::call_c_handler(h, sig as u64, info.as_mut_ptr() as u64, uc.as_mut_ptr() as u64) };
    if let Some((r, _)) = regs {
        let mask = u64::from_le_bytes(uc[UC_SIGMASK..UC_SIGMASK + 8].try_into().unwrap_or([0; 8]));
        // PM sanitises what it restores (the frame is the process's own
        // memory anyway), so whatever the handler wrote may go back.
        let _ = store_frame(frame, &take_gregs(&uc, &r), (mask & 0x7fff_ffff) as u32);
    }
}

/// Where `uc_mcontext.gregs` lies in `ucontext_t`, and Linux's order of
/// its 23 words (`REG_R8` .. `REG_CR2`) as indexes into the frame's
/// registers (seL4's order, `minix_abi::sigframe::reg`); `None`: a word
/// the frame has not (`CSGSFS`, `ERR`, `TRAPNO`, `OLDMASK`, `CR2`).
const UC_GREGS: usize = 8 + 8 + 24;
const GREGS: [Option<usize>; 23] = {
    use minix_abi::sigframe::reg::*;
    [
        Some(R8),
        Some(R9),
        Some(R10),
        Some(R11),
        Some(R12),
        Some(R13),
        Some(R14),
        Some(R15),
        Some(RDI),
        Some(RSI),
        Some(RBP),
        Some(RBX),
        Some(RDX),
        Some(RAX),
        Some(RCX),
        Some(RSP),
        Some(RIP),
        Some(RFLAGS),
        None,
        None,
        None,
        None,
        None,
    ]
};
const REG_TRAPNO: usize = 20;
const REG_CR2: usize = 22;

type Regs = [u64; minix_abi::sigframe::REGS];

/// The registers and the mask to restore from the frame at `frame`.
fn frame_regs(frame: u64) -> Option<(Regs, u32)> {
    use minix_abi::sigframe::{MASK_OFFSET, REGS_OFFSET};
    let mut r = [0u64; minix_abi::sigframe::REGS];
    for (k, w) in r.iter_mut().enumerate() {
        *w = user::read_u64(frame + (REGS_OFFSET + 8 * k) as u64).ok()?;
    }
    let mask = user::read_u64(frame + MASK_OFFSET as u64).ok()? as u32;
    Some((r, mask))
}

/// Writes registers and the mask to restore into the frame at `frame`.
fn store_frame(frame: u64, r: &Regs, mask: u32) -> Result<(), Lx> {
    use minix_abi::sigframe::{MASK_OFFSET, REGS_OFFSET};
    for (k, w) in r.iter().enumerate() {
        user::put(frame + (REGS_OFFSET + 8 * k) as u64, &w.to_le_bytes())?;
    }
    user::put(frame + MASK_OFFSET as u64, &mask.to_le_bytes())
}

/// Fills `uc_mcontext.gregs` from the frame's registers; a fault signal
/// also gets `REG_TRAPNO` (14, a page fault, for SIGSEGV and SIGBUS) and
/// `REG_CR2` (the address).
pub fn put_gregs(uc: &mut [u8; UCONTEXT_BYTES], r: &Regs, sig: u32, addr: u32) {
    let mut put = |i: usize, v: u64| uc[UC_GREGS + 8 * i..UC_GREGS + 8 * i + 8].copy_from_slice(&v.to_le_bytes());
    for (i, from) in GREGS.iter().enumerate() {
        if let Some(k) = from {
            put(i, r[*k]);
        }
    }
    if sig == 11 || sig == 7 {
        put(REG_TRAPNO, 14);
        put(REG_CR2, addr as u64);
    }
}

/// The frame's registers with `uc_mcontext.gregs` as the handler left
/// them (the words the frame has not are dropped).
pub fn take_gregs(uc: &[u8; UCONTEXT_BYTES], old: &Regs) -> Regs {
    let mut r = *old;
    for (i, to) in GREGS.iter().enumerate() {
        if let Some(k) = to {
            r[*k] = u64::from_le_bytes(uc[UC_GREGS + 8 * i..UC_GREGS + 8 * i + 8].try_into().unwrap_or([0; 8]));
        }
    }
    r
}

/// Linux's `struct k_sigaction`: handler, flags, restorer, mask.
const SIGACTION_BYTES: usize = 32;

pub fn rt_sigaction(a: &Args) -> Outcome {
    let sig = (a[0] & 0xffff_ffff) as u32;
    if a[3] != 8 || sig == 0 || sig > 64 {
        return Err(EINVAL);
    }
    if sig >= 32 {
        // Real-time signals do not exist here: musl's start code and
        // sigaction's callers only ask about them.
        if a[2] != 0 {
            user::bytes_mut(a[2], SIGACTION_BYTES)?.fill(0);
        }
        return if a[1] == 0 { Ok(0) } else { Err(EINVAL) };
    }
    // Everything read and checked before anything changes.
    let new = if a[1] != 0 {
        let handler = user::read_u64(a[1])?;
        let flags = user::read_u64(a[1] + 8)? & 0xffff_ffff;
        let mask = (user::read_u64(a[1] + 24)? & 0x7fff_ffff) as u32;
        Some((handler, flags, sa_flags(flags)?, mask))
    } else {
        None
    };
    if a[2] != 0 {
        user::bytes_mut(a[2], SIGACTION_BYTES)?;
    }
    let (old_word, old_mask, _) = errno::mx(signal::query_action(sig))?;
    let (old_handler, old_flags) = match old_word {
        0 | 1 => (old_word, 0),
        _ => (HANDLERS[sig as usize].load(Ordering::Relaxed), FLAGS[sig as usize].load(Ordering::Relaxed) as u64),
    };
    match new {
        Some((h @ (0 | 1), _, _, _)) => {
            errno::mx(signal::set_ignored(sig, h == 1))?;
        }
        Some((h, flags, ours, mask)) => {
            HANDLERS[sig as usize].store(h, Ordering::Relaxed);
            FLAGS[sig as usize].store(flags as u32, Ordering::Relaxed);
            errno::mx(signal::set_handler_flags(sig, run_c_handler, ours, mask))?;
        }
        None => {}
    }
    if a[2] != 0 {
        let mut out = [0u8; SIGACTION_BYTES];
        out[0..8].copy_from_slice(&old_handler.to_le_bytes());
        out[8..16].copy_from_slice(&old_flags.to_le_bytes());
        out[24..32].copy_from_slice(&(old_mask as u64).to_le_bytes());
        user::put(a[2], &out)?;
    }
    Ok(0)
}

/// A signal set the program passes: Linux's 64 bits, of which only
/// signals 1 to 31 exist here (the rest are dropped: masking a signal
/// that cannot come changes nothing).
fn set_at(addr: u64) -> Result<u32, Lx> {
    Ok((user::read_u64(addr)? & 0x7fff_ffff) as u32)
}

pub fn rt_sigprocmask(a: &Args) -> Outcome {
    if a[3] != 8 {
        return Err(EINVAL);
    }
    let (how, bits) = if a[1] == 0 {
        (MaskHow::Block, 0)
    } else {
        let how = match a[0] & 0xffff_ffff {
            0 => MaskHow::Block,
            1 => MaskHow::Unblock,
            2 => MaskHow::SetMask,
            _ => return Err(EINVAL),
        };
        (how, set_at(a[1])?)
    };
    if a[2] != 0 {
        user::bytes_mut(a[2], 8)?;
    }
    let old = errno::mx(signal::sigprocmask(how, bits))?;
    if a[2] != 0 {
        user::put(a[2], &(old as u64).to_le_bytes())?;
    }
    Ok(0)
}

pub fn rt_sigpending(a: &Args) -> Outcome {
    if a[1] != 8 {
        return Err(EINVAL);
    }
    user::bytes_mut(a[0], 8)?;
    let p = errno::mx(signal::sigpending())?;
    user::put(a[0], &(p as u64).to_le_bytes())?;
    Ok(0)
}

/// Ends only through a handler (`EINTR`) or with the process.
pub fn rt_sigsuspend(a: &Args) -> Outcome {
    if a[1] != 8 {
        return Err(EINVAL);
    }
    Err(errno::linux(signal::sigsuspend(set_at(a[0])?)))
}

/// Linux's `stack_t`: `ss_sp`, `ss_flags` (an int, padded), `ss_size`.
pub fn sigaltstack(a: &Args) -> Outcome {
    const SS_ONSTACK: u64 = 1;
    const SS_DISABLE: u64 = 2;
    let change = if a[0] != 0 {
        let sp = user::read_u64(a[0])?;
        let flags = user::read_u64(a[0] + 8)? & 0xffff_ffff;
        let size = user::read_u64(a[0] + 16)?;
        match flags {
            SS_DISABLE => Some(None),
            0 => {
                let sp = u32::try_from(sp).map_err(|_| crate::errno::EFAULT)?;
                let size = u32::try_from(size).map_err(|_| crate::errno::ENOMEM)?;
                Some(Some((sp, size)))
            }
            _ => return Err(EINVAL),
        }
    } else {
        None
    };
    if a[1] != 0 {
        user::bytes_mut(a[1], 24)?;
    }
    let (flags, base, size) = match change {
        None => errno::mx(signal::sigaltstack_query())?,
        Some(c) => errno::mx(signal::sigaltstack(c))?,
    };
    if a[1] != 0 {
        let mut out = [0u8; 24];
        out[0..8].copy_from_slice(&(base as u64).to_le_bytes());
        out[8..12].copy_from_slice(&((flags & (SS_ONSTACK | SS_DISABLE)) as u32).to_le_bytes());
        out[16..24].copy_from_slice(&(size as u64).to_le_bytes());
        user::put(a[1], &out)?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_translate() {
        assert_eq!(sa_flags(0), Ok(SaFlags::EMPTY));
        assert_eq!(sa_flags(lx::SA_RESTORER), Ok(SaFlags::EMPTY));
        assert_eq!(sa_flags(lx::SA_RESTART | lx::SA_RESTORER), Ok(SaFlags::RESTART));
        assert_eq!(
            sa_flags(lx::SA_SIGINFO | lx::SA_ONSTACK | lx::SA_NODEFER | lx::SA_RESETHAND | lx::SA_NOCLDSTOP),
            Ok(SaFlags::SIGINFO.with(SaFlags::ONSTACK).with(SaFlags::NODEFER).with(SaFlags::RESETHAND).with(SaFlags::NOCLDSTOP))
        );
        assert_eq!(sa_flags(lx::SA_NOCLDWAIT), Err(ENOSYS));
        assert_eq!(sa_flags(0x20), Err(EINVAL));
    }

    #[test]
    fn siginfo_layout() {
        let i = SigInfo { code: 1, pid: 42, uid: 1000, addr: 0xdead_0000, status: 7 };
        let b = siginfo(17, &i);
        let w = |o: usize| i32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        assert_eq!((w(0), w(4), w(8)), (17, 0, 1));
        assert_eq!((w(16), w(20), w(24)), (42, 1000, 7));
        let b = siginfo(11, &i);
        assert_eq!(u64::from_le_bytes(b[16..24].try_into().unwrap()), 0xdead_0000);
        let b = siginfo(10, &i);
        assert_eq!((i32::from_le_bytes(b[16..20].try_into().unwrap()), i32::from_le_bytes(b[24..28].try_into().unwrap())), (42, 0));
    }

    #[test]
    fn gregs_in_linux_order_and_back() {
        use minix_abi::sigframe::reg;
        let mut r: Regs = [0; minix_abi::sigframe::REGS];
        for (k, w) in r.iter_mut().enumerate() {
            *w = 0x100 + k as u64;
        }
        let mut uc = [0u8; UCONTEXT_BYTES];
        put_gregs(&mut uc, &r, 11, 0xdead_0000);
        let g = |i: usize| u64::from_le_bytes(uc[UC_GREGS + 8 * i..UC_GREGS + 8 * i + 8].try_into().unwrap());
        // <sys/ucontext.h>: REG_R8 0, REG_RDI 8, REG_RAX 13, REG_RSP 15,
        // REG_RIP 16, REG_EFL 17, REG_TRAPNO 20, REG_CR2 22.
        assert_eq!(g(0), 0x100 + reg::R8 as u64);
        assert_eq!(g(8), 0x100 + reg::RDI as u64);
        assert_eq!(g(13), 0x100 + reg::RAX as u64);
        assert_eq!((g(15), g(16), g(17)), (0x100 + reg::RSP as u64, 0x100 + reg::RIP as u64, 0x100 + reg::RFLAGS as u64));
        assert_eq!((g(20), g(22)), (14, 0xdead_0000));
        // The mask lies past the 256 bytes of mcontext.
        assert_eq!(UC_SIGMASK, UC_GREGS + 256);
        // A handler's change comes back; the words the frame has not are
        // dropped, the registers Linux's frame has not are kept.
        uc[UC_GREGS + 8 * 16..UC_GREGS + 8 * 17].copy_from_slice(&0x40_1234u64.to_le_bytes());
        let back = take_gregs(&uc, &r);
        assert_eq!(back[reg::RIP], 0x40_1234);
        assert_eq!(back[reg::FS_BASE], r[reg::FS_BASE]);
        let mut same = back;
        same[reg::RIP] = r[reg::RIP];
        assert_eq!(same, r);
    }

    #[test]
    fn arguments_checked_first() {
        assert_eq!(rt_sigaction(&[2, 0, 0, 16, 0, 0]), Err(EINVAL));
        assert_eq!(rt_sigaction(&[65, 0, 0, 8, 0, 0]), Err(EINVAL));
        assert_eq!(rt_sigaction(&[0, 0, 0, 8, 0, 0]), Err(EINVAL));
        assert_eq!(rt_sigprocmask(&[0, 0, 0, 4, 0, 0]), Err(EINVAL));
        assert_eq!(rt_sigpending(&[0x1000, 4, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(rt_sigsuspend(&[0x1000, 16, 0, 0, 0, 0]), Err(EINVAL));
    }
}
