// SPDX-License-Identifier: BSD-2-Clause
//! Alarms and interval timers (PM sends SIGALRM when the timer driver
//! says a process's timer is due), and `poll`/`select` over pipes and
//! files with timeouts (VFS's alarm thread) and wake-ups from other
//! processes. Every timing is measured with the monotonic clock of the
//! clock page; each test that sets a timer does so in a child, so that
//! no timer outlives its test. Children report what they measured
//! through a pipe.
use crate::harness::{ensure, expect_err, ok, Test};
use minix_abi::errno::{EBADF, EFAULT, EINTR, EINVAL};
use minix_abi::pm;
use mxrt::fs::{self, Fd, FdSet, PollFd, Sets, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT};
use mxrt::posix;
use mxrt::signal as sig;
use mxrt::time::{self, Itimerval, Timespec, Timeval, ITIMER_PROF, ITIMER_REAL};
use sel4_root_task::println;

type R = Result<(), &'static str>;

const MS: u64 = 1_000_000;
const SIGUSR1: u32 = 10;
const SIGALRM: u32 = 14;

pub const TESTS: &[Test] = &[
    Test { name: "timers.alarm_interrupts_pause_after_1s", run: |_| alarm_interrupts_pause() },
    Test { name: "timers.alarm_returns_seconds_left_and_0_cancels", run: |_| alarm_returns_and_cancels() },
    Test { name: "timers.setitimer_interval_fires_repeatedly", run: |_| setitimer_repeats() },
    Test { name: "timers.sigalrm_without_a_handler_ends_the_process", run: |_| default_action_kills() },
    Test { name: "timers.fork_child_has_no_timer", run: |_| fork_child_has_no_timer() },
    Test { name: "timers.poll_empty_pipe_times_out_after_100ms", run: |_| poll_times_out() },
    Test { name: "timers.poll_returns_when_another_process_writes", run: |_| poll_wakes_on_data() },
    Test { name: "timers.poll_pollhup_after_the_writer_closes", run: |_| poll_hangup() },
    Test { name: "timers.poll_files_bad_descriptors_and_bad_arrays", run: |_| poll_files_and_errors() },
    Test { name: "timers.select_times_out_and_sees_data", run: |_| select_works() },
    Test { name: "timers.poll_interrupted_by_a_signal_is_eintr", run: |_| poll_eintr() },
];

fn mono() -> Result<u64, &'static str> {
    time::monotonic_ns().map_err(|_| "no clock page")
}

fn sleep_ms(ms: u64) {
    let _ = time::nanosleep(Timespec::from_nanos(ms * MS));
}

fn ms_of(ns: u64) -> (u64, u64) {
    (ns / MS, ns % MS / 1000)
}

fn tv(sec: u32, usec: u32) -> Timeval {
    Timeval { sec, usec }
}

static HANDLED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

fn count(_sig: u32) {
    HANDLED.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
}

fn handled() -> u32 {
    HANDLED.load(core::sync::atomic::Ordering::SeqCst)
}

