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
/// seL4 5.0 x86_64 layout). Made once, unsafely, from the address the
/// kernel passed; every accessor is then safe.
#[derive(Copy, Clone, Debug)]
pub struct BootInfo {
    /// Invariant (from [`BootInfo::from_addr`]): a readable seL4_BootInfo
    /// structure that nothing writes, for the rest of the program.
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
    ///
    /// # Safety
    ///
    /// `base` is the address of a whole seL4_BootInfo structure (the
    /// kernel's bootinfo frame, for the root task) that stays mapped
    /// readable and unwritten for the rest of the program: every copy of
    /// the returned value reads it whenever asked.
    pub unsafe fn from_addr(base: u64) -> BootInfo {
        BootInfo { base }
    }

    /// The word at `off` in the structure.
    fn word(&self, off: u64) -> u64 {
        debug_assert!(off + 8 <= UNTYPED_LIST + UNTYPED_LIST_WIDTH);
        // SAFETY: `base` holds a readable, unwritten seL4_BootInfo for
        // good (from_addr's contract), and every caller passes the offset
        // of one of its fields, generated from the kernel's struct.
        unsafe { read_u64_at(self.base + off) }
    }

    /// The byte at `off` in the structure.
    fn byte(&self, off: u64) -> u8 {
        debug_assert!(off < UNTYPED_LIST + UNTYPED_LIST_WIDTH);
        // SAFETY: as in `word`.
        unsafe { read_u8_at(self.base + off) }
    }

    fn region(&self, off: u64) -> SlotRegion {
        SlotRegion { start: self.word(off + SLOT_REGION_START), end: self.word(off + SLOT_REGION_END) }
    }

    pub fn ipc_buffer(&self) -> u64 {
        self.word(IPC_BUFFER)
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
        self.byte(CNODE_SIZE_BITS)
    }
    /// TSC frequency in MHz.
    pub fn tsc_mhz(&self) -> u64 {
        self.word(ARCH_INFO)
    }
    pub fn untyped(&self) -> SlotRegion {
        self.region(UNTYPED)
    }
    /// Description of the `i`th untyped cap (slot `untyped().start + i`).
    pub fn untyped_desc(&self, i: u64) -> Option<UntypedDesc> {
        if i >= self.untyped().len() || i >= crate::MAX_BOOTINFO_UNTYPED_CAPS as u64 {
            return None;
        }
        // Inside the list: i < MAX_BOOTINFO_UNTYPED_CAPS (checked above).
        let at = UNTYPED_LIST + i * UNTYPED_DESC_SIZE;
        Some(UntypedDesc {
            paddr: self.word(at + UNTYPED_DESC_PADDR),
            size_bits: self.byte(at + UNTYPED_DESC_SIZE_BITS),
            is_device: self.byte(at + UNTYPED_DESC_IS_DEVICE) != 0,
        })
    }
}
