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
mod tests_vfs_limits;
#[cfg(target_os = "none")]
mod tests_vm;

#[cfg(target_os = "none")]
mod glue {
    use crate::harness::Harness;
    use minix_abi::{cspace, pm};

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