/// Runs `child` in a child process with a pipe to report up to 8
/// numbers; answers them and the child's wait status.
fn in_child(child: fn(&mut Report)) -> Result<([u64; 8], u64), &'static str> {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(r);
        let mut rep = Report { fd: w, n: 0 };
        child(&mut rep);
        posix::exit(0);
    }
    ok(fs::close(w), "close")?;
    let mut vals = [0u64; 8];
    let mut bytes = [0u8; 64];
    let mut got = 0;
    while got < bytes.len() {
        match fs::read(r, &mut bytes[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    let _ = fs::close(r);
    for (i, v) in vals.iter_mut().enumerate().take(got / 8) {
        *v = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
    }
    let (_, status) = ok(posix::waitpid(pid as i64, 0), "waitpid")?;
    Ok((vals, status))
}

/// A child's channel to its parent.
struct Report {
    fd: Fd,
    n: usize,
}

impl Report {
    fn put(&mut self, v: u64) {
        if self.n < 8 && fs::write(self.fd, &v.to_le_bytes()) == Ok(8) {
            self.n += 1;
        }
    }

    /// Ends the child with `code` (a failure's number, 0 for success).
    fn exit(&mut self, code: u8) -> ! {
        posix::exit(code)
    }
}

fn want_exit(status: u64, why: &'static str) -> R {
    if status != 0 {
        println!("  child's wait status {:#x}", status);
        return Err(why);
    }
    Ok(())
}

/// alarm(1) then pause(): the SIGALRM handler runs and pause ends with
/// EINTR after 1 to 1.1 s.
fn alarm_interrupts_pause() -> R {
    let (v, status) = in_child(|rep| {
        if sig::set_handler(SIGALRM, count, false, 0).is_err() {
            rep.exit(1);
        }
        let t0 = time::monotonic_ns().unwrap_or(0);
        if time::alarm(1) != 0 {
            rep.exit(2);
        }
        let e = sig::pause();
        let d = time::monotonic_ns().unwrap_or(0) - t0;
        rep.put(d);
        rep.exit(if e != EINTR {
            3
        } else if handled() != 1 {
            4
        } else {
            0
        })
    })?;
    let (ms, us) = ms_of(v[0]);
    println!("  alarm(1) ended pause() after {}.{:03} ms", ms, us);
    want_exit(status, "the handler did not run or pause did not end with EINTR")?;
    ensure(v[0] >= 1000 * MS, "SIGALRM came before 1 s")?;
    ensure(v[0] <= 1100 * MS, "SIGALRM came after 1.1 s")
}

/// alarm answers the whole seconds the alarm it replaces had left
/// (rounded up); alarm(0) cancels, and the cancelled alarm never comes.
fn alarm_returns_and_cancels() -> R {
    let (v, status) = in_child(|rep| {
        if sig::set_handler(SIGALRM, count, false, 0).is_err() {
            rep.exit(1);
        }
        rep.put(time::alarm(5) as u64);
        rep.put(time::alarm(3) as u64);
        // The old one, 5 s less a little, reads 5 (rounded up).
        let t = time::getitimer(ITIMER_REAL).unwrap_or_default();
        rep.put(t.value.sec as u64 * 1_000_000 + t.value.usec as u64);
        rep.put(time::alarm(0) as u64);
        rep.put(time::alarm(0) as u64);
        // Cancelled at 0.3 s: nothing at 1 s.
        time::alarm(1);
        sleep_ms(300);
        rep.put(time::alarm(0) as u64);
        sleep_ms(1000);
        rep.put(handled() as u64);
        let gone = time::getitimer(ITIMER_REAL).unwrap_or_default();
        rep.exit(if gone == Itimerval::default() { 0 } else { 1 })
    })?;
    println!("  alarm answered {} {} {} {} {}; getitimer {} us; handled {}", v[0], v[1], v[3], v[4], v[5], v[2], v[6]);
    want_exit(status, "a cancelled timer still reads as set")?;
    ensure(v[0] == 0, "the first alarm did not answer 0")?;
    ensure(v[1] == 5, "alarm(3) did not answer the 5 s left")?;
    ensure((2_900_000..=3_000_000).contains(&v[2]), "getitimer's value is not about 3 s")?;
    ensure(v[3] == 3, "alarm(0) did not answer the 3 s left")?;
    ensure(v[4] == 0, "a second alarm(0) did not answer 0")?;
    ensure(v[5] == 1, "alarm(0) at 0.3 s of a 1 s alarm did not answer 1")?;
    ensure(v[6] == 0, "a cancelled alarm came")
}

/// setitimer with a 50 ms value and interval: five SIGALRMs end five
/// pauses, each at or after its period's end; getitimer shows the
/// interval; a zero value stops it and answers the old setting.
fn setitimer_repeats() -> R {
    let (v, status) = in_child(|rep| {
        if sig::set_handler(SIGALRM, count, false, 0).is_err() {
            rep.exit(1);
        }
        let every = tv(0, 50_000);
        let t0 = time::monotonic_ns().unwrap_or(0);
        if time::setitimer(ITIMER_REAL, Itimerval { value: every, interval: every }) != Ok(Itimerval::default()) {
            rep.exit(2);
        }
        let mut last = 0;
        for k in 1..=5u64 {
            if sig::pause() != EINTR || handled() as u64 != k {
                rep.exit(3);
            }
            last = time::monotonic_ns().unwrap_or(0) - t0;
            if last < 50 * MS * k {
                rep.exit(10 + k as u8);
            }
        }
        rep.put(last);
        let now = time::getitimer(ITIMER_REAL).unwrap_or_default();
        rep.put(now.interval.usec as u64);
        rep.put(now.value.sec as u64 * 1_000_000 + now.value.usec as u64);
        // Stop it: the old setting comes back; no signal after.
        let old = time::setitimer(ITIMER_REAL, Itimerval::default()).unwrap_or_default();
        rep.put(old.interval.usec as u64);
        let before = handled();
        sleep_ms(200);
        rep.put((handled() - before) as u64);
        // Only the real-time timer exists.
        rep.exit(if time::setitimer(ITIMER_PROF, Itimerval::default()) == Err(EINVAL) { 0 } else { 4 })
    })?;
    let (ms, us) = ms_of(v[0]);
    println!("  five 50 ms periods ended after {}.{:03} ms", ms, us);
    want_exit(status, "a period ended early, a pause did not end with EINTR, or ITIMER_PROF was accepted")?;
    ensure(v[0] <= 300 * MS, "five 50 ms periods took more than 300 ms")?;
    ensure(v[1] == 50_000, "getitimer did not show the 50 ms interval")?;
    ensure(v[2] > 0 && v[2] <= 50_000, "getitimer's value is not within a period")?;
    ensure(v[3] == 50_000, "stopping the timer did not answer its interval")?;
    ensure(v[4] == 0, "SIGALRM came after the timer was stopped")
}

/// SIGALRM's default action ends the process, with SIGALRM in its wait
/// status.
fn default_action_kills() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = time::setitimer(ITIMER_REAL, Itimerval { value: tv(0, 20_000), interval: Timeval::ZERO });
        loop {
            sleep_ms(5);
        }
    }
    let (_, status) = ok(posix::waitpid(pid as i64, 0), "waitpid")?;
    if status != pm::signal_status(SIGALRM as u64) {
        println!("  wait status {:#x}", status);
        return Err("the child did not die of SIGALRM");
    }
    Ok(())
}

