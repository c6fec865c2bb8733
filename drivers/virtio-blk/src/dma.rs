// SPDX-License-Identifier: BSD-2-Clause
//! The driver's DMA memory: frames the root task allocated and mapped at
//! [`cspace::blk::DMA_BASE`], whose physical addresses the driver asks the
//! kernel for (Page_GetAddress on its frame caps). No IOMMU is configured,
//! so the device reaches them, and only them, by those addresses: no other
//! memory's physical address ever goes into a descriptor.
//!
//! | pages | holds |
//! |---|---|
//! | `0..RING_PAGES` | the virtqueue (must be physically contiguous) |
//! | `RING_PAGES` | the request header (16 bytes) and, at [`STATUS_OFFSET`], the status byte |
//! | the next `MAX_TRANSFER / 4096` | the data of one request |
use crate::vring::Buffer;
use minix_abi::blk::MAX_TRANSFER;
use minix_abi::cspace;

pub const PAGE: usize = 4096;
/// Pages of the whole area.
pub const PAGES: usize = cspace::blk::DMA_PAGES as usize;
/// Pages for the virtqueue.
pub const RING_PAGES: usize = cspace::blk::RING_PAGES as usize;
/// Byte offset of the request header.
pub const HEADER_OFFSET: usize = RING_PAGES * PAGE;
/// Byte offset of the status byte, on the header's page.
pub const STATUS_OFFSET: usize = HEADER_OFFSET + 64;
/// Byte offset of the data buffer.
pub const DATA_OFFSET: usize = HEADER_OFFSET + PAGE;
/// Pages of the data buffer.
pub const DATA_PAGES: usize = MAX_TRANSFER as usize / PAGE;
/// Most data buffers in one chain: one per page when no two are adjacent.
pub const MAX_DATA_BUFFERS: usize = DATA_PAGES;

const _: () = assert!(DATA_OFFSET + DATA_PAGES * PAGE == PAGES * PAGE, "the area is the ring, a header page and the data buffer");

/// The physical address of every page of the area, in order.
#[derive(Clone, Debug)]
pub struct PhysMap {
    pages: [u64; PAGES],
}

impl PhysMap {
    /// `EINVAL`-like `None` unless every address is page-aligned and the
    /// ring's pages are contiguous (the device finds the whole ring from
    /// its first page number).
    pub fn new(pages: [u64; PAGES]) -> Option<PhysMap> {
        let aligned = pages.iter().all(|p| p % PAGE as u64 == 0);
        let ring_contiguous = pages[..RING_PAGES].windows(2).all(|w| w[0].checked_add(PAGE as u64) == Some(w[1]));
        (aligned && ring_contiguous).then_some(PhysMap { pages })
    }

    /// The physical address of byte `offset` of the area.
    pub fn addr(&self, offset: usize) -> u64 {
        self.pages[offset / PAGE] + (offset % PAGE) as u64
    }

    /// The ring's first page number, for the queue-address register
    /// (a u32 in the legacy interface: `None` above 2^44).
    pub fn ring_pfn(&self) -> Option<u32> {
        u32::try_from(self.pages[0] / PAGE as u64).ok()
    }

    /// The first `len` bytes of the data buffer as device buffers: one per
    /// run of physically adjacent pages. Writes them to `out` and returns
    /// how many. `len` is at most [`MAX_TRANSFER`].
    pub fn data_buffers(&self, len: usize, device_writes: bool, out: &mut [Buffer; MAX_DATA_BUFFERS]) -> usize {
        let len = len.min(DATA_PAGES * PAGE);
        let mut n = 0;
        let mut done = 0;
        while done < len {
            let chunk = (len - done).min(PAGE);
            let addr = self.addr(DATA_OFFSET + done);
            // Extend the previous buffer when this page follows it.
            if n > 0 && out[n - 1].addr + out[n - 1].len as u64 == addr {
                out[n - 1].len += chunk as u32;
            } else {
                out[n] = Buffer { addr, len: chunk as u32, device_writes };
                n += 1;
            }
            done += chunk;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contiguous_from(base: u64) -> [u64; PAGES] {
        core::array::from_fn(|i| base + (i * PAGE) as u64)
    }

    #[test]
    fn a_contiguous_area_is_one_data_buffer() {
        let m = PhysMap::new(contiguous_from(0x10_0000)).unwrap();
        let mut out = [Buffer::default(); MAX_DATA_BUFFERS];
        assert_eq!(m.data_buffers(MAX_TRANSFER as usize, true, &mut out), 1);
        assert_eq!(out[0], Buffer { addr: 0x10_0000 + DATA_OFFSET as u64, len: MAX_TRANSFER as u32, device_writes: true });
        assert_eq!(m.data_buffers(512, false, &mut out), 1);
        assert_eq!(out[0].len, 512);
        assert_eq!(m.ring_pfn(), Some(0x100));
        assert_eq!(m.addr(STATUS_OFFSET), 0x10_0000 + STATUS_OFFSET as u64);
    }

    #[test]
    fn scattered_pages_split_the_data() {
        let mut pages = contiguous_from(0x10_0000);
        // Every data page somewhere else, in reverse order.
        for (i, p) in pages[RING_PAGES + 1..].iter_mut().enumerate() {
            *p = 0x90_0000 - (i * PAGE) as u64;
        }
        let m = PhysMap::new(pages).unwrap();
        let mut out = [Buffer::default(); MAX_DATA_BUFFERS];
        assert_eq!(m.data_buffers(MAX_TRANSFER as usize, false, &mut out), DATA_PAGES);
        assert_eq!(out[1].addr, 0x90_0000 - PAGE as u64);
        assert_eq!(m.data_buffers(PAGE + 512, false, &mut out), 2);
        assert_eq!((out[0].len, out[1].len), (PAGE as u32, 512));
    }

    #[test]
    fn a_broken_ring_or_unaligned_page_is_refused() {
        let mut pages = contiguous_from(0x10_0000);
        pages[1] += PAGE as u64;
        assert!(PhysMap::new(pages).is_none());
        let mut pages = contiguous_from(0x10_0000);
        pages[RING_PAGES + 3] += 1;
        assert!(PhysMap::new(pages).is_none());
        let m = PhysMap::new(contiguous_from(1 << 45)).unwrap();
        assert_eq!(m.ring_pfn(), None);
    }
}
