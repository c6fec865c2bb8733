// SPDX-License-Identifier: BSD-2-Clause
//! A handler's whole round (delivery, frame, SIGRETURN) through the
//! table, the calls a handler interrupts, alarms, and the bookkeeping
//! calls as PM answers them.
mod common;
use common::*;
use minix_abi::endpoint::VFS;
use minix_abi::errno::{EINTR, EINVAL, EPERM};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::pm::Request;
use minix_abi::sigframe::{reg, FRAME_BYTES, REGS};
use minix_abi::signal::*;
use root_task::effects::{Effect, Effects};
use root_task::handler_frame::{self, Interrupted};
use root_task::pm_calls;
use root_task::pm_policy::{decide, Decision};
use root_task::signals::Delivery;
use root_task::wait::WaitResult;

const ENTRY: u32 = 0x40_1000;
const RESTORER: u32 = 0x40_2000;

fn catch(flags: SaFlags, mask: SigSet) -> SigAction {
    SigAction { handler: Handler::Catch { entry: ENTRY, restorer: RESTORER }, flags, mask }
}

fn regs() -> [u64; REGS] {
    let mut r = [0u64; REGS];
    r[reg::RIP] = 0x40_8000;
    r[reg::RSP] = 0x7ff0_0000;
    // A thread in a call: its stack pointer is in r12 (seL4 keeps no rsp).
    r[reg::R12] = 0x7ff0_0000;
    r[reg::RFLAGS] = 0x202;
    r[reg::R10] = 0x1234;
    r
}

fn frame_of(bytes: &[u8]) -> [u8; FRAME_BYTES] {
    let mut f = [0u8; FRAME_BYTES];
    f.copy_from_slice(&bytes[8..]);
    f
}

#[test]
fn kill_self_run_handler_and_return() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let mut fx = Effects::new();
    assert_eq!(
        pm_calls::answer(&mut t, p, &Request::SigAction { sig: SIGUSR1, new: Some(catch(SaFlags::SIGINFO, SigSet::of(SIGINT))) }, &mut fx),
        Some(Reply::ok_with(0, [0, 0, 0]))
    );
    let ppid = pid(&t, p);
    assert_eq!(pm_calls::answer(&mut t, p, &Request::Kill { pid: ppid as i32, sig: Some(SIGUSR1) }, &mut fx), Some(Reply::ok(0)));
    // The caller itself has a signal to take before it goes on.
    assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
    let Some(Delivery::RunHandler(run)) = t.next_delivery(p, &mut fx) else { panic!() };
    assert_eq!((run.sig, run.info.pid, run.info.code), (SIGUSR1, ppid, code::SI_USER));
    // It was in its KILL call: the reply goes into the frame.
    assert_eq!(t.interrupted_pm_call(p, &run), None);
    let before = regs();
    let e = handler_frame::enter(&run, &before, Interrupted::CompleteCall(Reply::ok(0))).unwrap();
    assert_eq!((e.regs[reg::RIP], e.regs[reg::RDI]), (ENTRY as u64, 10));
    assert_eq!(t.get(p).unwrap().sig.blocked(), SigSet::of(SIGINT).with(SIGUSR1));
    // While it runs, another SIGUSR1 waits.
    t.kill(p, ppid as i32, Some(SIGUSR1), &mut fx).unwrap();
    assert!(fx.is_empty());
    // SIGRETURN: the registers after the call, the old mask, and the
    // waiting SIGUSR1 goes at once.
    let back = t.sigreturn(p, &frame_of(&e.bytes), &e.regs, &mut fx).unwrap();
    assert_eq!(back[reg::RIP], before[reg::RIP] + 2);
    assert_eq!((back[reg::RSI], back[reg::R10]), (RawRequest::tag(0, 1), 0));
    assert_eq!(t.get(p).unwrap().sig.blocked(), SigSet::EMPTY);
    assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
    // A forged frame is refused (the glue then forces SIGSEGV).
    assert_eq!(t.sigreturn(p, &[0; FRAME_BYTES], &e.regs, &mut fx), Err(EINVAL));
    t.force(p, SIGSEGV, SigInfo { code: code::SEGV_MAPERR, addr: 0x10, ..SigInfo::default() }, &mut fx);
    assert_eq!(t.next_delivery(p, &mut fx), Some(Delivery::Terminate { sig: SIGSEGV, core: true }));
}

