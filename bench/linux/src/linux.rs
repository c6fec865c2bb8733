// SPDX-License-Identifier: BSD-2-Clause
//! Linux as the workloads see it: each `Os` method is the one system call
//! (through glibc's thin wrappers), with nothing allocated on the way so
//! that only the call is timed.
use bench_spec::workloads::{FileMap, Open, Os};
use bench_spec::Clock;
use core::arch::x86_64::{_mm_lfence, _rdtsc};
use core::ptr;

/// The system under test; `dir` is where the file workloads work.
/// signal_rtt's handler runs.
static USR1_RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub struct Linux {
    pub dir: &'static str,
    /// Linux 6.1's fault-around switch, `fault_around_bytes` in debugfs,
    /// if this run may set it (only in the bench guest, never on a host).
    pub fault_around_knob: Option<&'static str>,
    /// `/proc/sys/vm/drop_caches`, if this run may empty the whole page
    /// cache (only in the bench guest).
    pub drop_caches_knob: Option<&'static str>,
}

/// `statfs`'s `f_type` of a MINIX v3 file system.
const MINIX3_SUPER_MAGIC: libc::c_long = 0x4d5a;

/// Linux's default fault-around window: 16 pages.
const FAULT_AROUND_DEFAULT: &str = "65536";
/// One page: no neighbours mapped.
const FAULT_AROUND_OFF: &str = "4096";

impl Linux {
    /// Linux 6.1 has no per-mapping fault-around switch (MADV_RANDOM only
    /// stops readahead: a 64-page mapping still took 5 faults with it), so
    /// a file mapping sets the system-wide window for its kind. The
    /// workloads hold one file mapping at a time, so the window set last
    /// is the mapping's.
    fn set_fault_around(&mut self, bytes: &str) -> Option<()> {
        std::fs::write(self.fault_around_knob?, bytes).ok()
    }
}

impl Clock for Linux {
    fn now(&mut self) -> u64 {
        // SAFETY: lfence and rdtsc have no memory effects. The fences keep
        // the timed instructions from moving across the read.
        unsafe {
            _mm_lfence();
            let t = _rdtsc();
            _mm_lfence();
            t
        }
    }
}

/// A NUL-terminated copy of `path` on the stack: a few dozen instructions
/// where `CString` would call malloc and free inside the timed region.
struct CPath([u8; 256]);

impl CPath {
    fn new(path: &str) -> Option<CPath> {
        let b = path.as_bytes();
        if b.len() >= 256 || b.contains(&0) {
            return None;
        }
        let mut c = CPath([0; 256]);
        c.0[..b.len()].copy_from_slice(b);
        Some(c)
    }
    fn ptr(&self) -> *const libc::c_char {
        self.0.as_ptr().cast()
    }
}

fn ok(r: libc::c_int) -> Option<()> {
    (r == 0).then_some(())
}

fn count(r: isize) -> Option<usize> {
    (r >= 0).then_some(r as usize)
}

fn map(r: *mut libc::c_void) -> Option<usize> {
    (r != libc::MAP_FAILED).then_some(r as usize)
}

impl Os for Linux {
    fn null_call(&mut self) {
        // getpid is the usual null call, but glibc used to cache it and
        // the figure must be a real kernel entry; getppid never was.
        // SAFETY: no arguments, no memory touched.
        unsafe { libc::getppid() };
    }

