//! VM's kernel resources: its untyped caps, its CSpace slots, and mapping
//! frames into a VSpace (its own or a process's) with the paging
//! structures created on demand.
use minix_abi::cspace as cs;
use sel4::{object, CNode, CPtr, CapRights, Error, Frame, Untyped, VSpace};
use sel4_alloc::{slots::SlotAllocator, untyped::UntypedPool};

pub struct Res {
    pub ut: UntypedPool<{ sel4::MSG_MAX_LENGTH }>,
    pub slots: SlotAllocator<2048>,
}

pub const SELF_CNODE: CNode = CNode::from_bits(cs::SELF_CNODE);
pub const SELF_VSPACE: VSpace = VSpace::from_bits(cs::SELF_VSPACE);

impl Res {
    /// One object of a fixed-size type, in a fresh slot.
    pub fn alloc(&mut self, ty: u64) -> Result<CPtr, Error> {
        let ut = self.ut.place(sel4::object_size_bits(ty, 0)).ok_or(Error::NotEnoughMemory)?;
        let slot = self.slots.alloc().ok_or(Error::RangeError)?;
        match Untyped::from_bits(ut).retype(ty, 0, SELF_CNODE, 0, 0, slot, 1) {
            Ok(()) => Ok(CPtr(slot)),
            Err(e) => {
                self.slots.free(slot);
                Err(e)
            }
        }
    }

    /// `n` physically contiguous frames in consecutive fresh slots.
    pub fn alloc_frames_contig(&mut self, n: u64) -> Result<u64, Error> {
        let ut = self.ut.place_n(sel4::size_bits::PAGE as u32, n).ok_or(Error::NotEnoughMemory)?;
        let first = self.slots.alloc_range(n).ok_or(Error::RangeError)?;
        Untyped::from_bits(ut).retype(object::FRAME_4K, 0, SELF_CNODE, 0, 0, first, n)?;
        Ok(first)
    }

    pub fn slot(&mut self) -> Result<CPtr, Error> {
        self.slots.alloc().map(CPtr).ok_or(Error::RangeError)
    }

    /// Deletes the cap in `slot` and frees the slot.
    pub fn delete(&mut self, slot: u64) {
        let _ = SELF_CNODE.delete(slot, sel4::CNODE_DEPTH);
        self.slots.free(slot);
    }

    /// A new cap to the frame in `master` with `rights`, in a fresh slot.
    pub fn copy_cap(&mut self, master: u64, rights: CapRights) -> Result<u64, Error> {
        let slot = self.slot()?;
        match SELF_CNODE.copy(slot.0, sel4::CNODE_DEPTH, SELF_CNODE, master, sel4::CNODE_DEPTH, rights) {
            Ok(()) => Ok(slot.0),
            Err(e) => {
                self.slots.free(slot.0);
                Err(e)
            }
        }
    }

    /// Maps `frame` at `vaddr`, creating missing paging structures (which
    /// stay with the VSpace for its whole life).
    pub fn map(&mut self, vspace: VSpace, frame: Frame, vaddr: u64, rights: CapRights) -> Result<(), Error> {
        sel4::map_frame_with(vspace, frame, vaddr, rights, &mut |ty| self.alloc(ty))
    }
}