/// A forked child starts with no timer; the parent's goes on.
fn fork_child_has_no_timer() -> R {
    let (v, status) = in_child(|rep| {
        time::alarm(100);
        let pid = match posix::fork() {
            Ok(0) => posix::exit(if time::getitimer(ITIMER_REAL) == Ok(Itimerval::default()) && time::alarm(0) == 0 { 0 } else { 1 }),
            Ok(pid) => pid,
            Err(_) => rep.exit(2),
        };
        let st = posix::waitpid(pid as i64, 0).map_or(99, |(_, s)| s);
        rep.put(st);
        rep.put(time::alarm(0) as u64);
        rep.exit(0)
    })?;
    want_exit(status, "the test's child failed")?;
    ensure(v[0] == 0, "the forked child had a timer")?;
    ensure(v[1] == 100, "the parent's timer did not survive its child")
}

/// poll of an empty pipe's read end with 100 ms, three times: 0 each
/// time, after 100 to 110 ms.
fn poll_times_out() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let mut result = Ok(());
    for _ in 0..3 {
        let mut fds = [PollFd { fd: r.0 as i32, events: POLLIN, revents: 0 }];
        let t0 = mono()?;
        let n = fs::poll(&mut fds, 100);
        let d = mono()? - t0;
        let (ms, us) = ms_of(d);
        println!("  poll(100 ms) on an empty pipe took {}.{:03} ms", ms, us);
        result = ensure(n == Ok(0), "poll did not time out with 0")
            .and(ensure(fds[0].revents == 0, "revents set on a timeout"))
            .and(ensure(d >= 100 * MS, "poll returned before 100 ms"))
            .and(ensure(d <= 110 * MS, "poll took more than 110 ms"));
        if result.is_err() {
            break;
        }
    }
    // A zero timeout only looks.
    let mut fds = [PollFd { fd: r.0 as i32, events: POLLIN, revents: 0 }];
    let t0 = mono()?;
    let zero = fs::poll(&mut fds, 0);
    let quick = mono()? - t0 < 20 * MS;
    let _ = (fs::close(r), fs::close(w));
    result?;
    ensure(zero == Ok(0) && quick, "poll with timeout 0 waited or found something")
}

