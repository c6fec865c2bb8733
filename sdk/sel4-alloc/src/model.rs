// SPDX-License-Identifier: BSD-2-Clause
//! A model kernel for the host tests: a CNode of slots holding object
//! types, which untyped cap each object was made from, and invocations
//! that fail when told to.
use crate::objects::Invoke;
use sel4::{object, CNode, CapRights, Error};
use std::collections::BTreeMap;
use std::vec::Vec;

#[derive(Default)]
pub struct Model {
    /// Slot -> object type.
    pub caps: BTreeMap<u64, u64>,
    /// Slot -> the untyped cap its object was made from (copies share
    /// their original's), as the kernel's derivation tree knows it.
    pub parents: BTreeMap<u64, u64>,
    /// (untyped, type, first slot, count) of every retype that succeeded.
    pub retypes: Vec<(u64, u64, u64, u64)>,
    pub fail_next: Option<Error>,
}

impl Model {
    /// Caps made from (or copied from objects made from) untyped `ut`.
    pub fn children_of(&self, ut: u64) -> usize {
        self.parents.values().filter(|&&p| p == ut).count()
    }
}

impl Invoke for Model {
    fn retype(&mut self, ut: u64, ty: u64, _size: u64, _cnode: CNode, slot: u64, n: u64) -> Result<(), Error> {
        if let Some(e) = self.fail_next.take() {
            return Err(e);
        }
        for s in slot..slot + n {
            // The kernel refuses a slot that is not empty.
            if self.caps.contains_key(&s) {
                return Err(Error::DeleteFirst);
            }
        }
        // An untyped made by a retype is one 4 KiB unit in these tests: it
        // holds one object, and only once its children are all gone (the
        // kernel then resets it and starts again at its beginning).
        if self.caps.get(&ut) == Some(&object::UNTYPED) && (n > 1 || self.children_of(ut) > 0) {
            return Err(Error::NotEnoughMemory);
        }
        for s in slot..slot + n {
            self.caps.insert(s, ty);
            self.parents.insert(s, ut);
        }
        self.retypes.push((ut, ty, slot, n));
        Ok(())
    }

    fn delete(&mut self, _cnode: CNode, slot: u64) -> Result<(), Error> {
        self.caps.remove(&slot);
        self.parents.remove(&slot);
        Ok(())
    }

    fn copy(&mut self, _cnode: CNode, dest: u64, src: u64, _rights: CapRights) -> Result<(), Error> {
        if let Some(e) = self.fail_next.take() {
            return Err(e);
        }
        let ty = *self.caps.get(&src).ok_or(Error::FailedLookup)?;
        if self.caps.contains_key(&dest) {
            return Err(Error::DeleteFirst);
        }
        self.caps.insert(dest, ty);
        if let Some(&p) = self.parents.get(&src) {
            self.parents.insert(dest, p);
        }
        Ok(())
    }
}
