// SPDX-License-Identifier: BSD-2-Clause
//! Buffers for file data, taken from an anonymous mapping because the
//! workloads have no allocator. Every page is written when the buffer is
//! made, so no timed operation takes a fault on it.
use super::{Os, PAGE};

pub(crate) struct Scratch {
    addr: usize,
    len: usize,
}

impl Scratch {
    /// `len` bytes (a multiple of the page size) holding a byte pattern,
    /// so files written from it are not all zeros.
    pub fn new<O: Os>(os: &mut O, len: usize) -> Option<Scratch> {
        let addr = os.mmap_anon(len)?;
        for p in 0..len / PAGE {
            // SAFETY: page p of the read-write mapping just made.
            unsafe { os.touch(addr + p * PAGE) };
        }
        let mut s = Scratch { addr, len };
        for (i, b) in s.bytes().iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        Some(s)
    }

    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is ours, read-write, `len` bytes long, and
        // lives until `free`; `&mut self` keeps the slice unaliased.
        unsafe { core::slice::from_raw_parts_mut(self.addr as *mut u8, self.len) }
    }

    pub fn free<O: Os>(self, os: &mut O) {
        os.munmap(self.addr, self.len);
    }
}
