// SPDX-License-Identifier: BSD-2-Clause
//! `poll` and `select`, both over VFS's one `POLL` call
//! (`minix_abi::vfs::poll` has the rules of readiness).
//!
//! VFS answers a caller that waited for a pipe with "poll again" rather
//! than with results (its wakers never write into the caller's memory):
//! [`poll`] then calls again with the time left on its own clock, so an
//! answer is always a fresh look and the timeout is never stretched by
//! the rounds. It clears every `revents` first, so a timeout (which VFS
//! answers without touching the array) reads as "nothing happened".
//!
//! `select` is a `poll` of the descriptors in its sets: read interest is
//! `POLLIN`, write `POLLOUT`, exceptional `POLLPRI`; a descriptor is
//! readable on `POLLIN`, a hang-up or an error (a read would not wait),
//! writable on `POLLOUT` or an error, and a descriptor that is not open
//! makes the whole call `EBADF`, as on Linux. Its timeout is rounded up
//! to a whole millisecond (never early) and capped at `i32::MAX` ms
//! (24.8 days).
use super::{call, Request};
use minix_abi::errno::{Errno, EBADF, EFAULT, EINVAL, EIO};
pub use minix_abi::pm::Timeval;
use minix_abi::vfs::poll::AGAIN;
pub use minix_abi::vfs::poll::{PollFd, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM, POLL_MAX};

const NS_PER_MS: u64 = 1_000_000;

/// `poll`: waits until one of `fds` is ready (see
/// `minix_abi::vfs::poll`), at most `timeout_ms` milliseconds (0: only
/// look; negative: no limit). Answers how many entries have `revents`;
/// 0 on a timeout. A signal whose handler runs ends it with `EINTR`.
pub fn poll(fds: &mut [PollFd], timeout_ms: i32) -> Result<usize, Errno> {
    // No user memory lies at or above 4 GiB: VFS would say EFAULT too.
    let addr = u32::try_from(fds.as_mut_ptr() as u64).map_err(|_| EFAULT)?;
    poll_at(addr, fds, timeout_ms, &mut || crate::time::monotonic_ns().unwrap_or(0))
}

/// [`poll`] with the array's address and the clock given (the host tests
/// give both).
pub(super) fn poll_at(addr: u32, fds: &mut [PollFd], timeout_ms: i32, now: &mut impl FnMut() -> u64) -> Result<usize, Errno> {
    if fds.len() > POLL_MAX {
        return Err(EINVAL);
    }
    for e in fds.iter_mut() {
        e.revents = 0;
    }
    let deadline = (timeout_ms > 0).then(|| now().saturating_add(timeout_ms as u64 * NS_PER_MS));
    let mut wait = timeout_ms;
    loop {
        let r = call(Request::Poll { fds: addr, nfds: fds.len() as u32, timeout_ms: wait });
        let ready = r.result()?;
        if ready == 0 && r.vals[0] == AGAIN {
            if let Some(d) = deadline {
                wait = ms_left(d, now());
            }
            continue;
        }
        // More ready entries than were asked about is no answer.
        return if ready > fds.len() as u64 { Err(EIO) } else { Ok(ready as usize) };
    }
}

/// Whole milliseconds from `now` to `deadline`, rounded up (a poll is
/// never short); 0 once it has passed (only look).
fn ms_left(deadline: u64, now: u64) -> i32 {
    deadline.saturating_sub(now).div_ceil(NS_PER_MS).min(i32::MAX as u64) as i32
}

/// Most descriptors a `select` set holds: a process's descriptors.
pub const FD_SETSIZE: usize = POLL_MAX;

/// A `select` set: bit `fd` for descriptor `fd`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct FdSet(pub u64);

const _: () = assert!(FD_SETSIZE <= u64::BITS as usize);

impl FdSet {
    pub const EMPTY: FdSet = FdSet(0);

    /// `FD_SET`; a descriptor past [`FD_SETSIZE`] is not kept.
    pub fn set(&mut self, fd: usize) {
        if fd < FD_SETSIZE {
            self.0 |= 1 << fd;
        }
    }

    /// `FD_CLR`.
    pub fn clear(&mut self, fd: usize) {
        if fd < FD_SETSIZE {
            self.0 &= !(1 << fd);
        }
    }

    /// `FD_ISSET`.
    pub fn is_set(&self, fd: usize) -> bool {
        fd < FD_SETSIZE && self.0 & (1 << fd) != 0
    }
}

/// The three sets of a `select`, present or not.
pub struct Sets<'a> {
    pub read: Option<&'a mut FdSet>,
    pub write: Option<&'a mut FdSet>,
    pub except: Option<&'a mut FdSet>,
}

