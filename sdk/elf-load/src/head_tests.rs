// SPDX-License-Identifier: BSD-2-Clause
//! exec's head reader: good programs, their tails and zero pages, and the
//! hostile ones exec must refuse.
use crate::tests::{build, load, Ph, R, RW, RX};
use crate::{parse_head, Error, PAGE_SIZE};

const LIMIT: u64 = 0x4000_0000;
const PIE: u64 = 0x40_0000;

fn head_of(f: &[u8]) -> &[u8] {
    &f[..f.len().min(4096)]
}

#[test]
fn static_program_layout_tail_and_zeros() {
    let text = load(RX, 0, 0x40_0000, 0x1234, 0x1234);
    // .data from 0x2100 in the file, 0x300 file bytes then bss.
    let data = load(RW, 0x2100, 0x40_3100, 0x300, 0x5000);
    let f = build(2, 62, 0x40_0100, &[text, data], 0x2400);
    let l = parse_head(head_of(&f), f.len() as u64, LIMIT, PIE).unwrap();
    assert_eq!(l.entry, 0x40_0100);
    assert_eq!(l.bias, 0);
    // The table at 64 lies in the text segment's file bytes.
    assert_eq!(l.phdr, 0x40_0040);
    let s = l.segments();
    assert_eq!(s.len(), 2);
    // Text: memory ends with the file: its last page shows the file.
    assert_eq!(s[0].file_pages_end(), 0x40_2000);
    assert_eq!(s[0].tail(), None);
    // Data: the page at 0x40_3000 holds 0x400 file bytes (0x100 before
    // the segment, of the same page of the file) then zeros.
    assert_eq!(s[1].file_pages_end(), 0x40_3000);
    let t = s[1].tail().unwrap();
    assert_eq!((t.vaddr, t.offset, t.len), (0x40_3000, 0x2000, 0x400));
    assert_eq!(s[1].zero_start(), 0x40_4000);
    assert_eq!(s[1].page_end(), 0x40_9000);
    assert_eq!(l.tails_len(), 0x400);
    assert_eq!(l.top(), 0x40_9000);
}

#[test]
fn static_pie_is_displaced() {
    let text = load(RX, 0, 0, 0x800, 0x800);
    let data = load(RW, 0x1000, 0x1000, 0x10, 0x2000);
    let f = build(3, 62, 0x100, &[text, data], 0x1010);
    let l = parse_head(&f, f.len() as u64, LIMIT, PIE).unwrap();
    assert_eq!(l.bias, PIE);
    assert_eq!(l.entry, PIE + 0x100);
    assert_eq!(l.segments()[1].vaddr, PIE + 0x1000);
    assert_eq!(l.phdr, PIE + 0x40);
}

#[test]
fn hostile_programs_are_refused() {
    let text = load(RX, 0, 0x40_0000, 0x100, 0x100);
    let ok = |phs: &[Ph], len: usize| {
        let f = build(2, 62, 0x40_0010, phs, len);
        parse_head(head_of(&f), f.len() as u64, LIMIT, PIE).map(|_| ())
    };
    assert_eq!(ok(&[text], 0x200), Ok(()));
    // File bytes past the end of the file.
    assert_eq!(ok(&[load(RX, 0, 0x40_0000, 0x10_0000, 0x10_0000)], 0x200), Err(Error::FileBytesOutside));
    assert_eq!(ok(&[text, load(R, u64::MAX - 4, 0x50_0000, 0x10, 0x10)], 0x200), Err(Error::FileBytesOutside));
    // More file than memory.
    assert_eq!(ok(&[load(RX, 0, 0x40_0000, 0x100, 0x80)], 0x200), Err(Error::FileLargerThanMemory));
    // Overlapping segments, or out of order.
    assert_eq!(ok(&[text, load(R, 0, 0x40_0000, 0x10, 0x10)], 0x200), Err(Error::Overlap));
    // Page 0, the kernel half, past the limit, wrapping.
    assert_eq!(ok(&[load(RX, 0, 0, 0x100, 0x100)], 0x200), Err(Error::OutOfRange));
    assert_eq!(ok(&[text, load(R, 0, 0xffff_8000_0000_0000, 0x10, 0x10)], 0x200), Err(Error::OutOfRange));
    assert_eq!(ok(&[text, load(R, 0, LIMIT - 0x1000, 0x10, 0x2000)], 0x200), Err(Error::OutOfRange));
    assert_eq!(ok(&[text, load(R, 0, u64::MAX - 0xfff, 0, 0x2000)], 0x200), Err(Error::OutOfRange));
    // Writable and executable.
    assert_eq!(ok(&[load(RX | RW, 0, 0x40_0000, 0x100, 0x100)], 0x200), Err(Error::WritableExecutable));
    // Too many headers, or too many loads.
    let many: Vec<Ph> = (0..65).map(|_| Ph { ty: 4, ..text }).collect();
    assert_eq!(ok(&many, 0x2000), Err(Error::Malformed));
    let loads: Vec<Ph> = (0..17).map(|i| load(R, 0, 0x40_0000 + i * 0x1000, 0x10, 0x10)).collect();
    assert_eq!(ok(&loads, 0x2000), Err(Error::Malformed));
    // An interpreter: a dynamic program.
    assert_eq!(ok(&[Ph { ty: 3, ..text }, text], 0x200), Err(Error::NotExecutable));
    // The entry outside every executable segment.
    let f = build(2, 62, 0x90_0000, &[text], 0x200);
    assert_eq!(parse_head(&f, 0x200, LIMIT, PIE).map(|_| ()), Err(Error::BadEntry));
    // Not x86_64, not an executable, not ELF, truncated.
    let f = build(2, 40, 0x40_0010, &[text], 0x200);
    assert_eq!(parse_head(&f, 0x200, LIMIT, PIE).map(|_| ()), Err(Error::NotExecutable));
    let f = build(1, 62, 0x40_0010, &[text], 0x200);
    assert_eq!(parse_head(&f, 0x200, LIMIT, PIE).map(|_| ()), Err(Error::NotExecutable));
    assert_eq!(parse_head(b"#!/bin/sh\n", 10, LIMIT, PIE).map(|_| ()), Err(Error::Malformed));
    let f = build(2, 62, 0x40_0010, &[text], 0x200);
    assert_eq!(parse_head(&f[..100], 0x200, LIMIT, PIE).map(|_| ()), Err(Error::Malformed));
}

#[test]
fn corrupted_heads_never_panic() {
    let text = load(RX, 0, 0x40_0000, 0x1234, 0x1234);
    let data = load(RW, 0x2100, 0x40_3100, 0x300, 0x5000);
    let f = build(2, 62, 0x40_0100, &[text, data], 0x2400);
    let mut seed = 0x1234_5678_9abc_def0u64;
    for _ in 0..20_000 {
        let mut g = f[..4096].to_vec();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % 200) as usize;
            g[at] = (seed >> 32) as u8;
        }
        if let Ok(l) = parse_head(&g, 0x2400, LIMIT, PIE) {
            for s in l.segments() {
                assert!(s.vaddr >= PAGE_SIZE && s.vaddr + s.memsz <= LIMIT);
                assert!(s.offset + s.filesz <= 0x2400 && s.filesz <= s.memsz);
                assert!(s.zero_start() <= s.page_end() && s.file_pages_end() >= s.page_start());
            }
        }
    }
}
