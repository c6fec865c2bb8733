// SPDX-License-Identifier: BSD-2-Clause
//! The program break: a heap of private anonymous memory growing upwards
//! from the end of the program's data.

use super::AddressSpace;
use crate::addr::{page_ceil, USER_TOP};
use crate::frames::FrameAllocator;
use crate::memtype::MemType;
use crate::page::Released;
use crate::prot::Prot;
use minix_abi::errno::{Errno, EINVAL, ENOMEM};

impl AddressSpace {
    /// Sets the heap's start and the break to `start` (at exec; any byte
    /// address below `USER_TOP`, else `EINVAL`).
    pub fn init_brk(&mut self, start: u64) -> Result<(), Errno> {
        if start == 0 || start >= USER_TOP {
            return Err(EINVAL);
        }
        self.heap_start = start;
        self.brk = start;
        Ok(())
    }

    /// The current break (0 before [`AddressSpace::init_brk`]).
    pub fn current_brk(&self) -> u64 {
        self.brk
    }

    /// Moves the break to `new_brk`. Growing extends the read-write
    /// anonymous region ending at the old break's page (or creates one);
    /// shrinking unmaps whole pages above the new break and returns them.
    /// `ENOMEM` below the heap's start, without a heap, past `USER_TOP`,
    /// when another mapping is in the way, or past the process's
    /// [`super::Limits`]; nothing changes then.
    pub fn brk(&mut self, new_brk: u64, frames: &mut dyn FrameAllocator) -> Result<Released, Errno> {
        if self.heap_start == 0 || new_brk < self.heap_start {
            return Err(ENOMEM);
        }
        let old_end = page_ceil(self.brk).ok_or(ENOMEM)?;
        let new_end = match page_ceil(new_brk) {
            Some(e) if e <= USER_TOP => e,
            _ => return Err(ENOMEM),
        };
        let released = if new_end > old_end {
            self.grow_heap(old_end, new_end, frames)?;
            Released::default()
        } else if new_end < old_end {
            self.regions.unmap(new_end, old_end - new_end, frames)?
        } else {
            Released::default()
        };
        self.brk = new_brk;
        Ok(released)
    }

    fn grow_heap(&mut self, old_end: u64, new_end: u64, frames: &mut dyn FrameAllocator) -> Result<(), Errno> {
        self.room_to_map(new_end - old_end, 0)?;
        let heap = old_end
            .checked_sub(1)
            .and_then(|last| self.regions.lookup(last))
            .filter(|r| r.end() == old_end && r.prot() == Prot::RW && r.mem().mergeable_with(&MemType::anon()))
            .map(|r| r.start());
        match heap {
            Some(start) => {
                self.regions.resize(start, new_end - start, frames).map_err(|_| ENOMEM)?;
            }
            None => {
                self.regions.insert(old_end, new_end - old_end, Prot::RW, MemType::anon(), frames).map_err(|_| ENOMEM)?;
            }
        }
        self.regions.merge_around(old_end);
        Ok(())
    }
}
