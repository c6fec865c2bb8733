// SPDX-License-Identifier: BSD-2-Clause
//! A process's real-time interval timer (POSIX's `ITIMER_REAL`), which
//! `alarm` and `setitimer`/`getitimer` share: when SIGALRM is due, and
//! for a periodic timer, how often. Time is the glue's (the monotonic
//! clock of the clock page, in nanoseconds); this only keeps the deadline
//! and does the rounding POSIX asks for. A forked child has no alarm;
//! exec keeps it (POSIX); an exit clears it.
//!
//! The glue asks the timer driver to signal it at
//! [`ProcTable::next_alarm`] and, when it does, calls
//! [`ProcTable::fire_alarms`] with the clock's reading, then asks for the
//! next deadline.
extern crate alloc;
use crate::effects::Effects;
use crate::proctab::ProcTable;
use minix_abi::errno::{Errno, ESRCH};
use minix_abi::pm::{Itimerval, Timeval};
use minix_abi::signal::{code, SigInfo, SIGALRM};

const NS_PER_SEC: u64 = 1_000_000_000;

/// The shortest period a timer repeats with: a shorter interval is
/// rounded up to it (POSIX lets an implementation round up to its
/// resolution). Each expiry costs PM a signal from the driver and a
/// pass over the table, so without a floor one process could keep PM
/// busy with nothing but its timer.
pub const MIN_INTERVAL_NS: u64 = 1_000_000;

#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Alarm {
    deadline_ns: Option<u64>,
    /// The period after each expiry; 0 fires once.
    interval_ns: u64,
}

impl Alarm {
    /// `alarm(seconds)` at `now_ns`: replaces any earlier alarm (0 only
    /// cancels it) and returns the seconds that one had left, rounded up
    /// so that a pending alarm never reads as 0.
    pub fn set(&mut self, now_ns: u64, seconds: u32) -> u32 {
        let left = self.remaining(now_ns);
        self.deadline_ns = (seconds != 0).then(|| now_ns.saturating_add(seconds as u64 * NS_PER_SEC));
        // alarm() sets a one-shot timer, whatever was set before.
        self.interval_ns = 0;
        left
    }

    /// `getitimer` at `now_ns`: the time to the next expiry (rounded up to
    /// a microsecond; one that is due but not yet taken reads as 1 µs, as
    /// on Linux, so that a pending timer never reads as disarmed) and the
    /// period.
    pub fn get(&self, now_ns: u64) -> Itimerval {
        let value = match self.deadline_ns {
            Some(d) => Timeval::from_nanos_up(d.saturating_sub(now_ns).max(1)),
            None => Timeval::ZERO,
        };
        Itimerval { value, interval: Timeval::from_nanos_up(self.interval_ns) }
    }

