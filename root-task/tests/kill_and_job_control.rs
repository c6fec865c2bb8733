// SPDX-License-Identifier: BSD-2-Clause
//! kill's targets and permissions, stops and continues, and what the
//! parent hears (wait reports, SIGCHLD).
mod common;
use common::*;
use minix_abi::endpoint::{INIT, VFS};
use minix_abi::errno::{ECHILD, EPERM, ESRCH};
use minix_abi::pm::{self, CONTINUED_STATUS, WCONTINUED, WNOHANG, WUNTRACED};
use minix_abi::signal::*;
use root_task::effects::{Effect, Effects};
use root_task::proctab::ProcTable;
use root_task::wait::WaitResult;

fn catch(flags: SaFlags) -> SigAction {
    SigAction { handler: Handler::Catch { entry: 0x40_1000, restorer: 0x40_2000 }, flags, mask: SigSet::EMPTY }
}

fn kill(t: &mut ProcTable, from: usize, pid: i32, sig: Option<Signal>) -> (Result<(), minix_abi::errno::Errno>, Log) {
    let mut fx = Effects::new();
    let r = t.kill(from, pid, sig, &mut fx);
    let mut log = Log::default();
    settle(t, &mut fx, &mut log);
    (r, log)
}

/// Each handler in `log` returns (SIGRETURN with the frame's mask).
fn handlers_return(t: &mut ProcTable, log: &Log) {
    for (slot, run) in &log.handlers {
        t.get_mut(*slot).unwrap().sig.sigreturn(run.restore_mask);
    }
}

fn kill_slot(t: &mut ProcTable, from: usize, target: usize, sig: Option<Signal>) -> (Result<(), minix_abi::errno::Errno>, Log) {
    let p = pid(t, target) as i32;
    kill(t, from, p, sig)
}

#[test]
fn kill_a_child_and_reap_it() {
    let mut t = boot();
    let c = fork(&mut t, INIT_SLOT);
    let cpid = pid(&t, c);
    let (r, log) = kill(&mut t, INIT_SLOT, cpid as i32, Some(SIGTERM));
    assert_eq!(r, Ok(()));
    assert_eq!(log.killed, [(c, pm::signal_status(15))]);
    assert_eq!(t.wait_for(INIT_SLOT, -1, 0), Ok(WaitResult::Reaped { pid: cpid, status: 15, slot: c }));
    // A core-dumping default.
    let c = fork(&mut t, INIT_SLOT);
    let (_, log) = kill_slot(&mut t, INIT_SLOT, c, Some(SIGQUIT));
    assert_eq!(log.killed, [(c, 0x80 | 3)]);
}

#[test]
fn kill_errors_and_signal_zero() {
    let mut t = boot();
    let c = fork(&mut t, INIT_SLOT);
    assert_eq!(kill(&mut t, c, 999, Some(SIGTERM)).0, Err(ESRCH));
    assert_eq!(kill(&mut t, c, i32::MIN, Some(SIGTERM)).0, Err(ESRCH));
    assert_eq!(kill(&mut t, c, -999, Some(SIGTERM)).0, Err(ESRCH));
    // Servers are never signalled.
    let vfs_pid = t.get(VFS.slot()).unwrap().pid as i32;
    assert_eq!(kill(&mut t, c, vfs_pid, Some(SIGKILL)).0, Err(EPERM));
    assert_eq!(kill(&mut t, c, 1, None).0, Err(EPERM), "pid 1 is PM here");
    // Signal 0 checks only.
    let (r, log) = kill_slot(&mut t, INIT_SLOT, c, None);
    assert_eq!(r, Ok(()));
    assert!(log.killed.is_empty() && t.get(c).unwrap().sig.pending().is_empty());
}

