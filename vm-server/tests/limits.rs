// SPDX-License-Identifier: BSD-2-Clause
//! Per-process limits on VM's bookkeeping, and wild arguments: whatever a
//! process asks, the library answers with a mapping or `EINVAL`/`ENOMEM`,
//! never a panic, and never keeps more regions or mapped bytes than the
//! process's limits allow.

mod common;

use common::{map, reclaim, store, P};
use minix_abi::errno::{Errno, EINVAL, ENOMEM};
use proptest::prelude::*;
use vm_server::host_frames::HostFrames;
use vm_server::region::MAX_REGIONS;
use vm_server::space::MAX_MAPPED;
use vm_server::{AddressSpace, FaultOutcome, Limits, Prot, USER_BOTTOM, USER_TOP};

const A: u64 = 0x100_0000;

fn alternating(i: u64) -> Prot {
    if i.is_multiple_of(2) {
        Prot::RW
    } else {
        Prot::READ
    }
}

#[test]
fn regions_per_process_are_bounded() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    assert_eq!(s.limits(), Limits::DEFAULT);
    // One-page mappings with alternating protections never merge: the
    // issue's 20,000 mmaps once filled VM's heap.
    let mut addrs = Vec::new();
    let err = loop {
        match s.mmap_anon(0, P, alternating(addrs.len() as u64), false, &mut f) {
            Ok((a, _)) => addrs.push(a),
            Err(e) => break e,
        }
        assert!(addrs.len() <= MAX_REGIONS);
    };
    assert_eq!((err, addrs.len(), s.regions().len()), (ENOMEM, MAX_REGIONS, MAX_REGIONS));
    // brk cannot add a region either (it needs a fresh one here).
    s.init_brk(0x40_0000).unwrap();
    assert_eq!(s.brk(0x40_0000 + P, &mut f).err(), Some(ENOMEM));
    assert_eq!(s.current_brk(), 0x40_0000);
    // Unmapping whole regions always works, and frees room.
    for a in &addrs {
        reclaim(s.munmap(*a, P, &mut f).unwrap(), &mut f);
    }
    assert!(s.regions().is_empty());
    assert!(s.mmap_anon(0, P, Prot::RW, false, &mut f).is_ok());
    assert!(s.brk(0x40_0000 + P, &mut f).is_ok());
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn splits_at_the_limit_are_enomem_and_change_nothing() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    s.set_limits(Limits { max_regions: 3, max_mapped: MAX_MAPPED });
    s.mmap_anon(A, 8 * P, Prot::RW, true, &mut f).unwrap();
    store(&mut s, &mut f, A + 3 * P, 7);
    s.mmap_anon(A + 16 * P, P, Prot::READ, true, &mut f).unwrap();
    // A fixed mapping inside the big region needs two more regions (split
    // and the new one): 4 > 3.
    let before = s.clone();
    assert_eq!(s.mmap_anon(A + 2 * P, P, Prot::READ, true, &mut f).err(), Some(ENOMEM));
    assert_eq!(s, before);
    // A munmap in the middle needs one more: fits (3), then the next does not.
    reclaim(s.munmap(A + 5 * P, P, &mut f).unwrap(), &mut f);
    assert_eq!(s.regions().len(), 3);
    let before = s.clone();
    assert_eq!(s.munmap(A + P, P, &mut f).err(), Some(ENOMEM));
    assert_eq!(s, before);
    // A fixed mapping over a whole region, or at a region's edge, needs no
    // split: allowed even at the limit.
    assert!(s.mmap_anon(A + 16 * P, P, Prot::RW, true, &mut f).is_ok());
    reclaim(s.munmap(A, P, &mut f).unwrap(), &mut f);
    // The page touched before is still there.
    assert_eq!(f.content(s.page(A + 3 * P).unwrap().frame.pool().unwrap()), Some(7));
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn mapped_bytes_are_bounded() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    s.set_limits(Limits { max_regions: MAX_REGIONS, max_mapped: 64 * P });
    s.mmap_anon(A, 48 * P, Prot::RW, true, &mut f).unwrap();
    assert_eq!(s.mapped_bytes(), 48 * P);
    assert_eq!(s.mmap_anon(0, 17 * P, Prot::RW, false, &mut f).err(), Some(ENOMEM));
    assert!(s.mmap_anon(0, 16 * P, Prot::READ, false, &mut f).is_ok());
    assert_eq!(s.mmap_anon(0, P, Prot::RW, false, &mut f).err(), Some(ENOMEM));
    // Replacing mapped bytes with a fixed mapping counts only what is new.
    assert!(s.mmap_anon(A, 48 * P, Prot::READ, true, &mut f).is_ok());
    assert_eq!(s.mmap_anon(A + 40 * P, 9 * P, Prot::RW, true, &mut f).err(), Some(ENOMEM));
    assert!(s.mmap_anon(A + 40 * P, 8 * P, Prot::RW, true, &mut f).is_ok());
    assert_eq!(s.mapped_bytes(), 64 * P);
    // brk is bounded the same way.
    s.init_brk(0x40_0000).unwrap();
    assert_eq!(s.brk(0x40_0000 + 1, &mut f).err(), Some(ENOMEM));
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(s.mapped_bytes(), 0);
    assert_eq!(s.limits().max_mapped, 64 * P);
}

