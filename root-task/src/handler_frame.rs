// SPDX-License-Identifier: BSD-2-Clause
//! Starting a signal handler and returning from it (x86_64): where the
//! frame goes, what it holds, and the registers before and after.
//!
//! The layout is [`minix_abi::sigframe`]'s. The glue reads the thread's
//! registers (`TCB_ReadRegisters`, in seL4's `UserContext` order), calls
//! [`enter`], has the bytes written into the process's memory at the
//! address given (through VM, which pages the stack in as for any copy),
//! and writes the new registers. At SIGRETURN it reads
//! [`FRAME_BYTES`] bytes at the frame address the call names and calls
//! [`ProcTable::sigreturn`](crate::proctab::ProcTable::sigreturn).
//!
//! If the frame cannot be placed ([`enter`] fails) or not written, or a
//! SIGRETURN's frame is no frame, the process cannot go on: the glue
//! forces SIGSEGV on it (Linux does the same).
use minix_abi::errno::{Errno, EFAULT, EINVAL};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::sigframe::{reg, SigFrame, FRAME_BYTES, INFO_OFFSET, REGS};
use minix_abi::signal::SigSet;

use crate::signals::HandlerRun;

/// The thread's registers, in seL4 x86_64 `UserContext` order
/// ([`minix_abi::sigframe::reg`]).
pub type Regs = [u64; REGS];

/// Below the stack pointer, the System V ABI's red zone belongs to the
/// interrupted function: the frame goes below it.
const RED_ZONE: u64 = 128;
/// The `syscall` instruction's length: a thread blocked in a call reads
/// back with `rip` at the instruction (seL4 keeps it there for restarts).
const SYSCALL_LEN: u64 = 2;
/// User addresses lie below 4 GiB (docs/ARCHITECTURE.md, user address
/// layout); a frame anywhere else could not be named by SIGRETURN.
const USER_TOP: u64 = 1 << 32;

/// Flags a process may set in `rflags` (Linux's list less the trap and
/// resume flags, which only a debugger wants): CF, PF, AF, ZF, SF, DF,
/// OF, AC.
const USER_FLAGS: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800 | 0x4_0000;
/// Always set: the reserved bit 1 and IF.
const FIXED_FLAGS: u64 = 0x2 | 0x200;
/// Cleared at handler entry: TF, DF (the ABI wants it clear at every
/// function entry), RF.
const ENTRY_CLEARED_FLAGS: u64 = 0x100 | 0x400 | 0x1_0000;

/// Where the interrupted thread was.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Interrupted {
    /// Running user code (PM suspended it to read its registers): it goes
    /// on where it was once the handler returns.
    UserCode,
    /// Standing just past a call the kernel answered, on the system-call
    /// stub's `mov rsp, r12` (`sel4::syscalls`): it goes on there once the
    /// handler returns. Its `rsp` is 0 if it ran since, or stale if it
    /// did not (seL4 5.0 keeps no `rsp` on `syscall`): the stack pointer
    /// is in r12.
    AfterCall,
    /// Blocked in a call that is to be made again after the handler
    /// (`SA_RESTART`): the saved registers still hold the request.
    RestartCall,
    /// Blocked in a call that ends with this reply (`EINTR`, or the answer
    /// of a call that completed as the signal came): the handler returns
    /// to just after the call, with the reply in the registers.
    CompleteCall(Reply),
}

/// What the glue does to start a handler.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HandlerEntry {
    /// Write `bytes` at this address of the process.
    pub addr: u32,
    /// The restorer's address (the handler's return address), then the
    /// frame.
    pub bytes: [u8; 8 + FRAME_BYTES],
    /// The registers to resume the thread with.
    pub regs: Regs,
}