#[test]
fn init_is_spared_what_it_does_not_catch() {
    let mut t = boot();
    let c = fork(&mut t, INIT_SLOT);
    let (r, log) = kill_slot(&mut t, c, INIT_SLOT, Some(SIGKILL));
    assert_eq!(r, Ok(()));
    assert!(log.killed.is_empty());
    assert!(t.get(INIT_SLOT).unwrap().is_alive());
    // A forked child of init is an ordinary process.
    let (_, log) = kill_slot(&mut t, INIT_SLOT, c, Some(SIGKILL));
    assert_eq!(log.killed, [(c, 9)]);
}

#[test]
fn kill_minus_one_and_groups() {
    let mut t = boot();
    let a = fork(&mut t, INIT_SLOT);
    let b = fork(&mut t, a);
    let d = fork(&mut t, a);
    let mut fx = Effects::new();
    // b leads a group of its own; d joins it.
    t.setpgid(a, pid(&t, b), 0, &mut fx).unwrap();
    t.setpgid(a, pid(&t, d), pid(&t, b), &mut fx).unwrap();
    assert!(fx.is_empty());
    for s in [a, b, d] {
        t.sigaction(s, SIGUSR1, Some(catch(SaFlags::EMPTY))).unwrap();
    }
    // -pgid: b and d.
    let bgrp = -(pid(&t, b) as i32);
    let (_, log) = kill(&mut t, a, bgrp, Some(SIGUSR1));
    assert_eq!(log.handlers.iter().map(|h| h.0).collect::<Vec<_>>(), [b, d]);
    handlers_return(&mut t, &log);
    // 0: the caller's group (init's: init and a, but init ignores... has
    // no handler, so it is spared).
    let (_, log) = kill(&mut t, a, 0, Some(SIGUSR1));
    assert_eq!(log.handlers.iter().map(|h| h.0).collect::<Vec<_>>(), [a]);
    handlers_return(&mut t, &log);
    // -1: everyone but init and the caller.
    let (_, log) = kill(&mut t, b, -1, Some(SIGUSR1));
    assert_eq!(log.handlers.iter().map(|h| h.0).collect::<Vec<_>>(), [a, d]);
}

#[test]
fn permissions_follow_the_ids() {
    let mut t = boot();
    let a = fork(&mut t, INIT_SLOT);
    let b = fork(&mut t, INIT_SLOT);
    t.get_mut(a).unwrap().cred.setuid(1000).unwrap();
    assert_eq!(kill_slot(&mut t, a, b, Some(SIGTERM)).0, Err(EPERM));
    assert_eq!(kill(&mut t, a, -1, None).0, Err(EPERM));
    // SIGCONT within the session is allowed.
    assert_eq!(kill_slot(&mut t, a, b, Some(SIGCONT)).0, Ok(()));
    let c = fork(&mut t, a);
    assert_eq!(t.get(c).unwrap().cred.euid, 1000);
    assert_eq!(kill_slot(&mut t, a, c, Some(SIGTERM)).0, Ok(()));
    // Root signals anyone.
    assert_eq!(kill_slot(&mut t, b, a, Some(SIGTERM)).0, Ok(()));
}

#[test]
fn stop_continue_and_wait_reports() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let c = fork(&mut t, p);
    let cpid = pid(&t, c);
    // The parent waits for stops: the stop wakes it. (SIGSTOP: init's
    // group is orphaned, so SIGTSTP would not stop; see tests/pgroups.rs.)
    assert_eq!(t.wait_for(p, -1, WUNTRACED), Ok(WaitResult::Block));
    let (_, log) = kill(&mut t, p, cpid as i32, Some(SIGSTOP));
    assert_eq!(log.stopped, [c]);
    assert_eq!(log.woken, [(p, cpid, pm::stopped_status(19))]);
    assert!(pm::wifstopped(log.woken[0].2) && pm::wstopsig(log.woken[0].2) == 19);
    // Reported once.
    assert_eq!(t.wait_for(p, -1, WUNTRACED | WNOHANG), Ok(WaitResult::NotYet));
    // Stopped, it takes nothing but SIGKILL and SIGCONT.
    let (_, log) = kill(&mut t, p, cpid as i32, Some(SIGTERM));
    assert!(log.killed.is_empty());
    assert!(t.get(c).unwrap().sig.pending().contains(SIGTERM));
    // SIGCONT: resumed, then the pending SIGTERM kills.
    let (_, log) = kill(&mut t, p, cpid as i32, Some(SIGCONT));
    assert_eq!(log.resumed, [c]);
    assert_eq!(log.killed, [(c, 15)]);
    assert_eq!(t.wait_for(p, -1, WNOHANG), Ok(WaitResult::Reaped { pid: cpid, status: 15, slot: c }));
}

