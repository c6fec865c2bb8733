// SPDX-License-Identifier: BSD-2-Clause
//! Tests of the file system through VFS: every POSIX file call, paths and
//! symlinks, errors by errno, TRY-and-retry into untouched memory, big,
//! sparse and many files, a full disk, pipes between processes, and
//! processes doing file I/O at once. Each test works in its own directory
//! under /t, which it makes.
extern crate alloc;
use crate::harness::{ensure, expect_err as e, ok, Rng, Test};
use minix_abi::cspace;
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::{Follow, Request, UserBuf, UserPath};
use minix_abi::vm::{PROT_READ, PROT_WRITE};
use mxrt::fs::{self, Dirents, Fd, File};
use mxrt::posix;

type R = Result<(), &'static str>;

const RW: u64 = PROT_READ | PROT_WRITE;

pub const TESTS: &[Test] = &[
    Test { name: "fs.open_missing_enoent", run: |_| open_missing() },
    Test { name: "fs.create_write_read_back", run: |_| create_write_read() },
    Test { name: "fs.o_excl_eexist", run: |_| o_excl() },
    Test { name: "fs.o_trunc_empties", run: |_| o_trunc() },
    Test { name: "fs.o_append_writes_at_end", run: |_| o_append() },
    Test { name: "fs.o_directory_on_file_enotdir", run: |_| o_directory() },
    Test { name: "fs.open_dir_for_write_eisdir", run: |_| open_dir_write() },
    Test { name: "fs.o_nofollow_on_symlink_eloop", run: |_| o_nofollow() },
    Test { name: "fs.o_cloexec_sets_fd_flag", run: |_| o_cloexec() },
    Test { name: "fs.access_mode_enforced_ebadf", run: |_| access_mode() },
    Test { name: "fs.creat_truncates", run: |_| creat_truncates() },
    Test { name: "fs.close_twice_ebadf", run: |_| close_twice() },
    Test { name: "fs.pread_pwrite_leave_offset", run: |_| pread_pwrite() },
    Test { name: "fs.lseek_set_cur_end", run: |_| lseek_whence() },
    Test { name: "fs.lseek_past_end_hole_reads_zero", run: |_| lseek_past_end() },
    Test { name: "fs.lseek_negative_einval_pipe_espipe", run: |_| lseek_errors() },
    Test { name: "fs.stat_size_mode_links", run: |_| stat_fields() },
    Test { name: "fs.fstat_matches_stat", run: |_| fstat_matches() },
    Test { name: "fs.lstat_sees_symlink", run: |_| lstat_link() },
    Test { name: "fs.getdents_lists_entries", run: |_| getdents_lists() },
    Test { name: "fs.mkdir_rmdir", run: |_| mkdir_rmdir() },
    Test { name: "fs.dir_errors", run: |_| dir_errors() },
    Test { name: "fs.unlink_errors", run: |_| unlink_errors() },
    Test { name: "fs.rename_over_existing", run: |_| rename_over() },
    Test { name: "fs.rename_directory", run: |_| rename_dir() },
    Test { name: "fs.hard_links_count", run: |_| hard_links() },
    Test { name: "fs.symlink_readlink", run: |_| symlink_readlink() },
    Test { name: "fs.symlink_inside_path", run: |_| symlink_in_path() },
    Test { name: "fs.symlink_loop_eloop", run: |_| symlink_loop() },
    Test { name: "fs.path_and_name_too_long", run: |_| too_long() },
    Test { name: "fs.dot_and_dotdot", run: |_| dots() },
    Test { name: "fs.relative_paths_after_chdir", run: |_| relative_paths() },
    Test { name: "fs.chdir_file_enotdir", run: |_| chdir_file() },
    Test { name: "fs.fchdir_and_getcwd", run: |_| fchdir_getcwd() },
    Test { name: "fs.getcwd_small_buffer_erange", run: |_| getcwd_erange() },
    Test { name: "fs.truncate_shrinks_and_extends", run: |_| truncate_both() },
    Test { name: "fs.ftruncate_readonly_einval", run: |_| ftruncate_ro() },
    Test { name: "fs.dup_shares_offset", run: |_| dup_offset() },
    Test { name: "fs.dup2_onto_open_descriptor", run: |_| dup2_open() },
    Test { name: "fs.fcntl_dupfd_getfl_setfl", run: |_| fcntl_all() },
    Test { name: "fs.emfile_at_64_descriptors", run: |_| emfile() },
    Test { name: "fs.access_modes", run: |_| access_modes() },
    Test { name: "fs.chmod_changes_mode", run: |_| chmod_mode() },
    Test { name: "fs.umask_applies", run: |_| umask_applies() },
    Test { name: "fs.statvfs_counts", run: |_| statvfs_counts() },
    Test { name: "fs.sync_and_fsync", run: |_| syncs() },
    Test { name: "fs.efbig_beyond_max_file", run: |_| efbig() },
    Test { name: "fs.read_into_untouched_buffer", run: |_| read_untouched() },
    Test { name: "fs.read_into_half_untouched_buffer", run: |_| read_half_untouched() },
    Test { name: "fs.write_from_untouched_buffer_writes_zeros", run: |_| write_untouched() },
    Test { name: "fs.stat_into_untouched_buffer", run: |_| stat_untouched() },
    Test { name: "fs.bad_pointers_efault_servers_survive", run: |_| bad_pointers() },
    Test { name: "fs.file_16mib_checksum", run: |_| big_file() },
    Test { name: "fs.sparse_file_holes_read_zero", run: |_| sparse() },
    Test { name: "fs.two_thousand_files_in_a_directory", run: |_| many_files() },
    Test { name: "fs.unlink_while_open_frees_on_close", run: |_| unlink_open() },
    Test { name: "fs.fill_disk_enospc_then_carry_on", run: |_| fill_disk() },
    Test { name: "fs.fork_shares_offset", run: |_| fork_offset() },
    Test { name: "fs.exit_closes_descriptors", run: |_| exit_closes() },
    Test { name: "fs.pipe_basic_and_small", run: |_| pipe_basic() },
    Test { name: "fs.pipe_eof_after_writers_close", run: |_| pipe_eof() },
    Test { name: "fs.pipe_epipe_without_readers", run: |_| pipe_epipe() },
    Test { name: "fs.pipe_1mib_parent_to_child_checksum", run: |_| pipe_mib() },
    Test { name: "fs.pipe_buf_writes_atomic", run: |_| pipe_atomic() },
    Test { name: "fs.pipe_wait_blocks_only_its_process", run: |_| pipe_blocks_one() },
    Test { name: "fs.four_processes_io_at_once", run: |_| four_procs() },
    Test { name: "fs.embedded_io_file", run: |_| embedded_io() },
    Test { name: "fs.boot_tree_readable", run: |_| boot_tree() },
];

