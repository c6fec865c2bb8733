// SPDX-License-Identifier: BSD-2-Clause
//! A process's `alarm`: when SIGALRM is due. Time is the glue's (the
//! timer driver's monotonic clock, in nanoseconds); this only keeps the
//! deadline and does the rounding POSIX asks for. A forked child has no
//! alarm; exec keeps it (POSIX).
//!
//! The glue sets a timer for [`ProcTable::next_alarm`] and, when it
//! fires, calls [`ProcTable::fire_alarms`].
extern crate alloc;
use crate::effects::Effects;
use crate::proctab::ProcTable;
use minix_abi::errno::{Errno, ESRCH};
use minix_abi::signal::{code, SigInfo, SIGALRM};

const NS_PER_SEC: u64 = 1_000_000_000;

#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Alarm {
    deadline_ns: Option<u64>,
}

impl Alarm {
    /// `alarm(seconds)` at `now_ns`: replaces any earlier alarm (0 only
    /// cancels it) and returns the seconds that one had left, rounded up
    /// so that a pending alarm never reads as 0.
    pub fn set(&mut self, now_ns: u64, seconds: u32) -> u32 {
        let left = self.remaining(now_ns);
        self.deadline_ns = (seconds != 0).then(|| now_ns.saturating_add(seconds as u64 * NS_PER_SEC));
        left
    }

    /// Seconds left, rounded up; 0 without an alarm.
    pub fn remaining(&self, now_ns: u64) -> u32 {
        match self.deadline_ns {
            Some(d) if d > now_ns => (d - now_ns).div_ceil(NS_PER_SEC).min(u32::MAX as u64) as u32,
            // Due but not yet taken: still one (it has not fired).
            Some(_) => 1,
            None => 0,
        }
    }

    pub fn deadline(&self) -> Option<u64> {
        self.deadline_ns
    }

    /// Whether the alarm is due at `now_ns`; a due alarm is taken (it
    /// fires once).
    pub fn take_due(&mut self, now_ns: u64) -> bool {
        match self.deadline_ns {
            Some(d) if d <= now_ns => {
                self.deadline_ns = None;
                true
            }
            _ => false,
        }
    }
}

impl ProcTable {
    /// `alarm(seconds)` by the process in `slot` at `now_ns`.
    pub fn alarm(&mut self, slot: usize, now_ns: u64, seconds: u32) -> Result<u32, Errno> {
        Ok(self.get_mut(slot).ok_or(ESRCH)?.alarm.set(now_ns, seconds))
    }

    /// The earliest alarm deadline of any live process.
    pub fn next_alarm(&self) -> Option<u64> {
        self.iter().filter(|(_, p)| p.is_alive()).filter_map(|(_, p)| p.alarm.deadline()).min()
    }

    /// Sends SIGALRM to every live process whose alarm is due at `now_ns`.
    pub fn fire_alarms(&mut self, now_ns: u64, fx: &mut Effects) {
        let due: alloc::vec::Vec<usize> =
            self.iter().filter(|(_, p)| p.is_alive() && p.alarm.deadline().is_some_and(|d| d <= now_ns)).map(|(s, _)| s).collect();
        for s in due {
            if let Some(p) = self.get_mut(s) {
                p.alarm.take_due(now_ns);
            }
            self.send(s, SIGALRM, SigInfo { code: code::SI_KERNEL, ..SigInfo::default() }, fx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replace_cancel_fire() {
        let mut a = Alarm::default();
        assert_eq!(a.set(0, 5), 0);
        assert_eq!(a.remaining(NS_PER_SEC / 2), 5);
        assert_eq!(a.remaining(4 * NS_PER_SEC + 1), 1);
        assert_eq!(a.set(2 * NS_PER_SEC, 10), 3);
        assert_eq!(a.deadline(), Some(12 * NS_PER_SEC));
        assert!(!a.take_due(12 * NS_PER_SEC - 1));
        assert!(a.take_due(12 * NS_PER_SEC));
        assert!(!a.take_due(13 * NS_PER_SEC));
        assert_eq!(a.set(13 * NS_PER_SEC, 0), 0);
        a.set(0, 1);
        assert_eq!(a.set(0, 0), 1);
        assert_eq!(a.deadline(), None);
        a.set(u64::MAX - 1, u32::MAX);
        assert_eq!(a.deadline(), Some(u64::MAX));
    }
}
