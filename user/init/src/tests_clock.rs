// SPDX-License-Identifier: BSD-2-Clause
//! The clock and the timer driver: reading the clock page (monotonic,
//! realtime from the CMOS clock), sleeping through the driver (its length
//! by the guest's own clock, several sleepers at once waking in deadline
//! order), setting the realtime clock, the page's protection, random
//! messages to the driver, and the two marks 10 s apart that
//! `qemu/test.sh` compares with the host's wall clock.
use crate::harness::{ensure, Rng, Test};
use minix_abi::common::PING;
use minix_abi::cspace::{addr::CLOCK_PAGE, PM_EP, TIMER_EP, VFS_EP, VM_EP};
use minix_abi::endpoint::{PM, TIMER, VFS, VM};
use minix_abi::errno::EINVAL;
use minix_abi::{pm, timer, vm};
use mxrt::posix;
use mxrt::time::{self, Timespec, CLOCK_MONOTONIC, CLOCK_REALTIME};
use sel4::{CPtr, MessageInfo};
use sel4_root_task::println;

const MS: u64 = 1_000_000;

pub const TESTS: &[Test] = &[
    Test { name: "clock.realtime_is_a_plausible_date", run: |_| plausible_date() },
    Test { name: "clock.monotonic_never_goes_backwards", run: |_| never_backwards() },
    Test { name: "clock.nanosleep_100ms_takes_100_to_110ms", run: |_| sleep_100ms() },
    Test { name: "clock.sleepers_wake_in_deadline_order", run: |_| deadline_order() },
    Test { name: "clock.settime_moves_realtime_only", run: |_| settime() },
    Test { name: "clock.page_is_read_only_and_pinned", run: |_| page_protected() },
    Test { name: "clock.fuzz_timer_10000_random_messages", run: |_| fuzz() },
    Test { name: "clock.host_marks_10s_apart", run: |_| host_marks() },
];

fn mono() -> Result<u64, &'static str> {
    time::monotonic_ns().map_err(|_| "no clock page")
}

fn real_ns() -> Result<u64, &'static str> {
    time::clock_gettime(CLOCK_REALTIME).map(|t| t.as_nanos()).map_err(|_| "no realtime")
}

/// After 2024-01-01 and before 2100; `time` and `gettimeofday` agree with
/// `clock_gettime`.
fn plausible_date() -> Result<(), &'static str> {
    let t = time::time().map_err(|_| "time failed")?;
    println!("  realtime {} s since the epoch", t);
    ensure(t >= 1_704_067_200, "realtime is before 2024")?;
    ensure(t < 4_102_444_800, "realtime is after 2100")?;
    let (s, us) = time::gettimeofday().map_err(|_| "gettimeofday failed")?;
    let ts = time::clock_gettime(CLOCK_REALTIME).map_err(|_| "clock_gettime failed")?;
    ensure(us < 1_000_000, "gettimeofday's microseconds")?;
    ensure(s >= t && ts.sec >= s && ts.sec - t <= 1, "time, gettimeofday and clock_gettime disagree")?;
    ensure(time::clock_gettime(7) == Err(EINVAL), "an unknown clock is not EINVAL")
}

/// 200,000 readings of each clock, each at least the one before.
fn never_backwards() -> Result<(), &'static str> {
    let mut last = mono()?;
    let mut last_real = real_ns()?;
    let first = last;
    for _ in 0..200_000 {
        let now = mono()?;
        ensure(now >= last, "monotonic went backwards")?;
        last = now;
        let r = real_ns()?;
        ensure(r >= last_real, "realtime went backwards (nobody set it)")?;
        last_real = r;
    }
    ensure(last > first, "the monotonic clock did not move")
}

