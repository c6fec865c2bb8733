// SPDX-License-Identifier: BSD-2-Clause
//! A process's VSpace as VM sees it: the PML4 cap, the cap copy behind
//! each installed mapping, and the paging structures made for it. When
//! its process is gone, the mappings are undone and the paging structures
//! deleted (their units go back to VM's spare memory), unless the budget
//! lets a small VSpace keep them; the PML4, with its ASID, is kept for the
//! next process.
extern crate alloc;
use super::frames::Sel4Frames;
use alloc::vec::Vec;
use minix_abi::cspace as cs;
use minix_abi::errno::{Errno, ENOMEM};
use sel4::{AsidPool, CapRights, Frame, VSpace, VmAttributes};
use sel4_alloc::units::InUnit;
use vm_server::frames::FrameId;
use vm_server::page::{Mapping, PageFrame};
use vm_server::page_map::RadixMap;

pub const ASID_POOL: AsidPool = AsidPool::from_bits(cs::ASID_POOL);

pub struct UserVSpace {
    pub cap: u64,
    /// vaddr -> slot of the cap mapped there, and the pool frame it maps
    /// (None for a physical page such as the IPC buffer). Every fault
    /// removes (usually nothing) and inserts here, so this is the radix map
    /// the page maps use rather than a B-tree.
    mapped: RadixMap<(u64, Option<FrameId>)>,
    /// Paging structures made for this VSpace, each with its type.
    paging: Vec<(InUnit, u64)>,
}

impl UserVSpace {
    /// A fresh VSpace with an ASID.
    pub fn create(frames: &mut Sel4Frames) -> Result<UserVSpace, Errno> {
        // In a unit of its own, though it is never deleted: PM and the
        // TCB hold copies of its cap, and VM keeps it for reuse.
        let pml4 = frames.make_pml4()?;
        if ASID_POOL.assign(VSpace::from_bits(pml4.obj)).is_err() {
            frames.res.delete(pml4.obj);
            return Err(ENOMEM);
        }
        Ok(UserVSpace { cap: pml4.obj, mapped: RadixMap::new(), paging: Vec::new() })
    }

    /// A VSpace made elsewhere (a server's), handed to VM.
    pub fn adopt(cap: u64) -> UserVSpace {
        UserVSpace { cap, mapped: RadixMap::new(), paging: Vec::new() }
    }

    /// No VSpace at all (cap 0), for error paths.
    pub fn empty() -> UserVSpace {
        UserVSpace { cap: 0, mapped: RadixMap::new(), paging: Vec::new() }
    }

    fn vspace(&self) -> VSpace {
        VSpace::from_bits(self.cap)
    }

    /// Installs a mapping from the library; replaces what was mapped there.
    /// `phys_cap` is the cap for a `PageFrame::Phys` page.
    pub fn install(&mut self, frames: &mut Sel4Frames, m: &Mapping, phys_cap: Option<u64>) -> Result<(), Errno> {
        self.remove(frames, m.vaddr);
        let (cap, pool) = match m.frame {
            PageFrame::Pool(id) => (frames.user_cap(id)?, Some(id)),
            PageFrame::Phys(_) => {
                let master = phys_cap.ok_or(ENOMEM)?;
                (frames.res.copy_cap(master, CapRights::READ_WRITE).map_err(|_| ENOMEM)?, None)
            }
        };
        let rights = if m.writable { CapRights::READ_WRITE } else { CapRights::READ };
        if frames.map_user(self.vspace(), Frame::from_bits(cap), m.vaddr, rights, &mut self.paging).is_err() {
            self.release_cap(frames, cap, pool);
            return Err(ENOMEM);
        }
        self.mapped.insert(m.vaddr, (cap, pool));
        Ok(())
    }

    /// Whether a page is mapped at `vaddr` (page aligned).
    pub fn is_mapped(&self, vaddr: u64) -> bool {
        self.mapped.get(&vaddr).is_some()
    }

    /// Unmaps whatever is mapped at `vaddr` (nothing if nothing is).
    pub fn remove(&mut self, frames: &mut Sel4Frames, vaddr: u64) {
        if let Some((cap, pool)) = self.mapped.remove(&vaddr) {
            let _ = Frame::from_bits(cap).unmap();
            self.release_cap(frames, cap, pool);
        }
    }

    fn release_cap(&self, frames: &mut Sel4Frames, cap: u64, pool: Option<FrameId>) {
        match pool {
            Some(id) => frames.put_user_cap(id, cap),
            None => frames.res.delete(cap),
        }
    }

    /// Makes a mapped page read-only (copy-on-write after fork).
    pub fn downgrade(&mut self, vaddr: u64) {
        if let Some(&(cap, _)) = self.mapped.get(&vaddr) {
            let _ = Frame::from_bits(cap).remap(self.vspace(), CapRights::READ, VmAttributes::default());
        }
    }

    /// Unmaps everything; the VSpace can then serve another process,
    /// with the paging structures it has (see `release_paging`).
    pub fn unmap_all(&mut self, frames: &mut Sel4Frames) {
        // Taken whole: removing entries one at a time from the front
        // would shift the map's chunk vector each time a chunk empties.
        for (_, (cap, pool)) in core::mem::take(&mut self.mapped) {
            let _ = Frame::from_bits(cap).unmap();
            self.release_cap(frames, cap, pool);
        }
    }

    /// Unmaps everything outside `[start, end)` (page aligned; everything
    /// when it is empty), keeping the paging structures for what comes
    /// next: exec, which keeps only the pinned pages' mappings.
    pub fn unmap_outside(&mut self, frames: &mut Sel4Frames, start: u64, end: u64) {
        let mut kept = self.mapped.split_off(&start);
        let above = kept.split_off(&end.max(start));
        let below = core::mem::replace(&mut self.mapped, kept);
        for (_, (cap, pool)) in below.into_iter().chain(above) {
            let _ = Frame::from_bits(cap).unmap();
            self.release_cap(frames, cap, pool);
        }
    }

    /// Paging structures this VSpace holds.
    pub fn paging_count(&self) -> u64 {
        self.paging.len() as u64
    }

    /// Deletes the paging structures, leaving an empty PML4. Only after
    /// `unmap_all`: no frame cap is then left naming a table that is gone.
    pub fn release_paging(&mut self, frames: &mut Sel4Frames) {
        frames.release_paging(&mut self.paging);
    }
}
