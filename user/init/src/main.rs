// SPDX-License-Identifier: BSD-2-Clause
//! init: the first user process. It runs the in-guest test suite, one line
//! per test, and hands the tally to PM, which prints the summary and ends
//! the boot. With the `bench` feature it runs the benchmarks instead.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod bench;
#[cfg(target_os = "none")]
mod disk_suite;
#[cfg(target_os = "none")]
mod harness;
#[cfg(target_os = "none")]
mod tests_blk;
#[cfg(target_os = "none")]
mod tests_clock;
#[cfg(target_os = "none")]
mod tests_exec;
#[cfg(target_os = "none")]
mod tests_exhaust;
#[cfg(target_os = "none")]
mod tests_file_hostile;
#[cfg(target_os = "none")]
mod tests_fs;
#[cfg(target_os = "none")]
mod tests_fuzz;
#[cfg(target_os = "none")]
mod tests_grant;
#[cfg(target_os = "none")]
mod tests_hostile;
#[cfg(target_os = "none")]
mod tests_memory;
#[cfg(target_os = "none")]
mod tests_mmap;
#[cfg(target_os = "none")]
mod tests_posix_edges;
#[cfg(target_os = "none")]
mod tests_proc;
#[cfg(target_os = "none")]
mod tests_signals;
#[cfg(target_os = "none")]
mod tests_soak;
#[cfg(target_os = "none")]
mod tests_timers;
#[cfg(target_os = "none")]
mod tests_vfs_limits;
#[cfg(target_os = "none")]
mod tests_vm;

#[cfg(target_os = "none")]
mod glue {
    use crate::harness::Harness;
    use minix_abi::{cspace, pm};

    sel4_root_task::declare_main!("init", main);

    fn main(arg: u64) -> ! {
        // A copy of this image spawned by a test (SPAWN image 0) is not the
        // first process: it only shows that spawn works, and exits at once.
        if arg != minix_abi::endpoint::INIT.0 as u64 {
            mxrt::posix::exit(0)
        }
        let mut h = Harness::default();
        if cfg!(feature = "bench") {
            crate::bench::run();
        } else if let Some(phase) = crate::disk_suite::phase() {
            crate::disk_suite::count_boot();
            h.run_all(&[phase]);
        } else {
            crate::disk_suite::count_boot();
            h.run_all(&[
                crate::tests_proc::TESTS,
                crate::tests_vm::TESTS,
                crate::tests_grant::TESTS,
                crate::tests_hostile::TESTS,
                crate::tests_fs::TESTS,
                crate::tests_posix_edges::TESTS,
                crate::tests_exec::TESTS,
                crate::tests_signals::TESTS,
                crate::tests_mmap::TESTS,
                crate::tests_file_hostile::TESTS,
                crate::tests_blk::registered(),
                crate::tests_clock::TESTS,
                crate::tests_timers::TESTS,
                crate::tests_exhaust::TESTS,
                crate::tests_vfs_limits::TESTS,
                crate::tests_memory::TESTS,
                crate::tests_fuzz::TESTS,
                crate::tests_soak::TESTS,
            ]);
        }
        let (c, w, l) = pm::Request::Shutdown { passed: h.passed, failed: h.failed }.encode();
        mxrt::ipc::sendrec(cspace::PM_EP, c, w, l);
        mxrt::posix::exit(0)
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
