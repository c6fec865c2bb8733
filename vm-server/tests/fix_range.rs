// SPDX-License-Identifier: BSD-2-Clause
//! FIX_RANGE in the model: a range made present (and writable) as the
//! process's own faults would make it, copy-on-write broken on a write,
//! and EFAULT/ENOMEM, never a kill, where a fault would have killed.

mod common;

use common::{load, reclaim, store, P};
use minix_abi::errno::{Errno, EFAULT, ENOMEM};
use vm_server::host_frames::HostFrames;
use vm_server::memtype::FileRef;
use vm_server::page::{Mapping, PageFrame};
use vm_server::{AddressSpace, FrameAllocator, MadePresent, PageUse, Prot, USER_TOP};

const A: u64 = 0x40_0000;

fn anon(f: &mut HostFrames, at: u64, pages: u64, prot: Prot) -> AddressSpace {
    let mut s = AddressSpace::new();
    assert_eq!(s.mmap_anon(at, pages * P, prot, true, f).unwrap().0, at);
    s
}

/// FIX_RANGE, recording every mapping handed to the glue.
fn fix(s: &mut AddressSpace, f: &mut HostFrames, addr: u64, len: u64, write: bool) -> (Result<(), Errno>, Vec<Mapping>) {
    let mut installed = Vec::new();
    let r = s.fix_range(addr, len, write, f, |m, _| {
        installed.push(*m);
        Ok(())
    });
    (r, installed)
}

fn vaddrs(ms: &[Mapping]) -> Vec<u64> {
    ms.iter().map(|m| m.vaddr).collect()
}

