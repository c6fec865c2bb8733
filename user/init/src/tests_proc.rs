//! Tests of the multi-server system: pings, errors, process calls, and a
//! wild access that must kill only the offender.
use crate::harness::{ensure, Harness};
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

pub fn run(h: &mut Harness) {
    h.check("proc.ping_pm", ping(PM_EP, PM.0));
    h.check("proc.ping_vm", ping(VM_EP, VM.0));
    h.check("proc.ping_vfs", ping(VFS_EP, VFS.0));

    for (name, slot) in [("proc.unknown_call_pm", PM_EP), ("proc.unknown_call_vm", VM_EP), ("proc.unknown_call_vfs", VFS_EP)] {
        let r = sendrec(slot, 0x7777, [1, 2, 3, 4], 4);
        h.check(name, ensure(r.result() == Err(ENOSYS), "expected ENOSYS"));
    }

    let (c, w, l) = pm::Request::SrvReady.encode();
    h.check("proc.server_only_pm_call_eperm", ensure(sendrec(PM_EP, c, w, l).result() == Err(EPERM), "expected EPERM"));
    let (c, w, l) = vm::Request::Exit { proc_: minix_abi::endpoint::INIT }.encode();
    h.check("proc.pm_only_vm_call_eperm", ensure(sendrec(VM_EP, c, w, l).result() == Err(EPERM), "expected EPERM"));

    let me = posix::getpid();
    h.check("proc.getpid_getppid", ensure(me != 0 && posix::getppid() != me, "bad pids"));

    h.check("proc.fork_exit_wait_status", fork_exit_wait());
    h.check("proc.wild_access_kills_only_child", wild_access());
    // Everyone still answers after the crash.
    h.check("proc.servers_alive_after_crash", ping(PM_EP, PM.0).and(ping(VM_EP, VM.0)).and(ping(VFS_EP, VFS.0)));
}

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
            let v = sel4::read_u64_at(WILD);
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