// ---- helpers ----

/// A fresh directory /t/<name> (and /t the first time).
fn dir(name: &str) -> Result<alloc::string::String, &'static str> {
    let _ = fs::mkdir(b"/t", 0o755);
    let d = alloc::format!("/t/{name}");
    ok(fs::mkdir(d.as_bytes(), 0o755), "mkdir of the test directory")?;
    Ok(d)
}

fn p(d: &str, f: &str) -> alloc::string::String {
    alloc::format!("{d}/{f}")
}

fn create(path: &str, data: &[u8]) -> R {
    let fd = ok(fs::open(path.as_bytes(), O_CREAT | O_WRONLY | O_TRUNC, 0o644), "create")?;
    ensure(ok(fs::write(fd, data), "write")? == data.len(), "short write")?;
    ok(fs::close(fd), "close")
}

pub(crate) fn read_all(path: &str) -> Result<alloc::vec::Vec<u8>, &'static str> {
    let fd = ok(fs::open(path.as_bytes(), O_RDONLY, 0), "open for reading")?;
    let mut out = alloc::vec::Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = ok(fs::read(fd, &mut buf), "read")?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    ok(fs::close(fd), "close")?;
    Ok(out)
}

fn fnv(h: u64, data: &[u8]) -> u64 {
    data.iter().fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}
const FNV0: u64 = 0xcbf2_9ce4_8422_2325;

fn pattern(buf: &mut [u8], seed: u64) {
    let mut r = Rng(seed | 1);
    for chunk in buf.chunks_mut(8) {
        let v = r.next().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

fn child_ok(pid: u32) -> R {
    let (got, status) = ok(posix::waitpid(pid as i64, 0), "wait")?;
    ensure(got == pid, "wait gave another pid")?;
    ensure(minix_abi::pm::wifexited(status) && minix_abi::pm::wexitstatus(status) == 0, "a child failed")
}

/// Runs `f` in a child; exit code 0 when it returned Ok.
fn in_child(f: impl FnOnce() -> R) -> Result<u32, &'static str> {
    match ok(posix::fork(), "fork")? {
        0 => posix::exit(if f().is_ok() { 0 } else { 1 }),
        pid => Ok(pid),
    }
}

fn vfs_raw(req: Request) -> Result<u64, Errno> {
    let (c, w, l) = req.encode();
    mxrt::ipc::sendrec(cspace::VFS_EP, c, w, l).result()
}

fn servers_alive() -> R {
    for ep in [cspace::PM_EP, cspace::VM_EP, cspace::VFS_EP] {
        let (c, w, l) = minix_abi::common::Common::Ping.encode();
        ensure(mxrt::ipc::sendrec(ep, c, w, l).result().is_ok(), "a server stopped answering")?;
    }
    ok(fs::stat(b"/"), "VFS and FS answer stat").map(|_| ())
}

// ---- open and its flags ----

fn open_missing() -> R {
    e(fs::open(b"/no/such/file", O_RDONLY, 0), ENOENT, "missing file")?;
    e(fs::open(b"", O_RDONLY, 0), ENOENT, "empty path")
}

fn create_write_read() -> R {
    let d = dir("cwr")?;
    let f = p(&d, "f");
    create(&f, b"hello, file system")?;
    ensure(read_all(&f)? == b"hello, file system", "bytes differ")
}

fn o_excl() -> R {
    let d = dir("excl")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_EXCL | O_WRONLY, 0o644), "first create")?;
    ok(fs::close(fd), "close")?;
    e(fs::open(f.as_bytes(), O_CREAT | O_EXCL | O_WRONLY, 0o644), EEXIST, "second O_EXCL create")
}

fn o_trunc() -> R {
    let d = dir("trunc")?;
    let f = p(&d, "f");
    create(&f, b"0123456789")?;
    let fd = ok(fs::open(f.as_bytes(), O_WRONLY | O_TRUNC, 0), "open O_TRUNC")?;
    ok(fs::close(fd), "close")?;
    ensure(ok(fs::stat(f.as_bytes()), "stat")?.size == 0, "not truncated")
}

fn o_append() -> R {
    let d = dir("append")?;
    let f = p(&d, "f");
    create(&f, b"abc")?;
    let fd = ok(fs::open(f.as_bytes(), O_WRONLY | O_APPEND, 0), "open")?;
    ok(fs::lseek(fd, 0, SEEK_SET), "lseek")?;
    ok(fs::write(fd, b"def"), "write")?;
    ok(fs::close(fd), "close")?;
    ensure(read_all(&f)? == b"abcdef", "append did not write at the end")
}

fn o_directory() -> R {
    let d = dir("odir")?;
    let f = p(&d, "f");
    create(&f, b"x")?;
    e(fs::open(f.as_bytes(), O_RDONLY | O_DIRECTORY, 0), ENOTDIR, "O_DIRECTORY on a file")?;
    let fd = ok(fs::open(d.as_bytes(), O_RDONLY | O_DIRECTORY, 0), "O_DIRECTORY on a directory")?;
    ok(fs::close(fd), "close")
}

fn open_dir_write() -> R {
    let d = dir("dirw")?;
    e(fs::open(d.as_bytes(), O_WRONLY, 0), EISDIR, "directory opened for writing")?;
    e(fs::open(d.as_bytes(), O_RDWR, 0), EISDIR, "directory opened read-write")
}

fn o_nofollow() -> R {
    let d = dir("nofollow")?;
    let (f, l) = (p(&d, "f"), p(&d, "l"));
    create(&f, b"x")?;
    ok(fs::symlink(f.as_bytes(), l.as_bytes()), "symlink")?;
    e(fs::open(l.as_bytes(), O_RDONLY | O_NOFOLLOW, 0), ELOOP, "O_NOFOLLOW on a link")?;
    let fd = ok(fs::open(l.as_bytes(), O_RDONLY, 0), "following the link")?;
    ok(fs::close(fd), "close")
}

fn o_cloexec() -> R {
    let d = dir("cloexec")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_WRONLY | O_CLOEXEC, 0o644), "open")?;
    ensure(ok(fs::fcntl(fd, F_GETFD, 0), "getfd")? == FD_CLOEXEC, "flag not set")?;
    ok(fs::close(fd), "close")
}

fn access_mode() -> R {
    let d = dir("accmode")?;
    let f = p(&d, "f");
    create(&f, b"data")?;
    let ro = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open ro")?;
    e(fs::write(ro, b"x"), EBADF, "write on read-only")?;
    let wo = ok(fs::open(f.as_bytes(), O_WRONLY, 0), "open wo")?;
    let mut b = [0u8; 4];
    e(fs::read(wo, &mut b), EBADF, "read on write-only")?;
    ok(fs::close(ro), "close")?;
    ok(fs::close(wo), "close")
}

