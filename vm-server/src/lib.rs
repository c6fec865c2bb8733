// SPDX-License-Identifier: BSD-2-Clause
//! The VM server's logic, independent of seL4 and tested on the host.
//!
//! * [`addr`]: page arithmetic and range checks (overflow-safe).
//! * [`budget`]: how VM's spare memory is shared between processes'
//!   frames, paging structures and VM's heap.
//! * [`prot`]: protection bits (`PROT_READ`/`PROT_WRITE`/`PROT_EXEC`).
//! * [`frames`]: frame handles, the frame allocator trait and refcounts;
//!   [`host_frames`] is a host implementation for tests.
//! * [`page`]: per-page state and what the glue must map or unmap.
//! * [`page_map`]: the radix map holding a region's present pages.
//! * [`memtype`]: MINIX's memory types as a hook trait.
//! * [`region`]: a process's region map.
//! * [`space`]: an address space: faults, mmap, munmap, brk, fork, exit.
//! * [`working_set`]: the text pages each program's last run used, mapped
//!   at its next exec.
//!
//! The seL4 glue owns the real frames and VSpaces. It implements
//! [`frames::FrameAllocator`] and applies what this library answers:
//! [`page::Mapping`]s to install, [`page::Released`] pages to unmap and
//! frames to free. Nothing here panics on any input: every bad argument
//! gives an errno. What a process can make VM keep (regions, mapped
//! bytes and the pages in them) is bounded per process by
//! [`space::Limits`], past which the answer is `ENOMEM`.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod addr;
pub mod budget;
pub mod endpoint_table;
pub mod frames;
pub mod host_frames;
pub mod memtype;
pub mod page;
pub mod page_map;
pub mod pagecache;
pub mod policy;
pub mod prot;
pub mod region;
pub mod space;
pub mod tlb;
pub mod working_set;

pub use addr::{PAGE_SIZE, USER_BOTTOM, USER_TOP};
pub use frames::{FrameAllocator, FrameId, RefCounts};
pub use memtype::{MemType, MemoryType};
pub use page::{Mapping, Page, PageFrame, Released};
pub use prot::Prot;
pub use region::{Region, RegionMap};
pub use space::{AddressSpace, FaultOutcome, Forked, KillReason, Limits, MadePresent, PageUse};
