// SPDX-License-Identifier: BSD-2-Clause
//! Time: `clock_gettime`, `gettimeofday` and `time` read the shared clock
//! page and the TSC, with no message (`minix_abi::clock`); `nanosleep`
//! and `clock_settime` are calls to the timer driver
//! (`minix_abi::timer`); `alarm`, `setitimer` and `getitimer` are calls
//! to PM, which sends SIGALRM when the process's timer expires.
//!
//! Only user processes have the clock page at `CLOCK_PAGE` (VM maps it at
//! spawn and fork); a server calling these would fault. The servers that
//! read the time (PM, VFS) have the root task map it elsewhere and read
//! it through a [`ClockPage`] of their own.
use core::sync::atomic::Ordering;
use minix_abi::clock::{self, Params, Words};
use minix_abi::cspace;
use minix_abi::errno::{Errno, EINVAL, ENOSYS};
pub use minix_abi::timer::Timespec;
use minix_abi::timer::{self, Request};

/// NetBSD's (and so MINIX's) clock ids.
pub const CLOCK_REALTIME: u32 = 0;
pub const CLOCK_MONOTONIC: u32 = 3;

/// A read-only mapping of the clock page.
pub struct ClockPage(sel4::SharedWords);

impl ClockPage {
    /// The page through `words`, which must be [`clock::WORDS`] words of
    /// a mapping of the clock page.
    pub const fn new(words: sel4::SharedWords) -> ClockPage {
        ClockPage(words)
    }

    /// Monotonic nanoseconds; `ENOSYS` until the timer driver has
    /// published the page.
    #[inline]
    pub fn monotonic_ns(&self) -> Result<u64, Errno> {
        let p = clock::read(self).ok_or(ENOSYS)?;
        Ok(p.mono_ns(sel4::rdtsc()))
    }

    /// Realtime nanoseconds since the epoch (negative before it);
    /// `ENOSYS` until published.
    pub fn realtime_ns(&self) -> Result<i64, Errno> {
        let p = clock::read(self).ok_or(ENOSYS)?;
        Ok(p.real_ns(p.mono_ns(sel4::rdtsc())))
    }
}

impl Words for ClockPage {
    #[inline]
    fn load(&self, i: usize, o: Ordering) -> u64 {
        self.0.load(i, o)
    }
    fn store(&self, _: usize, _: u64, _: Ordering) {
        // A user's mapping is read-only; the driver is the one writer.
    }
}

// SAFETY: VM maps the clock frame read-only at CLOCK_PAGE (page-aligned)
// in every user process at spawn and fork and pins it with the IPC
// buffer, so it stays mapped for the process's life; the timer driver
// writes it only with aligned atomic stores, and this module only loads.
const PAGE: ClockPage = ClockPage(unsafe { sel4::SharedWords::new(cspace::addr::CLOCK_PAGE, clock::WORDS, false) });

#[inline]
fn params() -> Result<Params, Errno> {
    clock::read(&PAGE).ok_or(ENOSYS)
}

/// Monotonic nanoseconds.
#[inline]
pub fn monotonic_ns() -> Result<u64, Errno> {
    PAGE.monotonic_ns()
}

/// `clock_gettime`: `CLOCK_MONOTONIC` (time since the machine started)
/// or `CLOCK_REALTIME` (since the epoch); `EINVAL` for any other clock.
#[inline]
pub fn clock_gettime(clock: u32) -> Result<Timespec, Errno> {
    let p = params()?;
    let mono = p.mono_ns(sel4::rdtsc());
    match clock {
        CLOCK_MONOTONIC => Ok(Timespec::from_nanos(mono)),
        // Set before the epoch (never, by SETTIME's rules) reads as it.
        CLOCK_REALTIME => Ok(Timespec::from_nanos(p.real_ns(mono).max(0) as u64)),
        _ => Err(EINVAL),
    }
}

/// `gettimeofday`: seconds and microseconds since the epoch.
pub fn gettimeofday() -> Result<(u64, u32), Errno> {
    let t = clock_gettime(CLOCK_REALTIME)?;
    Ok((t.sec, t.nsec / 1000))
}

/// `time`: seconds since the epoch.
pub fn time() -> Result<u64, Errno> {
    clock_gettime(CLOCK_REALTIME).map(|t| t.sec)
}

/// `nanosleep` for `t` (of at most `u32::MAX` seconds; longer sleeps that
/// long). Returns once the monotonic clock passed the deadline.
pub fn nanosleep(t: Timespec) -> Result<(), Errno> {
    let (c, w, l) = Request::sleep(t).encode();
    crate::ipc::sendrec(cspace::TIMER_EP, c, w, l).result().map(|_| ())
}

/// `clock_settime`: only `CLOCK_REALTIME` may be set (`EINVAL`
/// otherwise, as for a time before the epoch or past 2262).
pub fn clock_settime(clock: u32, t: Timespec) -> Result<(), Errno> {
    if clock != CLOCK_REALTIME || t.sec > timer::MAX_SETTIME_SECS {
        return Err(EINVAL);
    }
    let (c, w, l) = Request::SetTime(t).encode();
    crate::ipc::sendrec(cspace::TIMER_EP, c, w, l).result().map(|_| ())
}