/// The thread's stack pointer. seL4 does not save `rsp` when a thread
/// enters the kernel with `syscall` (the value it reads back is whatever
/// the thread's last interrupt or fault left there), so the runtime's
/// system-call stub (`sel4::syscalls`) keeps it in r12, which the kernel
/// preserves, and a thread standing in a call has it there. A thread
/// stopped in user code was stopped by an interrupt, which saved `rsp`;
/// but the kernel returns from a call with `rsp` cleared, so a thread
/// stopped on the stub's next instruction (`mov rsp, r12`) reads back
/// `rsp` 0 with its stack pointer still in r12. No other user code runs
/// with `rsp` 0.
///
/// A thread whose call was answered but which has not run since is
/// Running with its restart pc past the `syscall` (kernel patch 0003) and
/// a stale `rsp`: [`stands`] tells it from user code by the stub's bytes,
/// and its frame goes below r12 too. (Taken for user code, its handler
/// ran on a stale stack pointer, over the frames of live calls.)
pub fn stack_pointer(regs: &Regs, at: Interrupted) -> u64 {
    match at {
        Interrupted::UserCode if regs[reg::RSP] != 0 => regs[reg::RSP],
        _ => regs[reg::R12],
    }
}

/// `syscall`, as its two bytes read in a little-endian word.
const SYSCALL_BYTES: u64 = 0x050f;
/// `mov rsp, r12` (4c 89 e4), the system-call stub's next instruction.
const RESTORE_RSP_BYTES: u64 = 0xe4_894c;

/// Where a stopped thread stands, by its code.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Stands {
    /// On a `syscall` (stopped in a call, or about to make one).
    OnCall,
    /// Just past the stub's `syscall` ([`Interrupted::AfterCall`]).
    AfterCall,
    /// Anywhere else: user code.
    Elsewhere,
}

/// Where a thread stands from the eight bytes at `rip - 2`.
pub fn stands(code: u64) -> Stands {
    if (code >> 16) & 0xffff == SYSCALL_BYTES {
        Stands::OnCall
    } else if code & 0xffff == SYSCALL_BYTES && (code >> 16) & 0xff_ffff == RESTORE_RSP_BYTES {
        Stands::AfterCall
    } else {
        Stands::Elsewhere
    }
}

/// Whether the eight bytes at `rip` start with `syscall` (for when the
/// two bytes before `rip` cannot be read).
pub fn on_call(code_at_rip: u64) -> bool {
    code_at_rip & 0xffff == SYSCALL_BYTES
}

/// Whether `a` is a canonical lower-half (user) address.
fn user_canonical(a: u64) -> bool {
    a < 1 << 47
}

/// The registers of a thread whose call completes with `reply`: past the
/// `syscall`, with the reply where seL4's Call leaves it (the tag in rsi,
/// badge 0 in rdi, MR0-MR3 in r10, r8, r9, r15; as PM's fork writes a
/// child's).
pub fn complete_call(regs: &Regs, reply: Reply) -> Regs {
    let mut r = *regs;
    let w = reply.to_words();
    r[reg::RIP] = r[reg::RIP].wrapping_add(SYSCALL_LEN);
    r[reg::RSI] = RawRequest::tag(0, reply.len());
    r[reg::RDI] = 0;
    r[reg::R10] = w[0];
    r[reg::R8] = w[1];
    r[reg::R9] = w[2];
    r[reg::R15] = w[3];
    r
}

