// SPDX-License-Identifier: BSD-2-Clause
//! Handlers handed to a caller that runs them itself (`RUN_HANDLER`,
//! `HANDLER_DONE`, `HANDLER_INFO`), through the table the way the glue
//! drives it: POSIX's masks, flags and order hold as with a frame.
mod common;
use common::*;
use minix_abi::errno::{EINTR, EINVAL};
use minix_abi::message::Reply;
use minix_abi::pm::{HandlerStart, Request};
use minix_abi::signal::*;
use root_task::effects::{Effect, Effects};
use root_task::handed::{Answer, Owed};
use root_task::pm_calls;
use root_task::proctab::ProcTable;
use root_task::signals::Delivery;
use root_task::wait::WaitResult;

fn catch(flags: SaFlags, mask: SigSet) -> SigAction {
    SigAction { handler: Handler::Catch { entry: 0x40_1000, restorer: 0x40_1000 }, flags, mask }
}

/// The glue's part: carries out `fx` for the process in `me`, which PM
/// owes `answer` (`None`: kept in its records already), handing it every
/// handler; then what it hears.
fn settle_for(t: &mut ProcTable, fx: &mut Effects, me: usize, mut answer: Option<Owed>) -> Answer {
    while let Some(e) = fx.pop() {
        match e {
            Effect::Deliver(slot) if slot == me => {
                while let Some(d) = t.next_delivery(slot, fx) {
                    match d {
                        Delivery::RunHandler(run) => t.hand_over(slot, &run, answer.take()),
                        other => panic!("{:?}", other),
                    }
                }
            }
            other => panic!("{:?}", other),
        }
    }
    match answer {
        Some(o) => Answer::Owed(o),
        None => t.handed_answer(me).unwrap_or(Answer::Owed(Owed::Answer(Reply::err(EINTR)))),
    }
}

/// A call of `me` answered by the table (kill, sigprocmask, ...).
fn call(t: &mut ProcTable, me: usize, req: Request) -> Answer {
    let mut fx = Effects::new();
    let r = pm_calls::answer(t, me, &req, &mut fx).unwrap();
    settle_for(t, &mut fx, me, Some(Owed::Answer(r)))
}

/// HANDLER_DONE of `me` for `token`.
fn done(t: &mut ProcTable, me: usize, token: u8, mask: Option<SigSet>) -> Answer {
    let mut fx = Effects::new();
    t.handler_done(me, token, mask, &mut fx).unwrap();
    settle_for(t, &mut fx, me, None)
}

fn start(a: Answer) -> HandlerStart {
    match a {
        Answer::Run(s) => s,
        other => panic!("{:?}", other),
    }
}

/// A kill of `me` by itself.
fn raise(t: &mut ProcTable, me: usize, sig: Signal) -> Answer {
    let req = Request::Kill { pid: pid(t, me) as i32, sig: Some(sig) };
    call(t, me, req)
}

fn blocked(t: &ProcTable, me: usize) -> SigSet {
    t.get(me).unwrap().sig.blocked()
}

#[test]
fn raise_hands_the_handler_over_then_answers() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    t.sigaction(p, SIGUSR1, Some(catch(SaFlags::SIGINFO, SigSet::of(SIGINT)))).unwrap();
    let s = start(raise(&mut t, p, SIGUSR1));
    assert_eq!((s.sig, s.pid, s.code, s.entry, s.flags), (SIGUSR1, pid(&t, p), code::SI_USER, 0x40_1000, SaFlags::SIGINFO));
    assert_eq!(blocked(&t, p), SigSet::of(SIGINT).with(SIGUSR1));
    let d = t.handler_details(p, s.token).unwrap();
    assert_eq!((d.mask, d.uid, d.addr, d.status), (SigSet::EMPTY, 0, 0, 0));
    // While it runs, a second SIGUSR1 waits: the kill answers at once.
    assert_eq!(raise(&mut t, p, SIGUSR1), Answer::Owed(Owed::Answer(Reply::ok(0))));
    // Its return restores the mask, which lets the second through: it is
    // handed over before the first kill answers.
    let s2 = start(done(&mut t, p, s.token, None));
    assert_eq!(s2.sig, SIGUSR1);
    assert_eq!(t.handler_done(p, s.token, None, &mut Effects::new()), Err(EINVAL), "returned already");
    assert_eq!(done(&mut t, p, s2.token, None), Answer::Owed(Owed::Answer(Reply::ok(0))));
    assert_eq!(blocked(&t, p), SigSet::EMPTY);
    assert!(t.get(p).unwrap().sig.handed().is_empty());
}