#[test]
fn default_limit_refuses_more_than_a_gigabyte() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    assert_eq!(s.mmap_anon(0, MAX_MAPPED + P, Prot::RW, false, &mut f).err(), Some(ENOMEM));
    let (a, _) = s.mmap_anon(0, MAX_MAPPED, Prot::RW, false, &mut f).unwrap();
    assert_eq!(s.mmap_anon(0, P, Prot::RW, false, &mut f).err(), Some(ENOMEM));
    reclaim(s.munmap(a, MAX_MAPPED, &mut f).unwrap(), &mut f);
    assert!(s.regions().is_empty());
}

#[test]
fn fork_inherits_limits_and_can_be_refused_for_its_pages() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let lim = Limits { max_regions: 5, max_mapped: 32 * P };
    s.set_limits(lim);
    s.mmap_anon(A, 8 * P, Prot::RW, true, &mut f).unwrap();
    for i in 0..6 {
        store(&mut s, &mut f, A + i * P, i);
    }
    assert_eq!(s.fork_page_entries(), 6);
    assert_eq!(s.max_page_entries(), 32);
    let before = s.clone();
    assert_eq!(s.fork_within(5, &mut f).err(), Some(ENOMEM));
    assert_eq!(s, before);
    let mut forked = s.fork_within(6, &mut f).unwrap();
    assert!(forked.downgrade.len() == 6);
    let mut child = forked.child;
    assert_eq!(child.limits(), lim);
    assert_eq!(child.mmap_anon(0, 25 * P, Prot::RW, false, &mut f).err(), Some(ENOMEM));
    // The child's copy-on-write pages are its own after a write.
    store(&mut child, &mut f, A, 99);
    forked.downgrade.clear();
    reclaim(child.exit(&mut f), &mut f);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn sharing_respects_both_sides_limits() {
    let mut f = HostFrames::new(64);
    let mut src = AddressSpace::new();
    src.mmap_anon(A, 8 * P, Prot::RW, true, &mut f).unwrap();
    let mut dst = AddressSpace::new();
    // The source range strictly inside its region needs two splits.
    src.set_limits(Limits { max_regions: 2, max_mapped: MAX_MAPPED });
    let (s0, d0) = (src.clone(), dst.clone());
    assert_eq!(dst.share_from(&mut src, 1, A + P, P, 0, Prot::RW, &mut f).err(), Some(ENOMEM));
    assert_eq!((&src, &dst), (&s0, &d0));
    // The destination's limits count too.
    src.set_limits(Limits::DEFAULT);
    dst.set_limits(Limits { max_regions: 0, max_mapped: MAX_MAPPED });
    assert_eq!(dst.share_from(&mut src, 1, A + P, P, 0, Prot::RW, &mut f).err(), Some(ENOMEM));
    dst.set_limits(Limits { max_regions: 1, max_mapped: P });
    assert_eq!(dst.share_from(&mut src, 1, A + P, 2 * P, 0, Prot::RW, &mut f).err(), Some(ENOMEM));
    let (at, _) = dst.share_from(&mut src, 1, A + P, P, 0, Prot::RW, &mut f).unwrap();
    assert!(matches!(dst.handle_fault(at, true, &mut f), FaultOutcome::Map(_)));
    reclaim(dst.exit(&mut f), &mut f);
    reclaim(src.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn huge_lengths_and_wrapping_ranges_are_errors() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    s.set_limits(Limits { max_regions: MAX_REGIONS, max_mapped: u64::MAX });
    let wild = [0, 1, P - 1, P, USER_TOP - P, USER_TOP, USER_TOP + P, 1 << 47, u64::MAX - P + 1, u64::MAX - P, u64::MAX];
    for &addr in &wild {
        for &len in &wild {
            for fixed in [false, true] {
                match s.mmap_anon(addr, len, Prot::RW, fixed, &mut f) {
                    Ok((a, rel)) => {
                        assert!(rel.is_empty());
                        let r = s.regions().lookup(a).unwrap();
                        assert!(r.start() >= USER_BOTTOM && r.end() <= USER_TOP, "{addr:#x} {len:#x}");
                        reclaim(s.munmap(a, len, &mut f).unwrap(), &mut f);
                    }
                    Err(e) => assert!(e == EINVAL || e == ENOMEM, "{addr:#x} {len:#x}: {e:?}"),
                }
                assert!(s.regions().is_empty());
            }
            if let Err(e) = s.munmap(addr, len, &mut f) {
                assert_eq!(e, EINVAL);
            }
        }
    }
    // Lengths that overflow when rounded to pages are EINVAL; lengths that
    // fit no hole are ENOMEM.
    assert_eq!(s.mmap_anon(0, u64::MAX, Prot::RW, false, &mut f).err(), Some(EINVAL));
    assert_eq!(s.mmap_anon(0, u64::MAX - P + 2, Prot::RW, false, &mut f).err(), Some(EINVAL));
    assert_eq!(s.mmap_anon(0, USER_TOP, Prot::RW, false, &mut f).err(), Some(ENOMEM));
    assert_eq!(s.mmap_anon(u64::MAX - P + 1, P, Prot::RW, true, &mut f).err(), Some(EINVAL));
    assert_eq!(s.map_phys(A, P, u64::MAX - P + 1, Prot::RW, true, &mut f).err(), Some(EINVAL));
    s.init_brk(0x40_0000).unwrap();
    assert_eq!(s.brk(u64::MAX, &mut f).err(), Some(ENOMEM));
    assert_eq!(s.brk(USER_TOP + 1, &mut f).err(), Some(ENOMEM));
    assert_eq!(f.in_use(), 0);
}

#[derive(Clone, Debug)]
enum Op {
    Mmap { addr: u64, len: u64, prot: u8, fixed: bool },
    Contig { addr: u64, len: u64, fixed: bool },
    Munmap { addr: u64, len: u64 },
    Brk(u64),
    Touch { addr: u64, write: bool },
    Fork,
}

/// Addresses and lengths: mostly a small window (so that operations
/// interact), sometimes the edges of the address space and wild values.
fn number() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (0u64..40).prop_map(|p| A + p * P),
        3 => (0u64..12).prop_map(|p| p * P),
        1 => (0u64..8192).prop_map(|x| A + x),
        1 => prop::sample::select(vec![0, 1, P - 1, USER_TOP - P, USER_TOP, u64::MAX - P + 1, u64::MAX, 1 << 47]),
        1 => any::<u64>(),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (number(), number(), 0u8..8, any::<bool>()).prop_map(|(addr, len, prot, fixed)| Op::Mmap { addr, len, prot, fixed }),
        1 => (number(), 0u64..(4 * P), any::<bool>()).prop_map(|(addr, len, fixed)| Op::Contig { addr, len, fixed }),
        3 => (number(), number()).prop_map(|(addr, len)| Op::Munmap { addr, len }),
        1 => number().prop_map(Op::Brk),
        3 => (number(), any::<bool>()).prop_map(|(addr, write)| Op::Touch { addr, write }),
        1 => Just(Op::Fork),
    ]
}