impl Sets<'_> {
    fn has(s: &Option<&mut FdSet>, fd: usize) -> bool {
        s.as_ref().is_some_and(|s| s.is_set(fd))
    }

    /// The entries to poll for descriptors `0..nfds` in any set; how many.
    fn entries(&self, nfds: usize, out: &mut [PollFd; FD_SETSIZE]) -> Result<usize, Errno> {
        if nfds > FD_SETSIZE {
            return Err(EINVAL);
        }
        let mut n = 0;
        for fd in 0..nfds {
            let mut events = 0;
            if Self::has(&self.read, fd) {
                events |= POLLIN;
            }
            if Self::has(&self.write, fd) {
                events |= POLLOUT;
            }
            if Self::has(&self.except, fd) {
                events |= POLLPRI;
            }
            if events != 0 {
                out[n] = PollFd { fd: fd as i32, events, revents: 0 };
                n += 1;
            }
        }
        Ok(n)
    }

    /// Leaves in each set only its ready descriptors and counts them; a
    /// descriptor that is not open is `EBADF` (the sets unchanged).
    fn results(&mut self, entries: &[PollFd]) -> Result<usize, Errno> {
        if entries.iter().any(|e| e.revents & POLLNVAL != 0) {
            return Err(EBADF);
        }
        let mut count = 0;
        let mut keep = |set: &mut Option<&mut FdSet>, ready: u16| {
            if let Some(s) = set.as_deref_mut() {
                let mut out = FdSet::EMPTY;
                for e in entries.iter().filter(|e| e.revents & ready != 0) {
                    if s.is_set(e.fd as usize) {
                        out.set(e.fd as usize);
                        count += 1;
                    }
                }
                *s = out;
            }
        };
        keep(&mut self.read, POLLIN | POLLRDNORM | POLLHUP | POLLERR);
        keep(&mut self.write, POLLOUT | POLLERR);
        keep(&mut self.except, POLLPRI);
        Ok(count)
    }
}

/// A `select` timeout in poll's milliseconds: `None` waits for ever (-1);
/// microseconds of a second or more are `EINVAL`.
fn select_ms(timeout: Option<Timeval>) -> Result<i32, Errno> {
    match timeout {
        None => Ok(-1),
        Some(t) if t.usec >= minix_abi::pm::USEC_PER_SEC => Err(EINVAL),
        Some(t) => Ok(t.as_nanos().div_ceil(NS_PER_MS).min(i32::MAX as u64) as i32),
    }
}

