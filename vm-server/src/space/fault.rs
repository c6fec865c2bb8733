// SPDX-License-Identifier: BSD-2-Clause
//! Page faults, completing a fault that waited for a file page, and
//! making pages present on behalf of a process (the copy engine without
//! TRY, and VFS's FIX_RANGE) with the fault's logic but without killing.

use super::{mapping, writable, AddressSpace, FaultOutcome};
use crate::addr::{page_floor, PAGE_SIZE, USER_TOP};
use crate::frames::{FrameAllocator, FrameId};
use crate::memtype::{FaultCtx, KillReason, MemType, PageFault};
use crate::page::{Mapping, Page, PageFrame};
use minix_abi::errno::{Errno, EFAULT, ENOMEM};

/// A page as the copy engine may use it right now, without faulting.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum PageUse {
    /// Present (and writable when asked) in this pool frame.
    Ready(FrameId),
    /// Only a fault could make it usable: missing, copy-on-write for a
    /// write, or not allowed at all (the fault would kill).
    Missing,
    /// A physical page (the IPC buffer): never copied through, and never
    /// remapped, which would unmap it for good.
    Refused,
}

/// What [`AddressSpace::make_present`] did.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum MadePresent {
    /// The page was usable already: nothing to install.
    Already(FrameId),
    /// The page is usable now, in this pool frame: the glue installs the
    /// mapping (replacing whatever was mapped there) before anyone relies
    /// on it.
    Mapped(Mapping, FrameId),
}

impl AddressSpace {
    /// Handles a fault at `addr` (`write` for a write access): an address
    /// outside every region, or an access the protection forbids, kills;
    /// otherwise the region's type resolves it.
    pub fn handle_fault(&mut self, addr: u64, write: bool, frames: &mut dyn FrameAllocator) -> FaultOutcome {
        self.resolve(addr, write, true, frames)
    }

    /// Resolves a fault; `check_prot` false lets VM itself make a page
    /// present and private whatever the protection (sharing).
    pub(super) fn resolve(&mut self, addr: u64, write: bool, check_prot: bool, frames: &mut dyn FrameAllocator) -> FaultOutcome {
        if addr >= USER_TOP {
            return FaultOutcome::Kill(KillReason::Unmapped);
        }
        let vaddr = page_floor(addr);
        let Some(r) = self.regions.lookup_mut(vaddr) else {
            return FaultOutcome::Kill(KillReason::Unmapped);
        };
        let prot = r.prot();
        if check_prot && ((write && !prot.write()) || !prot.read()) {
            return FaultOutcome::Kill(KillReason::Protection);
        }
        let ctx = FaultCtx { vaddr, offset: vaddr - r.start(), write };
        let existing = r.page(vaddr).copied();
        let page = match r.mem().ops().pagefault(&ctx, existing.as_ref(), frames) {
            PageFault::Install(page) => {
                if let Some(PageFrame::Pool(old)) = existing.map(|p| p.frame) {
                    if page.frame != PageFrame::Pool(old) && frames.drop_ref(old) == 0 {
                        // Only copied when shared, so this needs an
                        // inconsistent allocator; free rather than leak.
                        frames.free(old);
                    }
                }
                r.pages_mut().insert(vaddr, page);
                page
            }
            PageFault::MapExisting => match existing {
                Some(page) => page,
                None => return FaultOutcome::Kill(KillReason::Invalid),
            },
            PageFault::Later(req) => return FaultOutcome::Later(req),
            PageFault::Kill(why) => return FaultOutcome::Kill(why),
        };
        if check_prot && write && !writable(r, &page, frames) {
            // A type that cannot make the page writable: refaulting forever
            // would hang the process.
            return FaultOutcome::Kill(KillReason::Invalid);
        }
        FaultOutcome::Map(mapping(r, vaddr, &page, frames))
    }

    /// The page at `addr` as the copy engine may use it now (present, and
    /// writable if `write`), without changing anything.
    pub fn page_use(&self, addr: u64, write: bool, frames: &dyn FrameAllocator) -> PageUse {
        match self.present_page(addr, write, frames) {
            Some(PageFrame::Pool(id)) => PageUse::Ready(id),
            Some(PageFrame::Phys(_)) => PageUse::Refused,
            None if self.page(addr).is_some_and(|pg| pg.frame.pool().is_none()) => PageUse::Refused,
            None => PageUse::Missing,
        }
    }