#[test]
fn continued_is_reported_once_with_wcontinued() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let c = fork(&mut t, p);
    let cpid = pid(&t, c) as i32;
    kill(&mut t, p, cpid, Some(SIGSTOP)).0.unwrap();
    // A stop seen before the wait is reported at once.
    assert_eq!(t.wait_for(p, cpid as i64, WUNTRACED), Ok(WaitResult::Reported { pid: cpid as u32, status: 0x137f }));
    let (_, log) = kill(&mut t, p, cpid, Some(SIGCONT));
    assert_eq!(log.resumed, [c]);
    // Without WCONTINUED it is not reported.
    assert_eq!(t.wait_for(p, -1, WNOHANG | WUNTRACED), Ok(WaitResult::NotYet));
    assert_eq!(t.wait_for(p, -1, WNOHANG | WCONTINUED), Ok(WaitResult::Reported { pid: cpid as u32, status: CONTINUED_STATUS }));
    assert_eq!(t.wait_for(p, -1, WNOHANG | WCONTINUED), Ok(WaitResult::NotYet));
    // SIGKILL ends a stopped process.
    kill(&mut t, p, cpid, Some(SIGSTOP)).0.unwrap();
    let (_, log) = kill(&mut t, p, cpid, Some(SIGKILL));
    assert_eq!(log.killed, [(c, 9)]);
    assert_eq!(t.wait_for(p, -1, 0), Ok(WaitResult::Reaped { pid: cpid as u32, status: 9, slot: c }));
    // A blocked waiter with WCONTINUED is woken by the continue.
    let c = fork(&mut t, p);
    let cpid = pid(&t, c) as i32;
    kill(&mut t, p, cpid, Some(SIGSTOP)).0.unwrap();
    assert_eq!(t.wait_for(p, -1, WCONTINUED), Ok(WaitResult::Block));
    let (_, log) = kill(&mut t, p, cpid, Some(SIGCONT));
    assert_eq!(log.woken, [(p, cpid as u32, CONTINUED_STATUS)]);
}

