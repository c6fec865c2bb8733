// SPDX-License-Identifier: BSD-2-Clause
//! Memory that comes back: 4 KiB child untypeds ("units"), each holding at
//! most one 4 KiB object.
//!
//! An object retyped straight from a large untyped keeps that memory for
//! good: the untyped's watermark only moves forward while any object made
//! from it lives. A unit is its own untyped cap, so when its one object
//! is deleted it has no children left, and its next Untyped_Retype resets
//! it (the kernel zeroes it) and places the new object at its start. A
//! paging structure made in a unit can therefore become a frame, or
//! another paging structure, once its VSpace lets it go.
//!
//! Units are carved from the large untypeds in batches (one retype of
//! `batch` untyped objects), and the free ones wait on a list.
extern crate alloc;
use crate::objects::{Invoke, ObjectAllocator};
use alloc::vec::Vec;
use sel4::{object, Error};

/// A unit's size: one page, the size of every x86_64 paging structure.
pub const UNIT_BITS: u64 = sel4::size_bits::PAGE;

/// An object made in a unit: the object's cap and its unit's.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct InUnit {
    pub obj: u64,
    pub unit: u64,
}

/// The free units (childless 4 KiB untypeds) of one process.
#[derive(Default)]
pub struct UnitPool {
    free: Vec<u64>,
    /// Units ever carved.
    carved: u64,
    /// Units found busy when they should have been free (a bug
    /// elsewhere), and left alone.
    dropped: u64,
}

impl UnitPool {
    pub const fn new() -> UnitPool {
        UnitPool { free: Vec::new(), carved: 0, dropped: 0 }
    }

    /// Units with nothing in them.
    pub fn free_units(&self) -> u64 {
        self.free.len() as u64
    }

    /// Units ever carved from the large untypeds.
    pub fn carved(&self) -> u64 {
        self.carved
    }

    /// Room for `n` more free units without the list growing (so that
    /// putting a unit back never allocates).
    pub fn reserve(&mut self, n: u64) {
        self.free.reserve(n as usize);
    }

    /// Carves up to `batch` units from the large untypeds with one retype
    /// (fewer, halving, when no untyped has room for them all) onto the
    /// free list. Returns how many.
    pub fn carve<const N: usize, K: Invoke>(&mut self, res: &mut ObjectAllocator<N, K>, batch: u64) -> u64 {
        let mut n = batch.max(1);
        loop {
            match res.alloc_n(object::UNTYPED, UNIT_BITS, n) {
                Ok(first) => {
                    // Handed out lowest slot first.
                    self.free.extend((first..first + n).rev());
                    self.carved += n;
                    return n;
                }
                Err(_) if n > 1 => n /= 2,
                Err(_) => return 0,
            }
        }
    }

    /// A free unit, taken off the list; `None` when the list is empty.
    pub fn take(&mut self) -> Option<u64> {
        self.free.pop()
    }

    /// One 4 KiB object of type `ty` in a free unit, carving `batch` more
    /// first when none is free.
    pub fn make<const N: usize, K: Invoke>(&mut self, res: &mut ObjectAllocator<N, K>, ty: u64, batch: u64) -> Result<InUnit, Error> {
        if self.free.is_empty() && self.carve(res, batch) == 0 {
            return Err(Error::NotEnoughMemory);
        }
        let unit = self.free.pop().ok_or(Error::NotEnoughMemory)?;
        self.make_in(res, unit, ty)
    }

    /// One 4 KiB object of type `ty` in `unit`, a unit that should have
    /// no children (taken with [`UnitPool::take`], or whose object the
    /// caller deleted). On failure the unit goes back on the list, unless
    /// the kernel found no room in it: then something still lives there,
    /// and the unit is dropped rather than refused again and again.
    pub fn make_in<const N: usize, K: Invoke>(&mut self, res: &mut ObjectAllocator<N, K>, unit: u64, ty: u64) -> Result<InUnit, Error> {
        match res.alloc_in(unit, ty, 0) {
            Ok(obj) => Ok(InUnit { obj: obj.0, unit }),
            Err(Error::NotEnoughMemory) => {
                self.dropped += 1;
                Err(Error::NotEnoughMemory)
            }
            Err(e) => {
                self.free.push(unit);
                Err(e)
            }
        }
    }

