// SPDX-License-Identifier: BSD-2-Clause
//! The disk suite: two boots over one disk image, with the host checking
//! the image in between (`qemu/disk-test.sh`).
//!
//! The phase is the contents of `/etc/disk-suite` on the root file system:
//! `build` makes the tree `/dt` (files of many sizes, holes, directories,
//! symbolic and hard links, a 64 MiB file), lists it, keeps the listing in
//! `/dt.list`, and moves the phase on to `verify`; `verify` lists `/dt`
//! again and compares with `/dt.list`. Each boot prints its listing as
//! `disk: ` lines in the format of `mkimage --list`, which the host
//! compares with its own listing of the image. Without the file, init runs
//! the usual suites.
extern crate alloc;
use crate::harness::{ensure, ok, Ctx, Rng, Test};
use alloc::string::String;
use alloc::vec::Vec;
use minix_abi::vfs::flags::*;
use mxrt::fs::{self, Dirents, Fd};
use sel4_root_task::println;

type R = Result<(), &'static str>;

const PHASE: &[u8] = b"/etc/disk-suite";
const LIST: &[u8] = b"/dt.list";

/// Which boot this is, if the root file system asks for the disk suite.
pub fn phase() -> Option<&'static [Test]> {
    let mut buf = [0u8; 16];
    let fd = fs::open(PHASE, O_RDONLY, 0).ok()?;
    let n = fs::read(fd, &mut buf).unwrap_or(0);
    let _ = fs::close(fd);
    match buf[..n].trim_ascii() {
        b"build" => Some(BUILD),
        b"verify" => Some(VERIFY),
        b"crash" => Some(CRASH),
        b"recover" => Some(RECOVER),
        b"corrupt" => Some(CORRUPT),
        _ => None,
    }
}

pub const BUILD: &[Test] = &[
    Test { name: "disk.build_tree", run: |_| build_tree() },
    Test { name: "disk.write_64mib_file", run: |_| big_file() },
    Test { name: "mmap.testcache_4k_x20000", run: |_| testcache() },
    Test { name: "disk.fsync_and_list", run: |_| list_and_keep() },
    Test { name: "disk.phase_to_verify", run: |_| set_phase(b"verify") },
];

pub const VERIFY: &[Test] = &[
    Test { name: "disk.tree_survived_reboot", run: |_| verify_tree() },
    Test { name: "disk.write_after_reboot", run: write_after_reboot },
];

/// Killed mid-write: the host stops QEMU while this writes and fsyncs
/// file after file, and the next boot finds every file it was told about.
pub const CRASH: &[Test] = &[Test { name: "disk.write_until_killed", run: |_| write_until_killed() }];

pub const RECOVER: &[Test] = &[Test { name: "disk.fsynced_files_survived_kill", run: |_| recover() }];

/// A crafted image: `/bad`'s first zone points past the device.
pub const CORRUPT: &[Test] = &[Test { name: "disk.wild_zone_eio_rest_fine", run: |_| wild_zone() }];

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    (0..len).map(|_| r.next() as u8).collect()
}

/// Creates `path` holding `data` at `at`, fsync'd.
fn put(path: &[u8], data: &[u8], at: u64) -> R {
    let fd = ok(fs::open(path, O_CREAT | O_WRONLY, 0o644), "create")?;
    let mut done = 0;
    while done < data.len() {
        done += ok(fs::pwrite(fd, &data[done..], at + done as u64), "write")?;
    }
    ok(fs::fsync(fd), "fsync")?;
    ok(fs::close(fd), "close")
}