#[test]
fn signals_unblocked_together_run_last_taken_first() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    for s in [SIGUSR1, SIGUSR2] {
        t.sigaction(p, s, Some(catch(SaFlags::EMPTY, SigSet::EMPTY))).unwrap();
    }
    let both = SigSet::of(SIGUSR1).with(SIGUSR2);
    call(&mut t, p, Request::SigProcMask { how: MaskHow::Block, set: both });
    assert_eq!(raise(&mut t, p, SIGUSR1), Answer::Owed(Owed::Answer(Reply::ok(0))));
    raise(&mut t, p, SIGUSR2);
    // Unblocking takes SIGUSR1, then SIGUSR2 (not blocked by SIGUSR1's
    // handler): SIGUSR2's runs first, as the frame Linux pushes last.
    let first = start(call(&mut t, p, Request::SigProcMask { how: MaskHow::Unblock, set: both }));
    assert_eq!(first.sig, SIGUSR2);
    assert_eq!(blocked(&t, p), both);
    let second = start(done(&mut t, p, first.token, None));
    assert_eq!(second.sig, SIGUSR1);
    assert_eq!(blocked(&t, p), SigSet::of(SIGUSR1), "SIGUSR1's handler mask while it runs");
    // Then sigprocmask answers the mask it replaced.
    assert_eq!(done(&mut t, p, second.token, None), Answer::Owed(Owed::Answer(Reply::ok(both.bits() as u64))));
    assert_eq!(blocked(&t, p), SigSet::EMPTY);
}

#[test]
fn sa_mask_nodefer_and_resethand() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    // SIGUSR1's handler blocks SIGUSR2: raised inside, it waits for the
    // return, then runs before the outer kill answers.
    t.sigaction(p, SIGUSR1, Some(catch(SaFlags::EMPTY, SigSet::of(SIGUSR2)))).unwrap();
    t.sigaction(p, SIGUSR2, Some(catch(SaFlags::NODEFER.with(SaFlags::RESETHAND), SigSet::EMPTY))).unwrap();
    let s = start(raise(&mut t, p, SIGUSR1));
    assert_eq!(raise(&mut t, p, SIGUSR2), Answer::Owed(Owed::Answer(Reply::ok(0))));
    let s2 = start(done(&mut t, p, s.token, None));
    assert_eq!(s2.sig, SIGUSR2);
    // SA_NODEFER: SIGUSR2 is not blocked in its own handler; SA_RESETHAND
    // reset its action as it started.
    assert_eq!(blocked(&t, p), SigSet::EMPTY);
    assert_eq!(t.get(p).unwrap().sig.action(SIGUSR2), SigAction::default());
    assert_eq!(done(&mut t, p, s2.token, None), Answer::Owed(Owed::Answer(Reply::ok(0))));
    // A NODEFER handler raising its own signal runs again, nested, before
    // its inner kill answers.
    t.sigaction(p, SIGUSR2, Some(catch(SaFlags::NODEFER, SigSet::EMPTY))).unwrap();
    let outer = start(raise(&mut t, p, SIGUSR2));
    let inner = start(raise(&mut t, p, SIGUSR2));
    assert_ne!(inner.token, outer.token);
    assert_eq!(done(&mut t, p, inner.token, None), Answer::Owed(Owed::Answer(Reply::ok(0))), "the inner kill answers");
    assert_eq!(done(&mut t, p, outer.token, None), Answer::Owed(Owed::Answer(Reply::ok(0))), "then the outer one");
}