#[test]
fn unblocking_delivers_and_sigpending_reports() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let mut fx = Effects::new();
    t.sigaction(p, SIGTERM, Some(catch(SaFlags::EMPTY, SigSet::EMPTY))).unwrap();
    t.sigprocmask(p, MaskHow::Block, SigSet::of(SIGTERM), &mut fx).unwrap();
    t.send(p, SIGTERM, SigInfo::default(), &mut fx);
    assert!(fx.is_empty());
    assert_eq!(pm_calls::answer(&mut t, p, &Request::SigPending, &mut fx), Some(Reply::ok(SIGTERM.bit() as u64)));
    let r = pm_calls::answer(&mut t, p, &Request::SigProcMask { how: MaskHow::SetMask, set: SigSet::EMPTY }, &mut fx);
    assert_eq!(r, Some(Reply::ok(SIGTERM.bit() as u64)));
    assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
}

#[test]
fn sigsuspend_answers_eintr_through_the_frame() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let mut fx = Effects::new();
    t.sigaction(p, SIGALRM, Some(catch(SaFlags::RESTART, SigSet::EMPTY))).unwrap();
    t.sigprocmask(p, MaskHow::Block, SigSet::of(SIGALRM), &mut fx).unwrap();
    t.sigsuspend(p, SigSet::EMPTY, &mut fx).unwrap();
    assert!(fx.is_empty(), "nothing pending yet: the caller blocks");
    // The alarm fires.
    assert_eq!(t.alarm(p, 0, 2), Ok(0));
    assert_eq!(t.next_alarm(), Some(2_000_000_000));
    t.fire_alarms(1_999_999_999, &mut fx);
    assert!(fx.is_empty());
    t.fire_alarms(2_000_000_000, &mut fx);
    assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
    assert_eq!(t.next_alarm(), None);
    let Some(Delivery::RunHandler(run)) = t.next_delivery(p, &mut fx) else { panic!() };
    assert_eq!((run.sig, run.info.code), (SIGALRM, code::SI_KERNEL));
    assert_eq!(t.interrupted_pm_call(p, &run), Some(Interrupted::CompleteCall(Reply::err(EINTR))));
    assert_eq!(run.restore_mask, SigSet::of(SIGALRM));
}

#[test]
fn a_handler_interrupts_wait_which_restarts_with_sa_restart() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let _c = fork(&mut t, p);
    let mut fx = Effects::new();
    for (flags, want) in [(SaFlags::RESTART, Interrupted::RestartCall), (SaFlags::EMPTY, Interrupted::CompleteCall(Reply::err(EINTR)))] {
        t.sigaction(p, SIGUSR2, Some(catch(flags, SigSet::EMPTY))).unwrap();
        assert_eq!(t.wait_for(p, -1, 0), Ok(WaitResult::Block));
        t.send(p, SIGUSR2, SigInfo::default(), &mut fx);
        assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
        let Some(Delivery::RunHandler(run)) = t.next_delivery(p, &mut fx) else { panic!() };
        assert_eq!(t.interrupted_pm_call(p, &run), Some(want));
        assert!(t.get(p).unwrap().waiting.is_none());
        t.get_mut(p).unwrap().sig.sigreturn(run.restore_mask);
    }
}

#[test]
fn alarms_are_not_inherited_and_report_what_was_left() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    t.alarm(p, 0, 10).unwrap();
    let c = fork(&mut t, p);
    assert_eq!(t.get(c).unwrap().alarm.deadline(), None);
    assert_eq!(t.alarm(p, 3_500_000_000, 0), Ok(7));
    assert_eq!(t.next_alarm(), None);
    // Without a handler, SIGALRM ends the process.
    t.alarm(c, 0, 1).unwrap();
    let mut fx = Effects::new();
    t.fire_alarms(1_000_000_000, &mut fx);
    let mut log = Log::default();
    settle(&mut t, &mut fx, &mut log);
    assert_eq!(log.killed, [(c, 14)]);
}

