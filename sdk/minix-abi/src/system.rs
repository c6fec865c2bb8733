// SPDX-License-Identifier: BSD-2-Clause
//! The system's processes, their scheduling priorities, and who calls whom.
//!
//! seL4 5.0 (without MCS) takes the IPC fastpath for `Call` only when the
//! callee's priority is at least the caller's, and for `ReplyRecv` only when
//! the caller being answered has at least the replier's priority
//! (`src/fastpath/fastpath.c`). Both hold for a call and its reply exactly
//! when the two threads have the same priority. A slowpath round trip costs
//! about twice the fastpath one, so every process on a hot path runs at
//! [`SYSTEM_PRIO`]: PM, VM, VFS, FS and all user processes. Priority then no
//! longer orders servers above users; seL4's round-robin among equals and
//! the fact that servers block in `Recv` whenever they are idle keep the
//! system responsive, as they did in MINIX for servers at user priority.
//!
//! The root task sets every priority from this table; a host test checks
//! the fastpath rule over [`CALLS`].
use crate::endpoint::{Endpoint, FS, PM, VFS, VM};

/// The one priority of every process on a hot path.
pub const SYSTEM_PRIO: u8 = 100;

/// A kind of process in the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Pm,
    Vm,
    Vfs,
    Fs,
    /// init and every process forked from it.
    User,
    /// Root-task benchmark threads (echo, fault toucher): they stand in for
    /// a server and a user, so they must sit at the same priority.
    Bench,
}

#[derive(Clone, Copy, Debug)]
pub struct Process {
    pub role: Role,
    pub name: &'static str,
    /// Fixed endpoint, for servers.
    pub endpoint: Option<Endpoint>,
    pub priority: u8,
}

pub const PROCESSES: &[Process] = &[
    Process { role: Role::Pm, name: "pm", endpoint: Some(PM), priority: SYSTEM_PRIO },
    Process { role: Role::Vm, name: "vm", endpoint: Some(VM), priority: SYSTEM_PRIO },
    Process { role: Role::Vfs, name: "vfs", endpoint: Some(VFS), priority: SYSTEM_PRIO },
    Process { role: Role::Fs, name: "fs", endpoint: Some(FS), priority: SYSTEM_PRIO },
    Process { role: Role::User, name: "user", endpoint: None, priority: SYSTEM_PRIO },
    Process { role: Role::Bench, name: "bench", endpoint: None, priority: SYSTEM_PRIO },
];

/// Whether a call is made on a hot path (every request of a running
/// program) or only at boot, fork, exit and such, where it may carry caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    Hot,
    Cold,
}

/// Every (caller, callee) pair of the system and how hot it is.
pub const CALLS: &[(Role, Role, Path)] = &[
    (Role::User, Role::Pm, Path::Hot),
    (Role::User, Role::Vm, Path::Hot),
    (Role::User, Role::Vfs, Path::Hot),
    (Role::Vfs, Role::Fs, Path::Hot),
    (Role::Vfs, Role::Vm, Path::Hot),
    (Role::Fs, Role::Vm, Path::Hot),
    (Role::User, Role::Bench, Path::Hot),
    // PM's calls to VM carry caps (SPAWN, FORK, ADOPT): never fastpath,
    // and kept off every hot path.
    (Role::Pm, Role::Vm, Path::Cold),
    (Role::Pm, Role::Fs, Path::Cold),
    (Role::Vm, Role::Pm, Path::Cold),
    (Role::Vfs, Role::Pm, Path::Cold),
    (Role::Fs, Role::Pm, Path::Cold),
];

/// The priority of a role.
pub fn priority(role: Role) -> u8 {
    PROCESSES.iter().find(|p| p.role == role).map(|p| p.priority).unwrap_or(0)
}

/// seL4 5.0's fastpath conditions for a Call from `caller` to `callee` and
/// the ReplyRecv that answers it.
pub const fn fastpath_both_ways(caller: u8, callee: u8) -> bool {
    let call = callee >= caller;
    let reply = caller >= callee;
    call && reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_takes_the_fastpath_both_ways() {
        for &(a, b, _) in CALLS {
            assert!(fastpath_both_ways(priority(a), priority(b)), "{:?} -> {:?} leaves the fastpath", a, b);
        }
    }

    #[test]
    fn every_role_has_one_entry() {
        for p in PROCESSES {
            assert_eq!(PROCESSES.iter().filter(|q| q.role == p.role).count(), 1);
            assert!(p.priority > 0);
        }
    }

    #[test]
    fn the_rule_catches_a_gap() {
        assert!(!fastpath_both_ways(100, 101));
        assert!(!fastpath_both_ways(101, 100));
    }
}
