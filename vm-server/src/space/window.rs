// SPDX-License-Identifier: BSD-2-Clause
//! Pages VM moves in and out of a region itself, for the page cache:
//! the FS's cache window, where the frames of a page-in are lent to the
//! FS while it reads into them, and file pages that must be taken away
//! from every mapping that shows them (a hole a write filled).

use super::{mapping, AddressSpace};
use crate::addr::page_floor;
use crate::frames::FrameAllocator;
use crate::memtype::{FileRef, MemType};
use crate::page::{Mapping, Page, PageFrame, Released};
use minix_abi::errno::{Errno, EINVAL};

impl AddressSpace {
    /// Puts `page` (or no page) at `vaddr` of an anonymous region in place
    /// of whatever page is there, which is returned. References move with
    /// the pages: the region now holds the one `page` brought, the caller
    /// the one the old page had. Also returns the mapping to install for
    /// `page` (writable where the region is, a private page being
    /// writable). `EINVAL` outside an anonymous region.
    pub fn swap_page(
        &mut self,
        vaddr: u64,
        page: Option<Page>,
        frames: &dyn FrameAllocator,
    ) -> Result<(Option<Page>, Option<Mapping>), Errno> {
        let vaddr = page_floor(vaddr);
        let r = self.regions.lookup_mut(vaddr).ok_or(EINVAL)?;
        if !matches!(r.mem(), MemType::Anon(_)) {
            return Err(EINVAL);
        }
        Ok(match page {
            Some(p) => (r.pages_mut().insert(vaddr, p), Some(mapping(r, vaddr, &p, frames))),
            None => (r.pages_mut().remove(&vaddr), None),
        })
    }

    /// Takes page `page` (a page index) of `file` away from every file
    /// mapping here that shows the file's own page, leaving private copies
    /// (a written MAP_PRIVATE page) alone: the next touch faults and reads
    /// the file again. The glue unmaps and frees what is released.
    pub fn drop_file_page(&mut self, file: FileRef, page: u64, frames: &mut dyn FrameAllocator) -> Released {
        let mut out = Released::default();
        let off = page.saturating_mul(crate::addr::PAGE_SIZE);
        let mut at = alloc::vec::Vec::new();
        for r in self.regions.iter() {
            if let MemType::File(f) = r.mem() {
                let len = r.end() - r.start();
                if f.file == file && off >= f.offset && off - f.offset < len {
                    let v = r.start() + (off - f.offset);
                    if r.page(v).is_some_and(|p| p.cow) {
                        at.push(v);
                    }
                }
            }
        }
        for v in at {
            if let Some(r) = self.regions.lookup_mut(v) {
                if let Some(p) = r.pages_mut().remove(&v) {
                    out.unmapped.push((v, p.frame));
                    if let PageFrame::Pool(f) = p.frame {
                        if frames.drop_ref(f) == 0 {
                            out.to_free.push(f);
                        }
                    }
                }
            }
        }
        out
    }
}
