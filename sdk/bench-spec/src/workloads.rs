// SPDX-License-Identifier: BSD-2-Clause
//! The workloads, written once against [`Os`]. Each returns the median
//! instructions per operation, or `None` when the system cannot run it.
use crate::measure::{per_iteration, Clock, Samples};

mod disk;
mod filemap;
mod files;
mod path;
mod pipe;
mod scratch;

pub use disk::{disk_seqread_cold, disk_write_fsync};
pub use filemap::{fault_file_around, fault_file_cached, fault_file_cow};
pub use files::{create_write_unlink, getdents_100, open_close, pread_4k, seqread_64k, stat, write_4k_append};
pub use path::Path;
pub use pipe::pipe_rtt;

pub const PAGE: usize = 4096;

/// How a workload opens a file: each is one set of POSIX `open` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    /// `O_RDONLY`.
    Read,
    /// `O_WRONLY | O_CREAT | O_TRUNC`, mode 0644: what `creat` does.
    Create,
    /// `O_WRONLY | O_CREAT | O_APPEND`, mode 0644.
    Append,
    /// `O_RDONLY | O_DIRECTORY`, for `getdents`.
    Directory,
    /// `O_WRONLY`: an existing file, rewritten in place.
    Update,
}

/// How a workload maps a file (always the whole file from offset 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMap {
    /// `PROT_READ`, `MAP_SHARED`, with whatever fault-around the system
    /// does (Linux maps up to 16 neighbouring cached pages per fault).
    Shared,
    /// `PROT_READ`, `MAP_SHARED`, and exactly one page mapped per fault:
    /// the cost of one read fault on a cached page.
    SharedOnePagePerFault,
    /// `PROT_READ | PROT_WRITE`, `MAP_PRIVATE`: a write fault copies the
    /// cached page into a private one.
    PrivateWrite,
}

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
    ///
    /// # Safety
    ///
    /// `addr` is 8-aligned, `addr..addr + 8` lies inside a writable
    /// mapping the workload made (with [`Os::mmap_anon`] or
    /// [`Os::mmap_file`]) and still holds, and no Rust reference covers it.
    unsafe fn touch(&mut self, addr: usize);
    /// fork; the child exits at once with status 0; the parent waits for
    /// it. False if fork failed.
    fn fork_exit_wait(&mut self) -> bool;
    /// fork; the child execs the system's tiny program, which exits at
    /// once with status 0; the parent waits for it. `Some(false)` if a
    /// step failed, `None` if the system cannot exec.
    fn fork_exec_wait(&mut self) -> Option<bool> {
        None
    }
    /// Catches SIGUSR1 with a handler that counts its runs.
    fn catch_usr1(&mut self) -> Option<()> {
        None
    }
    /// `kill(own pid, SIGUSR1)`, which returns once the handler has run.
    fn raise_usr1(&mut self) -> Option<()> {
        None
    }
    /// The handler's runs so far.
    fn usr1_runs(&self) -> u64 {
        0
    }

    // The file, pipe and file-mapping workloads need the methods below.
    // Each defaults to `None` ("unsupported"), so a system gains figures
    // as it implements them; a workload that meets `None` reports `None`.

    /// One reading of the monotonic clock in nanoseconds
    /// (`clock_gettime(CLOCK_MONOTONIC)`): through the clock page on ours,
    /// the vDSO (or the system call) on Linux.
    fn clock_monotonic(&mut self) -> Option<u64> {
        None
    }

    /// A writable directory on the system's ordinary file system where the
    /// file workloads create (and afterwards remove) their files.
    fn work_dir(&self) -> &str {
        "/tmp"
    }
    /// `open(path, flags)`: the file descriptor.
    fn open(&mut self, _path: &str, _how: Open) -> Option<i32> {
        None
    }
    fn close(&mut self, _fd: i32) -> Option<()> {
        None
    }
    /// `read` at the file position: bytes read, 0 at end of file.
    fn read(&mut self, _fd: i32, _buf: &mut [u8]) -> Option<usize> {
        None
    }
    fn pread(&mut self, _fd: i32, _buf: &mut [u8], _offset: u64) -> Option<usize> {
        None
    }
    /// `write` at the file position (the end, for [`Open::Append`]).
    fn write(&mut self, _fd: i32, _buf: &[u8]) -> Option<usize> {
        None
    }
    fn pwrite(&mut self, _fd: i32, _buf: &[u8], _offset: u64) -> Option<usize> {
        None
    }
    /// `fsync`: the file's data and what finds it are on the device.
    fn fsync(&mut self, _fd: i32) -> Option<()> {
        None
    }
    /// Whether the work directory is on a real disk (the disk figures run
    /// only there).
    fn on_disk(&mut self) -> bool {
        false
    }
    /// Makes the file's cached data cold again, where the system's cache
    /// would otherwise keep all of it: Linux's page cache holds a file
    /// many times the size of ours. The default does nothing, for a
    /// system whose cache the workload itself overruns.
    fn uncache(&mut self, _fd: i32) -> Option<()> {
        Some(())
    }
    /// `stat(path)`: the file's size.
    fn stat(&mut self, _path: &str) -> Option<u64> {
        None
    }
    fn unlink(&mut self, _path: &str) -> Option<()> {
        None
    }
    fn mkdir(&mut self, _path: &str) -> Option<()> {
        None
    }
    fn rmdir(&mut self, _path: &str) -> Option<()> {
        None
    }
    /// `getdents` on a directory opened with [`Open::Directory`]: bytes of
    /// entries placed in `buf` (in the system's own format), 0 at the end.
    fn getdents(&mut self, _fd: i32, _buf: &mut [u8]) -> Option<usize> {
        None
    }
    /// `pipe()`: (read end, write end).
    fn pipe(&mut self) -> Option<(i32, i32)> {
        None
    }
    /// `fork`: the child runs `child` and exits with what it returns; the
    /// parent gets the child's pid.
    fn fork_with(&mut self, _child: &mut dyn FnMut(&mut Self) -> i32) -> Option<i32> {
        None
    }
    /// `waitpid(pid, &status, 0)`: the child's exit status.
    fn waitpid(&mut self, _pid: i32) -> Option<i32> {
        None
    }
    /// `mmap` of `len` bytes of `fd` from offset 0.
    fn mmap_file(&mut self, _fd: i32, _len: usize, _how: FileMap) -> Option<usize> {
        None
    }
    /// Reads one word at `addr`, inside a mapping this workload made.
    ///
    /// # Safety
    ///
    /// `addr` is 8-aligned and `addr..addr + 8` lies inside a readable
    /// mapping the workload made and still holds, which no `&mut` covers.
    unsafe fn peek(&mut self, addr: usize) -> u64 {
        // SAFETY: the caller keeps the aligned word inside a readable
        // mapping of its own that nothing mutably borrows.
        unsafe { core::ptr::read_volatile(addr as *const u64) }
    }
}

