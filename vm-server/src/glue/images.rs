//! Boot images of user programs that VM can build a process from (VM's
//! part of MINIX's boot image): image 0 is init.
use elf::{abi, endian::LittleEndian, ElfBytes};
use minix_abi::errno::{Errno, EINVAL, ENOEXEC};

static INIT: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/init"));

pub fn image(id: u64) -> Result<&'static [u8], Errno> {
    match id {
        0 => Ok(INIT),
        _ => Err(EINVAL),
    }
}

/// A loadable segment.
pub struct Segment<'a> {
    pub vaddr: u64,
    pub memsz: u64,
    pub data: &'a [u8],
    pub writable: bool,
    pub exec: bool,
}

/// Parses an image: the entry point and its PT_LOAD segments.
pub fn segments(image: &[u8], mut each: impl FnMut(Segment) -> Result<(), Errno>) -> Result<u64, Errno> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| ENOEXEC)?;
    let phs = file.segments().ok_or(ENOEXEC)?;
    for ph in phs.iter().filter(|p| p.p_type == abi::PT_LOAD) {
        if ph.p_filesz > ph.p_memsz {
            return Err(ENOEXEC);
        }
        let end = ph.p_offset.checked_add(ph.p_filesz).ok_or(ENOEXEC)?;
        let data = image.get(ph.p_offset as usize..end as usize).ok_or(ENOEXEC)?;
        each(Segment {
            vaddr: ph.p_vaddr,
            memsz: ph.p_memsz,
            data,
            writable: ph.p_flags & abi::PF_W != 0,
            exec: ph.p_flags & abi::PF_X != 0,
        })?;
    }
    Ok(file.ehdr.e_entry)
}
