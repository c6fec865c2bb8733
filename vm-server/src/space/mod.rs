// SPDX-License-Identifier: BSD-2-Clause
//! An address space: the region map plus the break, and every operation
//! the VM server performs on a process's memory.
//!
//! Errnos: bad arguments are `EINVAL`; no room, no frames, or a request
//! past the process's [`Limits`], `ENOMEM`. Faults never return an errno:
//! they map, wait, or kill.
//!
//! **Limits.** VM's bookkeeping for a process is its regions and, per
//! region, its present pages; both are heap that the process, not VM,
//! decides to use. So each address space has [`Limits`]: at most
//! `max_regions` regions and `max_mapped` bytes mapped. A present page
//! lies in a mapped range, so the pages VM tracks for one process are
//! bounded too (and fork gives the child the parent's limits and no more
//! than the parent's pages). Whatever would pass a limit answers `ENOMEM`
//! with nothing changed; a process can exhaust its own quota, never VM.
//!
//! Dropping an `AddressSpace` without [`AddressSpace::exit`] leaks its
//! frame references.

mod advise;
mod brk;
mod exec;
mod fault;
mod fork;
mod mmap;
mod share;
mod window;

pub use crate::memtype::KillReason;
pub use exec::{ExecImage, Execed, Fill, STACK_BOTTOM};
pub use fault::{MadePresent, PageUse};
pub use fork::Forked;

use crate::addr::{page_floor, PAGE_SIZE, USER_TOP};
use crate::frames::FrameAllocator;
use crate::memtype::{MemType, PageIn};
use crate::page::{Mapping, Page, PageFrame, PageMap, Released};
use crate::region::{Region, RegionMap, MAX_REGIONS};
use minix_abi::errno::{Errno, ENOMEM};

/// Where mmap without a usable hint starts looking (1 GiB); below is left
/// to the program image and its heap, and searched last.
pub const DEFAULT_MMAP_BASE: u64 = 0x4000_0000;

/// Default limit on the bytes one process may have mapped: 1 GiB, a
/// quarter of user space and twice the RAM of the machine we boot.
pub const MAX_MAPPED: u64 = 1 << 30;

/// Per-process limits on VM's bookkeeping.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct Limits {
    /// Most regions.
    pub max_regions: usize,
    /// Most bytes covered by regions.
    pub max_mapped: u64,
}

impl Limits {
    /// [`MAX_REGIONS`] regions, [`MAX_MAPPED`] bytes.
    pub const DEFAULT: Limits = Limits { max_regions: MAX_REGIONS, max_mapped: MAX_MAPPED };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What the glue does about a page fault.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum FaultOutcome {
    /// Map this page, then resume the thread.
    Map(Mapping),
    /// Save the reply cap, get the page from VFS, then call
    /// [`AddressSpace::complete_page_in`].
    Later(PageIn),
    /// Kill the process (SIGSEGV) and tell PM.
    Kill(KillReason),
}

/// One process's memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressSpace {
    regions: RegionMap,
    heap_start: u64,
    brk: u64,
    mmap_base: u64,
    max_mapped: u64,
    /// A range no call may unmap or map over (`[start, end)`; empty when
    /// `start == end`): the IPC buffer, the process's lifeline to every
    /// server. munmap, every fixed mapping and brk refuse it whole.
    pinned: (u64, u64),
}

impl Default for AddressSpace {
    fn default() -> Self {
        AddressSpace::new()
    }
}

impl AddressSpace {
    /// An empty address space with no heap (brk fails until
    /// [`AddressSpace::init_brk`]).
    pub const fn new() -> AddressSpace {
        AddressSpace {
            regions: RegionMap::new(),
            heap_start: 0,
            brk: 0,
            mmap_base: DEFAULT_MMAP_BASE,
            max_mapped: MAX_MAPPED,
            pinned: (0, 0),
        }
    }

