// SPDX-License-Identifier: BSD-2-Clause
//! CPU time (`times`, `getrusage`): the kernel's count of each thread's
//! running time, through PM's TIMES.
use crate::harness::{ensure, ok, Test};
use minix_abi::pm;
use mxrt::posix;
use mxrt::time::{self, Rusage, Timespec};

type R = Result<(), &'static str>;

pub const TESTS: &[Test] = &[
    Test { name: "cputime.spinning_counts_sleeping_does_not", run: |_| spin_and_sleep() },
    Test { name: "cputime.children_counted_once_waited_for", run: |_| children() },
];

/// Runs until `ms` of the monotonic clock have passed.
fn spin(ms: u64) -> Result<(), &'static str> {
    let end = ok(time::monotonic_ns(), "clock")? + ms * 1_000_000;
    while ok(time::monotonic_ns(), "clock")? < end {
        core::hint::spin_loop();
    }
    Ok(())
}

fn own_us() -> Result<u64, &'static str> {
    ok(time::cpu_times(), "TIMES").map(|t| t.own_us)
}

/// 200 ms of spinning adds 150-250 ms of CPU time (only this process
/// runs, but the clock and the servers take their share); 200 ms asleep
/// adds under 20 ms.
fn spin_and_sleep() -> R {
    let t0 = own_us()?;
    spin(200)?;
    let t1 = own_us()?;
    ok(time::nanosleep(Timespec::from_nanos(200_000_000)), "nanosleep")?;
    let t2 = own_us()?;
    let (spun, slept) = (t1 - t0, t2 - t1);
    sel4_root_task::println!("  CPU time: {} us for 200 ms spinning, {} us for 200 ms asleep", spun, slept);
    ensure((150_000..=250_000).contains(&spun), "spinning 200 ms did not count 150-250 ms")?;
    ensure(slept < 20_000, "sleeping counted as CPU time")?;
    // times() and getrusage() say the same in their units.
    let (utime, _, _) = ok(time::times(), "times")?;
    let (s, us) = ok(time::getrusage_user(Rusage::SelfProcess), "getrusage")?;
    let ru = s * 1_000_000 + us as u64;
    ensure(ru >= t2 && utime * 10_000 <= ru + 10_000 && ru < utime * 10_000 + 20_000, "times() and getrusage() disagree")
}

/// A child's 100 ms of spinning is added to the parent's children time
/// when the parent waits for it, not before; a grandchild's too, through
/// its parent's wait.
fn children() -> R {
    let before = ok(time::cpu_times(), "TIMES")?.children_us;
    let (r, w) = ok(mxrt::fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = mxrt::fs::close(r);
        // A grandchild spins 100 ms and is waited for here.
        let g = match posix::fork() {
            Ok(0) => {
                let _ = spin(100);
                posix::exit(0)
            }
            Ok(g) => g,
            Err(_) => posix::exit(2),
        };
        if !matches!(posix::waitpid(g as i64, 0), Ok((p, 0)) if p == g) {
            posix::exit(3);
        }
        let _ = spin(100);
        // Done: the parent looks before it waits.
        let _ = mxrt::fs::write(w, b"d");
        posix::exit(0)
    }
    let _ = mxrt::fs::close(w);
    let mut b = [0u8; 1];
    ensure(ok(mxrt::fs::read(r, &mut b), "read")? == 1, "the child did not finish")?;
    let unwaited = ok(time::cpu_times(), "TIMES")?.children_us;
    let _ = mxrt::fs::close(r);
    let (got, status) = ok(posix::waitpid(pid as i64, 0), "waitpid")?;
    ensure(got == pid && pm::wifexited(status) && pm::wexitstatus(status) == 0, "the child failed")?;
    let after = ok(time::cpu_times(), "TIMES")?.children_us;
    let (s, us) = ok(time::getrusage_user(Rusage::Children), "getrusage")?;
    sel4_root_task::println!(
        "  children's CPU time: {} us before the wait, {} us after (a child and a grandchild spinning 100 ms each)",
        unwaited - before,
        after - before
    );
    ensure(unwaited == before, "a child's time counted before it was waited for")?;
    ensure((150_000..=260_000).contains(&(after - before)), "the child's and grandchild's 200 ms did not count 150-260 ms")?;
    ensure(s * 1_000_000 + us as u64 == after, "getrusage(RUSAGE_CHILDREN) disagrees with times")
}