/// nanosleep(100 ms), three times: each between 100 and 110 ms of the
/// monotonic clock.
fn sleep_100ms() -> Result<(), &'static str> {
    for _ in 0..3 {
        let t0 = mono()?;
        time::nanosleep(Timespec { sec: 0, nsec: 100_000_000 }).map_err(|_| "nanosleep failed")?;
        let d = mono()? - t0;
        println!("  nanosleep(100 ms) took {}.{:03} ms", d / MS, d % MS / 1000);
        ensure(d >= 100 * MS, "woke before 100 ms")?;
        ensure(d <= 110 * MS, "took more than 110 ms")?;
    }
    // A zero sleep returns at once; nanoseconds past a second are EINVAL.
    time::nanosleep(Timespec { sec: 0, nsec: 0 }).map_err(|_| "a zero sleep failed")?;
    let (c, w, l) = (timer::SLEEP, [0, timer::NSEC_PER_SEC, 0, 0], 2);
    ensure(mxrt::ipc::sendrec(TIMER_EP, c, w, l).result() == Err(EINVAL), "nsec of 10^9 is not EINVAL")
}

/// Five children sleep at once until deadlines in the reverse of their
/// order, and exit as they wake: the parent reaps them in deadline order,
/// and each woke at or after its deadline.
fn deadline_order() -> Result<(), &'static str> {
    const N: u64 = 5;
    let t0 = mono()?;
    let deadline = |i: u64| t0 + (300 - 40 * i) * MS;
    let mut pids = [0u32; N as usize];
    for i in 0..N {
        match posix::fork() {
            Err(_) => return Err("fork failed"),
            Ok(0) => {
                let now = time::monotonic_ns().unwrap_or(u64::MAX);
                let d = deadline(i);
                if now >= d {
                    posix::exit(100 + i as u8);
                }
                if time::nanosleep(Timespec::from_nanos(d - now)).is_err() {
                    posix::exit(110 + i as u8);
                }
                let woke = time::monotonic_ns().unwrap_or(0);
                posix::exit(if woke >= d { i as u8 } else { 120 + i as u8 })
            }
            Ok(pid) => pids[i as usize] = pid,
        }
    }
    // All five sleep in the driver at once (the earliest wakes at 140 ms).
    time::nanosleep(Timespec::from_nanos(80 * MS)).map_err(|_| "parent's nanosleep")?;
    let (sleeping, ..) = time::timer_stats().map_err(|_| "STATS failed")?;
    println!("  {} sleepers in the driver at once", sleeping);
    let mut order = [0u64; N as usize];
    for o in order.iter_mut() {
        let (pid, status) = posix::waitpid(-1, 0).map_err(|_| "wait failed")?;
        ensure(pm::wifexited(status), "a sleeper was killed")?;
        let code = pm::wexitstatus(status);
        ensure(code < 100, "a sleeper started too late, failed or woke early")?;
        ensure(pids[code as usize] == pid, "a sleeper's code and pid disagree")?;
        *o = code as u64;
    }
    ensure(sleeping == N, "the five were not asleep together")?;
    ensure(order == [4, 3, 2, 1, 0], "not woken in deadline order")?;
    let (left, ..) = time::timer_stats().map_err(|_| "STATS failed")?;
    ensure(left == 0, "the driver still holds sleepers")
}

/// clock_settime moves realtime (by 1000 s here) and not monotonic; it is
/// put back after. Only CLOCK_REALTIME can be set.
fn settime() -> Result<(), &'static str> {
    let m0 = mono()?;
    let r0 = real_ns()?;
    let target = Timespec::from_nanos(r0 + 1000 * 1_000_000_000);
    time::clock_settime(CLOCK_REALTIME, target).map_err(|_| "clock_settime failed")?;
    let m1 = mono()?;
    let r1 = real_ns()?;
    // Put it back as if nothing happened.
    let back = r1 - 1000 * 1_000_000_000 + (mono()? - m1);
    time::clock_settime(CLOCK_REALTIME, Timespec::from_nanos(back)).map_err(|_| "putting the clock back failed")?;
    let moved = r1 - r0;
    ensure((1000 * 1_000_000_000..1001 * 1_000_000_000).contains(&moved), "realtime did not move by 1000 s")?;
    ensure(m1 - m0 < 1_000_000_000, "monotonic jumped")?;
    ensure(real_ns()?.abs_diff(r0) < 2_000_000_000, "realtime not back")?;
    ensure(time::clock_settime(CLOCK_MONOTONIC, target) == Err(EINVAL), "CLOCK_MONOTONIC settable")?;
    // Before the epoch (a negative i64 in the two words) is EINVAL.
    let w = [0, 0x8000_0000, 0, 0];
    ensure(mxrt::ipc::sendrec(TIMER_EP, timer::SETTIME, w, 3).result() == Err(EINVAL), "a negative time accepted")
}