/// A child writes after 50 ms: the parent's poll (5 s) returns at once
/// with POLLIN, well before its timeout.
fn poll_wakes_on_data() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        sleep_ms(50);
        let _ = fs::write(w, b"ping");
        posix::exit(0);
    }
    let mut fds = [PollFd { fd: w.0 as i32, events: POLLIN, revents: 0 }, PollFd { fd: r.0 as i32, events: POLLIN, revents: 0 }];
    // The write end never has bytes to read: only the read end counts.
    let t0 = mono()?;
    let n = fs::poll(&mut fds, 5000);
    let d = mono()? - t0;
    let (ms, us) = ms_of(d);
    println!("  poll woke {}.{:03} ms after it began (the write came at about 50 ms)", ms, us);
    let mut b = [0u8; 8];
    let got = fs::read(r, &mut b);
    let _ = posix::waitpid(pid as i64, 0);
    let _ = (fs::close(r), fs::close(w));
    ensure(n == Ok(1), "poll did not answer one ready descriptor")?;
    ensure(fds[1].revents == POLLIN && fds[0].revents == 0, "wrong revents")?;
    ensure(got == Ok(4), "the bytes were not there")?;
    ensure((40 * MS..500 * MS).contains(&d), "poll did not return when the data came")
}

/// The last writer (a child) exits: a poller of the read end (no
/// timeout) gets POLLHUP.
fn poll_hangup() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(r);
        sleep_ms(40);
        posix::exit(0);
    }
    ok(fs::close(w), "close")?;
    let mut fds = [PollFd { fd: r.0 as i32, events: POLLIN, revents: 0 }];
    let n = fs::poll(&mut fds, -1);
    let _ = posix::waitpid(pid as i64, 0);
    // The write end of another pipe whose reader is gone: an error.
    let (r2, w2) = ok(fs::pipe(0), "pipe")?;
    ok(fs::close(r2), "close")?;
    let mut out = [PollFd { fd: w2.0 as i32, events: POLLOUT, revents: 0 }];
    let n2 = fs::poll(&mut out, 0);
    let _ = (fs::close(r), fs::close(w2));
    ensure(n == Ok(1) && fds[0].revents == POLLHUP, "no POLLHUP after the writer closed")?;
    ensure(n2 == Ok(1) && out[0].revents == POLLOUT | POLLERR, "a write end without a reader is not POLLOUT|POLLERR")
}

/// Files are always ready; a closed descriptor is POLLNVAL, a negative
/// one skipped; too many entries EINVAL, an array that is no memory
/// EFAULT.
fn poll_files_and_errors() -> R {
    let f = ok(fs::open(b"/tmp/poll-file", fs::flags::O_CREAT | fs::flags::O_RDWR, 0o644), "open")?;
    let mut fds = [
        PollFd { fd: f.0 as i32, events: POLLIN | POLLOUT, revents: 0 },
        PollFd { fd: -1, events: POLLIN, revents: 7 },
        PollFd { fd: 60, events: POLLIN, revents: 0 },
    ];
    let n = fs::poll(&mut fds, -1);
    let _ = fs::close(f);
    let _ = fs::unlink(b"/tmp/poll-file");
    ensure(n == Ok(2), "a file and a closed descriptor are not two ready entries")?;
    ensure(fds[0].revents == POLLIN | POLLOUT && fds[1].revents == 0 && fds[2].revents == POLLNVAL, "wrong revents")?;
    let mut many = [PollFd::default(); 65];
    expect_err(fs::poll(&mut many, 0), EINVAL, "65 entries")?;
    let (c, w, l) = minix_abi::vfs::Request::Poll { fds: 0x10, nfds: 1, timeout_ms: 0 }.encode();
    expect_err(mxrt::ipc::sendrec(minix_abi::cspace::VFS_EP, c, w, l).result(), EFAULT, "an array that is no memory")?;
    // The array above 4 GiB, and a timeout that is no i32.
    let (c, _, _) = minix_abi::vfs::Request::Poll { fds: 0, nfds: 0, timeout_ms: 0 }.encode();
    let r = mxrt::ipc::sendrec(minix_abi::cspace::VFS_EP, c, [1 << 32, 1, 0, 0], 3).result();
    expect_err(r, EFAULT, "an array past 4 GiB")?;
    let r = mxrt::ipc::sendrec(minix_abi::cspace::VFS_EP, c, [0x1000, 0, 0xffff_ffff, 0], 3).result();
    expect_err(r, EINVAL, "a timeout that is no i32")
}

