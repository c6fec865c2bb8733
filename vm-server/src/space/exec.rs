// SPDX-License-Identifier: BSD-2-Clause
//! exec: a process's memory replaced by a new program's, as VFS describes
//! it (`minix_abi::exec::Description`).
//!
//! The new memory, from the program's layout (`elf_load::parse_head`):
//!
//! * per segment, a private file region over the pages that show the file
//!   itself, so that text and read-only data are the page cache's frames,
//!   mapped copy-on-write and never copied (a second exec of the program
//!   shares them);
//! * after them, private anonymous memory with the segment's protection:
//!   the tail page (file bytes, then zeros: it cannot be the cached page)
//!   present at once with the bytes VFS read, the rest demand-zero;
//! * the stack, `[STACK_TOP - STACK_SIZE, STACK_TOP)`, read-write and
//!   demand-zero, but for the pages under the stack image, present at
//!   once with it;
//! * the break at the top of the last segment, and mmap's search from its
//!   default base again.
//!
//! The pinned range (the IPC buffer and the clock page) stays as it is:
//! the regions that meet it are carried over whole.
//!
//! Atomic: every check, and every allocation that can fail (the present
//! pages' frames, and the glue's writing of their bytes), happens before
//! the old memory is touched, so a failed exec leaves the space exactly as
//! it was. What follows cannot fail.

use super::{mapping, AddressSpace, DEFAULT_MMAP_BASE};
use crate::addr::{page_floor, PAGE_SIZE};
use crate::frames::{FrameAllocator, FrameId};
use crate::memtype::{File, FileRef, MemType};
use crate::page::{Mapping, Page, PageMap, Released};
use crate::prot::Prot;
use crate::region::RegionMap;
use alloc::vec::Vec;
use elf_load::{Layout, LoadSeg};
use minix_abi::errno::{Errno, EINVAL, ENOEXEC, ENOMEM};
use minix_abi::exec::{Description, IMAGE_LIMIT, PIE_BASE, STACK_SIZE, STACK_TOP};

/// The stack region's first address.
pub const STACK_BOTTOM: u64 = STACK_TOP as u64 - STACK_SIZE as u64;

/// A new program, read from VFS's description and checked.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ExecImage<'a> {
    layout: Layout,
    tails: &'a [u8],
    stack: &'a [u8],
    sp: u64,
}

impl<'a> ExecImage<'a> {
    /// Checks a description: `EINVAL` for a malformed one (see
    /// `Description::parse`) or one whose tail bytes are not exactly what
    /// the program's tail pages need; `ENOEXEC` for a program VM will not
    /// load (`elf_load::parse_head`, every segment below `IMAGE_LIMIT`, a
    /// static PIE at `PIE_BASE`). VM reads the head itself rather than
    /// trust VFS's reading of it.
    pub fn parse(desc: &'a [u8]) -> Result<ExecImage<'a>, Errno> {
        let d = Description::parse(desc)?;
        let layout = elf_load::parse_head(d.head, d.file_size as u64, IMAGE_LIMIT as u64, PIE_BASE as u64).map_err(|_| ENOEXEC)?;
        if layout.tails_len() != d.tails.len() as u64 {
            return Err(EINVAL);
        }
        let sp = d.sp as u64;
        // The image ends at STACK_TOP (checked by the parse) and is far
        // smaller than the stack; a stack pointer below the region would
        // put the image outside it.
        if sp < STACK_BOTTOM {
            return Err(EINVAL);
        }
        Ok(ExecImage { layout, tails: d.tails, stack: d.stack, sp })
    }

    /// The program's layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The entry point.
    pub fn entry(&self) -> u64 {
        self.layout.entry
    }

    /// The first stack pointer.
    pub fn sp(&self) -> u64 {
        self.sp
    }

    /// Bytes of the segments' anonymous memory (tail pages and zero
    /// pages): what the program asks of memory beyond the file, for the
    /// glue's commit check. The stack is not counted: it is the same for
    /// every program, and only its image's few pages are taken at once.
    pub fn anon_bytes(&self) -> u64 {
        self.layout.segments().iter().map(|s| s.page_end() - s.file_pages_end()).sum()
    }
}

/// Bytes the glue writes into a frame exec took, before anyone maps it:
/// `bytes` at byte `at` of `frame`, the page at `vaddr` (the rest of the
/// frame stays zero).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fill<'a> {
    pub vaddr: u64,
    pub frame: FrameId,
    pub at: usize,
    pub bytes: &'a [u8],
}