fn ok_errno(e: Errno) -> bool {
    e == EINVAL || e == ENOMEM
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random requests with wild arguments under small limits: no panic,
    /// only EINVAL/ENOMEM, never past the limits, and every frame comes
    /// back at exit.
    #[test]
    fn wild_requests_stay_within_limits(
        max_regions in 1usize..6,
        max_pages in 1u64..48,
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut f = HostFrames::new(64);
        let mut s = AddressSpace::new();
        let lim = Limits { max_regions, max_mapped: max_pages * P };
        s.set_limits(lim);
        s.init_brk(A + 20 * P).unwrap();
        let mut children = Vec::new();
        for op in ops {
            let r: Result<(), Errno> = match op {
                Op::Mmap { addr, len, prot, fixed } => {
                    let prot = Prot::from_bits(prot as u32).unwrap();
                    s.mmap_anon(addr, len, prot, fixed, &mut f).map(|(_, rel)| reclaim(rel, &mut f))
                }
                Op::Contig { addr, len, fixed } => s.mmap_contig(addr, len, Prot::RW, fixed, &mut f).map(|(_, rel)| reclaim(rel, &mut f)),
                Op::Munmap { addr, len } => s.munmap(addr, len, &mut f).map(|rel| reclaim(rel, &mut f)),
                Op::Brk(b) => s.brk(b, &mut f).map(|rel| reclaim(rel, &mut f)),
                Op::Touch { addr, write } => {
                    if let FaultOutcome::Map(_) = s.handle_fault(addr, write, &mut f) {
                        let _ = map(&mut s, &mut f, addr, false);
                    }
                    Ok(())
                }
                Op::Fork => s.fork(&mut f).map(|fk| children.push(fk.child)),
            };
            if let Err(e) = r {
                prop_assert!(ok_errno(e), "{:?}", e);
            }
            prop_assert!(s.regions().len() <= max_regions);
            prop_assert!(s.mapped_bytes() <= max_pages * P);
            prop_assert!(s.resident_pages() as u64 <= max_pages);
            for r in s.regions().iter() {
                prop_assert!(r.start() >= USER_BOTTOM && r.end() <= USER_TOP);
            }
        }
        for mut c in children {
            prop_assert_eq!(c.limits(), lim);
            reclaim(c.exit(&mut f), &mut f);
        }
        reclaim(s.exit(&mut f), &mut f);
        prop_assert_eq!(f.in_use(), 0);
        prop_assert_eq!(f.bad_frees(), 0);
    }
}