/// select: a read set on an empty pipe times out after 100 to 110 ms
/// with the set cleared; data from a child makes it readable; a pipe's
/// write end is writable at once; a closed descriptor is EBADF.
fn select_works() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let rfd = r.0 as usize;
    let mut rs = FdSet::EMPTY;
    rs.set(rfd);
    let t0 = mono()?;
    let n = fs::select(rfd + 1, Sets { read: Some(&mut rs), write: None, except: None }, Some(tv(0, 100_000)));
    let d = mono()? - t0;
    let (ms, us) = ms_of(d);
    println!("  select(100 ms) on an empty pipe took {}.{:03} ms", ms, us);
    ensure(n == Ok(0) && rs == FdSet::EMPTY, "select did not time out with an empty set")?;
    ensure((100 * MS..=110 * MS).contains(&d), "select's timeout was not 100 to 110 ms")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        sleep_ms(30);
        let _ = fs::write(w, b"x");
        posix::exit(0);
    }
    rs.set(rfd);
    let mut ws = FdSet::EMPTY;
    let n = fs::select(rfd + 1, Sets { read: Some(&mut rs), write: Some(&mut ws), except: None }, None);
    let _ = posix::waitpid(pid as i64, 0);
    ensure(n == Ok(1) && rs.is_set(rfd), "select did not see the child's byte")?;
    // The write end: writable at once, alongside the readable read end.
    let wfd = w.0 as usize;
    ws.set(wfd);
    rs = FdSet::EMPTY;
    rs.set(rfd);
    let n = fs::select(rfd.max(wfd) + 1, Sets { read: Some(&mut rs), write: Some(&mut ws), except: None }, Some(Timeval::ZERO));
    ensure(n == Ok(2) && rs.is_set(rfd) && ws.is_set(wfd), "not both ends ready")?;
    let mut b = [0u8; 1];
    let _ = fs::read(r, &mut b);
    let _ = (fs::close(r), fs::close(w));
    // Both closed now: EBADF, the set left alone.
    let mut bad = FdSet::EMPTY;
    bad.set(rfd);
    expect_err(
        fs::select(rfd + 1, Sets { read: Some(&mut bad), write: None, except: None }, None),
        EBADF,
        "select of a closed descriptor",
    )?;
    ensure(bad.is_set(rfd), "an EBADF select changed its set")
}

/// A poll with no timeout ends with EINTR when another process's signal
/// runs a handler; one with a 5 s timeout when the process's own 50 ms
/// timer does.
fn poll_eintr() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(w);
        if sig::set_handler(SIGUSR1, count, false, 0).is_err() || sig::set_handler(SIGALRM, count, false, 0).is_err() {
            posix::exit(1);
        }
        let mut fds = [PollFd { fd: r.0 as i32, events: POLLIN, revents: 0 }];
        if fs::poll(&mut fds, -1) != Err(EINTR) || handled() != 1 {
            posix::exit(2);
        }
        let t0 = time::monotonic_ns().unwrap_or(0);
        let _ = time::setitimer(ITIMER_REAL, Itimerval { value: tv(0, 50_000), interval: Timeval::ZERO });
        let e = fs::poll(&mut fds, 5000);
        let d = time::monotonic_ns().unwrap_or(0) - t0;
        posix::exit(if e != Err(EINTR) || handled() != 2 {
            3
        } else if !(50 * MS..1000 * MS).contains(&d) {
            4
        } else {
            0
        });
    }
    ok(fs::close(r), "close")?;
    sleep_ms(40);
    ok(sig::kill(pid as i32, SIGUSR1), "kill")?;
    let (_, status) = ok(posix::waitpid(pid as i64, 0), "waitpid")?;
    let _ = fs::close(w);
    if status != 0 {
        println!("  wait status {:#x}", status);
        return Err("a signal did not end a poll with EINTR");
    }
    Ok(())
}
