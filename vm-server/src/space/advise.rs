// SPDX-License-Identifier: BSD-2-Clause
//! madvise: advice about a range of a process's pages.
//!
//! `MADV_DONTNEED` and `MADV_FREE` let the range's private pages go, as
//! Linux does: private anonymous memory reads zero on its next touch, and
//! a private file mapping shows the file again (its written pages are
//! dropped). Memory that others see keeps its bytes: shared anonymous
//! pages and another process's pages shared in stay (they are the only
//! copy), and a file's own pages are the cache's. Physically contiguous
//! and physical memory is `EINVAL`, as Linux refuses locked and PFN
//! mappings. `MADV_FREE` frees at once, as `MADV_DONTNEED` (Linux may
//! keep such pages until memory is short; a program cannot tell but by
//! reading them, which `MADV_FREE` leaves undefined).
//!
//! The other advice Linux's `madvise` takes (`MADV_NORMAL`, `RANDOM`,
//! `SEQUENTIAL`, `WILLNEED`) changes nothing here; the range is checked
//! all the same. A range with an unmapped part is `ENOMEM`, after the
//! mapped parts have been done (Linux's order).

use super::AddressSpace;
use crate::addr::PAGE_SIZE;
use crate::frames::FrameAllocator;
use crate::memtype::MemType;
use crate::page::Released;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EINVAL};
use minix_abi::vm::{MADV_DONTNEED, MADV_FREE, MADV_WILLNEED};

impl AddressSpace {
    /// madvise(`addr`, `len`, `advice`); answers what went, for the glue
    /// to unmap and free, and whether a part of the range was not mapped
    /// (then the call answers `ENOMEM`, the rest done all the same).
    pub fn advise(&mut self, addr: u64, len: u64, advice: u32, frames: &mut dyn FrameAllocator) -> Result<(Released, bool), Errno> {
        let discard = match advice {
            0..=MADV_WILLNEED => false,
            MADV_DONTNEED | MADV_FREE => true,
            _ => return Err(EINVAL),
        };
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(EINVAL);
        }
        let len = len.checked_add(PAGE_SIZE - 1).ok_or(EINVAL)? & !(PAGE_SIZE - 1);
        let end = addr.checked_add(len).ok_or(EINVAL)?;
        if len == 0 {
            return Ok((Released::default(), false));
        }
        if discard {
            self.check_unpinned(addr, len)?;
        }
        // The regions met, and whether they cover the range.
        let (mut covered, mut hole) = (addr, false);
        let mut met: Vec<(u64, bool)> = Vec::new();
        for r in self.regions.overlapping(addr, end) {
            hole |= r.start() > covered;
            covered = r.end();
            let private = match r.mem() {
                MemType::Anon(a) => !a.shared,
                MemType::File(_) => true,
                MemType::Shared(_) => false,
                MemType::AnonContig(_) | MemType::DirectPhys(_) if discard => return Err(EINVAL),
                MemType::AnonContig(_) | MemType::DirectPhys(_) => false,
            };
            met.push((r.start(), private));
        }
        let mut out = Released::default();
        if discard {
            for (start, _) in met.into_iter().filter(|&(_, private)| private) {
                let Some(r) = self.regions.lookup_mut(start) else { continue };
                let (from, to) = (addr.max(r.start()), end.min(r.end()));
                let gone: Vec<u64> = r.pages().range(from..to).map(|(v, _)| v).collect();
                let mut pages = crate::page::PageMap::new();
                for v in gone {
                    if let Some(p) = r.pages_mut().remove(&v) {
                        pages.insert(v, p);
                    }
                }
                r.release(pages, frames, &mut out);
            }
        }
        Ok((out, hole || covered < end))
    }
}
