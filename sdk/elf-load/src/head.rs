// SPDX-License-Identifier: BSD-2-Clause
//! exec's reading of a program from the file system: only the file's
//! first page (its *head*) is in hand, never the whole file, and the
//! segments are mapped from the page cache rather than copied.
//!
//! [`parse_head`] reads the ELF header and program headers by hand (the
//! `elf` crate wants the section headers too, which sit at the file's
//! end) and checks what both VFS and VM rely on. VFS runs it to find the
//! *tail* pages it must read for VM (see [`LoadSeg::tail`]); VM runs it
//! again on the same head and never trusts VFS's reading. A refusal is
//! `ENOEXEC` to the user.
//!
//! Checks, on top of the loader rules of the crate root:
//! - 64-bit little-endian x86_64, `ET_EXEC`, or `ET_DYN` without
//!   `PT_INTERP` (a static PIE, placed at `pie_base`); anything with an
//!   interpreter is refused: we have no dynamic linker;
//! - program headers of the standard size, at most [`MAX_PHNUM`] of them,
//!   all inside the head (a table past the first page is refused);
//! - at most [`MAX_LOADS`] loadable segments;
//! - every segment's file bytes inside `file_size`, and every address
//!   below `limit` after the PIE's displacement.
use crate::{Error, PAGE_SIZE};

/// Most program headers a program may have.
pub const MAX_PHNUM: usize = 64;
/// Most loadable segments a program may have.
pub const MAX_LOADS: usize = 16;
/// Bytes of one 64-bit program header.
pub const PHENT: usize = 56;

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;

/// A loadable segment as exec maps it: addresses already displaced.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct LoadSeg {
    pub vaddr: u64,
    pub memsz: u64,
    /// File offset of the segment's first byte.
    pub offset: u64,
    pub filesz: u64,
    pub writable: bool,
    pub executable: bool,
}

/// The one page of a segment whose file bytes end inside it while memory
/// bytes go on: its start shows the file, the rest must read zero, so it
/// cannot be the cached page itself.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Tail {
    /// The page's address.
    pub vaddr: u64,
    /// The file offset of the page's first byte.
    pub offset: u64,
    /// File bytes at the page's start (1 to 4095).
    pub len: u64,
}

impl LoadSeg {
    /// The first page the segment touches.
    pub fn page_start(&self) -> u64 {
        self.vaddr & !(PAGE_SIZE - 1)
    }

    /// Just past the last page it touches.
    pub fn page_end(&self) -> u64 {
        (self.vaddr + self.memsz).next_multiple_of(PAGE_SIZE)
    }

    /// File offset of [`LoadSeg::page_start`] (the segment's offset and
    /// address are congruent, so this never goes below 0).
    pub fn page_offset(&self) -> u64 {
        self.offset - (self.vaddr - self.page_start())
    }

    /// Just past the pages that show the file itself, from the cache:
    /// every page up to the end of the file bytes, but a [`LoadSeg::tail`]
    /// page is not one of them. When memory ends with the file bytes, the
    /// last page shows whatever the file holds after them, as on Linux.
    pub fn file_pages_end(&self) -> u64 {
        let file_end = self.vaddr + self.filesz;
        if self.memsz == self.filesz { self.page_end() } else { file_end & !(PAGE_SIZE - 1) }.max(self.page_start())
    }

    /// The page that holds the end of the file bytes and zeros after
    /// them, if there is one.
    pub fn tail(&self) -> Option<Tail> {
        let file_end = self.vaddr + self.filesz;
        if self.memsz == self.filesz || self.filesz == 0 || file_end.is_multiple_of(PAGE_SIZE) {
            return None;
        }
        let vaddr = file_end & !(PAGE_SIZE - 1);
        Some(Tail { vaddr, offset: self.page_offset() + (vaddr - self.page_start()), len: file_end - vaddr })
    }

    /// The first page that is zero from start to end (nothing of the
    /// file): after the file pages and the tail.
    pub fn zero_start(&self) -> u64 {
        match self.tail() {
            Some(t) => t.vaddr + PAGE_SIZE,
            None => self.file_pages_end(),
        }
    }
}

/// A program's layout as exec maps it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Layout {
    /// The entry point (displaced).
    pub entry: u64,
    /// Where the program headers are in memory (for `AT_PHDR`), or 0 when
    /// no segment loads them.
    pub phdr: u64,
    pub phnum: u16,
    /// What was added to every address (0 for `ET_EXEC`).
    pub bias: u64,
    segs: [LoadSeg; MAX_LOADS],
    count: usize,
}

impl Layout {
    /// The loadable segments with memory, ascending.
    pub fn segments(&self) -> &[LoadSeg] {
        &self.segs[..self.count]
    }

