//! The packed seL4_BootInfo structure handed to the root task.
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

const IPC_BUFFER: u64 = 32;
const EMPTY: u64 = 40;
const USER_IMAGE_FRAMES: u64 = 72;
const USER_IMAGE_PAGING: u64 = 88;
const CNODE_SIZE_BITS: u64 = 136;
const ARCH_INFO: u64 = 145;
const UNTYPED: u64 = 153;
const UNTYPED_LIST: u64 = 169;
const UNTYPED_DESC_SIZE: u64 = 12;

impl BootInfo {
    /// Wraps the bootinfo pointer the kernel passed in `rdi`.
    pub fn from_addr(base: u64) -> BootInfo {
        BootInfo { base }
    }

    fn region(&self, off: u64) -> SlotRegion {
        SlotRegion { start: read_u64_at(self.base + off), end: read_u64_at(self.base + off + 8) }
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
            paddr: read_u64_at(at),
            size_bits: read_u8_at(at + 10),
            is_device: read_u8_at(at + 11) != 0,
        })
    }
}
