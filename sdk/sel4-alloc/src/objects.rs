// SPDX-License-Identifier: BSD-2-Clause
//! The one kernel-object allocator of the system, used by every process
//! that makes its own kernel objects (the root task, VM): an
//! [`UntypedPool`] says which untyped cap holds the next object, a
//! [`SlotAllocator`] gives it a slot in the process's own CNode, and one
//! Untyped_Retype makes it.
//!
//! The kernel invocations go through [`Invoke`], so the bookkeeping (what
//! happens to slots and untyped memory when an invocation fails) is tested
//! on the host against a model kernel; [`Kernel`] is the real one.
//!
//! Failure leaves the bookkeeping as it was, except for untyped memory: a
//! slot taken for an object that could not be made is freed again, but the
//! pool's watermark stays where `place` moved it. That only wastes the
//! space (the model believes less is free than the kernel does), never
//! places two objects in one place.
use crate::slots::SlotAllocator;
use crate::untyped::UntypedPool;
use sel4::{BootInfo, CNode, CPtr, CapRights, Error, Frame, Untyped, VSpace, CNODE_DEPTH};

/// The kernel invocations the allocator makes, all on its own CNode.
pub trait Invoke {
    /// Untyped_Retype of `n` objects into consecutive slots from `slot`.
    fn retype(&mut self, ut: u64, ty: u64, size_param: u64, cnode: CNode, slot: u64, n: u64) -> Result<(), Error>;
    /// CNode_Delete of the cap in `slot`.
    fn delete(&mut self, cnode: CNode, slot: u64) -> Result<(), Error>;
    /// CNode_Copy of the cap in `src` to `dest`, with `rights`.
    fn copy(&mut self, cnode: CNode, dest: u64, src: u64, rights: CapRights) -> Result<(), Error>;
}

/// The real kernel: the invocations on caps this process holds.
#[derive(Copy, Clone, Default, Debug)]
pub struct Kernel;

impl Invoke for Kernel {
    fn retype(&mut self, ut: u64, ty: u64, size_param: u64, cnode: CNode, slot: u64, n: u64) -> Result<(), Error> {
        // Index 0 at depth 0: the destination is `cnode` itself.
        Untyped::from_bits(ut).retype(ty, size_param, cnode, 0, 0, slot, n)
    }
    fn delete(&mut self, cnode: CNode, slot: u64) -> Result<(), Error> {
        cnode.delete(slot, CNODE_DEPTH)
    }
    fn copy(&mut self, cnode: CNode, dest: u64, src: u64, rights: CapRights) -> Result<(), Error> {
        cnode.copy(dest, CNODE_DEPTH, cnode, src, CNODE_DEPTH, rights)
    }
}

/// A slot allocator's free-list bound no longer limits anything (see
/// [`SlotAllocator`]); one value keeps every user's type the same.
const SLOT_LIST: usize = 0;

/// Untyped memory and CNode slots of one process, and the objects made
/// from them.
pub struct ObjectAllocator<const N: usize, K: Invoke = Kernel> {
    pub ut: UntypedPool<N>,
    pub slots: SlotAllocator<SLOT_LIST>,
    /// The CNode the slots are in: the process's own CSpace root.
    cnode: CNode,
    kernel: K,
}

impl<const N: usize, K: Invoke> ObjectAllocator<N, K> {
    /// An allocator over `ut`, handing out slots `[first_slot, end_slot)`
    /// of `cnode`, invoking through `kernel`.
    pub fn with_kernel(kernel: K, cnode: CNode, ut: UntypedPool<N>, first_slot: u64, end_slot: u64) -> Self {
        ObjectAllocator { ut, slots: SlotAllocator::new(first_slot, end_slot), cnode, kernel }
    }

    /// The kernel the allocator invokes (the model kernel, in tests).
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// As [`Self::kernel`], mutable.
    pub fn kernel_mut(&mut self) -> &mut K {
        &mut self.kernel
    }

    /// A free slot of the CNode.
    pub fn slot(&mut self) -> Result<CPtr, Error> {
        self.slots.alloc().map(CPtr).ok_or(Error::RangeError)
    }