#[test]
fn sigchld_carries_what_happened() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    t.sigaction(p, SIGCHLD, Some(catch(SaFlags::EMPTY))).unwrap();
    let c = fork(&mut t, p);
    let cpid = pid(&t, c);
    let (_, log) = kill(&mut t, p, cpid as i32, Some(SIGSTOP));
    let (slot, run) = log.handlers[0];
    assert_eq!((slot, run.sig, run.info.code, run.info.pid, run.info.status), (p, SIGCHLD, code::CLD_STOPPED, cpid, 19));
    t.get_mut(p).unwrap().sig.sigreturn(run.restore_mask);
    let (_, log) = kill(&mut t, p, cpid as i32, Some(SIGCONT));
    assert_eq!(log.handlers[0].1.info.code, code::CLD_CONTINUED);
    t.get_mut(p).unwrap().sig.sigreturn(SigSet::EMPTY);
    // An exit, through the table.
    let out = t.exit(c, pm::exit_status(3), INIT_SLOT);
    assert_eq!(out.wake_parent, None);
    assert_eq!(out.effects.iter().copied().collect::<Vec<_>>(), [Effect::Deliver(p)]);
    let mut fx = out.effects;
    let mut log = Log::default();
    settle(&mut t, &mut fx, &mut log);
    let info = log.handlers[0].1.info;
    assert_eq!((info.code, info.pid, info.status), (code::CLD_EXITED, cpid, 3));
    // SA_NOCLDSTOP: no SIGCHLD for stops, still one for deaths.
    t.get_mut(p).unwrap().sig.sigreturn(SigSet::EMPTY);
    t.sigaction(p, SIGCHLD, Some(catch(SaFlags::NOCLDSTOP))).unwrap();
    let c = fork(&mut t, p);
    let (_, log) = kill_slot(&mut t, p, c, Some(SIGSTOP));
    assert!(log.handlers.is_empty());
    let (_, log) = kill_slot(&mut t, p, c, Some(SIGSEGV));
    assert!(log.handlers.is_empty(), "a stopped child is not killed by SIGSEGV");
    let (_, log) = kill_slot(&mut t, p, c, Some(SIGKILL));
    assert_eq!(log.handlers[0].1.info.code, code::CLD_KILLED);
}

#[test]
fn wait_pid_forms() {
    let mut t = boot();
    let p = fork(&mut t, INIT_SLOT);
    let a = fork(&mut t, p);
    let b = fork(&mut t, p);
    let mut fx = Effects::new();
    t.setpgid(p, pid(&t, b), 0, &mut fx).unwrap();
    let bgrp = pid(&t, b) as i64;
    assert_eq!(t.wait_for(p, -12345, WNOHANG), Err(ECHILD));
    assert_eq!(t.wait_for(p, -bgrp, WNOHANG), Ok(WaitResult::NotYet));
    // 0: the caller's group, which a is in and b is not.
    t.exit(b, 0, INIT_SLOT);
    assert_eq!(t.wait_for(p, 0, WNOHANG), Ok(WaitResult::NotYet));
    assert_eq!(t.wait_for(p, -bgrp, WNOHANG), Ok(WaitResult::Reaped { pid: bgrp as u32, status: 0, slot: b }));
    // A blocked group wait is answered by an exit in that group only.
    assert_eq!(t.wait_for(p, 0, 0), Ok(WaitResult::Block));
    let apid = pid(&t, a);
    let out = t.exit(a, pm::exit_status(1), INIT_SLOT);
    assert_eq!(out.wake_parent, Some((p, apid, 0x100)));
    assert_eq!(t.wait_for(p, -1, 0), Err(ECHILD));
}

#[test]
fn a_waiting_reaper_gets_the_zombies_it_adopts() {
    let mut t = boot();
    let mut fx = Effects::new();
    let a = fork(&mut t, INIT_SLOT);
    let z = fork(&mut t, a);
    let zpid = pid(&t, z);
    t.setpgid(z, 0, 0, &mut fx).unwrap();
    // Another child of init joins z's group, and init waits for that group.
    let other = fork(&mut t, INIT_SLOT);
    t.setpgid(other, 0, zpid, &mut fx).unwrap();
    t.exit(z, pm::exit_status(4), INIT_SLOT);
    assert_eq!(t.wait_for(INIT_SLOT, -(zpid as i64), 0), Ok(WaitResult::Block));
    // a exits (it is not in that group): init adopts the zombie z, which
    // ends its wait.
    let out = t.exit(a, 0, INIT_SLOT);
    assert_eq!(out.wake_parent, None);
    assert!(out.effects.iter().any(|e| *e == Effect::WakeWaiter { parent: INIT_SLOT, pid: zpid, status: 0x400 }));
    assert!(t.get(z).is_none());
    assert!(t.get(other).is_some() && t.get(INIT_SLOT).unwrap().waiting.is_none());
    assert_eq!(ep(&t, INIT_SLOT), INIT);
    assert!(fx.is_empty());
}
