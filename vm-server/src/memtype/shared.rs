// SPDX-License-Identifier: BSD-2-Clause
//! Shared memory: another process's anonymous pages, mapped through the
//! same refcounted frames. Every page is present from creation on
//! ([`crate::AddressSpace::share_from`] populates the source first), so a
//! missing page is an error.

use super::{FaultCtx, ForkCopy, KillReason, MemType, MemoryType, PageFault};
use crate::frames::FrameAllocator;
use crate::page::Page;

/// Pages shared from another process.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Shared {
    /// The source process, as the glue names it (for logs and diagnostics).
    pub source: u64,
}

impl MemoryType for Shared {
    fn name(&self) -> &'static str {
        "shared"
    }

    fn pagefault(&self, _fault: &FaultCtx, page: Option<&Page>, _frames: &mut dyn FrameAllocator) -> PageFault {
        match page {
            Some(_) => PageFault::MapExisting,
            None => PageFault::Kill(KillReason::Invalid),
        }
    }

    fn split(&self, _offset: u64) -> MemType {
        MemType::Shared(*self)
    }

    fn copy_on_fork(&self) -> (MemType, ForkCopy) {
        (MemType::Shared(*self), ForkCopy::Share)
    }

    fn writable(&self, _page: &Page, _frames: &dyn FrameAllocator) -> bool {
        true
    }
}
