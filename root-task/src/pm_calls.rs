// SPDX-License-Identifier: BSD-2-Clause
//! The PM calls that are pure bookkeeping, carried out and answered in
//! one step: the ids, groups and sessions, and the signal calls that only
//! change tables. The glue calls [`answer`] for a request
//! [`crate::pm_policy::decide`] allowed, sends the reply, and works
//! through the effects (a `kill` of itself is delivered before the
//! caller runs on: the glue delivers to the caller first, folding the
//! reply into a handler's frame with
//! [`Interrupted::CompleteCall`](crate::handler_frame::Interrupted)).
//!
//! Not here: the calls that need the kernel or the glue's context
//! (`SIGSUSPEND` blocks, `SIGRETURN` reads a frame, `SIGALTSTACK` needs
//! the caller's stack pointer, `ALARM` the time, `WAIT` may block), for
//! which the glue calls [`ProcTable`]'s methods and the reply builders
//! below.
use crate::effects::Effects;
use crate::proctab::ProcTable;
use crate::signals::AltStackState;
use minix_abi::errno::{Errno, ESRCH};
use minix_abi::message::Reply;
use minix_abi::pm::Request;

fn reply(r: Result<u64, Errno>) -> Reply {
    Reply::from_result(r)
}

/// Carries out `req` for the live process in `slot` if it is one of the
/// bookkeeping calls, and gives the reply; `None` for every other call.
pub fn answer(procs: &mut ProcTable, slot: usize, req: &Request, fx: &mut Effects) -> Option<Reply> {
    Some(match *req {
        Request::Kill { pid, sig } => reply(procs.kill(slot, pid, sig, fx).map(|_| 0)),
        Request::SigAction { sig, new } => match procs.sigaction(slot, sig, new) {
            Ok(old) => {
                let (handler, _) = old.handler.words();
                Reply::ok_with(0, [handler, old.mask.bits() as u64, old.flags.bits() as u64])
            }
            Err(e) => Reply::err(e),
        },
        Request::SigProcMask { how, set } => reply(procs.sigprocmask(slot, how, set, fx).map(|old| old.bits() as u64)),
        Request::SigPending => reply(procs.sigpending(slot).map(|s| s.bits() as u64)),
        Request::SetPgid { pid, pgid } => reply(procs.setpgid(slot, pid, pgid, fx).map(|_| 0)),
        Request::GetPgid { pid } => reply(procs.getpgid(slot, pid).map(u64::from)),
        Request::SetSid => reply(procs.setsid(slot, fx).map(u64::from)),
        Request::GetSid { pid } => reply(procs.getsid(slot, pid).map(u64::from)),
        Request::GetUid | Request::GetGid => match procs.get(slot) {
            Some(p) if *req == Request::GetUid => Reply::ok_with(p.cred.ruid as u64, [p.cred.euid as u64, 0, 0]),
            Some(p) => Reply::ok_with(p.cred.rgid as u64, [p.cred.egid as u64, 0, 0]),
            None => Reply::err(ESRCH),
        },
        Request::SetUid { uid } => reply(procs.get_mut(slot).ok_or(ESRCH).and_then(|p| p.cred.setuid(uid)).map(|_| 0)),
        Request::SetGid { gid } => reply(procs.get_mut(slot).ok_or(ESRCH).and_then(|p| p.cred.setgid(gid)).map(|_| 0)),
        _ => return None,
    })
}

/// SIGALTSTACK's reply: the old flags; MR1 base, MR2 size.
pub fn altstack_reply(r: Result<AltStackState, Errno>) -> Reply {
    match r {
        Ok(s) => Reply::ok_with(s.flags, [s.sp as u64, s.size as u64, 0]),
        Err(e) => Reply::err(e),
    }
}
