// SPDX-License-Identifier: BSD-2-Clause
//! The region map: insertion, overlap, alignment, address-space edges,
//! first fit, partial unmaps, splits, merges and resizing.

mod common;

use common::{reclaim, P};
use minix_abi::errno::{EINVAL, ENOMEM};
use vm_server::host_frames::HostFrames;
use vm_server::memtype::{Anon, AnonContig, DirectPhys};
use vm_server::page::PageFrame;
use vm_server::{MemType, Prot, RegionMap, USER_BOTTOM, USER_TOP};

const BASE: u64 = 0x10_0000;

fn anon(map: &mut RegionMap, f: &mut HostFrames, start: u64, pages: u64) {
    map.insert(start, pages * P, Prot::RW, MemType::anon(), f).unwrap();
}

fn shape(map: &RegionMap) -> Vec<(u64, u64)> {
    map.iter().map(|r| (r.start(), r.end())).collect()
}

#[test]
fn insert_and_lookup() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    anon(&mut m, &mut f, BASE, 3);
    assert_eq!(m.lookup(BASE).unwrap().start(), BASE);
    assert_eq!(m.lookup(BASE + 3 * P - 1).unwrap().start(), BASE);
    assert!(m.lookup(BASE + 3 * P).is_none());
    assert!(m.lookup(BASE - 1).is_none());
    assert!(m.lookup(u64::MAX).is_none());
    assert_eq!(m.lookup(BASE).unwrap().prot(), Prot::RW);
}

#[test]
fn overlap_is_einval() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    anon(&mut m, &mut f, BASE + 2 * P, 4);
    for (start, pages) in [(BASE + 2 * P, 4), (BASE, 3), (BASE + 5 * P, 2), (BASE, 10), (BASE + 3 * P, 1)] {
        assert_eq!(m.insert(start, pages * P, Prot::RW, MemType::anon(), &mut f), Err(EINVAL), "{start:#x}+{pages}");
    }
    // Touching on either side is fine.
    anon(&mut m, &mut f, BASE, 2);
    anon(&mut m, &mut f, BASE + 6 * P, 1);
    assert_eq!(m.len(), 3);
}