    /// The tail pages, in segment order: what VFS reads for VM.
    pub fn tails(&self) -> impl Iterator<Item = Tail> + '_ {
        self.segments().iter().filter_map(LoadSeg::tail)
    }

    /// Bytes of all tails together.
    pub fn tails_len(&self) -> u64 {
        self.tails().map(|t| t.len).sum()
    }

    /// Just past the last page of the last segment: where the break
    /// starts.
    pub fn top(&self) -> u64 {
        self.segments().last().map_or(0, LoadSeg::page_end)
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// One raw program header.
struct Ph {
    ty: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

fn ph_at(head: &[u8], at: usize) -> Option<Ph> {
    Some(Ph {
        ty: u32_at(head, at)?,
        flags: u32_at(head, at + 4)?,
        offset: u64_at(head, at + 8)?,
        vaddr: u64_at(head, at + 16)?,
        filesz: u64_at(head, at + 32)?,
        memsz: u64_at(head, at + 40)?,
    })
}

/// Reads and checks a program from its `head` (the file's first bytes,
/// normally one page) and its `file_size`; see the module notes.
/// `limit` bounds every address; a static PIE's lowest page is placed
/// at `pie_base` (page aligned).
pub fn parse_head(head: &[u8], file_size: u64, limit: u64, pie_base: u64) -> Result<Layout, Error> {
    if head.len() < 64 || head[..4] != *b"\x7fELF" {
        return Err(Error::Malformed);
    }
    if head[4] != 2 || head[5] != 1 || head[6] != 1 {
        return Err(Error::NotExecutable);
    }
    let e_type = u16_at(head, 16).ok_or(Error::Malformed)?;
    let machine = u16_at(head, 18).ok_or(Error::Malformed)?;
    if (e_type != ET_EXEC && e_type != ET_DYN) || machine != EM_X86_64 {
        return Err(Error::NotExecutable);
    }
    let entry = u64_at(head, 24).ok_or(Error::Malformed)?;
    let phoff = u64_at(head, 32).ok_or(Error::Malformed)?;
    let phentsize = u16_at(head, 54).ok_or(Error::Malformed)? as usize;
    let phnum = u16_at(head, 56).ok_or(Error::Malformed)? as usize;
    if phentsize != PHENT || phnum == 0 || phnum > MAX_PHNUM {
        return Err(Error::Malformed);
    }
    // The table inside the head (phnum * 56 <= 3584: no overflow there).
    let table = usize::try_from(phoff).ok().filter(|&o| o.checked_add(phnum * PHENT).is_some_and(|e| e <= head.len()));
    let table = table.ok_or(Error::Malformed)?;
    let phs = (0..phnum).map(|i| ph_at(head, table + i * PHENT));
    // A static PIE is placed so that its lowest loadable page lands at
    // `pie_base`.
    let mut bias = 0u64;
    if e_type == ET_DYN {
        let lowest = phs.clone().flatten().filter(|p| p.ty == PT_LOAD && p.memsz != 0).map(|p| p.vaddr).min();
        let lowest = lowest.ok_or(Error::NoSegments)? & !(PAGE_SIZE - 1);
        bias = pie_base.checked_sub(lowest).ok_or(Error::OutOfRange)?;
    }
    let mut layout = Layout { entry: 0, phdr: 0, phnum: phnum as u16, bias, segs: [LoadSeg::default(); MAX_LOADS], count: 0 };
    let mut phdr_ph = None;
    for ph in phs {
        let ph = ph.ok_or(Error::Malformed)?;
        match ph.ty {
            PT_INTERP => return Err(Error::NotExecutable),
            PT_PHDR => phdr_ph = Some(ph.vaddr),
            _ => {}
        }
        if ph.ty != PT_LOAD || ph.memsz == 0 {
            continue;
        }
        let file_end = ph.offset.checked_add(ph.filesz).ok_or(Error::FileBytesOutside)?;
        if file_end > file_size {
            return Err(Error::FileBytesOutside);
        }
        if ph.filesz > ph.memsz {
            return Err(Error::FileLargerThanMemory);
        }
        let vaddr = ph.vaddr.checked_add(bias).ok_or(Error::OutOfRange)?;
        let end = vaddr.checked_add(ph.memsz).ok_or(Error::OutOfRange)?;
        if vaddr < PAGE_SIZE || end > limit {
            return Err(Error::OutOfRange);
        }
        if ph.vaddr % PAGE_SIZE != ph.offset % PAGE_SIZE {
            return Err(Error::Misaligned);
        }
        let writable = ph.flags & PF_W != 0;
        let executable = ph.flags & PF_X != 0;
        if writable && executable {
            return Err(Error::WritableExecutable);
        }
        let seg = LoadSeg { vaddr, memsz: ph.memsz, offset: ph.offset, filesz: ph.filesz, writable, executable };
        if let Some(prev) = layout.segments().last() {
            if seg.page_start() < prev.page_end() {
                return Err(Error::Overlap);
            }
        }
        if layout.count == MAX_LOADS {
            return Err(Error::Malformed);
        }
        layout.segs[layout.count] = seg;
        layout.count += 1;
    }
    if layout.count == 0 {
        return Err(Error::NoSegments);
    }
    let entry = entry.checked_add(bias).ok_or(Error::BadEntry)?;
    if !layout.segments().iter().any(|s| s.executable && entry >= s.vaddr && entry < s.vaddr + s.memsz) {
        return Err(Error::BadEntry);
    }
    layout.entry = entry;
    // AT_PHDR: PT_PHDR's address if given, else where the segment holding
    // the table's file bytes puts it.
    layout.phdr = match phdr_ph {
        Some(v) => v.wrapping_add(bias),
        None => {
            layout.segments().iter().find(|s| phoff >= s.offset && phoff - s.offset < s.filesz).map_or(0, |s| s.vaddr + (phoff - s.offset))
        }
    };
    Ok(layout)
}
