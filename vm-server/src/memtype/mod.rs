// SPDX-License-Identifier: BSD-2-Clause
//! Memory types: MINIX's table of region hooks, as a trait.
//!
//! Each region carries a [`MemType`], an enum over the implemented types;
//! [`MemType::ops`] dispatches to the type's [`MemoryType`] hooks. The
//! types:
//!
//! * [`Anon`]: private pages allocated on demand, copy-on-write after fork;
//!   resize grows only. Once part of it is shared out
//!   ([`crate::AddressSpace::share_from`]) that part becomes `shared`: its
//!   pages stay writable and are shared, not copied, across fork.
//! * [`AnonContig`]: physically contiguous, allocated up front, never faults.
//! * [`DirectPhys`]: a fixed physical range (device memory), never allocates.
//! * [`Shared`]: another process's anonymous pages, through refcounted frames.
//! * [`File`]: file-backed; a miss completes later through VFS (the page
//!   cache itself lives in the glue for now).
//!
//! TODO(cache): MINIX's "cache" type, mapping VM cache pages into a file
//! server, fits the same hooks as [`File`] (a miss is `Later`, the page
//! arrives through [`crate::AddressSpace::complete_page_in`]); it is left
//! out until the FS block cache is shared with VM.

mod anon;
mod anon_contig;
mod direct_phys;
mod file;
mod shared;

pub use anon::Anon;
pub use anon_contig::AnonContig;
pub use direct_phys::DirectPhys;
pub use file::{File, FileRef, PageIn};
pub use shared::Shared;

use crate::frames::FrameAllocator;
use crate::page::{Page, PageFrame, PageMap, PtFlags, Released};
use minix_abi::errno::{Errno, EINVAL};

/// Why a fault kills the process (the glue sends SIGSEGV and tells PM).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum KillReason {
    /// No region covers the address.
    Unmapped,
    /// The region's protection forbids the access.
    Protection,
    /// No frame could be allocated (the glue may also choose to wait).
    NoMemory,
    /// The memory type cannot resolve this fault (e.g. a page of a
    /// never-faulting type is missing).
    Invalid,
}

/// A fault as a memory type sees it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct FaultCtx {
    /// Page-aligned faulting address.
    pub vaddr: u64,
    /// Offset of that page from the region's start.
    pub offset: u64,
    /// The access was a write.
    pub write: bool,
}

/// A `pagefault` hook's answer.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum PageFault {
    /// Resolved now: store this page (a new frame, or the same frame no
    /// longer copy-on-write) and map it. A different frame replaces the
    /// old page, whose reference is dropped.
    Install(Page),
    /// The present page is right as it is: map it, read-only or writable
    /// as the `writable` hook says.
    MapExisting,
    /// Complete later: the glue saves the reply cap and asks VFS for the
    /// page; it then calls [`crate::AddressSpace::complete_page_in`].
    Later(PageIn),
    /// The fault is an error: kill the process.
    Kill(KillReason),
}

/// How a region's pages reach the child in fork.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ForkCopy {
    /// Both share every present frame copy-on-write.
    CopyOnWrite,
    /// Both share every present frame writable (shared memory).
    Share,
    /// The child gets private copies now (keeps the parent's pages where
    /// they are, e.g. physically contiguous).
    Eager,
    /// The child gets the region without pages; faults map them again.
    Refault,
}

/// MINIX's memory-type hooks. Page maps are keyed by virtual address.
pub trait MemoryType {
    /// The type's name, for logs.
    fn name(&self) -> &'static str;

    /// MINIX's `new` hook: a region `[start, start + len)` of this type is being created:
    /// populate `pages` if the type allocates up front. On error nothing
    /// may be left allocated.
    fn new_region(&mut self, _start: u64, _len: u64, _pages: &mut PageMap, _frames: &mut dyn FrameAllocator) -> Result<(), Errno> {
        Ok(())
    }

    /// The region goes away: every page is unreferenced.
    fn delete(&mut self, pages: &mut PageMap, frames: &mut dyn FrameAllocator, out: &mut Released) {
        for (vaddr, page) in core::mem::take(pages) {
            self.unreference(vaddr, page, frames, out);
        }
    }

