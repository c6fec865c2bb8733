// SPDX-License-Identifier: BSD-2-Clause
//! The workloads, written once against [`Os`]. Each returns the median
//! instructions per operation, or `None` when the system cannot run it.
use crate::measure::{per_iteration, Clock, Samples};

pub const PAGE: usize = 4096;

/// What a workload needs from the system under test. Every method is the
/// plain POSIX operation; the seL4 side goes through PM/VM/VFS, the Linux
/// side makes the system call.
pub trait Os: Clock {
    /// The cheapest call into the system: getpid through PM on ours,
    /// getppid on Linux (glibc caches getpid).
    fn null_call(&mut self);
    /// An anonymous private read-write mapping of `len` bytes.
    fn mmap_anon(&mut self, len: usize) -> Option<usize>;
    fn munmap(&mut self, addr: usize, len: usize);
    /// Writes one word at `addr`, inside a mapping this workload made.
    fn touch(&mut self, addr: usize);
    /// fork; the child exits at once with status 0; the parent waits for
    /// it. False if fork failed.
    fn fork_exit_wait(&mut self) -> bool;
}

/// Iterations of a figure: warm-up (untimed) and timed.
#[derive(Clone, Copy, Debug)]
pub struct Rounds {
    pub warmup: usize,
    pub iters: usize,
}

pub const NULL_CALL: Rounds = Rounds { warmup: 100, iters: 2000 };
pub const FAULT: Rounds = Rounds { warmup: 16, iters: 1024 };
pub const MMAP: Rounds = Rounds { warmup: 20, iters: 500 };
pub const FORK: Rounds = Rounds { warmup: 3, iters: 30 };

/// `getpid`: one null system call.
pub fn null_call<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    Some(per_iteration(os, s, NULL_CALL.warmup, NULL_CALL.iters, |os, _| os.null_call()))
}

/// First touch of a fresh anonymous page, one fault per iteration. The
/// first page is touched before timing so the range's page tables exist.
pub fn fault_anon<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let pages = 1 + FAULT.warmup + FAULT.iters;
    let base = os.mmap_anon(pages * PAGE)?;
    os.touch(base);
    let m = per_iteration(os, s, FAULT.warmup, FAULT.iters, |os, i| os.touch(base + (i + 1) * PAGE));
    os.munmap(base, pages * PAGE);
    Some(m)
}

/// mmap + munmap of 64 KiB that is never touched.
pub fn mmap_munmap_64k<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let mut failed = false;
    let m = per_iteration(os, s, MMAP.warmup, MMAP.iters, |os, _| match os.mmap_anon(64 * 1024) {
        Some(a) => os.munmap(a, 64 * 1024),
        None => failed = true,
    });
    (!failed).then_some(m)
}

/// fork + exit + wait, with `touched` bytes of anonymous memory written
/// before timing (0 for the small process).
pub fn fork_exit_wait<O: Os>(os: &mut O, s: &mut Samples, touched: usize) -> Option<u64> {
    let base = if touched > 0 {
        let b = os.mmap_anon(touched)?;
        for p in 0..touched / PAGE {
            os.touch(b + p * PAGE);
        }
        Some(b)
    } else {
        None
    };
    let mut failed = false;
    let m = per_iteration(os, s, FORK.warmup, FORK.iters, |os, _| failed |= !os.fork_exit_wait());
    if let Some(b) = base {
        os.munmap(b, touched);
    }
    (!failed).then_some(m)
}
