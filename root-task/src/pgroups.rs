// SPDX-License-Identifier: BSD-2-Clause
//! Process groups and sessions (POSIX job control): `setpgid`, `setsid`,
//! `getpgid`, `getsid`, and orphaned process groups.
//!
//! A process group is *orphaned* when no member has a parent in another
//! group of the same session: nobody is left who could continue its
//! stopped members. When an exit makes a group orphaned and the group
//! has a stopped member, every member gets SIGHUP and then SIGCONT
//! (POSIX `_exit`). POSIX asks this of exits only; moving a process to
//! another group or session can orphan a group in the same way (the
//! process was the group's link to its session), so PM checks after
//! `setpgid` and `setsid` too.
extern crate alloc;
use crate::effects::Effects;
use crate::proctab::ProcTable;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EACCES, EPERM, ESRCH};
use minix_abi::signal::{code, SigInfo, SIGCONT, SIGHUP};

impl ProcTable {
    /// The slot a pid argument names for the caller in `slot`: 0 is the
    /// caller itself.
    fn pid_arg(&self, slot: usize, pid: u32) -> Result<usize, Errno> {
        match pid {
            0 => self.get(slot).map(|_| slot).ok_or(ESRCH),
            p => self.by_pid(p).ok_or(ESRCH),
        }
    }

    /// `getpgid(pid)`: `ESRCH` if there is no such process.
    pub fn getpgid(&self, slot: usize, pid: u32) -> Result<u32, Errno> {
        Ok(self.get(self.pid_arg(slot, pid)?).ok_or(ESRCH)?.pgid)
    }

    /// `getsid(pid)`: `ESRCH` if there is no such process.
    pub fn getsid(&self, slot: usize, pid: u32) -> Result<u32, Errno> {
        Ok(self.get(self.pid_arg(slot, pid)?).ok_or(ESRCH)?.sid)
    }

    /// `setpgid(pid, pgid)` by the process in `slot`; `pgid` 0 means the
    /// target's pid. Errors, in Linux's order:
    /// * `ESRCH`: the target is neither the caller nor a live child of it;
    /// * `EPERM`: the target is a child in another session;
    /// * `EACCES`: the target is a child that has exec'd;
    /// * `EPERM`: the target leads its session, or `pgid` is not its pid
    ///   and no group `pgid` exists in the caller's session.
    pub fn setpgid(&mut self, slot: usize, pid: u32, pgid: u32, fx: &mut Effects) -> Result<(), Errno> {
        let me = self.get(slot).ok_or(ESRCH)?;
        let target = self.pid_arg(slot, pid)?;
        let t = self.get(target).filter(|t| t.is_alive()).ok_or(ESRCH)?;
        if target != slot {
            if t.parent != slot {
                return Err(ESRCH);
            }
            if t.sid != me.sid {
                return Err(EPERM);
            }
            if t.execed {
                return Err(EACCES);
            }
        }
        let pgid = if pgid == 0 { t.pid } else { pgid };
        if t.sid == t.pid {
            return Err(EPERM);
        }
        if pgid != t.pid && !self.iter().any(|(_, p)| p.pgid == pgid && p.sid == me.sid) {
            return Err(EPERM);
        }
        let before = self.orphan_snapshot(target);
        if let Some(t) = self.get_mut(target) {
            t.pgid = pgid;
        }
        self.hang_up_newly_orphaned(&before, fx);
        Ok(())
    }

    /// `setsid` by the process in `slot`: a new session and group, both
    /// with its pid, which it leads. `EPERM` if some process's group
    /// already has that id (it leads a group).
    pub fn setsid(&mut self, slot: usize, fx: &mut Effects) -> Result<u32, Errno> {
        let pid = self.get(slot).ok_or(ESRCH)?.pid;
        if self.iter().any(|(_, p)| p.pgid == pid) {
            return Err(EPERM);
        }
        let before = self.orphan_snapshot(slot);
        if let Some(p) = self.get_mut(slot) {
            p.sid = pid;
            p.pgid = pid;
        }
        self.hang_up_newly_orphaned(&before, fx);
        Ok(pid)
    }

    /// The live members of a group.
    pub fn group_members(&self, pgid: u32) -> Vec<usize> {
        self.iter().filter(|(_, p)| p.pgid == pgid && p.is_alive()).map(|(s, _)| s).collect()
    }

    /// Whether group `pgid` is orphaned (see the module notes). A group
    /// with no live member is.
    pub fn is_orphaned(&self, pgid: u32) -> bool {
        !self.iter().any(|(s, m)| {
            m.pgid == pgid
                && m.is_alive()
                && m.parent != s
                && self.get(m.parent).is_some_and(|p| p.is_alive() && p.pgid != pgid && p.sid == m.sid)
        })
    }

    /// The groups a change to the process in `slot` (an exit, a move)
    /// can orphan, its own and its children's, each with whether it is
    /// orphaned now.
    pub(crate) fn orphan_snapshot(&self, slot: usize) -> Vec<(u32, bool)> {
        let mut groups: Vec<u32> = self.get(slot).map(|p| p.pgid).into_iter().collect();
        groups.extend(self.children(slot).filter(|(_, c)| c.is_alive()).map(|(_, c)| c.pgid));
        groups.sort_unstable();
        groups.dedup();
        groups.into_iter().map(|g| (g, self.is_orphaned(g))).collect()
    }

    /// After the change: every group of `before` that was not orphaned
    /// and is now, with a stopped member, is hung up: SIGHUP then SIGCONT
    /// to each member.
    pub(crate) fn hang_up_newly_orphaned(&mut self, before: &[(u32, bool)], fx: &mut Effects) {
        let info = SigInfo { code: code::SI_KERNEL, ..SigInfo::default() };
        for &(g, was) in before {
            if was || !self.is_orphaned(g) {
                continue;
            }
            let members = self.group_members(g);
            if !members.iter().any(|&s| self.get(s).is_some_and(|p| p.job.stopped.is_some())) {
                continue;
            }
            for s in members {
                self.send(s, SIGHUP, info, fx);
                self.send(s, SIGCONT, info, fx);
            }
        }
    }
}
