// SPDX-License-Identifier: BSD-2-Clause
//! Page faults and mappings of every memory type, through `AddressSpace`.

mod common;

use common::{load, map, reclaim, store, P};
use minix_abi::errno::{EINVAL, ENOMEM};
use vm_server::host_frames::HostFrames;
use vm_server::memtype::{FileRef, PageIn};
use vm_server::page::PageFrame;
use vm_server::{AddressSpace, FaultOutcome, FrameAllocator, KillReason, Limits, MemType, Prot, USER_TOP};

const A: u64 = 0x20_0000;

fn space_with(frames: &mut HostFrames, pages: u64, prot: Prot) -> AddressSpace {
    let mut s = AddressSpace::new();
    assert_eq!(s.mmap_anon(A, pages * P, prot, true, frames).unwrap().0, A);
    s
}

#[test]
fn unmapped_addresses_kill() {
    let mut f = HostFrames::new(8);
    let mut s = space_with(&mut f, 1, Prot::RW);
    for addr in [0, 1, A - 1, A + P, USER_TOP - 1, USER_TOP, u64::MAX] {
        assert_eq!(s.handle_fault(addr, false, &mut f), FaultOutcome::Kill(KillReason::Unmapped), "{addr:#x}");
        assert_eq!(s.handle_fault(addr, true, &mut f), FaultOutcome::Kill(KillReason::Unmapped));
    }
    assert_eq!(s.resident_pages(), 0);
}