    /// `setitimer` at `now_ns`: a value of zero disarms the timer (and
    /// forgets the interval); otherwise it expires after the value and
    /// then every interval (at least [`MIN_INTERVAL_NS`]), or once with a
    /// zero interval. Answers the old setting.
    pub fn set_timer(&mut self, now_ns: u64, new: Itimerval) -> Itimerval {
        let old = self.get(now_ns);
        if new.value.is_zero() {
            *self = Alarm::default();
        } else {
            self.deadline_ns = Some(now_ns.saturating_add(new.value.as_nanos()));
            self.interval_ns = if new.interval.is_zero() { 0 } else { new.interval.as_nanos().max(MIN_INTERVAL_NS) };
        }
        old
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

    pub fn interval(&self) -> u64 {
        self.interval_ns
    }

    /// Whether the alarm is due at `now_ns`; a due alarm is taken: a
    /// one-shot one is gone, a periodic one moves to its first period end
    /// after `now_ns` (periods PM was too late for are skipped, as Linux
    /// counts them as overruns of the one signal).
    pub fn take_due(&mut self, now_ns: u64) -> bool {
        match self.deadline_ns {
            Some(d) if d <= now_ns => {
                self.deadline_ns = match self.interval_ns {
                    0 => None,
                    i => {
                        let periods = (now_ns - d) / i + 1;
                        Some(d.saturating_add(periods.saturating_mul(i)))
                    }
                };
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

    /// `setitimer(ITIMER_REAL, new)` by the process in `slot` at
    /// `now_ns`: the old setting.
    pub fn setitimer(&mut self, slot: usize, now_ns: u64, new: Itimerval) -> Result<Itimerval, Errno> {
        Ok(self.get_mut(slot).ok_or(ESRCH)?.alarm.set_timer(now_ns, new))
    }

    /// `getitimer(ITIMER_REAL)` by the process in `slot` at `now_ns`.
    pub fn getitimer(&self, slot: usize, now_ns: u64) -> Result<Itimerval, Errno> {
        Ok(self.get(slot).ok_or(ESRCH)?.alarm.get(now_ns))
    }

    /// The earliest alarm deadline of any live process.
    pub fn next_alarm(&self) -> Option<u64> {
        self.iter().filter(|(_, p)| p.is_alive()).filter_map(|(_, p)| p.alarm.deadline()).min()
    }

    /// Sends SIGALRM to every live process whose alarm is due at `now_ns`
    /// (one signal each, however many periods passed), moving periodic
    /// timers to their next period.
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

    fn tv(sec: u32, usec: u32) -> Timeval {
        Timeval { sec, usec }
    }

    fn itv(value: Timeval, interval: Timeval) -> Itimerval {
        Itimerval { value, interval }
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn setitimer_repeats_and_getitimer_counts_down() {
        let mut a = Alarm::default();
        assert_eq!(a.set_timer(0, itv(tv(0, 250_000), tv(0, 100_000))), Itimerval::default());
        assert_eq!(a.get(50 * MS), itv(tv(0, 200_000), tv(0, 100_000)));
        assert!(!a.take_due(250 * MS - 1));
        // Fires, then every 100 ms from the first deadline, not from
        // when PM got round to it.
        assert!(a.take_due(251 * MS));
        assert_eq!(a.deadline(), Some(350 * MS));
        // PM was late by more than two periods: one signal, next on the
        // period grid after now.
        assert!(a.take_due(599 * MS));
        assert_eq!(a.deadline(), Some(650 * MS));
        // A pending expiry never reads as 0.
        assert_eq!(a.get(700 * MS).value, tv(0, 1));
        // alarm() replaces it with a one-shot timer and answers whole
        // seconds left, rounded up.
        assert_eq!(a.set(700 * MS, 2), 1);
        assert_eq!(a.interval(), 0);
        assert!(a.take_due(2_700 * MS));
        assert_eq!(a.deadline(), None);
        // A zero value disarms; the interval goes with it.
        a.set_timer(0, itv(tv(5, 0), tv(1, 0)));
        assert_eq!(a.set_timer(MS, itv(Timeval::ZERO, tv(3, 0))), itv(tv(4, 999_000), tv(1, 0)));
        assert_eq!(a, Alarm::default());
    }

    #[test]
    fn tiny_intervals_are_rounded_up_and_huge_values_saturate() {
        let mut a = Alarm::default();
        a.set_timer(0, itv(tv(0, 1), tv(0, 1)));
        assert_eq!(a.get(0).interval, tv(0, 1000));
        assert!(a.take_due(MS / 2));
        assert_eq!(a.deadline(), Some(1000 + MIN_INTERVAL_NS));
        let big = tv(u32::MAX, 999_999);
        a.set_timer(u64::MAX - 10, itv(big, big));
        assert_eq!(a.deadline(), Some(u64::MAX));
        // The largest value reads back whole.
        a.set_timer(0, itv(big, big));
        assert_eq!(a.get(0), itv(big, big));
        // Due at the very end of time: taking it cannot overflow.
        a.set_timer(0, itv(tv(1, 0), big));
        assert!(a.take_due(u64::MAX));
        assert_eq!(a.deadline(), Some(u64::MAX));
    }

    #[test]
    fn across_the_table() {
        use crate::proctab::ProcCaps;
        use minix_abi::endpoint::PM;
        let mut t = ProcTable::new(16);
        t.add_at(PM.slot(), PM.slot(), ProcCaps::default());
        // The first user is init, which SIG_DFL signals spare.
        let _init = t.add_user(PM.slot(), ProcCaps::default()).unwrap();
        let a = t.add_user(PM.slot(), ProcCaps::default()).unwrap().slot();
        let b = t.add_user(PM.slot(), ProcCaps::default()).unwrap().slot();
        assert_eq!(t.next_alarm(), None);
        t.setitimer(a, 0, itv(tv(0, 10_000), tv(0, 10_000))).unwrap();
        assert_eq!(t.alarm(b, 0, 1), Ok(0));
        assert_eq!(t.next_alarm(), Some(10 * MS));
        assert_eq!(t.getitimer(b, 0), Ok(itv(tv(1, 0), Timeval::ZERO)));
        let mut fx = Effects::new();
        t.fire_alarms(25 * MS, &mut fx);
        // a got SIGALRM (pending, a delivery to carry out) and runs on.
        assert!(!fx.is_empty());
        assert!(t.get(a).unwrap().sig.pending().contains(SIGALRM));
        assert_eq!(t.next_alarm(), Some(30 * MS));
        // exec keeps the timer (POSIX).
        t.exec(a);
        assert_eq!(t.getitimer(a, 25 * MS), Ok(itv(tv(0, 5_000), tv(0, 10_000))));
        // A fork's child starts without one; an exit clears it.
        let child = t.add_user(b, ProcCaps::default()).unwrap().slot();
        assert_eq!(t.getitimer(child, 0), Ok(Itimerval::default()));
        t.exit(a, 0, PM.slot());
        assert_eq!(t.next_alarm(), Some(1_000 * MS));
        assert_eq!(t.setitimer(99, 0, Itimerval::default()), Err(ESRCH));
        assert_eq!(t.getitimer(99, 0), Err(ESRCH));
    }
}