#[test]
fn demand_zero_range_becomes_present() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 8, Prot::RW);
    // An unaligned range: every page it touches, no more.
    let (r, ms) = fix(&mut s, &mut f, A + P + 100, 2 * P, true);
    assert_eq!(r, Ok(()));
    assert_eq!(vaddrs(&ms), vec![A + P, A + 2 * P, A + 3 * P]);
    assert!(ms.iter().all(|m| m.writable));
    assert_eq!(s.resident_pages(), 3);
    for m in &ms {
        assert_eq!(s.present_page(m.vaddr, true, &f), Some(m.frame));
        assert_eq!(load(&mut s, &mut f, m.vaddr), 0);
    }
    assert!(s.page(A).is_none() && s.page(A + 4 * P).is_none());

    // Present pages are left alone: nothing new to install.
    let used = f.in_use();
    let (r, ms) = fix(&mut s, &mut f, A + P, 3 * P, true);
    assert_eq!((r, ms.len(), f.in_use()), (Ok(()), 0, used));

    // A read range maps demand-zero pages too (writable, as a read fault
    // on private anonymous memory does).
    let (r, ms) = fix(&mut s, &mut f, A + 4 * P, P, false);
    assert_eq!((r, vaddrs(&ms)), (Ok(()), vec![A + 4 * P]));
    assert_eq!(s.resident_pages(), 4);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn write_breaks_copy_on_write() {
    let mut f = HostFrames::new(16);
    let mut p = anon(&mut f, A, 2, Prot::RW);
    store(&mut p, &mut f, A, 1);
    store(&mut p, &mut f, A + P, 2);
    let mut c = p.fork(&mut f).unwrap().child;
    assert_eq!(c.page(A).unwrap().frame, p.page(A).unwrap().frame);

    // A read range leaves the shared pages shared.
    let (r, ms) = fix(&mut c, &mut f, A, 2 * P, false);
    assert_eq!((r, ms.len()), (Ok(()), 0));
    assert_eq!(c.page(A).unwrap().frame, p.page(A).unwrap().frame);
    assert_eq!(c.page_use(A, true, &f), PageUse::Missing);

    // A write range gives the child its own copies, as its write faults
    // would, and the parent keeps its frames and contents.
    let (r, ms) = fix(&mut c, &mut f, A, 2 * P, true);
    assert_eq!(r, Ok(()));
    assert_eq!(vaddrs(&ms), vec![A, A + P]);
    for (i, m) in ms.iter().enumerate() {
        let at = A + i as u64 * P;
        assert!(m.writable);
        assert_ne!(c.page(at).unwrap().frame, p.page(at).unwrap().frame, "still shared at {at:#x}");
        assert!(!c.page(at).unwrap().cow);
        assert_eq!(c.present_page(at, true, &f), Some(m.frame));
        assert_eq!(load(&mut c, &mut f, at), 1 + i as u64);
    }
    store(&mut c, &mut f, A, 10);
    assert_eq!(load(&mut p, &mut f, A), 1);
    // The parent is the only holder now: its write takes its frame over.
    let pf = p.page(A).unwrap().frame;
    let PageFrame::Pool(id) = pf else { panic!() };
    assert_eq!(f.refcount(id), 1);
    let (r, ms) = fix(&mut p, &mut f, A, P, true);
    assert_eq!((r, ms.len()), (Ok(()), 1));
    assert_eq!(ms[0].frame, pf);
    assert!(ms[0].writable);

    reclaim(c.exit(&mut f), &mut f);
    reclaim(p.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn forbidden_access_is_efault_not_a_kill() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 2, Prot::RW);
    s.mmap_anon(A + 2 * P, 2 * P, Prot::READ, true, &mut f).unwrap();
    // A write across the read-only region: the writable pages before it
    // are made present, the first read-only page stops the call.
    let (r, ms) = fix(&mut s, &mut f, A, 4 * P, true);
    assert_eq!(r, Err(EFAULT));
    assert_eq!(vaddrs(&ms), vec![A, A + P]);
    assert!(s.page(A + 2 * P).is_none());
    // The process lives on: a read of the same range works.
    let (r, ms) = fix(&mut s, &mut f, A + 2 * P, 2 * P, false);
    assert_eq!((r, ms.len()), (Ok(()), 2));
    assert!(ms.iter().all(|m| !m.writable));
    // A write to a present read-only page is still refused.
    assert_eq!(fix(&mut s, &mut f, A + 3 * P, 1, true).0, Err(EFAULT));

    // No access at all: EFAULT for reads too.
    let (none, _) = s.mmap_anon(0, P, Prot::NONE, false, &mut f).unwrap();
    assert_eq!(fix(&mut s, &mut f, none, P, false).0, Err(EFAULT));
    assert!(s.page(none).is_none());
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn hole_is_efault() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 1, Prot::RW);
    s.mmap_anon(A + 2 * P, P, Prot::RW, true, &mut f).unwrap();
    let (r, ms) = fix(&mut s, &mut f, A, 3 * P, true);
    assert_eq!(r, Err(EFAULT));
    assert_eq!(vaddrs(&ms), vec![A]);
    assert!(s.page(A + 2 * P).is_none(), "nothing past the hole");
    // Wholly unmapped ranges, page 0 included.
    assert_eq!(fix(&mut s, &mut f, 0, P, false).0, Err(EFAULT));
    assert_eq!(fix(&mut s, &mut f, A + 3 * P, P, true).0, Err(EFAULT));
    assert_eq!(s.resident_pages(), 1);
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn zero_length_does_nothing() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 1, Prot::RW);
    for addr in [A, 0, USER_TOP, u64::MAX] {
        for write in [false, true] {
            let (r, ms) = fix(&mut s, &mut f, addr, 0, write);
            assert_eq!((r, ms.len()), (Ok(()), 0), "{addr:#x}");
        }
    }
    assert_eq!((s.resident_pages(), f.in_use()), (0, 0));
}