/// What a successful exec leaves for the glue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execed {
    /// The entry point.
    pub entry: u64,
    /// The old memory's pages: unmap them, then free `to_free`.
    pub released: Released,
    /// `[start, end)` of the regions carried over (the pinned range's), or
    /// empty: every mapping outside it belonged to the old memory, and the
    /// glue may take them all out of the VSpace.
    pub kept: (u64, u64),
    /// The pages present at once (tail and stack pages), which the glue
    /// may map now to spare the process their first faults.
    pub present: Vec<Mapping>,
}

/// One region of the new memory.
struct Planned {
    start: u64,
    end: u64,
    prot: Prot,
    mem: MemType,
}

/// A segment's protection: readable, plus what its flags add.
fn prot_of(seg: &LoadSeg) -> Prot {
    let mut prot = Prot::READ;
    if seg.writable {
        prot = prot.union(Prot::WRITE);
    }
    if seg.executable {
        prot = prot.union(Prot::EXEC);
    }
    prot
}

/// The new memory's regions in address order (segments are ascending
/// and page-disjoint, all below the stack), skipping empty ones.
fn plan(image: &ExecImage<'_>, file: FileRef) -> Vec<Planned> {
    let mut out = Vec::new();
    for seg in image.layout.segments() {
        let prot = prot_of(seg);
        let (start, file_end, end) = (seg.page_start(), seg.file_pages_end(), seg.page_end());
        if file_end > start {
            // No fault-around: a program touches its text sparsely (a C
            // "hello" 20 of its 93 pages), and here every page mapped
            // costs a map and an unmap in the kernel, more than the fault
            // it might save unless nearly all the pages around are used
            // (measured: exec_c_hello 561k instructions with 16 pages
            // around, 537k with 4, 523k with none; dash's loop the same).
            let mem = MemType::File(File { file, offset: seg.page_offset(), around: false, shared: false });
            out.push(Planned { start, end: file_end, prot, mem });
        }
        // The tail page (if any) is the first page here: it and the zero
        // pages after it are one anonymous region.
        if end > file_end {
            out.push(Planned { start: file_end, end, prot, mem: MemType::anon() });
        }
    }
    out.push(Planned { start: STACK_BOTTOM, end: STACK_TOP as u64, prot: Prot::RW, mem: MemType::anon() });
    out
}

/// Takes the frames of the pages present at once (tail pages, then the
/// stack image's, ascending) and says what goes in each. On `ENOMEM`
/// every frame taken is given back.
fn take_pages<'a>(image: &ExecImage<'a>, frames: &mut dyn FrameAllocator) -> Result<Vec<Fill<'a>>, Errno> {
    let mut wanted: Vec<(u64, usize, &'a [u8])> = Vec::new();
    let mut from = 0usize;
    for t in image.layout.tails() {
        // The tails' total was checked against the description's bytes.
        let len = t.len as usize;
        wanted.push((t.vaddr, 0, image.tails.get(from..from + len).unwrap_or_default()));
        from += len;
    }
    let (sp, top) = (image.sp, STACK_TOP as u64);
    let mut page = page_floor(sp);
    while page < top {
        let (start, end) = (sp.max(page), (page + PAGE_SIZE).min(top));
        let bytes = image.stack.get((start - sp) as usize..(end - sp) as usize).unwrap_or_default();
        wanted.push((page, (start - page) as usize, bytes));
        page += PAGE_SIZE;
    }
    let mut fills = Vec::with_capacity(wanted.len());
    for (vaddr, at, bytes) in wanted {
        match frames.alloc_zeroed() {
            Ok(frame) => fills.push(Fill { vaddr, frame, at, bytes }),
            Err(_) => {
                give_back(&fills, frames);
                return Err(ENOMEM);
            }
        }
    }
    Ok(fills)
}