    /// The process's limits.
    pub fn limits(&self) -> Limits {
        Limits { max_regions: self.regions.max_regions(), max_mapped: self.max_mapped }
    }

    /// Sets the process's limits. A space already past them keeps what it
    /// has; it can only shrink until it is under them again.
    pub fn set_limits(&mut self, limits: Limits) {
        self.regions.set_max_regions(limits.max_regions);
        self.max_mapped = limits.max_mapped;
    }

    /// Bytes covered by regions.
    pub fn mapped_bytes(&self) -> u64 {
        self.regions.mapped_bytes()
    }

    /// `ENOMEM` unless mapping `add` more bytes, after `replaced` mapped
    /// bytes go away, stays within the mapped limit.
    pub(crate) fn room_to_map(&self, add: u64, replaced: u64) -> Result<(), Errno> {
        let now = self.mapped_bytes().saturating_sub(replaced);
        match now.checked_add(add) {
            Some(total) if total <= self.max_mapped => Ok(()),
            _ => Err(ENOMEM),
        }
    }

    /// Page entries fork would give the child (the pages VM would track
    /// for it): every present page, but none of a region whose pages the
    /// child faults in again. Lets the glue refuse a fork its heap could
    /// not track with `ENOMEM` before anything is copied.
    pub fn fork_page_entries(&self) -> u64 {
        self.regions
            .iter()
            .filter(|r| r.mem().ops().copy_on_fork().1 != crate::memtype::ForkCopy::Refault)
            .map(|r| r.resident() as u64)
            .sum()
    }

    /// The largest number of page entries this space can hold under its
    /// mapped limit.
    pub fn max_page_entries(&self) -> u64 {
        self.max_mapped / PAGE_SIZE
    }

    /// The regions.
    pub fn regions(&self) -> &RegionMap {
        &self.regions
    }

    /// The present page at `addr`'s page, if any.
    pub fn page(&self, addr: u64) -> Option<Page> {
        let vaddr = page_floor(addr);
        self.regions.lookup(vaddr).and_then(|r| r.page(vaddr)).copied()
    }

    /// Present pages in all regions.
    pub fn resident_pages(&self) -> usize {
        self.regions.resident_pages()
    }

    /// Where mmap searches first (clipped to user space).
    pub fn set_mmap_base(&mut self, base: u64) {
        self.mmap_base = base.min(USER_TOP);
    }

    /// The page at `addr` as the copy engine may use it right now, without
    /// faulting: present, and writable if `write`. `None` means a copy with
    /// CPF_TRY must stop there (EFAULT).
    pub fn present_page(&self, addr: u64, write: bool, frames: &dyn FrameAllocator) -> Option<PageFrame> {
        let vaddr = page_floor(addr);
        let r = self.regions.lookup(vaddr)?;
        let page = r.page(vaddr)?;
        if !r.prot().read() || (write && !writable(r, page, frames)) {
            return None;
        }
        Some(page.frame)
    }

    /// Appends to `out` the frames of up to `pages` consecutive pages from
    /// `addr`'s page that [`AddressSpace::present_page`] would give, one
    /// region lookup for the whole run. Stops at the first page that is
    /// missing, not writable when `write`, or in another region. Returns
    /// how many it appended.
    pub fn present_run(
        &self,
        addr: u64,
        pages: usize,
        write: bool,
        frames: &dyn FrameAllocator,
        out: &mut alloc::vec::Vec<PageFrame>,
    ) -> usize {
        let start = page_floor(addr);
        let Some(r) = self.regions.lookup(start) else { return 0 };
        if !r.prot().read() {
            return 0;
        }
        let mut expect = start;
        let mut n = 0;
        for (vaddr, page) in r.pages().range(start..) {
            if n == pages || vaddr != expect || (write && !writable(r, page, frames)) {
                break;
            }
            out.push(page.frame);
            n += 1;
            match expect.checked_add(crate::addr::PAGE_SIZE) {
                Some(e) => expect = e,
                None => break,
            }
        }
        n
    }

