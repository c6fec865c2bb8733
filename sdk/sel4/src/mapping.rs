// SPDX-License-Identifier: BSD-2-Clause
//! Mapping a frame while creating the missing paging structures.
use crate::{object, CPtr, CapRights, Error, Frame, PageDirectory, PageTable, Pdpt, VSpace, VmAttributes};

/// Maps `frame` at `vaddr` in `vspace`. When the kernel reports a missing
/// level, `alloc(object_type)` makes a page table (and, if needed, a page
/// directory and a PDPT), which are mapped and kept by the VSpace.
pub fn map_frame_with(
    vspace: VSpace,
    frame: Frame,
    vaddr: u64,
    rights: CapRights,
    alloc: &mut dyn FnMut(u64) -> Result<CPtr, Error>,
) -> Result<(), Error> {
    let attr = VmAttributes::default();
    for _ in 0..4 {
        match frame.map(vspace, vaddr, rights, attr) {
            Err(Error::FailedLookup) => add_paging_level(vspace, vaddr, alloc)?,
            other => return other,
        }
    }
    Err(Error::FailedLookup)
}

fn add_paging_level(vspace: VSpace, vaddr: u64, alloc: &mut dyn FnMut(u64) -> Result<CPtr, Error>) -> Result<(), Error> {
    let attr = VmAttributes::default();
    let pt = PageTable(alloc(object::PAGE_TABLE)?);
    if pt.map(vspace, vaddr, attr) != Err(Error::FailedLookup) {
        return Ok(());
    }
    let pd = PageDirectory(alloc(object::PAGE_DIRECTORY)?);
    if pd.map(vspace, vaddr, attr) == Err(Error::FailedLookup) {
        let pdpt = Pdpt(alloc(object::PDPT)?);
        pdpt.map(vspace, vaddr, attr)?;
        pd.map(vspace, vaddr, attr)?;
    }
    pt.map(vspace, vaddr, attr)
}
