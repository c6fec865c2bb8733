// SPDX-License-Identifier: BSD-2-Clause
//! init, `/sbin/init`: the first user process. It runs the in-guest test
//! suite, each group in a child that execs `/bin/mtest <group>`, one line
//! per test, and hands the tally to PM, which prints the summary and ends
//! the boot. With the `bench` feature it runs the benchmarks instead.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use init::harness::Harness;
    use init::suite::{self, GROUPS};
    use minix_abi::{cspace, pm};
    use mxrt::posix;

    sel4_root_task::declare_main!("init", main);

    /// Read-only bytes that make the program's file-backed, never-written
    /// pages many (512 KiB, 128 pages), so that
    /// exec.text_shared_with_the_page_cache can tell frames shared with
    /// the page cache from copies. Not zero, or they would be bss.
    static READ_ONLY: [u8; 512 * 1024] = [0x5a; 512 * 1024];

    /// Touches every page of `READ_ONLY`, says so with one byte on
    /// descriptor 1 (`h`, or `?` if the bytes are not the file's), then
    /// stays until descriptor 0 ends.
    fn hold() {
        use mxrt::fs::{read, write, Fd};
        let sum = (0..READ_ONLY.len()).step_by(4096).fold(0u64, |s, i| {
            // SAFETY: i is inside READ_ONLY, a static of bytes.
            s + unsafe { core::ptr::read_volatile(READ_ONLY.as_ptr().add(i)) } as u64
        });
        let _ = write(Fd(1), if sum == 0x5a * (READ_ONLY.len() as u64 / 4096) { b"h" } else { b"?" });
        let mut b = [0u8; 64];
        while matches!(read(Fd(0), &mut b), Ok(n) if n > 0) {}
    }

    fn main(arg: u64) -> ! {
        // A copy of this program exec'd by a test is not the first
        // process: it exits at once, or with `hold` serves
        // exec.text_shared_with_the_page_cache.
        if arg != minix_abi::endpoint::INIT.0 as u64 {
            if mxrt::args::arg(1) == Some(b"hold") {
                hold();
            }
            mxrt::posix::exit(0)
        }
        let mut h = Harness::default();
        if cfg!(feature = "bench") {
            init::bench::run();
        } else if let Some(phase) = init::disk_suite::phase() {
            init::disk_suite::count_boot();
            h.run_all(&[phase]);
        } else {
            init::disk_suite::count_boot();
            let blk = init::tests_blk::registered();
            let total: usize = GROUPS.iter().map(|g| g.tests.map_or(blk.len(), |t| t.len())).sum();
            sel4_root_task::println!("tests registered: {}", total);
            for g in GROUPS {
                match g.tests {
                    None => h.run(&[blk]),
                    Some(tests) => run_group(&mut h, g.name, tests.len() as u64),
                }
                reap_orphans();
            }
        }
        let (c, w, l) = pm::Request::Shutdown { passed: h.passed, failed: h.failed }.encode();
        mxrt::ipc::sendrec(cspace::PM_EP, c, w, l);
        mxrt::posix::exit(0)
    }

    /// Runs one group in a child that execs `/bin/mtest <name>` and counts
    /// what it reports: its exit code is the number that failed. A child
    /// that could not run the group, or died, fails all `count` tests
    /// (their lines are missing too, which qemu/test.sh reports).
    fn run_group(h: &mut Harness, name: &str, count: u64) {
        let pid = match posix::fork() {
            Ok(0) => {
                // Memory the previous group's processes held may still be
                // on its way back (their exits are carried out in order,
                // but a grandchild may outlive its group): a failure for
                // want of memory is tried again, as an init would.
                let mut tries = 0;
                loop {
                    let e = mxrt::args::execve(b"/bin/mtest", &[b"mtest", name.as_bytes()], &[]);
                    sel4_root_task::println!("init: exec of /bin/mtest {} failed: {}", name, e.name());
                    tries += 1;
                    if tries == 5 || (e != minix_abi::errno::ENOMEM && e != minix_abi::errno::EAGAIN) {
                        posix::exit(suite::NO_SUCH_GROUP)
                    }
                    let _ = mxrt::time::nanosleep(minix_abi::timer::Timespec { sec: 0, nsec: 200_000_000 });
                }
            }
            Ok(pid) => pid,
            Err(e) => {
                sel4_root_task::println!("init: no fork for group {}: {}", name, e.name());
                h.failed += count;
                return;
            }
        };
        // As an init does: reap every child that ends (the group's, and
        // the tests' processes that outlived their parents and came to
        // init) until the group's own.
        let ended = loop {
            match posix::waitpid(-1, 0) {
                Ok((p, status)) if p == pid => break Ok(status),
                Ok(_) => {}
                Err(e) => break Err(e),
            }
        };
        let failed = match ended {
            Ok(status) if pm::wifexited(status) && (pm::wexitstatus(status) as u64) <= suite::MAX_FAILED => pm::wexitstatus(status) as u64,
            other => {
                sel4_root_task::println!("init: group {} ended without its tally ({:?})", name, other);
                count
            }
        };
        h.failed += failed.min(count);
        h.passed += count - failed.min(count);
    }

    /// Reaps the children of the groups' tests that outlived their parents
    /// and came to init, so that none holds a slot of PM's table.
    fn reap_orphans() {
        while let Ok((pid, _)) = posix::waitpid(-1, pm::WNOHANG) {
            if pid == 0 {
                break;
            }
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