#[test]
fn a_returned_mask_is_restored_but_never_blocks_sigkill() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    t.sigaction(p, SIGUSR1, Some(catch(SaFlags::EMPTY, SigSet::EMPTY))).unwrap();
    let s = start(raise(&mut t, p, SIGUSR1));
    // As a handler may change uc_sigmask before rt_sigreturn.
    assert_eq!(done(&mut t, p, s.token, Some(SigSet::FULL)), Answer::Owed(Owed::Answer(Reply::ok(0))));
    assert_eq!(blocked(&t, p), SigSet::FULL.minus(UNCATCHABLE));
}

#[test]
fn sigsuspend_and_wait_end_through_the_handed_handler() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let _child = fork(&mut t, p);
    let mut fx = Effects::new();
    t.sigaction(p, SIGUSR1, Some(catch(SaFlags::RESTART, SigSet::EMPTY))).unwrap();
    t.sigprocmask(p, MaskHow::Block, SigSet::of(SIGUSR1), &mut fx).unwrap();
    // sigsuspend: blocked, its reply saved; a signal from another process
    // ends it with EINTR once the handler returns, and the old mask is
    // back.
    t.sigsuspend(p, SigSet::EMPTY, &mut fx).unwrap();
    assert!(fx.is_empty());
    t.send(p, SIGUSR1, SigInfo { code: code::SI_USER, pid: 77, uid: 5, ..SigInfo::default() }, &mut fx);
    assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
    let Some(Delivery::RunHandler(run)) = t.next_delivery(p, &mut fx) else { panic!() };
    let owed = t.interrupted_pm_call_owed(p, &run);
    assert_eq!(owed, Some(Owed::Answer(Reply::err(EINTR))));
    t.hand_over(p, &run, owed);
    let s = start(t.handed_answer(p).unwrap());
    assert_eq!((s.pid, t.handler_details(p, s.token).unwrap().uid), (77, 5));
    assert_eq!(done(&mut t, p, s.token, None), Answer::Owed(Owed::Answer(Reply::err(EINTR))));
    assert_eq!(blocked(&t, p), SigSet::of(SIGUSR1));
    t.sigprocmask(p, MaskHow::SetMask, SigSet::EMPTY, &mut fx).unwrap();
    // wait under SA_RESTART: made again after the handler; without it,
    // EINTR.
    for (flags, want) in [(SaFlags::RESTART, Owed::Restart), (SaFlags::EMPTY, Owed::Answer(Reply::err(EINTR)))] {
        t.sigaction(p, SIGUSR1, Some(catch(flags, SigSet::EMPTY))).unwrap();
        assert_eq!(t.wait_for(p, -1, 0), Ok(WaitResult::Block));
        t.send(p, SIGUSR1, SigInfo::default(), &mut fx);
        assert_eq!(fx.pop(), Some(Effect::Deliver(p)));
        let Some(Delivery::RunHandler(run)) = t.next_delivery(p, &mut fx) else { panic!() };
        let owed = t.interrupted_pm_call_owed(p, &run);
        assert_eq!(owed, Some(want));
        assert!(t.get(p).unwrap().waiting.is_none(), "the wait is given up");
        t.hand_over(p, &run, owed);
        let s = start(t.handed_answer(p).unwrap());
        assert_eq!(done(&mut t, p, s.token, None), Answer::Owed(want));
    }
}

#[test]
fn a_fork_inside_a_handler_returns_from_it_too_and_exec_forgets_it() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    t.sigaction(p, SIGUSR1, Some(catch(SaFlags::EMPTY, SigSet::EMPTY))).unwrap();
    let s = start(raise(&mut t, p, SIGUSR1));
    // The child's memory holds the handler's frame: it returns from it,
    // and from the kill, as the parent does.
    let c = fork(&mut t, p);
    assert_eq!(blocked(&t, c), SigSet::of(SIGUSR1));
    assert_eq!(done(&mut t, c, s.token, None), Answer::Owed(Owed::Answer(Reply::ok(0))));
    assert_eq!(done(&mut t, p, s.token, None), Answer::Owed(Owed::Answer(Reply::ok(0))));
    // An exec inside a handler: the new program has none to return from.
    let s = start(raise(&mut t, p, SIGUSR1));
    t.exec(p);
    assert_eq!(t.handler_done(p, s.token, None, &mut Effects::new()), Err(EINVAL));
    assert_eq!(t.handler_details(p, s.token), Err(EINVAL));
}
