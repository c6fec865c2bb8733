// SPDX-License-Identifier: BSD-2-Clause
//! File-mapped memory: mmap of files through VM's page cache, page-ins by
//! VFS's pager, the test74 scenarios this step covers, and the cases where
//! MINIX itself deadlocks (notes §4.9), each of which must finish with the
//! right bytes. Every test that could hang runs in a child under a
//! watchdog: a hang fails the test by name within seconds.
extern crate alloc;
use crate::harness::{ensure, ok, Rng, Test};
use alloc::vec::Vec;
use minix_abi::errno::*;
use minix_abi::pm;
use minix_abi::vfs::flags::*;
use minix_abi::vm::{MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE};
use mxrt::fs::{self, Fd};
use mxrt::posix;

pub(crate) type R = Result<(), &'static str>;
const PAGE: usize = 4096;

pub const TESTS: &[Test] = &[
    Test { name: "mmap.private_read_matches_file", run: |_| watched(private_read) },
    Test { name: "mmap.shared_read_only", run: |_| watched(shared_read) },
    Test { name: "mmap.refusals_enodev_eacces_einval", run: |_| refusals() },
    Test { name: "mmap.private_write_never_written_back", run: |_| watched(private_write) },
    Test { name: "mmap.page_past_eof_sigbus_tail_zero", run: |_| past_eof() },
    Test { name: "mmap.write_updates_mapped_page", run: |_| watched(coherent_write) },
    Test { name: "mmap.truncate_never_shows_dead_data", run: |_| watched(truncate) },
    Test { name: "mmap.holes_read_zero", run: |_| watched(holes) },
    Test { name: "mmap.read_into_untouched_mapping_same_file", run: |_| watched(read_into_mapping) },
    Test { name: "mmap.write_from_untouched_mapping_same_file", run: |_| watched(write_from_mapping) },
    Test { name: "mmap.faults_leave_offsets_alone", run: |_| watched(offsets) },
    Test { name: "mmap.pread_matches_mapping_4_8_12k_x100", run: |_| watched(pread_consistency) },
    Test { name: "mmap.offset_4gib_error_not_crash", run: |_| offset_4gib() },
    Test { name: "mmap.two_regions_written_to_file_same_fs", run: |_| watched(two_regions) },
    Test { name: "mmap.unlinked_file_lives_until_unmapped", run: |_| watched(unlinked_mapped) },
    Test { name: "mmap.corruption_run_x10", run: |_| watched(corruption_x10) },
    Test { name: "mmap.hole_regression", run: |_| watched(hole_regression) },
    Test { name: "mmap.memory_types_vs_operations", run: |_| watched(types_vs_operations) },
    Test { name: "mmap.hole_read_into_untouched_mapping_same_fs", run: |_| watched(hole_into_mapping) },
    Test { name: "mmap.partial_soft_fault", run: |_| watched(partial_soft_fault) },
    Test { name: "mmap.hole_filled_by_write_seen", run: |_| watched(hole_filled) },
    Test { name: "mmap.holes_not_kept_in_cache", run: |_| watched(holes_not_cached) },
];

/// Runs `f` in a child and waits at most 20 s of guest time: a hang is a
/// failure naming the test, not a stuck boot.
pub(crate) fn watched(f: fn() -> R) -> R {
    watched_for(20, f)
}

/// As [`watched`], with a limit of `secs` seconds.
pub(crate) fn watched_for(secs: u64, f: fn() -> R) -> R {
    let mhz = ok(posix::tsc_mhz(), "no TSC frequency")?;
    let pid = match ok(posix::fork(), "fork")? {
        0 => posix::exit(match f() {
            Ok(()) => 0,
            Err(why) => {
                sel4_root_task::println!("  in the child: {}", why);
                1
            }
        }),
        pid => pid,
    };
    let deadline = sel4::rdtsc() + secs * mhz * 1_000_000;
    loop {
        match posix::waitpid(pid as i64, pm::WNOHANG) {
            Ok((0, _)) if sel4::rdtsc() < deadline => {
                // Give way: every process runs at one priority, so a
                // parent that only polled would hold the CPU for its
                // whole timeslice each time the child's disk request left
                // the block driver waiting to run after its interrupt.
                sel4::yield_now();
                continue;
            }
            Ok((0, _)) => return Err("hung: no answer within the time limit"),
            Ok((_, status)) if pm::wifexited(status) => return ensure(pm::wexitstatus(status) == 0, "the test failed in its child"),
            Ok((_, status)) => {
                sel4_root_task::println!("  the child was killed by signal {}", pm::wtermsig(status));
                return Err("the test's child was killed");
            }
            Err(_) => return Err("wait failed"),
        }
    }
}