/// A workload: the median instructions per operation, or `None`.
pub type Workload<O> = fn(&mut O, &mut Samples) -> Option<u64>;

/// The file-system, pipe and file-mapping figures, by figure name, in the
/// order both systems run them.
pub fn posix_workloads<O: Os>() -> [(&'static str, Workload<O>); 14] {
    [
        ("clock_gettime", clock_gettime::<O>),
        ("exec_small", exec_small::<O>),
        ("signal_rtt", signal_rtt::<O>),
        ("pread_4k", pread_4k::<O>),
        ("seqread_64k", seqread_64k::<O>),
        ("open_close", open_close::<O>),
        ("stat", stat::<O>),
        ("create_write_unlink", create_write_unlink::<O>),
        ("write_4k_append", write_4k_append::<O>),
        ("getdents_100", getdents_100::<O>),
        ("pipe_rtt", pipe_rtt::<O>),
        ("fault_file_cached", fault_file_cached::<O>),
        ("fault_file_around", fault_file_around::<O>),
        ("fault_file_cow", fault_file_cow::<O>),
    ]
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
/// Cheap file calls (pread, open, stat, write, create).
pub const FILE: Rounds = Rounds { warmup: 20, iters: 500 };
pub const GETDENTS: Rounds = Rounds { warmup: 10, iters: 200 };
pub const PIPE: Rounds = Rounds { warmup: 50, iters: 1000 };
/// 64 KiB reads: warm-up and timed reads together cover the 16 MiB file
/// exactly once.
pub const SEQREAD: Rounds = Rounds { warmup: 16, iters: 240 };
/// Passes over a 16 MiB mapping (each pass maps, touches, unmaps).
pub const AROUND: Rounds = Rounds { warmup: 1, iters: 5 };

/// `getpid`: one null system call.
pub fn null_call<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    Some(per_iteration(os, s, NULL_CALL.warmup, NULL_CALL.iters, |os, _| os.null_call()))
}

/// `clock_gettime(CLOCK_MONOTONIC)`: one reading of the clock.
pub fn clock_gettime<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    os.clock_monotonic()?;
    Some(per_iteration(os, s, NULL_CALL.warmup, NULL_CALL.iters, |os, _| {
        core::hint::black_box(os.clock_monotonic());
    }))
}

/// First touch of a fresh anonymous page, one fault per iteration. The
/// first page is touched before timing so the range's page tables exist.
pub fn fault_anon<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let pages = 1 + FAULT.warmup + FAULT.iters;
    let base = os.mmap_anon(pages * PAGE)?;
    // SAFETY: page 0 of the read-write mapping made just above, which this
    // function alone uses and unmaps last.
    unsafe { os.touch(base) };
    // SAFETY: page i + 1 < pages of the same mapping.
    let m = per_iteration(os, s, FAULT.warmup, FAULT.iters, |os, i| unsafe { os.touch(base + (i + 1) * PAGE) });
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

/// `kill` to itself with a handler installed, until the handler has
/// returned; every run counted.
pub fn signal_rtt<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    os.catch_usr1()?;
    let before = os.usr1_runs();
    let mut failed = false;
    let m = per_iteration(os, s, NULL_CALL.warmup, NULL_CALL.iters, |os, _| failed |= os.raise_usr1().is_none());
    let runs = os.usr1_runs() - before;
    (!failed && runs == (NULL_CALL.warmup + NULL_CALL.iters) as u64).then_some(m)
}

/// fork + exec of a tiny static program that exits at once + wait.
pub fn exec_small<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    // One untimed run first: a system that cannot exec says so here.
    if !os.fork_exec_wait()? {
        return None;
    }
    let mut failed = false;
    let m = per_iteration(os, s, FORK.warmup, FORK.iters, |os, _| failed |= os.fork_exec_wait() != Some(true));
    (!failed).then_some(m)
}

/// fork + exit + wait, with `touched` bytes of anonymous memory written
/// before timing (0 for the small process).
pub fn fork_exit_wait<O: Os>(os: &mut O, s: &mut Samples, touched: usize) -> Option<u64> {
    let base = if touched > 0 {
        let b = os.mmap_anon(touched)?;
        for p in 0..touched / PAGE {
            // SAFETY: page p of the read-write mapping made just above.
            unsafe { os.touch(b + p * PAGE) };
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
