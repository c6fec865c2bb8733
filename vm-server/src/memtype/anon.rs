// SPDX-License-Identifier: BSD-2-Clause
//! Anonymous memory: demand-zero private pages, copy-on-write after fork.

use super::{break_cow, FaultCtx, ForkCopy, KillReason, MemType, MemoryType, PageFault};
use crate::frames::FrameAllocator;
use crate::page::Page;
use minix_abi::errno::{Errno, EINVAL};

/// Anonymous memory.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Anon {
    /// Shared out to another process: pages are never copy-on-write and
    /// are shared with the child on fork.
    pub shared: bool,
}

impl MemoryType for Anon {
    fn name(&self) -> &'static str {
        if self.shared {
            "anon-shared"
        } else {
            "anon"
        }
    }

    fn pagefault(&self, fault: &FaultCtx, page: Option<&Page>, frames: &mut dyn FrameAllocator) -> PageFault {
        match page {
            None => match frames.alloc_zeroed() {
                Ok(f) => PageFault::Install(Page::own(f)),
                Err(_) => PageFault::Kill(KillReason::NoMemory),
            },
            Some(p) if fault.write && p.cow && !self.shared => break_cow(p, frames),
            Some(_) => PageFault::MapExisting,
        }
    }

    /// Grows only.
    fn resize(&mut self, old_len: u64, new_len: u64) -> Result<(), Errno> {
        if new_len >= old_len {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    fn split(&self, _offset: u64) -> MemType {
        MemType::Anon(*self)
    }

    fn copy_on_fork(&self) -> (MemType, ForkCopy) {
        let policy = if self.shared { ForkCopy::Share } else { ForkCopy::CopyOnWrite };
        (MemType::Anon(*self), policy)
    }

    fn writable(&self, page: &Page, _frames: &dyn FrameAllocator) -> bool {
        self.shared || !page.cow
    }
}
