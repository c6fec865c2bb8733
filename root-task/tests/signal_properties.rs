// SPDX-License-Identifier: BSD-2-Clause
//! Properties over random sequences of calls: SIGKILL and SIGSTOP are
//! never caught, blocked or ignored; groups never span sessions; and no
//! process stays stopped in an orphaned group.
mod common;
use common::*;
use minix_abi::signal::*;
use proptest::prelude::*;
use proptest::test_runner::Config;
use root_task::effects::{Effect, Effects};
use root_task::proctab::ProcTable;
use root_task::signals::{Delivery, DeliveryContext, SigState};

fn cases(n: u32) -> Config {
    let scale = std::env::var("FUZZ_SCALE").ok().and_then(|s| s.parse::<u32>().ok()).unwrap_or(1).max(1);
    Config { cases: n.saturating_mul(scale), failure_persistence: None, ..Config::default() }
}

fn signal() -> impl Strategy<Value = Signal> {
    prop_oneof![
        3 => prop::sample::select(vec![SIGKILL, SIGSTOP, SIGCONT, SIGTSTP, SIGCHLD]),
        4 => (1u32..32).prop_map(|n| Signal::new(n).unwrap()),
    ]
}

fn sigset() -> impl Strategy<Value = SigSet> {
    prop_oneof![
        Just(SigSet::FULL),
        Just(SigSet::of(SIGKILL).with(SIGSTOP)),
        (0u32..=0x7fff_ffff).prop_map(|b| SigSet::from_bits(b).unwrap())
    ]
}

fn action() -> impl Strategy<Value = SigAction> {
    let handler = prop_oneof![Just(Handler::Default), Just(Handler::Ignore), Just(Handler::Catch { entry: 0x1000, restorer: 0x2000 })];
    (handler, 0u32..64, sigset()).prop_map(|(handler, f, mask)| SigAction { handler, flags: SaFlags::from_bits(f).unwrap(), mask })
}

#[derive(Clone, Debug)]
enum StateOp {
    Action(Signal, SigAction),
    Mask(MaskHow, SigSet),
    Suspend(SigSet),
    Return(SigSet),
    Post(Signal),
    Force(Signal),
    Next(bool, bool),
    Exec,
    Fork,
}

fn state_op() -> impl Strategy<Value = StateOp> {
    let how = prop::sample::select(vec![MaskHow::Block, MaskHow::Unblock, MaskHow::SetMask]);
    prop_oneof![
        (signal(), action()).prop_map(|(s, a)| StateOp::Action(s, a)),
        (how, sigset()).prop_map(|(h, m)| StateOp::Mask(h, m)),
        sigset().prop_map(StateOp::Suspend),
        sigset().prop_map(StateOp::Return),
        signal().prop_map(StateOp::Post),
        signal().prop_map(StateOp::Force),
        (any::<bool>(), any::<bool>()).prop_map(|(a, b)| StateOp::Next(a, b)),
        Just(StateOp::Exec),
        Just(StateOp::Fork),
    ]
}

fn apply(s: &mut SigState, op: &StateOp) {
    match *op {
        StateOp::Action(sig, a) => {
            let r = s.sigaction(sig, Some(a));
            assert_eq!(r.is_err(), UNCATCHABLE.contains(sig));
        }
        StateOp::Mask(how, m) => {
            s.sigprocmask(how, m);
        }
        StateOp::Suspend(m) => s.suspend(m),
        StateOp::Return(m) => s.sigreturn(m),
        StateOp::Post(sig) => {
            s.post(sig, SigInfo::default());
        }
        StateOp::Force(sig) => s.force(sig, SigInfo::default()),
        StateOp::Next(stopped, orphaned_group) => {
            s.next(DeliveryContext { stopped, orphaned_group });
        }
        StateOp::Exec => s.exec(),
        StateOp::Fork => *s = s.fork(),
    }
}