#[test]
fn wrapping_or_high_ranges_are_efault() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, USER_TOP - 2 * P, 2, Prot::RW);
    for (addr, len) in [(u64::MAX, 1), (u64::MAX - 10, P), (u64::MAX - P + 1, P), (USER_TOP - P, P + 1), (USER_TOP, 1), (USER_TOP - 1, 2)] {
        let (r, ms) = fix(&mut s, &mut f, addr, len, true);
        assert_eq!((r, ms.len()), (Err(EFAULT), 0), "{addr:#x}+{len:#x}");
    }
    assert_eq!(s.resident_pages(), 0, "a range refused whole touches nothing");
    // Up to the top exactly is fine.
    let (r, ms) = fix(&mut s, &mut f, USER_TOP - 2 * P, 2 * P, true);
    assert_eq!((r, ms.len()), (Ok(()), 2));
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn out_of_frames_is_enomem() {
    let mut f = HostFrames::new(2);
    let mut s = anon(&mut f, A, 4, Prot::RW);
    let (r, ms) = fix(&mut s, &mut f, A, 4 * P, true);
    assert_eq!(r, Err(ENOMEM));
    assert_eq!(vaddrs(&ms), vec![A, A + P]);
    // Once memory is back, the same call completes.
    f.set_limit(4);
    let (r, ms) = fix(&mut s, &mut f, A, 4 * P, true);
    assert_eq!((r, vaddrs(&ms)), (Ok(()), vec![A + 2 * P, A + 3 * P]));

    // A copy-on-write break needs a frame too.
    let mut c = s.fork(&mut f).unwrap().child;
    assert_eq!(fix(&mut c, &mut f, A, P, true).0, Err(ENOMEM));
    assert!(c.page(A).unwrap().cow, "nothing changed");
    reclaim(c.exit(&mut f), &mut f);
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.in_use(), 0);
}

#[test]
fn physical_pages_are_refused_never_remapped() {
    // The IPC buffer is a direct-physical page.
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 1, Prot::RW);
    let ipc = 0x7000_0000;
    s.map_phys(ipc, P, 0x12_3000, Prot::RW, true, &mut f).unwrap();
    for write in [false, true] {
        let (r, ms) = fix(&mut s, &mut f, ipc, 8, write);
        assert_eq!((r, ms.len()), (Err(EFAULT), 0));
        let (r, ms) = fix(&mut s, &mut f, A, ipc + P - A, write);
        assert_eq!(r, Err(EFAULT));
        assert!(ms.iter().all(|m| m.vaddr < ipc + P && m.frame.pool().is_some()), "a physical page handed out");
    }
    assert_eq!(s.page_use(ipc, false, &f), PageUse::Refused);
    assert_eq!(s.make_present(ipc, true, &mut f), Err(EFAULT));
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn file_pages_are_efault_for_now() {
    let mut f = HostFrames::new(16);
    let mut s = AddressSpace::new();
    let file = FileRef { dev: 1, ino: 2 };
    let (a, _) = s.mmap_file(0, 2 * P, Prot::RW, false, false, file, 0, &mut f).unwrap();
    for write in [false, true] {
        let (r, ms) = fix(&mut s, &mut f, a, 2 * P, write);
        assert_eq!((r, ms.len()), (Err(EFAULT), 0));
    }
    assert_eq!(s.resident_pages(), 0);
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn install_failure_stops_the_call() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 4, Prot::RW);
    let mut calls = 0;
    let r = s.fix_range(A, 4 * P, true, &mut f, |_, _| {
        calls += 1;
        if calls == 2 {
            Err(ENOMEM)
        } else {
            Ok(())
        }
    });
    assert_eq!((r, calls), (Err(ENOMEM), 2));
    // The page whose mapping failed is present in the model; a fault (or
    // the next FIX_RANGE) maps it again.
    assert_eq!(s.resident_pages(), 2);
    assert!(matches!(s.make_present(A + P, true, &mut f), Ok(MadePresent::Already(_))));
    reclaim(s.exit(&mut f), &mut f);
}

#[test]
fn page_use_and_make_present_agree() {
    let mut f = HostFrames::new(16);
    let mut s = anon(&mut f, A, 1, Prot::RW);
    assert_eq!(s.page_use(A, false, &f), PageUse::Missing);
    assert_eq!(s.page_use(A + P, false, &f), PageUse::Missing);
    let Ok(MadePresent::Mapped(m, id)) = s.make_present(A, false, &mut f) else { panic!() };
    assert_eq!(m.frame, PageFrame::Pool(id));
    assert_eq!(s.page_use(A, true, &f), PageUse::Ready(id));
    assert_eq!(s.make_present(A, true, &mut f), Ok(MadePresent::Already(id)));
    assert_eq!(s.make_present(A + P, false, &mut f), Err(EFAULT));
    reclaim(s.exit(&mut f), &mut f);
}
