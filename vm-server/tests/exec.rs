// SPDX-License-Identifier: BSD-2-Clause
//! exec in the model: the regions a program's layout gives (cached file
//! pages, tail pages with VFS's bytes, demand-zero pages, the stack with
//! its image), the old memory released but for the pinned pages, a failed
//! exec changing nothing, and random descriptions never panicking.

mod common;

use common::{load, map, reclaim, store, P};
use minix_abi::errno::{Errno, EINVAL, EIO, ENOEXEC, ENOMEM};
use minix_abi::exec::{build_stack, AuxInfo, Description, PIE_BASE, STACK_SIZE, STACK_TOP};
use std::collections::HashMap;
use vm_server::host_frames::HostFrames;
use vm_server::memtype::{FileRef, MemType};
use vm_server::page::PageFrame;
use vm_server::pagecache::{PageCache, Work};
use vm_server::space::{ExecImage, Execed, Fill, DEFAULT_MMAP_BASE, STACK_BOTTOM};
use vm_server::{AddressSpace, FaultOutcome, FrameAllocator, FrameId, Limits, Prot};

const IPC: u64 = 0x7000_0000;
const PROG: FileRef = FileRef { dev: 1, ino: 42 };
const OTHER: FileRef = FileRef { dev: 1, ino: 7 };
const TOP: u64 = STACK_TOP as u64;

const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// A `PT_LOAD` header.
#[derive(Copy, Clone)]
struct Ph {
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

/// The head of a static x86_64 program (`e_type` 2) or PIE (3): the ELF
/// header and its program headers right after it.
fn head(e_type: u16, entry: u64, phs: &[Ph]) -> Vec<u8> {
    let mut h = vec![0u8; 64 + 56 * phs.len()];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4..7].copy_from_slice(&[2, 1, 1]);
    h[16..18].copy_from_slice(&e_type.to_le_bytes());
    h[18..20].copy_from_slice(&62u16.to_le_bytes());
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[24..32].copy_from_slice(&entry.to_le_bytes());
    h[32..40].copy_from_slice(&64u64.to_le_bytes());
    h[52..54].copy_from_slice(&64u16.to_le_bytes());
    h[54..56].copy_from_slice(&56u16.to_le_bytes());
    h[56..58].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    for (i, ph) in phs.iter().enumerate() {
        let at = 64 + 56 * i;
        h[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
        h[at + 4..at + 8].copy_from_slice(&ph.flags.to_le_bytes());
        for (k, v) in [ph.offset, ph.vaddr, ph.vaddr, ph.filesz, ph.memsz, 4096].into_iter().enumerate() {
            h[at + 8 + 8 * k..at + 16 + 8 * k].copy_from_slice(&v.to_le_bytes());
        }
    }
    h
}

/// A description as VFS writes it.
fn describe(file_size: u32, head: &[u8], tails: &[u8], stack: &[u8]) -> Vec<u8> {
    let sp = STACK_TOP - stack.len() as u32;
    let mut d = Description::header(file_size, head.len() as u32, tails.len() as u32, stack.len() as u32, sp).to_vec();
    d.extend_from_slice(head);
    d.extend_from_slice(tails);
    d.extend_from_slice(stack);
    d
}

/// The first stack of `prog x` with `A=b`, as VFS builds it.
fn stack_image() -> (Vec<u8>, u64) {
    let mut out = vec![0u8; 4096];
    let args: [&[u8]; 2] = [b"prog", b"x"];
    let env: [&[u8]; 1] = [b"A=b"];
    let aux = AuxInfo { entry: 0x40_0100, random: [7; 16], ..Default::default() };
    let (sp, n) = build_stack(&mut out, STACK_TOP, b"/bin/prog", args.iter().copied(), env.iter().copied(), &aux).unwrap();
    out.truncate(n);
    (out, sp as u64)
}

/// A byte pattern, different for each `seed`.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1).collect()
}

/// Frame bytes as the glue would hold them: what fills wrote, else zero.
#[derive(Default)]
struct Mem(HashMap<FrameId, Vec<u8>>);