/// Places the frame for `run` below the thread's stack (or at the top of
/// its alternate stack) and gives the handler's registers: `rip` the
/// handler, `rsp` at the return address, `rdi` the signal, `rsi` the info,
/// `rdx` the frame. `EFAULT` if the frame does not fit: the stack pointer
/// is too low or past 4 GiB, or the frame would overflow the alternate
/// stack.
pub fn enter(run: &HandlerRun, regs: &Regs, at: Interrupted) -> Result<HandlerEntry, Errno> {
    let saved = match at {
        Interrupted::UserCode | Interrupted::AfterCall | Interrupted::RestartCall => *regs,
        Interrupted::CompleteCall(reply) => complete_call(regs, reply),
    };
    let sp = stack_pointer(regs, at);
    // On the alternate stack if the action asks and the thread is not on
    // it already (a nested handler stays where it is).
    let (top, floor) = match run.altstack {
        Some(a) if !a.holds(sp) => (a.top(), a.sp as u64),
        Some(a) => (sp.checked_sub(RED_ZONE).ok_or(EFAULT)?, a.sp as u64),
        None => (sp.checked_sub(RED_ZONE).ok_or(EFAULT)?, 0),
    };
    if top > USER_TOP {
        return Err(EFAULT);
    }
    let frame = top.checked_sub(FRAME_BYTES as u64).ok_or(EFAULT)? & !15;
    let ret = frame.checked_sub(8).ok_or(EFAULT)?;
    if ret < floor {
        return Err(EFAULT);
    }
    let f = SigFrame { sig: run.sig, info: run.info, mask: run.restore_mask, regs: saved };
    let mut bytes = [0u8; 8 + FRAME_BYTES];
    bytes[..8].copy_from_slice(&(run.restorer as u64).to_le_bytes());
    bytes[8..].copy_from_slice(&f.encode());
    let mut r = *regs;
    r[reg::RIP] = run.entry as u64;
    r[reg::RSP] = ret;
    r[reg::RDI] = run.sig.number() as u64;
    r[reg::RSI] = frame + INFO_OFFSET as u64;
    r[reg::RDX] = frame;
    r[reg::RAX] = 0;
    r[reg::RFLAGS] = (r[reg::RFLAGS] & !ENTRY_CLEARED_FLAGS) | FIXED_FLAGS;
    Ok(HandlerEntry { addr: ret as u32, bytes, regs: r })
}

/// A frame read back at SIGRETURN: the mask and registers to restore.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Restored {
    pub mask: SigSet,
    pub regs: Regs,
}

