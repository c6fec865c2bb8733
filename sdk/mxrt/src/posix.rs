// SPDX-License-Identifier: BSD-2-Clause
//! The process-level calls of user programs.
use crate::ipc::{send, sendrec};
use minix_abi::cspace::{PM_EP, VM_EP};
use minix_abi::errno::{Errno, EINVAL};
use minix_abi::{pm, vm};

fn pm_call(req: pm::Request) -> Result<u64, Errno> {
    crate::signal::call_pm(&req).result()
}

/// Changes the protection of `[addr, addr + len)` to `prot` (`PROT_*`).
pub fn mprotect(addr: u64, len: u64, prot: u64) -> Result<(), Errno> {
    let addr = u32::try_from(addr).map_err(|_| minix_abi::errno::ENOMEM)?;
    let len = u32::try_from(len).map_err(|_| minix_abi::errno::ENOMEM)?;
    vm_call(vm::Request::Mprotect { addr, len, prot }).map(|_| ())
}

/// madvise of `[addr, addr + len)` (see `vm::MADVISE`).
pub fn madvise(addr: u32, len: u32, advice: u32) -> Result<(), Errno> {
    vm_call(vm::Request::Madvise { addr, len, advice }).map(|_| ())
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
    let r = crate::signal::call_pm(&pm::Request::Wait { pid, options });
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
    let (c, w, l) = vm::Request::Info { of: vm::InfoOf::Caller }.encode();
    let r = sendrec(VM_EP, c, w, l);
    r.result().map(|free| (free, r.vals[0], r.vals[1]))
}

/// VM's own memory: free frames, its heap, the paging structures it holds.
pub fn vm_memory() -> Result<vm::VmMemory, Errno> {
    let (c, w, l) = vm::Request::Info { of: vm::InfoOf::Vm }.encode();
    let r = sendrec(VM_EP, c, w, l);
    r.result().map(|free| vm::VmMemory::from_reply(free, [r.vals[0], r.vals[1], r.vals[2]]))
}

/// The pages VM has mapped for each server it adopted: (VFS, FS, BLK).
pub fn vm_server_pages() -> Result<(u64, u64, u64), Errno> {
    let (c, w, l) = vm::Request::Info { of: vm::InfoOf::Servers }.encode();
    let r = sendrec(VM_EP, c, w, l);
    r.result().map(|_| (r.vals[0], r.vals[1], r.vals[2]))
}

const PAGE: u64 = sel4::PAGE_SIZE as u64;

/// An anonymous private mapping this process owns, made by
/// [`mmap_region`] and unmapped when dropped (or by [`Mapping::unmap`]).
/// It reads as a [`sel4::MappedRegion`] (bounds-checked `read_u64`,
/// `as_slice`, `base` for grants) and adds the writes; it covers whole
/// pages, so unmapping it never touches memory it does not own.
///
/// A child made by `fork` gets its own copy of the mapping and of this
/// value; each process unmaps only its own.
#[derive(Debug)]
pub struct Mapping {
    region: sel4::MappedRegion,
}

/// A fresh anonymous private mapping of `len` bytes, rounded up to whole
/// pages, at an address VM picks, with `prot` (which must include
/// `PROT_READ`; `PROT_WRITE` makes it writable). Pages are backed on first
/// touch. `EINVAL` for an empty length or without `PROT_READ`; otherwise
/// what `mmap` answers.
pub fn mmap_region(len: u64, prot: u64) -> Result<Mapping, Errno> {
    if len == 0 || prot & vm::PROT_READ == 0 {
        return Err(EINVAL);
    }
    let len = len.checked_next_multiple_of(PAGE).ok_or(EINVAL)?;
    let base = mmap(0, len, prot, vm::MAP_ANON | vm::MAP_PRIVATE)?;
    if base == 0 || base.checked_add(len).is_none() || len > isize::MAX as u64 {
        // VM never answers so; refuse rather than trust it.
        let _ = munmap(base, len);
        return Err(EINVAL);
    }
    // SAFETY: VM has just made [base, base + len) a fresh anonymous private
    // mapping of this process, at an address it chose (no MAP_FIXED), so
    // nothing in the process refers to it yet; base is not 0 and the range
    // neither wraps nor exceeds isize::MAX (checked above); it is readable
    // (PROT_READ checked) and writable exactly when PROT_WRITE was asked;
    // and it stays mapped for the region's life, since only the Mapping
    // unmaps it, after the region is gone.
    let region = unsafe { sel4::MappedRegion::new(base, len, prot & vm::PROT_WRITE != 0) };
    Ok(Mapping { region })
}

