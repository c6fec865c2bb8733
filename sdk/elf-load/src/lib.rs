// SPDX-License-Identifier: BSD-2-Clause
//! The one ELF segment reader of the system. The root task loads the
//! servers with it (eagerly, every page at once) and VM loads user images
//! with it (file bytes now, the rest on demand); both get the same checks.
//!
//! [`parse`] reads a static x86_64 executable with the `elf` crate and
//! checks, before any loader touches memory, everything a loader relies
//! on, so that a loader can map what [`Image::segments`] yields without
//! further checks:
//!
//! - 64-bit little-endian `ET_EXEC` for x86_64: our images are static and
//!   not position-independent, and neither loader relocates;
//! - each `PT_LOAD` segment's file bytes lie inside the file (no overflow),
//!   and it has no more file bytes than memory bytes;
//! - its address range neither overflows nor reaches into page 0 (never
//!   mapped, so a null pointer always faults) nor past [`LIMIT`];
//! - its address and file offset are congruent modulo the page size, as
//!   the ELF format requires of loadable segments;
//! - segments come in ascending address order and no two share a page:
//!   each page gets one frame and the rights of its one segment;
//! - no segment is both writable and executable;
//! - the entry point lies in an executable segment;
//! - there is at least one segment with memory.
//!
//! Segments with no memory bytes are skipped: they map nothing.
#![cfg_attr(not(test), no_std)]

mod head;
pub use head::{parse_head, Layout, LoadSeg, Tail, MAX_LOADS, MAX_PHNUM, PHENT};

use elf::abi;
use elf::endian::LittleEndian;
use elf::file::Class;
use elf::segment::ProgramHeader;
use elf::ElfBytes;

/// The page size both loaders map with.
pub const PAGE_SIZE: u64 = 4096;

/// Every image must end at or below 4 GiB: seL4 5.0 reports fault
/// addresses in 32 bits, so a fault above it could not be told apart.
pub const LIMIT: u64 = 1 << 32;

/// Why an image was refused.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Error {
    /// Not an ELF file the `elf` crate can read (magic, class, truncated
    /// headers, a program header table outside the file).
    Malformed,
    /// An ELF file, but not a static 64-bit x86_64 executable.
    NotExecutable,
    /// No segment has any memory bytes.
    NoSegments,
    /// A segment's file bytes lie (partly) outside the file.
    FileBytesOutside,
    /// A segment has more file bytes than memory bytes.
    FileLargerThanMemory,
    /// A segment's range overflows, reaches into page 0, or ends past
    /// [`LIMIT`].
    OutOfRange,
    /// A segment's address and file offset differ modulo the page size.
    Misaligned,
    /// Segments out of address order, or two segments in one page.
    Overlap,
    /// A segment both writable and executable.
    WritableExecutable,
    /// The entry point is not inside an executable segment.
    BadEntry,
}

/// A loadable segment, validated.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Segment<'a> {
    /// First byte's address.
    pub vaddr: u64,
    /// Bytes of memory (file bytes, then zeros); never 0.
    pub memsz: u64,
    /// The file bytes, at `vaddr` onward.
    pub data: &'a [u8],
    pub writable: bool,
    pub executable: bool,
}

