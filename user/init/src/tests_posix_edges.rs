// SPDX-License-Identifier: BSD-2-Clause
//! POSIX's edges, as a hostile tester found them wrong (issue 19):
//! negative and overflowing offsets, sizes and counts (sent as raw words,
//! the way a C program's `-1` arrives), trailing slashes on every path
//! call, and `open(O_CREAT)` through symbolic links. Each test works in its
//! own directory under /pe, which it makes.
extern crate alloc;
use crate::harness::{ensure, expect_err as e, ok, Test};
use alloc::string::String;
use minix_abi::cspace;
use minix_abi::errno::*;
use minix_abi::vfs::{self, flags::*};
use mxrt::fs;

type R = Result<(), &'static str>;

pub const TESTS: &[Test] = &[
    Test { name: "posix.pwrite_at_minus_one_einval_not_append", run: |_| pwrite_minus_one() },
    Test { name: "posix.pread_pwrite_negative_offsets_einval", run: |_| negative_offsets() },
    Test { name: "posix.offset_plus_count_past_max_einval", run: |_| past_off_max() },
    Test { name: "posix.counts_negative_as_ssize_t_einval", run: |_| negative_counts() },
    Test { name: "posix.truncate_ftruncate_negative_einval", run: |_| negative_sizes() },
    Test { name: "posix.lseek_negative_or_overflow_einval", run: |_| lseek_edges() },
    Test { name: "posix.readlink_getdents_mmap_fcntl_bad_args_einval", run: |_| other_lengths() },
    Test { name: "posix.unlink_file_slash_enotdir", run: |_| unlink_slash() },
    Test { name: "posix.rename_non_dir_slash_enotdir", run: |_| rename_slash() },
    Test { name: "posix.open_creat_slash_eisdir", run: |_| creat_slash() },
    Test { name: "posix.path_calls_file_slash_enotdir", run: |_| path_calls_slash() },
    Test { name: "posix.lstat_symlink_to_dir_slash_follows", run: |_| lstat_slash() },
    Test { name: "posix.mkdir_rmdir_link_symlink_slash", run: |_| make_remove_slash() },
    Test { name: "posix.creat_through_dangling_symlink_makes_target", run: |_| creat_dangling() },
    Test { name: "posix.creat_excl_or_nofollow_on_symlink", run: |_| creat_excl_link() },
    Test { name: "posix.creat_through_link_missing_dir_or_loop", run: |_| creat_link_errors() },
    Test { name: "posix.creat_with_o_directory_einval_makes_nothing", run: |_| creat_directory_flag() },
];

// ---- helpers ----

/// A fresh directory /pe/<name> (and /pe the first time).
fn dir(name: &str) -> Result<String, &'static str> {
    let _ = fs::mkdir(b"/pe", 0o755);
    let d = alloc::format!("/pe/{name}");
    ok(fs::mkdir(d.as_bytes(), 0o755), "mkdir of the test directory")?;
    Ok(d)
}

fn p(d: &str, f: &str) -> String {
    alloc::format!("{d}/{f}")
}

/// A file holding `data`.
fn create(path: &str, data: &[u8]) -> R {
    let fd = ok(fs::open(path.as_bytes(), O_CREAT | O_WRONLY | O_TRUNC, 0o644), "create")?;
    ensure(ok(fs::write(fd, data), "write")? == data.len(), "short write")?;
    ok(fs::close(fd), "close")
}

fn size(path: &str) -> Result<u64, &'static str> {
    ok(fs::stat(path.as_bytes()), "stat").map(|s| s.size)
}

fn exists(path: &str) -> bool {
    fs::lstat(path.as_bytes()).is_ok()
}

/// A request to VFS as raw words: what a C library would send for a
/// negative `off_t` or a `size_t` above `SSIZE_MAX`, which the runtime's
/// typed calls cannot even say.
fn words(call: u64, w: [u64; 4], len: u64) -> Result<u64, Errno> {
    mxrt::ipc::sendrec(cspace::VFS_EP, call, w, len).result()
}

fn neg(v: i64) -> u64 {
    v as u64
}