    /// A second page entry now names `page`'s frame (fork, sharing).
    fn reference(&self, page: &Page, frames: &mut dyn FrameAllocator) {
        if let PageFrame::Pool(f) = page.frame {
            frames.add_ref(f);
        }
    }

    /// The page entry at `vaddr` goes away: it is reported unmapped, and its
    /// frame is reported for freeing if that was the last reference.
    fn unreference(&self, vaddr: u64, page: Page, frames: &mut dyn FrameAllocator, out: &mut Released) {
        out.unmapped.push((vaddr, page.frame));
        if let PageFrame::Pool(f) = page.frame {
            if frames.drop_ref(f) == 0 {
                out.to_free.push(f);
            }
        }
    }

    /// Resolves a fault the region's protection allows. `page` is the
    /// present page, if any.
    fn pagefault(&self, fault: &FaultCtx, page: Option<&Page>, frames: &mut dyn FrameAllocator) -> PageFault;

    /// The region grows or shrinks at its end from `old_len` to `new_len`
    /// (brk). Types that cannot resize refuse with `EINVAL`.
    fn resize(&mut self, _old_len: u64, _new_len: u64) -> Result<(), Errno> {
        Err(EINVAL)
    }

    /// The region is cut `offset` bytes from its start: returns the type of
    /// the upper part (this one keeps the lower part).
    fn split(&self, offset: u64) -> MemType;

    /// Fork: the child's type, and how the pages reach it.
    fn copy_on_fork(&self) -> (MemType, ForkCopy);

    /// Whether a present page may be mapped writable (the region's
    /// protection permitting).
    fn writable(&self, page: &Page, frames: &dyn FrameAllocator) -> bool;

    /// The region loses its first `by` bytes (unmap at its start).
    fn lowshrink(&mut self, _by: u64) {}

    /// References to a page's frame (1 for frames outside the pool).
    fn refcount(&self, page: &Page, frames: &dyn FrameAllocator) -> u32 {
        match page.frame {
            PageFrame::Pool(f) => frames.refcount(f),
            PageFrame::Phys(_) => 1,
        }
    }

    /// Page-table attributes the type needs (`exec` comes from the region).
    fn pt_flags(&self) -> PtFlags {
        PtFlags::default()
    }
}

/// A region's memory type and its parameters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum MemType {
    /// Anonymous, demand-zero.
    Anon(Anon),
    /// Anonymous, physically contiguous, allocated up front.
    AnonContig(AnonContig),
    /// A fixed physical range.
    DirectPhys(DirectPhys),
    /// Another process's anonymous pages.
    Shared(Shared),
    /// File-backed.
    File(File),
}

impl MemType {
    /// Private anonymous memory.
    pub const fn anon() -> MemType {
        MemType::Anon(Anon { shared: false })
    }

    /// The hooks.
    pub fn ops(&self) -> &dyn MemoryType {
        match self {
            MemType::Anon(t) => t,
            MemType::AnonContig(t) => t,
            MemType::DirectPhys(t) => t,
            MemType::Shared(t) => t,
            MemType::File(t) => t,
        }
    }

    /// The hooks, mutably.
    pub fn ops_mut(&mut self) -> &mut dyn MemoryType {
        match self {
            MemType::Anon(t) => t,
            MemType::AnonContig(t) => t,
            MemType::DirectPhys(t) => t,
            MemType::Shared(t) => t,
            MemType::File(t) => t,
        }
    }

    /// Whether two adjacent regions of these types may become one: only
    /// private anonymous memory merges.
    pub fn mergeable_with(&self, other: &MemType) -> bool {
        matches!((self, other), (MemType::Anon(Anon { shared: false }), MemType::Anon(Anon { shared: false })))
    }
}

/// Breaks copy-on-write on a present page: takes the frame over when no
/// one else holds it, else copies it.
pub(crate) fn break_cow(page: &Page, frames: &mut dyn FrameAllocator) -> PageFault {
    match page.frame {
        PageFrame::Pool(f) if frames.refcount(f) > 1 => match frames.alloc_copy(f) {
            Ok(copy) => PageFault::Install(Page::own(copy)),
            Err(_) => PageFault::Kill(KillReason::NoMemory),
        },
        frame => PageFault::Install(Page { frame, cow: false }),
    }
}
