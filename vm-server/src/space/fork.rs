// SPDX-License-Identifier: BSD-2-Clause
//! fork: the child gets every region; private pages become copy-on-write
//! in both processes.

use super::{discard_unmapped, AddressSpace};
use crate::frames::FrameAllocator;
use crate::memtype::ForkCopy;
use crate::page::{Mapping, Page, PageFrame, PageMap};
use crate::region::RegionMap;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, ENOMEM};

/// What fork gives back.
#[derive(Debug)]
pub struct Forked {
    /// The child's address space. Its pages are present but not mapped:
    /// its first access to each faults and maps it.
    pub child: AddressSpace,
    /// Parent pages that were mapped writable and are now copy-on-write:
    /// the glue remaps each read-only before the parent runs again.
    pub downgrade: Vec<Mapping>,
}

impl AddressSpace {
    /// Forks this address space. Only types that copy eagerly
    /// (anon-contig) allocate; if that fails the answer is `ENOMEM` and
    /// nothing has changed. The child gets this space's limits.
    pub fn fork(&mut self, frames: &mut dyn FrameAllocator) -> Result<Forked, Errno> {
        let mut eager = self.copy_eager_regions(frames)?;
        let mut child = RegionMap::new();
        // Room for every region of the parent, even one over a limit that
        // was lowered after it mapped them; the child then gets exactly the
        // parent's limits.
        child.set_max_regions(self.regions.max_regions().max(self.regions.len()));
        let mut downgrade = Vec::new();
        for r in self.regions.iter_mut() {
            let (child_mem, policy) = r.mem().ops().copy_on_fork();
            let (start, len) = (r.start(), r.len());
            let child_pages = match policy {
                ForkCopy::Eager => eager.remove(&start).unwrap_or_default(),
                ForkCopy::Refault => PageMap::new(),
                ForkCopy::Share => {
                    let (mem, _, pages) = r.parts_mut();
                    let ops = mem.ops();
                    let mut out = PageMap::new();
                    for (vaddr, page) in pages.iter() {
                        ops.reference(page, frames);
                        out.insert(vaddr, *page);
                    }
                    out
                }
                ForkCopy::CopyOnWrite => {
                    let (mem, prot, pages) = r.parts_mut();
                    let ops = mem.ops();
                    let mut flags = ops.pt_flags();
                    flags.exec = prot.exec();
                    let mut out = PageMap::new();
                    for (vaddr, page) in pages.iter_mut() {
                        let was_writable = prot.write() && ops.writable(page, frames);
                        ops.reference(page, frames);
                        if let PageFrame::Pool(_) = page.frame {
                            page.cow = true;
                        }
                        out.insert(vaddr, *page);
                        if was_writable && page.cow {
                            downgrade.push(Mapping { vaddr, frame: page.frame, writable: false, flags });
                        }
                    }
                    out
                }
            };
            if let Err((_, pages)) = child.insert_populated(start, len, r.prot(), child_mem.clone(), child_pages) {
                // Unreachable: the parent's regions are valid and disjoint.
                discard_unmapped(&child_mem, pages, frames);
            }
        }
        let mut child = AddressSpace {
            regions: child,
            heap_start: self.heap_start,
            brk: self.brk,
            mmap_base: self.mmap_base,
            max_mapped: self.max_mapped,
            pinned: self.pinned,
        };
        child.regions.set_max_regions(self.regions.max_regions());
        Ok(Forked { child, downgrade })
    }

    /// Makes every page of the shared anonymous regions present (zeroed),
    /// so that fork shares them all: a page first touched after the fork
    /// must be the same page in parent and child, as a `MAP_SHARED`
    /// mapping promises. Called before fork; on `ENOMEM` the pages made so
    /// far stay (the process would have had them at its first touch).
    pub fn populate_shared(&mut self, frames: &mut dyn FrameAllocator) -> Result<(), Errno> {
        for r in self.regions.iter_mut() {
            if !matches!(r.mem(), crate::memtype::MemType::Anon(a) if a.shared) {
                continue;
            }
            let (start, end) = (r.start(), r.start() + r.len());
            let mut vaddr = start;
            while vaddr < end {
                if r.page(vaddr).is_none() {
                    let f = frames.alloc_zeroed().map_err(|_| ENOMEM)?;
                    r.pages_mut().insert(vaddr, Page::own(f));
                }
                vaddr += crate::addr::PAGE_SIZE;
            }
        }
        Ok(())
    }

    /// [`AddressSpace::fork`], refused with `ENOMEM` (nothing changed) when
    /// the child would hold more than `max_entries` page entries: the glue
    /// passes what its heap can still track.
    pub fn fork_within(&mut self, max_entries: u64, frames: &mut dyn FrameAllocator) -> Result<Forked, Errno> {
        if self.fork_page_entries() > max_entries {
            return Err(ENOMEM);
        }
        self.fork(frames)
    }

    /// Private copies of every page of the regions that copy eagerly,
    /// keyed by region start. On `ENOMEM` every copy made is freed.
    fn copy_eager_regions(&self, frames: &mut dyn FrameAllocator) -> Result<BTreeMap<u64, PageMap>, Errno> {
        let mut copies: BTreeMap<u64, PageMap> = BTreeMap::new();
        let mut failed = false;
        'regions: for r in self.regions.iter() {
            if r.mem().ops().copy_on_fork().1 != ForkCopy::Eager {
                continue;
            }
            let pages = copies.entry(r.start()).or_default();
            for (vaddr, page) in r.pages() {
                let copy = match page.frame {
                    PageFrame::Pool(f) => match frames.alloc_copy(f) {
                        Ok(c) => Page::own(c),
                        Err(_) => {
                            failed = true;
                            break 'regions;
                        }
                    },
                    PageFrame::Phys(_) => *page,
                };
                pages.insert(vaddr, copy);
            }
        }
        if failed {
            for (_, pages) in copies {
                discard_unmapped(&crate::memtype::MemType::anon(), pages, frames);
            }
            return Err(ENOMEM);
        }
        Ok(copies)
    }
}
