// SPDX-License-Identifier: BSD-2-Clause
//! The granter's table: creation, growth, limits, revocation.

use minix_abi::errno::{EINVAL, ENOSPC};

use crate::{
    GrantEntry, GrantId, GrantStorage, GrantTable, SliceStorage, VecStorage, ANY, CPF_DIRECT, CPF_READ, CPF_TRY, CPF_USED, CPF_WRITE,
    GRANT_INVALID, INITIAL_SLOTS, MAX_SLOTS,
};

const RW: u32 = CPF_READ | CPF_WRITE;

#[test]
fn bad_access_bits_are_einval() {
    let mut t = GrantTable::new(VecStorage::new());
    for bad in [0x4, 0x8, 0x20, CPF_USED, CPF_DIRECT | CPF_READ, 0x8000_0000] {
        assert_eq!(t.grant_direct(1, 0, 1, bad), Err(EINVAL));
        assert_eq!(t.grant_indirect(1, 2, GrantId(0), bad), Err(EINVAL));
        assert_eq!(t.grant_magic(3, 1, 0, 1, bad), Err(EINVAL));
    }
    assert_eq!(t.live(), 0);
    for good in [0, CPF_READ, CPF_WRITE, CPF_TRY, RW | CPF_TRY] {
        assert!(t.grant_direct(1, 0, 1, good).is_ok());
    }
}

#[test]
fn created_entries_hold_what_was_asked() {
    let mut t = GrantTable::new(VecStorage::new());
    let d = t.grant_direct(7, 0x10, 0x20, RW | CPF_TRY).unwrap();
    let i = t.grant_indirect(ANY, 9, GrantId(5), CPF_READ).unwrap();
    let m = t.grant_magic(4, 8, 0x30, 0x40, CPF_WRITE).unwrap();
    assert_eq!((d, i, m), (GrantId(0), GrantId(1), GrantId(2)));
    let e = *t.get(d).unwrap();
    assert_eq!(e, GrantEntry::direct(0, 7, 0x10, 0x20, RW | CPF_TRY));
    assert_eq!(e.fault_mark, GRANT_INVALID.0);
    assert!(e.is_valid() && e.is_try());
    assert_eq!(*t.get(i).unwrap(), GrantEntry::indirect(0, ANY, 9, GrantId(5), CPF_READ));
    assert_eq!(*t.get(m).unwrap(), GrantEntry::magic(0, 4, 8, 0x30, 0x40, CPF_WRITE));
    assert_eq!(t.live(), 3);
}

#[test]
fn revoke_of_bad_or_stale_id_is_einval() {
    let mut t = GrantTable::new(VecStorage::new());
    let id = t.grant_direct(1, 0, 1, RW).unwrap();
    assert_eq!(t.revoke(GRANT_INVALID), Err(EINVAL));
    assert_eq!(t.revoke(GrantId(i32::MIN)), Err(EINVAL));
    assert_eq!(t.revoke(GrantId::new(1, 0)), Err(EINVAL)); // free slot
    assert_eq!(t.revoke(GrantId::new(5000, 0)), Err(EINVAL)); // beyond
    assert_eq!(t.revoke(GrantId::new(0, 1)), Err(EINVAL)); // other seq
    assert_eq!(t.revoke(id), Ok(false));
    assert_eq!(t.revoke(id), Err(EINVAL)); // stale
    assert!(!t.is_valid(id));
    assert_eq!(t.live(), 0);
}

#[test]
fn revoke_reports_fault_only_for_marked_try_grants() {
    let mut t = GrantTable::new(VecStorage::new());
    let try_grant = t.grant_direct(1, 0, 1, CPF_READ | CPF_TRY).unwrap();
    let plain = t.grant_direct(1, 0, 1, CPF_READ).unwrap();
    let unmarked = t.grant_direct(1, 0, 1, CPF_READ | CPF_TRY).unwrap();
    assert!(t.mark_fault(try_grant));
    assert!(t.mark_fault(plain));
    assert_eq!(t.revoke(try_grant), Ok(true));
    assert_eq!(t.revoke(plain), Ok(false));
    assert_eq!(t.revoke(unmarked), Ok(false));
    assert!(!t.mark_fault(try_grant)); // stale: nothing written
                                       // A reused slot starts unmarked, and an old id in the mark is not ours.
    let again = t.grant_direct(1, 0, 1, CPF_READ | CPF_TRY).unwrap();
    assert_eq!(t.get(again).unwrap().fault_mark, GRANT_INVALID.0);
}

#[test]
fn slots_are_reused_with_a_new_sequence() {
    let mut t = GrantTable::with_max_slots(VecStorage::new(), 1);
    let a = t.grant_direct(1, 0, 1, RW).unwrap();
    t.revoke(a).unwrap();
    let b = t.grant_direct(1, 0, 1, RW).unwrap();
    assert_eq!((b.slot(), b.seq()), (a.slot(), a.seq() + 1));
    assert!(t.is_valid(b) && !t.is_valid(a));
}

#[test]
fn sequence_wraps_within_eleven_bits() {
    let mut t = GrantTable::with_max_slots(VecStorage::new(), 1);
    let mut seen = std::collections::HashSet::new();
    for i in 0..(1u32 << 11) + 3 {
        let id = t.grant_direct(1, 0, 1, RW).unwrap();
        assert!(id.is_valid() && id != GRANT_INVALID);
        assert_eq!((id.slot(), id.seq()), (0, i & 0x7FF));
        seen.insert(id);
        t.revoke(id).unwrap();
    }
    assert_eq!(seen.len(), 1 << 11);
}

