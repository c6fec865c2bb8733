// SPDX-License-Identifier: BSD-2-Clause
//! Every branch of `verify`, with its errno.

use minix_abi::errno::{Errno, EFAULT, EINVAL, ELOOP, EPERM};

use super::world::*;
use crate::verify::{check_copy_sides, verify, Access, Verified, VerifyRequest};
use crate::{Endpoint, GrantEntry, GrantId, ANY, CPF_READ, CPF_TRY, CPF_USED, CPF_VALID, CPF_WRITE, GRANT_INVALID, NONE};

const RW: u32 = CPF_READ | CPF_WRITE;

fn req(caller: Endpoint, granter: Endpoint, grant: GrantId, offset: u64, bytes: u64) -> VerifyRequest {
    VerifyRequest { caller, granter, grant, offset, bytes, access: Access::Read, vfs: VFS }
}

fn write(mut r: VerifyRequest) -> VerifyRequest {
    r.access = Access::Write;
    r
}

fn check(w: &World, r: VerifyRequest) -> Result<Verified, Errno> {
    verify(w, &r)
}

#[test]
fn direct_grant_ok() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0x1000, 100, RW).unwrap();
    let v = check(&w, req(FS, USER, id, 10, 90)).unwrap();
    assert_eq!(v, Verified { owner: USER, addr: 0x100a, bytes: 90, try_copy: false, final_granter: USER, final_grant: id, hops: 0 });
    assert!(check(&w, write(req(FS, USER, id, 0, 100))).is_ok());
    // Zero bytes at the very end is in range.
    assert!(check(&w, req(FS, USER, id, 100, 0)).is_ok());
}

#[test]
fn unknown_granter_is_einval() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    assert_eq!(check(&w, req(FS, UNKNOWN, id, 0, 1)), Err(EINVAL));
}

#[test]
fn invalid_id_is_einval() {
    let mut w = World::standard();
    w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    assert_eq!(check(&w, req(FS, USER, GRANT_INVALID, 0, 1)), Err(EINVAL));
    assert_eq!(check(&w, req(FS, USER, GrantId(i32::MIN), 0, 1)), Err(EINVAL));
    // Even where the granter has no table: check 1 comes before check 2.
    assert_eq!(check(&w, req(FS, NO_TABLE, GRANT_INVALID, 0, 1)), Err(EINVAL));
}

#[test]
fn no_table_is_eperm() {
    let w = World::standard();
    assert_eq!(check(&w, req(FS, NO_TABLE, GrantId(0), 0, 1)), Err(EPERM));
}

#[test]
fn slot_beyond_table_is_eperm() {
    let mut w = World::standard();
    w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    let len = w.t(USER).len() as u32;
    assert_eq!(check(&w, req(FS, USER, GrantId::new(len, 0), 0, 1)), Err(EPERM));
    assert_eq!(check(&w, req(FS, USER, GrantId::new(0xFFFFF, 0), 0, 1)), Err(EPERM));
}

#[test]
fn free_slot_is_eperm() {
    let mut w = World::standard();
    w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    assert_eq!(check(&w, req(FS, USER, GrantId::new(1, 0), 0, 1)), Err(EPERM));
}

#[test]
fn stale_id_after_revoke_is_eperm() {
    let mut w = World::new(1);
    let old = w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    w.t(USER).revoke(old).unwrap();
    assert_eq!(check(&w, req(FS, USER, old, 0, 1)), Err(EPERM));
    // The slot is reused; the old id still does not match it.
    let new = w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    assert_eq!(new.slot(), old.slot());
    assert_ne!(new, old);
    assert_eq!(check(&w, req(FS, USER, old, 0, 1)), Err(EPERM));
    assert!(check(&w, req(FS, USER, new, 0, 1)).is_ok());
}

#[test]
fn entry_not_used_and_valid_is_eperm() {
    let mut w = World::standard();
    let good = GrantEntry::direct(0, FS, 0, 10, RW);
    let mut used_only = good;
    used_only.flags &= !CPF_VALID;
    let mut valid_only = good;
    valid_only.flags &= !CPF_USED;
    let mut two_kinds = good;
    two_kinds.flags |= crate::CPF_MAGIC;
    let mut no_kind = good;
    no_kind.flags &= !crate::CPF_DIRECT;
    w.tables.insert(USER, Tbl::Raw(vec![good, used_only, valid_only, two_kinds, no_kind]));
    assert!(check(&w, req(FS, USER, GrantId::new(0, 0), 0, 1)).is_ok());
    for slot in 1..5 {
        assert_eq!(check(&w, req(FS, USER, GrantId::new(slot, 0), 0, 1)), Err(EPERM));
    }
}