impl Mem {
    fn fill(&mut self, fills: &[Fill<'_>]) -> Result<(), Errno> {
        for f in fills {
            let page = self.0.entry(f.frame).or_insert_with(|| vec![0; P as usize]);
            page[f.at..f.at + f.bytes.len()].copy_from_slice(f.bytes);
        }
        Ok(())
    }

    /// The process's bytes at `[addr, addr + len)`, from present pages.
    fn read(&self, s: &AddressSpace, addr: u64, len: usize) -> Vec<u8> {
        (addr..addr + len as u64)
            .map(|a| {
                let page = s.page(a).unwrap_or_else(|| panic!("{a:#x} not present"));
                let PageFrame::Pool(f) = page.frame else { panic!("{a:#x} physical") };
                self.0.get(&f).map_or(0, |b| b[(a % P) as usize])
            })
            .collect()
    }
}

/// A process as spawn leaves it: the IPC buffer and the clock page
/// pinned, plus an old image, heap, a mapping of another file and a
/// stack, some of it touched.
fn old_process(f: &mut HostFrames) -> AddressSpace {
    let mut s = AddressSpace::new();
    s.map_phys(IPC, P, 0x10_0000, Prot::RW, true, f).unwrap();
    s.map_phys(IPC + P, P, 0x20_0000, Prot::READ, true, f).unwrap();
    s.pin(IPC, 2 * P);
    // Their pages present, as after the process's first touches.
    map(&mut s, f, IPC, true);
    map(&mut s, f, IPC + P, false);
    s.mmap_anon(0x40_0000, 16 * P, Prot::RX, true, f).unwrap();
    s.mmap_anon(0x41_0000, 16 * P, Prot::RW, true, f).unwrap();
    s.init_brk(0x42_0000).unwrap();
    s.brk(0x42_3000, f).unwrap();
    s.mmap_file(0x5000_0000, 4 * P, Prot::READ, true, false, OTHER, 0, f).unwrap();
    s.mmap_anon(0x5000_0000 - P, P, Prot::RW, true, f).unwrap();
    s.set_mmap_base(0x6000_0000);
    assert_eq!(load(&mut s, f, 0x40_0000), 0);
    for a in [0x41_1000, 0x42_2000, 0x5000_0000 - P] {
        store(&mut s, f, a, 0xdead);
    }
    s
}

/// The sample program: text (memory ends with the file), read-only data
/// (the same), data (file pages, a tail, then bss), and a bss-only
/// segment.
struct Sample {
    desc: Vec<u8>,
    tails: Vec<u8>,
    stack: Vec<u8>,
    sp: u64,
}

fn sample() -> Sample {
    let phs = [
        Ph { flags: PF_R | PF_X, offset: 0, vaddr: 0x40_0000, filesz: 0x1234, memsz: 0x1234 },
        Ph { flags: PF_R, offset: 0x2000, vaddr: 0x40_2000, filesz: 0x800, memsz: 0x800 },
        // File pages 0x40_3000, then 0x400 file bytes at 0x40_4000, bss
        // to 0x40_8100.
        Ph { flags: PF_R | PF_W, offset: 0x3100, vaddr: 0x40_3100, filesz: 0x1300, memsz: 0x5000 },
        Ph { flags: PF_R | PF_W, offset: 0x5000, vaddr: 0x40_a000, filesz: 0, memsz: 0x1800 },
    ];
    let h = head(2, 0x40_0100, &phs);
    let tails = pattern(0x400, 5);
    let (stack, sp) = stack_image();
    Sample { desc: describe(0x6000, &h, &tails, &stack), tails, stack, sp }
}

fn exec(s: &mut AddressSpace, f: &mut HostFrames, mem: &mut Mem, desc: &[u8]) -> Result<Execed, Errno> {
    let image = ExecImage::parse(desc)?;
    s.exec(&image, PROG, f, |fills, _| mem.fill(fills))
}

/// What the regions are: (start, end, prot, file offset or None).
fn shape(s: &AddressSpace) -> Vec<(u64, u64, Prot, Option<u64>)> {
    s.regions()
        .iter()
        .map(|r| {
            let off = match r.mem() {
                MemType::File(file) => {
                    assert_eq!(file.file, PROG);
                    Some(file.offset)
                }
                _ => None,
            };
            (r.start(), r.end(), r.prot(), off)
        })
        .collect()
}

#[test]
fn sample_layout_regions_pages_and_stack() {
    let mut f = HostFrames::new(256);
    let mut mem = Mem::default();
    let mut s = old_process(&mut f);
    let smp = sample();
    let image = ExecImage::parse(&smp.desc).unwrap();
    assert_eq!((image.entry(), image.sp()), (0x40_0100, smp.sp));
    // The data segment's tail and bss pages, and the bss-only segment.
    assert_eq!(image.anon_bytes(), 0x5000 + 0x2000);
    let done = exec(&mut s, &mut f, &mut mem, &smp.desc).unwrap();
    assert_eq!(done.entry, 0x40_0100);
    reclaim(done.released, &mut f);

    let rx = Prot::READ.union(Prot::EXEC);
    assert_eq!(
        shape(&s),
        vec![
            (0x40_0000, 0x40_2000, rx, Some(0)),
            (0x40_2000, 0x40_3000, Prot::READ, Some(0x2000)),
            (0x40_3000, 0x40_4000, Prot::RW, Some(0x3000)),
            (0x40_4000, 0x40_9000, Prot::RW, None),
            (0x40_a000, 0x40_c000, Prot::RW, None),
            (STACK_BOTTOM, TOP, Prot::RW, None),
            (IPC, IPC + P, Prot::RW, None),
            (IPC + P, IPC + 2 * P, Prot::READ, None),
        ]
    );
    assert_eq!(STACK_BOTTOM, TOP - STACK_SIZE as u64);
    // File pages are not present: they come from the cache on faults.
    assert!(s.page(0x40_0000).is_none() && s.page(0x40_3000).is_none());
    assert!(matches!(s.handle_fault(0x40_0100, false, &mut f), FaultOutcome::Later(pi) if pi.file == PROG && pi.offset == 0));
    assert!(matches!(s.handle_fault(0x40_3008, true, &mut f), FaultOutcome::Later(pi) if pi.offset == 0x3000 && pi.write));
    // The tail page: VFS's bytes, then zeros.
    let tail = mem.read(&s, 0x40_4000, P as usize);
    assert_eq!(&tail[..0x400], &smp.tails[..]);
    assert!(tail[0x400..].iter().all(|&b| b == 0));
    // bss is demand-zero.
    assert!(s.page(0x40_5000).is_none() && s.page(0x40_a000).is_none());
    assert_eq!(load(&mut s, &mut f, 0x40_8000), 0);
    // The stack: the image's pages present with it, the rest demand-zero.
    assert_eq!(mem.read(&s, smp.sp, smp.stack.len()), smp.stack);
    assert_eq!(mem.read(&s, smp.sp & !(P - 1), (smp.sp % P) as usize), vec![0; (smp.sp % P) as usize]);
    assert!(s.page((smp.sp & !(P - 1)) - P).is_none());
    // argc at sp, as the System V ABI has it.
    assert_eq!(mem.read(&s, smp.sp, 8), 2u64.to_le_bytes());
    // Present pages to map at once: the tail page and the stack's, each
    // writable as its region is, none executable.
    let mut at_once: Vec<u64> = done.present.iter().map(|m| m.vaddr).collect();
    at_once.sort();
    let stack_pages = (TOP - (smp.sp & !(P - 1))) / P;
    assert_eq!(at_once.len() as u64, 1 + stack_pages);
    assert_eq!(at_once[0], 0x40_4000);
    assert!(done.present.iter().all(|m| m.writable && !m.flags.exec));
    assert_eq!(s.resident_pages() as u64, 2 + 1 + stack_pages + 1, "IPC, clock, tail, stack, the bss page loaded");
    // The break from the top of the last segment; mmap from its base.
    assert_eq!(s.current_brk(), 0x40_c000);
    s.brk(0x40_e000, &mut f).unwrap();
    assert_eq!(s.mmap_anon(0, P, Prot::RW, false, &mut f).unwrap().0, DEFAULT_MMAP_BASE);
    // A write to a private file page breaks copy-on-write of the cached
    // frame; a read-only one kills.
    let cached = f.alloc_zeroed().unwrap();
    f.write(cached, 77);
    let FaultOutcome::Map(m) = s.complete_page_in(0x40_3000, true, cached, &mut f) else { panic!() };
    assert!(m.writable && m.frame != PageFrame::Pool(cached));
    assert_eq!(f.content(cached), Some(77));
    assert!(matches!(s.handle_fault(0x40_2000, true, &mut f), FaultOutcome::Kill(_)));
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.drop_ref(cached), 0);
    f.free(cached);
    assert_eq!((f.in_use(), f.bad_frees()), (0, 0));
}

