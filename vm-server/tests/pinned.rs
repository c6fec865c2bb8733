// SPDX-License-Identifier: BSD-2-Clause
//! The pinned page (a process's IPC buffer): no munmap and no fixed
//! mapping of any kind may take it away, and a forked child inherits the
//! pin. Once MAP_FIXED over the IPC buffer was accepted although munmap of
//! it was refused.

mod common;

use common::P;
use minix_abi::errno::EINVAL;
use vm_server::host_frames::HostFrames;
use vm_server::memtype::FileRef;
use vm_server::{AddressSpace, Prot};

/// Where the runtime puts the IPC buffer.
const IPC: u64 = 0x7000_0000;

fn pinned_space(f: &mut HostFrames) -> AddressSpace {
    let mut s = AddressSpace::new();
    s.map_phys(IPC, P, 0x10_0000, Prot::RW, true, f).unwrap();
    s.pin(IPC, P);
    s
}

#[test]
fn fixed_mappings_over_the_pinned_page_are_refused() {
    let mut f = HostFrames::new(16);
    let mut s = pinned_space(&mut f);
    let before = s.clone();
    // The page itself, a range ending in it, one starting in it, and one
    // covering it with room on both sides.
    for (addr, len) in [(IPC, P), (IPC - P, 2 * P), (IPC, 3 * P), (IPC - 4 * P, 16 * P)] {
        assert_eq!(s.mmap_anon(addr, len, Prot::RW, true, &mut f).err(), Some(EINVAL), "anon at {addr:#x}+{len:#x}");
        assert_eq!(s.mmap_contig(addr, len, Prot::RW, true, &mut f).err(), Some(EINVAL), "contig at {addr:#x}+{len:#x}");
        assert_eq!(s.map_phys(addr, len, 0x20_0000, Prot::RW, true, &mut f).err(), Some(EINVAL), "phys at {addr:#x}+{len:#x}");
        let file = FileRef { dev: 1, ino: 7 };
        assert_eq!(s.mmap_file(addr, len, Prot::READ, true, false, file, 0, &mut f).err(), Some(EINVAL), "file at {addr:#x}+{len:#x}");
        assert_eq!(s.munmap(addr, len, &mut f).err(), Some(EINVAL), "munmap at {addr:#x}+{len:#x}");
    }
    assert_eq!(s, before, "a refused call changed the space");
    // Next to it, everything is allowed.
    s.mmap_anon(IPC - P, P, Prot::RW, true, &mut f).unwrap();
    s.mmap_anon(IPC + P, P, Prot::RW, true, &mut f).unwrap();
    s.munmap(IPC - P, P, &mut f).unwrap();
    // A hint at the pinned page without MAP_FIXED lands elsewhere.
    let (a, _) = s.mmap_anon(IPC, P, Prot::RW, false, &mut f).unwrap();
    assert_ne!(a, IPC);
}

#[test]
fn a_wrapping_munmap_is_refused_before_the_pin() {
    let mut f = HostFrames::new(4);
    let mut s = pinned_space(&mut f);
    assert_eq!(s.munmap(IPC - P, u64::MAX, &mut f).err(), Some(EINVAL));
    assert!(s.page(IPC).is_some() || s.regions().lookup(IPC).is_some(), "the IPC buffer's region went away");
}

#[test]
fn a_forked_child_inherits_the_pin_until_vm_lifts_it() {
    let mut f = HostFrames::new(16);
    let mut s = pinned_space(&mut f);
    let mut child = s.fork(&mut f).unwrap().child;
    assert_eq!(child.munmap(IPC, P, &mut f).err(), Some(EINVAL));
    assert_eq!(child.mmap_anon(IPC, P, Prot::RW, true, &mut f).err(), Some(EINVAL));
    // VM replaces the child's IPC page with its own frame, then pins again.
    child.unpin();
    child.munmap(IPC, P, &mut f).unwrap();
    child.map_phys(IPC, P, 0x30_0000, Prot::RW, true, &mut f).unwrap();
    child.pin(IPC, P);
    assert_eq!(child.munmap(IPC, P, &mut f).err(), Some(EINVAL));
    // The parent's pin never moved.
    assert_eq!(s.munmap(IPC, P, &mut f).err(), Some(EINVAL));
}
