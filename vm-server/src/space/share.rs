// SPDX-License-Identifier: BSD-2-Clause
//! Shared memory: mapping another process's anonymous pages.

use super::{discard_unmapped, AddressSpace, FaultOutcome};
use crate::addr::{check_map_range, round_len, PAGE_SIZE};
use crate::frames::FrameAllocator;
use crate::memtype::{KillReason, MemType, Shared};
use crate::page::{Mapping, Page, PageMap};
use crate::prot::Prot;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EINVAL, ENOMEM};

impl AddressSpace {
    /// Maps `[src_addr, src_addr + len)` of `src` (which must lie in one
    /// anonymous region, else `EINVAL`) into this space with `prot`, at
    /// `hint` if free or else the first free range (`ENOMEM` if none).
    ///
    /// Every source page is made present and private first (zero pages
    /// allocated, copy-on-write broken), then that part of the source
    /// becomes its own `shared` anonymous region and both spaces name the
    /// same frames. Returns the address here and the source pages whose
    /// mapping changed, for the glue to remap in `src`. On `ENOMEM` the
    /// source may keep some newly present pages (listed nowhere; they fault
    /// in as usual) and nothing else changes. Past either space's region
    /// limit, or this space's mapped limit, `ENOMEM` with nothing changed.
    // The fields of the share request, one for one, plus the frame allocator.
    #[allow(clippy::too_many_arguments)]
    pub fn share_from(
        &mut self,
        src: &mut AddressSpace,
        source_id: u64,
        src_addr: u64,
        len: u64,
        hint: u64,
        prot: Prot,
        frames: &mut dyn FrameAllocator,
    ) -> Result<(u64, Vec<Mapping>), Errno> {
        let len = round_len(len)?;
        let end = check_map_range(src_addr, len)?;
        match src.regions.lookup(src_addr) {
            Some(r) if matches!(r.mem(), MemType::Anon(_)) && r.end() >= end => {}
            _ => return Err(EINVAL),
        }
        let addr = self.choose(hint, len, false)?;
        // Limits before anything changes: a region here, up to two splits
        // in the source.
        let splits = [src_addr, end].iter().filter(|&&a| src.regions.lookup(a).is_some_and(|r| r.start() < a)).count();
        src.regions.room_for(splits)?;
        self.regions.room_for(1)?;
        self.room_to_map(len, 0)?;
        let mut remaps = Vec::new();
        let mut vaddr = src_addr;
        while vaddr < end {
            let before = src.page(vaddr);
            match src.resolve(vaddr, true, false, frames) {
                FaultOutcome::Map(m) => {
                    if before != src.page(vaddr) {
                        remaps.push(m);
                    }
                }
                FaultOutcome::Kill(KillReason::NoMemory) => return Err(ENOMEM),
                _ => return Err(EINVAL),
            }
            vaddr += PAGE_SIZE;
        }
        src.regions.split_at(src_addr);
        src.regions.split_at(end);
        let mut pages = PageMap::new();
        if let Some(r) = src.regions.lookup_mut(src_addr) {
            if let MemType::Anon(a) = r.mem_mut() {
                a.shared = true;
            }
            let ops = r.mem().ops();
            for (va, page) in r.pages().range(src_addr..end) {
                ops.reference(page, frames);
                pages.insert(addr + (va - src_addr), Page { frame: page.frame, cow: false });
            }
        }
        let mem = MemType::Shared(Shared { source: source_id });
        if let Err((e, pages)) = self.regions.insert_populated(addr, len, prot, mem.clone(), pages) {
            // Unreachable: `choose` found the range free.
            discard_unmapped(&mem, pages, frames);
            return Err(e);
        }
        Ok((addr, remaps))
    }
}
