// SPDX-License-Identifier: BSD-2-Clause
//! The in-guest test suite and the benchmarks, shared by two programs on
//! the root file system: `/sbin/init` (`src/main.rs`), the first process,
//! and `/bin/mtest` (`src/bin/mtest.rs`), which runs one group of tests.
//! init runs each group in a child that execs `/bin/mtest <group>`, adds
//! up what they report, and runs itself only what needs init's own caps
//! (the block driver's tests) and the disk boots' phases.
#![cfg_attr(target_os = "none", no_std)]

#[cfg(target_os = "none")]
pub mod bench;
#[cfg(target_os = "none")]
pub mod disk_suite;
#[cfg(target_os = "none")]
pub mod harness;
#[cfg(target_os = "none")]
pub mod suite;
#[cfg(target_os = "none")]
pub mod tests_blk;
#[cfg(target_os = "none")]
pub mod tests_clock;
#[cfg(target_os = "none")]
pub mod tests_cputime;
#[cfg(target_os = "none")]
pub mod tests_exec;
#[cfg(target_os = "none")]
pub mod tests_exhaust;
#[cfg(target_os = "none")]
pub mod tests_file_hostile;
#[cfg(target_os = "none")]
pub mod tests_fs;
#[cfg(target_os = "none")]
pub mod tests_fuzz;
#[cfg(target_os = "none")]
pub mod tests_grant;
#[cfg(target_os = "none")]
pub mod tests_hostile;
#[cfg(target_os = "none")]
pub mod tests_libc;
#[cfg(target_os = "none")]
pub mod tests_memory;
#[cfg(target_os = "none")]
pub mod tests_mmap;
#[cfg(target_os = "none")]
pub mod tests_posix_edges;
#[cfg(target_os = "none")]
pub mod tests_proc;
#[cfg(target_os = "none")]
pub mod tests_signals;
#[cfg(target_os = "none")]
pub mod tests_soak;
#[cfg(target_os = "none")]
pub mod tests_timers;
#[cfg(target_os = "none")]
pub mod tests_toybox;
#[cfg(target_os = "none")]
pub mod tests_vfs_limits;
#[cfg(target_os = "none")]
pub mod tests_vm;
