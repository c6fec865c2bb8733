// SPDX-License-Identifier: BSD-2-Clause
//! Loads a static ELF image into a new VSpace, eagerly: every page of every
//! PT_LOAD segment gets a frame, filled through the root task's scratch
//! page (`scratch::with_frame`), then mapped in the target with the
//! segment's rights.
//! The image is read and checked by `elf_load`, the reader VM uses too.
use crate::kobj::Kernel;
use crate::vspace::map_frame;
use sel4::{object, CapRights, Frame, VSpace, PAGE_SIZE};

#[derive(Debug)]
pub enum LoadError {
    /// The image failed one of `elf_load`'s checks.
    BadElf,
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
    let elf = elf_load::parse(image).map_err(|_| LoadError::BadElf)?;
    let mut pages = 0;
    for seg in elf.segments() {
        let rights = if seg.writable { CapRights::READ_WRITE } else { CapRights::READ };
        for i in 0..seg.pages() {
            let page = seg.page_start() + i * PAGE_SIZE as u64;
            // Fresh frames are zero: only the file bytes are copied in.
            let frame = Frame(k.alloc(object::FRAME_4K, 0)?);
            if let Some((offset, src)) = seg.file_bytes_in_page(page) {
                let copy_in = |bytes: &mut [u8; PAGE_SIZE]| match bytes.get_mut(offset..offset + src.len()) {
                    Some(dst) => {
                        dst.copy_from_slice(src);
                        true
                    }
                    // elf_load keeps the bytes inside the page; refuse
                    // rather than panic should it not.
                    None => false,
                };
                // SAFETY: `frame` was just retyped from untyped memory: it
                // is mapped nowhere yet.
                if !unsafe { crate::scratch::with_frame(k, frame, copy_in) }? {
                    return Err(LoadError::BadElf);
                }
            }
            map_frame(k, vspace, frame, page, rights)?;
            pages += 1;
        }
    }
    Ok(Loaded { entry: elf.entry, pages })
}