const MAX: u64 = i64::MAX as u64;
const S_IFMT: u32 = vfs::mode::S_IFMT;

/// A file `f` holding "0123456789" in a fresh directory, open read-write.
fn ten(name: &str) -> Result<(String, fs::Fd), &'static str> {
    let d = dir(name)?;
    let f = p(&d, "f");
    create(&f, b"0123456789")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDWR, 0), "open")?;
    Ok((f, fd))
}

// ---- offsets, sizes and counts ----

fn pwrite_minus_one() -> R {
    let (f, fd) = ten("pwm1")?;
    let src = b"abc";
    let r = words(vfs::PWRITE, [fd.0 as u64, src.as_ptr() as u64, 3, neg(-1)], 4);
    ok(fs::close(fd), "close")?;
    e(r, EINVAL, "pwrite at offset -1")?;
    ensure(size(&f)? == 10, "pwrite at -1 appended to the file")
}

fn negative_offsets() -> R {
    let (f, fd) = ten("negoff")?;
    let mut buf = [0u8; 4];
    for o in [-2i64, -4096, i64::MIN] {
        let r = words(vfs::PWRITE, [fd.0 as u64, buf.as_ptr() as u64, 4, neg(o)], 4);
        e(r, EINVAL, "pwrite at a negative offset")?;
        let r = words(vfs::PREAD, [fd.0 as u64, buf.as_mut_ptr() as u64, 4, neg(o)], 4);
        e(r, EINVAL, "pread at a negative offset")?;
    }
    ok(fs::close(fd), "close")?;
    ensure(size(&f)? == 10, "the file changed")
}

fn past_off_max() -> R {
    let (f, fd) = ten("pastmax")?;
    let mut buf = [0u8; 4];
    let w = fd.0 as u64;
    e(words(vfs::PWRITE, [w, buf.as_ptr() as u64, 3, MAX - 1], 4), EINVAL, "pwrite reaching past i64::MAX")?;
    e(words(vfs::PREAD, [w, buf.as_mut_ptr() as u64, 2, MAX], 4), EINVAL, "pread reaching past i64::MAX")?;
    // From the descriptor's offset: read and write (small and large forms).
    ensure(ok(fs::lseek(fd, i64::MAX - 1, SEEK_SET), "lseek near the end")? == MAX - 1, "lseek answer")?;
    e(fs::write(fd, b"abc"), EINVAL, "small write past i64::MAX")?;
    e(fs::read(fd, &mut buf), EINVAL, "small read past i64::MAX")?;
    let mut big = [0u8; 100];
    e(fs::write(fd, &big), EINVAL, "write past i64::MAX")?;
    e(fs::read(fd, &mut big), EINVAL, "read past i64::MAX")?;
    // One byte still reaches: nothing to read, and the file cannot grow so far.
    ensure(ok(fs::read(fd, &mut buf[..1]), "one-byte read at the end")? == 0, "read past the end gave bytes")?;
    e(fs::write(fd, b"x"), EFBIG, "write at i64::MAX - 1")?;
    ok(fs::close(fd), "close")?;
    ensure(size(&f)? == 10, "the file changed")
}

fn negative_counts() -> R {
    let (f, fd) = ten("negcount")?;
    let buf = [0u8; 16];
    let (w, a) = (fd.0 as u64, buf.as_ptr() as u64);
    for n in [u64::MAX, 1 << 63] {
        e(words(vfs::READ, [w, a, n, 0], 3), EINVAL, "read of a negative count")?;
        e(words(vfs::WRITE, [w, a, n, 0], 3), EINVAL, "write of a negative count")?;
        e(words(vfs::PREAD, [w, a, n, 0], 4), EINVAL, "pread of a negative count")?;
        e(words(vfs::PWRITE, [w, a, n, 0], 4), EINVAL, "pwrite of a negative count")?;
    }
    ok(fs::close(fd), "close")?;
    ensure(size(&f)? == 10, "the file changed")
}