fn build_tree() -> R {
    ok(fs::mkdir(b"/dt", 0o755), "mkdir /dt (is the tree there already?)")?;
    ok(fs::mkdir(b"/dt/sub", 0o750), "mkdir")?;
    ok(fs::mkdir(b"/dt/sub/deeper", 0o700), "mkdir")?;
    ok(fs::mkdir(b"/dt/emptydir", 0o755), "mkdir")?;
    put(b"/dt/empty", b"", 0)?;
    for (name, len, seed) in [
        (&b"/dt/small"[..], 100, 1),
        (b"/dt/k1", 1024, 2),
        (b"/dt/odd", 12345, 3),
        (b"/dt/m1", (1 << 20) + 7, 4),
        (b"/dt/sub/deeper/file", 70_000, 5),
        (b"/dt/sub/page", 4096, 6),
    ] {
        put(name, &pattern(len, seed), 0)?;
    }
    // Holes: data, 5 MiB of nothing, data; and a file that is all hole.
    put(b"/dt/sparse", &pattern(3000, 7), 0)?;
    put(b"/dt/sparse", &pattern(5000, 8), 5 << 20)?;
    let fd = ok(fs::open(b"/dt/allhole", O_CREAT | O_WRONLY, 0o600), "create")?;
    ok(fs::ftruncate(fd, 3 << 20), "ftruncate")?;
    ok(fs::close(fd), "close")?;
    ok(fs::symlink(b"small", b"/dt/link"), "symlink")?;
    ok(fs::symlink(b"/dt/odd", b"/dt/sub/abs"), "symlink")?;
    ok(fs::symlink(b"nowhere", b"/dt/dangling"), "symlink")?;
    ok(fs::link(b"/dt/odd", b"/dt/hard"), "link")?;
    ok(fs::link(b"/dt/odd", b"/dt/sub/hard2"), "link")?;
    ok(fs::chmod(b"/dt/k1", 0o4640), "chmod")?;
    ok(fs::sync(), "sync")
}

/// 64 MiB of a seeded pattern, written 128 KiB at a time.
fn big_file() -> R {
    const CHUNK: usize = 128 << 10;
    let fd = ok(fs::open(b"/dt/big64", O_CREAT | O_WRONLY, 0o644), "create")?;
    let mut r = Rng(0x64_0000_0001);
    let mut buf = alloc::vec![0u8; CHUNK];
    for i in 0..(64 << 20) / CHUNK {
        for w in buf.chunks_exact_mut(8) {
            w.copy_from_slice(&r.next().to_le_bytes());
        }
        let n = ok(fs::pwrite(fd, &buf, (i * CHUNK) as u64), "write")?;
        ensure(n == CHUNK, "short write")?;
    }
    ok(fs::fsync(fd), "fsync")?;
    ok(fs::close(fd), "close")?;
    let st = ok(fs::stat(b"/dt/big64"), "stat")?;
    ensure(st.size == 64 << 20, "the file is not 64 MiB")
}

/// FNV-1a 64, as `mkimage --list` sums files.
struct Fnv(u64);

