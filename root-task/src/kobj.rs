//! Kernel object allocation for the root task: picks an untyped from the
//! pool model, a free slot in the root CNode, and retypes.
use sel4_alloc::{slots::SlotAllocator, untyped::UntypedPool};
use sel4::{init, BootInfo, CPtr, Error, Untyped};

pub const MAX_UNTYPED: usize = sel4::MAX_BOOTINFO_UNTYPED_CAPS;

pub struct Kernel {
    pub pool: UntypedPool<MAX_UNTYPED>,
    pub slots: SlotAllocator<4096>,
}

impl Kernel {
    pub fn from_bootinfo(bi: &BootInfo) -> Kernel {
        let mut pool = UntypedPool::new();
        let ut = bi.untyped();
        for i in 0..ut.len() {
            if let Some(d) = bi.untyped_desc(i) {
                pool.add(ut.start + i, d.paddr, d.size_bits, d.is_device);
            }
        }
        let empty = bi.empty();
        Kernel { pool, slots: SlotAllocator::new(empty.start, empty.end) }
    }

    /// Retypes one object into a fresh slot of the root CNode.
    /// `size_param` is the size argument of Untyped_Retype (CNode radix or
    /// untyped size; 0 for fixed-size objects).
    pub fn alloc(&mut self, ty: u64, size_param: u64) -> Result<CPtr, Error> {
        let bits = sel4::object_size_bits(ty, size_param);
        let ut = self.pool.place(bits).ok_or(Error::NotEnoughMemory)?;
        let slot = self.slots.alloc().ok_or(Error::RangeError)?;
        match Untyped::from_bits(ut).retype(ty, size_param, init::CNODE, 0, 0, slot, 1) {
            Ok(()) => Ok(CPtr(slot)),
            Err(e) => {
                self.slots.free(slot);
                Err(e)
            }
        }
    }

    /// A free slot of the root CNode.
    pub fn slot(&mut self) -> Result<CPtr, Error> {
        self.slots.alloc().map(CPtr).ok_or(Error::RangeError)
    }
}