    /// One object of type `ty` in a fresh slot. `size_param` is
    /// Untyped_Retype's size argument (CNode radix, untyped size; 0 for
    /// fixed-size objects).
    pub fn alloc(&mut self, ty: u64, size_param: u64) -> Result<CPtr, Error> {
        // The slot first: giving it back is exact, untyped space is not.
        let slot = self.slot()?;
        let Some(ut) = self.ut.place(sel4::object_size_bits(ty, size_param)) else {
            self.slots.free(slot.0);
            return Err(Error::NotEnoughMemory);
        };
        match self.kernel.retype(ut, ty, size_param, self.cnode, slot.0, 1) {
            Ok(()) => Ok(slot),
            Err(e) => {
                self.slots.free(slot.0);
                Err(e)
            }
        }
    }

    /// `n` physically contiguous 4 KiB frames (one retype from one
    /// untyped) in consecutive fresh slots; returns the first slot.
    pub fn alloc_frames_contig(&mut self, n: u64) -> Result<u64, Error> {
        self.alloc_n(sel4::object::FRAME_4K, 0, n)
    }

    /// `n` objects of type `ty` (`size_param` as for [`Self::alloc`]) made
    /// back to back by one retype from one untyped, in consecutive fresh
    /// slots; returns the first slot.
    pub fn alloc_n(&mut self, ty: u64, size_param: u64, n: u64) -> Result<u64, Error> {
        let first = self.slots.alloc_range(n).ok_or(Error::RangeError)?;
        let free_run = |s: &mut Self| (first..first + n).for_each(|i| s.slots.free(i));
        let Some(ut) = self.ut.place_n(sel4::object_size_bits(ty, size_param), n) else {
            free_run(self);
            return Err(Error::NotEnoughMemory);
        };
        match self.kernel.retype(ut, ty, size_param, self.cnode, first, n) {
            Ok(()) => Ok(first),
            Err(e) => {
                free_run(self);
                Err(e)
            }
        }
    }

    /// One object of type `ty` in a fresh slot, made from the untyped cap
    /// `ut` of this CNode, which the pool does not track (a child untyped
    /// the caller keeps, see [`crate::units`]). The kernel places it; with
    /// no children left, `ut` is reset and the object goes at its start.
    pub fn alloc_in(&mut self, ut: u64, ty: u64, size_param: u64) -> Result<CPtr, Error> {
        let slot = self.slot()?;
        match self.kernel.retype(ut, ty, size_param, self.cnode, slot.0, 1) {
            Ok(()) => Ok(slot),
            Err(e) => {
                self.slots.free(slot.0);
                Err(e)
            }
        }
    }

    /// Deletes the cap in `slot` and frees the slot.
    pub fn delete(&mut self, slot: u64) {
        // Deleting an empty slot succeeds; a failure would leave the cap
        // in place, but the kernel refuses a delete only for a bad index,
        // which no slot of ours is.
        let _ = self.kernel.delete(self.cnode, slot);
        self.slots.free(slot);
    }

    /// A new cap to whatever `master` holds (a frame), with `rights`, in a
    /// fresh slot.
    pub fn copy_cap(&mut self, master: u64, rights: CapRights) -> Result<u64, Error> {
        let slot = self.slot()?;
        match self.kernel.copy(self.cnode, slot.0, master, rights) {
            Ok(()) => Ok(slot.0),
            Err(e) => {
                self.slots.free(slot.0);
                Err(e)
            }
        }
    }
}

impl<const N: usize> ObjectAllocator<N, Kernel> {
    /// An allocator over `ut` and slots `[first_slot, end_slot)` of this
    /// process's CNode `cnode`.
    pub fn new(cnode: CNode, ut: UntypedPool<N>, first_slot: u64, end_slot: u64) -> Self {
        Self::with_kernel(Kernel, cnode, ut, first_slot, end_slot)
    }

    /// The root task's allocator: the untyped caps bootinfo lists and the
    /// empty slots of the initial CNode.
    pub fn from_bootinfo(bi: &BootInfo) -> Self {
        let mut ut = UntypedPool::new();
        let list = bi.untyped();
        for i in 0..list.len() {
            if let Some(d) = bi.untyped_desc(i) {
                ut.add(list.start + i, d.paddr, d.size_bits, d.is_device);
            }
        }
        let empty = bi.empty();
        Self::new(sel4::init::CNODE, ut, empty.start, empty.end)
    }