fn negative_sizes() -> R {
    let (f, fd) = ten("negsize")?;
    for s in [-1i64, -4096, i64::MIN] {
        e(words(vfs::FTRUNCATE, [fd.0 as u64, neg(s), 0, 0], 2), EINVAL, "ftruncate to a negative size")?;
        let path = f.as_bytes();
        e(words(vfs::TRUNCATE, [path.as_ptr() as u64, path.len() as u64, neg(s), 0], 3), EINVAL, "truncate to a negative size")?;
    }
    ok(fs::close(fd), "close")?;
    ensure(size(&f)? == 10, "the file changed size")
}

fn lseek_edges() -> R {
    let (_, fd) = ten("lseek")?;
    e(fs::lseek(fd, -1, SEEK_SET), EINVAL, "SEEK_SET to -1")?;
    e(fs::lseek(fd, -11, SEEK_END), EINVAL, "SEEK_END before the start")?;
    ensure(ok(fs::lseek(fd, 4, SEEK_SET), "lseek 4")? == 4, "lseek answer")?;
    e(fs::lseek(fd, -5, SEEK_CUR), EINVAL, "SEEK_CUR before the start")?;
    e(fs::lseek(fd, i64::MAX, SEEK_END), EINVAL, "SEEK_END past i64::MAX")?;
    e(fs::lseek(fd, i64::MIN, SEEK_CUR), EINVAL, "SEEK_CUR by i64::MIN")?;
    ensure(ok(fs::lseek(fd, 0, SEEK_CUR), "lseek 0")? == 4, "a refused seek moved the offset")?;
    ok(fs::close(fd), "close")
}

fn other_lengths() -> R {
    let (f, fd) = ten("lengths")?;
    let d = f.trim_end_matches("/f");
    let l = p(d, "l");
    ok(fs::symlink(b"f", l.as_bytes()), "symlink")?;
    let mut buf = [0u8; 64];
    let (la, ll) = (l.as_ptr() as u64, l.len() as u64);
    for n in [0, u64::MAX, 1 << 63] {
        e(words(vfs::READLINK, [la, ll, buf.as_mut_ptr() as u64, n], 4), EINVAL, "readlink into a bad length")?;
    }
    ensure(ok(fs::readlink(l.as_bytes(), &mut buf), "readlink")? == 1, "readlink length")?;
    let dfd = ok(fs::open(d.as_bytes(), O_RDONLY, 0), "open the directory")?;
    e(words(vfs::GETDENTS, [dfd.0 as u64, buf.as_mut_ptr() as u64, u64::MAX, 0], 3), EINVAL, "getdents of a negative count")?;
    ok(fs::close(dfd), "close")?;
    use minix_abi::vm::{MAP_PRIVATE, PROT_READ};
    let map = fd.0 as u64 | PROT_READ << 32 | MAP_PRIVATE << 40;
    e(words(vfs::MMAP, [map, 0, 4096, neg(-4096)], 4), EINVAL, "mmap at a negative offset")?;
    e(fs::fcntl(fd, F_DUPFD, neg(-1)), EINVAL, "F_DUPFD from a negative descriptor")?;
    ok(fs::close(fd), "close")
}

// ---- trailing slashes ----

fn unlink_slash() -> R {
    let d = dir("unlinks")?;
    let f = p(&d, "f");
    create(&f, b"data")?;
    e(fs::unlink(alloc::format!("{f}/").as_bytes()), ENOTDIR, "unlink(\"file/\")")?;
    ensure(exists(&f), "unlink(\"file/\") removed the file")?;
    e(fs::unlink(p(&d, "none/").as_bytes()), ENOENT, "unlink of a missing name with a slash")?;
    ok(fs::unlink(f.as_bytes()), "unlink without the slash")
}

fn rename_slash() -> R {
    let d = dir("renames")?;
    let (f, x) = (p(&d, "f"), p(&d, "x"));
    create(&f, b"data")?;
    e(fs::rename(f.as_bytes(), alloc::format!("{x}/").as_bytes()), ENOTDIR, "rename(file, \"x/\")")?;
    e(fs::rename(alloc::format!("{f}/").as_bytes(), x.as_bytes()), ENOTDIR, "rename(\"file/\", x)")?;
    ensure(exists(&f) && !exists(&x), "the file was renamed")?;
    // A directory moves with slashes on either side.
    let (sd, td) = (p(&d, "sd"), p(&d, "td"));
    ok(fs::mkdir(sd.as_bytes(), 0o755), "mkdir")?;
    ok(fs::rename(alloc::format!("{sd}/").as_bytes(), alloc::format!("{td}/").as_bytes()), "rename(\"dir/\", \"new/\")")?;
    ensure(exists(&td) && !exists(&sd), "the directory did not move")
}