fn creat_truncates() -> R {
    let d = dir("creat")?;
    let f = p(&d, "f");
    create(&f, b"long contents")?;
    let fd = ok(fs::creat(f.as_bytes(), 0o644), "creat")?;
    ok(fs::write(fd, b"new"), "write")?;
    ok(fs::close(fd), "close")?;
    ensure(read_all(&f)? == b"new", "creat did not truncate")
}

fn close_twice() -> R {
    let fd = ok(fs::open(b"/", O_RDONLY, 0), "open")?;
    ok(fs::close(fd), "close")?;
    e(fs::close(fd), EBADF, "second close")?;
    e(fs::close(Fd(63)), EBADF, "never opened")?;
    e(fs::close(Fd(1 << 20)), EBADF, "out of range")
}

// ---- offsets ----

fn pread_pwrite() -> R {
    let d = dir("ppio")?;
    let f = p(&d, "f");
    create(&f, b"0123456789")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDWR, 0), "open")?;
    let mut b = [0u8; 3];
    ensure(ok(fs::pread(fd, &mut b, 4), "pread")? == 3 && &b == b"456", "pread bytes")?;
    ensure(ok(fs::pwrite(fd, b"AB", 8), "pwrite")? == 2, "pwrite count")?;
    ensure(ok(fs::lseek(fd, 0, SEEK_CUR), "tell")? == 0, "positioned I/O moved the offset")?;
    ok(fs::close(fd), "close")?;
    ensure(read_all(&f)? == b"01234567AB", "pwrite bytes")
}

fn lseek_whence() -> R {
    let d = dir("lseek")?;
    let f = p(&d, "f");
    create(&f, b"0123456789")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    ensure(ok(fs::lseek(fd, 3, SEEK_SET), "set")? == 3, "SEEK_SET")?;
    ensure(ok(fs::lseek(fd, 2, SEEK_CUR), "cur")? == 5, "SEEK_CUR")?;
    ensure(ok(fs::lseek(fd, -1, SEEK_END), "end")? == 9, "SEEK_END")?;
    let mut b = [0u8; 4];
    ensure(ok(fs::read(fd, &mut b), "read")? == 1 && b[0] == b'9', "read after seek")?;
    ok(fs::close(fd), "close")
}

fn lseek_past_end() -> R {
    let d = dir("pastend")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_RDWR, 0o644), "open")?;
    ok(fs::write(fd, b"A"), "write")?;
    ensure(ok(fs::lseek(fd, 10_000, SEEK_SET), "seek")? == 10_000, "seek past end")?;
    ok(fs::write(fd, b"Z"), "write")?;
    let mut b = [0xffu8; 100];
    ensure(ok(fs::pread(fd, &mut b, 5000), "pread")? == 100, "hole read count")?;
    ensure(b.iter().all(|&x| x == 0), "hole not zero")?;
    ensure(ok(fs::fstat(fd), "fstat")?.size == 10_001, "size")?;
    ok(fs::close(fd), "close")
}

fn lseek_errors() -> R {
    let fd = ok(fs::open(b"/", O_RDONLY, 0), "open")?;
    e(fs::lseek(fd, -1, SEEK_SET), EINVAL, "negative offset")?;
    ok(fs::close(fd), "close")?;
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    e(fs::lseek(r, 0, SEEK_SET), ESPIPE, "lseek on a pipe")?;
    ok(fs::close(r), "close")?;
    ok(fs::close(w), "close")
}

// ---- stat ----

fn stat_fields() -> R {
    let d = dir("stat")?;
    let f = p(&d, "f");
    create(&f, &[7u8; 3000])?;
    let s = ok(fs::stat(f.as_bytes()), "stat")?;
    ensure(s.size == 3000, "size")?;
    ensure(s.mode & 0o170000 == 0o100000, "not a regular file")?;
    ensure(s.nlink == 1, "links")?;
    ensure(s.ino != 0, "inode")?;
    let ds = ok(fs::stat(d.as_bytes()), "stat dir")?;
    ensure(ds.mode & 0o170000 == 0o040000 && ds.nlink == 2, "directory mode and links")
}

fn fstat_matches() -> R {
    let d = dir("fstat")?;
    let f = p(&d, "f");
    create(&f, b"12345")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    let (a, b) = (ok(fs::fstat(fd), "fstat")?, ok(fs::stat(f.as_bytes()), "stat")?);
    ok(fs::close(fd), "close")?;
    ensure(a == b, "fstat and stat differ")
}

fn lstat_link() -> R {
    let d = dir("lstat")?;
    let (f, l) = (p(&d, "f"), p(&d, "l"));
    create(&f, b"abc")?;
    ok(fs::symlink(b"f", l.as_bytes()), "symlink")?;
    ensure(ok(fs::lstat(l.as_bytes()), "lstat")?.mode & 0o170000 == 0o120000, "lstat followed the link")?;
    ensure(ok(fs::stat(l.as_bytes()), "stat")?.size == 3, "stat did not follow")
}

fn getdents_lists() -> R {
    let d = dir("dents")?;
    for n in ["alpha", "beta", "gamma"] {
        create(&p(&d, n), b"")?;
    }
    let fd = ok(fs::open(d.as_bytes(), O_RDONLY, 0), "open dir")?;
    let mut buf = [0u8; 1024];
    let n = ok(fs::getdents(fd, &mut buf), "getdents")?;
    let mut names: alloc::vec::Vec<&[u8]> = Dirents::new(&buf[..n]).map(|(_, name)| name).collect();
    names.sort();
    ensure(names == [&b"."[..], b"..", b"alpha", b"beta", b"gamma"], "wrong entries")?;
    ensure(ok(fs::getdents(fd, &mut buf), "getdents again")? == 0, "no end of directory")?;
    ok(fs::close(fd), "close")
}

// ---- directories and names ----

fn mkdir_rmdir() -> R {
    let d = dir("mkrm")?;
    let s = p(&d, "sub");
    ok(fs::mkdir(s.as_bytes(), 0o755), "mkdir")?;
    ensure(ok(fs::stat(d.as_bytes()), "stat")?.nlink == 3, "parent link count")?;
    ok(fs::rmdir(s.as_bytes()), "rmdir")?;
    e(fs::stat(s.as_bytes()), ENOENT, "still there")
}

fn dir_errors() -> R {
    let d = dir("direrr")?;
    e(fs::mkdir(d.as_bytes(), 0o755), EEXIST, "mkdir existing")?;
    create(&p(&d, "f"), b"")?;
    e(fs::rmdir(d.as_bytes()), ENOTEMPTY, "rmdir non-empty")?;
    e(fs::rmdir(p(&d, "f").as_bytes()), ENOTDIR, "rmdir of a file")?;
    e(fs::mkdir(p(&d, "f/x").as_bytes(), 0o755), ENOTDIR, "mkdir under a file")
}

