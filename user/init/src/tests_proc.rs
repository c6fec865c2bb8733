// SPDX-License-Identifier: BSD-2-Clause
//! Tests of the multi-server system: pings, errors, process calls, and a
//! wild access that must kill only the offender.
use crate::harness::{ensure, Test};
use minix_abi::common::PING;
use minix_abi::cspace::{PM_EP, VFS_EP, VM_EP};
use minix_abi::endpoint::{PM, VFS, VM};
use minix_abi::errno::{ENOSYS, EPERM};
use minix_abi::{pm, vm};
use mxrt::ipc::sendrec;
use mxrt::posix;

/// An address no region covers.
const WILD: u64 = 0xdead_0000;

fn ping(slot: u64, expect: u32) -> Result<(), &'static str> {
    let r = sendrec(slot, PING, [0; 4], 0);
    ensure(r.result() == Ok(expect as u64), "wrong ping answer")
}

fn unknown_call(slot: u64) -> Result<(), &'static str> {
    let r = sendrec(slot, 0x7777, [1, 2, 3, 4], 4);
    ensure(r.result() == Err(ENOSYS), "expected ENOSYS")
}

/// init is the first user process: pid 7 (after PM, VM, VFS, FS, the
/// block driver and the timer driver), its parent PM (pid 1); the suite
/// runs in init's children, /bin/mtest.
fn getpid_getppid() -> Result<(), &'static str> {
    ensure(posix::getppid() == 7, "the suite's parent is not init (pid 7)")?;
    ensure(posix::getpid() > 7, "the suite's pid is not after init's")?;
    let (c, w, l) = pm::Request::GetPid.encode();
    let r = sendrec(PM_EP, c, w, l);
    ensure(r.result() == Ok(posix::getpid() as u64) && r.vals[0] == 7, "GETPID's two words disagree")
}

pub const TESTS: &[Test] = &[
    Test { name: "proc.ping_pm", run: |_| ping(PM_EP, PM.0) },
    Test { name: "proc.ping_vm", run: |_| ping(VM_EP, VM.0) },
    Test { name: "proc.ping_vfs", run: |_| ping(VFS_EP, VFS.0) },
    Test { name: "proc.unknown_call_pm", run: |_| unknown_call(PM_EP) },
    Test { name: "proc.unknown_call_vm", run: |_| unknown_call(VM_EP) },
    Test { name: "proc.unknown_call_vfs", run: |_| unknown_call(VFS_EP) },
    Test {
        name: "proc.server_only_pm_call_eperm",
        run: |_| {
            let (c, w, l) = pm::Request::SrvReady.encode();
            ensure(sendrec(PM_EP, c, w, l).result() == Err(EPERM), "expected EPERM")
        },
    },
    Test {
        name: "proc.pm_only_vm_call_eperm",
        run: |_| {
            let (c, w, l) = vm::Request::Exit { proc_: minix_abi::endpoint::INIT }.encode();
            ensure(sendrec(VM_EP, c, w, l).result() == Err(EPERM), "expected EPERM")
        },
    },
    Test { name: "proc.getpid_getppid", run: |_| getpid_getppid() },
    Test { name: "proc.fork_exit_wait_status", run: |_| fork_exit_wait() },
    Test { name: "proc.wild_access_kills_only_child", run: |_| wild_access() },
    // Everyone still answers after the crash.
    Test { name: "proc.servers_alive_after_crash", run: |_| ping(PM_EP, PM.0).and(ping(VM_EP, VM.0)).and(ping(VFS_EP, VFS.0)) },
];

fn fork_exit_wait() -> Result<(), &'static str> {
    let parent = posix::getpid();
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => {
            let code = if posix::getppid() == parent { 42 } else { 1 };
            posix::exit(code)
        }
        Ok(child) => {
            let (pid, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
            ensure(pid == child, "wait returned another pid")?;
            ensure(pm::wifexited(status) && pm::wexitstatus(status) == 42, "wrong exit status")
        }
    }
}

fn wild_access() -> Result<(), &'static str> {
    match posix::fork() {
        Err(_) => Err("fork failed"),
        Ok(0) => {
            // SAFETY: the read faults on purpose: no region covers WILD,
            // so VM kills this child (only it) with SIGSEGV and the read
            // never completes.
            let v = unsafe { sel4::read_u64_at(WILD) };
            // Not reached: the read faults and VM kills this process.
            posix::exit((v & 0x7f) as u8 | 0x80)
        }
        Ok(child) => {
            let (pid, status) = posix::waitpid(-1, 0).map_err(|_| "wait failed")?;
            ensure(pid == child, "wait returned another pid")?;
            ensure(!pm::wifexited(status) && pm::wtermsig(status) == pm::SIGSEGV, "child not killed by SIGSEGV")
        }
    }
}
