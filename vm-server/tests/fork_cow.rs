// SPDX-License-Identifier: BSD-2-Clause
//! fork and copy-on-write: isolation both ways, downgrades, frame reuse,
//! ENOMEM, and 100 fork/exit cycles returning every frame.

mod common;

use common::{load, map, reclaim, store, P};
use minix_abi::errno::ENOMEM;
use vm_server::host_frames::HostFrames;
use vm_server::page::PageFrame;
use vm_server::{AddressSpace, FaultOutcome, FrameAllocator, KillReason, Prot};

const A: u64 = 0x40_0000;

fn parent(f: &mut HostFrames, pages: u64) -> AddressSpace {
    let mut s = AddressSpace::new();
    s.mmap_anon(A, pages * P, Prot::RW, true, f).unwrap();
    for i in 0..pages {
        store(&mut s, f, A + i * P, 1 + i);
    }
    s
}

#[test]
fn cow_isolation_both_ways() {
    let mut f = HostFrames::new(32);
    let mut p = parent(&mut f, 2);
    let used = f.in_use();
    let forked = p.fork(&mut f).unwrap();
    let mut c = forked.child;
    assert_eq!(f.in_use(), used, "fork copies nothing");
    let mut down: Vec<_> = forked.downgrade.iter().map(|m| (m.vaddr, m.writable)).collect();
    down.sort();
    assert_eq!(down, vec![(A, false), (A + P, false)]);
    assert!(p.page(A).unwrap().cow && c.page(A).unwrap().cow);
    assert_eq!(p.resident_pages(), 2);
    assert_eq!(c.resident_pages(), 2);

    // The child reads the parent's frame, read-only.
    let m = map(&mut c, &mut f, A, false);
    assert!(!m.writable);
    assert_eq!(m.frame, p.page(A).unwrap().frame);
    assert_eq!(load(&mut c, &mut f, A), 1);

    // A child write gets a new frame; the parent keeps its own.
    store(&mut c, &mut f, A, 10);
    assert_ne!(c.page(A).unwrap().frame, p.page(A).unwrap().frame);
    assert_eq!(load(&mut p, &mut f, A), 1);
    assert_eq!(load(&mut c, &mut f, A), 10);

    // A parent write does the same the other way.
    store(&mut p, &mut f, A + P, 20);
    assert_eq!(load(&mut c, &mut f, A + P), 2);
    assert_eq!(load(&mut p, &mut f, A + P), 20);

    // No one else holds the parent's page A now: the write takes it over.
    let before = (p.page(A).unwrap().frame, f.in_use());
    let m = map(&mut p, &mut f, A, true);
    assert!(m.writable);
    assert_eq!((m.frame, f.in_use()), before);
    assert!(!p.page(A).unwrap().cow);

    // New pages after fork are private to each.
    p.mmap_anon(A + 2 * P, P, Prot::RW, true, &mut f).unwrap();
    store(&mut p, &mut f, A + 2 * P, 30);
    assert_eq!(c.handle_fault(A + 2 * P, false, &mut f), FaultOutcome::Kill(KillReason::Unmapped));

    reclaim(c.exit(&mut f), &mut f);
    reclaim(p.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

/// `MAP_SHARED | MAP_ANONYMOUS`: after fork both see each other's
/// stores in the same frames and nothing is downgraded; a page nobody
/// touched before the fork is made present by `populate_shared`, so it
/// too is one page for both.
#[test]
fn shared_anonymous_pages_are_shared_across_fork() {
    let mut f = HostFrames::new(32);
    let mut p = AddressSpace::new();
    let (at, _) = p.mmap_shared_anon(0, 2 * P, Prot::RW, false, &mut f).unwrap();
    store(&mut p, &mut f, at, 7);
    p.populate_shared(&mut f).unwrap();
    let forked = p.fork(&mut f).unwrap();
    assert!(forked.downgrade.is_empty(), "shared pages stay writable");
    let mut c = forked.child;
    assert_eq!(load(&mut c, &mut f, at), 7);
    store(&mut c, &mut f, at, 8);
    assert_eq!(load(&mut p, &mut f, at), 8, "the parent sees the child's store");
    assert_eq!(c.page(at).unwrap().frame, p.page(at).unwrap().frame);
    store(&mut c, &mut f, at + P, 9);
    assert_eq!(load(&mut p, &mut f, at + P), 9, "a page untouched before the fork is shared too");
    reclaim(c.exit(&mut f), &mut f);
    assert_eq!(load(&mut p, &mut f, at), 8, "the frame outlives the child");
    reclaim(p.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn downgrade_lists_only_writable_mappings() {
    let mut f = HostFrames::new(32);
    let mut p = parent(&mut f, 1);
    let (ro, _) = p.mmap_anon(0, P, Prot::READ, false, &mut f).unwrap();
    map(&mut p, &mut f, ro, false);
    p.mmap_anon(A + 4 * P, P, Prot::RW, true, &mut f).unwrap(); // never touched
    let forked = p.fork(&mut f).unwrap();
    let down: Vec<_> = forked.downgrade.iter().map(|m| m.vaddr).collect();
    assert_eq!(down, vec![A]);
    // A second fork: the page is already copy-on-write, nothing to downgrade.
    let again = p.fork(&mut f).unwrap();
    assert!(again.downgrade.is_empty());
    assert_eq!(f.refcount(p.page(A).unwrap().frame.pool().unwrap()), 3);
    for mut s in [forked.child, again.child, p] {
        reclaim(s.exit(&mut f), &mut f);
    }
    assert_eq!(f.in_use(), 0);
}

#[test]
fn grandchildren_stay_isolated() {
    let mut f = HostFrames::new(32);
    let mut p = parent(&mut f, 1);
    let mut c = p.fork(&mut f).unwrap().child;
    let mut g = c.fork(&mut f).unwrap().child;
    store(&mut g, &mut f, A, 3);
    store(&mut c, &mut f, A, 2);
    assert_eq!([load(&mut p, &mut f, A), load(&mut c, &mut f, A), load(&mut g, &mut f, A)], [1, 2, 3]);
    for mut s in [p, c, g] {
        reclaim(s.exit(&mut f), &mut f);
    }
    assert_eq!(f.in_use(), 0);
}

#[test]
fn hundred_fork_exit_cycles_return_every_frame() {
    let mut f = HostFrames::new(256);
    let start = f.free_count();
    let mut p = parent(&mut f, 4);
    p.init_brk(0x10_0000).unwrap();
    p.brk(0x10_0000 + 3 * P, &mut f).unwrap();
    store(&mut p, &mut f, 0x10_0000, 7);
    let (contig, _) = p.mmap_contig(0, 2 * P, Prot::RW, false, &mut f).unwrap();
    store(&mut p, &mut f, contig, 8);
    for i in 0..100u64 {
        let forked = p.fork(&mut f).unwrap();
        let mut c = forked.child;
        store(&mut c, &mut f, A + (i % 4) * P, 1000 + i);
        store(&mut c, &mut f, 0x10_0000 + P, i);
        store(&mut c, &mut f, contig + P, i);
        c.brk(0x10_0000 + 8 * P, &mut f).unwrap();
        store(&mut c, &mut f, 0x10_0000 + 7 * P, i);
        reclaim(c.munmap(A + 3 * P, P, &mut f).unwrap(), &mut f);
        assert_eq!(load(&mut c, &mut f, contig), 8);
        reclaim(c.exit(&mut f), &mut f);
        // The parent writes too: sometimes a copy, mostly a takeover.
        store(&mut p, &mut f, A + ((i + 1) % 4) * P, 2000 + i);
        assert_eq!(f.in_use(), p.resident_pages() as u64, "cycle {i} leaked");
    }
    assert_eq!(load(&mut p, &mut f, 0x10_0000), 7);
    reclaim(p.exit(&mut f), &mut f);
    assert_eq!(f.free_count(), start);
    assert_eq!(f.bad_frees(), 0);
}

#[test]
fn fork_enomem_changes_nothing() {
    let mut f = HostFrames::new(6);
    let mut p = parent(&mut f, 2);
    let (contig, _) = p.mmap_contig(0, 3 * P, Prot::RW, false, &mut f).unwrap();
    store(&mut p, &mut f, contig, 5);
    assert_eq!(f.free_count(), 1);
    let before = p.clone();
    assert_eq!(p.fork(&mut f).err(), Some(ENOMEM));
    assert_eq!(p, before);
    assert_eq!(f.free_count(), 1);
    assert!(!p.page(A).unwrap().cow);
    assert_eq!(f.refcount(p.page(A).unwrap().frame.pool().unwrap()), 1);
    f.set_limit(9);
    let mut c = p.fork(&mut f).unwrap().child;
    store(&mut c, &mut f, contig, 6);
    assert_eq!(load(&mut p, &mut f, contig), 5);
    for mut s in [p, c] {
        reclaim(s.exit(&mut f), &mut f);
    }
    assert_eq!(f.in_use(), 0);
}

#[test]
fn cow_break_enomem_changes_nothing() {
    let mut f = HostFrames::new(2);
    let mut p = parent(&mut f, 2);
    let mut c = p.fork(&mut f).unwrap().child;
    let shared = c.page(A).unwrap();
    assert_eq!(c.handle_fault(A, true, &mut f), FaultOutcome::Kill(KillReason::NoMemory));
    assert_eq!(c.page(A), Some(shared));
    let PageFrame::Pool(frame) = shared.frame else { panic!() };
    assert_eq!(f.refcount(frame), 2);
    assert_eq!(load(&mut c, &mut f, A), 1);
    f.set_limit(3);
    store(&mut c, &mut f, A, 9);
    assert_eq!(load(&mut p, &mut f, A), 1);
    for mut s in [p, c] {
        reclaim(s.exit(&mut f), &mut f);
    }
    assert_eq!(f.in_use(), 0);
}
