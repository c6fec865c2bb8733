// SPDX-License-Identifier: BSD-2-Clause
//! Mapping frames into a VSpace, creating the paging structures on the way.
use crate::kobj::Kernel;
use sel4::{CapRights, Error, Frame, VSpace};

/// Maps `frame` at `vaddr` in `vspace`, allocating any missing page table,
/// page directory or PDPT.
pub fn map_frame(k: &mut Kernel, vspace: VSpace, frame: Frame, vaddr: u64, rights: CapRights) -> Result<(), Error> {
    k.map(vspace, frame, vaddr, rights)
}

/// A bump allocator of virtual addresses in the root task's own VSpace for
/// dynamic mappings (thread stacks, IPC buffers, windows onto frames).
pub struct VirtRange {
    next: u64,
    end: u64,
}

impl VirtRange {
    pub const fn new(start: u64, end: u64) -> Self {
        VirtRange { next: start, end }
    }

    /// `pages` pages, preceded by one unmapped guard page.
    pub fn take(&mut self, pages: u64) -> Option<u64> {
        let start = self.next.checked_add(sel4::PAGE_SIZE as u64)?;
        let end = start.checked_add(pages.checked_mul(sel4::PAGE_SIZE as u64)?)?;
        if end > self.end {
            return None;
        }
        self.next = end;
        Some(start)
    }
}