impl Fnv {
    fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The listing of `path` and everything under it, one line each, in the
/// format and order of `mkimage --list`.
fn listing(path: &str, out: &mut Vec<String>) -> R {
    let st = ok(fs::lstat(path.as_bytes()), "lstat")?;
    let kind = match st.mode & 0o170000 {
        0o040000 => 'd',
        0o100000 => 'f',
        0o120000 => 'l',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        _ => 's',
    };
    let (mut sum, mut tail) = (String::from("-"), String::new());
    match kind {
        'f' => {
            let fd = ok(fs::open(path.as_bytes(), O_RDONLY, 0), "open")?;
            let mut h = Fnv(0xcbf2_9ce4_8422_2325);
            let mut buf = alloc::vec![0u8; 128 << 10];
            loop {
                let n = ok(fs::read(fd, &mut buf), "read")?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            ok(fs::close(fd), "close")?;
            sum = alloc::format!("{:016x}", h.0);
        }
        'l' => {
            let mut buf = [0u8; 1024];
            let n = ok(fs::readlink(path.as_bytes(), &mut buf), "readlink")?;
            tail = alloc::format!(" -> {}", String::from_utf8_lossy(&buf[..n]));
        }
        _ => {}
    }
    out.push(alloc::format!("{kind} {:04o} {} {}:{} {} {sum} {path}{tail}", st.mode & 0o7777, st.nlink, st.uid, st.gid, st.size));
    if kind == 'd' {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let fd = ok(fs::open(path.as_bytes(), O_RDONLY, 0), "open dir")?;
        let mut buf = alloc::vec![0u8; 4096];
        loop {
            let n = ok(fs::getdents(fd, &mut buf), "getdents")?;
            if n == 0 {
                break;
            }
            names.extend(Dirents::new(&buf[..n]).filter(|(_, n)| *n != b"." && *n != b"..").map(|(_, n)| n.to_vec()));
        }
        ok(fs::close(fd), "close")?;
        names.sort();
        for n in names {
            listing(&alloc::format!("{path}/{}", String::from_utf8_lossy(&n)), out)?;
        }
    }
    Ok(())
}

fn print(lines: &[String]) {
    for l in lines {
        println!("disk: {}", l);
    }
}

fn list_and_keep() -> R {
    let mut lines = Vec::new();
    listing("/dt", &mut lines)?;
    print(&lines);
    let mut text = lines.join("\n");
    text.push('\n');
    let fd = ok(fs::open(LIST, O_CREAT | O_WRONLY | O_TRUNC, 0o644), "create the listing")?;
    ensure(ok(fs::write(fd, text.as_bytes()), "write the listing")? == text.len(), "short write")?;
    ok(fs::fsync(fd), "fsync")?;
    ok(fs::close(fd), "close")
}

fn set_phase(next: &[u8]) -> R {
    let fd: Fd = ok(fs::open(PHASE, O_WRONLY | O_TRUNC, 0), "open the phase file")?;
    ok(fs::write(fd, next), "write the phase")?;
    ok(fs::fsync(fd), "fsync")?;
    ok(fs::close(fd), "close")
}

fn verify_tree() -> R {
    let mut lines = Vec::new();
    listing("/dt", &mut lines)?;
    print(&lines);
    let st = ok(fs::stat(LIST), "the listing from the first boot")?;
    let mut kept = alloc::vec![0u8; st.size as usize];
    let fd = ok(fs::open(LIST, O_RDONLY, 0), "open the listing")?;
    let mut got = 0;
    while got < kept.len() {
        let n = ok(fs::read(fd, &mut kept[got..]), "read the listing")?;
        ensure(n > 0, "the listing is short")?;
        got += n;
    }
    ok(fs::close(fd), "close")?;
    let now: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let then: Vec<&[u8]> = kept.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    for (a, b) in now.iter().zip(then.iter()) {
        if a != b {
            println!("  now:  {}", String::from_utf8_lossy(a));
            println!("  then: {}", String::from_utf8_lossy(b));
            return Err("the tree differs from the first boot's");
        }
    }
    ensure(now.len() == then.len(), "the tree has a different number of names")
}

/// The disk still takes writes after a reboot; a file made here is gone
/// again before shutdown so the listing stays the same.
fn write_after_reboot(_: &mut Ctx) -> R {
    let data = pattern(200_000, 99);
    put(b"/dt-new", &data, 0)?;
    let fd = ok(fs::open(b"/dt-new", O_RDONLY, 0), "open")?;
    let mut back = alloc::vec![0u8; data.len()];
    let mut got = 0;
    while got < back.len() {
        let n = ok(fs::read(fd, &mut back[got..]), "read")?;
        ensure(n > 0, "short file")?;
        got += n;
    }
    ok(fs::close(fd), "close")?;
    ensure(back == data, "the bytes differ")?;
    ok(fs::unlink(b"/dt-new"), "unlink")
}

/// Counts boots in `/etc/boots` and says which this is: on a disk that
/// persists, the count goes up from one `make run` to the next.
pub fn count_boot() {
    const BOOTS: &[u8] = b"/etc/boots";
    let mut buf = [0u8; 24];
    let n = match fs::open(BOOTS, O_RDWR | O_CREAT, 0o644) {
        Ok(fd) => {
            let got = fs::read(fd, &mut buf).unwrap_or(0);
            let prev: u64 = core::str::from_utf8(&buf[..got]).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
            let text = alloc::format!("{}\n", prev + 1);
            let wrote = fs::pwrite(fd, text.as_bytes(), 0).and_then(|_| fs::fsync(fd));
            let _ = fs::close(fd);
            wrote.map(|_| prev + 1)
        }
        Err(e) => Err(e),
    };
    match n {
        Ok(n) => println!("init: boot {} of this root file system", n),
        Err(e) => println!("init: cannot count boots in /etc/boots: {}", e.name()),
    }
}

const CRASH_FILE: usize = 64 << 10;

fn crash_name(i: u64) -> String {
    alloc::format!("/crash/f{i}")
}

fn write_until_killed() -> R {
    set_phase(b"recover")?;
    let _ = fs::mkdir(b"/crash", 0o755);
    for i in 0..100_000u64 {
        put(crash_name(i).as_bytes(), &pattern(CRASH_FILE, i + 1), 0)?;
        // The count says how many files were durable before it was.
        let fd = ok(fs::open(b"/crash/count", O_CREAT | O_WRONLY | O_TRUNC, 0o644), "count")?;
        ok(fs::write(fd, alloc::format!("{}", i + 1).as_bytes()), "count")?;
        ok(fs::fsync(fd), "fsync count")?;
        ok(fs::close(fd), "close")?;
        println!("disk: durable {}", i + 1);
    }
    Err("never killed")
}

fn read_all(path: &[u8]) -> Result<Vec<u8>, &'static str> {
    crate::tests_fs::read_all(core::str::from_utf8(path).map_err(|_| "a path that is not UTF-8")?)
}

fn recover() -> R {
    let count = read_all(b"/crash/count")?;
    let k: u64 = core::str::from_utf8(&count).ok().and_then(|s| s.trim().parse().ok()).ok_or("the count is garbled")?;
    println!("disk: {} files were durable before the kill", k);
    ensure(k > 0, "nothing was durable")?;
    for i in 0..k {
        if read_all(crash_name(i).as_bytes())? != pattern(CRASH_FILE, i + 1) {
            println!("  {} differs", crash_name(i));
            return Err("an fsync'd file lost its bytes");
        }
    }
    // The disk takes writes again.
    put(b"/crash/after", b"after the kill", 0)?;
    ensure(read_all(b"/crash/after")? == b"after the kill", "a write after recovery")
}

fn wild_zone() -> R {
    let fd = ok(fs::open(b"/bad", O_RDONLY, 0), "open /bad")?;
    let mut buf = [0u8; 1024];
    let r = fs::read(fd, &mut buf);
    let _ = fs::close(fd);
    ensure(r == Err(minix_abi::errno::EIO), "a read through a wild zone pointer is not EIO")?;
    // Everything else still works.
    ensure(read_all(PHASE)?.trim_ascii() == b"corrupt", "another file")?;
    put(b"/after-bad", b"fine", 0)?;
    ensure(read_all(b"/after-bad")? == b"fine", "a new file")
}

/// MINIX's testcache run (4 KiB blocks × 20,000: an 80 MB file, past the
/// 64 MiB that double indirect blocks reach with 1 KiB blocks) against
/// file mappings: every check reads a block with `pread` and through a
/// fresh private mapping of it, and both must show the block's current
/// contents. Writes in order, verifies (in order, 3n random, in order, a
/// permutation), rewrites in a permutation and verifies, then two rounds
/// of a new permutation with each write followed by the check of an
/// earlier block, then 2n random write-and-check pairs. The file goes
/// afterwards.
pub fn testcache() -> R {
    crate::tests_mmap::watched_for(600, testcache_in_child)
}

const TC_BS: usize = 4096;
const TC_N: usize = 20_000;
const TC_PATH: &[u8] = b"/testcache";

/// A block's bytes for its generation: its number and generation, then a
/// pattern seeded by both.
fn tc_fill(buf: &mut [u8], b: usize, generation: u32) {
    let mut r = Rng(((b as u64) << 32 | generation as u64) ^ 0x9e37_79b9_7f4a_7c15 | 1);
    for w in buf.chunks_exact_mut(8) {
        w.copy_from_slice(&r.next().to_le_bytes());
    }
    buf[..8].copy_from_slice(&(b as u64).to_le_bytes());
    buf[8..12].copy_from_slice(&generation.to_le_bytes());
}

struct Tc {
    fd: Fd,
    generation: Vec<u32>,
    buf: Vec<u8>,
    want: Vec<u8>,
    rng: Rng,
}

impl Tc {
    fn write(&mut self, b: usize) -> R {
        self.generation[b] += 1;
        tc_fill(&mut self.buf, b, self.generation[b]);
        let n = ok(fs::pwrite(self.fd, &self.buf, (b * TC_BS) as u64), "pwrite")?;
        ensure(n == TC_BS, "short pwrite")
    }

