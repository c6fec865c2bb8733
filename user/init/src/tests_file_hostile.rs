// SPDX-License-Identifier: BSD-2-Clause
//! The second round of hostile findings on the file half that VM answers
//! for (issue 19): a write whose source is a mapping of the file it writes,
//! MAP_FIXED over the IPC buffer, the TRY fault mark in a grant table that
//! a fork made copy-on-write, and a copy without TRY into a file page that
//! nobody has touched. Each once gave a wrong answer; the system stayed up.
extern crate alloc;
use crate::harness::{ensure, ok, Test};
use crate::tests_mmap::{bytes, bytes_mut, file, map, pattern, watched, R};
use alloc::vec::Vec;
use grant::{GrantId, CPF_READ, CPF_TRY, CPF_WRITE};
use minix_abi::cspace::addr::IPC_BUFFER;
use minix_abi::cspace::VFS_EP;
use minix_abi::endpoint::VFS;
use minix_abi::errno::{Errno, EFAULT, EINVAL};
use minix_abi::pm;
use minix_abi::vfs;
use minix_abi::vm::{MAP_ANON, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE};
use mxrt::fs;
use mxrt::grants::Grants;
use mxrt::posix;

const PAGE: usize = 4096;
const RW: u32 = CPF_READ | CPF_WRITE;

pub const TESTS: &[Test] = &[
    Test { name: "filehostile.pwrite_from_own_mapping_forward_overlap", run: |_| watched(overlap_forward) },
    Test { name: "filehostile.pwrite_from_own_mapping_many_pieces", run: |_| watched(overlap_pieces) },
    Test { name: "filehostile.map_fixed_over_ipc_buffer_einval", run: |_| map_fixed_ipc() },
    // Each with a grant table of its own, registered afresh: a process has
    // one table at VM, and earlier tests registered others.
    Test { name: "filehostile.try_mark_in_cow_grant_table", run: |_| try_mark_after_fork(&mut Grants::new()) },
    Test { name: "filehostile.copy_without_try_pages_file_in", run: |_| no_try_file_page(&mut Grants::new()) },
];

/// The whole file through read(), from offset 0.
fn read_back(fd: fs::Fd, len: usize) -> Result<Vec<u8>, &'static str> {
    let mut back = alloc::vec![0u8; len];
    ensure(ok(fs::pread(fd, &mut back, 0), "pread")? == len, "short pread")?;
    Ok(back)
}

/// What read() says must be what every view of the file shows: the
/// writer's own mapping, a fresh mapping, and a fresh mapping in a child.
fn all_views_agree(fd: fs::Fd, own: u64, len: usize) -> Result<Vec<u8>, &'static str> {
    let want = read_back(fd, len)?;
    ensure(bytes(own, len) == want.as_slice(), "the writer's own mapping disagrees with read()")?;
    let fresh = map(fd, len, PROT_READ, MAP_SHARED)?;
    ensure(bytes(fresh, len) == want.as_slice(), "a fresh mapping disagrees with read()")?;
    match ok(posix::fork(), "fork")? {
        0 => {
            let same = map(fd, len, PROT_READ, MAP_PRIVATE).map(|a| bytes(a, len) == want.as_slice());
            posix::exit(if same == Ok(true) { 0 } else { 1 })
        }
        pid => {
            let (_, status) = ok(posix::waitpid(pid as i64, 0), "wait")?;
            ensure(pm::wifexited(status) && pm::wexitstatus(status) == 0, "a mapping in another process disagrees with read()")?;
        }
    }
    Ok(want)
}

/// Pages `A`, `B`, `C`, `D`; pwrite of the first two pages of the file's
/// own mapping at page 1. The FS writes `AABD`; VM's cache once took
/// `AAAD`, reading its second page's source after it had written it.
fn overlap_forward() -> R {
    let data: Vec<u8> = (0..4 * PAGE).map(|i| b'A' + (i / PAGE) as u8).collect();
    let (fd, _) = file("overlap", &data)?;
    let a = map(fd, 4 * PAGE, PROT_READ, MAP_PRIVATE)?;
    // Every page cached and mapped, as a reader of the mapping has them.
    ensure(bytes(a, 4 * PAGE) == data.as_slice(), "the mapping does not show the file")?;
    let n = ok(fs::pwrite(fd, bytes(a, 2 * PAGE), PAGE as u64), "pwrite from the mapping")?;
    ensure(n == 2 * PAGE, "short pwrite")?;
    let got = all_views_agree(fd, a, 4 * PAGE)?;
    let want: Vec<u8> = b"AABD".iter().flat_map(|&c| [c; PAGE]).collect();
    ensure(got == want, "read() does not show AABD")
}

