// SPDX-License-Identifier: BSD-2-Clause
//! Benchmarks, run under QEMU -icount shift=0 (one TSC tick = one guest
//! instruction). The workloads are `bench_spec`'s, the same code the Linux
//! peer runs; this file only says how our system performs each operation.
//! Every figure is printed as `measure name=<id> instr=<n>`; the host
//! report (`tools/bench-report`) adds floors, ratios and the Linux column.
extern crate alloc;
use alloc::boxed::Box;
use bench_spec::workloads::{self, FileMap, Open, Os};
use bench_spec::{per_iteration, Clock, Samples};
use minix_abi::cspace::{PM_EP, VFS_EP};
use minix_abi::vm::{MAP_ANON, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use minix_abi::{pm, vfs};
use mxrt::fs::{self, Fd};
use sel4_root_task::println;

/// Slot where a bench build of init finds the root task's echo endpoint.
pub const BENCH_ECHO_EP: u64 = 20;

/// Our system, as the workloads see it.
struct Minix;

/// signal_rtt's handler runs.
static USR1_RUNS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

fn count_usr1(_sig: u32) {
    USR1_RUNS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}

/// This process's pid, asked of PM once (a kill to oneself names it).
fn own_pid() -> u32 {
    static PID: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
    match PID.load(core::sync::atomic::Ordering::Relaxed) {
        0 => {
            let p = mxrt::posix::getpid();
            PID.store(p, core::sync::atomic::Ordering::Relaxed);
            p
        }
        p => p,
    }
}

impl Clock for Minix {
    fn now(&mut self) -> u64 {
        sel4::rdtsc_fenced()
    }
}

impl Os for Minix {
    fn null_call(&mut self) {
        let (c, w, l) = pm::Request::GetPid.encode();
        mxrt::ipc::sendrec(PM_EP, c, w, l);
    }
    fn clock_monotonic(&mut self) -> Option<u64> {
        mxrt::time::clock_gettime(mxrt::time::CLOCK_MONOTONIC).ok().map(|t| t.as_nanos())
    }
    fn mmap_anon(&mut self, len: usize) -> Option<usize> {
        mxrt::posix::mmap(0, len as u64, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE).ok().map(|a| a as usize)
    }
    fn munmap(&mut self, addr: usize, len: usize) {
        let _ = mxrt::posix::munmap(addr as u64, len as u64);
    }
    unsafe fn touch(&mut self, addr: usize) {
        // SAFETY: Os::touch's contract: the word is inside a writable
        // mapping the workload made and holds, which nothing borrows.
        unsafe { sel4::write_u64_at(addr as u64, addr as u64) };
    }
    fn fork_exit_wait(&mut self) -> bool {
        match mxrt::posix::fork() {
            Ok(0) => mxrt::posix::exit(0),
            Ok(child) => mxrt::posix::waitpid(child as i64, 0).is_ok(),
            Err(_) => false,
        }
    }
    fn catch_usr1(&mut self) -> Option<()> {
        mxrt::signal::set_handler(10, count_usr1, false, 0).ok()
    }
    fn raise_usr1(&mut self) -> Option<()> {
        mxrt::signal::kill(own_pid() as i32, 10).ok()
    }
    fn usr1_runs(&self) -> u64 {
        USR1_RUNS.load(core::sync::atomic::Ordering::Relaxed)
    }
    fn fork_exec_wait(&mut self) -> Option<bool> {
        // /bin/exit0 (tools/tiny-exit-elf.py --minix): PM's EXIT at once.
        Some(match mxrt::posix::fork() {
            Ok(0) => {
                let e = mxrt::args::execve(b"/bin/exit0", &[b"exit0"], &[]);
                mxrt::posix::exit(100u8.saturating_add(e.0 as u8))
            }
            Ok(child) => mxrt::posix::waitpid(child as i64, 0).is_ok_and(|(_, status)| status == 0),
            Err(_) => false,
        })
    }
    fn open(&mut self, path: &str, how: Open) -> Option<i32> {
        use minix_abi::vfs::flags::*;
        let flags = match how {
            Open::Read => O_RDONLY,
            Open::Create => O_WRONLY | O_CREAT | O_TRUNC,
            Open::Append => O_WRONLY | O_CREAT | O_APPEND,
            Open::Directory => O_RDONLY | O_DIRECTORY,
            Open::Update => O_WRONLY,
        };
        fs::open(path.as_bytes(), flags, 0o644).ok().map(|f| f.0 as i32)
    }
    fn close(&mut self, fd: i32) -> Option<()> {
        fs::close(Fd(fd as u32)).ok()
    }
    fn read(&mut self, fd: i32, buf: &mut [u8]) -> Option<usize> {
        fs::read(Fd(fd as u32), buf).ok()
    }
    fn pread(&mut self, fd: i32, buf: &mut [u8], offset: u64) -> Option<usize> {
        fs::pread(Fd(fd as u32), buf, offset).ok()
    }
    fn write(&mut self, fd: i32, buf: &[u8]) -> Option<usize> {
        fs::write(Fd(fd as u32), buf).ok()
    }
    fn pwrite(&mut self, fd: i32, buf: &[u8], offset: u64) -> Option<usize> {
        fs::pwrite(Fd(fd as u32), buf, offset).ok()
    }
    fn fsync(&mut self, fd: i32) -> Option<()> {
        fs::fsync(Fd(fd as u32)).ok()
    }
    fn on_disk(&mut self) -> bool {
        fs::statvfs(b"/").is_ok_and(|s| s.dev as u64 == minix_abi::fs::DISK_DEV)
    }
    fn stat(&mut self, path: &str) -> Option<u64> {
        fs::stat(path.as_bytes()).ok().map(|s| s.size)
    }
    fn unlink(&mut self, path: &str) -> Option<()> {
        fs::unlink(path.as_bytes()).ok()
    }
    fn mkdir(&mut self, path: &str) -> Option<()> {
        fs::mkdir(path.as_bytes(), 0o755).ok()
    }
    fn rmdir(&mut self, path: &str) -> Option<()> {
        fs::rmdir(path.as_bytes()).ok()
    }
    fn getdents(&mut self, fd: i32, buf: &mut [u8]) -> Option<usize> {
        fs::getdents(Fd(fd as u32), buf).ok()
    }
    fn pipe(&mut self) -> Option<(i32, i32)> {
        fs::pipe(0).ok().map(|(r, w)| (r.0 as i32, w.0 as i32))
    }
    fn fork_with(&mut self, child: &mut dyn FnMut(&mut Self) -> i32) -> Option<i32> {
        match mxrt::posix::fork() {
            Ok(0) => {
                let code = child(self);
                mxrt::posix::exit(code as u8)
            }
            Ok(pid) => Some(pid as i32),
            Err(_) => None,
        }
    }
    fn mmap_file(&mut self, fd: i32, len: usize, how: FileMap) -> Option<usize> {
        use minix_abi::vm::{MAP_NO_AROUND, MAP_PRIVATE, MAP_SHARED};
        let (prot, flags) = match how {
            FileMap::Shared => (PROT_READ, MAP_SHARED),
            FileMap::SharedOnePagePerFault => (PROT_READ, MAP_SHARED | MAP_NO_AROUND),
            FileMap::PrivateWrite => (PROT_READ | PROT_WRITE, MAP_PRIVATE),
        };
        fs::mmap(Fd(fd as u32), 0, len as u64, prot, flags, 0).ok().map(|a| a as usize)
    }
    fn waitpid(&mut self, pid: i32) -> Option<i32> {
        mxrt::posix::waitpid(pid as i64, 0).ok().map(|(_, status)| status as i32)
    }
}

fn report(name: &str, v: Option<u64>) {
    match v {
        Some(n) => println!("measure name={} instr={}", name, n),
        None => println!("bench: {} could not run", name),
    }
}

pub fn run() {
    let os = &mut Minix;
    let s = &mut *Box::<Samples>::default();
    let r = workloads::NULL_CALL;
    let ipc = per_iteration(os, s, r.warmup, r.iters, |_, _| {
        sel4::call(sel4::CPtr(BENCH_ECHO_EP), sel4::MessageInfo::new(1, 0, 0, 1), [0; 4]);
    });
    report("ipc_process", Some(ipc));
    report("getpid", workloads::null_call(os, s));
    safecopy();
    // Cold: VM takes frames it has never handed out. Warm: the same
    // workload again after munmap, so VM reuses the freed frames, its
    // steady state once processes have come and gone.
    report("fault_anon_cold", workloads::fault_anon(os, s));
    report("fault_anon_warm", workloads::fault_anon(os, s));
    report("mmap_munmap_64k", workloads::mmap_munmap_64k(os, s));
    report("fork_exit_wait_small", workloads::fork_exit_wait(os, s, 0));
    report("fork_exit_wait_1m", workloads::fork_exit_wait(os, s, 1 << 20));
    // The file, pipe and file-mapping figures, the same workloads Linux
    // runs (a figure that cannot run says so).
    let _ = fs::mkdir(os.work_dir().as_bytes(), 0o755);
    for (name, w) in workloads::posix_workloads::<Minix>() {
        report(name, w(os, s));
    }
    // The disk figures: the bench boot's root is a virtio disk. First the
    // driver alone, the floor of the cold read.
    if os.on_disk() {
        disk_raw(os, s);
    }
    report("disk_seqread_cold", workloads::disk_seqread_cold(os, s));
    report("disk_write_fsync", workloads::disk_write_fsync(os, s));
    c_programs();
}

/// The C figures (issue 21): `/bin/cbench` (user/c/cbench.c), the same
/// source the Linux peer runs built against stock musl, measures them
/// and prints its own `measure` lines, which pass through here.
fn c_programs() {
    match crate::tests_exec::run_probe(b"/bin/cbench", &[b"cbench"], &[b"PATH=/bin"], || {}) {
        Ok((out, status)) => {
            for line in out.lines() {
                println!("{}", line);
            }
            if status != 0 {
                println!("bench: /bin/cbench ended with wait status {:#x}", status);
            }
        }
        Err(e) => println!("bench: /bin/cbench could not run: {}", e),
    }
}

/// The cold read's floor: 16 MiB of the disk read straight from the block
/// driver in 64 KiB READs into one granted buffer, as FS's runs are
/// (`disk_raw_read`, per 16 MiB), and of that, the time the driver waited
/// between its notifies and their completions (`disk_raw_wait`: the
/// device, the interrupt and the wake-up, from the driver's STATS). Read
/// only: the disk is the root file system's.
fn disk_raw(os: &mut Minix, s: &mut Samples) {
    use minix_abi::blk::{Dir, Request, MAX_TRANSFER};
    const LEN: u64 = 16 << 20;
    const ROUNDS: usize = 5;
    let ask = |r: Request| {
        let (c, w, l) = r.encode();
        mxrt::ipc::sendrec(minix_abi::cspace::BLK_EP, c, w, l)
    };
    let Ok(mut buf) = mxrt::posix::mmap_region(MAX_TRANSFER, PROT_READ | PROT_WRITE) else { return };
    // Present before timing: the driver's copies must not fault it in.
    buf.as_mut_slice().fill(0);
    let mut g = mxrt::grants::Grants::new();
    let Ok(id) = g.direct(minix_abi::endpoint::BLK, buf.base(), MAX_TRANSFER, grant::CPF_WRITE) else { return };
    let mut waits = [0u64; ROUNDS];
    let mut failed = false;
    let m = per_iteration(os, s, 1, ROUNDS, |_, i| {
        let before = ask(Request::Stats).vals[2];
        let mut pos = 0;
        while pos < LEN {
            let r = ask(Request::Transfer { dir: Dir::In, minor: 0, position: pos, grant: id.0, bytes: MAX_TRANSFER });
            failed |= r.result() != Ok(MAX_TRANSFER);
            pos += MAX_TRANSFER;
        }
        if i >= 1 {
            waits[i - 1] = ask(Request::Stats).vals[2].wrapping_sub(before);
        }
    });
    let _ = g.revoke(id);
    let _ = buf.unmap();
    if failed {
        println!("bench: disk_raw_read could not run: a READ failed");
        return;
    }
    report("disk_raw_read", Some(m));
    report("disk_raw_wait", Some(bench_spec::median(&mut waits)));
}

/// safecopy of 4 KiB and 64 KiB from init's grant into VFS; VFS times the
/// copies and an in-VFS memcpy of the same size (the floor's second half).
fn safecopy() {
    const LEN: u64 = 64 * 1024;
    let Ok(mut buf) = mxrt::posix::mmap_region(LEN, PROT_READ | PROT_WRITE) else { return };
    for i in 0..LEN / 8 {
        buf.write_u64(i * 8, i);
    }
    let mut g = mxrt::grants::Grants::new();
    let Ok(id) = g.direct(minix_abi::endpoint::VFS, buf.base(), LEN, grant::CPF_READ) else { return };
    for (len, copy, memcpy) in [(4096u64, "safecopy_4k", "memcpy_4k"), (LEN, "safecopy_64k", "memcpy_64k")] {
        let (c, w, l) = vfs::Request::GrantBench { grant: id.0, len, rounds: 500 }.encode();
        let r = mxrt::ipc::sendrec(VFS_EP, c, w, l);
        match r.result() {
            Ok(n) => {
                report(copy, Some(n));
                report(memcpy, Some(r.vals[0]));
            }
            Err(e) => println!("bench: {} failed: {}", copy, e.name()),
        }
    }
    let _ = g.revoke(id);
    let _ = buf.unmap();
}
