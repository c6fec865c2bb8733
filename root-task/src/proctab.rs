// SPDX-License-Identifier: BSD-2-Clause
//! The process table of the process manager (MINIX's PM): slots with
//! generations, pids, parent links, zombies and waiting parents, and each
//! process's group, session, ids, signals, stop state and alarm.
//!
//! Pure bookkeeping, tested on the host; the glue owns the kernel objects
//! (the `caps` word pairs here are opaque cap slots to it). The signal,
//! group and wait rules live in their own modules, as more `impl
//! ProcTable` blocks: [`crate::kill`], [`crate::proc_signals`],
//! [`crate::job_control`], [`crate::pgroups`], [`crate::wait`],
//! [`crate::alarm`].
extern crate alloc;
use crate::alarm::Alarm;
use crate::credentials::Credentials;
use crate::effects::Effects;
use crate::signals::SigState;
use alloc::boxed::Box;
use alloc::vec::Vec;
use minix_abi::endpoint::{self, Endpoint, FIRST_USER_SLOT, INIT};
use minix_abi::errno::{Errno, EAGAIN};
use minix_abi::signal::Signal;

pub use crate::wait::{WaitFor, WaitOptions, Waiting};

/// A process's state.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum State {
    Alive,
    /// Exited, waiting to be reaped by its parent; holds the wait status.
    Zombie {
        status: u64,
    },
}

/// Job control: whether a signal stopped the process, and the change its
/// parent has not been told of through `wait` yet.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Job {
    pub stopped: Option<Signal>,
    pub unreported: Option<JobChange>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum JobChange {
    Stopped(Signal),
    Continued,
}

/// A process-table entry.
#[derive(Clone, Debug)]
pub struct Proc {
    pub ep: Endpoint,
    pub pid: u32,
    /// Slot of the parent (itself for the first processes).
    pub parent: usize,
    pub state: State,
    pub waiting: Option<Waiting>,
    /// Opaque handles the glue keeps per process (cap slots).
    pub caps: ProcCaps,
    /// Process group and session (POSIX job control).
    pub pgid: u32,
    pub sid: u32,
    pub cred: Credentials,
    /// Boxed: a process's signal state is about 1 KiB, and the table has
    /// a slot for every possible process.
    pub sig: Box<SigState>,
    pub job: Job,
    /// The process has exec'd (or was spawned from an image): its parent
    /// may no longer move it to another group.
    pub execed: bool,
    pub alarm: Alarm,
    pub cpu: crate::cputime::CpuTime,
}

impl Proc {
    pub fn is_alive(&self) -> bool {
        self.state == State::Alive
    }
    /// A user process (not one of the system servers).
    pub fn is_user(&self) -> bool {
        !endpoint::is_server(self.ep)
    }
}

/// Kernel objects the glue keeps for a process (slots in the root CNode).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcCaps {
    pub tcb: u64,
    pub cnode: u64,
    pub ipc_frame: u64,
    pub vspace: u64,
    /// Where a saved reply cap for a blocked `wait` lives.
    pub reply: u64,
    /// The saved call's caller runs its handlers itself (its label had
    /// `pm::RUNS_HANDLERS`).
    pub reply_runs_handlers: bool,
}

/// What `wait` decided.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// A zombie child was reaped now: answer with its pid and status.
    Reaped { pid: u32, status: u64, slot: usize },
    /// No child is ready and WNOHANG was given: answer 0.
    NotYet,
    /// The caller must block until a child exits.
    Block,
}

/// What an exit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitOutcome {
    /// The parent was blocked in a matching wait: answer it with this pid
    /// and status now (the zombie is already reaped).
    pub wake_parent: Option<(usize, u32, u64)>,
    /// The rest, after `wake_parent`: SIGCHLD for the parent, the hang-up
    /// of a group the exit orphaned, a waiting reaper given a zombie.
    pub effects: Effects,
}

pub struct ProcTable {
    slots: Vec<Option<Proc>>,
    generations: Vec<u16>,
    next_pid: u32,
}

impl ProcTable {
    pub fn new(nslots: usize) -> ProcTable {
        let generations = alloc::vec![0; nslots];
        let mut slots = Vec::new();
        slots.resize(nslots, None);
        ProcTable { slots, generations, next_pid: 1 }
    }

    pub fn get(&self, slot: usize) -> Option<&Proc> {
        self.slots.get(slot)?.as_ref()
    }

    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Proc> {
        self.slots.get_mut(slot)?.as_mut()
    }

    /// The live entry for an endpoint, if its generation matches.
    pub fn by_ep(&self, ep: Endpoint) -> Option<&Proc> {
        self.get(ep.slot()).filter(|p| p.ep == ep)
    }