fn unlink_errors() -> R {
    let d = dir("unlerr")?;
    e(fs::unlink(p(&d, "none").as_bytes()), ENOENT, "unlink missing")?;
    ensure(fs::unlink(d.as_bytes()).is_err(), "unlink of a directory worked")?;
    ok(fs::stat(d.as_bytes()), "directory survived").map(|_| ())
}

fn rename_over() -> R {
    let d = dir("renover")?;
    let (a, b) = (p(&d, "a"), p(&d, "b"));
    create(&a, b"new contents")?;
    create(&b, b"old")?;
    ok(fs::rename(a.as_bytes(), b.as_bytes()), "rename")?;
    e(fs::stat(a.as_bytes()), ENOENT, "source still there")?;
    ensure(read_all(&b)? == b"new contents", "target not replaced")
}

fn rename_dir() -> R {
    let d = dir("rendir")?;
    let (a, b) = (p(&d, "a"), p(&d, "b"));
    ok(fs::mkdir(a.as_bytes(), 0o755), "mkdir")?;
    create(&p(&a, "inside"), b"x")?;
    ok(fs::rename(a.as_bytes(), b.as_bytes()), "rename dir")?;
    ensure(read_all(&p(&b, "inside"))? == b"x", "contents lost")?;
    e(fs::rename(b.as_bytes(), p(&b, "sub").as_bytes()), EINVAL, "into itself")
}

fn hard_links() -> R {
    let d = dir("links")?;
    let (a, b) = (p(&d, "a"), p(&d, "b"));
    create(&a, b"shared")?;
    ok(fs::link(a.as_bytes(), b.as_bytes()), "link")?;
    ensure(ok(fs::stat(a.as_bytes()), "stat")?.nlink == 2, "two links")?;
    e(fs::link(a.as_bytes(), b.as_bytes()), EEXIST, "link over existing")?;
    ok(fs::unlink(a.as_bytes()), "unlink")?;
    ensure(read_all(&b)? == b"shared", "data gone with one name")?;
    ensure(ok(fs::stat(b.as_bytes()), "stat")?.nlink == 1, "one link")
}

fn symlink_readlink() -> R {
    let d = dir("symrl")?;
    let l = p(&d, "l");
    ok(fs::symlink(b"some/target", l.as_bytes()), "symlink")?;
    let mut b = [0u8; 64];
    let n = ok(fs::readlink(l.as_bytes(), &mut b), "readlink")?;
    ensure(&b[..n] == b"some/target", "target differs")?;
    e(fs::readlink(d.as_bytes(), &mut b), EINVAL, "readlink of a directory")?;
    e(fs::symlink(b"x", l.as_bytes()), EEXIST, "symlink over existing")
}

fn symlink_in_path() -> R {
    let d = dir("sympath")?;
    let real = p(&d, "real");
    ok(fs::mkdir(real.as_bytes(), 0o755), "mkdir")?;
    create(&p(&real, "f"), b"via link")?;
    ok(fs::symlink(b"real", p(&d, "rel").as_bytes()), "relative link")?;
    ok(fs::symlink(real.as_bytes(), p(&d, "abs").as_bytes()), "absolute link")?;
    ensure(read_all(&p(&d, "rel/f"))? == b"via link", "relative link in a path")?;
    ensure(read_all(&p(&d, "abs/f"))? == b"via link", "absolute link in a path")?;
    ensure(read_all(&p(&d, "rel/../rel/f"))? == b"via link", "dotdot after a link")
}

fn symlink_loop() -> R {
    let d = dir("symloop")?;
    let (a, b) = (p(&d, "a"), p(&d, "b"));
    ok(fs::symlink(b.as_bytes(), a.as_bytes()), "a -> b")?;
    ok(fs::symlink(a.as_bytes(), b.as_bytes()), "b -> a")?;
    e(fs::stat(a.as_bytes()), ELOOP, "loop")?;
    e(fs::open(p(&d, "a/x").as_bytes(), O_RDONLY, 0), ELOOP, "loop in the middle")
}

fn too_long() -> R {
    let long = alloc::vec![b'a'; 1100];
    e(fs::open(&long, O_RDONLY, 0), ENAMETOOLONG, "path over PATH_MAX")?;
    let d = dir("toolong")?;
    let name = p(&d, &"n".repeat(61));
    e(fs::open(name.as_bytes(), O_CREAT | O_WRONLY, 0o644), ENAMETOOLONG, "name over 60 bytes")?;
    let ok60 = p(&d, &"n".repeat(60));
    create(&ok60, b"")
}

fn dots() -> R {
    let d = dir("dots")?;
    create(&p(&d, "f"), b"dots")?;
    ensure(read_all("/./t/../t//dots/./f")? == b"dots", "dot and dotdot")?;
    ensure(read_all("/../../t/dots/f")? == b"dots", "dotdot above the root")
}

fn relative_paths() -> R {
    let d = dir("rel")?;
    create(&p(&d, "f"), b"rel")?;
    ok(fs::chdir(d.as_bytes()), "chdir")?;
    let r = read_all("f").and_then(|b| ensure(b == b"rel", "relative read"));
    let r2 = read_all("../rel/./f").map(|_| ());
    ok(fs::chdir(b"/"), "chdir back")?;
    r.and(r2)
}

fn chdir_file() -> R {
    let d = dir("chdirf")?;
    create(&p(&d, "f"), b"")?;
    e(fs::chdir(p(&d, "f").as_bytes()), ENOTDIR, "chdir into a file")?;
    e(fs::chdir(p(&d, "none").as_bytes()), ENOENT, "chdir missing")
}

fn fchdir_getcwd() -> R {
    let d = dir("cwd")?;
    let deep = p(&d, "x/y");
    ok(fs::mkdir(p(&d, "x").as_bytes(), 0o755), "mkdir")?;
    ok(fs::mkdir(deep.as_bytes(), 0o755), "mkdir")?;
    let fd = ok(fs::open(deep.as_bytes(), O_RDONLY, 0), "open dir")?;
    ok(fs::fchdir(fd), "fchdir")?;
    ok(fs::close(fd), "close")?;
    let mut b = [0u8; 128];
    let n = fs::getcwd(&mut b);
    ok(fs::chdir(b"/"), "chdir back")?;
    let n = ok(n, "getcwd")?;
    ensure(&b[..n] == deep.as_bytes(), "getcwd")
}

