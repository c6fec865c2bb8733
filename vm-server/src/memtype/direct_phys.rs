// SPDX-License-Identifier: BSD-2-Clause
//! A fixed physical range, such as device memory. Faults map the physical
//! page at the same offset; nothing is ever allocated or freed.

use super::{FaultCtx, ForkCopy, KillReason, MemType, MemoryType, PageFault};
use crate::frames::FrameAllocator;
use crate::page::{Page, PageFrame, PtFlags};

/// A physical range; `phys` is the address backing the region's start.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct DirectPhys {
    /// Physical address of the region's first page (page aligned).
    pub phys: u64,
}

impl MemoryType for DirectPhys {
    fn name(&self) -> &'static str {
        "directphys"
    }

    fn pagefault(&self, fault: &FaultCtx, page: Option<&Page>, _frames: &mut dyn FrameAllocator) -> PageFault {
        if page.is_some() {
            return PageFault::MapExisting;
        }
        match self.phys.checked_add(fault.offset) {
            Some(p) => PageFault::Install(Page { frame: PageFrame::Phys(p), cow: false }),
            None => PageFault::Kill(KillReason::Invalid),
        }
    }

    fn split(&self, offset: u64) -> MemType {
        MemType::DirectPhys(DirectPhys { phys: self.phys.saturating_add(offset) })
    }

    fn copy_on_fork(&self) -> (MemType, ForkCopy) {
        (MemType::DirectPhys(*self), ForkCopy::Refault)
    }

    fn writable(&self, _page: &Page, _frames: &dyn FrameAllocator) -> bool {
        true
    }

    fn lowshrink(&mut self, by: u64) {
        self.phys = self.phys.saturating_add(by);
    }

    fn pt_flags(&self) -> PtFlags {
        PtFlags { exec: false, uncached: true }
    }
}
