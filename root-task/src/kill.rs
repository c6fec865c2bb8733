// SPDX-License-Identifier: BSD-2-Clause
//! `kill`: which processes a pid names, and which of them the caller may
//! signal.
//!
//! * pid > 0: that process; a server is never signalled (`EPERM`);
//! * pid 0: every process in the caller's group;
//! * pid -1: every user process the caller may signal except init and
//!   the caller itself (Linux's choice; POSIX leaves both open);
//! * pid < -1: every process in group -pid (`i32::MIN` names none);
//! * none named: `ESRCH`; none of them may be signalled: `EPERM`; else
//!   the signal goes to each that may (signal 0 only checks).
//!
//! May signal: the ids allow it ([`Credentials::may_signal`]), or the
//! signal is SIGCONT and both are in one session. Zombies count as named
//! (and signalled, to no effect), as on Linux.
//!
//! [`Credentials::may_signal`]: crate::credentials::Credentials::may_signal
extern crate alloc;
use crate::effects::Effects;
use crate::proctab::{Proc, ProcTable};
use alloc::vec::Vec;
use minix_abi::endpoint::INIT;
use minix_abi::errno::{Errno, EPERM, ESRCH};
use minix_abi::signal::{code, SigInfo, Signal, SIGCONT};

fn may_signal(from: &Proc, to: &Proc, sig: Option<Signal>) -> bool {
    to.is_user() && (from.cred.may_signal(&to.cred) || (sig == Some(SIGCONT) && from.sid == to.sid))
}

impl ProcTable {
    /// The slots `pid` names for a kill by the process in `slot`.
    fn kill_targets(&self, slot: usize, me: &Proc, pid: i32) -> Vec<usize> {
        match pid {
            p if p > 0 => self.kill_target(slot, me, p as u32).into_iter().collect(),
            0 => self.iter().filter(|(_, p)| p.pgid == me.pgid && p.is_user()).map(|(s, _)| s).collect(),
            -1 => self.iter().filter(|(s, p)| *s != slot && p.is_user() && p.ep != INIT).map(|(s, _)| s).collect(),
            i32::MIN => Vec::new(),
            p => self.iter().filter(|(_, q)| q.pgid == p.unsigned_abs() && q.is_user()).map(|(s, _)| s).collect(),
        }
    }

    /// The one slot a positive `pid` names: the caller's own without a
    /// search (`raise`), else the process with that pid.
    fn kill_target(&self, slot: usize, me: &Proc, pid: u32) -> Option<usize> {
        if me.pid == pid {
            Some(slot)
        } else {
            self.by_pid(pid)
        }
    }

    /// `kill(pid, sig)` by the process in `slot` (see the module notes);
    /// `sig` `None` is signal 0.
    pub fn kill(&mut self, slot: usize, pid: i32, sig: Option<Signal>, fx: &mut Effects) -> Result<(), Errno> {
        let me = self.get(slot).ok_or(ESRCH)?;
        let info = SigInfo { code: code::SI_USER, pid: me.pid, uid: me.cred.ruid, addr: 0, status: 0 };
        // One process (the common case, and a raise): no list to build.
        if pid > 0 {
            let t = self.kill_target(slot, me, pid as u32).ok_or(ESRCH)?;
            if !self.get(t).is_some_and(|to| may_signal(me, to, sig)) {
                return Err(EPERM);
            }
            if let Some(sig) = sig {
                self.send(t, sig, info, fx);
            }
            return Ok(());
        }
        let targets = self.kill_targets(slot, me, pid);
        if targets.is_empty() {
            return Err(ESRCH);
        }
        let allowed: Vec<usize> = targets.into_iter().filter(|&t| self.get(t).is_some_and(|to| may_signal(me, to, sig))).collect();
        if allowed.is_empty() {
            return Err(EPERM);
        }
        if let Some(sig) = sig {
            for t in allowed {
                self.send(t, sig, info, fx);
            }
        }
        Ok(())
    }
}