    /// Makes the page at `addr` usable (present, and writable if `write`)
    /// exactly as a fault by the process would: demand-zero pages get a
    /// frame, a write breaks copy-on-write. Where that fault would kill,
    /// this answers instead and the process is left alone:
    ///
    /// * no region, a protection that forbids the access, a type that
    ///   cannot resolve it, or a physical page (the IPC buffer): `EFAULT`;
    /// * no frame: `ENOMEM`;
    /// * a file page, which a fault waits for (`Later`): `EFAULT`; the
    ///   glue's callers page it in through the page-in queue and try again
    ///   (FIX_RANGE, and copies without TRY).
    pub fn make_present(&mut self, addr: u64, write: bool, frames: &mut dyn FrameAllocator) -> Result<MadePresent, Errno> {
        match self.page_use(addr, write, frames) {
            PageUse::Ready(id) => return Ok(MadePresent::Already(id)),
            PageUse::Refused => return Err(EFAULT),
            PageUse::Missing => {}
        }
        match self.handle_fault(addr, write, frames) {
            FaultOutcome::Map(m) => match m.frame {
                PageFrame::Pool(id) => Ok(MadePresent::Mapped(m, id)),
                // Only a missing page gets here, and no type makes a
                // physical page on a fault; refuse rather than remap one.
                PageFrame::Phys(_) => Err(EFAULT),
            },
            FaultOutcome::Later(_) => Err(EFAULT),
            FaultOutcome::Kill(KillReason::NoMemory) => Err(ENOMEM),
            FaultOutcome::Kill(_) => Err(EFAULT),
        }
    }

    /// FIX_RANGE: makes every page of `[addr, addr + len)` usable, page by
    /// page from the lowest, with [`AddressSpace::make_present`], and hands
    /// each new mapping to `install` (which the glue makes put it in the
    /// process's VSpace; its error ends the call). Pages that were present
    /// already are left as they are: the copy engine reads this model, not
    /// the page tables, and a page present but not yet mapped (a fork
    /// child's) is mapped by the process's own first touch.
    ///
    /// `len` 0 does nothing. A range that wraps or reaches above user
    /// space is `EFAULT` before any page is touched; any other error stops
    /// at its page, and the pages before it stay present.
    pub fn fix_range<F: FrameAllocator>(
        &mut self,
        addr: u64,
        len: u64,
        write: bool,
        frames: &mut F,
        mut install: impl FnMut(&Mapping, &mut F) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let end = match addr.checked_add(len) {
            Some(end) if end <= USER_TOP => end,
            _ => return Err(EFAULT),
        };
        let mut page = page_floor(addr);
        while page < end {
            if let MadePresent::Mapped(m, _) = self.make_present(page, write, frames)? {
                install(&m, frames)?;
            }
            // end <= USER_TOP, so this never overflows.
            page += PAGE_SIZE;
        }
        Ok(())
    }

    /// The file page a file mapping shows at `vaddr`: the file, the page's
    /// file offset, whether the process has it present already, and the
    /// mapping's fault-around choice. `None` outside file mappings.
    pub fn file_page(&self, vaddr: u64) -> Option<(crate::memtype::FileRef, u64, bool, bool)> {
        let vaddr = page_floor(vaddr);
        let r = self.regions.lookup(vaddr)?;
        match r.mem() {
            MemType::File(f) => Some((f.file, f.offset.checked_add(vaddr - r.start())?, r.page(vaddr).is_some(), f.around)),
            _ => None,
        }
    }

    /// Whether a region covers `addr` and its protection allows the access
    /// (a fault there would not kill for protection).
    pub fn allows(&self, addr: u64, write: bool) -> bool {
        self.regions.lookup(page_floor(addr)).is_some_and(|r| r.prot().read() && (!write || r.prot().write()))
    }

    /// The files mapped by regions overlapping `[addr, addr + len)`.
    pub fn files_in(&self, addr: u64, len: u64) -> alloc::vec::Vec<crate::memtype::FileRef> {
        let mut out = alloc::vec::Vec::new();
        for r in self.regions.overlapping(addr, addr.saturating_add(len)) {
            if let MemType::File(f) = r.mem() {
                if !out.contains(&f.file) {
                    out.push(f.file);
                }
            }
        }
        out
    }

    /// Whether any region maps `file`.
    pub fn maps_file(&self, file: crate::memtype::FileRef) -> bool {
        self.regions.iter().any(|r| matches!(r.mem(), MemType::File(f) if f.file == file))
    }

    /// A file page the fault at `vaddr` waited for has arrived as `frame`
    /// (a cache frame; the cache keeps its own reference). Maps it
    /// copy-on-write (copying at once for a write) and answers as
    /// [`AddressSpace::handle_fault`] would. If the region changed
    /// meanwhile, the frame is not used and the fault is simply retried.
    pub fn complete_page_in(&mut self, vaddr: u64, write: bool, frame: FrameId, frames: &mut dyn FrameAllocator) -> FaultOutcome {
        let vaddr = page_floor(vaddr);
        if let Some(r) = self.regions.lookup_mut(vaddr) {
            if matches!(r.mem(), MemType::File(_)) && r.page(vaddr).is_none() {
                frames.add_ref(frame);
                r.pages_mut().insert(vaddr, Page { frame: PageFrame::Pool(frame), cow: true });
            }
        }
        self.handle_fault(vaddr, write, frames)
    }
}