impl<'a> Segment<'a> {
    /// Address just past the last memory byte.
    pub fn end(&self) -> u64 {
        self.vaddr + self.memsz
    }
    /// The first page the segment touches.
    pub fn page_start(&self) -> u64 {
        self.vaddr & !(PAGE_SIZE - 1)
    }
    /// Just past the last page the segment touches (at most [`LIMIT`], so
    /// this never overflows).
    pub fn page_end(&self) -> u64 {
        (self.end() + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
    }
    /// The number of pages the segment touches.
    pub fn pages(&self) -> u64 {
        (self.page_end() - self.page_start()) / PAGE_SIZE
    }
    /// The file bytes that land in the page at `page` (page-aligned), with
    /// their offset inside that page; `None` when the page holds none
    /// (only zeros, or outside the segment).
    pub fn file_bytes_in_page(&self, page: u64) -> Option<(usize, &'a [u8])> {
        let data_end = self.vaddr + self.data.len() as u64;
        let lo = page.max(self.vaddr);
        let hi = page.checked_add(PAGE_SIZE)?.min(data_end);
        if lo >= hi {
            return None;
        }
        let bytes = &self.data[(lo - self.vaddr) as usize..(hi - self.vaddr) as usize];
        Some(((lo - page) as usize, bytes))
    }
}

/// A parsed and validated image.
pub struct Image<'a> {
    /// The entry point (inside an executable segment).
    pub entry: u64,
    file: ElfBytes<'a, LittleEndian>,
    bytes: &'a [u8],
}

impl<'a> Image<'a> {
    /// The segments with memory, in ascending address order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'a>> + '_ {
        // Every header was checked by `parse`, so none fails here.
        let bytes = self.bytes;
        self.file.segments().into_iter().flatten().filter_map(move |ph| segment(bytes, &ph).ok().flatten())
    }

    /// Just past the last page of the last segment: where a break can
    /// start.
    pub fn top(&self) -> u64 {
        self.segments().map(|s| s.page_end()).max().unwrap_or(0)
    }
}

/// Checks one program header; `Ok(None)` for one that loads nothing.
fn segment<'a>(bytes: &'a [u8], ph: &ProgramHeader) -> Result<Option<Segment<'a>>, Error> {
    if ph.p_type != abi::PT_LOAD || ph.p_memsz == 0 {
        return Ok(None);
    }
    let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(Error::FileBytesOutside)?;
    let data = usize::try_from(ph.p_offset)
        .ok()
        .zip(usize::try_from(file_end).ok())
        .and_then(|(lo, hi)| bytes.get(lo..hi))
        .ok_or(Error::FileBytesOutside)?;
    if ph.p_filesz > ph.p_memsz {
        return Err(Error::FileLargerThanMemory);
    }
    let end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(Error::OutOfRange)?;
    if ph.p_vaddr < PAGE_SIZE || end > LIMIT {
        return Err(Error::OutOfRange);
    }
    if ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE {
        return Err(Error::Misaligned);
    }
    let writable = ph.p_flags & abi::PF_W != 0;
    let executable = ph.p_flags & abi::PF_X != 0;
    if writable && executable {
        return Err(Error::WritableExecutable);
    }
    Ok(Some(Segment { vaddr: ph.p_vaddr, memsz: ph.p_memsz, data, writable, executable }))
}

/// Parses and validates an image (see the module notes for the checks).
pub fn parse(bytes: &[u8]) -> Result<Image<'_>, Error> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(bytes).map_err(|_| Error::Malformed)?;
    let h = &file.ehdr;
    if h.class != Class::ELF64 || h.e_type != abi::ET_EXEC || h.e_machine != abi::EM_X86_64 {
        return Err(Error::NotExecutable);
    }
    let table = file.segments().ok_or(Error::NoSegments)?;
    let mut prev: Option<Segment> = None;
    let mut entry_ok = false;
    let mut count = 0usize;
    for i in 0..table.len() {
        let ph = table.get(i).map_err(|_| Error::Malformed)?;
        let Some(seg) = segment(bytes, &ph)? else { continue };
        if let Some(p) = prev {
            if seg.page_start() < p.page_end() {
                return Err(Error::Overlap);
            }
        }
        entry_ok |= seg.executable && h.e_entry >= seg.vaddr && h.e_entry < seg.end();
        count += 1;
        prev = Some(seg);
    }
    if count == 0 {
        return Err(Error::NoSegments);
    }
    if !entry_ok {
        return Err(Error::BadEntry);
    }
    Ok(Image { entry: h.e_entry, file, bytes })
}

#[cfg(test)]
mod head_tests;
#[cfg(test)]
mod tests;
