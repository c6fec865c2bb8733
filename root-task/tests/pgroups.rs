// SPDX-License-Identifier: BSD-2-Clause
//! Process groups and sessions: setpgid/setsid/getpgid/getsid and
//! orphaned groups.
mod common;
use common::*;
use minix_abi::errno::{EACCES, EPERM, ESRCH};
use minix_abi::signal::*;
use root_task::effects::Effects;
use root_task::proctab::ProcTable;

/// A shell: init's child leading its own session, with a job (a group of
/// two) it started. Returns (shell, job leader, job member).
fn shell_with_job(t: &mut ProcTable) -> (usize, usize, usize) {
    let mut fx = Effects::new();
    let sh = fork(t, INIT_SLOT);
    assert_eq!(t.setsid(sh, &mut fx), Ok(pid(t, sh)));
    let j = fork(t, sh);
    let jpid = pid(t, j);
    t.setpgid(sh, jpid, jpid, &mut fx).unwrap();
    let k = fork(t, j);
    assert!(fx.is_empty());
    (sh, j, k)
}

fn send(t: &mut ProcTable, slot: usize, sig: Signal) -> Log {
    let mut fx = Effects::new();
    t.send(slot, sig, SigInfo::default(), &mut fx);
    let mut log = Log::default();
    settle(t, &mut fx, &mut log);
    log
}

#[test]
fn sessions_and_groups_are_inherited_and_queried() {
    let mut t = boot();
    let init_pid = pid(&t, INIT_SLOT);
    assert_eq!((t.getpgid(INIT_SLOT, 0), t.getsid(INIT_SLOT, 0)), (Ok(init_pid), Ok(init_pid)));
    let (sh, j, k) = shell_with_job(&mut t);
    let (shp, jp) = (pid(&t, sh), pid(&t, j));
    assert_eq!(t.getsid(k, 0), Ok(shp));
    assert_eq!(t.getpgid(k, 0), Ok(jp));
    assert_eq!(t.getpgid(INIT_SLOT, pid(&t, k)), Ok(jp));
    assert_eq!(t.getpgid(sh, 4242), Err(ESRCH));
    assert_eq!(t.getsid(sh, 4242), Err(ESRCH));
}

#[test]
fn setpgid_rules() {
    let mut t = boot();
    let mut fx = Effects::new();
    let (sh, j, k) = shell_with_job(&mut t);
    let (shp, jp, kp) = (pid(&t, sh), pid(&t, j), pid(&t, k));
    // Not the caller nor its child: ESRCH (k is j's child, not sh's).
    assert_eq!(t.setpgid(sh, kp, 0, &mut fx), Err(ESRCH));
    assert_eq!(t.setpgid(sh, 4242, 0, &mut fx), Err(ESRCH));
    // A session leader cannot move.
    assert_eq!(t.setpgid(sh, 0, jp, &mut fx), Err(EPERM));
    // A group that does not exist in the caller's session.
    assert_eq!(t.setpgid(k, 0, pid(&t, INIT_SLOT), &mut fx), Err(EPERM));
    assert_eq!(t.setpgid(k, 0, 4242, &mut fx), Err(EPERM));
    // Moving into an existing group of the session, and back to its own.
    assert_eq!(t.setpgid(k, 0, shp, &mut fx), Ok(()));
    assert_eq!(t.getpgid(k, 0), Ok(shp));
    assert_eq!(t.setpgid(j, kp, 0, &mut fx), Ok(()));
    assert_eq!(t.getpgid(k, 0), Ok(kp));
    // A child in another session: EPERM.
    let k2 = fork(&mut t, k);
    t.setsid(k2, &mut fx).unwrap();
    assert_eq!(t.setpgid(k, pid(&t, k2), 0, &mut fx), Err(EPERM));
    // A child that has exec'd: EACCES.
    let k3 = fork(&mut t, k);
    t.exec(k3);
    assert_eq!(t.setpgid(k, pid(&t, k3), 0, &mut fx), Err(EACCES));
    assert!(fx.is_empty());
}

#[test]
fn setsid_rules() {
    let mut t = boot();
    let mut fx = Effects::new();
    let (sh, j, k) = shell_with_job(&mut t);
    // A group leader cannot start a session, nor can the session leader.
    assert_eq!(t.setsid(j, &mut fx), Err(EPERM));
    assert_eq!(t.setsid(sh, &mut fx), Err(EPERM));
    let kp = pid(&t, k);
    assert_eq!(t.setsid(k, &mut fx), Ok(kp));
    assert_eq!((t.getsid(k, 0), t.getpgid(k, 0)), (Ok(kp), Ok(kp)));
    // Its children stay where they were.
    let c = fork(&mut t, k);
    assert_eq!(t.getsid(c, 0), Ok(kp));
}

