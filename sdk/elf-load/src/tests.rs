// SPDX-License-Identifier: BSD-2-Clause
//! Good and malformed images, built byte by byte, and random corruptions
//! of a good one (which must be refused or read, never panic).
use super::*;

pub(crate) const R: u32 = abi::PF_R;
pub(crate) const RW: u32 = abi::PF_R | abi::PF_W;
pub(crate) const RX: u32 = abi::PF_R | abi::PF_X;

/// One program header of a test image.
#[derive(Copy, Clone)]
pub(crate) struct Ph {
    pub(crate) ty: u32,
    pub(crate) flags: u32,
    pub(crate) offset: u64,
    pub(crate) vaddr: u64,
    pub(crate) filesz: u64,
    pub(crate) memsz: u64,
}

pub(crate) fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Ph {
    Ph { ty: abi::PT_LOAD, flags, offset, vaddr, filesz, memsz }
}

/// An ELF64 little-endian image: the header, the program headers right
/// after it, then `len` bytes of file in all (each byte its offset, so
/// copied bytes can be checked).
pub(crate) fn build(e_type: u16, machine: u16, entry: u64, phs: &[Ph], len: usize) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let phoff = 64usize;
    f.resize(f.len().max(phoff + 56 * phs.len()), 0);
    f[..64].fill(0);
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // ELFCLASS64
    f[5] = 1; // little-endian
    f[6] = 1; // EV_CURRENT
    let mut put = |at: usize, v: &[u8]| f[at..at + v.len()].copy_from_slice(v);
    put(16, &e_type.to_le_bytes());
    put(18, &machine.to_le_bytes());
    put(20, &1u32.to_le_bytes());
    put(24, &entry.to_le_bytes());
    put(32, &(phoff as u64).to_le_bytes());
    put(40, &0u64.to_le_bytes()); // no section headers
    put(52, &64u16.to_le_bytes()); // e_ehsize
    put(54, &56u16.to_le_bytes()); // e_phentsize
    put(56, &(phs.len() as u16).to_le_bytes());
    put(58, &64u16.to_le_bytes()); // e_shentsize
    for (i, p) in phs.iter().enumerate() {
        let at = phoff + 56 * i;
        put(at, &p.ty.to_le_bytes());
        put(at + 4, &p.flags.to_le_bytes());
        put(at + 8, &p.offset.to_le_bytes());
        put(at + 16, &p.vaddr.to_le_bytes());
        put(at + 24, &p.vaddr.to_le_bytes());
        put(at + 32, &p.filesz.to_le_bytes());
        put(at + 40, &p.memsz.to_le_bytes());
        put(at + 48, &PAGE_SIZE.to_le_bytes());
    }
    f
}

/// Our link layout in small: text, rodata, data, one guard page, bss.
fn good_phs() -> Vec<Ph> {
    vec![
        load(RX, 0x1000, 0x40_0000, 0x1234, 0x1234),
        load(R, 0x3000, 0x40_2000, 0x800, 0x800),
        load(RW, 0x4000, 0x40_3000, 0x98, 0x98),
        Ph { ty: abi::PT_GNU_STACK, flags: RW, offset: 0, vaddr: 0, filesz: 0, memsz: 0 },
        load(RW, 0x5000, 0x40_5000, 0, 0x44_1001),
    ]
}

fn good() -> Vec<u8> {
    build(abi::ET_EXEC, abi::EM_X86_64, 0x40_0100, &good_phs(), 0x5000)
}

fn refused(phs: &[Ph], entry: u64) -> Error {
    match parse(&build(abi::ET_EXEC, abi::EM_X86_64, entry, phs, 0x5000)) {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    }
}

#[test]
fn reads_a_good_image() {
    let bytes = good();
    let img = parse(&bytes).expect("good image");
    assert_eq!(img.entry, 0x40_0100);
    let segs: Vec<Segment> = img.segments().collect();
    assert_eq!(segs.len(), 4, "the GNU_STACK header loads nothing");
    assert_eq!((segs[0].vaddr, segs[0].memsz, segs[0].data.len()), (0x40_0000, 0x1234, 0x1234));
    assert!(segs[0].executable && !segs[0].writable);
    assert!(!segs[1].executable && !segs[1].writable);
    assert!(segs[2].writable && !segs[2].executable);
    assert_eq!(segs[3].data.len(), 0, "bss has no file bytes");
    assert_eq!(segs[0].data[0], 0x1000u64 as u8, "bytes from the segment's offset");
    assert_eq!(segs[0].pages(), 2);
    assert_eq!(segs[3].page_end(), 0x40_5000 + 0x44_2000);
    assert_eq!(img.top(), segs[3].page_end());
}

#[test]
fn file_bytes_by_page() {
    let bytes = build(abi::ET_EXEC, abi::EM_X86_64, 0x40_1010, &[load(RX, 0x1010, 0x40_1010, 0x1ff0, 0x3000)], 0x3000);
    let seg = parse(&bytes).unwrap().segments().next().unwrap();
    assert_eq!((seg.page_start(), seg.page_end(), seg.pages()), (0x40_1000, 0x40_5000, 4));
    let (off, b) = seg.file_bytes_in_page(0x40_1000).unwrap();
    assert_eq!((off, b.len(), b[0]), (0x10, 0xff0, 0x10));
    let (off, b) = seg.file_bytes_in_page(0x40_2000).unwrap();
    assert_eq!((off, b.len(), b[0]), (0, 0x1000, 0x00));
    // Past the file bytes: zeros only, nothing to copy.
    assert_eq!(seg.file_bytes_in_page(0x40_3000), None);
    assert_eq!(seg.file_bytes_in_page(0x40_0000), None);
    assert_eq!(seg.file_bytes_in_page(!(PAGE_SIZE - 1)), None);
}

