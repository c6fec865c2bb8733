// SPDX-License-Identifier: BSD-2-Clause
//! File-backed memory (MAP_PRIVATE, or read-only MAP_SHARED).
//!
//! A missing page completes later: the hook answers
//! [`PageFault::Later`] with a [`PageIn`] request, the glue gets the page
//! from VFS/the cache and hands it to
//! [`crate::AddressSpace::complete_page_in`]. Cache pages are mapped
//! copy-on-write: never writable; a write copies into a private page.

use super::{break_cow, FaultCtx, ForkCopy, MemType, MemoryType, PageFault};
use crate::frames::FrameAllocator;
use crate::page::Page;

/// A file, as VFS names it to VM.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct FileRef {
    /// Device.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
}

/// A request for one page of a file, from a suspended fault.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct PageIn {
    /// The file.
    pub file: FileRef,
    /// Page-aligned offset in the file.
    pub offset: u64,
    /// The faulting page.
    pub vaddr: u64,
    /// The fault was a write.
    pub write: bool,
}

/// A file mapping; `offset` is the file offset of the region's start.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct File {
    /// The mapped file.
    pub file: FileRef,
    /// File offset of the region's first byte (page aligned).
    pub offset: u64,
    /// A fault on a cached page also maps the cached pages after it (up to
    /// 16), as Linux's fault-around does; false maps one page per fault.
    pub around: bool,
    /// Mapped MAP_SHARED: never writable (VM writes no page back to its
    /// file), so mprotect may not make it so.
    pub shared: bool,
}

impl MemoryType for File {
    fn name(&self) -> &'static str {
        "file"
    }

    fn pagefault(&self, fault: &FaultCtx, page: Option<&Page>, frames: &mut dyn FrameAllocator) -> PageFault {
        match page {
            None => PageFault::Later(PageIn {
                file: self.file,
                offset: self.offset.saturating_add(fault.offset),
                vaddr: fault.vaddr,
                write: fault.write,
            }),
            Some(p) if fault.write && p.cow => break_cow(p, frames),
            Some(_) => PageFault::MapExisting,
        }
    }

    fn split(&self, offset: u64) -> MemType {
        MemType::File(File { file: self.file, offset: self.offset.saturating_add(offset), around: self.around, shared: self.shared })
    }

    fn copy_on_fork(&self) -> (MemType, ForkCopy) {
        (MemType::File(*self), ForkCopy::CopyOnWrite)
    }

    fn writable(&self, page: &Page, _frames: &dyn FrameAllocator) -> bool {
        !page.cow
    }

    fn lowshrink(&mut self, by: u64) {
        self.offset = self.offset.saturating_add(by);
    }
}
