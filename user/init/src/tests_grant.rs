// SPDX-License-Identifier: BSD-2-Clause
//! Tests of grants and the copy engine: init grants memory to VFS, which
//! copies through VM (VFS's grant exercise: copy in, add a delta to every
//! byte, copy back out).
use crate::harness::{ensure, Test};
use grant::{GrantId, CPF_READ, CPF_TRY, CPF_WRITE};
use minix_abi::cspace::VFS_EP;
use minix_abi::endpoint::{Endpoint, PM, VFS};
use minix_abi::errno::{Errno, EFAULT, ELOOP, EPERM};
use minix_abi::vfs;
use minix_abi::vm::{PROT_READ, PROT_WRITE};
use mxrt::grants::Grants;
use mxrt::posix;

const RW: u32 = CPF_READ | CPF_WRITE;
const PAGE: u64 = 4096;

fn exercise(grant: GrantId, len: u64, delta: u8) -> Result<(), Errno> {
    let (c, w, l) = vfs::Request::GrantExercise { grant: grant.0, len, delta }.encode();
    mxrt::ipc::sendrec(VFS_EP, c, w, l).result().map(|_| ())
}

fn me() -> Endpoint {
    crate::harness::self_ep()
}

fn fresh_page() -> Result<posix::Mapping, &'static str> {
    posix::mmap_region(PAGE, PROT_READ | PROT_WRITE).map_err(|_| "mmap")
}

pub const TESTS: &[Test] = &[
    Test { name: "grant.server_copies_in_and_out", run: |c| copy_in_out(&mut c.grants) },
    Test { name: "grant.stale_id_eperm", run: |c| stale(&mut c.grants) },
    Test { name: "grant.wrong_grantee_eperm", run: |c| wrong_grantee(&mut c.grants) },
    Test { name: "grant.out_of_range_eperm", run: |c| out_of_range(&mut c.grants) },
    Test { name: "grant.indirect_chain_of_5_works", run: |c| chain(&mut c.grants, 5, Ok(())) },
    Test { name: "grant.indirect_chain_of_6_eloop", run: |c| chain(&mut c.grants, 6, Err(ELOOP)) },
    Test { name: "grant.non_vfs_magic_grant_eperm", run: |c| magic(&mut c.grants) },
    Test { name: "grant.try_untouched_page_efault_and_mark", run: |c| try_untouched(&mut c.grants) },
    Test { name: "grant.without_try_pages_in_and_copies", run: |c| no_try(&mut c.grants) },
];

fn copy_in_out(g: &mut Grants) -> Result<(), &'static str> {
    let mut buf = [0u8; 300];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = i as u8;
    }
    let id = g.direct(VFS, buf.as_ptr() as u64, buf.len() as u64, RW).map_err(|_| "grant")?;
    let r = exercise(id, buf.len() as u64, 7);
    let faulted = g.revoke(id).map_err(|_| "revoke")?;
    ensure(r.is_ok(), "the copies failed")?;
    ensure(!faulted, "revoke reported a fault")?;
    let data = core::hint::black_box(&buf);
    ensure(data.iter().enumerate().all(|(i, b)| *b == (i as u8).wrapping_add(7)), "wrong bytes after the copies")
}

fn stale(g: &mut Grants) -> Result<(), &'static str> {
    let buf = [0u8; 64];
    let id = g.direct(VFS, buf.as_ptr() as u64, 64, RW).map_err(|_| "grant")?;
    g.revoke(id).map_err(|_| "revoke")?;
    // The slot is reused by the next grant, with a new sequence number.
    let fresh = g.direct(VFS, buf.as_ptr() as u64, 64, RW).map_err(|_| "grant")?;
    let r = exercise(id, 64, 1);
    g.revoke(fresh).map_err(|_| "revoke")?;
    ensure(r == Err(EPERM), "stale id not refused with EPERM")
}

fn wrong_grantee(g: &mut Grants) -> Result<(), &'static str> {
    let buf = [0u8; 64];
    let id = g.direct(PM, buf.as_ptr() as u64, 64, RW).map_err(|_| "grant")?;
    let r = exercise(id, 64, 1);
    g.revoke(id).map_err(|_| "revoke")?;
    ensure(r == Err(EPERM), "wrong grantee not refused with EPERM")
}

fn out_of_range(g: &mut Grants) -> Result<(), &'static str> {
    let buf = [0u8; 64];
    let id = g.direct(VFS, buf.as_ptr() as u64, 16, RW).map_err(|_| "grant")?;
    let r = exercise(id, 32, 1);
    g.revoke(id).map_err(|_| "revoke")?;
    ensure(r == Err(EPERM), "out-of-range copy not refused with EPERM")
}

/// A direct grant to ourselves passed on through `n` indirect grants, the
/// last one to VFS.
fn chain(g: &mut Grants, n: usize, expect: Result<(), Errno>) -> Result<(), &'static str> {
    let buf = [0u8; 64];
    let mut ids = [GrantId(-1); 8];
    ids[0] = g.direct(me(), buf.as_ptr() as u64, 64, RW).map_err(|_| "grant")?;
    for i in 1..=n {
        let grantee = if i == n { VFS } else { me() };
        ids[i] = g.indirect(grantee, me(), ids[i - 1], RW).map_err(|_| "indirect grant")?;
    }
    let r = exercise(ids[n], 64, 1);
    for id in ids.iter().take(n + 1) {
        g.revoke(*id).map_err(|_| "revoke")?;
    }
    ensure(r == expect, "wrong result through the chain")
}

fn magic(g: &mut Grants) -> Result<(), &'static str> {
    let buf = [0u8; 64];
    let id = g.magic(me(), VFS, buf.as_ptr() as u64, 64, RW).map_err(|_| "grant")?;
    let r = exercise(id, 64, 1);
    g.revoke(id).map_err(|_| "revoke")?;
    ensure(r == Err(EPERM), "a magic grant from init was honoured")
}

fn try_untouched(g: &mut Grants) -> Result<(), &'static str> {
    let page = fresh_page()?;
    let (_, _, resident_before) = posix::vm_info().map_err(|_| "info")?;
    let id = g.direct(VFS, page.base(), PAGE, RW | CPF_TRY).map_err(|_| "grant")?;
    let r = exercise(id, PAGE, 1);
    let (_, _, resident_after) = posix::vm_info().map_err(|_| "info")?;
    let faulted = g.revoke(id).map_err(|_| "revoke")?;
    page.unmap().map_err(|_| "munmap")?;
    ensure(r == Err(EFAULT), "TRY copy into an untouched page did not fail with EFAULT")?;
    ensure(resident_after == resident_before, "the TRY copy paged memory in")?;
    ensure(faulted, "revoke did not see the fault mark")
}

fn no_try(g: &mut Grants) -> Result<(), &'static str> {
    let page = fresh_page()?;
    let id = g.direct(VFS, page.base(), PAGE, RW).map_err(|_| "grant")?;
    let r = exercise(id, PAGE, 5);
    let faulted = g.revoke(id).map_err(|_| "revoke")?;
    ensure(r.is_ok(), "the copy without TRY failed")?;
    ensure(!faulted, "a non-TRY grant reported a fault")?;
    let ok = page.as_slice().iter().all(|&b| b == 5);
    page.unmap().map_err(|_| "munmap")?;
    ensure(ok, "wrong bytes after the copy")
}
