//! Mapping frames into a VSpace, creating the paging structures on the way.
use crate::kobj::Kernel;
use sel4::{object, CapRights, Error, Frame, PageDirectory, PageTable, Pdpt, VSpace, VmAttributes};

/// Maps `frame` at `vaddr` in `vspace`, allocating any missing page table,
/// page directory or PDPT.
pub fn map_frame(k: &mut Kernel, vspace: VSpace, frame: Frame, vaddr: u64, rights: CapRights) -> Result<(), Error> {
    let attr = VmAttributes::default();
    for _ in 0..4 {
        match frame.map(vspace, vaddr, rights, attr) {
            Err(Error::FailedLookup) => add_paging_level(k, vspace, vaddr)?,
            other => return other,
        }
    }
    Err(Error::FailedLookup)
}

/// Adds the missing level(s) above a page at `vaddr`: a page table, and
/// the page directory and PDPT above it when those are missing too.
fn add_paging_level(k: &mut Kernel, vspace: VSpace, vaddr: u64) -> Result<(), Error> {
    let attr = VmAttributes::default();
    let pt = PageTable(k.alloc(object::PAGE_TABLE, 0)?);
    if pt.map(vspace, vaddr, attr) != Err(Error::FailedLookup) {
        return Ok(());
    }
    let pd = PageDirectory(k.alloc(object::PAGE_DIRECTORY, 0)?);
    if pd.map(vspace, vaddr, attr) == Err(Error::FailedLookup) {
        let pdpt = Pdpt(k.alloc(object::PDPT, 0)?);
        pdpt.map(vspace, vaddr, attr)?;
        pd.map(vspace, vaddr, attr)?;
    }
    pt.map(vspace, vaddr, attr)
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
