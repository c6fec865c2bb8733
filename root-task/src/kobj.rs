// SPDX-License-Identifier: BSD-2-Clause
//! Kernel object allocation for the root task: the system's one object
//! allocator (`sel4_alloc::objects`), over the untyped caps and empty slots
//! of the initial CNode that bootinfo lists.

pub const MAX_UNTYPED: usize = sel4::MAX_BOOTINFO_UNTYPED_CAPS;

/// The root task's allocator (`Kernel::from_bootinfo` makes it).
pub type Kernel = sel4_alloc::objects::ObjectAllocator<MAX_UNTYPED>;