#[test]
fn sequence_mismatch_is_eperm() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    let other = GrantId::new(id.slot(), GrantId::next_seq(id.seq()));
    assert_eq!(check(&w, req(FS, USER, other, 0, 1)), Err(EPERM));
}

#[test]
fn wrong_grantee_is_eperm_and_any_allows_all() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0, 10, RW).unwrap();
    assert_eq!(check(&w, req(DRIVER, USER, id, 0, 1)), Err(EPERM));
    let any = w.t(USER).grant_direct(ANY, 0, 10, RW).unwrap();
    assert!(check(&w, req(DRIVER, USER, any, 0, 1)).is_ok());
    assert!(check(&w, req(FS, USER, any, 0, 1)).is_ok());
    // A caller is never a wildcard.
    assert_eq!(check(&w, req(ANY, USER, id, 0, 1)), Err(EPERM));
}

#[test]
fn out_of_range_is_eperm() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0x1000, 100, RW).unwrap();
    assert_eq!(check(&w, req(FS, USER, id, 0, 101)), Err(EPERM));
    assert_eq!(check(&w, req(FS, USER, id, 99, 2)), Err(EPERM));
    assert_eq!(check(&w, req(FS, USER, id, 101, 0)), Err(EPERM));
}

#[test]
fn overflowing_offset_is_eperm() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0x1000, u64::MAX - 0x1000, RW).unwrap();
    assert_eq!(check(&w, req(FS, USER, id, u64::MAX, 1)), Err(EPERM));
    assert_eq!(check(&w, req(FS, USER, id, 1, u64::MAX)), Err(EPERM));
    assert!(check(&w, req(FS, USER, id, u64::MAX - 0x1000, 0)).is_ok());
}

#[test]
fn wrapping_grant_is_eperm() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, u64::MAX - 10, 20, RW).unwrap();
    assert_eq!(check(&w, req(FS, USER, id, 0, 1)), Err(EPERM));
}

#[test]
fn missing_access_is_eperm() {
    let mut w = World::standard();
    let ro = w.t(USER).grant_direct(FS, 0, 10, CPF_READ).unwrap();
    let wo = w.t(USER).grant_direct(FS, 0, 10, CPF_WRITE).unwrap();
    let none = w.t(USER).grant_direct(FS, 0, 10, 0).unwrap();
    let try_only = w.t(USER).grant_direct(FS, 0, 10, CPF_TRY).unwrap();
    assert!(check(&w, req(FS, USER, ro, 0, 1)).is_ok());
    assert_eq!(check(&w, write(req(FS, USER, ro, 0, 1))), Err(EPERM));
    assert!(check(&w, write(req(FS, USER, wo, 0, 1))).is_ok());
    assert_eq!(check(&w, req(FS, USER, wo, 0, 1)), Err(EPERM));
    for id in [none, try_only] {
        assert_eq!(check(&w, req(FS, USER, id, 0, 1)), Err(EPERM));
        assert_eq!(check(&w, write(req(FS, USER, id, 0, 1))), Err(EPERM));
    }
}

#[test]
fn one_indirect_hop() {
    let mut w = World::standard();
    // USER grants FS its buffer; FS passes it on to DRIVER.
    let orig = w.t(USER).grant_direct(FS, 0x2000, 64, RW).unwrap();
    let ind = w.t(FS).grant_indirect(DRIVER, USER, orig, RW).unwrap();
    let v = check(&w, req(DRIVER, FS, ind, 4, 8)).unwrap();
    assert_eq!((v.owner, v.addr, v.bytes), (USER, 0x2004, 8));
    assert_eq!((v.final_granter, v.final_grant, v.hops), (USER, orig, 1));
    // The caller must be the indirect grant's grantee.
    assert_eq!(check(&w, req(USER, FS, ind, 0, 1)), Err(EPERM));
    // The range is the original grant's.
    assert_eq!(check(&w, req(DRIVER, FS, ind, 60, 5)), Err(EPERM));
}

#[test]
fn original_grant_must_name_the_intermediate_granter() {
    let mut w = World::standard();
    // USER granted DRIVER directly, not FS: FS cannot pass it on.
    let orig = w.t(USER).grant_direct(DRIVER, 0, 64, RW).unwrap();
    let ind = w.t(FS).grant_indirect(DRIVER, USER, orig, RW).unwrap();
    assert_eq!(check(&w, req(DRIVER, FS, ind, 0, 1)), Err(EPERM));
}