proptest! {
    #![proptest_config(cases(3_000))]
    #[test]
    fn kill_and_stop_are_never_caught_blocked_or_ignored(ops in prop::collection::vec(state_op(), 0..60), stopped in any::<bool>(), orphaned in any::<bool>()) {
        let mut s = SigState::new();
        for op in &ops {
            apply(&mut s, op);
            prop_assert!(s.blocked().intersect(UNCATCHABLE).is_empty(), "{:?}", op);
            prop_assert_eq!(s.action(SIGKILL), SigAction::default());
            prop_assert_eq!(s.action(SIGSTOP), SigAction::default());
            for sig in Signal::all() {
                prop_assert!(s.action(sig).mask.intersect(UNCATCHABLE).is_empty());
            }
            prop_assert_eq!(s.sigpending().minus(s.blocked()), SigSet::EMPTY);
            // SIGKILL, whenever it comes, is the next thing delivered, and
            // it kills, stopped or not.
            let mut k = s.clone();
            k.post(SIGKILL, SigInfo::default());
            prop_assert_eq!(k.next(DeliveryContext { stopped, orphaned_group: orphaned }), Some(Delivery::Terminate { sig: SIGKILL, core: false }));
            // SIGSTOP is taken, and stops, unless something kills first.
            let mut st = s.clone();
            st.post(SIGSTOP, SigInfo::default());
            let ctx = DeliveryContext { stopped: false, orphaned_group: orphaned };
            let mut outcome = None;
            while let Some(d) = st.next(ctx) {
                if let Delivery::RunHandler(run) = d {
                    st.sigreturn(run.restore_mask);
                }
                if matches!(d, Delivery::Stop { sig: SIGSTOP } | Delivery::Terminate { .. }) {
                    outcome = Some(d);
                    break;
                }
            }
            prop_assert!(outcome.is_some(), "SIGSTOP was lost after {:?}", ops);
        }
    }
}

#[derive(Clone, Debug)]
enum TableOp {
    Fork(usize),
    Exit(usize),
    SetPgid(usize, usize, Option<usize>),
    SetSid(usize),
    Kill(usize, KillTarget, Option<Signal>),
    Catch(usize, Signal),
    Wait(usize),
}

#[derive(Clone, Debug)]
enum KillTarget {
    Pid(usize),
    OwnGroup,
    All,
    GroupOf(usize),
}

fn table_signal() -> impl Strategy<Value = Option<Signal>> {
    // No SIGSTOP: it stops even in an orphaned group, which the orphan
    // property below is not about.
    prop::option::of(prop::sample::select(vec![SIGTSTP, SIGTTIN, SIGCONT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD, SIGKILL]))
}

fn table_op() -> impl Strategy<Value = TableOp> {
    let i = 0usize..32;
    let target = prop_oneof![
        4 => i.clone().prop_map(KillTarget::Pid),
        1 => Just(KillTarget::OwnGroup),
        1 => Just(KillTarget::All),
        2 => i.clone().prop_map(KillTarget::GroupOf),
    ];
    prop_oneof![
        4 => i.clone().prop_map(TableOp::Fork),
        2 => i.clone().prop_map(TableOp::Exit),
        3 => (i.clone(), i.clone(), prop::option::of(i.clone())).prop_map(|(a, b, g)| TableOp::SetPgid(a, b, g)),
        2 => i.clone().prop_map(TableOp::SetSid),
        5 => (i.clone(), target, table_signal()).prop_map(|(a, t, s)| TableOp::Kill(a, t, s)),
        1 => (i.clone(), prop::sample::select(vec![SIGHUP, SIGUSR1, SIGCHLD, SIGTSTP])).prop_map(|(a, s)| TableOp::Catch(a, s)),
        1 => i.prop_map(TableOp::Wait),
    ]
}

/// The glue, with handlers that return at once.
fn run_effects(t: &mut ProcTable, fx: &mut Effects) {
    while let Some(e) = fx.pop() {
        if let Effect::Deliver(slot) = e {
            while let Some(d) = t.next_delivery(slot, fx) {
                match d {
                    Delivery::Terminate { .. } => {
                        let out = t.exit(slot, d.wait_status(), INIT_SLOT);
                        fx.append(out.effects);
                        break;
                    }
                    Delivery::RunHandler(run) => t.get_mut(slot).unwrap().sig.sigreturn(run.restore_mask),
                    Delivery::Stop { .. } | Delivery::Ignore(_) => {}
                }
            }
        }
    }
}