/// Decodes the frame and sanitises its registers against the thread's
/// `current` ones: only user flags from `rflags`; `gs_base` stays the
/// current one (seL4 keeps the IPC buffer's address there, it is not the
/// process's to choose); `rip`, `rsp` and `fs_base` must be canonical user
/// addresses. `EINVAL` for anything else.
pub fn restore(bytes: &[u8; FRAME_BYTES], current: &Regs) -> Result<Restored, Errno> {
    let f = SigFrame::decode(bytes)?;
    let mut r = f.regs;
    if ![r[reg::RIP], r[reg::RSP], r[reg::FS_BASE]].into_iter().all(user_canonical) {
        return Err(EINVAL);
    }
    r[reg::RFLAGS] = (r[reg::RFLAGS] & USER_FLAGS) | FIXED_FLAGS;
    r[reg::GS_BASE] = current[reg::GS_BASE];
    Ok(Restored { mask: f.mask, regs: r })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::AltStack;
    use minix_abi::errno::EINTR;
    use minix_abi::signal::{SaFlags, SigInfo, SIGUSR1};

    fn run(altstack: Option<AltStack>) -> HandlerRun {
        HandlerRun {
            sig: SIGUSR1,
            entry: 0x40_1000,
            restorer: 0x40_2000,
            flags: SaFlags::EMPTY,
            info: SigInfo { pid: 7, ..SigInfo::default() },
            mask_during: SigSet::of(SIGUSR1),
            restore_mask: SigSet::EMPTY,
            altstack,
            ends_suspend: false,
        }
    }

    fn regs(sp: u64) -> Regs {
        let mut r = [0u64; REGS];
        for (k, x) in r.iter_mut().enumerate() {
            *x = 0x100 + k as u64;
        }
        r[reg::RSP] = sp;
        r[reg::R12] = sp;
        r[reg::RIP] = 0x40_5000;
        r[reg::RFLAGS] = 0x202 | 0x400 | 0x100;
        r
    }

    #[test]
    fn frame_below_the_red_zone_aligned_for_the_abi() {
        let r = regs(0x7fff_0f37);
        let e = enter(&run(None), &r, Interrupted::UserCode).unwrap();
        let frame = e.addr as u64 + 8;
        assert_eq!(frame % 16, 0, "rsp + 8 is 16-aligned at function entry");
        assert!(frame + FRAME_BYTES as u64 <= 0x7fff_0f37 - RED_ZONE);
        assert_eq!(e.regs[reg::RSP], e.addr as u64);
        assert_eq!((e.regs[reg::RIP], e.regs[reg::RDI], e.regs[reg::RDX]), (0x40_1000, 10, frame));
        assert_eq!(e.regs[reg::RSI], frame + INFO_OFFSET as u64);
        assert_eq!(e.regs[reg::RFLAGS] & (0x400 | 0x100), 0);
        assert_eq!(u64::from_le_bytes(e.bytes[..8].try_into().unwrap()), 0x40_2000);
        let mut fb = [0u8; FRAME_BYTES];
        fb.copy_from_slice(&e.bytes[8..]);
        let f = SigFrame::decode(&fb).unwrap();
        assert_eq!((f.sig, f.info.pid, f.mask, f.regs), (SIGUSR1, 7, SigSet::EMPTY, r));
    }

    #[test]
    fn sigreturn_gives_back_the_interrupted_registers() {
        let r = regs(0x7fff_0000);
        let e = enter(&run(None), &r, Interrupted::UserCode).unwrap();
        let mut fb = [0u8; FRAME_BYTES];
        fb.copy_from_slice(&e.bytes[8..]);
        let back = restore(&fb, &e.regs).unwrap();
        let mut want = r;
        want[reg::RFLAGS] = 0x202 | 0x400; // TF is not the process's to set
        assert_eq!(back, Restored { mask: SigSet::EMPTY, regs: want });
    }

    #[test]
    fn sigreturn_sanitises() {
        let r = regs(0x7fff_0000);
        let mut f = SigFrame { sig: SIGUSR1, info: SigInfo::default(), mask: SigSet::EMPTY, regs: r };
        f.regs[reg::RFLAGS] = u64::MAX;
        f.regs[reg::GS_BASE] = 0xdead_0000;
        let back = restore(&f.encode(), &r).unwrap();
        assert_eq!(back.regs[reg::RFLAGS], USER_FLAGS | FIXED_FLAGS);
        assert_eq!(back.regs[reg::GS_BASE], r[reg::GS_BASE]);
        for k in [reg::RIP, reg::RSP, reg::FS_BASE] {
            let mut bad = f;
            bad.regs[k] = 0xffff_8000_0000_0000;
            assert_eq!(restore(&bad.encode(), &r), Err(EINVAL));
        }
        assert_eq!(restore(&[0; FRAME_BYTES], &r), Err(EINVAL));
    }

    #[test]
    fn calls_complete_or_restart() {
        let r = regs(0x7fff_0000);
        let e = enter(&run(None), &r, Interrupted::CompleteCall(Reply::err(EINTR))).unwrap();
        let mut fb = [0u8; FRAME_BYTES];
        fb.copy_from_slice(&e.bytes[8..]);
        let saved = SigFrame::decode(&fb).unwrap().regs;
        assert_eq!(saved[reg::RIP], r[reg::RIP] + 2);
        assert_eq!(saved[reg::RSI], 1, "label 0, one word");
        assert_eq!(saved[reg::R10] as i64, -4);
        let e = enter(&run(None), &r, Interrupted::RestartCall).unwrap();
        fb.copy_from_slice(&e.bytes[8..]);
        assert_eq!(SigFrame::decode(&fb).unwrap().regs, r);
    }

    #[test]
    fn a_thread_in_a_call_has_its_stack_pointer_in_r12() {
        // What seL4 reads back as rsp is stale after a syscall: the frame
        // goes below r12, where the stub keeps the real one.
        let mut r = regs(0x7fff_0000);
        r[reg::RSP] = 0x7fff_8000;
        for at in [Interrupted::RestartCall, Interrupted::CompleteCall(Reply::err(EINTR))] {
            let e = enter(&run(None), &r, at).unwrap();
            assert!((e.addr as u64) < 0x7fff_0000 - RED_ZONE && e.addr as u64 > 0x7fff_0000 - 512, "{:#x}", e.addr);
        }
        let e = enter(&run(None), &r, Interrupted::UserCode).unwrap();
        assert!((e.addr as u64) < 0x7fff_8000 - RED_ZONE && e.addr as u64 > 0x7fff_8000 - 512);
        r[reg::R12] = 0;
        assert_eq!(enter(&run(None), &r, Interrupted::RestartCall), Err(EFAULT));
        // Stopped just after a call returned, before the stub put rsp
        // back: the frame goes below r12, and the saved registers resume
        // the stub there.
        let mut r = regs(0);
        r[reg::R12] = 0x7fff_0000;
        let e = enter(&run(None), &r, Interrupted::UserCode).unwrap();
        assert!((e.addr as u64) < 0x7fff_0000 - RED_ZONE && e.addr as u64 > 0x7fff_0000 - 512);
        let mut fb = [0u8; FRAME_BYTES];
        fb.copy_from_slice(&e.bytes[8..]);
        assert_eq!(SigFrame::decode(&fb).unwrap().regs, r);
    }

    #[test]
    fn a_thread_past_an_answered_call_has_its_stack_pointer_in_r12() {
        // The stub: mov r12, rsp; syscall; mov rsp, r12; then other code.
        let code = |at: usize| {
            let bytes = [0x49u8, 0x89, 0xe4, 0x0f, 0x05, 0x4c, 0x89, 0xe4, 0x48, 0x89, 0xc3, 0x90, 0x90];
            u64::from_le_bytes(bytes[at - 2..at + 6].try_into().unwrap())
        };
        assert_eq!(stands(code(3)), Stands::OnCall);
        assert_eq!(stands(code(5)), Stands::AfterCall);
        assert_eq!(stands(code(2)), Stands::Elsewhere);
        assert_eq!(stands(code(4)), Stands::Elsewhere);
        assert_eq!(stands(code(7)), Stands::Elsewhere);
        // A syscall followed by anything but the stub's restore is not one.
        assert_eq!(stands(0x0000_9090_9090_050f), Stands::Elsewhere);
        assert!(on_call(0x004c_050f) && !on_call(0x00e4_894c));
        // Answered but not run since: rsp is stale (not 0), and the frame
        // still goes below r12, the saved registers resuming the stub.
        let mut r = regs(0x7fff_8000);
        r[reg::R12] = 0x7fff_0000;
        let e = enter(&run(None), &r, Interrupted::AfterCall).unwrap();
        assert!((e.addr as u64) < 0x7fff_0000 - RED_ZONE && e.addr as u64 > 0x7fff_0000 - 512, "{:#x}", e.addr);
        let mut fb = [0u8; FRAME_BYTES];
        fb.copy_from_slice(&e.bytes[8..]);
        assert_eq!(SigFrame::decode(&fb).unwrap().regs, r);
    }

    #[test]
    fn alternate_stack() {
        let alt = AltStack { sp: 0x10_0000, size: 0x2000 };
        let e = enter(&run(Some(alt)), &regs(0x7fff_0000), Interrupted::UserCode).unwrap();
        assert!(e.addr >= alt.sp && (e.addr as u64) + 8 + FRAME_BYTES as u64 <= alt.top());
        // Already on it: the frame goes below the current stack pointer.
        let e2 = enter(&run(Some(alt)), &regs(e.addr as u64), Interrupted::UserCode).unwrap();
        assert!(e2.addr < e.addr && e2.addr >= alt.sp);
        // Overflowing it is a fault.
        assert_eq!(enter(&run(Some(alt)), &regs(alt.sp as u64 + 200), Interrupted::UserCode), Err(EFAULT));
    }

    #[test]
    fn stacks_that_cannot_hold_a_frame() {
        assert_eq!(enter(&run(None), &regs(100), Interrupted::UserCode), Err(EFAULT));
        assert_eq!(enter(&run(None), &regs(u64::MAX), Interrupted::UserCode), Err(EFAULT));
        assert_eq!(enter(&run(None), &regs(USER_TOP + RED_ZONE + 1), Interrupted::UserCode), Err(EFAULT));
        assert!(enter(&run(None), &regs(USER_TOP + RED_ZONE), Interrupted::UserCode).is_ok());
    }
}
