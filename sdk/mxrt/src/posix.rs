// SPDX-License-Identifier: BSD-2-Clause
//! The process-level calls of user programs.
use crate::ipc::{send, sendrec};
use minix_abi::cspace::{PM_EP, VM_EP};
use minix_abi::errno::Errno;
use minix_abi::{pm, vm};

fn pm_call(req: pm::Request) -> Result<u64, Errno> {
    let (c, w, l) = req.encode();
    sendrec(PM_EP, c, w, l).result()
}

fn vm_call(req: vm::Request) -> Result<u64, Errno> {
    let (c, w, l) = req.encode();
    sendrec(VM_EP, c, w, l).result()
}

pub fn getpid() -> u32 {
    pm_call(pm::Request::GetPid).unwrap_or(0) as u32
}

pub fn getppid() -> u32 {
    pm_call(pm::Request::GetPpid).unwrap_or(0) as u32
}

/// The TSC's frequency in MHz, as the kernel measured it at boot.
pub fn tsc_mhz() -> Result<u64, Errno> {
    pm_call(pm::Request::GetSysInfo)
}

/// Returns the child's pid in the parent and 0 in the child.
pub fn fork() -> Result<u32, Errno> {
    pm_call(pm::Request::Fork).map(|v| v as u32)
}

pub fn exit(code: u8) -> ! {
    let (c, w, l) = pm::Request::Exit { code }.encode();
    loop {
        send(PM_EP, c, w, l);
    }
}

/// Waits for a child: (pid, wait status). With WNOHANG, pid 0 means none
/// has exited yet.
pub fn waitpid(pid: i64, options: u64) -> Result<(u32, u64), Errno> {
    let (c, w, l) = pm::Request::Wait { pid, options }.encode();
    let r = sendrec(PM_EP, c, w, l);
    r.result().map(|p| (p as u32, r.vals[0]))
}

pub fn brk(addr: u64) -> Result<u64, Errno> {
    vm_call(vm::Request::Brk { addr })
}

pub fn mmap(addr: u64, len: u64, prot: u64, flags: u64) -> Result<u64, Errno> {
    vm_call(vm::Request::Mmap { addr, len, prot, flags })
}

pub fn munmap(addr: u64, len: u64) -> Result<u64, Errno> {
    vm_call(vm::Request::Munmap { addr, len })
}

/// (free frames, total frames, this process's resident pages).
pub fn vm_info() -> Result<(u64, u64, u64), Errno> {
    let (c, w, l) = vm::Request::Info.encode();
    let r = sendrec(VM_EP, c, w, l);
    r.result().map(|free| (free, r.vals[0], r.vals[1]))
}
