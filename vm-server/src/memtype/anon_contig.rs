// SPDX-License-Identifier: BSD-2-Clause
//! Physically contiguous anonymous memory, allocated when the region is
//! created. It never faults for a missing page.

use super::{Anon, FaultCtx, ForkCopy, KillReason, MemType, MemoryType, PageFault};
use crate::addr::PAGE_SIZE;
use crate::frames::FrameAllocator;
use crate::page::{Page, PageMap};
use minix_abi::errno::{Errno, ENOMEM};

/// Contiguous anonymous memory.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct AnonContig;

impl MemoryType for AnonContig {
    fn name(&self) -> &'static str {
        "anon-contig"
    }

    fn new_region(&mut self, start: u64, len: u64, pages: &mut PageMap, frames: &mut dyn FrameAllocator) -> Result<(), Errno> {
        let count = len / PAGE_SIZE;
        let run = frames.alloc_contig(count)?;
        if run.len() as u64 != count {
            // A broken allocator: give everything back (never mapped).
            for f in run {
                if frames.drop_ref(f) == 0 {
                    frames.free(f);
                }
            }
            return Err(ENOMEM);
        }
        let mut vaddr = start;
        for f in run {
            pages.insert(vaddr, Page::own(f));
            vaddr = vaddr.saturating_add(PAGE_SIZE);
        }
        Ok(())
    }

    fn pagefault(&self, _fault: &FaultCtx, page: Option<&Page>, _frames: &mut dyn FrameAllocator) -> PageFault {
        match page {
            Some(_) => PageFault::MapExisting,
            None => PageFault::Kill(KillReason::Invalid),
        }
    }

    fn split(&self, _offset: u64) -> MemType {
        MemType::AnonContig(AnonContig)
    }

    /// The child gets private copies in ordinary anonymous memory, so the
    /// parent's contiguous frames are never copied away under a device.
    fn copy_on_fork(&self) -> (MemType, ForkCopy) {
        (MemType::Anon(Anon { shared: false }), ForkCopy::Eager)
    }

    fn writable(&self, _page: &Page, _frames: &dyn FrameAllocator) -> bool {
        true
    }
}