/// The working set's questions: which of the program's read-only pages a
/// run had mapped (as file page numbers), and where a remembered page
/// goes in a new image (nowhere in a writable region).
#[test]
fn text_pages_and_where_they_map_again() {
    let mut f = HostFrames::new(256);
    let mut mem = Mem::default();
    let smp = sample();
    let mut s = old_process(&mut f);
    reclaim(exec(&mut s, &mut f, &mut mem, &smp.desc).unwrap().released, &mut f);
    assert_eq!(s.text_vaddr(PROG, 0), Some(0x40_0000));
    assert_eq!(s.text_vaddr(PROG, 2), Some(0x40_2000), "read-only data");
    assert_eq!(s.text_vaddr(PROG, 3), None, "the data segment is writable");
    assert_eq!(s.text_vaddr(PROG, 99), None);
    assert_eq!(s.text_vaddr(OTHER, 0), None);
    let cached = [f.alloc_zeroed().unwrap(), f.alloc_zeroed().unwrap()];
    for (vaddr, frame) in [(0x40_0000, cached[0]), (0x40_2000, cached[1])] {
        assert!(matches!(s.complete_page_in(vaddr, false, frame, &mut f), FaultOutcome::Map(_)));
    }
    assert_eq!(s.text_vaddr(PROG, 0), Some(0x40_0000), "present or not");
    assert_eq!(s.text_pages(PROG, |_| true), vec![0, 2]);
    assert_eq!(s.text_pages(PROG, |v| v == 0x40_2000), vec![2], "only what the hardware maps");
    assert!(s.text_pages(OTHER, |_| true).is_empty());
    reclaim(s.exit(&mut f), &mut f);
    for c in cached {
        assert_eq!(f.drop_ref(c), 0);
        f.free(c);
    }
    assert_eq!(f.in_use(), 0);
}

