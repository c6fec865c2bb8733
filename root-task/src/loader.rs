//! Loads a static ELF image into a new VSpace, eagerly: every page of every
//! PT_LOAD segment gets a frame, filled through a scratch window in the root
//! task's own VSpace, then mapped in the target with the segment's rights.
extern crate alloc;
use crate::kobj::Kernel;
use crate::vspace::map_frame;
use alloc::collections::BTreeMap;
use elf::{abi, endian::LittleEndian, ElfBytes};
use sel4::{init, object, CapRights, Frame, VSpace, PAGE_SIZE};

/// Scratch page in the root task's VSpace used to fill frames.
const WINDOW: u64 = 0x2000_0000;
/// User images must lie below this (32-bit fault addresses).
const USER_LIMIT: u64 = 0x1_0000_0000;

#[derive(Debug)]
pub enum LoadError {
    BadElf,
    OutOfRange,
    /// A kernel invocation failed (out of memory, in practice).
    Kernel,
}

impl From<sel4::Error> for LoadError {
    fn from(_: sel4::Error) -> Self {
        LoadError::Kernel
    }
}

/// Result of loading: the entry point.
pub struct Loaded {
    pub entry: u64,
    pub pages: u64,
}

pub fn load(k: &mut Kernel, image: &[u8], vspace: VSpace) -> Result<Loaded, LoadError> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| LoadError::BadElf)?;
    let segments = file.segments().ok_or(LoadError::BadElf)?;
    // Page -> (frame, writable) for pages shared by two segments.
    let mut pages: BTreeMap<u64, (Frame, bool)> = BTreeMap::new();
    for ph in segments.iter().filter(|p| p.p_type == abi::PT_LOAD) {
        let writable = ph.p_flags & abi::PF_W != 0;
        let end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(LoadError::OutOfRange)?;
        if end > USER_LIMIT || ph.p_filesz > ph.p_memsz {
            return Err(LoadError::OutOfRange);
        }
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(LoadError::BadElf)?;
        let data = image.get(ph.p_offset as usize..file_end as usize).ok_or(LoadError::BadElf)?;
        let first = ph.p_vaddr & !(PAGE_SIZE as u64 - 1);
        let mut page = first;
        while page < end {
            let frame = match pages.get_mut(&page) {
                Some(entry) => {
                    entry.1 |= writable;
                    entry.0
                }
                None => {
                    let f = Frame(k.alloc(object::FRAME_4K, 0)?);
                    pages.insert(page, (f, writable));
                    f
                }
            };
            // Fill the part of this page the segment's file bytes cover;
            // fresh frames are already zero.
            let lo = page.max(ph.p_vaddr);
            let hi = (page + PAGE_SIZE as u64).min(ph.p_vaddr + ph.p_filesz);
            if lo < hi {
                map_frame(k, init::VSPACE, frame, WINDOW, CapRights::READ_WRITE)?;
                let src = &data[(lo - ph.p_vaddr) as usize..(hi - ph.p_vaddr) as usize];
                sel4::copy_to_addr(WINDOW + (lo - page), src);
                frame.unmap()?;
            }
            page += PAGE_SIZE as u64;
        }
    }
    let count = pages.len() as u64;
    for (vaddr, (frame, writable)) in pages {
        let rights = if writable { CapRights::READ_WRITE } else { CapRights::READ };
        map_frame(k, vspace, frame, vaddr, rights)?;
    }
    Ok(Loaded { entry: file.ehdr.e_entry, pages: count })
}