/// The FS's cache window (`vm::CACHE_WINDOW`): [`vm::PAGER_MAX`] bytes
/// where VM maps the page-cache frames of each page-in while it is under
/// way. Only the FS may ask; the window is the same on every call.
pub fn cache_window() -> Result<Mapping, Errno> {
    let (c, w, l) = vm::Request::CacheWindow.encode();
    let base = sendrec(VM_EP, c, w, l).result()?;
    let len = vm::PAGER_MAX;
    if base == 0 || base.checked_add(len).is_none() {
        return Err(EINVAL);
    }
    // SAFETY: VM made [base, base + PAGER_MAX) an anonymous writable region
    // of this process at an address it chose, so nothing in the process
    // refers to it, and the range is nonzero, does not wrap and is far
    // below isize::MAX. Its pages are always readable and writable: VM
    // maps a page-in's frames there and takes them away again, and a touch
    // in between gets a fresh zero page as anywhere in anonymous memory.
    // VM swaps the frames only while the FS waits for its next request,
    // when no slice of the window is borrowed (the FS borrows it only
    // inside a PAGE_IN). The FS never unmaps the window.
    let region = unsafe { sel4::MappedRegion::new(base, len, true) };
    Ok(Mapping { region })
}

impl Mapping {
    /// The bytes, writable.
    ///
    /// # Panics
    ///
    /// If the mapping is read-only.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.region.as_mut_slice()
    }

    /// Keeps the mapping for good (it is never unmapped) as a slice, for
    /// memory a program uses until it ends (FS's block cache).
    ///
    /// # Panics
    ///
    /// If the mapping is read-only.
    pub fn leak(self) -> &'static mut [u8] {
        let mut this = core::mem::ManuallyDrop::new(self);
        // The region moves out; `this` is never dropped, so no munmap.
        let region = core::mem::replace(&mut this.region, sel4::MappedRegion::empty());
        region.leak()
    }

    /// Writes the native word `value` at byte offset `off`.
    ///
    /// # Panics
    ///
    /// If the mapping is read-only or the word is not wholly inside it.
    pub fn write_u64(&mut self, off: u64, value: u64) {
        self.region.write_u64(off, value)
    }

    /// Splits at byte `at`, a multiple of the page size: `self` keeps
    /// `[0, at)`, the returned mapping owns `[at, len)`. Each then unmaps
    /// its own pages (VM splits its region when one goes).
    ///
    /// # Panics
    ///
    /// If `at` is not a page multiple or lies past the end.
    pub fn split_off(&mut self, at: u64) -> Mapping {
        assert!(at.is_multiple_of(PAGE), "a mapping splits only at a page boundary");
        Mapping { region: self.region.split_off(at) }
    }

    /// Unmaps now, reporting what VM answers (dropping unmaps too, but
    /// cannot report).
    pub fn unmap(self) -> Result<(), Errno> {
        let (base, len) = (self.base(), self.len());
        // The region goes with `self`, so nothing can reach the pages
        // once they are unmapped; `forget` only skips `drop`'s munmap.
        core::mem::forget(self);
        if len == 0 {
            return Ok(());
        }
        munmap(base, len).map(|_| ())
    }
}

impl core::ops::Deref for Mapping {
    type Target = sel4::MappedRegion;
    fn deref(&self) -> &sel4::MappedRegion {
        &self.region
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if !self.region.is_empty() {
            let _ = munmap(self.region.base(), self.region.len());
        }
    }
}