#[test]
fn refuses_what_is_not_a_static_x86_64_executable() {
    let bytes = good();
    assert_eq!(parse(&bytes[..40]).err(), Some(Error::Malformed), "truncated header");
    assert_eq!(parse(&[]).err(), Some(Error::Malformed));
    let mut bad_magic = bytes.clone();
    bad_magic[1] = b'X';
    assert_eq!(parse(&bad_magic).err(), Some(Error::Malformed));
    let mut big_endian = bytes.clone();
    big_endian[5] = 2;
    assert!(parse(&big_endian).is_err());
    let mut elf32 = bytes.clone();
    elf32[4] = 1;
    assert!(parse(&elf32).is_err());
    let dynamic = build(abi::ET_DYN, abi::EM_X86_64, 0x40_0100, &good_phs(), 0x5000);
    assert_eq!(parse(&dynamic).err(), Some(Error::NotExecutable), "PIE or shared object");
    let arm = build(abi::ET_EXEC, abi::EM_AARCH64, 0x40_0100, &good_phs(), 0x5000);
    assert_eq!(parse(&arm).err(), Some(Error::NotExecutable));
    // A program header table that runs past the end of the file.
    let mut cut = bytes.clone();
    cut.truncate(64 + 56 * 2);
    assert_eq!(parse(&cut).err(), Some(Error::Malformed));
}

#[test]
fn refuses_bad_sizes_and_file_ranges() {
    let e = 0x40_0000;
    assert_eq!(refused(&[], e), Error::NoSegments);
    assert_eq!(refused(&[load(RX, 0x1000, e, 0, 0)], e), Error::NoSegments, "only an empty segment");
    assert_eq!(refused(&[load(RX, 0x1000, e, 0x200, 0x100)], e), Error::FileLargerThanMemory);
    assert_eq!(refused(&[load(RX, 0x1000, e, 0x5000, 0x5000)], e), Error::FileBytesOutside, "past the file's end");
    assert_eq!(refused(&[load(RX, u64::MAX - 0xfff, e, 0x2000, 0x2000)], e), Error::FileBytesOutside, "offset overflow");
}

#[test]
fn refuses_bad_addresses() {
    let e = 0x40_0000;
    assert_eq!(refused(&[load(RX, 0x1000, u64::MAX - 0xfff, 0, 0x2000)], e), Error::OutOfRange, "overflow");
    assert_eq!(refused(&[load(RX, 0x1000, LIMIT - 0x1000, 0, 0x2000)], LIMIT - 0x1000), Error::OutOfRange);
    assert_eq!(refused(&[load(RX, 0, 0, 0x100, 0x100)], 0), Error::OutOfRange, "page 0");
    assert_eq!(refused(&[load(RX, 0x10, 0xff0, 0x100, 0x100)], 0xff0), Error::OutOfRange, "starts in page 0");
    // Ending exactly at the limit is fine.
    let top = build(abi::ET_EXEC, abi::EM_X86_64, LIMIT - 0x1000, &[load(RX, 0x1000, LIMIT - 0x1000, 0x10, 0x1000)], 0x2000);
    assert_eq!(parse(&top).unwrap().top(), LIMIT);
    assert_eq!(refused(&[load(RX, 0x1000, e + 8, 0x10, 0x10)], e + 8), Error::Misaligned);
}

#[test]
fn refuses_overlap_disorder_wx_and_a_stray_entry() {
    let e = 0x40_0000;
    let text = load(RX, 0x1000, e, 0x1234, 0x1234);
    // Data in the page text ends in: one page, two rights.
    assert_eq!(refused(&[text, load(RW, 0x2234, e + 0x1234, 0x10, 0x10)], e), Error::Overlap);
    assert_eq!(refused(&[text, load(RW, 0x1000, e, 0x10, 0x10)], e), Error::Overlap, "the same range twice");
    assert_eq!(refused(&[load(RW, 0x3000, e + 0x2000, 0x10, 0x10), text], e), Error::Overlap, "descending order");
    assert_eq!(refused(&[load(RX | abi::PF_W, 0x1000, e, 0x10, 0x10)], e), Error::WritableExecutable);
    assert_eq!(refused(&[text], e + 0x1234), Error::BadEntry, "just past the text");
    assert_eq!(refused(&[text, load(RW, 0x3000, e + 0x2000, 0x10, 0x10)], e + 0x2000), Error::BadEntry, "in data");
    // Adjacent pages are fine.
    let ok = build(abi::ET_EXEC, abi::EM_X86_64, e, &[text, load(RW, 0x3000, e + 0x2000, 0x10, 0x10)], 0x5000);
    assert_eq!(parse(&ok).unwrap().segments().count(), 2);
}

/// Random corruptions of a good image's headers: every outcome is an
/// error or an image whose segments all pass the checks again.
#[test]
fn corrupted_headers_never_panic() {
    let base = good();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let header_bytes = 64 + 56 * good_phs().len();
    for _ in 0..20_000 {
        let mut b = base.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % header_bytes as u64) as usize;
            b[at] = next() as u8;
        }
        if let Ok(img) = parse(&b) {
            let mut prev_end = 0;
            for s in img.segments() {
                assert!(s.vaddr >= PAGE_SIZE && s.end() <= LIMIT && s.data.len() as u64 <= s.memsz);
                assert!(s.page_start() >= prev_end && !(s.writable && s.executable));
                prev_end = s.page_end();
            }
        }
    }
}