#[test]
fn free_slots_are_reused_oldest_first() {
    let mut t = GrantTable::with_max_slots(VecStorage::new(), 4);
    let ids: Vec<_> = (0..4).map(|_| t.grant_direct(1, 0, 1, RW).unwrap()).collect();
    t.revoke(ids[2]).unwrap();
    t.revoke(ids[0]).unwrap();
    assert_eq!(t.grant_direct(1, 0, 1, RW).unwrap().slot(), 2);
    assert_eq!(t.grant_direct(1, 0, 1, RW).unwrap().slot(), 0);
    assert_eq!(t.grant_direct(1, 0, 1, RW), Err(ENOSPC));
}

#[test]
fn table_grows_on_demand() {
    let mut t = GrantTable::new(VecStorage::new());
    assert!(t.is_empty());
    assert_eq!(t.registration().entries, 0);
    t.grant_direct(1, 0, 1, RW).unwrap();
    assert_eq!(t.len(), INITIAL_SLOTS);
    for _ in 1..INITIAL_SLOTS {
        t.grant_direct(1, 0, 1, RW).unwrap();
    }
    assert_eq!(t.len(), INITIAL_SLOTS);
    let before = t.registration();
    let id = t.grant_direct(1, 0, 1, RW).unwrap();
    assert_eq!(id.slot() as usize, INITIAL_SLOTS);
    let after = t.registration();
    assert_eq!(after.entries, 2 * INITIAL_SLOTS);
    assert_eq!(after.bytes(), 2 * INITIAL_SLOTS * 48);
    assert_ne!(before, after);
    assert_eq!(after.base, t.entries().as_ptr() as usize);
}

#[test]
fn small_maximum_gives_enospc() {
    let mut t = GrantTable::with_max_slots(VecStorage::new(), 3);
    let ids: Vec<_> = (0..3).map(|_| t.grant_direct(1, 0, 1, RW).unwrap()).collect();
    assert_eq!(t.len(), 3);
    assert_eq!(t.grant_direct(1, 0, 1, RW), Err(ENOSPC));
    assert_eq!(t.grant_indirect(1, 2, ids[0], RW), Err(ENOSPC));
    assert_eq!(t.grant_magic(1, 2, 0, 1, RW), Err(ENOSPC));
    // Bad access bits are reported before a full table.
    assert_eq!(t.grant_direct(1, 0, 1, 0x4), Err(EINVAL));
    t.revoke(ids[1]).unwrap();
    assert_eq!(t.grant_direct(1, 0, 1, RW).unwrap().slot(), 1);
    assert_eq!(t.grant_direct(1, 0, 1, RW), Err(ENOSPC));
    let empty = &mut GrantTable::with_max_slots(VecStorage::new(), 0);
    assert_eq!(empty.grant_direct(1, 0, 1, RW), Err(ENOSPC));
}

#[test]
fn maximum_is_clamped_to_two_to_the_twenty() {
    let t = GrantTable::with_max_slots(VecStorage::new(), usize::MAX);
    assert_eq!(t.max_slots(), MAX_SLOTS);
    assert_eq!(MAX_SLOTS, 1 << 20);
}

#[test]
fn slice_storage_grows_in_place_up_to_its_capacity() {
    let mut buf = vec![GrantEntry { flags: 0xffff_ffff, ..GrantEntry::FREE }; 20];
    let base = buf.as_ptr() as usize;
    let mut t = GrantTable::new(SliceStorage::new(&mut buf));
    for i in 0..20 {
        let id = t.grant_direct(1, 0, 1, RW).unwrap();
        assert_eq!(id.slot(), i);
        assert_eq!(t.registration().base, base);
    }
    assert_eq!(t.len(), 20);
    assert_eq!(t.grant_direct(1, 0, 1, RW), Err(ENOSPC));
}

#[test]
fn existing_entries_are_kept() {
    let mut storage = VecStorage::new();
    assert_eq!(storage.grow(4), 4);
    storage.entries_mut()[1] = GrantEntry::direct(3, 1, 0, 1, RW);
    let mut t = GrantTable::new(storage);
    assert_eq!(t.live(), 1);
    assert!(t.is_valid(GrantId::new(1, 3)));
    let slots: Vec<_> = (0..3).map(|_| t.grant_direct(1, 0, 1, RW).unwrap().slot()).collect();
    assert_eq!(slots, [0, 2, 3]);
}

#[test]
fn real_limit_of_two_to_the_twenty_slots() {
    let mut buf = vec![GrantEntry::FREE; MAX_SLOTS + 10];
    let mut t = GrantTable::new(SliceStorage::new(&mut buf));
    let mut last = GRANT_INVALID;
    for _ in 0..MAX_SLOTS {
        last = t.grant_direct(1, 0, 1, RW).unwrap();
    }
    assert_eq!(last, GrantId::new((MAX_SLOTS - 1) as u32, 0));
    assert_eq!(t.len(), MAX_SLOTS);
    assert_eq!(t.live(), MAX_SLOTS);
    assert_eq!(t.grant_direct(1, 0, 1, RW), Err(ENOSPC));
    assert_eq!(t.grant_direct(1, 0, 1, RW), Err(ENOSPC));
    assert_eq!(t.revoke(last), Ok(false));
    assert_eq!(t.grant_direct(1, 0, 1, RW), Ok(GrantId::new((MAX_SLOTS - 1) as u32, 1)));
}