/// Frees the frames of fills that never reached a region.
fn give_back(fills: &[Fill<'_>], frames: &mut dyn FrameAllocator) {
    for f in fills {
        if frames.drop_ref(f.frame) == 0 {
            frames.free(f.frame);
        }
    }
}

/// Deletes a map that was never anyone's memory: nothing of it is mapped,
/// so its frames are freed at once.
fn discard_map(mut map: RegionMap, frames: &mut dyn FrameAllocator) {
    map.clear(frames).free_all(frames);
}

impl AddressSpace {
    /// Replaces this space's memory with `image`'s, the program being
    /// `file` (see the module notes). `fill` writes each [`Fill`] into its
    /// frame; it runs once every check has passed and before the old
    /// memory is touched, and its error fails the exec. Errors leave the
    /// space exactly as it was:
    ///
    /// * `ENOMEM`: past the space's [`super::Limits`] (the new regions
    ///   and the carried-over ones counted together), or no frame for a
    ///   page present at once;
    /// * `EINVAL`: a new region would overlap the pinned range's regions
    ///   (never, with the ABI's addresses);
    /// * whatever `fill` answers.
    ///
    /// On success the process's limits and pin are unchanged, and the
    /// glue unmaps and frees [`Execed::released`].
    pub fn exec<'a, F: FrameAllocator>(
        &mut self,
        image: &ExecImage<'a>,
        file: FileRef,
        frames: &mut F,
        fill: impl FnOnce(&[Fill<'a>], &mut F) -> Result<(), Errno>,
    ) -> Result<Execed, Errno> {
        let planned = plan(image, file);
        let (pin_start, pin_end) = self.pinned;
        let kept: Vec<(u64, u64)> = self.regions.overlapping(pin_start, pin_end).map(|r| (r.start(), r.end())).collect();
        // Limits first: the new regions and those carried over.
        let bytes = planned.iter().map(|p| p.end - p.start).chain(kept.iter().map(|k| k.1 - k.0)).fold(0u64, u64::saturating_add);
        let count = planned.len() + kept.len();
        if count > self.regions.max_regions() || bytes > self.max_mapped {
            return Err(ENOMEM);
        }
        if planned.iter().any(|p| kept.iter().any(|k| p.start < k.1 && k.0 < p.end)) {
            return Err(EINVAL);
        }
        let fills = take_pages(image, frames)?;
        let mut new = RegionMap::new();
        new.set_max_regions(self.regions.max_regions());
        for p in planned {
            if let Err((e, _)) = new.insert_populated(p.start, p.end - p.start, p.prot, p.mem, PageMap::new()) {
                // Unreachable: the plan's ranges are valid and disjoint.
                give_back(&fills, frames);
                discard_map(new, frames);
                return Err(e);
            }
        }
        for (i, f) in fills.iter().enumerate() {
            match new.lookup_mut(f.vaddr) {
                Some(r) if matches!(r.mem(), MemType::Anon(_)) => {
                    r.pages_mut().insert(f.vaddr, Page::own(f.frame));
                }
                // Unreachable: tail and stack pages lie in the anonymous
                // regions planned for them.
                _ => {
                    give_back(&fills[i..], frames);
                    discard_map(new, frames);
                    return Err(EINVAL);
                }
            }
        }
        if let Err(e) = fill(&fills, frames) {
            discard_map(new, frames);
            return Err(e);
        }
        // The point of no return: nothing below can fail.
        let present: Vec<Mapping> = fills
            .iter()
            .filter_map(|f| {
                let r = new.lookup(f.vaddr)?;
                Some(mapping(r, f.vaddr, r.page(f.vaddr)?, frames))
            })
            .collect();
        let kept_span = match (kept.first(), kept.last()) {
            (Some(a), Some(b)) => (a.0, b.1),
            _ => (0, 0),
        };
        let released = self.regions.replace_keeping(new, pin_start, pin_end, frames);
        let top = image.layout.top();
        self.heap_start = top;
        self.brk = top;
        self.mmap_base = DEFAULT_MMAP_BASE;
        Ok(Execed { entry: image.entry(), released, kept: kept_span, present })
    }
}

/// The working set's two questions (see [`crate::working_set`]): a
/// program's text is `file`'s read-only file regions.
impl AddressSpace {
    /// The file page numbers of `file`'s read-only pages that are present
    /// and, by `mapped`, mapped in the hardware (touched by this run).
    pub fn text_pages(&self, file: FileRef, mapped: impl Fn(u64) -> bool) -> Vec<u64> {
        let mut out = Vec::new();
        for r in self.regions.iter() {
            match r.mem() {
                MemType::File(f) if f.file == file && !r.prot().write() => {
                    for (vaddr, _) in r.pages().iter() {
                        if mapped(vaddr) {
                            out.push((f.offset + (vaddr - r.start())) / PAGE_SIZE);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Where `file`'s read-only mapping shows file page `page`, if one does.
    pub fn text_vaddr(&self, file: FileRef, page: u64) -> Option<u64> {
        let off = page.checked_mul(PAGE_SIZE)?;
        self.regions.iter().find_map(|r| match r.mem() {
            MemType::File(f) if f.file == file && !r.prot().write() && off >= f.offset && off - f.offset < r.len() => {
                Some(r.start() + (off - f.offset))
            }
            _ => None,
        })
    }
}