    fn check(&mut self, b: usize) -> R {
        tc_fill(&mut self.want, b, self.generation[b]);
        let n = ok(fs::pread(self.fd, &mut self.buf, (b * TC_BS) as u64), "pread")?;
        ensure(n == TC_BS && self.buf == self.want, "pread shows the wrong bytes")?;
        let m = ok(fs::mmap(self.fd, 0, TC_BS as u64, minix_abi::vm::PROT_READ, minix_abi::vm::MAP_PRIVATE, (b * TC_BS) as u64), "mmap")?;
        // SAFETY: a readable mapping of TC_BS bytes made just above and
        // unmapped only after this slice's last use.
        let mapped = unsafe { core::slice::from_raw_parts(m as *const u8, TC_BS) };
        let same = mapped == &self.want[..];
        ok(mxrt::posix::munmap(m, TC_BS as u64), "munmap")?;
        if !same {
            println!("  block {} generation {}: the mapping differs", b, self.generation[b]);
            return Err("the mapping shows the wrong bytes");
        }
        Ok(())
    }

    fn permutation(&mut self) -> Vec<usize> {
        let mut p: Vec<usize> = (0..TC_N).collect();
        for i in (1..TC_N).rev() {
            p.swap(i, (self.rng.next() % (i as u64 + 1)) as usize);
        }
        p
    }

