// SPDX-License-Identifier: BSD-2-Clause
//! Attacks a hostile process can make with what every user holds, each of
//! which once broke the whole system: caps attached to requests, labels
//! with high bits, out-of-range words. After each, the servers must still
//! answer and fork must still work without leaking VM's frames.
use crate::harness::{ensure, Test};
use minix_abi::common::PING;
use minix_abi::cspace::addr::IPC_BUFFER;
use minix_abi::cspace::{PM_EP, VFS_EP, VM_EP};
use minix_abi::endpoint::{PM, VFS, VM};
use minix_abi::errno::{EFAULT, EINVAL, ENOSYS, EPERM};
use minix_abi::vm::{MAP_ANON, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use minix_abi::{pm, vm};
use mxrt::ipc::sendrec;
use mxrt::posix;
use sel4::{CPtr, MessageInfo};

/// PING `slot` with `caps` attached; the answer must be the server's own
/// endpoint, as for a plain PING.
fn ping_with_caps(slot: u64, caps: &[u64], expect: u32) -> Result<(), &'static str> {
    for (i, c) in caps.iter().enumerate() {
        sel4::set_cap(i, CPtr(*c));
    }
    let r = sel4::call(CPtr(slot), MessageInfo::new(PING, 0, caps.len() as u64, 0), [0; 4]);
    ensure(r.info.label() == 0 && r.mrs[0] == expect as u64, "wrong answer to a PING with caps")
}

/// Forks `n` children that exit at once, and checks that VM's free frames
/// come back to where they were.
fn forks_work(n: usize) -> Result<(), &'static str> {
    // One warm-up fork, so VM's recycled objects exist before counting.
    fork_one()?;
    let before = posix::vm_info().map_err(|_| "vm_info")?.0;
    for _ in 0..n {
        fork_one()?;
    }
    let after = posix::vm_info().map_err(|_| "vm_info")?.0;
    ensure(after == before, "VM's free frames did not come back after forks")
}

/// A new program from the disk (fork, then exec of /bin/exit0) and a
/// wait for it: the path that stray caps once broke, PM's cap transfer
/// to VM and back included. SPAWN of a boot image (0x106) is retired:
/// PM answers ENOSYS.
fn spawn_works() -> Result<(), &'static str> {
    let r = sendrec(PM_EP, pm::BASE + 6, [0; 4], 1);
    ensure(r.result() == Err(ENOSYS), "PM's retired SPAWN did not answer ENOSYS")?;
    let child = match posix::fork() {
        Err(_) => return Err("fork failed"),
        Ok(0) => {
            mxrt::args::execve(b"/bin/exit0", &[b"exit0"], &[]);
            posix::exit(127)
        }
        Ok(child) => child,
    };
    let (got, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait for the new program failed")?;
    ensure(got == child && pm::wifexited(status) && pm::wexitstatus(status) == 0, "/bin/exit0 did not exit 0")
}

fn fork_one() -> Result<(), &'static str> {
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => posix::exit(7),
        Ok(child) => {
            let (pid, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
            ensure(pid == child && pm::wifexited(status) && pm::wexitstatus(status) == 7, "wrong child status")
        }
    }
}

/// F2: munmap of the IPC-buffer page is refused and the page stays.
fn munmap_ipc_buffer() -> Result<(), &'static str> {
    ensure(posix::munmap(IPC_BUFFER, 4096) == Err(EINVAL), "munmap of the IPC buffer not refused")?;
    ensure(posix::munmap(IPC_BUFFER - 4096, 3 * 4096) == Err(EINVAL), "a range over the IPC buffer not refused")?;
    // A call that needs the IPC buffer still works.
    ensure(posix::getpid() != 0, "no getpid after the munmap")
}

/// F3: a grant on the IPC-buffer page gives EFAULT, and the page stays
/// mapped (VM once unmapped it on the way).
fn grant_on_ipc_buffer() -> Result<(), &'static str> {
    let mut g = mxrt::grants::Grants::new();
    let id = g.direct(VFS, IPC_BUFFER, 64, grant::CPF_READ | grant::CPF_WRITE).map_err(|_| "grant")?;
    let (c, w, l) = minix_abi::vfs::Request::GrantExercise { grant: id.0, len: 64, delta: 1 }.encode();
    let r = sendrec(VFS_EP, c, w, l).result();
    let _ = g.revoke(id);
    ensure(r == Err(EFAULT), "a copy through the IPC buffer was not EFAULT")?;
    ensure(posix::getpid() != 0, "no getpid after the copy")
}

