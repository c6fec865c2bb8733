// SPDX-License-Identifier: BSD-2-Clause
//! Stopping and continuing processes, and what their parents hear of it:
//! a `wait` with `WUNTRACED`/`WCONTINUED` ends, and SIGCHLD is sent (for
//! a stop or continue not if the parent's SIGCHLD action has
//! `SA_NOCLDSTOP`). An exit sends SIGCHLD too.
//!
//! A parent whose SIGCHLD action is SIG_IGN still gets zombies (the XSI
//! rule that such children are not kept is not implemented), and its
//! SIGCHLD is simply discarded.
use crate::effects::{Effect, Effects};
use crate::proctab::{JobChange, ProcTable};
use minix_abi::pm;
use minix_abi::signal::{code, SaFlags, SigInfo, Signal, SIGCHLD, SIGCONT};

impl ProcTable {
    /// The process in `slot` stops (its stop signal was delivered).
    pub(crate) fn stop(&mut self, slot: usize, sig: Signal, fx: &mut Effects) {
        let Some(p) = self.get_mut(slot).filter(|p| p.is_alive()) else { return };
        p.job.stopped = Some(sig);
        p.job.unreported = Some(JobChange::Stopped(sig));
        let info = SigInfo { code: code::CLD_STOPPED, pid: p.pid, uid: p.cred.ruid, addr: 0, status: sig.number() as i32 };
        self.tell_parent(slot, info, fx);
    }

    /// A SIGCONT reached the process in `slot`: if it was stopped, it
    /// continues.
    pub(crate) fn resume(&mut self, slot: usize, fx: &mut Effects) {
        let Some(p) = self.get_mut(slot).filter(|p| p.is_alive() && p.job.stopped.is_some()) else { return };
        p.job.stopped = None;
        p.job.unreported = Some(JobChange::Continued);
        fx.push(Effect::Resume(slot));
        let info = SigInfo { code: code::CLD_CONTINUED, pid: p.pid, uid: p.cred.ruid, addr: 0, status: SIGCONT.number() as i32 };
        self.tell_parent(slot, info, fx);
    }

    /// A child stopped or continued: wake its parent's matching wait,
    /// then SIGCHLD unless the parent asked not to hear of it.
    fn tell_parent(&mut self, slot: usize, info: SigInfo, fx: &mut Effects) {
        let Some(parent) = self.get(slot).map(|p| p.parent).filter(|&pp| pp != slot) else { return };
        if let Some((pp, pid, status)) = self.reap_for_waiter(parent, &[slot]) {
            fx.push(Effect::WakeWaiter { parent: pp, pid, status });
        }
        let quiet = self.get(parent).is_some_and(|pp| pp.sig.action(SIGCHLD).flags.contains(SaFlags::NOCLDSTOP));
        if !quiet {
            self.send(parent, SIGCHLD, info, fx);
        }
    }

    /// The child `pid` (uid `uid`) of the process in `parent` exited with
    /// wait status `status`: SIGCHLD, with the code, status and core-dump
    /// flag `siginfo` carries.
    pub(crate) fn child_exited(&mut self, parent: usize, pid: u32, uid: u32, status: u64, fx: &mut Effects) {
        let (code, value) = if pm::wifexited(status) {
            (code::CLD_EXITED, pm::wexitstatus(status) as i32)
        } else if pm::wcoredump(status) {
            (code::CLD_DUMPED, pm::wtermsig(status) as i32)
        } else {
            (code::CLD_KILLED, pm::wtermsig(status) as i32)
        };
        self.send(parent, SIGCHLD, SigInfo { code, pid, uid, addr: 0, status: value }, fx);
    }
}
