// SPDX-License-Identifier: BSD-2-Clause
//! PM's decisions that need no kernel: who a message is from, which calls
//! each kind of process may make, and what PM answers at once. The glue
//! (`pm.rs`) carries out what is left: creating, destroying and waiting.
use crate::proctab::ProcTable;
use minix_abi::common;
use minix_abi::endpoint::{self, Endpoint, Sender, INIT, PM};
use minix_abi::errno::{Errno, ENOSYS, EPERM};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::pm::Request;

/// Badge on PM's notification when VM has events for PM: generation 0,
/// so no endpoint badge can ever equal it.
pub const VM_EVENT_BADGE: u64 = 1 << 11;
/// Badge on PM's notification when the timer driver says PM's alarm is
/// due (`minix_abi::cspace::timer::ALARM_BADGE`).
pub const ALARM_BADGE: u64 = minix_abi::cspace::timer::ALARM_BADGE;
/// Every bit a signal of PM's notification may carry.
pub const NOTIFY_BITS: u64 = VM_EVENT_BADGE | ALARM_BADGE;
const _: () = assert!(VM_EVENT_BADGE & ALARM_BADGE == 0 && NOTIFY_BITS < 1 << 12);

/// What PM does with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// PM's notification: signals OR their badges together, so one
    /// receive may bring both. `vm`: pull the processes VM killed;
    /// `alarm`: deliver the alarms that are due and ask for the next.
    Notified { vm: bool, alarm: bool },
    /// Answer at once.
    Answer(Reply),
    /// Carry out `Request` for the live process `Endpoint`.
    Do(Endpoint, Request),
}

/// Decides what to do with a message that arrived with `badge`. Only a
/// badge naming a live process (right slot and generation) gets anything
/// but `EPERM`; calls every server answers are answered here; a request
/// must decode and be allowed for its sender. Inlined: it sits on the
/// path of every call, getpid included, and crosses a crate boundary.
///
/// A badge of notification bits alone is PM's notification (generation
/// 0: no endpoint has it, so no sender can forge it).
#[inline(always)]
pub fn decide(badge: u64, req: &RawRequest, procs: &ProcTable, threads: &crate::threads::ThreadTable) -> Decision {
    if badge != 0 && badge & !NOTIFY_BITS == 0 {
        return Decision::Notified { vm: badge & VM_EVENT_BADGE != 0, alarm: badge & ALARM_BADGE != 0 };
    }
    let who = match Sender::from_badge(badge) {
        Sender::Process(ep) if procs.by_ep(ep).is_some() || threads.by_ep(ep).is_some() => ep,
        _ => return Decision::Answer(Reply::err(EPERM)),
    };
    if let Some(r) = common::answer(PM, req) {
        return Decision::Answer(r);
    }
    match Request::decode(req).and_then(|r| allowed(who, &r).map(|_| r)) {
        Ok(r) => Decision::Do(who, r),
        Err(e) => Decision::Answer(Reply::err(e)),
    }
}