    /// Unmaps `[addr, addr + len)`; see [`RegionMap::unmap`]. A range
    /// that touches the pinned range is `EINVAL`, and nothing changes.
    pub fn munmap(&mut self, addr: u64, len: u64, frames: &mut dyn FrameAllocator) -> Result<Released, Errno> {
        self.check_unpinned(addr, len)?;
        self.regions.unmap(addr, len, frames)
    }

    /// mprotect of `[addr, addr + len)` (`len` rounded up to pages): see
    /// [`RegionMap::protect`]. The pinned range is refused (`EINVAL`).
    /// Answers the present pages, whose hardware mappings must go.
    pub fn mprotect(&mut self, addr: u64, len: u64, prot: crate::Prot) -> Result<alloc::vec::Vec<u64>, Errno> {
        let len = len.checked_add(PAGE_SIZE - 1).ok_or(minix_abi::errno::ENOMEM)? & !(PAGE_SIZE - 1);
        if len == 0 {
            return Ok(alloc::vec::Vec::new());
        }
        self.check_unpinned(addr, len)?;
        self.regions.protect(addr, len, prot)
    }

    /// Pins `[addr, addr + len)` (see the field): from now on no call may
    /// unmap it or map over it. One range per space; a new pin replaces
    /// the old.
    pub fn pin(&mut self, addr: u64, len: u64) {
        self.pinned = (addr, addr.saturating_add(len));
    }

    /// The pinned range, `(start, end)`; `(0, 0)` when nothing is.
    pub fn pinned(&self) -> (u64, u64) {
        self.pinned
    }

    /// Unmaps the page at `addr` even inside the pinned range (VM's own
    /// removal of a thread's IPC buffer); the pin stays.
    pub fn unmap_pinned_page(&mut self, addr: u64, frames: &mut dyn FrameAllocator) -> Result<Released, Errno> {
        self.regions.unmap(page_floor(addr), PAGE_SIZE, frames)
    }

    /// Lifts the pin, for VM's own replacement of the pinned page (a forked
    /// child gets its own IPC buffer in place of its parent's).
    pub fn unpin(&mut self) {
        self.pinned = (0, 0);
    }

    /// `EINVAL` if `[addr, addr + len)` (rounded out to pages, and
    /// saturating: a wrapping range reaches the top) touches the pinned
    /// range.
    fn check_unpinned(&self, addr: u64, len: u64) -> Result<(), Errno> {
        let (start, end) = self.pinned;
        let from = page_floor(addr);
        let to = addr.saturating_add(len);
        if start < end && from < end && to > start {
            return Err(minix_abi::errno::EINVAL);
        }
        Ok(())
    }

    /// Releases everything (exit, or exec before the new image). The space
    /// is empty afterwards and may be reused.
    pub fn exit(&mut self, frames: &mut dyn FrameAllocator) -> Released {
        self.heap_start = 0;
        self.brk = 0;
        self.pinned = (0, 0);
        self.regions.clear(frames)
    }
}

/// Whether a present page may be mapped writable now.
fn writable(r: &Region, page: &Page, frames: &dyn FrameAllocator) -> bool {
    r.prot().write() && r.mem().ops().writable(page, frames)
}

/// The mapping the glue installs for a present page.
fn mapping(r: &Region, vaddr: u64, page: &Page, frames: &dyn FrameAllocator) -> Mapping {
    let mut flags = r.mem().ops().pt_flags();
    flags.exec = r.prot().exec();
    Mapping { vaddr, frame: page.frame, writable: writable(r, page, frames), flags }
}

/// Gives back pages that were never mapped anywhere (an aborted creation):
/// their frames are freed at once.
fn discard_unmapped(mem: &MemType, pages: PageMap, frames: &mut dyn FrameAllocator) {
    let mut out = Released::default();
    for (vaddr, page) in pages {
        mem.ops().unreference(vaddr, page, frames, &mut out);
    }
    out.free_all(frames);
}