    /// The slot of the process (live or zombie) with this pid.
    pub fn by_pid(&self, pid: u32) -> Option<usize> {
        self.iter().find(|(_, p)| p.pid == pid).map(|(s, _)| s)
    }

    /// Every entry, live or zombie, by slot.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Proc)> {
        self.slots.iter().enumerate().filter_map(|(s, p)| p.as_ref().map(|p| (s, p)))
    }

    /// Adds a process at a fixed slot (the boot processes). A child of a
    /// user process inherits its group, session, ids, signal actions, mask
    /// and alternate stack (fork); a child of the system (the servers,
    /// init) starts a session of its own, as root.
    pub fn add_at(&mut self, slot: usize, parent: usize, caps: ProcCaps) -> Option<Endpoint> {
        if self.slots.get(slot)?.is_some() {
            return None;
        }
        // Generations have 15 bits in a badge and never reach 0.
        let old = self.generations[slot];
        let gen = if old >= (1 << minix_abi::endpoint::GEN_BITS) - 1 { 1 } else { old + 1 };
        self.generations[slot] = gen;
        let ep = Endpoint::new(slot as u16, gen);
        let pid = self.next_pid;
        self.next_pid += 1;
        let from = self.get(parent).filter(|p| parent != slot && p.is_user());
        let (pgid, sid, cred, sig) = match from {
            Some(p) => (p.pgid, p.sid, p.cred, Box::new(p.sig.fork())),
            None if ep == INIT => (pid, pid, Credentials::ROOT, Box::new(SigState::new_unkillable())),
            None => (pid, pid, Credentials::ROOT, Box::new(SigState::new())),
        };
        self.slots[slot] = Some(Proc {
            ep,
            pid,
            parent,
            state: State::Alive,
            waiting: None,
            caps,
            pgid,
            sid,
            cred,
            sig,
            job: Job::default(),
            execed: false,
            alarm: Alarm::default(),
            cpu: Default::default(),
        });
        Some(ep)
    }

    /// Adds a user process in the first free user slot. `EAGAIN` when the
    /// table is full.
    pub fn add_user(&mut self, parent: usize, caps: ProcCaps) -> Result<Endpoint, Errno> {
        let slot = (FIRST_USER_SLOT..self.slots.len()).find(|&s| self.slots[s].is_none()).ok_or(EAGAIN)?;
        self.add_at(slot, parent, caps).ok_or(EAGAIN)
    }

    /// Removes an entry entirely (a failed creation or a reaped zombie).
    pub fn remove(&mut self, slot: usize) -> Option<Proc> {
        self.slots.get_mut(slot)?.take()
    }

    /// The process in `slot` runs a new image (exec, or a spawn's child):
    /// caught signals go back to SIG_DFL ([`SigState::exec`]), and its
    /// parent may no longer change its group.
    pub fn exec(&mut self, slot: usize) {
        if let Some(p) = self.get_mut(slot) {
            p.sig.exec();
            p.execed = true;
        }
    }

    pub(crate) fn children(&self, parent: usize) -> impl Iterator<Item = (usize, &Proc)> {
        self.iter().filter(move |(s, p)| p.parent == parent && *s != parent)
    }

    /// `wait(pid, nohang)` by the process in `slot`: [`ProcTable::wait_for`]
    /// without `WUNTRACED` or `WCONTINUED`.
    pub fn wait(&mut self, slot: usize, pid: i64, nohang: bool) -> Result<WaitOutcome, Errno> {
        use crate::wait::WaitResult;
        let options = if nohang { minix_abi::pm::WNOHANG } else { 0 };
        Ok(match self.wait_for(slot, pid, options)? {
            WaitResult::Reaped { pid, status, slot } => WaitOutcome::Reaped { pid, status, slot },
            WaitResult::Block => WaitOutcome::Block,
            // Without WUNTRACED or WCONTINUED nothing is reported but
            // exits, so this arm is never taken.
            WaitResult::NotYet | WaitResult::Reported { .. } => WaitOutcome::NotYet,
        })
    }

    /// The process in `slot` exited with `status`. Its children go to
    /// `reaper` (init), zombies among them are freed if the reaper is
    /// gone. If its parent waits for it, the zombie is reaped at once.
    /// Its parent gets SIGCHLD, and a process group the exit orphans
    /// that has a stopped member is hung up (see [`crate::pgroups`]).
    pub fn exit(&mut self, slot: usize, status: u64, reaper: usize) -> ExitOutcome {
        let mut effects = Effects::new();
        if !self.get(slot).is_some_and(|p| p.is_alive()) {
            return ExitOutcome { wake_parent: None, effects };
        }
        let before = self.orphan_snapshot(slot);
        let Some(p) = self.get_mut(slot) else { return ExitOutcome { wake_parent: None, effects } };
        p.state = State::Zombie { status };
        p.waiting = None;
        p.job = Job::default();
        p.alarm = Alarm::default();
        let (parent, pid, uid) = (p.parent, p.pid, p.cred.ruid);
        let orphans: Vec<usize> = self.children(slot).map(|(s, _)| s).collect();
        for s in &orphans {
            if let Some(c) = self.get_mut(*s) {
                c.parent = reaper;
            }
        }
        let wake_parent = self.reap_for_waiter(parent, &[slot]);
        // A reaper blocked in wait is given a zombie it has just adopted
        // (else it would wait for a child that has already exited).
        if let Some((r, zpid, zstatus)) = self.reap_for_waiter(reaper, &orphans) {
            effects.push(crate::effects::Effect::WakeWaiter { parent: r, pid: zpid, status: zstatus });
        }
        self.hang_up_newly_orphaned(&before, &mut effects);
        if parent != slot {
            self.child_exited(parent, pid, uid, status, &mut effects);
        }
        ExitOutcome { wake_parent, effects }
    }

    /// A new id from the pid counter (threads' ids come from it too, so a
    /// thread id never names a process).
    pub fn new_id(&mut self) -> u32 {
        let id = self.next_pid;
        self.next_pid += 1;
        id
    }

    /// Number of live or zombie entries.
    pub fn count(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::errno::ECHILD;

    fn table() -> (ProcTable, usize) {
        let mut t = ProcTable::new(16);
        t.add_at(0, 0, ProcCaps::default()).unwrap();
        let init = t.add_at(4, 0, ProcCaps::default()).unwrap();
        (t, init.slot())
    }

    #[test]
    fn generations_change_on_reuse() {
        let (mut t, init) = table();
        let a = t.add_user(init, ProcCaps::default()).unwrap();
        t.exit(a.slot(), 0, init);
        assert!(matches!(t.wait(init, -1, false), Ok(WaitOutcome::Reaped { .. })));
        let b = t.add_user(init, ProcCaps::default()).unwrap();
        assert_eq!(a.slot(), b.slot());
        assert_ne!(a, b);
        assert!(t.by_ep(a).is_none() && t.by_ep(b).is_some());
    }

    #[test]
    fn wait_before_and_after_exit() {
        let (mut t, init) = table();
        let c = t.add_user(init, ProcCaps::default()).unwrap();
        let cpid = t.by_ep(c).unwrap().pid;
        assert_eq!(t.wait(init, -1, true), Ok(WaitOutcome::NotYet));
        assert_eq!(t.wait(init, -1, false), Ok(WaitOutcome::Block));
        let out = t.exit(c.slot(), 0x300, init);
        assert_eq!(out.wake_parent, Some((init, cpid, 0x300)));
        assert!(t.get(c.slot()).is_none());
        assert_eq!(t.wait(init, -1, false), Err(ECHILD));
        // A zombie waits for its parent.
        let d = t.add_user(init, ProcCaps::default()).unwrap();
        assert_eq!(t.exit(d.slot(), 11, init).wake_parent, None);
        let dpid = t.get(d.slot()).unwrap().pid;
        assert_eq!(t.wait(init, dpid as i64, false), Ok(WaitOutcome::Reaped { pid: dpid, status: 11, slot: d.slot() }));
    }

    #[test]
    fn wait_for_a_specific_pid_and_orphans() {
        let (mut t, init) = table();
        let a = t.add_user(init, ProcCaps::default()).unwrap();
        let b = t.add_user(a.slot(), ProcCaps::default()).unwrap();
        // init is not b's parent.
        let bpid = t.by_ep(b).unwrap().pid;
        assert_eq!(t.wait(init, bpid as i64, false), Err(ECHILD));
        // a exits: b goes to init.
        t.exit(a.slot(), 0, init);
        assert_eq!(t.get(b.slot()).unwrap().parent, init);
        assert_eq!(t.wait(init, bpid as i64, true), Ok(WaitOutcome::NotYet));
    }

    #[test]
    fn table_full() {
        let (mut t, init) = table();
        let mut n = 0;
        while t.add_user(init, ProcCaps::default()).is_ok() {
            n += 1;
        }
        // Users take every slot from the first user slot on; PM and
        // "init" (slot 4, below it) hold two more.
        assert_eq!(n, 16 - FIRST_USER_SLOT);
        assert_eq!(t.add_user(init, ProcCaps::default()), Err(EAGAIN));
        assert_eq!(t.count(), 16 - FIRST_USER_SLOT + 2);
    }
}