    fn clock_monotonic(&mut self) -> Option<u64> {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a timespec of our own that the call fills.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) } != 0 {
            return None;
        }
        Some(t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
    }

    fn mmap_anon(&mut self, len: usize) -> Option<usize> {
        let prot = libc::PROT_READ | libc::PROT_WRITE;
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        // SAFETY: a fresh mapping chosen by the kernel overlaps nothing.
        map(unsafe { libc::mmap(ptr::null_mut(), len, prot, flags, -1, 0) })
    }

    fn munmap(&mut self, addr: usize, len: usize) {
        // SAFETY: the workloads unmap only mappings they made.
        unsafe { libc::munmap(addr as *mut libc::c_void, len) };
    }

    unsafe fn touch(&mut self, addr: usize) {
        // SAFETY: the caller keeps `addr` inside a writable mapping of its
        // own (Os::touch's contract); the workloads pass page starts, so
        // the word is aligned.
        unsafe { ptr::write_volatile(addr as *mut u64, addr as u64) };
    }

    fn fork_exit_wait(&mut self) -> bool {
        match self.fork_with(&mut |_| 0) {
            Some(pid) => self.waitpid(pid) == Some(0),
            None => false,
        }
    }

    fn catch_usr1(&mut self) -> Option<()> {
        extern "C" fn count(_sig: libc::c_int) {
            USR1_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        // SAFETY: a zeroed sigaction with a handler that only touches an
        // atomic (async-signal-safe) and an empty mask.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = count as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            (libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()) == 0).then_some(())
        }
    }

    fn raise_usr1(&mut self) -> Option<()> {
        // The pid asked once, as ours does: the figure is the signal.
        static PID: std::sync::OnceLock<libc::pid_t> = std::sync::OnceLock::new();
        // SAFETY: getpid and kill take plain integers.
        let pid = *PID.get_or_init(|| unsafe { libc::getpid() });
        // SAFETY: as above.
        (unsafe { libc::kill(pid, libc::SIGUSR1) } == 0).then_some(())
    }

    fn usr1_runs(&self) -> u64 {
        USR1_RUNS.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn fork_exec_wait(&mut self) -> Option<bool> {
        // The tiny program: /bin/exit0 in the bench initramfs
        // (tools/tiny-exit-elf.py), else a host's /bin/true.
        let path: &'static [u8] = [&b"/bin/exit0\0"[..], b"/bin/true\0"]
            .into_iter()
            .find(|p| std::path::Path::new(std::str::from_utf8(&p[..p.len() - 1]).unwrap_or("")).exists())?;
        let argv = [path.as_ptr() as *const libc::c_char, core::ptr::null()];
        let envp = [core::ptr::null::<libc::c_char>()];
        let pid = self.fork_with(&mut |_| {
            // SAFETY: path is NUL-terminated and static; argv and envp are
            // NULL-terminated arrays that live until execve returns (only
            // on failure).
            unsafe { libc::execve(path.as_ptr() as *const libc::c_char, argv.as_ptr(), envp.as_ptr()) };
            127
        });
        Some(match pid {
            Some(pid) => self.waitpid(pid) == Some(0),
            None => false,
        })
    }

    fn work_dir(&self) -> &str {
        self.dir
    }

    fn open(&mut self, path: &str, how: Open) -> Option<i32> {
        let p = CPath::new(path)?;
        let flags = match how {
            Open::Read => libc::O_RDONLY,
            Open::Create => libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            Open::Append => libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND,
            Open::Directory => libc::O_RDONLY | libc::O_DIRECTORY,
            Open::Update => libc::O_WRONLY,
        };
        // SAFETY: `p` is NUL-terminated and outlives the call.
        let fd = unsafe { libc::open(p.ptr(), flags | libc::O_CLOEXEC, 0o644 as libc::c_uint) };
        (fd >= 0).then_some(fd)
    }

    fn close(&mut self, fd: i32) -> Option<()> {
        // SAFETY: closing a descriptor touches no memory of ours.
        ok(unsafe { libc::close(fd) })
    }

    fn read(&mut self, fd: i32, buf: &mut [u8]) -> Option<usize> {
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        count(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
    }

    fn pread(&mut self, fd: i32, buf: &mut [u8], offset: u64) -> Option<usize> {
        // SAFETY: as for `read`.
        count(unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), offset as libc::off_t) })
    }

    fn write(&mut self, fd: i32, buf: &[u8]) -> Option<usize> {
        // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
        count(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
    }

    fn pwrite(&mut self, fd: i32, buf: &[u8], offset: u64) -> Option<usize> {
        // SAFETY: as for `write`.
        count(unsafe { libc::pwrite(fd, buf.as_ptr().cast(), buf.len(), offset as libc::off_t) })
    }

    fn fsync(&mut self, fd: i32) -> Option<()> {
        // SAFETY: touches no memory of ours.
        ok(unsafe { libc::fsync(fd) })
    }

    /// The disk figures run where ours do: on a MINIX v3 file system,
    /// which in the bench guest is Linux's own minix driver on a virtio
    /// disk made by the same image builder.
    fn on_disk(&mut self) -> bool {
        let Some(p) = CPath::new(self.dir) else { return false };
        // SAFETY: `st` is written by the kernel before it is read.
        unsafe {
            let mut st: libc::statfs = core::mem::zeroed();
            libc::statfs(p.ptr(), &mut st) == 0 && st.f_type == MINIX3_SUPER_MAGIC
        }
    }

    /// The file's pages go (they are clean: the workload fsync'd them),
    /// and in the guest the whole page cache too, so the block device's
    /// cached indirect blocks are read again as well.
    fn uncache(&mut self, fd: i32) -> Option<()> {
        // SAFETY: advice only; no memory of ours is touched.
        ok(unsafe { libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED) })?;
        match self.drop_caches_knob {
            Some(knob) => std::fs::write(knob, "1").ok(),
            None => Some(()),
        }
    }

    fn stat(&mut self, path: &str) -> Option<u64> {
        let p = CPath::new(path)?;
        // SAFETY: `st` is written by the kernel before it is read.
        unsafe {
            let mut st: libc::stat = core::mem::zeroed();
            ok(libc::stat(p.ptr(), &mut st))?;
            Some(st.st_size as u64)
        }
    }

    fn unlink(&mut self, path: &str) -> Option<()> {
        let p = CPath::new(path)?;
        // SAFETY: `p` is NUL-terminated.
        ok(unsafe { libc::unlink(p.ptr()) })
    }

    fn mkdir(&mut self, path: &str) -> Option<()> {
        let p = CPath::new(path)?;
        // SAFETY: `p` is NUL-terminated.
        ok(unsafe { libc::mkdir(p.ptr(), 0o755) })
    }

    fn rmdir(&mut self, path: &str) -> Option<()> {
        let p = CPath::new(path)?;
        // SAFETY: `p` is NUL-terminated.
        ok(unsafe { libc::rmdir(p.ptr()) })
    }

    fn getdents(&mut self, fd: i32, buf: &mut [u8]) -> Option<usize> {
        // glibc's getdents64 wrapper is newer than some libcs; the raw
        // call is the same system call.
        // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
        let r = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) };
        count(r as isize)
    }

    fn pipe(&mut self) -> Option<(i32, i32)> {
        let mut fds = [0; 2];
        // SAFETY: the kernel fills the two-element array.
        ok(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
        Some((fds[0], fds[1]))
    }

    fn fork_with(&mut self, child: &mut dyn FnMut(&mut Self) -> i32) -> Option<i32> {
        // SAFETY: the benchmark is single-threaded, so the child may run
        // anything; it leaves through _exit, never back into the caller.
        match unsafe { libc::fork() } {
            -1 => None,
            0 => {
                let status = child(self);
                // SAFETY: _exit ends this forked child at once, without
                // running the parent's atexit handlers or flushing its
                // stdio buffers twice.
                unsafe { libc::_exit(status) }
            }
            pid => Some(pid),
        }
    }

    fn waitpid(&mut self, pid: i32) -> Option<i32> {
        let mut status = 0;
        // SAFETY: the kernel writes `status`.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        (r == pid && libc::WIFEXITED(status)).then(|| libc::WEXITSTATUS(status))
    }

    fn mmap_file(&mut self, fd: i32, len: usize, how: FileMap) -> Option<usize> {
        let (prot, flags) = match how {
            FileMap::Shared | FileMap::SharedOnePagePerFault => (libc::PROT_READ, libc::MAP_SHARED),
            FileMap::PrivateWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE),
        };
        match how {
            FileMap::SharedOnePagePerFault => self.set_fault_around(FAULT_AROUND_OFF)?,
            // Without the knob the window is whatever it is: the default
            // unless this program changed it, and it only changes it here.
            _ if self.fault_around_knob.is_some() => self.set_fault_around(FAULT_AROUND_DEFAULT)?,
            _ => {}
        }
        // SAFETY: a fresh mapping chosen by the kernel overlaps nothing.
        map(unsafe { libc::mmap(ptr::null_mut(), len, prot, flags, fd, 0) })
    }
}

/// Minor faults this process has taken so far: checks that a workload
/// faults once per page where it means to.
pub fn minor_faults() -> u64 {
    // SAFETY: the kernel fills `ru`.
    unsafe {
        let mut ru: libc::rusage = core::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru.ru_minflt as u64
    }
}