/// The privilege rules: only servers report ready, only init shuts the
/// system down, and servers never fork, spawn or exit through PM. Servers
/// have no signals, groups or ids to change either: they may only ask.
#[inline(always)]
pub fn allowed(who: Endpoint, r: &Request) -> Result<(), Errno> {
    let server = endpoint::is_server(who);
    let ok = match r {
        Request::SrvReady => server,
        Request::Shutdown { .. } => who == INIT,
        Request::Fork | Request::Exit { .. } | Request::Exec { .. } => !server,
        Request::Kill { .. }
        | Request::SigAction { .. }
        | Request::SigProcMask { .. }
        | Request::SigSuspend { .. }
        | Request::SigReturn { .. }
        | Request::HandlerDone { .. }
        | Request::HandlerInfo { .. }
        | Request::SigAltStack { .. }
        | Request::SetPgid { .. }
        | Request::SetSid
        | Request::SetUid { .. }
        | Request::SetGid { .. }
        | Request::Alarm { .. }
        | Request::SetItimer { .. }
        | Request::SetTls { .. }
        | Request::ThreadNew { .. }
        | Request::ThreadExit { .. }
        | Request::Futex(_) => !server,
        Request::GetPid
        | Request::GetPpid
        | Request::GetSysInfo
        | Request::Times
        | Request::Wait { .. }
        | Request::SigPending
        | Request::GetPgid { .. }
        | Request::GetSid { .. }
        | Request::GetUid
        | Request::GetGid
        | Request::GetItimer
        | Request::GetTid => true,
    };
    if ok {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// Whether PM tells VFS of the fork or exit of process `who`: only once
/// VFS serves (boot is over), and never of a server, for which VFS keeps
/// nothing.
pub fn tells_vfs(vfs_ready: bool, who: Endpoint) -> bool {
    vfs_ready && !endpoint::is_server(who)
}

/// The error in VFS's answer to a fork or exit notice that PM reports.
/// `ENOSYS` is none: VFS keeps no per-process state, and PM carries on
/// silently. PM carries on after any other error too, once it is printed:
/// the process itself is fine, only VFS's view of it may be off.
pub fn vfs_notice_error(answer: Result<u64, Errno>) -> Option<Errno> {
    match answer {
        Err(e) if e != ENOSYS => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proctab::ProcCaps;
    use minix_abi::endpoint::{FS, VFS, VM};
    use minix_abi::errno::{EINVAL, EIO, ENOMEM};
    use minix_abi::pm;

    const EVENTS: u64 = VM_EVENT_BADGE;

    fn table() -> ProcTable {
        let mut t = ProcTable::new(16);
        for ep in [PM, VM, VFS, FS] {
            t.add_at(ep.slot(), PM.slot(), ProcCaps::default());
        }
        t.add_user(PM.slot(), ProcCaps::default()).unwrap();
        t
    }

    fn raw(r: Request) -> RawRequest {
        let (call, words, len) = r.encode();
        RawRequest { call, words, len }
    }

    #[test]
    fn senders() {
        let t = table();
        let th = crate::threads::ThreadTable::new();
        let getpid = raw(Request::GetPid);
        assert_eq!(decide(EVENTS, &getpid, &t, &th), Decision::Notified { vm: true, alarm: false });
        assert_eq!(decide(ALARM_BADGE, &getpid, &t, &th), Decision::Notified { vm: false, alarm: true });
        assert_eq!(decide(EVENTS | ALARM_BADGE, &getpid, &t, &th), Decision::Notified { vm: true, alarm: true });
        // Other generation-0 badges are nobody's.
        for badge in [1, 0x200, EVENTS | 1, ALARM_BADGE | 0x100] {
            assert_eq!(decide(badge, &getpid, &t, &th), Decision::Answer(Reply::err(EPERM)), "badge {:#x}", badge);
        }
        assert_eq!(decide(INIT.badge(), &getpid, &t, &th), Decision::Do(INIT, Request::GetPid));
        // Unbadged, a fault badge, a stale generation, an empty slot.
        for badge in [0, INIT.fault_badge(), Endpoint::new(4, 2).badge(), Endpoint::new(9, 1).badge()] {
            assert_eq!(decide(badge, &getpid, &t, &th), Decision::Answer(Reply::err(EPERM)), "badge {:#x}", badge);
        }
    }

    #[test]
    fn ping_bad_calls_and_privileges() {
        let t = table();
        let th = crate::threads::ThreadTable::new();
        let ping = RawRequest { call: common::PING, words: [0; 4], len: 0 };
        assert_eq!(decide(INIT.badge(), &ping, &t, &th), Decision::Answer(Reply::ok(PM.0 as u64)));
        let junk = RawRequest { call: 0x10_0101, words: [0; 4], len: 0 };
        assert_eq!(decide(INIT.badge(), &junk, &t, &th), Decision::Answer(Reply::err(ENOSYS)));
        let bad_exit = RawRequest { call: pm::EXIT, words: [300, 0, 0, 0], len: 1 };
        assert_eq!(decide(INIT.badge(), &bad_exit, &t, &th), Decision::Answer(Reply::err(EINVAL)));
        let ready = raw(Request::SrvReady);
        assert_eq!(decide(INIT.badge(), &ready, &t, &th), Decision::Answer(Reply::err(EPERM)));
        assert_eq!(decide(VFS.badge(), &ready, &t, &th), Decision::Do(VFS, Request::SrvReady));
        let shutdown = raw(Request::Shutdown { passed: 1, failed: 0 });
        assert_eq!(decide(VM.badge(), &shutdown, &t, &th), Decision::Answer(Reply::err(EPERM)));
        assert!(matches!(decide(INIT.badge(), &shutdown, &t, &th), Decision::Do(..)));
        for r in [Request::Fork, Request::Exit { code: 0 }] {
            assert_eq!(decide(FS.badge(), &raw(r), &t, &th), Decision::Answer(Reply::err(EPERM)), "{:?}", r);
            assert_eq!(decide(INIT.badge(), &raw(r), &t, &th), Decision::Do(INIT, r));
        }
    }

    #[test]
    fn vfs_hears_of_users_after_boot_only() {
        assert!(tells_vfs(true, INIT));
        assert!(tells_vfs(true, Endpoint::new(77, 3)));
        assert!(!tells_vfs(false, INIT));
        for server in [PM, VM, VFS, FS] {
            assert!(!tells_vfs(true, server), "{:?}", server);
        }
    }

    #[test]
    fn vfs_without_process_state_is_no_error() {
        assert_eq!(vfs_notice_error(Ok(0)), None);
        assert_eq!(vfs_notice_error(Err(ENOSYS)), None);
        for e in [EINVAL, EIO, ENOMEM, EPERM] {
            assert_eq!(vfs_notice_error(Err(e)), Some(e));
        }
    }
}