#[test]
fn a_second_exec_shares_the_cached_text() {
    let mut f = HostFrames::new(256);
    let mut mem = Mem::default();
    let smp = sample();
    let (mut a, mut b) = (old_process(&mut f), old_process(&mut f));
    reclaim(exec(&mut a, &mut f, &mut mem, &smp.desc).unwrap().released, &mut f);
    reclaim(exec(&mut b, &mut f, &mut mem, &smp.desc).unwrap().released, &mut f);
    // The page cache's frame of the text's first page.
    let cached = f.alloc_zeroed().unwrap();
    for s in [&mut a, &mut b] {
        let FaultOutcome::Map(m) = s.complete_page_in(0x40_0000, false, cached, &mut f) else { panic!() };
        assert_eq!(m.frame, PageFrame::Pool(cached), "no copy");
        assert!(!m.writable && m.flags.exec);
    }
    assert_eq!(f.refcount(cached), 3, "the cache's and one per process");
    for s in [&mut a, &mut b] {
        reclaim(s.exit(&mut f), &mut f);
    }
    assert_eq!(f.drop_ref(cached), 0);
    f.free(cached);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn the_old_memory_goes_and_the_pinned_pages_stay() {
    let mut f = HostFrames::new(256);
    let mut mem = Mem::default();
    let mut s = old_process(&mut f);
    // A forked child shares the old pages; the exec must leave them to it.
    let mut child = s.fork(&mut f).unwrap().child;
    let old_ipc = (s.page(IPC), s.page(IPC + P));
    assert!(old_ipc.0.is_some() && old_ipc.1.is_some());
    let done = exec(&mut s, &mut f, &mut mem, &sample().desc).unwrap();
    assert_eq!(done.kept, (IPC, IPC + 2 * P));
    assert!(done.released.unmapped.iter().all(|(v, _)| *v < IPC || *v >= IPC + 2 * P), "a pinned page released");
    assert_eq!(done.released.unmapped.len(), 4, "every old present page");
    assert!(done.released.to_free.is_empty(), "the child still holds them");
    reclaim(done.released, &mut f);
    assert_eq!((s.page(IPC), s.page(IPC + P)), old_ipc);
    // Still pinned.
    assert_eq!(s.munmap(IPC, P, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_anon(IPC, 2 * P, Prot::RW, true, &mut f).err(), Some(EINVAL));
    assert!(!s.maps_file(OTHER) && s.maps_file(PROG));
    assert!(s.regions().lookup(0x5000_0000).is_none());
    // The child's memory is its own.
    assert_eq!(load(&mut child, &mut f, 0x41_1000), 0xdead);
    assert_eq!(load(&mut child, &mut f, 0x42_2000), 0xdead);
    reclaim(child.exit(&mut f), &mut f);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!((f.in_use(), f.bad_frees()), (0, 0));

    // Without a child the old frames are freed at once.
    let mut s = old_process(&mut f);
    let done = exec(&mut s, &mut f, &mut mem, &sample().desc).unwrap();
    assert_eq!(done.released.to_free.len(), 4);
    reclaim(done.released, &mut f);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn a_failed_exec_changes_nothing() {
    let smp = sample();
    let check = |setup: &dyn Fn(&mut AddressSpace, &mut HostFrames), desc: &[u8], want: Errno| {
        let mut f = HostFrames::new(256);
        let mut s = old_process(&mut f);
        setup(&mut s, &mut f);
        let (before, used) = (s.clone(), f.in_use());
        let mut mem = Mem::default();
        assert_eq!(exec(&mut s, &mut f, &mut mem, desc).err(), Some(want));
        assert_eq!(s, before, "a failed exec changed the space");
        assert_eq!((f.in_use(), f.bad_frees()), (used, 0), "a failed exec kept or freed frames");
        assert_eq!(load(&mut s, &mut f, 0x41_1000), 0xdead);
        reclaim(s.exit(&mut f), &mut f);
    };
    let none = |_: &mut AddressSpace, _: &mut HostFrames| {};
    // Past the region limit (6 new, 2 kept), the mapped limit, the
    // frames (a tail page and a stack page).
    let regions = |n| move |s: &mut AddressSpace, _: &mut HostFrames| s.set_limits(Limits { max_regions: n, ..Limits::DEFAULT });
    check(&regions(7), &smp.desc, ENOMEM);
    let bytes = |s: &mut AddressSpace, _: &mut HostFrames| s.set_limits(Limits { max_mapped: STACK_SIZE as u64, ..Limits::DEFAULT });
    check(&bytes, &smp.desc, ENOMEM);
    for spare in 0..2 {
        let frames = move |_: &mut AddressSpace, f: &mut HostFrames| f.set_limit(f.in_use() + spare);
        check(&frames, &smp.desc, ENOMEM);
    }
    // Malformed descriptions, programs VM will not load, wrong tails.
    check(&none, &smp.desc[..smp.desc.len() - 1], EINVAL);
    let mut bad = smp.desc.clone();
    bad[20] = b'X';
    check(&none, &bad, ENOEXEC);
    let h = head(2, 0x40_0100, &[Ph { flags: PF_R | PF_X, offset: 0, vaddr: 0x40_0000, filesz: 0x100, memsz: 0x200 }]);
    check(&none, &describe(0x100, &h, &[], &smp.stack), EINVAL);
    check(&none, &describe(0x100, &h, &[1; 0x101], &smp.stack), EINVAL);
    let high = head(2, 0x4000_0100, &[Ph { flags: PF_R | PF_X, offset: 0, vaddr: 0x4000_0000, filesz: 0x100, memsz: 0x100 }]);
    check(&none, &describe(0x100, &high, &[], &smp.stack), ENOEXEC);

    // The regions fit exactly: it works.
    let mut f = HostFrames::new(256);
    let mut s = old_process(&mut f);
    s.set_limits(Limits { max_regions: 8, ..Limits::DEFAULT });
    f.set_limit(f.in_use() + 2);
    let mut mem = Mem::default();
    reclaim(exec(&mut s, &mut f, &mut mem, &smp.desc).unwrap().released, &mut f);
    assert_eq!(s.limits().max_regions, 8, "exec keeps the limits");
    f.set_limit(256);
    reclaim(s.exit(&mut f), &mut f);

    // The glue failing to write the bytes: nothing changed, nothing kept.
    let mut s = old_process(&mut f);
    let (before, used) = (s.clone(), f.in_use());
    let image = ExecImage::parse(&smp.desc).unwrap();
    assert_eq!(s.exec(&image, PROG, &mut f, |_, _| Err(EIO)).err(), Some(EIO));
    assert_eq!((s == before, f.in_use(), f.bad_frees()), (true, used, 0));
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn a_program_with_no_file_page_still_gives_its_hold_back() {
    // All of the text is one tail page (the file's first 0x180 bytes, then
    // zeros), and a bss: nothing maps the file.
    let h = head(2, 0x40_0010, &[Ph { flags: PF_R | PF_X, offset: 0, vaddr: 0x40_0000, filesz: 0x180, memsz: 0x3000 }]);
    let tails = pattern(0x180, 9);
    let (stack, _) = stack_image();
    let desc = describe(0x180, &h, &tails, &stack);
    let mut f = HostFrames::new(64);
    let mut mem = Mem::default();
    let mut s = old_process(&mut f);
    let done = exec(&mut s, &mut f, &mut mem, &desc).unwrap();
    reclaim(done.released, &mut f);
    assert!(!s.maps_file(PROG));
    assert_eq!(&mem.read(&s, 0x40_0000, 0x180), &tails[..]);
    assert!(done.present.iter().any(|m| m.vaddr == 0x40_0000 && !m.writable && m.flags.exec));
    // The glue's books: one hold counted for the exec, and released at
    // once since no process maps the file.
    let mut cache = PageCache::new();
    cache.mapped(PROG);
    if !s.maps_file(PROG) {
        cache.unmapped(PROG);
    }
    assert_eq!(cache.next_work(), Some(Work::Release { file: PROG, maps: 1 }));
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn a_static_pie_lands_at_its_base() {
    let phs = [
        Ph { flags: PF_R | PF_X, offset: 0, vaddr: 0, filesz: 0x800, memsz: 0x800 },
        Ph { flags: PF_R | PF_W, offset: 0x1000, vaddr: 0x1000, filesz: 0x10, memsz: 0x2000 },
    ];
    let h = head(3, 0x100, &phs);
    let (stack, _) = stack_image();
    let desc = describe(0x1010, &h, &pattern(0x10, 1), &stack);
    let mut f = HostFrames::new(64);
    let mut mem = Mem::default();
    let mut s = old_process(&mut f);
    let done = exec(&mut s, &mut f, &mut mem, &desc).unwrap();
    let base = PIE_BASE as u64;
    assert_eq!(done.entry, base + 0x100);
    reclaim(done.released, &mut f);
    assert_eq!(shape(&s)[..2], [(base, base + P, Prot::READ.union(Prot::EXEC), Some(0)), (base + P, base + 3 * P, Prot::RW, None)]);
    assert_eq!(mem.read(&s, base + P, 0x10), pattern(0x10, 1));
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn exec_of_an_empty_space_and_an_empty_stack() {
    // No pin, no old memory (a space VM built by hand), and a stack image
    // of nothing: the stack is all demand-zero.
    let h = head(2, 0x40_0010, &[Ph { flags: PF_R | PF_X, offset: 0, vaddr: 0x40_0000, filesz: 0x1000, memsz: 0x1000 }]);
    let desc = describe(0x1000, &h, &[], &[]);
    let mut f = HostFrames::new(8);
    let mut mem = Mem::default();
    let mut s = AddressSpace::new();
    let done = exec(&mut s, &mut f, &mut mem, &desc).unwrap();
    assert_eq!((done.kept, done.present.len(), done.released.is_empty()), ((0, 0), 0, true));
    assert_eq!(s.regions().len(), 2);
    assert_eq!(f.in_use(), 0);
    let m = map(&mut s, &mut f, TOP - 8, true);
    assert!(m.writable);
    reclaim(s.exit(&mut f), &mut f);
}

/// xorshift64*: a fixed sequence, so a failure repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A random program head: up to 5 loads (sometimes more, of every kind),
/// plausible addresses or wild ones.
fn random_head(r: &mut Rng) -> (Vec<u8>, u32) {
    let n = if r.below(8) == 0 { r.below(20) as usize } else { 1 + r.below(5) as usize };
    let mut phs = Vec::new();
    let mut va = 0x40_0000 + r.below(16) * P;
    let mut off = 0;
    for _ in 0..n {
        let wild = r.below(16) == 0;
        let memsz = if wild { r.next() } else { 1 + r.below(6 * P) };
        let filesz = if wild { r.next() } else { memsz.min(r.below(memsz + 1)) };
        let skew = r.below(P);
        // The first segment is text, most of the time.
        let kind = if phs.is_empty() && r.below(4) != 0 { 0 } else { r.below(4) as usize };
        let flags = [PF_R | PF_X, PF_R, PF_R | PF_W, r.next() as u32][kind];
        phs.push(Ph { flags, offset: off + skew, vaddr: va + skew, filesz, memsz });
        off = (off + skew + filesz.min(1 << 20)).next_multiple_of(P);
        va = (va + skew + memsz.min(1 << 24)).next_multiple_of(P) + r.below(3) * P;
    }
    let entry = match phs.first() {
        Some(ph) if r.below(4) != 0 => ph.vaddr + r.below(16),
        _ => r.next(),
    };
    let e_type = if r.below(5) == 0 { 3 } else { 2 };
    let size = if r.below(6) == 0 { r.next() as u32 } else { (off + r.below(P)) as u32 };
    (head(e_type, entry, &phs), size)
}

/// The tail bytes the head asks for, when it parses; sometimes a few off.
fn tails_for(r: &mut Rng, h: &[u8], size: u32) -> Vec<u8> {
    let len = elf_load::parse_head(h, size as u64, 0x4000_0000, PIE_BASE as u64).map_or(r.below(64), |l| l.tails_len());
    let len = match r.below(8) {
        0 => len + 1,
        1 => len.saturating_sub(1),
        _ => len,
    };
    pattern(len.min(1 << 17) as usize, r.next() as u8)
}

#[test]
fn random_descriptions_never_panic() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (stack, _) = stack_image();
    let mut f = HostFrames::new(128);
    let mut mem = Mem::default();
    let (mut ok, mut refused) = (0, 0);
    let mut why: HashMap<Errno, u32> = HashMap::new();
    for i in 0..20_000 {
        let (h, size) = random_head(&mut r);
        let tails = tails_for(&mut r, &h, size);
        let st = &stack[stack.len() - (r.below(stack.len() as u64 / 16 + 1) * 16) as usize..];
        let mut desc = describe(size, &h, &tails, st);
        // Now and then, bytes flipped anywhere, or cut short.
        for _ in 0..[0, 0, 1, 4][r.below(4) as usize] {
            let at = r.below(desc.len() as u64) as usize;
            desc[at] = r.next() as u8;
        }
        if r.below(16) == 0 {
            desc.truncate(r.below(desc.len() as u64) as usize);
        }
        if r.below(64) == 0 {
            desc = (0..r.below(256)).map(|_| r.next() as u8).collect();
        }
        let mut s = old_process(&mut f);
        if r.below(8) == 0 {
            s.set_limits(Limits { max_regions: r.below(16) as usize, max_mapped: r.next() % (64 << 20) });
        }
        if r.below(8) == 0 {
            f.set_limit(f.in_use() + r.below(40));
        }
        let before = s.clone();
        let used = f.in_use();
        match exec(&mut s, &mut f, &mut mem, &desc) {
            Ok(done) => {
                ok += 1;
                assert!(s.regions().iter().all(|r| r.end() <= TOP || r.start() >= IPC), "case {i}");
                assert_eq!(s.current_brk() % P, 0, "case {i}");
                reclaim(done.released, &mut f);
                // A program that execs again (the sample).
                if r.below(4) == 0 {
                    if let Ok(again) = exec(&mut s, &mut f, &mut mem, &sample().desc) {
                        reclaim(again.released, &mut f);
                    }
                }
            }
            Err(e) => {
                refused += 1;
                *why.entry(e).or_insert(0) += 1;
                assert!([EINVAL, ENOEXEC, ENOMEM].contains(&e), "case {i}: {e:?}");
                assert_eq!(s, before, "case {i}");
                assert_eq!(f.in_use(), used, "case {i}");
            }
        }
        f.set_limit(128);
        reclaim(s.exit(&mut f), &mut f);
        assert_eq!((f.in_use(), f.bad_frees()), (0, 0), "case {i}");
        mem.0.clear();
    }
    // Loads, and each refusal, were seen plenty.
    assert!(ok > 2000 && refused > 2000, "{ok} loaded, {refused} refused");
    for e in [EINVAL, ENOEXEC, ENOMEM] {
        assert!(why.get(&e).is_some_and(|&n| n > 100), "{why:?}");
    }
}
