// SPDX-License-Identifier: BSD-2-Clause
//! Creating mappings: anonymous, contiguous, physical and file-backed.

use super::{discard_unmapped, AddressSpace};
use crate::addr::{check_map_range, is_aligned, round_len, USER_BOTTOM, USER_TOP};
use crate::frames::FrameAllocator;
use crate::memtype::{Anon, AnonContig, DirectPhys, File, FileRef, MemType};
use crate::page::{PageMap, Released};
use crate::prot::Prot;
use minix_abi::errno::{Errno, EINVAL};

impl AddressSpace {
    /// Anonymous demand-zero memory (mmap with MAP_ANON). `len` is rounded
    /// up to pages. With `fixed`, the mapping goes exactly at `hint`
    /// (page aligned, else `EINVAL`) and replaces whatever was there; the
    /// replaced pages come back in [`Released`]. Without it, `hint` is used
    /// if that range is free, else the first free range from the mmap base
    /// (`ENOMEM` if none). Returns the address. `prot` is honoured: faults
    /// it forbids kill. A length that overflows when rounded is `EINVAL`;
    /// a mapping past the process's [`super::Limits`] is `ENOMEM`, with
    /// nothing changed.
    pub fn mmap_anon(
        &mut self,
        hint: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        self.map_new(hint, len, prot, MemType::anon(), fixed, frames)
    }

    /// `mmap(MAP_SHARED | MAP_ANONYMOUS)`: demand-zero pages like
    /// [`AddressSpace::mmap_anon`]'s, but never copy-on-write: a fork
    /// shares them writable with the child, so parent and child see each
    /// other's stores (what programs use it for).
    pub fn mmap_shared_anon(
        &mut self,
        hint: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        self.map_new(hint, len, prot, MemType::Anon(Anon { shared: true }), fixed, frames)
    }

    /// Physically contiguous memory, allocated now (`ENOMEM` with nothing
    /// changed, not even under `fixed`, if there is no such run).
    pub fn mmap_contig(
        &mut self,
        hint: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        self.map_new(hint, len, prot, MemType::AnonContig(AnonContig), fixed, frames)
    }

    /// The physical range `[phys, phys + len)` (device memory). `EINVAL`
    /// if `phys` is unaligned or the range wraps.
    pub fn map_phys(
        &mut self,
        hint: u64,
        len: u64,
        phys: u64,
        prot: Prot,
        fixed: bool,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        let rlen = round_len(len)?;
        if !is_aligned(phys) || phys.checked_add(rlen).is_none() {
            return Err(EINVAL);
        }
        self.map_new(hint, len, prot, MemType::DirectPhys(DirectPhys { phys }), fixed, frames)
    }

    /// A file mapping from file offset `offset` (page aligned). `shared`
    /// is MAP_SHARED, refused (`EINVAL`) when writable; a private mapping
    /// may be writable, its pages being copied on write.
    // The arguments of mmap(2), one for one, plus the frame allocator.
    #[allow(clippy::too_many_arguments)]
    pub fn mmap_file(
        &mut self,
        hint: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        shared: bool,
        file: FileRef,
        offset: u64,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        let f = File { file, offset, around: true, shared };
        self.mmap_file_with(hint, len, prot, fixed, shared, f, frames)
    }

    /// [`AddressSpace::mmap_file`] with the memory type spelled out (the
    /// fault-around choice included).
    #[allow(clippy::too_many_arguments)]
    pub fn mmap_file_with(
        &mut self,
        hint: u64,
        len: u64,
        prot: Prot,
        fixed: bool,
        shared: bool,
        f: File,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        let rlen = round_len(len)?;
        if (shared && prot.write()) || !is_aligned(f.offset) || f.offset.checked_add(rlen).is_none() {
            return Err(EINVAL);
        }
        self.map_new(hint, len, prot, MemType::File(f), fixed, frames)
    }

    /// Places and creates a region. The type's `new_region` hook runs before a
    /// fixed mapping removes anything, so a failure changes nothing.
    fn map_new(
        &mut self,
        hint: u64,
        len: u64,
        prot: Prot,
        mut mem: MemType,
        fixed: bool,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Released), Errno> {
        let len = round_len(len)?;
        let addr = self.choose(hint, len, fixed)?;
        // A fixed mapping replaces what is there: never the pinned page.
        // (A mapping placed by `choose` lands only where nothing is.)
        if fixed {
            self.check_unpinned(addr, len)?;
        }
        // Limits first, so that a refusal changes nothing: one region more,
        // plus one if a fixed mapping splits the region it lands in, less
        // those it replaces whole; and the mapped bytes, less those a fixed
        // mapping replaces.
        if fixed && !self.regions.is_free(addr, len) {
            let end = addr + len;
            let grows = 1 + self.regions.unmap_growth(addr, end);
            self.regions.room_for(grows.saturating_sub(self.regions.unmap_removes(addr, end)))?;
            self.room_to_map(len, self.regions.overlap(addr, len))?;
        } else {
            self.regions.room_for(1)?;
            self.room_to_map(len, 0)?;
        }
        let mut pages = PageMap::new();
        mem.ops_mut().new_region(addr, len, &mut pages, frames)?;
        let released = if fixed && !self.regions.is_free(addr, len) {
            match self.regions.unmap(addr, len, frames) {
                Ok(r) => r,
                Err(e) => {
                    discard_unmapped(&mem, pages, frames);
                    return Err(e);
                }
            }
        } else {
            Released::default()
        };
        if let Err((e, pages)) = self.regions.insert_populated(addr, len, prot, mem.clone(), pages) {
            // Unreachable: the range was checked and is free.
            discard_unmapped(&mem, pages, frames);
            return Err(e);
        }
        self.regions.merge_around(addr);
        Ok((addr, released))
    }

    /// Chooses where a new mapping of `len` bytes goes, changing nothing.
    pub(super) fn choose(&self, hint: u64, len: u64, fixed: bool) -> Result<u64, Errno> {
        if fixed {
            check_map_range(hint, len)?;
            return Ok(hint);
        }
        if hint != 0 && check_map_range(hint, len).is_ok() && self.regions.is_free(hint, len) {
            return Ok(hint);
        }
        self.regions.find_free(len, self.mmap_base, USER_TOP).or_else(|_| self.regions.find_free(len, USER_BOTTOM, USER_TOP))
    }
}