/// A write to the clock page kills only the writer; munmap of it and a
/// fixed mapping over it are EINVAL; a forked child reads the same clock.
fn page_protected() -> Result<(), &'static str> {
    ensure(posix::munmap(CLOCK_PAGE, 4096) == Err(EINVAL), "munmap of the clock page")?;
    let fixed = vm::MAP_ANON | vm::MAP_PRIVATE | vm::MAP_FIXED;
    ensure(posix::mmap(CLOCK_PAGE, 4096, vm::PROT_READ | vm::PROT_WRITE, fixed) == Err(EINVAL), "MAP_FIXED over the clock page")?;
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => {
            // SAFETY: the write faults on purpose (the page is mapped
            // read-only), so VM kills this child with SIGSEGV.
            unsafe { sel4::write_u64_at(CLOCK_PAGE + 16, 0) };
            posix::exit(0)
        }
        Ok(child) => {
            let (pid, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
            ensure(pid == child, "wait returned another pid")?;
            ensure(!pm::wifexited(status) && pm::wtermsig(status) == pm::SIGSEGV, "the writer was not killed by SIGSEGV")?;
            // The clock still runs, and a forked child reads it.
            let before = mono()?;
            match posix::fork() {
                Err(_) => Err("fork failed"),
                Ok(0) => posix::exit(if time::monotonic_ns().is_ok_and(|t| t >= before) { 0 } else { 1 }),
                Ok(c) => {
                    let (_, st) = posix::waitpid(c as i64, 0).map_err(|_| "wait failed")?;
                    ensure(pm::wifexited(st) && pm::wexitstatus(st) == 0, "a forked child cannot read the clock")
                }
            }
        }
    }
}

/// One batch of random messages to the timer driver from a child: its
/// calls (valid sleeps kept under 100 µs, so that a batch ends; ALARM,
/// which only PM and VFS may make), other
/// labels, random lengths and words, caps attached. The child exits 0 if
/// every message got a proper reply.
fn batch(seed: u64) -> Result<(), &'static str> {
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => {
            let mut r = Rng(seed | 1);
            for _ in 0..1000 {
                let label = match r.below(7) {
                    0 | 1 => timer::SLEEP,
                    2 => timer::SETTIME,
                    3 => timer::STATS,
                    4 => timer::SLEEP | 1 << (12 + r.below(40)),
                    // Servers only: a user's is EPERM, whatever its words.
                    5 => timer::ALARM,
                    _ => r.next() >> 12,
                };
                let mut w = [r.next(), r.next(), r.next(), r.next()];
                match r.below(3) {
                    0 => w[0] &= 0xffff_ffff,
                    1 => w[1] = r.below(3) * 0xffff_ffff,
                    _ => {}
                }
                if label == timer::SLEEP && w[0] <= u32::MAX as u64 && w[1] < timer::NSEC_PER_SEC {
                    // A valid sleep: keep it short.
                    w[0] = 0;
                    w[1] %= 100_000;
                }
                let caps = r.below(3);
                const CAP_SLOTS: &[u64] = &[PM_EP, VM_EP, VFS_EP, TIMER_EP];
                for i in 0..caps {
                    sel4::set_cap(i as usize, CPtr(CAP_SLOTS[r.below(4) as usize]));
                }
                let info = MessageInfo::new(label, 0, caps, r.below(128));
                if sel4::call(CPtr(TIMER_EP), info, w).info.label() != 0 {
                    posix::exit(1);
                }
            }
            posix::exit(0)
        }
        Ok(child) => {
            let (_, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
            ensure(pm::wifexited(status) && pm::wexitstatus(status) == 0, "the sender died or got a non-reply")
        }
    }
}