#[test]
fn demand_zero_pages() {
    let mut f = HostFrames::new(8);
    let mut s = space_with(&mut f, 3, Prot::RW);
    let m = map(&mut s, &mut f, A + P + 123, false);
    assert_eq!(m.vaddr, A + P);
    assert!(m.writable && !m.flags.exec && !m.flags.uncached);
    assert_eq!(load(&mut s, &mut f, A + P), 0);
    assert_eq!(s.resident_pages(), 1);
    // A second fault on a present page maps the same frame again.
    assert_eq!(map(&mut s, &mut f, A + P, true).frame, m.frame);
    store(&mut s, &mut f, A, 5);
    assert_eq!(load(&mut s, &mut f, A), 5);
    assert_eq!(s.resident_pages(), 2);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn protection_is_honoured() {
    let mut f = HostFrames::new(8);
    let mut s = space_with(&mut f, 1, Prot::READ);
    let m = map(&mut s, &mut f, A, false);
    assert!(!m.writable);
    assert_eq!(s.handle_fault(A, true, &mut f), FaultOutcome::Kill(KillReason::Protection));
    assert!(s.present_page(A, false, &f).is_some());
    assert!(s.present_page(A, true, &f).is_none());

    let (none, _) = s.mmap_anon(0, P, Prot::NONE, false, &mut f).unwrap();
    assert_eq!(s.handle_fault(none, false, &mut f), FaultOutcome::Kill(KillReason::Protection));
    let (text, _) = s.mmap_anon(0, P, Prot::RX, false, &mut f).unwrap();
    let m = map(&mut s, &mut f, text, false);
    assert!(m.flags.exec && !m.writable);
    assert_eq!(s.handle_fault(text, true, &mut f), FaultOutcome::Kill(KillReason::Protection));
}

#[test]
fn mmap_placement_and_errors() {
    let mut f = HostFrames::new(8);
    let mut s = AddressSpace::new();
    assert_eq!(s.mmap_anon(0, 0, Prot::RW, false, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_anon(A + 1, P, Prot::RW, true, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_anon(0, P, Prot::RW, true, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_anon(USER_TOP - P, 2 * P, Prot::RW, true, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_anon(0, u64::MAX, Prot::RW, false, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_anon(0, 1 << 33, Prot::RW, false, &mut f), Err(ENOMEM));
    // A free hint is taken; an unaligned length rounds up.
    let (a, _) = s.mmap_anon(A, P + 1, Prot::RW, false, &mut f).unwrap();
    assert_eq!(a, A);
    assert_eq!(s.regions().lookup(A).unwrap().len(), 2 * P);
    // A busy hint is not.
    let (b, _) = s.mmap_anon(A, P, Prot::RW, false, &mut f).unwrap();
    assert_ne!(b, A);
    assert!(s.regions().lookup(b).is_some());
    // The whole space below 4 GiB minus page 0 can be mapped at once (with
    // the mapped limit raised from its 1 GiB default to all of it).
    let mut t = AddressSpace::new();
    t.set_limits(Limits { max_mapped: USER_TOP, ..Limits::DEFAULT });
    assert_eq!(t.mmap_anon(0, USER_TOP - P, Prot::RW, false, &mut f).unwrap().0, P);
    assert_eq!(t.mmap_anon(0, P, Prot::RW, false, &mut f), Err(ENOMEM));
}

#[test]
fn fixed_mmap_replaces() {
    let mut f = HostFrames::new(8);
    let mut s = space_with(&mut f, 4, Prot::RW);
    for i in 0..4 {
        store(&mut s, &mut f, A + i * P, 10 + i);
    }
    let (a, released) = s.mmap_anon(A + P, 2 * P, Prot::READ, true, &mut f).unwrap();
    assert_eq!(a, A + P);
    assert_eq!(released.unmapped.len(), 2);
    reclaim(released, &mut f);
    assert_eq!(load(&mut s, &mut f, A + P), 0);
    assert_eq!(load(&mut s, &mut f, A + 3 * P), 13);
    assert_eq!(s.regions().len(), 3);
}

#[test]
fn munmap_partial_keeps_the_rest() {
    let mut f = HostFrames::new(16);
    let mut s = space_with(&mut f, 8, Prot::RW);
    for i in 0..8 {
        store(&mut s, &mut f, A + i * P, 100 + i);
    }
    for (addr, pages) in [(A, 1), (A + 7 * P, 1), (A + 3 * P, 2)] {
        let r = s.munmap(addr, pages * P, &mut f).unwrap();
        assert_eq!(r.to_free.len() as u64, pages);
        reclaim(r, &mut f);
    }
    for i in [1, 2, 5, 6] {
        assert_eq!(load(&mut s, &mut f, A + i * P), 100 + i);
    }
    for i in [0, 3, 4, 7] {
        assert_eq!(s.handle_fault(A + i * P, false, &mut f), FaultOutcome::Kill(KillReason::Unmapped));
    }
    assert_eq!(s.resident_pages(), 4);
    assert_eq!(s.munmap(A + 1, P, &mut f), Err(EINVAL));
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.free_count(), 16);
}

#[test]
fn contig_never_faults_and_enomem_changes_nothing() {
    let mut f = HostFrames::new(6);
    let mut s = AddressSpace::new();
    let (c, _) = s.mmap_contig(0, 4 * P, Prot::RW, false, &mut f).unwrap();
    assert_eq!(s.resident_pages(), 4);
    let frames: Vec<_> = (0..4).map(|i| map(&mut s, &mut f, c + i * P, true).frame).collect();
    assert_eq!(f.in_use(), 4);
    assert!(frames.windows(2).all(|w| matches!(w, [PageFrame::Pool(a), PageFrame::Pool(b)] if b.0 == a.0 + 1)));
    // No room for 4 more: a fixed mapping over the old one fails and leaves it.
    assert_eq!(s.mmap_contig(c, 4 * P, Prot::RW, true, &mut f), Err(ENOMEM));
    assert_eq!(s.resident_pages(), 4);
    assert_eq!(map(&mut s, &mut f, c, false).frame, frames[0]);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.free_count(), 6);
}

#[test]
fn direct_phys_maps_physical_pages() {
    let mut f = HostFrames::new(0);
    let mut s = AddressSpace::new();
    let phys = 0xfee0_0000;
    let (a, _) = s.map_phys(0, 2 * P, phys, Prot::RW, false, &mut f).unwrap();
    let m = map(&mut s, &mut f, a + P, true);
    assert_eq!(m.frame, PageFrame::Phys(phys + P));
    assert!(m.writable && m.flags.uncached);
    assert_eq!(s.map_phys(0, P, phys + 1, Prot::RW, false, &mut f), Err(EINVAL));
    assert_eq!(s.map_phys(0, 2 * P, u64::MAX - P + 1, Prot::RW, false, &mut f), Err(EINVAL));
    let r = s.munmap(a, 2 * P, &mut f).unwrap();
    assert_eq!(r.unmapped, vec![(a + P, PageFrame::Phys(phys + P))]);
    assert!(r.to_free.is_empty());
}

#[test]
fn file_pages_complete_later() {
    let mut f = HostFrames::new(8);
    let mut s = AddressSpace::new();
    let file = FileRef { dev: 3, ino: 42 };
    assert_eq!(s.mmap_file(0, P, Prot::RW, false, true, file, 0, &mut f), Err(EINVAL));
    assert_eq!(s.mmap_file(0, P, Prot::READ, false, true, file, 1, &mut f), Err(EINVAL));
    let (a, _) = s.mmap_file(0, 3 * P, Prot::RW, false, false, file, 8 * P, &mut f).unwrap();
    let req = PageIn { file, offset: 9 * P, vaddr: a + P, write: false };
    assert_eq!(s.handle_fault(a + P + 7, false, &mut f), FaultOutcome::Later(req));

    // The cache's frame arrives; the cache keeps its reference.
    let cache = f.alloc_zeroed().unwrap();
    f.write(cache, 77);
    let FaultOutcome::Map(m) = s.complete_page_in(a + P, false, cache, &mut f) else { panic!() };
    assert_eq!((m.frame, m.writable), (PageFrame::Pool(cache), false));
    assert_eq!(f.refcount(cache), 2);
    // A write copies into a private page; the cache page is untouched.
    store(&mut s, &mut f, a + P, 78);
    assert_eq!(f.content(cache), Some(77));
    assert_eq!(load(&mut s, &mut f, a + P), 78);
    assert_eq!(f.refcount(cache), 1);
    // A write fault completing later copies at once.
    let FaultOutcome::Later(req) = s.handle_fault(a, true, &mut f) else { panic!() };
    assert!(req.write);
    let FaultOutcome::Map(m) = s.complete_page_in(a, true, cache, &mut f) else { panic!() };
    assert!(m.writable && m.frame != PageFrame::Pool(cache));
    // A completion for a page that went away is just a retried fault.
    reclaim(s.munmap(a + 2 * P, P, &mut f).unwrap(), &mut f);
    assert_eq!(s.complete_page_in(a + 2 * P, false, cache, &mut f), FaultOutcome::Kill(KillReason::Unmapped));
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.refcount(cache), 1);
    assert_eq!(f.in_use(), 1);
}

#[test]
fn shared_region_sees_the_same_pages() {
    let mut f = HostFrames::new(16);
    let mut src = space_with(&mut f, 4, Prot::RW);
    store(&mut src, &mut f, A + P, 1);
    // A fork before sharing: the child's copy must stay private.
    let mut old_child = src.fork(&mut f).unwrap().child;

    let mut dst = AddressSpace::new();
    assert_eq!(dst.share_from(&mut src, 7, A + 3 * P, 2 * P, 0, Prot::RW, &mut f), Err(EINVAL));
    assert_eq!(dst.share_from(&mut src, 7, A + 1, P, 0, Prot::RW, &mut f), Err(EINVAL));
    let (d, remaps) = dst.share_from(&mut src, 7, A + P, 2 * P, 0, Prot::RW, &mut f).unwrap();
    // Page 1 broke copy-on-write, page 2 was allocated: both remapped.
    assert_eq!(remaps.len(), 2);
    assert!(remaps.iter().all(|m| m.writable));
    assert_eq!(dst.resident_pages(), 2);
    assert!(matches!(dst.regions().lookup(d).unwrap().mem(), MemType::Shared(s) if s.source == 7));

    assert_eq!(load(&mut dst, &mut f, d), 1);
    store(&mut dst, &mut f, d + P, 2);
    assert_eq!(load(&mut src, &mut f, A + 2 * P), 2);
    store(&mut src, &mut f, A + P, 3);
    assert_eq!(load(&mut dst, &mut f, d), 3);
    assert_eq!(load(&mut old_child, &mut f, A + P), 1);
    // The source's shared part is its own region now.
    assert_eq!(src.regions().len(), 3);

    // Shared memory stays shared across fork, in both processes.
    let mut child = src.fork(&mut f).unwrap().child;
    store(&mut child, &mut f, A + P, 4);
    assert_eq!(load(&mut dst, &mut f, d), 4);
    let mut dchild = dst.fork(&mut f).unwrap().child;
    store(&mut dchild, &mut f, d + P, 5);
    assert_eq!(load(&mut src, &mut f, A + 2 * P), 5);

    for s in [&mut src, &mut dst, &mut old_child, &mut child, &mut dchild] {
        let r = s.exit(&mut f);
        reclaim(r, &mut f);
    }
    assert_eq!(f.in_use(), 0);
}

#[test]
fn fault_enomem_changes_nothing() {
    let mut f = HostFrames::new(1);
    let mut s = space_with(&mut f, 2, Prot::RW);
    store(&mut s, &mut f, A, 9);
    assert_eq!(s.handle_fault(A + P, false, &mut f), FaultOutcome::Kill(KillReason::NoMemory));
    assert_eq!(s.resident_pages(), 1);
    assert!(s.page(A + P).is_none());
    f.set_limit(2);
    assert_eq!(load(&mut s, &mut f, A + P), 0);
    assert_eq!(load(&mut s, &mut f, A), 9);
}

#[test]
fn present_run_matches_present_page() {
    use vm_server::host_frames::HostFrames;
    use vm_server::{AddressSpace, FaultOutcome, Prot, PAGE_SIZE};
    let mut frames = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let (base, _) = s.mmap_anon(0, 8 * PAGE_SIZE, Prot::RW, false, &mut frames).unwrap();
    // Pages 0, 1, 2 and 4 present; 3 missing.
    for i in [0u64, 1, 2, 4] {
        assert!(matches!(s.handle_fault(base + i * PAGE_SIZE, true, &mut frames), FaultOutcome::Map(_)));
    }
    let mut out = Vec::new();
    assert_eq!(s.present_run(base + 5, 8, true, &frames, &mut out), 3);
    for (i, f) in out.iter().enumerate() {
        assert_eq!(Some(*f), s.present_page(base + i as u64 * PAGE_SIZE, true, &frames));
    }
    out.clear();
    assert_eq!(s.present_run(base, 2, false, &frames, &mut out), 2);
    out.clear();
    assert_eq!(s.present_run(base + 3 * PAGE_SIZE, 8, false, &frames, &mut out), 0);
    assert_eq!(s.present_run(base + 4 * PAGE_SIZE, 8, false, &frames, &mut out), 1);
    out.clear();
    assert_eq!(s.present_run(0xdead_0000, 8, false, &frames, &mut out), 0);
    // After fork the pages are copy-on-write: present for reads, not writes.
    let forked = s.fork(&mut frames).unwrap();
    let mut child = forked.child;
    assert_eq!(s.present_run(base, 8, true, &frames, &mut out), 0);
    assert_eq!(s.present_run(base, 8, false, &frames, &mut out), 3);
    child.exit(&mut frames).free_all(&mut frames);
    s.exit(&mut frames).free_all(&mut frames);
}

#[test]
fn file_regions_found_by_range() {
    let mut f = HostFrames::new(8);
    let mut s = AddressSpace::new();
    let (x, y) = (FileRef { dev: 1, ino: 5 }, FileRef { dev: 1, ino: 6 });
    let (a, _) = s.mmap_file(0x1000_0000, 2 * P, Prot::READ, true, true, x, 0, &mut f).unwrap();
    let (b, _) = s.mmap_file(0x1000_4000, 2 * P, Prot::READ, true, true, y, 0, &mut f).unwrap();
    let (anon, _) = s.mmap_anon(0x1000_8000, P, Prot::RW, true, &mut f).unwrap();
    assert_eq!((a, b, anon), (0x1000_0000, 0x1000_4000, 0x1000_8000));
    assert_eq!(s.files_in(a + P, 1), [x], "inside the first region");
    assert_eq!(s.files_in(a + 2 * P, 2 * P), [], "the gap between them");
    assert_eq!(s.files_in(a + P, 4 * P), [x, y]);
    assert_eq!(s.files_in(anon, P), []);
    assert_eq!(s.files_in(a, 0), []);
    assert!(s.maps_file(y) && !s.maps_file(FileRef { dev: 1, ino: 7 }));
    s.munmap(b, 2 * P, &mut f).unwrap();
    assert!(!s.maps_file(y));
}

#[test]
fn window_pages_swap_and_hole_pages_drop() {
    use vm_server::page::Page;
    let mut f = HostFrames::new(8);
    // The FS's window: an anonymous region whose own page is set aside
    // while a page-cache frame is lent there, then put back.
    let mut fs = space_with(&mut f, 2, Prot::RW);
    store(&mut fs, &mut f, A, 5);
    let lent = f.alloc_zeroed().unwrap();
    f.add_ref(lent);
    let (own, m) = fs.swap_page(A, Some(Page::own(lent)), &f).unwrap();
    let own = own.expect("the window's own page");
    let m = m.unwrap();
    assert_eq!((m.frame, m.writable), (PageFrame::Pool(lent), true), "lent writable");
    store(&mut fs, &mut f, A, 9);
    assert_eq!(f.content(lent), Some(9), "the FS writes into the lent frame");
    let (back, _) = fs.swap_page(A, Some(own), &f).unwrap();
    assert_eq!(back.map(|p| p.frame), Some(PageFrame::Pool(lent)));
    f.drop_ref(lent);
    assert_eq!(load(&mut fs, &mut f, A), 5, "the own page is back");
    assert_eq!(fs.swap_page(A + 4 * P, None, &f), Err(EINVAL), "outside any region");

    // A hole page mapped in two file regions and a private copy of it:
    // only the file's own page goes.
    let mut s = AddressSpace::new();
    let file = FileRef { dev: 1, ino: 9 };
    let (a, _) = s.mmap_file(0, 2 * P, Prot::RW, false, false, file, 0, &mut f).unwrap();
    let (b, _) = s.mmap_file(0, P, Prot::READ, false, true, file, P, &mut f).unwrap();
    let FaultOutcome::Map(_) = s.complete_page_in(a + P, false, lent, &mut f) else { panic!() };
    let FaultOutcome::Map(_) = s.complete_page_in(b, false, lent, &mut f) else { panic!() };
    let FaultOutcome::Map(_) = s.complete_page_in(a, false, lent, &mut f) else { panic!() };
    store(&mut s, &mut f, a, 1);
    assert_eq!(f.refcount(lent), 3, "the run's reference and two mappings");
    let rel = s.drop_file_page(file, 1, &mut f);
    let mut gone: Vec<u64> = rel.unmapped.iter().map(|(v, _)| *v).collect();
    gone.sort();
    assert_eq!(gone, [a + P, b]);
    assert!(s.page(a + P).is_none() && s.page(b).is_none());
    assert_eq!(f.refcount(lent), 1);
    assert!(s.drop_file_page(file, 0, &mut f).unmapped.is_empty(), "a private copy stays");
    assert_eq!(load(&mut s, &mut f, a), 1);
}