/// `select(nfds, read, write, except, timeout)`: waits until a
/// descriptor below `nfds` in one of the sets is ready, or the timeout
/// (`None`: no limit; zero: only look). Leaves in each set its ready
/// descriptors and answers how many there are in all.
pub fn select(nfds: usize, mut sets: Sets<'_>, timeout: Option<Timeval>) -> Result<usize, Errno> {
    let ms = select_ms(timeout)?;
    let mut entries = [PollFd::default(); FD_SETSIZE];
    let n = sets.entries(nfds, &mut entries)?;
    poll(&mut entries[..n], ms)?;
    sets.results(&entries[..n])
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::fs::tests::{answer, sent};
    use minix_abi::message::Reply;
    use minix_abi::vfs::Request;

    fn again() -> Reply {
        Reply::ok_with(0, [AGAIN, 0, 0])
    }

    #[test]
    fn poll_sends_the_table_words_and_clears_revents() {
        let mut fds = [PollFd { fd: 3, events: POLLIN, revents: 0xffff }, PollFd { fd: -1, events: POLLOUT, revents: 9 }];
        answer(&[Reply::ok(0)]);
        assert_eq!(poll_at(0x7000_8000, &mut fds, 100, &mut || 5), Ok(0));
        assert_eq!(sent(), vec![Request::Poll { fds: 0x7000_8000, nfds: 2, timeout_ms: 100 }]);
        assert!(fds.iter().all(|e| e.revents == 0), "a timeout left stale revents");
        // More than a process's descriptors: refused without a message.
        let mut many = [PollFd::default(); POLL_MAX + 1];
        assert_eq!(poll_at(0x1000, &mut many, 0, &mut || 0), Err(EINVAL));
        assert!(sent().is_empty());
        // A reply counting more entries than were sent is no answer.
        answer(&[Reply::ok(3)]);
        assert_eq!(poll_at(0x1000, &mut fds, 0, &mut || 0), Err(EIO));
        sent();
    }

    /// A clock that reads `times` in turn (the last one from then on).
    fn clock(times: &'static [u64]) -> impl FnMut() -> u64 {
        let mut i = 0;
        move || {
            i += 1;
            times[(i - 1).min(times.len() - 1)]
        }
    }

    fn waits() -> Vec<i32> {
        sent()
            .iter()
            .map(|r| match r {
                Request::Poll { timeout_ms, .. } => *timeout_ms,
                _ => panic!("{r:?}"),
            })
            .collect()
    }

    #[test]
    fn a_wake_polls_again_with_the_time_left() {
        let mut fds = [PollFd { fd: 3, events: POLLIN, revents: 0 }];
        // Woken at 30.5 ms and at 99.9 ms of a 100 ms poll, then answered:
        // the second round waits 70 ms (69.5 rounded up), the third 1 ms.
        answer(&[again(), again(), Reply::ok(1)]);
        assert_eq!(poll_at(0x1000, &mut fds, 100, &mut clock(&[1_000_000_000, 1_030_500_000, 1_099_900_000])), Ok(1));
        assert_eq!(waits(), vec![100, 70, 1]);
        // Woken past the deadline: a last look (0).
        answer(&[again(), Reply::ok(0)]);
        assert_eq!(poll_at(0x1000, &mut fds, 5, &mut clock(&[0, 2_000_000_000])), Ok(0));
        assert_eq!(waits(), vec![5, 0]);
        // No limit stays no limit.
        answer(&[again(), Reply::ok(1)]);
        assert_eq!(poll_at(0x1000, &mut fds, -1, &mut clock(&[7])), Ok(1));
        assert_eq!(waits(), vec![-1, -1]);
        // An error ends it (EINTR from a handler, say).
        answer(&[Reply::err(minix_abi::errno::EINTR)]);
        assert_eq!(poll_at(0x1000, &mut fds, -1, &mut clock(&[7])), Err(minix_abi::errno::EINTR));
        sent();
    }

    #[test]
    fn ms_left_rounds_up_and_stops_at_zero() {
        assert_eq!(ms_left(10 * NS_PER_MS, 10 * NS_PER_MS), 0);
        assert_eq!(ms_left(10 * NS_PER_MS, 11 * NS_PER_MS), 0);
        assert_eq!(ms_left(10 * NS_PER_MS, 10 * NS_PER_MS - 1), 1);
        assert_eq!(ms_left(u64::MAX, 0), i32::MAX);
    }

    #[test]
    fn select_polls_its_sets_and_keeps_the_ready() {
        let mut entries = [PollFd::default(); FD_SETSIZE];
        let (mut r, mut w, mut x) = (FdSet::EMPTY, FdSet::EMPTY, FdSet::EMPTY);
        for fd in [0, 3, 63] {
            r.set(fd);
        }
        w.set(3);
        w.set(5);
        x.set(5);
        r.set(64); // past FD_SETSIZE: not kept
        assert!(!r.is_set(64));
        let mut sets = Sets { read: Some(&mut r), write: Some(&mut w), except: Some(&mut x) };
        assert_eq!(sets.entries(65, &mut entries), Err(EINVAL));
        // Only descriptors below nfds count.
        let n = sets.entries(6, &mut entries).unwrap();
        assert_eq!(
            &entries[..n],
            &[
                PollFd { fd: 0, events: POLLIN, revents: 0 },
                PollFd { fd: 3, events: POLLIN | POLLOUT, revents: 0 },
                PollFd { fd: 5, events: POLLOUT | POLLPRI, revents: 0 }
            ]
        );
        // 0 hung up (readable: a read would not wait), 3 writable, 5 an
        // error (writable; no exceptional condition).
        entries[0].revents = POLLHUP;
        entries[1].revents = POLLOUT;
        entries[2].revents = POLLERR;
        assert_eq!(sets.results(&entries[..n]), Ok(3));
        assert_eq!((r.0, w.0, x.0), (1 << 0, 1 << 3 | 1 << 5, 0));
    }

    #[test]
    fn select_of_a_closed_descriptor_is_ebadf_and_timeouts_convert() {
        let (mut r, mut w) = (FdSet::EMPTY, FdSet::EMPTY);
        r.set(4);
        let mut sets = Sets { read: Some(&mut r), write: Some(&mut w), except: None };
        let e = [PollFd { fd: 4, events: POLLIN, revents: POLLNVAL }];
        assert_eq!(sets.results(&e), Err(EBADF));
        assert!(r.is_set(4), "the sets changed on an error");
        assert_eq!(select_ms(None), Ok(-1));
        assert_eq!(select_ms(Some(Timeval::ZERO)), Ok(0));
        assert_eq!(select_ms(Some(Timeval { sec: 0, usec: 1 })), Ok(1));
        assert_eq!(select_ms(Some(Timeval { sec: 1, usec: 500_000 })), Ok(1500));
        assert_eq!(select_ms(Some(Timeval { sec: u32::MAX, usec: 0 })), Ok(i32::MAX));
        assert_eq!(select_ms(Some(Timeval { sec: 0, usec: 1_000_000 })), Err(EINVAL));
    }
}