pub(crate) fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    (0..len).map(|_| r.next() as u8).collect()
}

/// A fresh file /m/<name> holding `data`, open read-write.
pub(crate) fn file(name: &str, data: &[u8]) -> Result<(Fd, alloc::string::String), &'static str> {
    let _ = fs::mkdir(b"/m", 0o755);
    let path = alloc::format!("/m/{name}");
    let fd = ok(fs::open(path.as_bytes(), O_CREAT | O_RDWR | O_TRUNC, 0o644), "create")?;
    ensure(ok(fs::write(fd, data), "write")? == data.len(), "short write")?;
    Ok((fd, path))
}

pub(crate) fn map(fd: Fd, len: usize, prot: u64, flags: u64) -> Result<u64, &'static str> {
    ok(fs::mmap(fd, 0, len as u64, prot, flags, 0), "mmap")
}

/// The mapped bytes at `addr` (read through the mapping, faulting).
pub(crate) fn bytes(addr: u64, len: usize) -> &'static [u8] {
    // SAFETY: the callers pass a readable mapping they made and never
    // unmap while the slice is used.
    unsafe { core::slice::from_raw_parts(addr as *const u8, len) }
}

pub(crate) fn bytes_mut(addr: u64, len: usize) -> &'static mut [u8] {
    // SAFETY: as `bytes`, for a writable private mapping.
    unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) }
}

/// Loads one byte, which the compiler may not leave out (the load is the
/// point: it faults).
fn touch(addr: u64) {
    // SAFETY: a load from a mapping the caller made; a fault there is
    // what the caller tests, and it ends this process.
    let v = unsafe { core::ptr::read_volatile(addr as *const u8) };
    core::hint::black_box(v);
}

fn private_read() -> R {
    let data = pattern(3 * PAGE + 100, 1);
    let (fd, _) = file("pread", &data)?;
    let a = map(fd, 4 * PAGE, PROT_READ, MAP_PRIVATE)?;
    ensure(bytes(a, data.len()) == &data[..], "mapped bytes differ from the file")?;
    ensure(bytes(a + data.len() as u64, 4 * PAGE - data.len()).iter().all(|&b| b == 0), "the last page's tail is not zero")
}

fn shared_read() -> R {
    let data = pattern(2 * PAGE, 2);
    let (fd, _) = file("shared", &data)?;
    let a = map(fd, 2 * PAGE, PROT_READ, MAP_SHARED)?;
    let b = map(fd, 2 * PAGE, PROT_READ, MAP_SHARED)?;
    ensure(bytes(a, 2 * PAGE) == &data[..] && bytes(b, 2 * PAGE) == &data[..], "two shared mappings")
}

fn refusals() -> R {
    let (fd, path) = file("refuse", &[1u8; PAGE])?;
    let e = |r: Result<u64, Errno>, want: Errno, why| if r == Err(want) { Ok(()) } else { Err(why) };
    e(fs::mmap(fd, 0, PAGE as u64, PROT_READ | PROT_WRITE, MAP_SHARED, 0), ENODEV, "MAP_SHARED with PROT_WRITE")?;
    e(fs::mmap(fd, 0, PAGE as u64, PROT_READ, MAP_PRIVATE, 100), EINVAL, "unaligned offset")?;
    let wo = ok(fs::open(path.as_bytes(), O_WRONLY, 0), "open write-only")?;
    e(fs::mmap(wo, 0, PAGE as u64, PROT_READ, MAP_PRIVATE, 0), EACCES, "a descriptor not open for reading")?;
    ok(fs::close(wo), "close")
}

