// SPDX-License-Identifier: BSD-2-Clause
//! Paging structures: every one, of processes' VSpaces and of VM's own,
//! is made in a 4 KiB unit of its own (`sel4_alloc::units`). A process's
//! are recorded with its VSpace and deleted when the process is gone,
//! their units going back to the spare pages, from which frames and other
//! paging structures are made.
//!
//! When the budget leaves paging structures nothing of the spare pages,
//! one is made from a frame on the free list instead: the frame leaves
//! the pool (its caps deleted, so its unit has no children), a filler
//! takes its place in the window (a *hole*, filled by the next frame
//! made), and the page table goes in its unit. So frames processes freed
//! never starve page tables.
extern crate alloc;
use super::frames::{Sel4Frames, UNIT_BATCH};
use super::res::Res;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, ENOMEM};
use sel4::{object, CPtr, CapRights, Frame, PAGE_SIZE};
use sel4_alloc::units::{InUnit, UnitPool};
use vm_server::budget::PagingSource;
use vm_server::frames::FrameId;

impl Sel4Frames {
    /// A paging structure for VM's own VSpace (window and heap), in a
    /// unit; VM's never go away.
    pub(super) fn own_paging(res: &mut Res, units: &mut UnitPool, ty: u64) -> Result<CPtr, sel4::Error> {
        units.make(res, ty, UNIT_BATCH).map(|o| CPtr(o.obj))
    }

    /// The maker of VM's own paging structures, for mapping into VM's
    /// VSpace (heap growth).
    pub fn own_paging_fn(&mut self) -> impl FnMut(u64) -> Result<CPtr, sel4::Error> + '_ {
        let (res, units) = (&mut self.res, &mut self.units);
        move |ty| Self::own_paging(res, units, ty)
    }

    /// One paging structure of type `ty` for a process, in a unit: from
    /// the spare pages if the budget allows, else from a free frame.
    fn make_paging(&mut self, ty: u64) -> Result<InUnit, sel4::Error> {
        let reclaimable = self.free.len() as u64;
        match self.budget.paging_source(self.spare(), reclaimable) {
            Some(PagingSource::Spare) => match self.units.make(&mut self.res, ty, UNIT_BATCH) {
                Ok(o) => Ok(o),
                // The large untypeds may be too cut up for a batch of
                // units even when the budget counts pages there.
                Err(_) if reclaimable > 0 => self.make_paging_from_free_frame(ty),
                Err(e) => Err(e),
            },
            Some(PagingSource::FreeFrame) => self.make_paging_from_free_frame(ty),
            None => Err(sel4::Error::NotEnoughMemory),
        }
    }

    fn make_paging_from_free_frame(&mut self, ty: u64) -> Result<InUnit, sel4::Error> {
        let unit = self.reclaim_unit().ok_or(sel4::Error::NotEnoughMemory)?;
        self.units.make_in(&mut self.res, unit, ty)
    }

    /// Takes a frame made in a unit off the free list and out of the pool:
    /// a filler takes its place in the window, its caps are deleted, and
    /// its unit, with no children left, is returned.
    fn reclaim_unit(&mut self) -> Option<u64> {
        let pos = self.free.iter().rposition(|id| self.unit_of[id.0 as usize] != 0)?;
        let id: FrameId = self.free.swap_remove(pos);
        let i = id.0 as usize;
        let master = self.masters[i];
        let filler = match self.res.copy_cap(self.filler, CapRights::READ_WRITE) {
            Ok(c) if self.filler != 0 => c,
            other => {
                if let Ok(c) = other {
                    self.res.delete(c);
                }
                self.free.push(id);
                return None;
            }
        };
        // SAFETY: `master` is the frame mapped at index i (a frame of the
        // pool is at its own id until it leaves). The filler is mapped
        // nowhere but at holes of this window, whose indexes no frame id in
        // use names, so no accessor reads or writes it for a purpose: its
        // bytes are garbage anyone may overwrite, as the window's bytes are
        // data that may change under it anyway.
        if unsafe { self.window.replace(id.0, Frame::from_bits(master), Frame::from_bits(filler)) }.is_err() {
            self.res.delete(filler);
            self.free.push(id);
            return None;
        }
        self.is_free[i] = false;
        let spare = core::mem::take(&mut self.spares[i]);
        if spare != 0 {
            self.res.delete(spare);
        }
        // The last cap: a free frame is mapped by no process, and its one
        // process cap was the spare.
        self.res.delete(master);
        self.masters[i] = filler;
        self.holes.push(id);
        Some(core::mem::take(&mut self.unit_of[i]))
    }

    /// A PML4 for a process, in a unit.
    pub fn make_pml4(&mut self) -> Result<InUnit, Errno> {
        self.make_paging(object::PML4).map_err(|_| ENOMEM)
    }

    /// Deletes a process's paging structures (given with their types),
    /// tables before directories before PDPTs, and puts their units back.
    /// Deleting a structure's last cap unmaps it from the level above.
    pub fn release_paging(&mut self, made: &mut Vec<(InUnit, u64)>) {
        for level in [object::PAGE_TABLE, object::PAGE_DIRECTORY, object::PDPT] {
            for &(o, ty) in made.iter() {
                if ty == level {
                    self.units.release(&mut self.res, o);
                    self.paging_live -= 1;
                }
            }
        }
        made.clear();
    }

    /// Paging structures VM holds for processes.
    pub fn paging_structures(&self) -> u64 {
        self.paging_live
    }

    /// Maps `frame` at `vaddr` in a process's `vspace`, making the paging
    /// structures it lacks, each in a unit, recorded in `made` with its
    /// type (the VSpace deletes them when its process is gone).
    pub fn map_user(
        &mut self,
        vspace: sel4::VSpace,
        frame: Frame,
        vaddr: u64,
        rights: CapRights,
        made: &mut Vec<(InUnit, u64)>,
    ) -> Result<(), Errno> {
        sel4::map_frame_with(vspace, frame, vaddr, rights, &mut |ty| {
            let o = self.make_paging(ty)?;
            made.push((o, ty));
            self.paging_live += 1;
            Ok(CPtr(o.obj))
        })
        .map_err(|_| ENOMEM)
    }
}

// Units are pages.
const _: () = assert!(PAGE_SIZE == 1 << sel4_alloc::units::UNIT_BITS);
