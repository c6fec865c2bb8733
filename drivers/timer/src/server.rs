// SPDX-License-Identifier: BSD-2-Clause
//! The timer driver's request handling: who may ask, when each sleeper
//! wakes, when the PIT must fire next. The glue ([`Hw`]) reads the clock,
//! saves and uses reply caps, programs the PIT and writes the clock page.
//!
//! - A `SLEEP` saves the caller's reply cap and answers nothing now; the
//!   caller is answered once the monotonic clock reaches its deadline
//!   (now + the duration, so never early by the caller's own clock). A
//!   zero duration is answered at once.
//! - The PIT is a one-shot aimed at the earliest deadline (at most about
//!   55 ms ahead; a longer wait takes several shots), re-aimed when a new
//!   sleeper's deadline comes before the shot, and left disarmed when
//!   nobody sleeps: an idle system takes no timer interrupts from it.
//! - On an interrupt, every sleeper whose deadline has passed is
//!   answered, earliest deadline first, and the PIT aimed again.
//! - An `ALARM` (PM and VFS only) sets its client's one deadline and is
//!   answered at once; the PIT is aimed at the earliest of every
//!   sleeper's and alarm's deadline, and when an alarm's comes the
//!   driver signals that client's notification and forgets the deadline.
//!   A deadline already past is signalled at once.
//! - The driver never waits for anyone: it answers through saved reply
//!   caps, which never block, and calls nobody after it reported ready.
use crate::pit;
use crate::sleepers::Sleepers;
use minix_abi::endpoint::Sender;
use minix_abi::errno::{Errno, EPERM};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::timer::{alarm_client, Request, ALARM_CLIENTS};

/// What the driver does to the world.
pub trait Hw {
    /// Monotonic nanoseconds (the clock page's reading).
    fn now(&self) -> u64;
    /// Saves the current caller's reply cap as sleeper `index`'s,
    /// replacing whatever that index held.
    fn save_reply(&mut self, index: usize) -> Result<(), Errno>;
    /// Answers sleeper `index` through its saved reply cap.
    fn wake(&mut self, index: usize, reply: Reply);
    /// Signals alarm client `client`'s notification (never blocks).
    fn signal_alarm(&mut self, client: usize);
    /// Starts a one-shot of `count` PIT counts.
    fn arm(&mut self, count: u16);
    /// Stops the PIT from interrupting.
    fn disarm(&mut self);
    /// Makes realtime read `real_ns` now (writes the clock page).
    fn set_realtime(&mut self, real_ns: u64);
    /// The TSC's frequency in kHz (for `STATS`).
    fn tsc_khz(&self) -> u64;
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub interrupts: u64,
    pub woken: u64,
    /// Alarms signalled.
    pub alarms: u64,
}

#[derive(Default)]
pub struct Timer {
    sleepers: Sleepers,
    /// Each alarm client's deadline (monotonic ns), by client number.
    alarms: [Option<u64>; ALARM_CLIENTS.len()],
    /// The deadline the armed shot serves (monotonic ns): the earliest
    /// sleeper's, or for a shot cut to the PIT's longest, its end.
    armed_until: Option<u64>,
    stats: Stats,
}

impl Timer {
    pub fn new() -> Timer {
        Timer::default()
    }

    pub fn sleepers(&self) -> &Sleepers {
        &self.sleepers
    }

    /// Alarm client `client`'s deadline.
    pub fn alarm(&self, client: usize) -> Option<u64> {
        self.alarms.get(client).copied().flatten()
    }

    pub fn armed_until(&self) -> Option<u64> {
        self.armed_until
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// One request. `None`: the caller waits (its reply cap is saved).
    pub fn request(&mut self, hw: &mut impl Hw, sender: Sender, raw: &RawRequest) -> Option<Reply> {
        let Sender::Process(who) = sender else { return Some(Reply::err(EPERM)) };
        let req = match Request::decode(raw) {
            Ok(r) => r,
            Err(e) => return Some(Reply::err(e)),
        };
        match req {
            Request::Sleep(t) => {
                let ns = t.as_nanos();
                if ns == 0 {
                    return Some(Reply::ok(0));
                }
                let index = match Sleepers::index(who) {
                    Ok(i) => i,
                    Err(e) => return Some(Reply::err(e)),
                };
                if let Err(e) = hw.save_reply(index) {
                    return Some(Reply::err(e));
                }
                let deadline = hw.now().saturating_add(ns);
                if self.sleepers.insert(who, deadline).is_err() {
                    // Not reached: the index was checked above.
                    hw.wake(index, Reply::err(minix_abi::errno::EINVAL));
                    return None;
                }
                self.aim(hw);
                None
            }
            Request::SetTime(t) => {
                hw.set_realtime(t.as_nanos());
                Some(Reply::ok(0))
            }
            Request::Alarm(at) => {
                // Servers with timeouts of their own only: a user's
                // notification would be nobody's to wait on.
                let Some(client) = alarm_client(who) else { return Some(Reply::err(EPERM)) };
                self.alarms[client] = at;
                self.aim(hw);
                Some(Reply::ok(0))
            }
            Request::Stats => Some(Reply::ok_with(self.sleepers.len() as u64, [self.stats.interrupts, self.stats.woken, hw.tsc_khz()])),
        }
    }

    /// The PIT's interrupt: the shot fired.
    pub fn interrupt(&mut self, hw: &mut impl Hw) {
        self.stats.interrupts += 1;
        self.armed_until = None;
        self.aim(hw);
    }

    /// Wakes every sleeper whose deadline has passed and signals every
    /// alarm that is due, then aims the PIT at the next deadline (or
    /// disarms it).
    fn aim(&mut self, hw: &mut impl Hw) {
        let now = hw.now();
        while let Some((index, _)) = self.sleepers.pop_expired(now) {
            hw.wake(index, Reply::ok(0));
            self.stats.woken += 1;
        }
        for (client, at) in self.alarms.iter_mut().enumerate() {
            if at.is_some_and(|d| d <= now) {
                *at = None;
                hw.signal_alarm(client);
                self.stats.alarms += 1;
            }
        }
        let next_alarm = self.alarms.iter().flatten().copied().min();
        let next = match (self.sleepers.next_deadline(), next_alarm) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next {
            None => {
                if self.armed_until.take().is_some() {
                    hw.disarm();
                }
            }
            // The armed shot comes first, or at the deadline: it will do.
            Some(d) if self.armed_until.is_some_and(|a| a <= d) => {}
            Some(d) => {
                let count = pit::count_for(d - now);
                hw.arm(count);
                self.armed_until = Some(if count == pit::MAX_COUNT { now + pit::ns_of(count) } else { d });
            }
        }
    }
}