fn getcwd_erange() -> R {
    let mut b = [0u8; 1];
    ok(fs::chdir(b"/t"), "chdir")?;
    let r = fs::getcwd(&mut b);
    ok(fs::chdir(b"/"), "chdir back")?;
    e(r, ERANGE, "small buffer")
}

fn truncate_both() -> R {
    let d = dir("truncboth")?;
    let f = p(&d, "f");
    create(&f, &[9u8; 5000])?;
    ok(fs::truncate(f.as_bytes(), 100), "shrink")?;
    ensure(ok(fs::stat(f.as_bytes()), "stat")?.size == 100, "shrunk")?;
    ok(fs::truncate(f.as_bytes(), 8000), "extend")?;
    let b = read_all(&f)?;
    ensure(b.len() == 8000 && b[..100].iter().all(|&x| x == 9) && b[100..].iter().all(|&x| x == 0), "contents after truncates")?;
    e(fs::truncate(d.as_bytes(), 0), EISDIR, "truncate a directory")
}

fn ftruncate_ro() -> R {
    let d = dir("ftrunc")?;
    let f = p(&d, "f");
    create(&f, b"abc")?;
    let ro = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    e(fs::ftruncate(ro, 0), EINVAL, "ftruncate read-only")?;
    ok(fs::close(ro), "close")?;
    let rw = ok(fs::open(f.as_bytes(), O_RDWR, 0), "open")?;
    ok(fs::ftruncate(rw, 1), "ftruncate")?;
    ok(fs::close(rw), "close")?;
    ensure(read_all(&f)? == b"a", "ftruncate result")
}

// ---- descriptors ----

fn dup_offset() -> R {
    let d = dir("dup")?;
    let f = p(&d, "f");
    create(&f, b"abcdef")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    let d2 = ok(fs::dup(fd), "dup")?;
    let mut b = [0u8; 2];
    ok(fs::read(fd, &mut b), "read")?;
    ok(fs::read(d2, &mut b), "read dup")?;
    ensure(&b == b"cd", "dup does not share the offset")?;
    ok(fs::close(fd), "close")?;
    ok(fs::close(d2), "close")
}

fn dup2_open() -> R {
    let d = dir("dup2")?;
    let (a, b) = (p(&d, "a"), p(&d, "b"));
    create(&a, b"AAAA")?;
    create(&b, b"BBBB")?;
    let fa = ok(fs::open(a.as_bytes(), O_RDONLY, 0), "open a")?;
    let fb = ok(fs::open(b.as_bytes(), O_RDONLY, 0), "open b")?;
    ensure(ok(fs::dup2(fa, fb), "dup2")? == fb, "dup2 result")?;
    let mut x = [0u8; 4];
    ok(fs::read(fb, &mut x), "read")?;
    ensure(&x == b"AAAA", "dup2 did not replace the descriptor")?;
    ensure(ok(fs::dup2(fa, fa), "dup2 same")? == fa, "dup2 onto itself")?;
    e(fs::dup2(fa, Fd(64)), EBADF, "dup2 out of range")?;
    ok(fs::close(fa), "close")?;
    ok(fs::close(fb), "close")
}

fn fcntl_all() -> R {
    let d = dir("fcntl")?;
    let f = p(&d, "f");
    create(&f, b"0123")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDWR, 0), "open")?;
    let d10 = ok(fs::fcntl(fd, F_DUPFD, 10), "F_DUPFD")?;
    ensure(d10 >= 10, "F_DUPFD below its minimum")?;
    ensure(ok(fs::fcntl(fd, F_GETFL, 0), "F_GETFL")? == O_RDWR, "F_GETFL")?;
    ok(fs::fcntl(fd, F_SETFL, O_APPEND), "F_SETFL")?;
    ensure(ok(fs::fcntl(Fd(d10 as u32), F_GETFL, 0), "F_GETFL dup")? == O_RDWR | O_APPEND, "status flags not shared")?;
    ok(fs::write(fd, b"45"), "write")?;
    ensure(read_all(&f)? == b"012345", "O_APPEND from F_SETFL")?;
    e(fs::fcntl(fd, F_DUPFD, 64), EINVAL, "F_DUPFD too high")?;
    ok(fs::close(fd), "close")?;
    ok(fs::close(Fd(d10 as u32)), "close")
}

fn emfile() -> R {
    let fd = ok(fs::open(b"/", O_RDONLY, 0), "open")?;
    let mut got = alloc::vec::Vec::new();
    let r = loop {
        match fs::dup(fd) {
            Ok(d) => got.push(d),
            Err(err) => break err,
        }
    };
    for d in got.iter() {
        ok(fs::close(*d), "close")?;
    }
    ok(fs::close(fd), "close")?;
    ensure(r == EMFILE, "not EMFILE")?;
    ensure(got.len() >= 60 && got.len() < 64, "the table is not 64 descriptors")
}

fn access_modes() -> R {
    let d = dir("access")?;
    let f = p(&d, "f");
    create(&f, b"")?;
    ok(fs::access(f.as_bytes(), R_OK | W_OK), "R_OK|W_OK")?;
    e(fs::access(f.as_bytes(), X_OK), EACCES, "X_OK without x bits")?;
    ok(fs::chmod(f.as_bytes(), 0o755), "chmod")?;
    ok(fs::access(f.as_bytes(), X_OK), "X_OK with x bits")?;
    e(fs::access(p(&d, "none").as_bytes(), F_OK), ENOENT, "F_OK missing")
}

fn chmod_mode() -> R {
    let d = dir("chmod")?;
    let f = p(&d, "f");
    create(&f, b"")?;
    ok(fs::chmod(f.as_bytes(), 0o4711), "chmod")?;
    ensure(ok(fs::stat(f.as_bytes()), "stat")?.mode & 0o7777 == 0o4711, "mode")
}

fn umask_applies() -> R {
    let d = dir("umask")?;
    let old = ok(fs::umask(0o027), "umask")?;
    let f = p(&d, "f");
    let r = create(&f, b"");
    let m = fs::stat(f.as_bytes());
    ok(fs::umask(old), "restore umask")?;
    r?;
    ensure(ok(m, "stat")?.mode & 0o777 == 0o640, "umask not applied")
}

fn statvfs_counts() -> R {
    let s = ok(fs::statvfs(b"/"), "statvfs")?;
    ensure(s.block_size == 1024 && s.blocks > 0 && s.free_blocks < s.blocks, "blocks")?;
    ensure(s.files > 0 && s.free_files < s.files && s.name_max == 60, "inodes")
}

fn syncs() -> R {
    let d = dir("sync")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_WRONLY, 0o644), "open")?;
    ok(fs::write(fd, b"durable"), "write")?;
    ok(fs::fsync(fd), "fsync")?;
    ok(fs::close(fd), "close")?;
    ok(fs::sync(), "sync")
}