    fn random(&mut self) -> usize {
        (self.rng.next() % TC_N as u64) as usize
    }
}

/// Says how far the run got, with the guest's clock, so a slow run shows
/// where its time goes.
fn tc_phase(what: &str) {
    let mhz = mxrt::posix::tsc_mhz().unwrap_or(1).max(1);
    println!("testcache: {} at {} ms", what, sel4::rdtsc() / mhz / 1000);
}

fn testcache_in_child() -> R {
    tc_phase("start");
    let fd = ok(fs::open(TC_PATH, O_CREAT | O_RDWR | O_TRUNC, 0o644), "create")?;
    let mut t = Tc { fd, generation: alloc::vec![0; TC_N], buf: alloc::vec![0; TC_BS], want: alloc::vec![0; TC_BS], rng: Rng(74) };
    for b in 0..TC_N {
        t.write(b)?;
    }
    ensure(ok(fs::fstat(fd), "fstat")?.size == (TC_N * TC_BS) as u64, "the file is not 80 MB")?;
    tc_phase("written");
    for b in 0..TC_N {
        t.check(b)?;
    }
    tc_phase("checked in order");
    for _ in 0..3 * TC_N {
        let b = t.random();
        t.check(b)?;
    }
    tc_phase("checked at random");
    for b in 0..TC_N {
        t.check(b)?;
    }
    for b in t.permutation() {
        t.check(b)?;
    }
    tc_phase("verified");
    let p = t.permutation();
    for &b in &p {
        t.write(b)?;
    }
    for b in t.permutation() {
        t.check(b)?;
    }
    tc_phase("rewritten");
    for _ in 0..2 {
        let p = t.permutation();
        for (i, &b) in p.iter().enumerate() {
            t.write(b)?;
            t.check(p[i / 2])?;
        }
    }
    tc_phase("interleaved");
    for _ in 0..2 * TC_N {
        let b = t.random();
        t.write(b)?;
        let c = t.random();
        t.check(c)?;
    }
    tc_phase("random pairs");
    ok(fs::close(fd), "close")?;
    ok(fs::unlink(TC_PATH), "unlink")
}