/// The same over more than one piece of the FS's writes (40 pages, more
/// than `fs::IO_MAX`): whatever bytes the later pieces took, read() and
/// every mapping show the same ones.
fn overlap_pieces() -> R {
    const PAGES: usize = 48;
    let data: Vec<u8> = (0..PAGES * PAGE).map(|i| (i / PAGE) as u8).collect();
    let (fd, _) = file("overlap48", &data)?;
    let a = map(fd, PAGES * PAGE, PROT_READ, MAP_PRIVATE)?;
    ensure(bytes(a, PAGES * PAGE) == data.as_slice(), "the mapping does not show the file")?;
    let n = ok(fs::pwrite(fd, bytes(a, 40 * PAGE), PAGE as u64), "pwrite from the mapping")?;
    ensure(n == 40 * PAGE, "short pwrite")?;
    let got = all_views_agree(fd, a, PAGES * PAGE)?;
    // The first piece's bytes are the file's as it was.
    ensure(got[..2 * PAGE].iter().all(|&b| b == 0), "pages 0 and 1 are not page 0's bytes")?;
    ensure(got[2 * PAGE..3 * PAGE].iter().all(|&b| b == 1), "page 2 is not page 1's bytes")?;
    ensure(got[41 * PAGE..].iter().enumerate().all(|(i, &b)| b == (41 + i / PAGE) as u8), "pages past the write changed")
}

/// MAP_FIXED over the IPC buffer, anonymous or of a file, whole or in
/// part, is refused as munmap of it is, and the buffer keeps working.
fn map_fixed_ipc() -> R {
    let flags = MAP_ANON | MAP_PRIVATE | MAP_FIXED;
    for (addr, len) in [(IPC_BUFFER, PAGE as u64), (IPC_BUFFER - PAGE as u64, 2 * PAGE as u64), (IPC_BUFFER, 3 * PAGE as u64)] {
        ensure(posix::mmap(addr, len, PROT_READ | PROT_WRITE, flags) == Err(EINVAL), "MAP_FIXED anonymous over the IPC buffer")?;
    }
    let (fd, _) = file("fixedipc", &pattern(PAGE, 3))?;
    let r = fs::mmap(fd, IPC_BUFFER, PAGE as u64, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
    ensure(r == Err(EINVAL), "MAP_FIXED of a file over the IPC buffer")?;
    ok(fs::close(fd), "close")?;
    // Calls that carry their words in the IPC buffer still work.
    ensure(posix::getpid() != 0, "no getpid afterwards")?;
    let (free, _, _) = ok(posix::vm_info(), "vm_info afterwards")?;
    ensure(free > 0, "vm_info answered nonsense")
}

fn exercise(grant: GrantId, len: u64, delta: u8) -> Result<(), Errno> {
    let (c, w, l) = vfs::Request::GrantExercise { grant: grant.0, len, delta }.encode();
    mxrt::ipc::sendrec(VFS_EP, c, w, l).result().map(|_| ())
}

/// A TRY grant made before a fork: the table's page is copy-on-write in
/// the parent when VFS's copy faults. VM must break it to write the mark
/// (it once dropped the mark, and revoke then saw no fault).
fn try_mark_after_fork(g: &mut Grants) -> R {
    let page = ok(posix::mmap_region(PAGE as u64, PROT_READ | PROT_WRITE), "mmap")?;
    let id = ok(g.direct(VFS, page.base(), PAGE as u64, RW | CPF_TRY), "grant")?;
    match ok(posix::fork(), "fork")? {
        0 => posix::exit(0),
        pid => {
            ok(posix::waitpid(pid as i64, 0), "wait")?;
        }
    }
    let r = exercise(id, PAGE as u64, 1);
    let faulted = ok(g.revoke(id), "revoke")?;
    ok(page.unmap(), "munmap")?;
    ensure(r == Err(EFAULT), "a TRY copy into an untouched page was not EFAULT")?;
    ensure(faulted, "the fault mark was lost in the copy-on-write table page")
}

/// A copy without TRY through a grant on a private file mapping nobody
/// touched: VM pages the file in, then copies (it once answered EFAULT).
/// Also for a page that is cached (another mapping read it) but not yet
/// mapped here.
fn no_try_file_page(g: &mut Grants) -> R {
    let data = [b'x'; 2 * PAGE];
    let (fd, _) = file("notry", &data)?;
    let other = map(fd, 2 * PAGE, PROT_READ, MAP_SHARED)?;
    // Page 1 is cached through the other mapping; page 0 is not.
    ensure(bytes(other + PAGE as u64, PAGE) == &data[..PAGE], "the other mapping")?;
    let a = map(fd, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    for page in [0u64, 1] {
        let at = a + page * PAGE as u64;
        let id = ok(g.direct(VFS, at, PAGE as u64, RW), "grant")?;
        let r = exercise(id, PAGE as u64, 1);
        let faulted = ok(g.revoke(id), "revoke")?;
        ok(r, "the copy without TRY into a file page failed")?;
        ensure(!faulted, "a grant without TRY reported a fault")?;
        ensure(bytes_mut(at, PAGE).iter().all(|&b| b == b'y'), "wrong bytes in the private page")?;
    }
    // The copies went to private pages: the file is as it was.
    ensure(read_back(fd, 2 * PAGE)? == data, "the copy reached the file")?;
    ensure(bytes(other, 2 * PAGE) == data, "the copy reached another mapping")
}