fn efbig() -> R {
    let d = dir("efbig")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_WRONLY, 0o644), "open")?;
    let r = fs::pwrite(fd, b"x", 1 << 40);
    ok(fs::close(fd), "close")?;
    e(r, EFBIG, "write far past the largest file")
}

// ---- TRY and retry ----

fn read_untouched() -> R {
    let d = dir("untouched")?;
    let f = p(&d, "f");
    let mut data = alloc::vec![0u8; 40_000];
    pattern(&mut data, 11);
    create(&f, &data)?;
    let mut m = ok(posix::mmap_region(40_960, RW), "mmap")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    let n = fs::read(fd, &mut m.as_mut_slice()[..40_000]);
    ok(fs::close(fd), "close")?;
    ensure(ok(n, "read into an untouched buffer")? == 40_000, "short read")?;
    ensure(m.as_slice()[..40_000] == data[..], "wrong bytes")
}

fn read_half_untouched() -> R {
    let d = dir("halftouched")?;
    let f = p(&d, "f");
    let mut data = alloc::vec![0u8; 16_384];
    pattern(&mut data, 12);
    create(&f, &data)?;
    let mut m = ok(posix::mmap_region(16_384, RW), "mmap")?;
    m.as_mut_slice()[..8192].fill(1);
    let fd = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    let n = fs::read(fd, m.as_mut_slice());
    ok(fs::close(fd), "close")?;
    ensure(ok(n, "read")? == 16_384, "short read")?;
    ensure(m.as_slice() == &data[..], "wrong bytes")
}

fn write_untouched() -> R {
    let d = dir("wuntouched")?;
    let f = p(&d, "f");
    let m = ok(posix::mmap_region(12_288, RW), "mmap")?;
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_WRONLY, 0o644), "open")?;
    let n = fs::write(fd, m.as_slice());
    ok(fs::close(fd), "close")?;
    ensure(ok(n, "write from an untouched buffer")? == 12_288, "short write")?;
    let back = read_all(&f)?;
    ensure(back.len() == 12_288 && back.iter().all(|&b| b == 0), "not zeros")
}

fn stat_untouched() -> R {
    let m = ok(posix::mmap_region(4096, RW), "mmap")?;
    let r = vfs_raw(Request::Stat { path: UserPath { addr: b"/t".as_ptr() as u64, len: 2 }, buf: m.base(), follow: Follow::Yes });
    ok(r, "stat into an untouched buffer")?;
    let s = minix_abi::fs::Stat::decode(m.as_slice()[..minix_abi::fs::STAT_SIZE].try_into().map_err(|_| "size")?);
    ensure(s.mode & 0o170000 == 0o040000, "stat contents")
}

fn bad_pointers() -> R {
    const WILD: u64 = 0xdead_0000;
    let wp = UserPath { addr: WILD, len: 8 };
    e(vfs_raw(Request::Open { path: wp, flags: O_RDONLY, mode: 0 }), EFAULT, "open")?;
    e(vfs_raw(Request::Stat { path: wp, buf: WILD, follow: Follow::Yes }), EFAULT, "stat path")?;
    e(
        vfs_raw(Request::Stat { path: UserPath { addr: b"/".as_ptr() as u64, len: 1 }, buf: WILD, follow: Follow::Yes }),
        EFAULT,
        "stat buffer",
    )?;
    e(vfs_raw(Request::Readlink { path: wp, buf: UserBuf { addr: WILD, len: 10 } }), EFAULT, "readlink path")?;
    let d = dir("badptr")?;
    let l = p(&d, "l");
    ok(fs::symlink(b"target", l.as_bytes()), "symlink")?;
    let lp = UserPath { addr: l.as_ptr() as u64, len: l.len() as u64 };
    e(vfs_raw(Request::Readlink { path: lp, buf: UserBuf { addr: WILD, len: 10 } }), EFAULT, "readlink buffer")?;
    let np = p(&d, "n");
    e(
        vfs_raw(Request::Symlink { target: wp, path: UserPath { addr: np.as_ptr() as u64, len: np.len() as u64 } }),
        EFAULT,
        "symlink target",
    )?;
    e(vfs_raw(Request::Symlink { target: lp, path: wp }), EFAULT, "symlink path")?;
    // The IPC buffer and kernel-half addresses are no memory either.
    e(vfs_raw(Request::Open { path: UserPath { addr: 0x7000_0000, len: 4 }, flags: 0, mode: 0 }), EFAULT, "IPC buffer")?;
    e(vfs_raw(Request::Open { path: UserPath { addr: u64::MAX - 2, len: 8 }, flags: 0, mode: 0 }), EFAULT, "wrapping")?;
    servers_alive()
}

// ---- big, sparse, many, full ----

fn big_file() -> R {
    const CHUNK: usize = 64 * 1024;
    const TOTAL: usize = 16 << 20;
    let d = dir("big")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_RDWR, 0o644), "open")?;
    let mut buf = alloc::vec![0u8; CHUNK];
    let mut want = FNV0;
    for i in 0..TOTAL / CHUNK {
        pattern(&mut buf, 1000 + i as u64);
        want = fnv(want, &buf);
        ensure(ok(fs::write(fd, &buf), "write")? == CHUNK, "short write")?;
    }
    ensure(ok(fs::fstat(fd), "fstat")?.size == TOTAL as u64, "size")?;
    ok(fs::lseek(fd, 0, SEEK_SET), "rewind")?;
    let mut got = FNV0;
    let mut total = 0;
    loop {
        let n = ok(fs::read(fd, &mut buf), "read")?;
        if n == 0 {
            break;
        }
        got = fnv(got, &buf[..n]);
        total += n;
    }
    ok(fs::close(fd), "close")?;
    ok(fs::unlink(f.as_bytes()), "unlink")?;
    ensure(total == TOTAL && got == want, "checksum differs")
}

fn sparse() -> R {
    let d = dir("sparse")?;
    let f = p(&d, "f");
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_RDWR, 0o644), "open")?;
    let before = ok(fs::statvfs(b"/"), "statvfs")?.free_blocks;
    for off in [0u64, 1 << 20, 5 << 20, (9 << 20) + 123] {
        ok(fs::pwrite(fd, b"island", off), "pwrite")?;
    }
    let used = before - ok(fs::statvfs(b"/"), "statvfs")?.free_blocks;
    ensure(used < 40, "holes took blocks")?;
    let mut b = alloc::vec![0xaau8; 8192];
    for off in [100u64, (1 << 20) + 10, 3 << 20, 8 << 20] {
        let n = ok(fs::pread(fd, &mut b, off), "pread")?;
        ensure(n == 8192, "hole read short")?;
        let island = [off == (1 << 20) + 10].contains(&true);
        if !island {
            ensure(b.iter().all(|&x| x == 0), "hole not zero")?;
        }
    }
    ok(fs::pread(fd, &mut b[..6], 5 << 20), "pread")?;
    ensure(&b[..6] == b"island", "data in a sparse file")?;
    ok(fs::close(fd), "close")?;
    ok(fs::unlink(f.as_bytes()), "unlink")
}

