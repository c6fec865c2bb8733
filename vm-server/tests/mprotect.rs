// SPDX-License-Identifier: BSD-2-Clause
//! mprotect (musl's thread stacks are mapped PROT_NONE and opened with it):
//! protection changes split and merge regions, forbid or allow faults, and
//! keep the pages' contents; what may never become writable is refused.

mod common;

use common::P;
use minix_abi::errno::{EACCES, EINVAL, ENOMEM};
use vm_server::host_frames::HostFrames;
use vm_server::memtype::FileRef;
use vm_server::{AddressSpace, FaultOutcome, Prot};

fn touch(s: &mut AddressSpace, f: &mut HostFrames, addr: u64, write: bool) -> bool {
    matches!(s.handle_fault(addr, write, f), FaultOutcome::Map(_))
}

#[test]
fn none_then_read_write_keeps_the_pages() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let (base, _) = s.mmap_anon(0x4000_0000, 8 * P, Prot::NONE, true, &mut f).unwrap();
    assert!(!touch(&mut s, &mut f, base, false), "PROT_NONE refuses a read");
    // musl: a guard page, the rest read-write.
    let present = s.mprotect(base + P, 7 * P, Prot::RW).unwrap();
    assert!(present.is_empty());
    assert_eq!(s.regions().len(), 2, "split at the guard page");
    assert!(!touch(&mut s, &mut f, base, true), "the guard page still refuses");
    assert!(touch(&mut s, &mut f, base + 2 * P, true));
    // Read-only now: the present page is named so its mapping goes, and a
    // write faults for good while a read maps it again.
    let present = s.mprotect(base + P, 7 * P, Prot::READ).unwrap();
    assert_eq!(present, [base + 2 * P]);
    assert!(!touch(&mut s, &mut f, base + 2 * P, true));
    assert!(touch(&mut s, &mut f, base + 2 * P, false));
    // The whole range one protection again: one region.
    s.mprotect(base, 8 * P, Prot::RW).unwrap();
    assert_eq!(s.regions().len(), 1);
    assert_eq!(s.resident_pages(), 1, "the touched page kept its frame");
}

#[test]
fn refusals_change_nothing() {
    let mut f = HostFrames::new(64);
    let mut s = AddressSpace::new();
    let (base, _) = s.mmap_anon(0x4000_0000, 4 * P, Prot::RW, true, &mut f).unwrap();
    let file = FileRef { dev: 1, ino: 7 };
    let (shared, _) = s.mmap_file(0x5000_0000, 2 * P, Prot::READ, true, true, file, 0, &mut f).unwrap();
    let (private, _) = s.mmap_file(0x5100_0000, 2 * P, Prot::READ, true, false, file, 0, &mut f).unwrap();
    let before = s.clone();
    // A hole in the range, past the end, unaligned, a shared file made
    // writable.
    assert_eq!(s.mprotect(base, 5 * P, Prot::READ).err(), Some(ENOMEM));
    assert_eq!(s.mprotect(base - P, 2 * P, Prot::READ).err(), Some(ENOMEM));
    assert_eq!(s.mprotect(base + 1, P, Prot::READ).err(), Some(EINVAL));
    assert_eq!(s.mprotect(shared, P, Prot::RW).err(), Some(EACCES));
    assert_eq!(s, before);
    // A private file mapping may become writable (its pages copy on write).
    assert!(s.mprotect(private, 2 * P, Prot::RW).is_ok());
    // A zero length does nothing, as on Linux.
    assert_eq!(s.mprotect(base, 0, Prot::NONE), Ok(vec![]));
}