fn private_write() -> R {
    let data = pattern(2 * PAGE, 3);
    let (fd, _) = file("pwrite", &data)?;
    let a = map(fd, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    let m = bytes_mut(a, 2 * PAGE);
    m[10] ^= 0xff;
    m[PAGE + 5] = m[PAGE + 5].wrapping_add(1);
    let mut back = alloc::vec![0u8; 2 * PAGE];
    ok(fs::pread(fd, &mut back, 0), "pread")?;
    ensure(back == data, "a private write reached the file")?;
    let b = map(fd, 2 * PAGE, PROT_READ, MAP_PRIVATE)?;
    ensure(bytes(b, 2 * PAGE) == &data[..], "another mapping saw the private write")?;
    ensure(m[10] == data[10] ^ 0xff, "the writer lost its own write")
}

fn past_eof() -> R {
    let data = pattern(PAGE + 10, 4);
    let (fd, _) = file("eof", &data)?;
    let a = map(fd, 4 * PAGE, PROT_READ, MAP_SHARED)?;
    ensure(bytes(a + PAGE as u64 + 10, PAGE - 10).iter().all(|&b| b == 0), "tail of the last page")?;
    let pid = match ok(posix::fork(), "fork")? {
        0 => {
            touch(a + 2 * PAGE as u64);
            posix::exit(0)
        }
        pid => pid,
    };
    let (_, status) = ok(posix::waitpid(pid as i64, 0), "wait")?;
    ensure(!pm::wifexited(status) && pm::wtermsig(status) == pm::SIGBUS, "a page past the end is not SIGBUS")
}

fn coherent_write() -> R {
    let data = pattern(2 * PAGE, 5);
    let (fd, _) = file("coherent", &data)?;
    let a = map(fd, 2 * PAGE, PROT_READ, MAP_SHARED)?;
    ensure(bytes(a, 2 * PAGE) == &data[..], "before")?;
    ok(fs::pwrite(fd, b"NEW BYTES", PAGE as u64 - 4), "pwrite across a page boundary")?;
    ensure(bytes(a + PAGE as u64 - 4, 9) == b"NEW BYTES", "the mapping does not see the write")?;
    ok(fs::pwrite(fd, b"Z", 0), "small write")?;
    ensure(bytes(a, 1)[0] == b'Z', "the mapping does not see a small write")
}

fn truncate() -> R {
    let data = pattern(2 * PAGE, 6);
    let (fd, _) = file("trunc", &data)?;
    let a = map(fd, 2 * PAGE, PROT_READ, MAP_SHARED)?;
    ensure(bytes(a, 2 * PAGE) == &data[..], "before")?;
    ok(fs::ftruncate(fd, 100), "truncate")?;
    let m = bytes(a, 2 * PAGE);
    ensure(m[..100] == data[..100], "bytes before the new end")?;
    ensure(m[100..PAGE].iter().all(|&b| b == 0), "the truncated part of the last page shows dead data")?;
    ensure(m[PAGE..].iter().all(|&b| b == 0), "a dropped page shows dead data")
}

fn holes() -> R {
    let (fd, _) = file("holes", b"")?;
    ok(fs::pwrite(fd, b"end", 5 * PAGE as u64), "pwrite past a hole")?;
    let a = map(fd, 6 * PAGE, PROT_READ, MAP_PRIVATE)?;
    ensure(bytes(a, 5 * PAGE).iter().all(|&b| b == 0), "a hole is not zero")?;
    ensure(bytes(a + 5 * PAGE as u64, 3) == b"end", "the data after the hole")
}

/// A hole page is mapped but not cached, so a write() into it cannot
/// update a cached page: the mapping must still show the new bytes.
fn hole_filled() -> R {
    let (fd, _) = file("holefill", b"")?;
    ok(fs::pwrite(fd, b"end", 5 * PAGE as u64), "pwrite past a hole")?;
    let a = map(fd, 6 * PAGE, PROT_READ, MAP_SHARED)?;
    ensure(bytes(a + 2 * PAGE as u64, PAGE).iter().all(|&b| b == 0), "a hole is not zero")?;
    ok(fs::pwrite(fd, b"FILLED", 2 * PAGE as u64 + 100), "write into the hole")?;
    ensure(bytes(a + 2 * PAGE as u64 + 100, 6) == b"FILLED", "the mapping does not see the filled hole")?;
    ensure(bytes(a + 2 * PAGE as u64, 100).iter().all(|&b| b == 0), "the rest of the filled page")?;
    ok(fs::ftruncate(fd, 2 * PAGE as u64 + 200), "truncate")?;
    ensure(bytes(a + 2 * PAGE as u64 + 100, 6) == b"FILLED", "the bytes before the new end")
}

/// Holes are zeros the page cache does not keep: touching 64 hole pages
/// and unmapping them gives their frames back, where 64 cached pages
/// would stay. VM's INFO counts free frames.
fn holes_not_cached() -> R {
    const N: usize = 64;
    let (fd, _) = file("holefree", b"")?;
    ok(fs::pwrite(fd, b"x", (N * PAGE) as u64), "pwrite past the holes")?;
    let before = ok(posix::vm_info(), "vm info")?.0;
    let a = map(fd, (N + 1) * PAGE, PROT_READ, MAP_PRIVATE)?;
    for i in 0..N {
        ensure(bytes(a + (i * PAGE) as u64, PAGE).iter().all(|&b| b == 0), "a hole is not zero")?;
    }
    ok(posix::munmap(a, ((N + 1) * PAGE) as u64), "munmap")?;
    let after = ok(posix::vm_info(), "vm info")?.0;
    // A few frames may go to page tables and bookkeeping; 64 cached holes
    // would take 64.
    if before.saturating_sub(after) >= N as u64 / 2 {
        sel4_root_task::println!("  free frames: {} before, {} after", before, after);
        return Err("hole pages stayed in memory after the unmap");
    }
    Ok(())
}

/// MINIX §4.9: read() into a never-touched mapping of the same file,
/// through the same descriptor. The FS's copy faults on a page only the
/// FS can supply: VFS has VM page it in (through the pager) and repeats.
fn read_into_mapping() -> R {
    let data = pattern(4 * PAGE, 7);
    let (fd, _) = file("readinto", &data)?;
    let a = map(fd, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    ok(fs::lseek(fd, 0, SEEK_SET), "rewind")?;
    let n = ok(fs::read(fd, bytes_mut(a, 4 * PAGE)), "read into the mapping")?;
    ensure(n == 4 * PAGE && bytes(a, 4 * PAGE) == &data[..], "wrong bytes")
}

/// MINIX §4.9: write() from a never-touched mapping of the file written.
fn write_from_mapping() -> R {
    let data = pattern(3 * PAGE, 8);
    let (fd, _) = file("writefrom", &data)?;
    let a = map(fd, 3 * PAGE, PROT_READ, MAP_SHARED)?;
    let n = ok(fs::pwrite(fd, bytes(a, 3 * PAGE), 3 * PAGE as u64), "write from the mapping")?;
    let mut back = alloc::vec![0u8; 3 * PAGE];
    ok(fs::pread(fd, &mut back, 3 * PAGE as u64), "pread")?;
    ensure(n == 3 * PAGE && back == data, "wrong bytes")
}

fn offsets() -> R {
    let data = pattern(3 * PAGE, 9);
    let (fd, _) = file("offsets", &data)?;
    ok(fs::lseek(fd, 1234, SEEK_SET), "seek")?;
    let a = map(fd, 3 * PAGE, PROT_READ, MAP_PRIVATE)?;
    let sum: u32 = bytes(a, 3 * PAGE).iter().map(|&b| b as u32).sum();
    ensure(sum > 0, "mapping read")?;
    ensure(ok(fs::lseek(fd, 0, SEEK_CUR), "tell")? == 1234, "a page fault moved the descriptor's offset")
}

fn pread_consistency() -> R {
    let len = 64 * PAGE;
    let data = pattern(len, 10);
    let (fd, _) = file("consist", &data)?;
    let a = map(fd, len, PROT_READ, MAP_SHARED)?;
    let mut r = Rng(99);
    for block in [PAGE, 2 * PAGE, 3 * PAGE] {
        let mut buf = alloc::vec![0u8; block];
        for _ in 0..100 {
            let off = (r.below((len - block) as u64 / 512) * 512) as usize;
            ensure(ok(fs::pread(fd, &mut buf, off as u64), "pread")? == block, "short pread")?;
            ensure(buf == bytes(a + off as u64, block), "pread and the mapping disagree")?;
            // Interleaved writes: both views must follow.
            let v = [r.next() as u8; 16];
            ok(fs::pwrite(fd, &v, off as u64), "pwrite")?;
            ensure(bytes(a + off as u64, 16) == v, "the mapping missed a write")?;
        }
    }
    Ok(())
}

fn offset_4gib() -> R {
    let (fd, _) = file("far", b"x")?;
    let a = match fs::mmap(fd, 0, PAGE as u64, PROT_READ, MAP_PRIVATE, 1 << 32) {
        Ok(a) => a,
        // Refusing the mapping outright is an error too.
        Err(_) => return Ok(()),
    };
    let pid = match ok(posix::fork(), "fork")? {
        0 => {
            touch(a);
            posix::exit(0)
        }
        pid => pid,
    };
    let (_, status) = ok(posix::waitpid(pid as i64, 0), "wait")?;
    ensure(!pm::wifexited(status), "a fault at 4 GiB read something")?;
    ok(fs::stat(b"/"), "VFS and FS still answer").map(|_| ())
}

/// test74's first scenario: two file regions of one FS, mapped, and their
/// bytes written to a third file; the result checked by reading it back.
fn two_regions() -> R {
    let (d1, d2) = (pattern(2 * PAGE, 11), pattern(2 * PAGE, 12));
    let (f1, _) = file("r1", &d1)?;
    let (f2, _) = file("r2", &d2)?;
    let (out, path) = file("rout", b"")?;
    let a = map(f1, 2 * PAGE, PROT_READ, MAP_PRIVATE)?;
    let b = map(f2, 2 * PAGE, PROT_READ, MAP_SHARED)?;
    ok(fs::write(out, bytes(a, 2 * PAGE)), "write region 1")?;
    ok(fs::write(out, bytes(b, 2 * PAGE)), "write region 2")?;
    let mut back = alloc::vec![0u8; 4 * PAGE];
    let fd = ok(fs::open(path.as_bytes(), O_RDONLY, 0), "open")?;
    ensure(ok(fs::read(fd, &mut back), "read back")? == 4 * PAGE, "short")?;
    ensure(back[..2 * PAGE] == d1[..] && back[2 * PAGE..] == d2[..], "wrong bytes")
}

/// VM's mapping keeps a file alive after its name and descriptor are gone;
/// the blocks come back once the last mapping goes (VM tells VFS through
/// a pager, so the test waits a little for it).
fn unlinked_mapped() -> R {
    let data = pattern(50 * PAGE, 13);
    let before = ok(fs::statvfs(b"/"), "statvfs")?.free_blocks;
    let (fd, path) = file("unlinked", &data)?;
    let a = map(fd, data.len(), PROT_READ, MAP_SHARED)?;
    ok(fs::close(fd), "close")?;
    ok(fs::unlink(path.as_bytes()), "unlink")?;
    ensure(bytes(a, data.len()) == &data[..], "the mapping lost the unlinked file's bytes")?;
    ensure(ok(fs::statvfs(b"/"), "statvfs")?.free_blocks < before, "blocks freed while mapped")?;
    ok(posix::munmap(a, data.len() as u64), "munmap")?;
    for _ in 0..10_000 {
        if ok(fs::statvfs(b"/"), "statvfs")?.free_blocks == before {
            return Ok(());
        }
    }
    Err("the blocks did not come back after the last mapping went")
}

/// A file made, unlinked while open, by name `name` under /m.
fn scratch_file(name: &str) -> Result<Fd, &'static str> {
    let (fd, path) = file(name, b"")?;
    ok(fs::unlink(path.as_bytes()), "unlink")?;
    Ok(fd)
}

fn block_of(byte: u8) -> Vec<u8> {
    alloc::vec![byte; 1024]
}

/// test74's corruption run, ten times: blocks and an inode freed by one
/// file and reused by others must never show through a later mapping of
/// a third file (VM finding a stale (inode, offset) association).
fn corruption_x10() -> R {
    let bs = ok(fs::statvfs(b"/"), "statvfs")?.block_size as usize;
    for run in 0..10 {
        let a = scratch_file("cA")?;
        // Seven blocks fill the direct zones; the eighth needs an indirect one.
        for _ in 0..7 {
            ok(fs::write(a, &block_of(b'A')[..bs.min(1024)]), "fileA")?;
        }
        let b = scratch_file("cB")?;
        ok(fs::write(b, &alloc::vec![b'B'; 2 * bs]), "fileB")?;
        ok(fs::close(b), "close B")?;
        ok(fs::write(a, &alloc::vec![b'A'; bs]), "fileA's indirect block")?;
        let c = scratch_file("cC")?;
        ok(fs::write(c, &alloc::vec![b'C'; 2 * bs]), "fileC")?;
        ok(fs::ftruncate(a, 7 * bs as u64), "fileA back")?;
        let (d, path) = file(&alloc::format!("cD{run}"), &alloc::vec![b'D'; 2 * bs])?;
        let m = map(d, 2 * bs, PROT_READ, MAP_SHARED)?;
        ensure(bytes(m, 2 * bs).iter().all(|&x| x == b'D'), "a mapping of fileD shows another file's blocks")?;
        ok(posix::munmap(m, 2 * bs as u64), "munmap")?;
        for fd in [a, c, d] {
            ok(fs::close(fd), "close")?;
        }
        ok(fs::unlink(path.as_bytes()), "unlink D")?;
    }
    Ok(())
}

/// test74's hole regression: data, hole, hole, data; then the holes
/// written, the file truncated and written again: a mapping must show the
/// same 12, 0, 0, 78 both times.
fn hole_regression() -> R {
    let bs = ok(fs::statvfs(b"/"), "statvfs")?.block_size as usize;
    let fd = scratch_file("holereg")?;
    let check = |fd: Fd| -> R {
        let m = map(fd, 4 * bs, PROT_READ, MAP_SHARED)?;
        let v = bytes(m, 4 * bs);
        for (i, want) in [12u8, 0, 0, 78].iter().enumerate() {
            ensure(v[i * bs] == *want && v[i * bs + bs - 1] == *want, "a block shows the wrong bytes")?;
        }
        ok(posix::munmap(m, 4 * bs as u64), "munmap").map(|_| ())
    };
    ok(fs::write(fd, &alloc::vec![12u8; bs]), "block 0")?;
    ok(fs::lseek(fd, 2 * bs as i64, SEEK_CUR), "skip two blocks")?;
    ok(fs::write(fd, &alloc::vec![78u8; bs]), "block 3")?;
    check(fd)?;
    ok(fs::pwrite(fd, &alloc::vec![34u8; bs], bs as u64), "block 1")?;
    ok(fs::pwrite(fd, &alloc::vec![56u8; bs], 2 * bs as u64), "block 2")?;
    ok(fs::ftruncate(fd, bs as u64), "truncate")?;
    ok(fs::pwrite(fd, &alloc::vec![78u8; bs], 3 * bs as u64), "block 3 again")?;
    check(fd)
}

/// test74's memory types against operations, our way: each call with a
/// buffer in anonymous memory, in an untouched writable private file
/// mapping and in a read-only one. Writable buffers work; a read-only one
/// is EFAULT where the call writes it; nothing hangs or crashes.
fn types_vs_operations() -> R {
    let content = pattern(10 * PAGE, 21);
    let (reg, _) = file("types", &content)?;
    let (src, _) = file("typesbuf", &alloc::vec![b'A'; 10 * PAGE])?;
    let anon = ok(posix::mmap(0, 10 * PAGE as u64, PROT_READ | PROT_WRITE, minix_abi::vm::MAP_ANON | MAP_PRIVATE), "anon")?;
    let rw = map(src, 10 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    let ro = map(src, 10 * PAGE, PROT_READ, MAP_PRIVATE)?;
    let dir = ok(fs::open(b"/m", O_RDONLY, 0), "open /m")?;
    let _ = fs::unlink(b"/m/a");
    ok(fs::symlink(b"b", b"/m/a"), "symlink a -> b")?;
    for (buf, writable) in [(anon, true), (rw, true), (ro, false)] {
        ok(fs::lseek(reg, 0, SEEK_SET), "rewind")?;
        let r = raw_vfs(minix_abi::vfs::Request::Read { fd: reg.0, buf: minix_abi::vfs::UserBuf { addr: buf, len: PAGE as u64 } });
        ensure(if writable { r == Ok(PAGE as u64) } else { r == Err(EFAULT) }, "read into the buffer")?;
        ok(fs::lseek(reg, 0, SEEK_SET), "rewind")?;
        ensure(fs::write(reg, bytes(buf, PAGE)) == Ok(PAGE), "write from the buffer")?;
        let st = raw_vfs(minix_abi::vfs::Request::Fstat { fd: reg.0, buf });
        ensure(if writable { st.is_ok() } else { st == Err(EFAULT) }, "fstat into the buffer")?;
        let gd = raw_vfs(minix_abi::vfs::Request::Getdents { fd: dir.0, buf: minix_abi::vfs::UserBuf { addr: buf, len: PAGE as u64 } });
        ensure(if writable { gd.is_ok() } else { gd == Err(EFAULT) }, "getdents into the buffer")?;
        ok(fs::lseek(dir, 0, SEEK_SET).or(Ok(0)), "rewind dir")?;
        let path = minix_abi::vfs::UserPath { addr: b"/m/a".as_ptr() as u64, len: 4 };
        let rl = raw_vfs(minix_abi::vfs::Request::Readlink { path, buf: minix_abi::vfs::UserBuf { addr: buf, len: 8 } });
        if writable {
            ensure(rl == Ok(1) && bytes(buf, 1) == b"b", "readlink into the buffer")?;
        } else {
            ensure(rl == Err(EFAULT), "readlink into a read-only buffer")?;
        }
        // Only that these return: the buffer as a path.
        let p = minix_abi::vfs::UserPath { addr: buf, len: 64 };
        let _ =
            raw_vfs(minix_abi::vfs::Request::Readlink { path: p, buf: minix_abi::vfs::UserBuf { addr: anon + 8 * PAGE as u64, len: 8 } });
        let _ = raw_vfs(minix_abi::vfs::Request::Open { path: p, flags: O_RDONLY, mode: 0 });
        let a = minix_abi::vfs::UserPath { addr: b"/m/x".as_ptr() as u64, len: 4 };
        let _ = raw_vfs(minix_abi::vfs::Request::Symlink { target: p, path: a });
        let _ = fs::unlink(b"/m/x");
        let _ = raw_vfs(minix_abi::vfs::Request::Symlink { target: a, path: p });
    }
    ok(fs::close(dir), "close")?;
    ok(fs::stat(b"/"), "VFS and FS still answer").map(|_| ())
}

fn raw_vfs(req: minix_abi::vfs::Request) -> Result<u64, Errno> {
    let (c, w, l) = req.encode();
    mxrt::ipc::sendrec(minix_abi::cspace::VFS_EP, c, w, l).result()
}

/// MINIX §4.9 case 5: the FS fills a hole into a never-touched mapping of
/// a file on the same FS (MINIX's memset ignores TRY and deadlocks; ours
/// tries, VFS pages the mapping in and repeats).
fn hole_into_mapping() -> R {
    let (fd, _) = file("holeinto", b"")?;
    ok(fs::pwrite(fd, b"tail", 6 * PAGE as u64), "make a hole")?;
    let m = map(fd, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    // Reads the hole (zeros) into the mapping of the same file.
    let n = ok(
        raw_vfs(minix_abi::vfs::Request::Pread {
            fd: fd.0,
            buf: minix_abi::vfs::UserBuf { addr: m, len: 4 * PAGE as u64 },
            offset: minix_abi::offset::Offset::new(PAGE as u64).map_err(|_| "offset")?,
        }),
        "pread",
    )?;
    ensure(n == 4 * PAGE as u64 && bytes(m, 4 * PAGE).iter().all(|&b| b == 0), "the hole did not arrive as zeros")
}

/// test74's partial soft fault, our way: a read whose buffer's first page
/// is present and the rest a never-touched file mapping returns the full
/// count and the right bytes.
fn partial_soft_fault() -> R {
    let data = pattern(3 * PAGE, 22);
    let (fd, _) = file("partial", &data)?;
    let (other, _) = file("partialbuf", &alloc::vec![7u8; 3 * PAGE])?;
    let m = map(other, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE)?;
    bytes_mut(m, 1)[0] = 1;
    let n = ok(fs::pread(fd, bytes_mut(m, 3 * PAGE), 0), "pread")?;
    ensure(n == 3 * PAGE && bytes(m, 3 * PAGE) == &data[..], "partial soft fault")
}