fn many_files() -> R {
    let d = dir("many")?;
    for i in 0..2000 {
        let f = alloc::format!("{d}/file{i}");
        let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_EXCL | O_WRONLY, 0o644), "create")?;
        ok(fs::close(fd), "close")?;
    }
    let fd = ok(fs::open(d.as_bytes(), O_RDONLY, 0), "open dir")?;
    let mut buf = alloc::vec![0u8; 8192];
    let mut count = 0;
    let mut seen = alloc::vec![false; 2000];
    loop {
        let n = ok(fs::getdents(fd, &mut buf), "getdents")?;
        if n == 0 {
            break;
        }
        for (_, name) in Dirents::new(&buf[..n]) {
            count += 1;
            if let Some(num) = name.strip_prefix(b"file").and_then(|s| core::str::from_utf8(s).ok()).and_then(|s| s.parse::<usize>().ok()) {
                if num < 2000 {
                    seen[num] = true;
                }
            }
        }
    }
    ok(fs::close(fd), "close")?;
    ensure(count == 2002 && seen.iter().all(|&s| s), "listing incomplete")?;
    for i in 0..2000 {
        ok(fs::unlink(alloc::format!("{d}/file{i}").as_bytes()), "unlink")?;
    }
    ok(fs::rmdir(d.as_bytes()), "rmdir")
}

fn unlink_open() -> R {
    let d = dir("unlopen")?;
    let f = p(&d, "f");
    let before = ok(fs::statvfs(b"/"), "statvfs")?.free_blocks;
    let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_RDWR, 0o644), "open")?;
    let data = alloc::vec![5u8; 300_000];
    ok(fs::write(fd, &data), "write")?;
    ok(fs::unlink(f.as_bytes()), "unlink")?;
    e(fs::stat(f.as_bytes()), ENOENT, "name still there")?;
    let mut b = [0u8; 16];
    ok(fs::pread(fd, &mut b, 299_984), "read after unlink")?;
    ensure(b == [5u8; 16], "data gone before the close")?;
    ensure(ok(fs::statvfs(b"/"), "statvfs")?.free_blocks < before - 290, "blocks freed while open")?;
    ok(fs::close(fd), "close")?;
    ensure(ok(fs::statvfs(b"/"), "statvfs")?.free_blocks == before, "blocks not freed by the last close")
}

fn fill_disk() -> R {
    let d = dir("fill")?;
    let before = ok(fs::statvfs(b"/"), "statvfs")?.free_blocks;
    let buf = alloc::vec![0x5au8; 64 * 1024];
    let mut full = false;
    // A file ends at its largest size (EFBIG) before a big disk fills:
    // then the next file goes on.
    let mut files = alloc::vec::Vec::new();
    'fill: for i in 0..64 {
        let f = p(&d, &alloc::format!("f{i}"));
        let fd = ok(fs::open(f.as_bytes(), O_CREAT | O_WRONLY, 0o644), "open")?;
        files.push(f);
        for _ in 0..2048 {
            match fs::write(fd, &buf) {
                Ok(n) if n == buf.len() => {}
                Ok(_) => {}
                Err(ENOSPC) => {
                    full = true;
                    ok(fs::close(fd), "close")?;
                    break 'fill;
                }
                Err(EFBIG) => break,
                Err(e) => {
                    sel4_root_task::println!("  write: {}", e.name());
                    return Err("write failed otherwise than ENOSPC");
                }
            }
        }
        ok(fs::close(fd), "close")?;
    }
    ensure(full, "the disk never filled")?;
    e(fs::mkdir(p(&d, "more").as_bytes(), 0o755), ENOSPC, "mkdir on a full disk")?;
    for f in &files {
        ok(fs::unlink(f.as_bytes()), "unlink")?;
    }
    ensure(ok(fs::statvfs(b"/"), "statvfs")?.free_blocks == before, "blocks not all back")?;
    create(&p(&d, "after"), &[1u8; 100_000])?;
    ensure(read_all(&p(&d, "after"))?.len() == 100_000, "carry on after ENOSPC")
}

// ---- processes ----

fn fork_offset() -> R {
    let d = dir("forkoff")?;
    let f = p(&d, "f");
    create(&f, b"0123456789")?;
    let fd = ok(fs::open(f.as_bytes(), O_RDONLY, 0), "open")?;
    let child = in_child(|| {
        let mut b = [0u8; 3];
        fs::read(fd, &mut b).map_err(|_| "read")?;
        ensure(&b == b"012", "child read")
    })?;
    child_ok(child)?;
    let mut b = [0u8; 3];
    ok(fs::read(fd, &mut b), "read")?;
    ok(fs::close(fd), "close")?;
    ensure(&b == b"345", "the child's read did not move the shared offset")
}

fn exit_closes() -> R {
    let d = dir("exitclose")?;
    let f = p(&d, "f");
    create(&f, &[3u8; 200_000])?;
    let before = ok(fs::statvfs(b"/"), "statvfs")?.free_blocks;
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let fb = f.clone();
    let child = in_child(move || {
        let _fd = fs::open(fb.as_bytes(), O_RDONLY, 0).map_err(|_| "open")?;
        fs::write(w, b"k").map_err(|_| "signal")?;
        // Exits with the file still open.
        Ok(())
    })?;
    let mut b = [0u8; 1];
    ok(fs::read(r, &mut b), "wait for the child")?;
    ok(fs::unlink(f.as_bytes()), "unlink")?;
    child_ok(child)?;
    ok(fs::close(r), "close")?;
    ok(fs::close(w), "close")?;
    ensure(ok(fs::statvfs(b"/"), "statvfs")?.free_blocks >= before + 190, "the child's exit did not close its descriptor")
}

fn pipe_basic() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    ensure(ok(fs::write(w, b"hello pipe"), "write")? == 10, "write count")?;
    let mut b = [0u8; 64];
    ensure(ok(fs::read(r, &mut b[..5]), "small read")? == 5 && &b[..5] == b"hello", "small read")?;
    let big = alloc::vec![7u8; 5000];
    ok(fs::write(w, &big), "big write")?;
    let mut got = alloc::vec![0u8; 6000];
    let n = ok(fs::read(r, &mut got), "big read")?;
    ensure(n == 5005 && &got[..5] == b" pipe" && got[5..n].iter().all(|&x| x == 7), "pipe bytes")?;
    let s = ok(fs::fstat(r), "fstat")?;
    ensure(s.mode & 0o170000 == 0o010000, "fstat of a pipe")?;
    ok(fs::close(r), "close")?;
    ok(fs::close(w), "close")
}