    /// Units dropped because they were found busy.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Deletes the object and puts its unit back. The object's cap must be
    /// its last (no copies anywhere), or the unit would keep a child and
    /// refuse its next retype.
    pub fn release<const N: usize, K: Invoke>(&mut self, res: &mut ObjectAllocator<N, K>, o: InUnit) {
        res.delete(o.obj);
        self.free.push(o.unit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::untyped::UntypedPool;
    use sel4::CNode;

    const FIRST: u64 = 100;

    /// One 64 KiB untyped: 16 units.
    fn res() -> ObjectAllocator<4, Model> {
        let mut ut = UntypedPool::new();
        ut.add(10, 0x10_0000, 16, false);
        ObjectAllocator::with_kernel(Model::default(), CNode::from_bits(2), ut, FIRST, FIRST + 256)
    }

    #[test]
    fn a_released_unit_is_made_into_something_else() {
        let mut r = res();
        let mut u = UnitPool::new();
        let pt = u.make(&mut r, object::PAGE_TABLE, 4).unwrap();
        assert_eq!(r.kernel().caps.get(&pt.unit), Some(&object::UNTYPED));
        assert_eq!(r.kernel().caps.get(&pt.obj), Some(&object::PAGE_TABLE));
        assert_eq!((u.carved(), u.free_units()), (4, 3));
        u.release(&mut r, pt);
        assert_eq!(u.free_units(), 4);
        assert_eq!(r.kernel().children_of(pt.unit), 0);
        // The same memory, now a frame: the free list hands the unit back.
        let unit = u.take().unwrap();
        assert_eq!(unit, pt.unit);
        let f = u.make_in(&mut r, unit, object::FRAME_4K).unwrap();
        assert_eq!(r.kernel().caps.get(&f.obj), Some(&object::FRAME_4K));
    }

    #[test]
    fn a_busy_unit_is_refused_and_dropped() {
        let mut r = res();
        let mut u = UnitPool::new();
        let a = u.make(&mut r, object::PAGE_TABLE, 2).unwrap();
        // A copy of the object's cap keeps the unit busy after the object's
        // own cap is deleted: the kernel refuses to retype it, and the pool
        // drops the unit rather than hand it out again.
        let copy = r.copy_cap(a.obj, sel4::CapRights::READ_WRITE).unwrap();
        r.delete(a.obj);
        assert_eq!(u.make_in(&mut r, a.unit, object::FRAME_4K), Err(Error::NotEnoughMemory));
        assert_eq!((u.free_units(), u.dropped()), (1, 1));
        assert_eq!(r.kernel().children_of(a.unit), 1);
        // The other unit still serves.
        assert!(u.make(&mut r, object::FRAME_4K, 2).is_ok());
        r.delete(copy);
    }

    #[test]
    fn carving_halves_until_it_fits_then_stops() {
        let mut r = res();
        let mut u = UnitPool::new();
        // 16 units of room: a batch of 64 becomes 16.
        assert_eq!(u.carve(&mut r, 64), 16);
        assert_eq!(u.carve(&mut r, 64), 0);
        let made: Vec<InUnit> = (0..16).map(|_| u.make(&mut r, object::PAGE_TABLE, 64).unwrap()).collect();
        assert_eq!(u.make(&mut r, object::PAGE_TABLE, 64), Err(Error::NotEnoughMemory));
        assert_eq!(r.slots.in_use(), 32, "a failed make left no slot taken");
        for o in made {
            u.release(&mut r, o);
        }
        assert_eq!(u.free_units(), 16);
        assert_eq!(r.slots.in_use(), 16, "only the units' own caps remain");
        // Every unit serves again.
        for _ in 0..16 {
            u.make(&mut r, object::FRAME_4K, 64).unwrap();
        }
    }

    #[test]
    fn a_failed_retype_keeps_unit_and_slot() {
        let mut r = res();
        let mut u = UnitPool::new();
        u.carve(&mut r, 2);
        r.kernel_mut().fail_next = Some(Error::InvalidArgument);
        assert_eq!(u.make(&mut r, object::PAGE_TABLE, 2), Err(Error::InvalidArgument));
        assert_eq!((u.free_units(), r.slots.in_use()), (2, 2));
    }
}