/// 10 batches of 1000; after each the servers answer PING, the driver
/// holds no sleeper and a sleep still works; the realtime clock the
/// random SETTIMEs moved is put back from the monotonic clock.
fn fuzz() -> Result<(), &'static str> {
    let m0 = mono()?;
    let r0 = real_ns()?;
    let mut result = Ok(());
    for b in 0..10 {
        result = batch(0x71e_0000 + b).and_then(|_| {
            for (slot, ep) in [(PM_EP, PM.0), (VM_EP, VM.0), (VFS_EP, VFS.0), (TIMER_EP, TIMER.0)] {
                ensure(mxrt::ipc::sendrec(slot, PING, [0; 4], 0).result() == Ok(ep as u64), "a server stopped answering PING")?;
            }
            let (left, ..) = time::timer_stats().map_err(|_| "STATS failed")?;
            ensure(left == 0, "the driver still holds sleepers")?;
            let t = mono()?;
            time::nanosleep(Timespec::from_nanos(MS)).map_err(|_| "nanosleep after a batch")?;
            ensure(mono()? - t >= MS, "a sleep after a batch was short")
        });
        if result.is_err() {
            break;
        }
    }
    let back = r0 + (mono()? - m0);
    time::clock_settime(CLOCK_REALTIME, Timespec::from_nanos(back)).map_err(|_| "putting the clock back failed")?;
    result
}

/// How many `clock.mark` lines the host sees, a second apart.
const MARKS: u64 = 11;

/// Prints the realtime clock at [`MARKS`] marks a second apart, 10 s in
/// all (each sleep aimed at an absolute monotonic deadline, so the marks
/// do not drift by the sleeps' lateness); `tools/clock-watch.py` notes the
/// host's time as each line appears and compares the intervals within 1%.
/// A line whose last byte went out more than 2 ms after the clock was read
/// (this process preempted while printing) is followed by `clock.skip`,
/// which tells the watcher to forget it, and the mark is printed again.
/// The watcher also takes the least delayed marks at each end. Here: the
/// monotonic and realtime intervals agree, and the run took 10 s (to
/// 10 ms).
fn host_marks() -> Result<(), &'static str> {
    let (r0, m0) = mark(0)?;
    let (mut r, mut m) = (r0, m0);
    for i in 1..MARKS {
        let wait = (m0 + i * 1000 * MS).saturating_sub(mono()?);
        time::nanosleep(Timespec::from_nanos(wait)).map_err(|_| "nanosleep failed")?;
        (r, m) = mark(i)?;
    }
    ensure((r - r0).abs_diff(m - m0) < MS, "realtime and monotonic intervals differ")?;
    ensure((10_000 * MS..10_050 * MS).contains(&(m - m0)), "the marks did not span 10 s")
}

/// Prints mark `i` until a line goes out within 2 ms of its reading (at
/// most 20 tries); returns the realtime and monotonic readings it printed.
fn mark(i: u64) -> Result<(u64, u64), &'static str> {
    for _ in 0..20 {
        // A fresh timeslice makes a preemption inside the line unlikely.
        sel4::yield_now();
        let (r, m) = (real_ns()?, mono()?);
        println!("clock.mark {} {}.{:09}", i, r / 1_000_000_000, r % 1_000_000_000);
        if mono()? - m <= 2 * MS {
            return Ok((r, m));
        }
        println!("clock.skip {}", i);
    }
    Err("no clock mark went out within 2 ms of its reading")
}
