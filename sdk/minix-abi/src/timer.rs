// SPDX-License-Identifier: BSD-2-Clause
//! The timer driver's protocol (`drivers/timer`): sleeping, setting the
//! realtime clock, and the driver's counters. Reading the clock needs no
//! message at all: every user process reads the shared clock page
//! ([`crate::clock`]).
//!
//! Every word of these calls fits in 32 bits, so the protocol is the same
//! on a 32-bit port: a 64-bit count of seconds travels as two words (low
//! half first), a duration as seconds (at most `u32::MAX`) plus
//! nanoseconds.
//!
//! | call | MR0 | MR1 | MR2 | MR3 | reply status |
//! |---|---|---|---|---|---|
//! | `SLEEP` 0x601 | seconds (≤ `u32::MAX`) | nanoseconds (< 10^9) | | | 0, once the duration has passed on the monotonic clock |
//! | `SETTIME` 0x602 | seconds since the epoch, low 32 bits | high 32 bits (the whole a non-negative `i64` ≤ [`MAX_SETTIME_SECS`]) | nanoseconds (< 10^9) | | 0 |
//! | `ALARM` 0x603 (PM and VFS only) | a monotonic deadline in ns, low 32 bits | high 32 bits (0 in both: cancel) | | | 0, at once; the caller's alarm notification is signalled once the monotonic clock reaches the deadline |
//! | `STATS` 0x610 | | | | | sleepers waiting; MR1 interrupts taken, MR2 sleepers woken, MR3 the TSC frequency in kHz |
//!
//! **Errors.** Unknown call `ENOSYS`; a word out of its range (seconds
//! above 32 bits, nanoseconds ≥ 10^9, a realtime before the epoch or
//! past [`MAX_SETTIME_SECS`]) or too few words `EINVAL`; a sender that is
//! not a process `EPERM`; `ALARM` from anyone but an alarm client
//! ([`ALARM_CLIENTS`]) `EPERM`.
//!
//! **A sleeper** waits on a reply cap the driver saved, one per process
//! (a process can only be in one call at a time), so the driver's table
//! is bounded by PM's process table; a sleeper that dies is forgotten (its
//! reply cap is gone and its entry goes to the next process of its slot).
//!
//! **An alarm** is for servers that keep timeouts of their own (PM's
//! `alarm` and `setitimer`, VFS's `poll`): each holds at most one
//! deadline in the driver, which a new `ALARM` replaces, and the driver
//! answers at once; when the deadline comes it signals the notification
//! the root task gave it for that client (`cspace::timer::PM_ALARM`,
//! `VFS_ALARM`) and forgets the deadline. The client then reads the
//! clock page itself, does what is due and asks for its next deadline.
//! Nothing waits on the driver, and the driver waits on nobody (a signal
//! never blocks).
use crate::endpoint::{Endpoint, PM, VFS};
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::word::{at_most, u32_of};

pub const BASE: u64 = 0x600;
pub const SLEEP: u64 = BASE + 1;
pub const SETTIME: u64 = BASE + 2;
pub const ALARM: u64 = BASE + 3;
pub const STATS: u64 = BASE + 0x10;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[SLEEP, SETTIME, ALARM, STATS];

/// The servers that may set an alarm, by client number: the client
/// number picks the notification the driver signals
/// (`cspace::timer::ALARM_NTFN_BASE` + client).
pub const ALARM_CLIENTS: [Endpoint; 2] = [PM, VFS];

/// `who`'s alarm client number, if it is one.
pub fn alarm_client(who: Endpoint) -> Option<usize> {
    ALARM_CLIENTS.iter().position(|&c| c == who)
}

pub const NSEC_PER_SEC: u64 = 1_000_000_000;
/// The latest realtime `SETTIME` accepts: the clock counts nanoseconds
/// since the epoch in a signed 64-bit number (until the year 2262).
pub const MAX_SETTIME_SECS: u64 = i64::MAX as u64 / NSEC_PER_SEC - 1;

/// A duration or time of day as seconds and nanoseconds below 10^9.
#[derive(Copy, Clone, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub struct Timespec {
    pub sec: u64,
    pub nsec: u32,
}

impl Timespec {
    /// `EINVAL` unless `nsec` < 10^9.
    pub fn new(sec: u64, nsec: u64) -> Result<Timespec, Errno> {
        if nsec >= NSEC_PER_SEC {
            return Err(EINVAL);
        }
        Ok(Timespec { sec, nsec: nsec as u32 })
    }

    /// Nanoseconds in all (saturating at `u64::MAX`).
    #[inline]
    pub fn as_nanos(&self) -> u64 {
        self.sec.saturating_mul(NSEC_PER_SEC).saturating_add(self.nsec as u64)
    }

    #[inline]
    pub fn from_nanos(ns: u64) -> Timespec {
        Timespec { sec: ns / NSEC_PER_SEC, nsec: (ns % NSEC_PER_SEC) as u32 }
    }
}

/// A request to the timer driver, decoded by type.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    /// Sleep for the duration, relative to now.
    Sleep(Timespec),
    /// Set the realtime clock (seconds since the epoch).
    SetTime(Timespec),
    /// Signal the caller's alarm notification at this monotonic time
    /// (ns, not 0); `None` cancels the caller's alarm.
    Alarm(Option<u64>),
    Stats,
}

