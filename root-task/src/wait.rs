// SPDX-License-Identifier: BSD-2-Clause
//! `wait` (POSIX `waitpid`): which children a wait is for, what each has
//! to report, and waking a parent that waits.
//!
//! * pid -1 any child, 0 the children in the caller's process group (as
//!   it is when the call is made), below -1 the children in group -pid,
//!   above 0 that child;
//! * an exit is reported once, reaping the zombie (`code << 8`, or the
//!   signal, `| 0x80` for a core dump);
//! * with `WUNTRACED`, a stop is reported once (`0x7f | signal << 8`);
//! * with `WCONTINUED`, a continue is reported once (`0xffff`);
//! * no matching child at all is `ECHILD`; with `WNOHANG` and nothing to
//!   report the answer is 0, else the caller blocks.
extern crate alloc;
use crate::proctab::{JobChange, Proc, ProcTable, State};
use minix_abi::errno::{Errno, ECHILD, EINVAL};
use minix_abi::pm::{stopped_status, CONTINUED_STATUS, WCONTINUED, WNOHANG, WUNTRACED};

/// Which children a wait is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitFor {
    Any,
    Child(u32),
    Group(u32),
}

impl WaitFor {
    pub fn matches(self, p: &Proc) -> bool {
        match self {
            WaitFor::Any => true,
            WaitFor::Child(pid) => p.pid == pid,
            WaitFor::Group(pgid) => p.pgid == pgid,
        }
    }
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct WaitOptions {
    pub nohang: bool,
    pub untraced: bool,
    pub continued: bool,
}

impl WaitOptions {
    /// From the options word (already checked by the decoder; other bits
    /// are ignored here).
    pub fn from_word(w: u64) -> WaitOptions {
        WaitOptions { nohang: w & WNOHANG != 0, untraced: w & WUNTRACED != 0, continued: w & WCONTINUED != 0 }
    }
}

/// A parent blocked in `wait`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub want: WaitFor,
    pub options: WaitOptions,
}

/// What `wait_for` decided.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitResult {
    /// A zombie child was reaped now (its entry is gone): answer with its
    /// pid and status.
    Reaped { pid: u32, status: u64, slot: usize },
    /// A child's stop or continue: answer with its pid and status; the
    /// child stays.
    Reported { pid: u32, status: u64 },
    /// Nothing to report and WNOHANG: answer 0.
    NotYet,
    /// The caller must block until a child has something to report.
    Block,
}

/// What a child has to report to a wait with `options`.
fn report(c: &Proc, options: WaitOptions) -> Option<u64> {
    match (c.state, c.job.unreported) {
        (State::Zombie { status }, _) => Some(status),
        (State::Alive, Some(JobChange::Stopped(sig))) if options.untraced && c.job.stopped.is_some() => {
            Some(stopped_status(sig.number() as u64))
        }
        (State::Alive, Some(JobChange::Continued)) if options.continued => Some(CONTINUED_STATUS),
        _ => None,
    }
}

impl ProcTable {
    /// `waitpid(pid, options)` by the process in `slot` (see the module
    /// notes). A blocked caller is recorded in its `waiting`.
    pub fn wait_for(&mut self, slot: usize, pid: i64, options: u64) -> Result<WaitResult, Errno> {
        let me = self.get(slot).ok_or(EINVAL)?;
        let want = match pid {
            -1 => WaitFor::Any,
            0 => WaitFor::Group(me.pgid),
            p if p < 0 => WaitFor::Group(u32::try_from(-p).map_err(|_| ECHILD)?),
            p => WaitFor::Child(u32::try_from(p).map_err(|_| ECHILD)?),
        };
        let options = WaitOptions::from_word(options);
        let mut any = false;
        let mut found = None;
        for (s, c) in self.children(slot) {
            if !want.matches(c) {
                continue;
            }
            any = true;
            if let Some(status) = report(c, options) {
                found = Some((s, c.pid, status, c.is_alive()));
                break;
            }
        }
        match found {
            Some((s, cpid, status, false)) => {
                self.reap(s);
                return Ok(WaitResult::Reaped { pid: cpid, status, slot: s });
            }
            Some((s, cpid, status, true)) => {
                if let Some(c) = self.get_mut(s) {
                    c.job.unreported = None;
                }
                return Ok(WaitResult::Reported { pid: cpid, status });
            }
            None => {}
        }
        if !any {
            return Err(ECHILD);
        }
        if options.nohang {
            return Ok(WaitResult::NotYet);
        }
        if let Some(p) = self.get_mut(slot) {
            p.waiting = Some(Waiting { want, options });
        }
        Ok(WaitResult::Block)
    }

    /// If the process in `parent` waits and one of `candidates` is its
    /// child with something to report to that wait, the wait ends: a
    /// zombie is reaped, a stop or continue marked reported. Returns
    /// (parent, pid, status) to answer.
    pub(crate) fn reap_for_waiter(&mut self, parent: usize, candidates: &[usize]) -> Option<(usize, u32, u64)> {
        let w = self.get(parent)?.waiting?;
        let (s, pid, status, alive) = candidates.iter().find_map(|&s| {
            let c = self.get(s).filter(|c| c.parent == parent && s != parent && w.want.matches(c))?;
            report(c, w.options).map(|st| (s, c.pid, st, c.is_alive()))
        })?;
        if alive {
            if let Some(c) = self.get_mut(s) {
                c.job.unreported = None;
            }
        } else {
            self.reap(s);
        }
        if let Some(p) = self.get_mut(parent) {
            p.waiting = None;
        }
        Some((parent, pid, status))
    }
}
