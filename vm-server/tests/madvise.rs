// SPDX-License-Identifier: BSD-2-Clause
//! madvise: MADV_DONTNEED and MADV_FREE let private pages go (anonymous
//! memory reads zero again, a private file mapping shows the file), keep
//! what others see, and refuse what Linux refuses.

mod common;

use common::{load, reclaim, store, P};
use minix_abi::errno::EINVAL;
use minix_abi::vm::{MADV_DONTNEED, MADV_FREE, MADV_NORMAL, MADV_WILLNEED};
use vm_server::host_frames::HostFrames;
use vm_server::memtype::FileRef;
use vm_server::{AddressSpace, FrameAllocator, Prot};

#[test]
fn dontneed_gives_private_anonymous_pages_back_as_zero() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let (base, _) = s.mmap_anon(0x4000_0000, 8 * P, Prot::RW, true, &mut f).unwrap();
    for i in 0..8 {
        store(&mut s, &mut f, base + i * P, 100 + i);
    }
    let used = f.in_use();
    // Pages 2..5 go; the others keep their bytes.
    let (rel, hole) = s.advise(base + 2 * P, 3 * P, MADV_DONTNEED, &mut f).unwrap();
    assert!(!hole);
    assert_eq!(rel.unmapped.len(), 3);
    reclaim(rel, &mut f);
    assert_eq!(f.in_use(), used - 3, "their frames are free");
    assert_eq!(s.resident_pages(), 5);
    for i in 0..8 {
        let want = if (2..5).contains(&i) { 0 } else { 100 + i };
        assert_eq!(load(&mut s, &mut f, base + i * P), want, "page {i}");
    }
    // MADV_FREE the same, and a length that is not whole pages rounds up.
    let (rel, _) = s.advise(base, P + 1, MADV_FREE, &mut f).unwrap();
    assert_eq!(rel.unmapped.len(), 2);
    reclaim(rel, &mut f);
    assert_eq!(load(&mut s, &mut f, base + P), 0);
    assert_eq!(s.regions().len(), 1, "the region is as it was");
}

#[test]
fn shared_pages_and_a_fork_childs_view_keep_their_bytes() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let (shared, _) = s.mmap_shared_anon(0x4000_0000, 2 * P, Prot::RW, true, &mut f).unwrap();
    store(&mut s, &mut f, shared, 7);
    let (rel, _) = s.advise(shared, 2 * P, MADV_DONTNEED, &mut f).unwrap();
    assert!(rel.is_empty(), "shared anonymous memory is the only copy");
    assert_eq!(load(&mut s, &mut f, shared), 7);
    // A private page a fork shares copy-on-write: the parent's advice
    // drops its own reference only; the child keeps the bytes.
    let (private, _) = s.mmap_anon(0x5000_0000, P, Prot::RW, true, &mut f).unwrap();
    store(&mut s, &mut f, private, 9);
    let mut child = s.fork(&mut f).unwrap().child;
    let (rel, _) = s.advise(private, P, MADV_DONTNEED, &mut f).unwrap();
    assert_eq!(rel.unmapped.len(), 1);
    assert!(rel.to_free.is_empty(), "the child still holds the frame");
    reclaim(rel, &mut f);
    assert_eq!(load(&mut s, &mut f, private), 0);
    assert_eq!(load(&mut child, &mut f, private), 9);
}

#[test]
fn a_private_file_mapping_shows_the_file_again() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let file = FileRef { dev: 1, ino: 7 };
    let (at, _) = s.mmap_file(0x5000_0000, 2 * P, Prot::RW, true, false, file, 0, &mut f).unwrap();
    // A page written (a private copy) goes; the next touch pages the file in.
    // The page cache's frame for the file's page 0 (the cache's own
    // reference stays with the test).
    let frame = f.alloc_zeroed().unwrap();
    f.write(frame, 41);
    s.complete_page_in(at, false, frame, &mut f);
    store(&mut s, &mut f, at, 42);
    assert_eq!(load(&mut s, &mut f, at), 42);
    let (rel, _) = s.advise(at, 2 * P, MADV_DONTNEED, &mut f).unwrap();
    assert_eq!(rel.unmapped.len(), 1);
    reclaim(rel, &mut f);
    assert_eq!(s.page(at), None, "the file's page is read again on the next touch");
    assert_eq!(f.content(frame), Some(41), "the cache's page kept the file's bytes");
}

#[test]
fn other_advice_changes_nothing_and_bad_requests_are_refused() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let (base, _) = s.mmap_anon(0x4000_0000, 4 * P, Prot::RW, true, &mut f).unwrap();
    store(&mut s, &mut f, base, 5);
    let before = s.clone();
    for advice in [MADV_NORMAL, 1, 2, MADV_WILLNEED] {
        let (rel, hole) = s.advise(base, 4 * P, advice, &mut f).unwrap();
        assert!(rel.is_empty() && !hole);
    }
    assert_eq!(s.advise(base + 1, P, MADV_DONTNEED, &mut f).err(), Some(EINVAL), "unaligned");
    assert_eq!(s.advise(base, P, 5, &mut f).err(), Some(EINVAL), "unknown advice");
    assert_eq!(s.advise(!(P - 1), 2 * P, MADV_DONTNEED, &mut f).err(), Some(EINVAL), "wraps");
    assert_eq!(s, before);
    // A hole: the mapped part is done, and the caller hears ENOMEM.
    let (rel, hole) = s.advise(base, 6 * P, MADV_DONTNEED, &mut f).unwrap();
    assert!(hole);
    assert_eq!(rel.unmapped.len(), 1);
    reclaim(rel, &mut f);
    let (_, hole) = s.advise(base - 2 * P, P, MADV_WILLNEED, &mut f).unwrap();
    assert!(hole, "advice on nothing mapped");
    // Physically contiguous memory is refused for DONTNEED.
    let (contig, _) = s.mmap_contig(0x6000_0000, 2 * P, Prot::RW, true, &mut f).unwrap();
    assert_eq!(s.advise(contig, P, MADV_DONTNEED, &mut f).err(), Some(EINVAL));
    // The pinned range (the IPC buffer) is never given up.
    s.pin(base + 3 * P, P);
    assert_eq!(s.advise(base, 4 * P, MADV_DONTNEED, &mut f).err(), Some(EINVAL));
}