#[test]
fn tstp_stops_only_outside_orphaned_groups() {
    let mut t = boot();
    let (_sh, j, k) = shell_with_job(&mut t);
    // The job's group has a link (j's parent, the shell, in another group
    // of the session): SIGTSTP stops.
    assert!(!t.is_orphaned(pid(&t, j)));
    assert_eq!(send(&mut t, k, SIGTSTP).stopped, [k]);
    // init's group is orphaned (init's parent is PM, a server): a child
    // there ignores SIGTSTP, SIGTTIN and SIGTTOU, but not SIGSTOP.
    let c = fork(&mut t, INIT_SLOT);
    assert!(t.is_orphaned(pid(&t, INIT_SLOT)));
    for sig in [SIGTSTP, SIGTTIN, SIGTTOU] {
        assert!(send(&mut t, c, sig).stopped.is_empty());
    }
    assert_eq!(send(&mut t, c, SIGSTOP).stopped, [c]);
}

#[test]
fn an_exit_that_orphans_a_stopped_group_hangs_it_up() {
    let mut t = boot();
    let (sh, j, k) = shell_with_job(&mut t);
    send(&mut t, k, SIGSTOP);
    // The shell exits: the job's only link to the session goes.
    let out = t.exit(sh, 0, INIT_SLOT);
    let mut fx = out.effects;
    let mut log = Log::default();
    settle(&mut t, &mut fx, &mut log);
    // SIGHUP then SIGCONT to each member: k is resumed, and SIGHUP's
    // default ends both.
    assert_eq!(log.resumed, [k]);
    let mut killed: Vec<usize> = log.killed.iter().map(|x| x.0).collect();
    killed.sort();
    assert_eq!(killed, [j, k]);
    assert!(log.killed.iter().all(|x| x.1 == SIGHUP.number() as u64));
}

#[test]
fn a_group_with_no_stopped_member_is_left_alone() {
    let mut t = boot();
    let (sh, j, k) = shell_with_job(&mut t);
    let out = t.exit(sh, 0, INIT_SLOT);
    assert!(out.effects.is_empty(), "{:?}", out.effects);
    assert!(t.is_orphaned(pid(&t, j)));
    assert!(t.get(k).unwrap().is_alive());
}

#[test]
fn a_handled_sighup_lets_the_group_live_on() {
    let mut t = boot();
    let (sh, j, k) = shell_with_job(&mut t);
    let catch = SigAction { handler: Handler::Catch { entry: 0x1000, restorer: 0x2000 }, flags: SaFlags::EMPTY, mask: SigSet::EMPTY };
    t.sigaction(k, SIGHUP, Some(catch)).unwrap();
    t.sigaction(j, SIGHUP, Some(catch)).unwrap();
    send(&mut t, k, SIGSTOP);
    let mut fx = t.exit(sh, 0, INIT_SLOT).effects;
    let mut log = Log::default();
    settle(&mut t, &mut fx, &mut log);
    assert!(log.killed.is_empty());
    assert_eq!(log.resumed, [k]);
    let got: Vec<(usize, Signal, i32)> = log.handlers.iter().map(|(s, r)| (*s, r.sig, r.info.code)).collect();
    assert_eq!(got, [(j, SIGHUP, code::SI_KERNEL), (k, SIGHUP, code::SI_KERNEL)]);
    assert!(t.get(k).unwrap().job.stopped.is_none());
}

#[test]
fn a_group_keeps_a_link_that_joins_it_while_the_links_parent_lives() {
    let mut t = boot();
    let mut fx = Effects::new();
    let (sh, j, k) = shell_with_job(&mut t);
    // k leads a group of its own, linked by its parent j; k's child m stops.
    t.setpgid(k, 0, 0, &mut fx).unwrap();
    let m = fork(&mut t, k);
    send(&mut t, m, SIGSTOP);
    let kp = pid(&t, k);
    assert!(!t.is_orphaned(kp));
    // j joins k's group: j's own parent (the shell, another group of the
    // session) links the group now; nothing happens.
    t.setpgid(j, 0, kp, &mut fx).unwrap();
    let mut log = Log::default();
    settle(&mut t, &mut fx, &mut log);
    assert!(log.resumed.is_empty() && !t.is_orphaned(kp));
    // The shell exits: the group is orphaned, with m stopped.
    let mut fx = t.exit(sh, 0, INIT_SLOT).effects;
    settle(&mut t, &mut fx, &mut log);
    assert_eq!(log.resumed, [m]);
}

#[test]
fn moving_the_last_link_away_hangs_up() {
    let mut t = boot();
    let mut fx = Effects::new();
    // init -> a (leads session S) -> b (in a's group) -> c (a group of
    // its own, linked by b). c stops; then b starts a session of its own,
    // which takes c's group's link away.
    let a = fork(&mut t, INIT_SLOT);
    t.setsid(a, &mut fx).unwrap();
    let b = fork(&mut t, a);
    let c = fork(&mut t, b);
    t.setpgid(c, 0, 0, &mut fx).unwrap();
    send(&mut t, c, SIGSTOP);
    assert!(!t.is_orphaned(pid(&t, c)));
    assert_eq!(t.setsid(b, &mut fx).map(|_| ()), Ok(()));
    let mut log = Log::default();
    settle(&mut t, &mut fx, &mut log);
    assert_eq!(log.resumed, [c]);
    assert_eq!(log.killed, [(c, SIGHUP.number() as u64)]);
}
