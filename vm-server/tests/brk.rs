// SPDX-License-Identifier: BSD-2-Clause
//! The program break.

mod common;

use common::{load, reclaim, store, P};
use minix_abi::errno::{EINVAL, ENOMEM};
use vm_server::host_frames::HostFrames;
use vm_server::{AddressSpace, FaultOutcome, KillReason, MemType, Prot, USER_TOP};

const DATA: u64 = 0x10_0000;

/// A data region of 2 pages whose end, half-way through its last page, is
/// where the heap starts.
fn program(f: &mut HostFrames) -> AddressSpace {
    let mut s = AddressSpace::new();
    s.mmap_anon(DATA, 2 * P, Prot::RW, true, f).unwrap();
    s.init_brk(DATA + P + P / 2).unwrap();
    s
}

#[test]
fn grow_and_shrink() {
    let mut f = HostFrames::new(16);
    let mut s = program(&mut f);
    let heap = DATA + P + P / 2;
    assert_eq!(s.current_brk(), heap);
    // Within the data's last page: nothing to map.
    assert!(s.brk(heap + 100, &mut f).unwrap().is_empty());
    assert_eq!(s.regions().len(), 1);
    assert_eq!(s.regions().lookup(DATA).unwrap().end(), DATA + 2 * P);
    // Growing extends the data region (one anonymous read-write region).
    s.brk(heap + 3 * P, &mut f).unwrap();
    assert_eq!(s.current_brk(), heap + 3 * P);
    assert_eq!(s.regions().len(), 1);
    assert_eq!(s.regions().lookup(DATA).unwrap().end(), DATA + 5 * P);
    store(&mut s, &mut f, DATA + 4 * P, 4);
    store(&mut s, &mut f, DATA + 2 * P, 2);
    store(&mut s, &mut f, DATA + P, 1);
    // Shrinking unmaps whole pages above the break, never the data.
    let r = s.brk(heap + P, &mut f).unwrap();
    assert_eq!(r.unmapped.len(), 1);
    reclaim(r, &mut f);
    assert_eq!(s.handle_fault(DATA + 4 * P, false, &mut f), FaultOutcome::Kill(KillReason::Unmapped));
    assert_eq!(load(&mut s, &mut f, DATA + 2 * P), 2);
    reclaim(s.brk(heap, &mut f).unwrap(), &mut f);
    assert_eq!(load(&mut s, &mut f, DATA + P), 1);
    // Growing again gives zero pages.
    s.brk(heap + 2 * P, &mut f).unwrap();
    assert_eq!(load(&mut s, &mut f, DATA + 2 * P), 0);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn errors_change_nothing() {
    let mut f = HostFrames::new(16);
    let mut none = AddressSpace::new();
    assert_eq!(none.brk(DATA, &mut f), Err(ENOMEM));
    assert_eq!(none.init_brk(0), Err(EINVAL));
    assert_eq!(none.init_brk(USER_TOP), Err(EINVAL));

    let mut s = program(&mut f);
    let heap = s.current_brk();
    assert_eq!(s.brk(heap - 1, &mut f), Err(ENOMEM));
    assert_eq!(s.brk(USER_TOP + 1, &mut f), Err(ENOMEM));
    assert_eq!(s.brk(u64::MAX, &mut f), Err(ENOMEM));
    // Another mapping in the way.
    s.mmap_anon(DATA + 4 * P, P, Prot::READ, true, &mut f).unwrap();
    assert_eq!(s.brk(heap + 3 * P, &mut f), Err(ENOMEM));
    assert_eq!(s.current_brk(), heap);
    s.brk(heap + 2 * P, &mut f).unwrap();
    assert_eq!(s.regions().lookup(DATA).unwrap().end(), DATA + 4 * P);
}

#[test]
fn heap_after_a_read_only_image_gets_its_own_region() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    s.mmap_anon(DATA, P, Prot::RX, true, &mut f).unwrap();
    s.init_brk(DATA + P).unwrap();
    s.brk(DATA + 3 * P, &mut f).unwrap();
    let heap = s.regions().lookup(DATA + P).unwrap();
    assert_eq!((heap.start(), heap.end(), heap.prot()), (DATA + P, DATA + 3 * P, Prot::RW));
    assert_eq!(heap.mem(), &MemType::anon());
    // The heap region can also end exactly at 4 GiB.
    let mut t = AddressSpace::new();
    t.init_brk(USER_TOP - 2 * P).unwrap();
    t.brk(USER_TOP, &mut f).unwrap();
    assert_eq!(t.regions().lookup(USER_TOP - 1).unwrap().end(), USER_TOP);
    assert_eq!(t.brk(USER_TOP + 1, &mut f), Err(ENOMEM));
}