/// FIX_RANGE is VFS's: anyone else (init here) gets EPERM, whatever the
/// range names (its own untouched pages, a hole, even a zero length), and
/// VM pages nothing in for it.
fn fix_range_not_vfs() -> Result<(), &'static str> {
    let m = posix::mmap_region(4 * 4096, PROT_READ | PROT_WRITE).map_err(|_| "mmap")?;
    let base = m.base();
    let before = posix::vm_info().map_err(|_| "vm_info")?.2;
    for (addr, len, write) in [(base, 4 * 4096, true), (base, 4096, false), (base, 0, false), (0, 4096, true)] {
        ensure(
            mxrt::grants::fix_range(crate::harness::self_ep(), addr, len, write) == Err(EPERM),
            "FIX_RANGE from a process was not EPERM",
        )?;
    }
    let after = posix::vm_info().map_err(|_| "vm_info")?.2;
    ensure(after == before, "FIX_RANGE from init paged memory in")?;
    m.unmap().map_err(|_| "munmap")
}

/// The cache window is the FS's: anyone else asking gets EPERM, and no
/// window is made (VM's INFO shows no new resident pages).
fn cache_window_not_fs() -> Result<(), &'static str> {
    let before = posix::vm_info().map_err(|_| "vm_info")?.2;
    ensure(posix::cache_window().err() == Some(EPERM), "CACHE_WINDOW from init was not EPERM")?;
    let after = posix::vm_info().map_err(|_| "vm_info")?.2;
    ensure(after == before, "CACHE_WINDOW from init mapped memory")
}

pub const TESTS: &[Test] = &[
    // Attack 1: a cap sent to PM (after children have died, as they have
    // by now) once landed in a freed slot and made every fork fail.
    Test {
        name: "hostile.cap_to_pm_then_fork_and_spawn",
        run: |_| ping_with_caps(PM_EP, &[VFS_EP], PM.0).and_then(|_| forks_work(5)).and_then(|_| spawn_works()),
    },
    // Attack 2: [the sender's own VM cap, another cap] to VM left the
    // second cap in VM's receive slot and broke fork and spawn.
    Test {
        name: "hostile.two_caps_to_vm_then_fork_and_spawn",
        run: |_| ping_with_caps(VM_EP, &[VM_EP, VFS_EP], VM.0).and_then(|_| forks_work(5)).and_then(|_| spawn_works()),
    },
    Test {
        name: "hostile.cap_to_vfs",
        run: |_| ping_with_caps(VFS_EP, &[PM_EP], VFS.0).and_then(|_| ping_with_caps(VFS_EP, &[VFS_EP, VM_EP], VFS.0)),
    },
    // F4: every bit of the label counts.
    Test {
        name: "hostile.label_high_bits_enosys",
        run: |_| {
            let (c, w, l) = pm::Request::GetPid.encode();
            ensure(sendrec(PM_EP, c | 0x10_0000, w, l).result() == Err(ENOSYS), "a label with high bits was answered")
        },
    },
    // F1: prot with bits above 32 is EINVAL, not a read-write mapping.
    Test {
        name: "hostile.mmap_prot_high_bits_einval",
        run: |_| {
            let (c, w, l) =
                vm::Request::Mmap { addr: 0, len: 4096, prot: (1 << 32) | PROT_READ | PROT_WRITE, flags: MAP_ANON | MAP_PRIVATE }.encode();
            ensure(sendrec(VM_EP, c, w, l).result() == Err(EINVAL), "expected EINVAL")
        },
    },
    // Attack 3: an unaligned table put the TRY mark across a page end, and
    // VM wrote into the next frame of its window (another process's).
    Test {
        name: "hostile.unaligned_grant_table_einval",
        run: |_| {
            let (c, w, l) = vm::Request::GrantTable { base: 0x4000_0000 + 4094, entries: 4 }.encode();
            ensure(sendrec(VM_EP, c, w, l).result() == Err(EINVAL), "expected EINVAL")
        },
    },
    Test { name: "hostile.munmap_ipc_buffer_einval", run: |_| munmap_ipc_buffer() },
    // F5: the benchmark call that held VFS and VM for seconds exists only
    // in bench builds.
    Test {
        name: "hostile.grant_bench_enosys",
        run: |_| {
            let (c, w, l) = minix_abi::vfs::Request::GrantBench { grant: 0, len: 65536, rounds: 100_000 }.encode();
            ensure(sendrec(VFS_EP, c, w, l).result() == Err(ENOSYS), "GRANT_BENCH was answered in a test build")
        },
    },
    Test { name: "hostile.grant_on_ipc_buffer_efault", run: |_| grant_on_ipc_buffer() },
    Test { name: "hostile.fix_range_not_vfs_eperm", run: |_| fix_range_not_vfs() },
    Test { name: "hostile.cache_window_not_fs_eperm", run: |_| cache_window_not_fs() },
];