impl Request {
    /// Total: a request, `ENOSYS` for a call number not in [`CALLS`], or
    /// `EINVAL`.
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        let w = r.words;
        match r.call {
            SLEEP => {
                need_words(r, 2)?;
                Ok(Request::Sleep(Timespec::new(u32_of(w[0])? as u64, w[1])?))
            }
            SETTIME => {
                need_words(r, 3)?;
                let sec = (u32_of(w[1])? as u64) << 32 | u32_of(w[0])? as u64;
                Ok(Request::SetTime(Timespec::new(at_most(sec, MAX_SETTIME_SECS)?, w[2])?))
            }
            ALARM => {
                need_words(r, 2)?;
                let at = (u32_of(w[1])? as u64) << 32 | u32_of(w[0])? as u64;
                Ok(Request::Alarm((at != 0).then_some(at)))
            }
            STATS => Ok(Request::Stats),
            _ => Err(ENOSYS),
        }
    }

    /// Call number, words and word count. A sleep longer than `u32::MAX`
    /// seconds is not a request: [`Request::sleep`] clamps it first.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            Request::Sleep(t) => (SLEEP, [t.sec & 0xffff_ffff, t.nsec as u64, 0, 0], 2),
            Request::SetTime(t) => (SETTIME, [t.sec & 0xffff_ffff, t.sec >> 32, t.nsec as u64, 0], 3),
            Request::Alarm(at) => {
                let at = at.unwrap_or(0);
                (ALARM, [at & 0xffff_ffff, at >> 32, 0, 0], 2)
            }
            Request::Stats => (STATS, [0; 4], 0),
        }
    }

    /// A sleep of `t`, at most `u32::MAX` seconds (136 years): a longer
    /// one sleeps that long.
    pub fn sleep(t: Timespec) -> Request {
        if t.sec > u32::MAX as u64 {
            Request::Sleep(Timespec { sec: u32::MAX as u64, nsec: NSEC_PER_SEC as u32 - 1 })
        } else {
            Request::Sleep(t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::EINVAL;

    fn raw(call: u64, words: [u64; 4], len: u64) -> RawRequest {
        RawRequest { call, words, len }
    }

    #[test]
    fn requests_round_trip() {
        let reqs = [
            Request::Sleep(Timespec { sec: 0, nsec: 100_000_000 }),
            Request::Sleep(Timespec { sec: u32::MAX as u64, nsec: 999_999_999 }),
            Request::SetTime(Timespec { sec: 1_750_000_000, nsec: 5 }),
            Request::SetTime(Timespec { sec: MAX_SETTIME_SECS, nsec: 0 }),
            Request::Alarm(Some(1)),
            Request::Alarm(Some(u64::MAX)),
            Request::Alarm(Some(5 << 32 | 7)),
            Request::Alarm(None),
            Request::Stats,
        ];
        for r in reqs {
            let (c, w, l) = r.encode();
            assert_eq!(Request::decode(&raw(c, w, l)), Ok(r));
            // Every word fits a 32-bit register.
            assert!(w.iter().all(|&x| x <= u32::MAX as u64), "{:?}", r);
        }
    }

    #[test]
    fn bad_words_are_einval() {
        assert_eq!(Request::decode(&raw(SLEEP, [1 << 32, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SLEEP, [0, NSEC_PER_SEC, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SLEEP, [0, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SLEEP, [0, 0, 0, 0], 5)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETTIME, [0, 1 << 31, 0, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETTIME, [0, 1 << 32, 0, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETTIME, [1 << 32, 0, 0, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETTIME, [0, 0, NSEC_PER_SEC, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(BASE + 4, [0; 4], 0)), Err(ENOSYS));
        // An alarm's deadline is two 32-bit halves, both sent.
        assert_eq!(Request::decode(&raw(ALARM, [1 << 32, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(ALARM, [0, 1 << 32, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(ALARM, [5, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(ALARM, [0, 0, 0, 0], 2)), Ok(Request::Alarm(None)));
        assert_eq!(Request::decode(&raw(ALARM, [0, 1, 0, 0], 2)), Ok(Request::Alarm(Some(1 << 32))));
    }

    #[test]
    fn only_pm_and_vfs_are_alarm_clients() {
        assert_eq!(alarm_client(PM), Some(0));
        assert_eq!(alarm_client(VFS), Some(1));
        for ep in [crate::endpoint::VM, crate::endpoint::FS, crate::endpoint::INIT, Endpoint::new(PM.slot() as u16, 2)] {
            assert_eq!(alarm_client(ep), None, "{ep:?}");
        }
    }

    #[test]
    fn long_sleeps_are_clamped_and_nanos_saturate() {
        let r = Request::sleep(Timespec { sec: u64::MAX, nsec: 0 });
        let (c, w, l) = r.encode();
        assert_eq!(Request::decode(&raw(c, w, l)), Ok(r));
        assert_eq!(Timespec { sec: u64::MAX, nsec: 1 }.as_nanos(), u64::MAX);
        assert_eq!(Timespec::from_nanos(1_500_000_000), Timespec { sec: 1, nsec: 500_000_000 });
    }
}