#[test]
fn ids_through_the_calls() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let mut fx = Effects::new();
    let mut call = |t: &mut root_task::proctab::ProcTable, r: Request| pm_calls::answer(t, p, &r, &mut fx).unwrap();
    assert_eq!(call(&mut t, Request::GetUid), Reply::ok_with(0, [0, 0, 0]));
    assert_eq!(call(&mut t, Request::SetGid { gid: 50 }), Reply::ok(0));
    assert_eq!(call(&mut t, Request::SetUid { uid: 1000 }), Reply::ok(0));
    assert_eq!(call(&mut t, Request::GetUid), Reply::ok_with(1000, [1000, 0, 0]));
    assert_eq!(call(&mut t, Request::GetGid), Reply::ok_with(50, [50, 0, 0]));
    assert_eq!(call(&mut t, Request::SetUid { uid: 0 }), Reply::err(EPERM));
    assert_eq!(call(&mut t, Request::GetPgid { pid: 0 }), Reply::ok(pid(&t, INIT_SLOT) as u64));
    assert_eq!(call(&mut t, Request::SetSid), Reply::ok(pid(&t, p) as u64));
    assert_eq!(call(&mut t, Request::GetSid { pid: 0 }), Reply::ok(pid(&t, p) as u64));
    assert_eq!(call(&mut t, Request::SigAction { sig: SIGKILL, new: Some(SigAction::default()) }), Reply::err(EINVAL));
    // Not bookkeeping: left to the glue.
    for r in
        [Request::Fork, Request::SigSuspend { mask: SigSet::EMPTY }, Request::Alarm { seconds: 1 }, Request::Wait { pid: -1, options: 0 }]
    {
        assert_eq!(pm_calls::answer(&mut t, p, &r, &mut fx), None);
    }
    assert_eq!(
        pm_calls::altstack_reply(t.sigaltstack(p, Some(AltStackChange::Enable { sp: 0x1000, size: 0x2000 }), 0x1800)),
        Reply::ok_with(SS_DISABLE, [0, 0, 0])
    );
    assert_eq!(pm_calls::altstack_reply(t.sigaltstack(p, None, 0x1800)), Reply::ok_with(SS_ONSTACK, [0x1000, 0x2000, 0]));
}

#[test]
fn servers_may_only_ask() {
    let t = boot();
    let raw = |r: Request| {
        let (call, words, len) = r.encode();
        RawRequest { call, words, len }
    };
    let changes = [
        Request::Kill { pid: 9, sig: Some(SIGTERM) },
        Request::SigAction { sig: SIGUSR1, new: None },
        Request::SigProcMask { how: MaskHow::Block, set: SigSet::EMPTY },
        Request::SigSuspend { mask: SigSet::EMPTY },
        Request::SigReturn { frame: 0x1000 },
        Request::SigAltStack { change: None },
        Request::SetPgid { pid: 0, pgid: 0 },
        Request::SetSid,
        Request::SetUid { uid: 0 },
        Request::SetGid { gid: 0 },
        Request::Alarm { seconds: 1 },
        Request::SetItimer { new: minix_abi::pm::Itimerval::default() },
    ];
    for r in changes {
        assert_eq!(
            decide(VFS.badge(), &raw(r), &t, &root_task::threads::ThreadTable::new()),
            Decision::Answer(Reply::err(EPERM)),
            "{:?}",
            r
        );
        assert_eq!(
            decide(ep(&t, INIT_SLOT).badge(), &raw(r), &t, &root_task::threads::ThreadTable::new()),
            Decision::Do(ep(&t, INIT_SLOT), r)
        );
    }
    for r in
        [Request::SigPending, Request::GetPgid { pid: 0 }, Request::GetSid { pid: 0 }, Request::GetUid, Request::GetGid, Request::GetItimer]
    {
        assert_eq!(decide(VFS.badge(), &raw(r), &t, &root_task::threads::ThreadTable::new()), Decision::Do(VFS, r));
    }
}