#[test]
fn indirect_hop_errors_rerun_checks_one_and_two() {
    let mut w = World::standard();
    let orig = w.t(USER).grant_direct(FS, 0, 64, RW).unwrap();
    let to_unknown = w.t(FS).grant_indirect(DRIVER, UNKNOWN, orig, RW).unwrap();
    let to_bad_id = w.t(FS).grant_indirect(DRIVER, USER, GRANT_INVALID, RW).unwrap();
    let to_no_table = w.t(FS).grant_indirect(DRIVER, NO_TABLE, orig, RW).unwrap();
    let to_free = w.t(FS).grant_indirect(DRIVER, USER, GrantId::new(7, 0), RW).unwrap();
    assert_eq!(check(&w, req(DRIVER, FS, to_unknown, 0, 1)), Err(EINVAL));
    assert_eq!(check(&w, req(DRIVER, FS, to_bad_id, 0, 1)), Err(EINVAL));
    assert_eq!(check(&w, req(DRIVER, FS, to_no_table, 0, 1)), Err(EPERM));
    assert_eq!(check(&w, req(DRIVER, FS, to_free, 0, 1)), Err(EPERM));
    // A revoked original makes the indirect grant stale.
    let ind = w.t(FS).grant_indirect(DRIVER, USER, orig, RW).unwrap();
    w.t(USER).revoke(orig).unwrap();
    assert_eq!(check(&w, req(DRIVER, FS, ind, 0, 1)), Err(EPERM));
    // The grantee check of a hop comes before moving to the next hop.
    assert_eq!(check(&w, req(USER, FS, to_unknown, 0, 1)), Err(EPERM));
}

/// A chain of `n` indirect grants ending at a direct grant of USER's:
/// USER → p1 → p2 → … , alternating FS and DRIVER, the last one
/// granting VFS. Returns the caller, the granter and the grant to use.
fn chain(w: &mut World, n: usize, last_access: u32) -> (Endpoint, Endpoint, GrantId) {
    let hops = [FS, DRIVER];
    let first = hops[0];
    let mut granter = USER;
    let mut id = w.t(USER).grant_direct(first, 0x5000, 10, last_access).unwrap();
    let mut holder = first;
    for i in 0..n {
        let next = if i + 1 == n { VFS } else { hops[(i + 1) % 2] };
        let new = w.t(holder).grant_indirect(next, granter, id, RW).unwrap();
        granter = holder;
        id = new;
        holder = next;
    }
    (holder, granter, id)
}

#[test]
fn chain_of_five_indirect_grants_is_ok() {
    let mut w = World::standard();
    let (caller, granter, id) = chain(&mut w, 5, RW);
    let v = check(&w, req(caller, granter, id, 1, 2)).unwrap();
    assert_eq!((v.owner, v.addr, v.hops, v.final_granter), (USER, 0x5001, 5, USER));
}

#[test]
fn chain_of_six_indirect_grants_is_eloop() {
    let mut w = World::standard();
    let (caller, granter, id) = chain(&mut w, 6, RW);
    assert_eq!(check(&w, req(caller, granter, id, 1, 2)), Err(ELOOP));
    // ELOOP (check 3) comes before missing access (check 4).
    let mut w = World::standard();
    let (caller, granter, id) = chain(&mut w, 6, 0);
    assert_eq!(check(&w, req(caller, granter, id, 1, 2)), Err(ELOOP));
}

#[test]
fn self_referencing_indirect_grant_is_eloop() {
    let mut w = World::standard();
    // Slot 0's grant will be FS's first id: an indirect grant to itself.
    let id = w.t(FS).grant_indirect(FS, FS, GrantId::new(0, 0), RW).unwrap();
    assert_eq!(id, GrantId::new(0, 0));
    assert_eq!(check(&w, req(FS, FS, id, 0, 1)), Err(ELOOP));
}

#[test]
fn every_hop_needs_the_access() {
    let mut w = World::standard();
    let orig = w.t(USER).grant_direct(FS, 0, 64, RW).unwrap();
    let ro = w.t(FS).grant_indirect(DRIVER, USER, orig, CPF_READ).unwrap();
    assert!(check(&w, req(DRIVER, FS, ro, 0, 1)).is_ok());
    assert_eq!(check(&w, write(req(DRIVER, FS, ro, 0, 1))), Err(EPERM));
    // And the final grant's access counts too.
    let orig_ro = w.t(USER).grant_direct(FS, 0, 64, CPF_READ).unwrap();
    let rw = w.t(FS).grant_indirect(DRIVER, USER, orig_ro, RW).unwrap();
    assert_eq!(check(&w, write(req(DRIVER, FS, rw, 0, 1))), Err(EPERM));
}

