// SPDX-License-Identifier: BSD-2-Clause
//! Page faults, and completing a fault that waited for a file page.

use super::{mapping, writable, AddressSpace, FaultOutcome};
use crate::addr::{page_floor, USER_TOP};
use crate::frames::{FrameAllocator, FrameId};
use crate::memtype::{FaultCtx, KillReason, MemType, PageFault};
use crate::page::{Page, PageFrame};

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