/// The live user processes that can make calls (not stopped), init first.
fn runners(t: &ProcTable) -> Vec<usize> {
    t.iter().filter(|(_, p)| p.is_alive() && p.is_user() && p.job.stopped.is_none()).map(|(s, _)| s).collect()
}

fn users(t: &ProcTable) -> Vec<usize> {
    t.iter().filter(|(_, p)| p.is_user()).map(|(s, _)| s).collect()
}

fn table_step(t: &mut ProcTable, op: &TableOp) {
    let run = runners(t);
    let all = users(t);
    let pick = |v: &Vec<usize>, i: usize| v[i % v.len()];
    let mut fx = Effects::new();
    match *op {
        TableOp::Fork(a) => {
            let _ = t.add_user(pick(&run, a), Default::default());
        }
        TableOp::Exit(a) => {
            let s = pick(&run, a);
            if s != INIT_SLOT {
                fx.append(t.exit(s, 0, INIT_SLOT).effects);
            }
        }
        TableOp::SetPgid(a, b, g) => {
            // A stopped process is never moved here: moved into a group
            // that is orphaned already, it would stay stopped there, which
            // POSIX allows (only a group *becoming* orphaned is hung up).
            let (caller, target) = (pick(&run, a), pick(&run, b));
            let pgid = g.map_or(0, |g| t.get(pick(&all, g)).unwrap().pgid);
            let tp = t.get(target).unwrap().pid;
            let _ = t.setpgid(caller, tp, pgid, &mut fx);
        }
        TableOp::SetSid(a) => {
            let _ = t.setsid(pick(&run, a), &mut fx);
        }
        TableOp::Kill(a, ref target, sig) => {
            let pid = match *target {
                KillTarget::Pid(i) => t.get(pick(&all, i)).unwrap().pid as i32,
                KillTarget::OwnGroup => 0,
                KillTarget::All => -1,
                KillTarget::GroupOf(i) => -(t.get(pick(&all, i)).unwrap().pgid as i32),
            };
            let _ = t.kill(pick(&run, a), pid, sig, &mut fx);
        }
        TableOp::Catch(a, sig) => {
            let h = SigAction { handler: Handler::Catch { entry: 0x1000, restorer: 0x2000 }, flags: SaFlags::EMPTY, mask: SigSet::EMPTY };
            t.sigaction(pick(&run, a), sig, Some(h)).unwrap();
        }
        TableOp::Wait(a) => {
            let _ = t.wait_for(pick(&run, a), -1, minix_abi::pm::WNOHANG | minix_abi::pm::WUNTRACED | minix_abi::pm::WCONTINUED);
        }
    }
    run_effects(t, &mut fx);
}

proptest! {
    #![proptest_config(cases(2_000))]
    #[test]
    fn groups_sessions_and_orphans(ops in prop::collection::vec(table_op(), 0..80)) {
        let mut t = boot();
        for op in &ops {
            table_step(&mut t, op);
            let live: Vec<_> = t.iter().filter(|(_, p)| p.is_alive()).map(|(s, p)| (s, p.pid, p.pgid, p.sid)).collect();
            for &(s, pid, pgid, sid) in &live {
                // A group lies within one session.
                prop_assert!(live.iter().all(|&(_, _, g, d)| g != pgid || d == sid), "{:?} after {:?}", live, op);
                // A session leader leads its group too.
                if sid == pid {
                    prop_assert_eq!(pgid, pid);
                }
                let p = t.get(s).unwrap();
                prop_assert!(p.sig.blocked().intersect(UNCATCHABLE).is_empty());
                // Nobody is left stopped where nobody could continue it.
                if p.is_user() && p.job.stopped.is_some() {
                    prop_assert!(!t.is_orphaned(pgid), "slot {} stopped in orphaned group {} after {:?}", s, pgid, ops);
                }
                // Every parent link names a live process.
                prop_assert!(t.get(p.parent).is_some_and(|pp| pp.is_alive()));
            }
            prop_assert!(t.get(INIT_SLOT).is_some_and(|p| p.is_alive()));
        }
    }
}