#[test]
fn magic_grant_from_vfs_uses_the_named_memory() {
    let mut w = World::standard();
    let id = w.t(VFS).grant_magic(USER, FS, 0x7000, 32, RW | CPF_TRY).unwrap();
    let v = check(&w, write(req(FS, VFS, id, 8, 24))).unwrap();
    assert_eq!((v.owner, v.addr, v.bytes, v.try_copy), (USER, 0x7008, 24, true));
    assert_eq!((v.final_granter, v.final_grant), (VFS, id));
    assert_eq!(check(&w, req(FS, VFS, id, 8, 25)), Err(EPERM));
    assert_eq!(check(&w, req(DRIVER, VFS, id, 0, 1)), Err(EPERM));
    assert_eq!(check(&w, req(FS, VFS, id, u64::MAX, 2)), Err(EPERM));
}

#[test]
fn magic_grant_from_others_is_eperm() {
    let mut w = World::standard();
    let id = w.t(FS).grant_magic(USER, DRIVER, 0x7000, 32, RW).unwrap();
    assert_eq!(check(&w, req(DRIVER, FS, id, 0, 1)), Err(EPERM));
    // Through an indirect grant it is the final granter that counts.
    let vfs_magic = w.t(VFS).grant_magic(USER, FS, 0x7000, 32, RW).unwrap();
    let ind = w.t(FS).grant_indirect(DRIVER, VFS, vfs_magic, RW).unwrap();
    let v = check(&w, req(DRIVER, FS, ind, 0, 32)).unwrap();
    assert_eq!((v.owner, v.final_granter, v.hops), (USER, VFS, 1));
    let fs_magic = w.t(FS).grant_magic(USER, DRIVER, 0, 32, RW).unwrap();
    let ind = w.t(DRIVER).grant_indirect(USER, FS, fs_magic, RW).unwrap();
    assert_eq!(check(&w, req(USER, DRIVER, ind, 0, 1)), Err(EPERM));
}

#[test]
fn try_comes_from_the_final_grant_and_marks_it() {
    let mut w = World::standard();
    w.t(USER).grant_direct(FS, 0, 1, RW).unwrap(); // move to slot 1
    let orig = w.t(USER).grant_direct(FS, 0, 64, RW | CPF_TRY).unwrap();
    let ind = w.t(FS).grant_indirect(DRIVER, USER, orig, RW).unwrap();
    let v = check(&w, req(DRIVER, FS, ind, 0, 8)).unwrap();
    assert!(v.try_copy);
    let mark = v.fault_mark();
    assert_eq!((mark.granter, mark.slot, mark.value), (USER, 1, orig.0));
    assert_eq!(mark.table_offset, 48 + GrantEntry::FAULT_MARK_OFFSET);
    // The engine writes the mark; the revoker learns of the fault.
    assert!(w.t(mark.granter).mark_fault(GrantId(mark.value)));
    assert_eq!(w.t(FS).revoke(ind), Ok(false));
    assert_eq!(w.t(USER).revoke(orig), Ok(true));

    // TRY on an indirect grant alone does not apply.
    let plain = w.t(USER).grant_direct(FS, 0, 64, RW).unwrap();
    let ind = w.t(FS).grant_indirect(DRIVER, USER, plain, RW | CPF_TRY).unwrap();
    assert!(!check(&w, req(DRIVER, FS, ind, 0, 8)).unwrap().try_copy);
}

#[test]
fn mark_written_through_raw_bytes_is_seen_by_revoke() {
    let mut w = World::standard();
    let id = w.t(USER).grant_direct(FS, 0, 64, CPF_READ | CPF_TRY).unwrap();
    let v = check(&w, req(FS, USER, id, 0, 1)).unwrap();
    let mark = v.fault_mark();
    // Write the mark the way an engine with a byte mapping would.
    let t = w.t(USER);
    let entry = *t.get(id).unwrap();
    let mut bytes = entry.to_bytes();
    let at = mark.table_offset - mark.slot as usize * crate::ENTRY_SIZE;
    bytes[at..at + 4].copy_from_slice(&mark.value.to_ne_bytes());
    assert_eq!(GrantEntry::from_bytes(&bytes).fault_mark, id.0);
    assert!(t.mark_fault(id));
    assert_eq!(t.revoke(id), Ok(true));
}

#[test]
fn none_side_is_efault() {
    assert_eq!(check_copy_sides(NONE, USER), Err(EFAULT));
    assert_eq!(check_copy_sides(USER, NONE), Err(EFAULT));
    assert_eq!(check_copy_sides(USER, FS), Ok(()));
}