fn creat_slash() -> R {
    let d = dir("creats")?;
    let (f, new) = (p(&d, "f"), p(&d, "new"));
    create(&f, b"data")?;
    e(fs::open(alloc::format!("{new}/").as_bytes(), O_CREAT | O_RDWR, 0o644), EISDIR, "open(\"new/\", O_CREAT)")?;
    ensure(!exists(&new), "open(\"new/\", O_CREAT) made a file")?;
    e(fs::open(alloc::format!("{f}/").as_bytes(), O_CREAT | O_RDWR, 0o644), EISDIR, "open(\"file/\", O_CREAT)")?;
    e(fs::open(d.as_bytes(), O_CREAT | O_RDONLY, 0o644), EISDIR, "open(dir, O_CREAT)")?;
    ensure(size(&f)? == 4, "the file changed")
}

fn path_calls_slash() -> R {
    let d = dir("calls")?;
    let f = p(&d, "f");
    create(&f, b"data")?;
    let lf = p(&d, "lf");
    ok(fs::symlink(b"f", lf.as_bytes()), "symlink")?;
    for path in [alloc::format!("{f}/"), alloc::format!("{lf}/")] {
        let s = path.as_bytes();
        e(fs::open(s, O_RDONLY, 0), ENOTDIR, "open(\"file/\")")?;
        e(fs::stat(s), ENOTDIR, "stat(\"file/\")")?;
        e(fs::lstat(s), ENOTDIR, "lstat(\"file/\")")?;
        e(fs::chdir(s), ENOTDIR, "chdir(\"file/\")")?;
        e(fs::access(s, F_OK), ENOTDIR, "access(\"file/\")")?;
        e(fs::chmod(s, 0o600), ENOTDIR, "chmod(\"file/\")")?;
        e(fs::truncate(s, 0), ENOTDIR, "truncate(\"file/\")")?;
        let mut buf = [0u8; 16];
        e(fs::readlink(s, &mut buf), ENOTDIR, "readlink(\"link-to-file/\")")?;
    }
    ensure(size(&f)? == 4, "truncate(\"file/\") truncated")
}

fn lstat_slash() -> R {
    let d = dir("lstats")?;
    let (sub, ld) = (p(&d, "sub"), p(&d, "ld"));
    ok(fs::mkdir(sub.as_bytes(), 0o755), "mkdir")?;
    ok(fs::symlink(b"sub", ld.as_bytes()), "symlink")?;
    let link = ok(fs::lstat(ld.as_bytes()), "lstat(link)")?;
    ensure(link.mode & S_IFMT == vfs::mode::S_IFLNK, "lstat(link) is no link")?;
    let dir = ok(fs::lstat(alloc::format!("{ld}/").as_bytes()), "lstat(\"link/\")")?;
    ensure(dir.mode & S_IFMT == vfs::mode::S_IFDIR, "lstat(\"link-to-dir/\") did not follow the link")?;
    let fd = ok(fs::open(alloc::format!("{ld}/").as_bytes(), O_RDONLY | O_DIRECTORY, 0), "open(\"link-to-dir/\")")?;
    ok(fs::close(fd), "close")?;
    let dang = p(&d, "dang");
    ok(fs::symlink(b"nothing", dang.as_bytes()), "symlink")?;
    e(fs::lstat(alloc::format!("{dang}/").as_bytes()), ENOENT, "lstat(\"dangling/\")")
}