    /// Maps `frame` at `vaddr` in `vspace`, making any missing paging
    /// structure from this allocator (they stay with the VSpace).
    pub fn map(&mut self, vspace: VSpace, frame: Frame, vaddr: u64, rights: CapRights) -> Result<(), Error> {
        sel4::map_frame_with(vspace, frame, vaddr, rights, &mut |ty| self.alloc(ty, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use sel4::{object, size_bits};

    const FIRST: u64 = 100;

    /// One 64 KiB and one 16 KiB untyped, slots [FIRST, FIRST + n).
    fn alloc(slots: u64) -> ObjectAllocator<4, Model> {
        let mut ut = UntypedPool::new();
        ut.add(10, 0x10_0000, 16, false);
        ut.add(11, 0x20_0000, 14, false);
        ObjectAllocator::with_kernel(Model::default(), CNode::from_bits(2), ut, FIRST, FIRST + slots)
    }

    #[test]
    fn objects_land_in_fresh_slots_of_the_untyped_that_fits() {
        let mut a = alloc(64);
        let tcb = a.alloc(object::TCB, 0).unwrap();
        let cnode = a.alloc(object::CNODE, 5).unwrap();
        let frame = a.alloc(object::FRAME_4K, 0).unwrap();
        assert_eq!([tcb.0, cnode.0, frame.0], [FIRST, FIRST + 1, FIRST + 2]);
        assert_eq!(a.kernel.caps.get(&cnode.0), Some(&object::CNODE));
        // Their sizes at least (alignment may add to it).
        let used = (1 << size_bits::TCB) + (1 << (5 + size_bits::SLOT)) + (1 << size_bits::PAGE);
        assert!(a.ut.total_ram() - a.ut.free_ram() >= used);
        assert_eq!(a.slots.in_use(), 3);
    }

    #[test]
    fn a_failed_retype_gives_its_slot_back() {
        let mut a = alloc(64);
        a.kernel.fail_next = Some(Error::NotEnoughMemory);
        assert_eq!(a.alloc(object::ENDPOINT, 0), Err(Error::NotEnoughMemory));
        assert_eq!(a.slots.in_use(), 0);
        // The next object gets the same slot.
        assert_eq!(a.alloc(object::ENDPOINT, 0), Ok(CPtr(FIRST)));
    }

    #[test]
    fn out_of_memory_or_slots_leaves_the_other_untouched() {
        let mut a = alloc(64);
        // Bigger than either untyped.
        assert_eq!(a.alloc(object::CNODE, 20), Err(Error::NotEnoughMemory));
        assert_eq!(a.slots.in_use(), 0, "the slot came back");
        let mut b = alloc(1);
        b.alloc(object::ENDPOINT, 0).unwrap();
        let free = b.ut.free_ram();
        assert_eq!(b.alloc(object::ENDPOINT, 0), Err(Error::RangeError));
        assert_eq!(b.ut.free_ram(), free, "no untyped space spent without a slot");
    }

    #[test]
    fn contiguous_frames_and_their_failures() {
        let mut a = alloc(256);
        let first = a.alloc_frames_contig(4).unwrap();
        assert_eq!(a.kernel.retypes.last(), Some(&(10, object::FRAME_4K, first, 4)));
        assert!((first..first + 4).all(|s| a.kernel.caps.get(&s) == Some(&object::FRAME_4K)));
        a.kernel.fail_next = Some(Error::NotEnoughMemory);
        assert!(a.alloc_frames_contig(2).is_err());
        assert_eq!(a.slots.in_use(), 4, "the failed run's slots came back");
        // More than any one untyped holds.
        assert_eq!(a.alloc_frames_contig(64), Err(Error::NotEnoughMemory));
        assert_eq!(a.slots.in_use(), 4);
    }

    #[test]
    fn copies_and_deletes_keep_slots_in_step_with_caps() {
        let mut a = alloc(64);
        let master = a.alloc(object::FRAME_4K, 0).unwrap().0;
        let copy = a.copy_cap(master, CapRights::READ).unwrap();
        assert_eq!(a.kernel.caps.get(&copy), Some(&object::FRAME_4K));
        // A copy of an empty slot fails and gives its slot back.
        assert_eq!(a.copy_cap(FIRST + 50, CapRights::READ), Err(Error::FailedLookup));
        assert_eq!(a.slots.in_use(), 2);
        a.delete(copy);
        assert!(!a.kernel.caps.contains_key(&copy));
        assert!(!a.slots.is_allocated(copy));
        // The freed slot is reused, and empty, so the retype succeeds.
        assert_eq!(a.alloc(object::ENDPOINT, 0), Ok(CPtr(copy)));
    }
}
