// SPDX-License-Identifier: BSD-2-Clause
//! The packed seL4_BootInfo structure handed to the root task. The field
//! offsets are generated with `offsetof` on libsel4's own struct.
use crate::bootinfo_layout::*;
use crate::raw_mem::{read_u64_at, read_u8_at};

/// A range of CNode slots, `[start, end)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SlotRegion {
    pub start: u64,
    pub end: u64,
}

impl SlotRegion {
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One untyped capability's description.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UntypedDesc {
    pub paddr: u64,
    pub size_bits: u8,
    pub is_device: bool,
}

/// A read-only view of the bootinfo frame (field offsets of the packed
/// seL4 5.0 x86_64 layout).
#[derive(Copy, Clone, Debug)]
pub struct BootInfo {
    base: u64,
}

// Each field is read with the width the kernel's struct gives it: words
// with read_u64_at, bytes with read_u8_at, regions as two slot words.
const _: () = {
    assert!(IPC_BUFFER_WIDTH == 8 && ARCH_INFO_WIDTH == 8 && CNODE_SIZE_BITS_WIDTH == 1);
    assert!(EMPTY_WIDTH == 16 && USER_IMAGE_FRAMES_WIDTH == 16 && USER_IMAGE_PAGING_WIDTH == 16 && UNTYPED_WIDTH == 16);
    assert!(SLOT_POS_WIDTH == 8 && SLOT_REGION_START == 0 && SLOT_REGION_END == 8);
    assert!(UNTYPED_DESC_PADDR_WIDTH == 8 && UNTYPED_DESC_SIZE_BITS_WIDTH == 1 && UNTYPED_DESC_IS_DEVICE_WIDTH == 1);
    assert!(UNTYPED_LIST_WIDTH == UNTYPED_DESC_SIZE * crate::MAX_BOOTINFO_UNTYPED_CAPS as u64);
};

impl BootInfo {
    /// Wraps the bootinfo pointer the kernel passed in `rdi`.
    pub fn from_addr(base: u64) -> BootInfo {
        BootInfo { base }
    }

    fn region(&self, off: u64) -> SlotRegion {
        SlotRegion {
            start: read_u64_at(self.base + off + SLOT_REGION_START),
            end: read_u64_at(self.base + off + SLOT_REGION_END),
        }
    }

    pub fn ipc_buffer(&self) -> u64 {
        read_u64_at(self.base + IPC_BUFFER)
    }
    pub fn empty(&self) -> SlotRegion {
        self.region(EMPTY)
    }
    pub fn user_image_frames(&self) -> SlotRegion {
        self.region(USER_IMAGE_FRAMES)
    }
    pub fn user_image_paging(&self) -> SlotRegion {
        self.region(USER_IMAGE_PAGING)
    }
    pub fn init_cnode_size_bits(&self) -> u8 {
        read_u8_at(self.base + CNODE_SIZE_BITS)
    }
    /// TSC frequency in MHz.
    pub fn tsc_mhz(&self) -> u64 {
        read_u64_at(self.base + ARCH_INFO)
    }
    pub fn untyped(&self) -> SlotRegion {
        self.region(UNTYPED)
    }
    /// Description of the `i`th untyped cap (slot `untyped().start + i`).
    pub fn untyped_desc(&self, i: u64) -> Option<UntypedDesc> {
        if i >= self.untyped().len() || i >= crate::MAX_BOOTINFO_UNTYPED_CAPS as u64 {
            return None;
        }
        let at = self.base + UNTYPED_LIST + i * UNTYPED_DESC_SIZE;
        Some(UntypedDesc {
            paddr: read_u64_at(at + UNTYPED_DESC_PADDR),
            size_bits: read_u8_at(at + UNTYPED_DESC_SIZE_BITS),
            is_device: read_u8_at(at + UNTYPED_DESC_IS_DEVICE) != 0,
        })
    }
}