/// The timer driver's counters: (sleepers waiting, interrupts, sleepers
/// woken, TSC kHz).
pub fn timer_stats() -> Result<(u64, u64, u64, u64), Errno> {
    let (c, w, l) = Request::Stats.encode();
    let r = crate::ipc::sendrec(cspace::TIMER_EP, c, w, l);
    let n = r.result()?;
    let v = r.to_words();
    Ok((n, v[1], v[2], v[3]))
}

/// CPU time in microseconds: the caller's, and that of its ended children
/// it waited for (theirs and their waited-for children's), from PM's
/// TIMES. The kernel counts the time each thread runs, its kernel calls
/// included; time other servers spend for it is theirs.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub own_us: u64,
    pub children_us: u64,
}

pub fn cpu_times() -> Result<CpuTimes, Errno> {
    let (c, w, l) = minix_abi::pm::Request::Times.encode();
    let r = crate::ipc::sendrec(cspace::PM_EP, c, w, l);
    let low = r.result()?;
    let word = |v: u64| v & 0xffff_ffff;
    Ok(CpuTimes { own_us: word(r.vals[0]) << 32 | word(low), children_us: word(r.vals[2]) << 32 | word(r.vals[1]) })
}

/// `times()`'s clock ticks a second (`sysconf(_SC_CLK_TCK)`), as Linux.
pub const CLK_TCK: u64 = 100;

/// `times()`: user time of the caller and of its waited-for children in
/// [`CLK_TCK`] ticks (`tms_utime`, `tms_cutime`; the system times are
/// counted with them and reported 0), and the monotonic clock in ticks as
/// the answer.
pub fn times() -> Result<(u64, u64, u64), Errno> {
    let t = cpu_times()?;
    let now = monotonic_ns()?;
    Ok((t.own_us / (1_000_000 / CLK_TCK), t.children_us / (1_000_000 / CLK_TCK), now / (1_000_000_000 / CLK_TCK)))
}

/// `getrusage`'s whom: the caller or its waited-for children.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Rusage {
    SelfProcess,
    Children,
}

/// `getrusage(who)`'s user time as (seconds, microseconds); the system
/// time is counted in it and reported 0.
pub fn getrusage_user(who: Rusage) -> Result<(u64, u32), Errno> {
    let t = cpu_times()?;
    let us = match who {
        Rusage::SelfProcess => t.own_us,
        Rusage::Children => t.children_us,
    };
    Ok((us / 1_000_000, (us % 1_000_000) as u32))
}

pub use minix_abi::pm::{Itimerval, Timeval};

/// The interval timers' names (Linux's and NetBSD's numbers). Only the
/// real-time one exists: it counts the monotonic clock and raises
/// SIGALRM.
pub const ITIMER_REAL: u32 = 0;
pub const ITIMER_VIRTUAL: u32 = 1;
pub const ITIMER_PROF: u32 = 2;

fn pm_timer(r: minix_abi::pm::Request) -> Result<Itimerval, Errno> {
    let (c, w, l) = r.encode();
    Itimerval::from_reply(&crate::ipc::sendrec(cspace::PM_EP, c, w, l))
}

/// `alarm(seconds)`: SIGALRM after `seconds` (0 cancels); replaces any
/// alarm or interval timer set before and answers the seconds that one
/// had left, rounded up (0: none was set).
pub fn alarm(seconds: u32) -> u32 {
    let (c, w, l) = minix_abi::pm::Request::Alarm { seconds }.encode();
    // PM answers every process this call; nothing else can come back.
    crate::ipc::sendrec(cspace::PM_EP, c, w, l).result().map_or(0, |s| s.min(u32::MAX as u64) as u32)
}

/// `setitimer(which, new)`: the real-time timer expires after
/// `new.value` (zero disarms it) and then every `new.interval` (zero:
/// once), each time raising SIGALRM; an interval under 1 ms is 1 ms.
/// Answers the old setting. `ITIMER_VIRTUAL` and `ITIMER_PROF` do not
/// exist here: `EINVAL`, as is a microsecond count of a second or more.
pub fn setitimer(which: u32, new: Itimerval) -> Result<Itimerval, Errno> {
    let usec = minix_abi::pm::USEC_PER_SEC;
    if which != ITIMER_REAL || new.value.usec >= usec || new.interval.usec >= usec {
        return Err(EINVAL);
    }
    pm_timer(minix_abi::pm::Request::SetItimer { new })
}

/// `getitimer(which)`: the time to the real-time timer's next expiry
/// (zero: disarmed) and its interval.
pub fn getitimer(which: u32) -> Result<Itimerval, Errno> {
    if which != ITIMER_REAL {
        return Err(EINVAL);
    }
    pm_timer(minix_abi::pm::Request::GetItimer)
}