fn pipe_eof() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let child = in_child(|| {
        let _ = fs::close(r);
        fs::write(w, b"last").map_err(|_| "write")?;
        Ok(())
    })?;
    ok(fs::close(w), "close")?;
    let mut b = [0u8; 16];
    let mut got = alloc::vec::Vec::new();
    loop {
        let n = ok(fs::read(r, &mut b), "read")?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&b[..n]);
    }
    child_ok(child)?;
    ok(fs::close(r), "close")?;
    ensure(got == b"last", "bytes before EOF")
}

fn pipe_epipe() -> R {
    // SIGPIPE ignored, as a program that wants the errno does (it would
    // end this process, which init is not); put back after.
    let was_ignored = ok(mxrt::signal::set_ignored(minix_abi::signal::SIGPIPE.number(), true), "ignore SIGPIPE")?;
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    ok(fs::close(r), "close")?;
    let wrote = fs::write(w, b"nobody");
    let _ = mxrt::signal::set_ignored(minix_abi::signal::SIGPIPE.number(), was_ignored);
    e(wrote, EPIPE, "write without readers")?;
    ok(fs::close(w), "close")
}

fn pipe_mib() -> R {
    const TOTAL: usize = 1 << 20;
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let mut want = FNV0;
    let mut buf = alloc::vec![0u8; 4096];
    for i in 0..TOTAL / 4096 {
        pattern(&mut buf, 77 + i as u64);
        want = fnv(want, &buf);
    }
    let child = in_child(move || {
        let _ = fs::close(w);
        let mut got = FNV0;
        let mut total = 0;
        let mut b = alloc::vec![0u8; 10_000];
        loop {
            let n = fs::read(r, &mut b).map_err(|_| "read")?;
            if n == 0 {
                break;
            }
            got = fnv(got, &b[..n]);
            total += n;
        }
        ensure(total == TOTAL && got == want, "checksum")
    })?;
    ok(fs::close(r), "close")?;
    for i in 0..TOTAL / 4096 {
        pattern(&mut buf, 77 + i as u64);
        ensure(ok(fs::write(w, &buf), "write")? == 4096, "short pipe write")?;
    }
    ok(fs::close(w), "close")?;
    child_ok(child)
}

fn pipe_atomic() -> R {
    const RECORDS: usize = 200;
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let mut kids = alloc::vec::Vec::new();
    for k in 0..3u8 {
        kids.push(in_child(move || {
            let _ = fs::close(r);
            let rec = [b'a' + k; 512];
            for _ in 0..RECORDS {
                ensure(fs::write(w, &rec).map_err(|_| "write")? == 512, "short atomic write")?;
            }
            Ok(())
        })?);
    }
    ok(fs::close(w), "close")?;
    let mut data = alloc::vec::Vec::new();
    let mut b = alloc::vec![0u8; 3000];
    loop {
        let n = ok(fs::read(r, &mut b), "read")?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&b[..n]);
    }
    for k in kids {
        child_ok(k)?;
    }
    ok(fs::close(r), "close")?;
    ensure(data.len() == 3 * RECORDS * 512, "bytes lost")?;
    ensure(data.chunks(512).all(|c| c.iter().all(|&x| x == c[0])), "writes of PIPE_BUF bytes interleaved")
}

fn pipe_blocks_one() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let child = in_child(|| {
        let mut b = [0u8; 4];
        let n = fs::read(r, &mut b).map_err(|_| "read")?;
        ensure(n == 4 && &b == b"late", "late bytes")
    })?;
    // The child waits in VFS; this process keeps using VFS meanwhile.
    let d = dir("blocksone")?;
    for i in 0..20 {
        create(&alloc::format!("{d}/f{i}"), b"while a pipe reader waits")?;
    }
    ok(fs::write(w, b"late"), "write")?;
    child_ok(child)?;
    ok(fs::close(r), "close")?;
    ok(fs::close(w), "close")
}

fn four_procs() -> R {
    let d = dir("four")?;
    let mut kids = alloc::vec::Vec::new();
    for k in 0..4u64 {
        let f = p(&d, &alloc::format!("f{k}"));
        kids.push(in_child(move || {
            let fd = fs::open(f.as_bytes(), O_CREAT | O_RDWR, 0o644).map_err(|_| "open")?;
            let mut buf = alloc::vec![0u8; 16 * 1024];
            let mut want = FNV0;
            for i in 0..16 {
                pattern(&mut buf, k * 100 + i);
                want = fnv(want, &buf);
                ensure(fs::write(fd, &buf).map_err(|_| "write")? == buf.len(), "short")?;
            }
            fs::lseek(fd, 0, SEEK_SET).map_err(|_| "seek")?;
            let mut got = FNV0;
            for _ in 0..16 {
                ensure(fs::read(fd, &mut buf).map_err(|_| "read")? == buf.len(), "short read")?;
                got = fnv(got, &buf);
            }
            fs::close(fd).map_err(|_| "close")?;
            ensure(got == want, "corrupted")
        })?);
    }
    for k in kids {
        child_ok(k)?;
    }
    Ok(())
}

fn embedded_io() -> R {
    use embedded_io::{Read, Seek, SeekFrom, Write};
    let d = dir("eio")?;
    let f = p(&d, "f");
    let mut file = ok(File::open_with(f.as_bytes(), O_RDWR | O_CREAT | O_TRUNC, 0o644), "create")?;
    file.write_all(b"embedded io works").map_err(|_| "write_all")?;
    file.seek(SeekFrom::Start(9)).map_err(|_| "seek")?;
    let mut b = [0u8; 8];
    file.read_exact(&mut b).map_err(|_| "read_exact")?;
    ensure(&b == b"io works", "bytes")?;
    drop(file);
    let mut rd = ok(File::open(f.as_bytes()), "open")?;
    let mut all = [0u8; 32];
    let n = rd.read(&mut all).map_err(|_| "read")?;
    ensure(&all[..n] == b"embedded io works", "reopened")
}

fn boot_tree() -> R {
    // rootfs/ in the repository is the boot file system's tree.
    let fd = ok(fs::open(b"/", O_RDONLY, 0), "open /")?;
    let mut buf = [0u8; 2048];
    let n = ok(fs::getdents(fd, &mut buf), "getdents /")?;
    ok(fs::close(fd), "close")?;
    ensure(Dirents::new(&buf[..n]).any(|(_, name)| name == b"etc"), "no /etc in the boot file system")?;
    ok(fs::stat(b"/etc/motd"), "stat /etc/motd").map(|_| ())
}