fn make_remove_slash() -> R {
    let d = dir("mkslash")?;
    let (m, f, n) = (p(&d, "m"), p(&d, "f"), p(&d, "n"));
    ok(fs::mkdir(alloc::format!("{m}/").as_bytes(), 0o755), "mkdir(\"d/\")")?;
    ok(fs::rmdir(alloc::format!("{m}/").as_bytes()), "rmdir(\"d/\")")?;
    create(&f, b"data")?;
    e(fs::rmdir(alloc::format!("{f}/").as_bytes()), ENOTDIR, "rmdir(\"file/\")")?;
    e(fs::link(f.as_bytes(), alloc::format!("{n}/").as_bytes()), ENOENT, "link(file, \"new/\")")?;
    e(fs::link(f.as_bytes(), alloc::format!("{f}/").as_bytes()), EEXIST, "link(file, \"file/\")")?;
    e(fs::symlink(b"f", alloc::format!("{n}/").as_bytes()), ENOENT, "symlink(t, \"new/\")")?;
    ensure(!exists(&n), "a name with a slash was made")?;
    ensure(ok(fs::stat(f.as_bytes()), "stat")?.nlink == 1, "link count changed")
}

// ---- open(O_CREAT) through symbolic links ----

fn creat_dangling() -> R {
    let d = dir("dangling")?;
    let (l, t) = (p(&d, "l"), p(&d, "t"));
    ok(fs::symlink(b"t", l.as_bytes()), "symlink")?;
    let fd = ok(fs::open(l.as_bytes(), O_CREAT | O_WRONLY, 0o644), "open(dangling link, O_CREAT)")?;
    ensure(ok(fs::write(fd, b"made"), "write")? == 4, "short write")?;
    ok(fs::close(fd), "close")?;
    ensure(size(&t)? == 4, "the link's target was not made")?;
    let link = ok(fs::lstat(l.as_bytes()), "lstat")?;
    ensure(link.mode & S_IFMT == vfs::mode::S_IFLNK, "the link was replaced")?;
    // An absolute target through a chain of two links.
    let (a, b, end) = (p(&d, "a"), p(&d, "b"), p(&d, "end"));
    ok(fs::symlink(b"b", a.as_bytes()), "symlink a")?;
    ok(fs::symlink(end.as_bytes(), b.as_bytes()), "symlink b")?;
    let fd = ok(fs::open(a.as_bytes(), O_CREAT | O_RDWR, 0o644), "open(chain, O_CREAT)")?;
    ok(fs::close(fd), "close")?;
    ensure(exists(&end), "the chain's target was not made")
}

fn creat_excl_link() -> R {
    let d = dir("excllink")?;
    let (l, t) = (p(&d, "l"), p(&d, "t"));
    ok(fs::symlink(b"t", l.as_bytes()), "symlink")?;
    e(fs::open(l.as_bytes(), O_CREAT | O_EXCL | O_RDWR, 0o644), EEXIST, "O_CREAT|O_EXCL on a dangling link")?;
    e(fs::open(l.as_bytes(), O_CREAT | O_NOFOLLOW | O_RDWR, 0o644), ELOOP, "O_CREAT|O_NOFOLLOW on a link")?;
    ensure(!exists(&t), "the target was made")?;
    e(fs::open(l.as_bytes(), O_RDWR, 0), ENOENT, "a dangling link without O_CREAT")
}

fn creat_link_errors() -> R {
    let d = dir("linkerrs")?;
    let (nd, a, b) = (p(&d, "nd"), p(&d, "a"), p(&d, "b"));
    ok(fs::symlink(b"missing/t", nd.as_bytes()), "symlink")?;
    e(fs::open(nd.as_bytes(), O_CREAT | O_RDWR, 0o644), ENOENT, "O_CREAT through a link into a missing directory")?;
    ok(fs::symlink(b"b", a.as_bytes()), "symlink a")?;
    ok(fs::symlink(b"a", b.as_bytes()), "symlink b")?;
    e(fs::open(a.as_bytes(), O_CREAT | O_RDWR, 0o644), ELOOP, "O_CREAT through a loop")
}

fn creat_directory_flag() -> R {
    let d = dir("creatdir")?;
    let n = p(&d, "n");
    e(fs::open(n.as_bytes(), O_CREAT | O_DIRECTORY | O_RDONLY, 0o644), EINVAL, "O_CREAT|O_DIRECTORY")?;
    ensure(!exists(&n), "O_CREAT|O_DIRECTORY made a file")
}