#[test]
fn alignment_and_zero_length() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    for (start, len) in [(BASE + 1, P), (BASE, P + 1), (BASE, 0), (BASE, 1)] {
        assert_eq!(m.insert(start, len, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    }
    assert_eq!(m.unmap(BASE + 1, P, &mut f), Err(EINVAL));
    assert_eq!(m.unmap(BASE, 0, &mut f), Err(EINVAL));
    assert_eq!(m.find_free(0, 0, USER_TOP), Err(EINVAL));
    assert_eq!(m.find_free(P + 1, 0, USER_TOP), Err(EINVAL));
    // An unaligned unmap length rounds up to whole pages.
    anon(&mut m, &mut f, BASE, 3);
    m.unmap(BASE, P + 1, &mut f).unwrap();
    assert_eq!(shape(&m), vec![(BASE + 2 * P, BASE + 3 * P)]);
    assert!(m.is_free(BASE, 2 * P));
}

#[test]
fn address_space_edges() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    // Page 0 stays unmapped; page 1 is the lowest mapping.
    assert_eq!(m.insert(0, P, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    assert_eq!(m.insert(0, 2 * P, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    anon(&mut m, &mut f, USER_BOTTOM, 1);
    // A region may end exactly at 4 GiB, not past it.
    anon(&mut m, &mut f, USER_TOP - 2 * P, 2);
    assert_eq!(m.lookup(USER_TOP - 1).unwrap().end(), USER_TOP);
    assert_eq!(m.insert(USER_TOP, P, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    assert_eq!(m.insert(USER_TOP - P, 2 * P, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    // Wrap-around with huge lengths: errors, never a panic.
    let huge = u64::MAX - (P - 1);
    assert_eq!(m.insert(USER_TOP - P, huge, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    assert_eq!(m.insert(huge, P, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    assert_eq!(m.insert(huge, huge, Prot::RW, MemType::anon(), &mut f), Err(EINVAL));
    assert_eq!(m.unmap(USER_TOP - P, u64::MAX, &mut f), Err(EINVAL));
    assert_eq!(m.unmap(USER_TOP - P, huge, &mut f), Err(EINVAL));
    assert_eq!(m.unmap(huge, P, &mut f), Err(EINVAL));
    assert_eq!(m.find_free(huge, 0, u64::MAX), Err(ENOMEM));
    assert_eq!(m.find_free(P, u64::MAX, u64::MAX), Err(ENOMEM));
    assert_eq!(m.find_free(P, u64::MAX - 5, 3), Err(ENOMEM));
    assert!(m.is_free(huge, huge));
    assert!(m.resize(USER_TOP - 2 * P, huge, &mut f).is_err());
    assert_eq!(m.resize(USER_TOP - 2 * P, 3 * P, &mut f), Err(ENOMEM));
    // Unmapping page 0 (nothing there) and the very top works.
    assert!(m.unmap(0, P, &mut f).unwrap().is_empty());
    m.unmap(USER_TOP - P, P, &mut f).unwrap();
    assert_eq!(shape(&m), vec![(P, 2 * P), (USER_TOP - 2 * P, USER_TOP - P)]);
}

#[test]
fn first_fit() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    assert_eq!(m.find_free(P, 0, USER_TOP), Ok(USER_BOTTOM));
    anon(&mut m, &mut f, BASE, 2);
    anon(&mut m, &mut f, BASE + 3 * P, 2);
    anon(&mut m, &mut f, BASE + 8 * P, 1);
    assert_eq!(m.find_free(P, BASE, USER_TOP), Ok(BASE + 2 * P));
    assert_eq!(m.find_free(3 * P, BASE, USER_TOP), Ok(BASE + 5 * P));
    assert_eq!(m.find_free(4 * P, BASE, USER_TOP), Ok(BASE + 9 * P));
    // Starting inside a region; an unaligned lower bound rounds up.
    assert_eq!(m.find_free(P, BASE + P, USER_TOP), Ok(BASE + 2 * P));
    assert_eq!(m.find_free(P, BASE + 2 * P + 1, USER_TOP), Ok(BASE + 5 * P));
    // The upper bound is respected.
    assert_eq!(m.find_free(4 * P, BASE, BASE + 9 * P), Err(ENOMEM));
    assert_eq!(m.find_free(3 * P, BASE, BASE + 8 * P), Ok(BASE + 5 * P));
    // The last gap ends exactly at 4 GiB.
    anon(&mut m, &mut f, USER_TOP - 4 * P, 2);
    assert_eq!(m.find_free(2 * P, USER_TOP - 4 * P, u64::MAX), Ok(USER_TOP - 2 * P));
    assert_eq!(m.find_free(3 * P, USER_TOP - 4 * P, u64::MAX), Err(ENOMEM));
}

/// An 8-page contiguous region: every page present, frames known.
fn contig8(m: &mut RegionMap, f: &mut HostFrames) -> Vec<PageFrame> {
    m.insert(BASE, 8 * P, Prot::RW, MemType::AnonContig(AnonContig), f).unwrap();
    m.lookup(BASE).unwrap().pages().values().map(|p| p.frame).collect()
}

fn frames_of(m: &RegionMap, start: u64) -> Vec<PageFrame> {
    m.lookup(start).unwrap().pages().values().map(|p| p.frame).collect()
}

#[test]
fn partial_unmap_start_middle_end() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    let fr = contig8(&mut m, &mut f);
    assert_eq!(f.in_use(), 8);

    // Start: the region shrinks from below.
    let r = m.unmap(BASE, P, &mut f).unwrap();
    assert_eq!(r.unmapped, vec![(BASE, fr[0])]);
    reclaim(r, &mut f);
    assert_eq!(shape(&m), vec![(BASE + P, BASE + 8 * P)]);

    // End: truncated.
    let r = m.unmap(BASE + 7 * P, P, &mut f).unwrap();
    assert_eq!(r.unmapped, vec![(BASE + 7 * P, fr[7])]);
    reclaim(r, &mut f);
    assert_eq!(shape(&m), vec![(BASE + P, BASE + 7 * P)]);

    // Middle: split in two, pages following their halves.
    let r = m.unmap(BASE + 3 * P, 2 * P, &mut f).unwrap();
    assert_eq!(r.to_free.len(), 2);
    reclaim(r, &mut f);
    assert_eq!(shape(&m), vec![(BASE + P, BASE + 3 * P), (BASE + 5 * P, BASE + 7 * P)]);
    assert_eq!(frames_of(&m, BASE + P), fr[1..3].to_vec());
    assert_eq!(frames_of(&m, BASE + 5 * P), fr[5..7].to_vec());
    assert_eq!(m.resident_pages(), 4);
    assert_eq!(f.in_use(), 4);

    let r = m.clear(&mut f);
    reclaim(r, &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn unmap_across_regions_and_gaps() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    anon(&mut m, &mut f, BASE, 3);
    anon(&mut m, &mut f, BASE + 4 * P, 2);
    m.insert(BASE + 7 * P, 3 * P, Prot::READ, MemType::anon(), &mut f).unwrap();
    m.unmap(BASE + 2 * P, 6 * P, &mut f).unwrap();
    assert_eq!(shape(&m), vec![(BASE, BASE + 2 * P), (BASE + 8 * P, BASE + 10 * P)]);
    assert_eq!(m.lookup(BASE + 8 * P).unwrap().prot(), Prot::READ);
    // Unmapping an empty range, or everything, is fine.
    assert!(m.unmap(BASE + 3 * P, 4 * P, &mut f).unwrap().is_empty());
    m.unmap(USER_BOTTOM, USER_TOP - USER_BOTTOM, &mut f).unwrap();
    assert!(m.is_empty());
}

#[test]
fn direct_phys_keeps_offsets_through_cuts() {
    let mut f = HostFrames::new(0);
    let mut m = RegionMap::new();
    let phys = 0xfe00_0000;
    m.insert(BASE, 6 * P, Prot::RW, MemType::DirectPhys(DirectPhys { phys }), &mut f).unwrap();
    m.unmap(BASE, P, &mut f).unwrap(); // lowshrink
    m.unmap(BASE + 3 * P, P, &mut f).unwrap(); // split
    let regions: Vec<_> = m.iter().map(|r| (r.start(), r.mem().clone())).collect();
    assert_eq!(
        regions,
        vec![
            (BASE + P, MemType::DirectPhys(DirectPhys { phys: phys + P })),
            (BASE + 4 * P, MemType::DirectPhys(DirectPhys { phys: phys + 4 * P })),
        ]
    );
}

#[test]
fn split_at() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    anon(&mut m, &mut f, BASE, 4);
    assert!(!m.split_at(BASE));
    assert!(!m.split_at(BASE + 4 * P));
    assert!(!m.split_at(BASE + P + 1));
    assert!(m.split_at(BASE + P));
    assert_eq!(shape(&m), vec![(BASE, BASE + P), (BASE + P, BASE + 4 * P)]);
}

#[test]
fn merge_adjacent_private_anon_only() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    anon(&mut m, &mut f, BASE, 2);
    anon(&mut m, &mut f, BASE + 2 * P, 1);
    anon(&mut m, &mut f, BASE + 3 * P, 1);
    m.merge_around(BASE + 2 * P);
    assert_eq!(shape(&m), vec![(BASE, BASE + 4 * P)]);

    // Different protection, shared anonymous or another type: no merge.
    m.insert(BASE + 4 * P, P, Prot::READ, MemType::anon(), &mut f).unwrap();
    m.insert(BASE + 5 * P, P, Prot::RW, MemType::Anon(Anon { shared: true }), &mut f).unwrap();
    m.insert(BASE + 6 * P, P, Prot::RW, MemType::AnonContig(AnonContig), &mut f).unwrap();
    m.insert(BASE + 8 * P, P, Prot::RW, MemType::anon(), &mut f).unwrap();
    for a in [BASE + 4 * P, BASE + 5 * P, BASE + 6 * P, BASE + 8 * P] {
        m.merge_around(a);
    }
    assert_eq!(m.len(), 5);
    m.merge_around(BASE + 100 * P); // nothing there
    assert_eq!(m.len(), 5);
}

#[test]
fn resize_grows_and_shrinks() {
    let mut f = HostFrames::new(16);
    let mut m = RegionMap::new();
    anon(&mut m, &mut f, BASE, 2);
    anon(&mut m, &mut f, BASE + 6 * P, 1);
    m.resize(BASE, 6 * P, &mut f).unwrap();
    assert_eq!(m.lookup(BASE).unwrap().end(), BASE + 6 * P);
    assert_eq!(m.resize(BASE, 7 * P, &mut f), Err(ENOMEM));
    assert_eq!(m.resize(BASE, 5 * P + 1, &mut f), Err(EINVAL));
    assert_eq!(m.resize(BASE + P, 2 * P, &mut f), Err(EINVAL));
    m.resize(BASE, P, &mut f).unwrap();
    assert_eq!(m.lookup(BASE).unwrap().end(), BASE + P);
    m.resize(BASE, 0, &mut f).unwrap();
    assert!(m.lookup(BASE).is_none());
    // Contiguous memory cannot grow.
    m.insert(BASE, P, Prot::RW, MemType::AnonContig(AnonContig), &mut f).unwrap();
    assert_eq!(m.resize(BASE, 2 * P, &mut f), Err(EINVAL));
    let r = m.clear(&mut f);
    reclaim(r, &mut f);
}

#[test]
fn contig_enomem_creates_nothing() {
    let mut f = HostFrames::new(3);
    let mut m = RegionMap::new();
    assert_eq!(m.insert(BASE, 4 * P, Prot::RW, MemType::AnonContig(AnonContig), &mut f), Err(ENOMEM));
    assert!(m.is_empty());
    assert_eq!(f.free_count(), 3);
}
