// SPDX-License-Identifier: BSD-2-Clause
//! The file calls against the real FS logic.

use super::*;
use minix_abi::endpoint::{Sender, PM};
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::{Follow, UserBuf, UserPath};

const A: u32 = 0x1004;
const B: u32 = 0x1005;

fn setup() -> (TestVfs, World) {
    (new_vfs(), World::new(4096))
}

#[test]
fn create_write_read_seek() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    let fd = p.open("/hello", O_CREAT | O_RDWR, 0o644).unwrap();
    assert_eq!(fd, 0);
    assert_eq!(p.write(fd, b"hello world"), Ok(11));
    assert_eq!(p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }), Ok(0));
    assert_eq!(p.read(fd, 100).unwrap(), b"hello world");
    assert_eq!(p.read(fd, 100).unwrap(), b"");
    assert_eq!(p.res(Request::Lseek { fd, offset: -5, whence: SEEK_END }), Ok(6));
    assert_eq!(p.read(fd, 3).unwrap(), b"wor");
    assert_eq!(p.res(Request::Lseek { fd, offset: 2, whence: SEEK_CUR }), Ok(11));
    assert_eq!(p.res(Request::Lseek { fd, offset: -20, whence: SEEK_CUR }), Err(EINVAL));
    // Past the end, then a write leaves a hole that reads zero.
    assert_eq!(p.res(Request::Lseek { fd, offset: 5000, whence: SEEK_SET }), Ok(5000));
    assert_eq!(p.write(fd, b"x"), Ok(1));
    assert_eq!(p.stat("/hello").unwrap().size, 5001);
    let addr = p.alloc(24, true);
    assert_eq!(p.res(Request::Pread { fd, buf: UserBuf { addr, len: 8 }, offset: off(100) }), Ok(8));
    assert_eq!(p.peek(addr, 8), [0; 8]);
    // Small reads travel in the reply's words.
    let r = p.reply(Request::ReadSmall { fd, len: 24 });
    assert_eq!(r.result(), Ok(0), "at the end of the file");
    p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }).unwrap();
    let r = p.reply(Request::ReadSmall { fd, len: 5 });
    let mut out = [0u8; 5];
    minix_abi::vfs::unpack_small(&r.vals, &mut out);
    assert_eq!((r.result(), &out), (Ok(5), b"hello"));
    let words = minix_abi::vfs::pack_small(b"HE");
    assert_eq!(p.res(Request::WriteSmall { fd, len: 2, data: words }), Ok(2));
    p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }).unwrap();
    assert_eq!(p.read(fd, 7).unwrap(), b"helloHE", "the small read moved the offset to 5");
    assert_eq!(p.close(fd), Ok(0));
    assert_eq!(p.close(fd), Err(EBADF));
    assert_eq!(v.counts(), (0, 1, 0), "no filp left, and only the root kept");
}

#[test]
fn untouched_buffers_are_paged_in_and_retried() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    let data: Vec<u8> = (0..20000u32).map(|i| (i * 7 + 3) as u8).collect();
    assert_eq!(p.write(fd, &data), Ok(20000));
    p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }).unwrap();
    // A read into a buffer never touched: FS's TRY copy faults, VFS fixes
    // the range and repeats.
    let fixes = w.mem.borrow().fixes;
    let buf = p.alloc(20000, false);
    assert_eq!(p.res(Request::Read { fd, buf: UserBuf { addr: buf, len: 20000 } }), Ok(20000));
    assert_eq!(p.peek(buf, 20000), data);
    assert!(w.mem.borrow().fixes > fixes);
    // Second half untouched.
    let half = p.alloc(20000, false);
    p.w.mem.borrow_mut().user(p.who).present[((half - BASE) / PAGE) as usize] = true;
    p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }).unwrap();
    assert_eq!(p.res(Request::Read { fd, buf: UserBuf { addr: half, len: 20000 } }), Ok(20000));
    assert_eq!(p.peek(half, 20000), data);
    // A write from an untouched buffer writes zeros.
    let zeros = p.alloc(8192, false);
    assert_eq!(p.res(Request::Pwrite { fd, buf: UserBuf { addr: zeros, len: 8192 }, offset: Offset::ZERO }), Ok(8192));
    let back = p.alloc(8192, true);
    assert_eq!(p.res(Request::Pread { fd, buf: UserBuf { addr: back, len: 8192 }, offset: Offset::ZERO }), Ok(8192));
    assert!(p.peek(back, 8192).iter().all(|&b| b == 0));
    // stat into an untouched buffer, a path in untouched memory.
    let sbuf = p.alloc(fs::STAT_SIZE, false);
    let path = p.alloc(2, false);
    p.poke(path, b"/f");
    w.mem.borrow_mut().user(p.who).present[((path - BASE) / PAGE) as usize] = false;
    assert_eq!(p.res(Request::Stat { path: UserPath { addr: path, len: 2 }, buf: sbuf, follow: Follow::Yes }), Ok(0));
    assert_eq!(fs::Stat::decode(&p.peek(sbuf, fs::STAT_SIZE).try_into().unwrap()).size, 20000);
}

#[test]
fn wild_pointers_are_efault() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    let wild = UserPath { addr: 0xdead_0000_0000, len: 4 };
    let buf = UserBuf { addr: 0xdead_0000_0000, len: 100 };
    assert_eq!(p.res(Request::Open { path: wild, flags: O_RDONLY, mode: 0 }), Err(EFAULT));
    assert_eq!(p.res(Request::Stat { path: p.path("/"), buf: 0xdead_0000_0000, follow: Follow::Yes }), Err(EFAULT));
    assert_eq!(p.res(Request::Symlink { target: wild, path: p.path("/l") }), Err(EFAULT));
    assert_eq!(p.stat("/l"), Err(ENOENT), "a failed symlink left nothing");
    p.res(Request::Symlink { target: p.path("/x"), path: p.path("/l") }).unwrap();
    assert_eq!(p.res(Request::Readlink { path: p.path("/l"), buf }), Err(EFAULT));
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    assert_eq!(p.res(Request::Write { fd, buf }), Err(EFAULT));
    assert_eq!(p.stat("/f").unwrap().size, 0);
    p.write(fd, b"some bytes").unwrap();
    p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }).unwrap();
    assert_eq!(p.res(Request::Read { fd, buf }), Err(EFAULT));
    assert_eq!(p.res(Request::Lseek { fd, offset: 0, whence: SEEK_CUR }), Ok(0), "a failed read moves no offset");
}

#[test]
fn paths_dots_and_symlinks() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/a"), mode: 0o755 }).unwrap();
    p.res(Request::Mkdir { path: p.path("/a/b"), mode: 0o755 }).unwrap();
    let fd = p.open("/a/b/f", O_CREAT | O_WRONLY, 0o644).unwrap();
    p.write(fd, b"data").unwrap();
    p.close(fd).unwrap();
    assert_eq!(p.stat("/a/./b/../b//f").unwrap().size, 4);
    assert_eq!(p.stat("/../../a/b/f").unwrap().size, 4);
    p.res(Request::Chdir { path: p.path("/a") }).unwrap();
    assert_eq!(p.stat("b/f").unwrap().size, 4);
    assert_eq!(p.stat("../a/b/f").unwrap().size, 4);
    // Links: relative, absolute, in the middle of a path, to a directory.
    p.res(Request::Symlink { target: p.path("b"), path: p.path("/a/lb") }).unwrap();
    p.res(Request::Symlink { target: p.path("/a/b/f"), path: p.path("/abs") }).unwrap();
    assert_eq!(p.stat("/a/lb/f").unwrap().size, 4);
    assert_eq!(p.stat("/abs").unwrap().size, 4);
    assert_eq!(p.stat("lb/../lb/f").unwrap().size, 4);
    let lbuf = p.alloc(64, true);
    assert_eq!(p.res(Request::Readlink { path: p.path("/abs"), buf: UserBuf { addr: lbuf, len: 64 } }), Ok(6));
    assert_eq!(p.peek(lbuf, 6), b"/a/b/f");
    assert_eq!(p.res(Request::Readlink { path: p.path("/a"), buf: UserBuf { addr: lbuf, len: 64 } }), Err(EINVAL));
    // lstat sees the link itself.
    let sbuf = p.alloc(fs::STAT_SIZE, true);
    p.res(Request::Stat { path: p.path("/abs"), buf: sbuf, follow: Follow::No }).unwrap();
    let st = fs::Stat::decode(&p.peek(sbuf, fs::STAT_SIZE).try_into().unwrap());
    assert_eq!(st.mode & 0o170000, 0o120000);
    // Loops and over-long paths.
    p.res(Request::Symlink { target: p.path("/loop2"), path: p.path("/loop1") }).unwrap();
    p.res(Request::Symlink { target: p.path("/loop1"), path: p.path("/loop2") }).unwrap();
    assert_eq!(p.stat("/loop1"), Err(ELOOP));
    assert_eq!(p.open("/abs", O_RDONLY | O_NOFOLLOW, 0), Err(ELOOP));
    let long = "a/".repeat(600);
    assert_eq!(p.res(Request::Open { path: p.path(&long), flags: 0, mode: 0 }), Err(ENAMETOOLONG));
    let long_name = "n".repeat(61);
    assert_eq!(p.open(&long_name, O_CREAT | O_WRONLY, 0o644), Err(ENAMETOOLONG));
    // getcwd climbs back out.
    p.res(Request::Chdir { path: p.path("/a/lb") }).unwrap();
    let cbuf = p.alloc(64, false);
    assert_eq!(p.res(Request::Getcwd { buf: UserBuf { addr: cbuf, len: 64 } }), Ok(4));
    assert_eq!(p.peek(cbuf, 4), b"/a/b");
    assert_eq!(p.res(Request::Getcwd { buf: UserBuf { addr: cbuf, len: 3 } }), Err(ERANGE));
    assert_eq!(p.res(Request::Chdir { path: p.path("/a/b/f") }), Err(ENOTDIR));
    let dfd = p.open("/a", O_RDONLY | O_DIRECTORY, 0).unwrap();
    p.res(Request::Fchdir { fd: dfd }).unwrap();
    assert_eq!(p.res(Request::Getcwd { buf: UserBuf { addr: cbuf, len: 64 } }), Ok(2));
    p.close(dfd).unwrap();
    p.res(Request::Chdir { path: p.path("/") }).unwrap();
    assert_eq!(v.counts().1, 1, "only the root kept once every directory is let go");
}

#[test]
fn errors_by_errno() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    assert_eq!(p.open("/none", O_RDONLY, 0), Err(ENOENT));
    assert_eq!(p.open("", O_RDONLY, 0), Err(ENOENT));
    p.res(Request::Mkdir { path: p.path("/d"), mode: 0o755 }).unwrap();
    assert_eq!(p.res(Request::Mkdir { path: p.path("/d"), mode: 0o755 }), Err(EEXIST));
    let fd = p.open("/d/f", O_CREAT | O_EXCL | O_WRONLY, 0o644).unwrap();
    assert_eq!(p.open("/d/f", O_CREAT | O_EXCL | O_WRONLY, 0o644), Err(EEXIST));
    assert_eq!(p.open("/d/f/x", O_RDONLY, 0), Err(ENOTDIR));
    assert_eq!(p.open("/d/f", O_RDONLY | O_DIRECTORY, 0), Err(ENOTDIR));
    assert_eq!(p.open("/d", O_WRONLY, 0), Err(EISDIR));
    assert_eq!(p.res(Request::Rmdir { path: p.path("/d") }), Err(ENOTEMPTY));
    assert_eq!(p.read(fd, 1), Err(EBADF), "write-only");
    assert_eq!(p.res(Request::Close { fd: 63 }), Err(EBADF));
    assert_eq!(p.res(Request::Dup2 { fd, to: 64 }), Err(EBADF));
    let dfd = p.open("/d", O_RDONLY, 0).unwrap();
    assert_eq!(p.read(dfd, 10), Err(EISDIR));
    assert_eq!(p.write(dfd, b"x"), Err(EBADF));
    // EMFILE at 64 descriptors.
    let mut n = 2;
    while p.res(Request::Dup { fd }).is_ok() {
        n += 1;
    }
    assert_eq!(n, 64);
    assert_eq!(p.res(Request::Dup { fd }), Err(EMFILE));
    // Exit closes them all.
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(A) }));
    assert_eq!(v.counts(), (0, 1, 0));
    // Only PM may send the notices.
    assert_eq!(p.res(Request::ProcExit { who: Endpoint(B) }), Err(EPERM));
    assert_eq!(v.handle(&mut &w, Sender::Unknown(7), &raw(Request::Sync)), Outcome::Reply(Reply::err(EPERM)));
}

pub fn raw(req: Request) -> RawRequest {
    let (call, words, len) = req.encode();
    RawRequest { call, words, len }
}

#[test]
fn dup_fork_share_offsets_and_fcntl() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    p.write(fd, b"0123456789").unwrap();
    let d = p.res(Request::Dup { fd }).unwrap() as u32;
    p.res(Request::Lseek { fd: d, offset: 2, whence: SEEK_SET }).unwrap();
    assert_eq!(p.read(fd, 2).unwrap(), b"23", "dup shares the offset");
    // dup2 onto an open descriptor closes it first.
    let other = p.open("/g", O_CREAT | O_RDWR, 0o644).unwrap();
    assert_eq!(p.res(Request::Dup2 { fd, to: other }), Ok(other as u64));
    assert_eq!(p.read(other, 2).unwrap(), b"45");
    // Fork: the child shares the filp and its offset.
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(A), child: Endpoint(B) }));
    let c = P::new(&v, &w, B);
    assert_eq!(c.read(fd, 2).unwrap(), b"67");
    assert_eq!(p.read(fd, 2).unwrap(), b"89");
    // fcntl.
    assert_eq!(p.res(Request::Fcntl { fd, cmd: F_GETFL, arg: 0 }), Ok(O_RDWR));
    p.res(Request::Fcntl { fd, cmd: F_SETFL, arg: O_APPEND | O_CREAT }).unwrap();
    assert_eq!(c.res(Request::Fcntl { fd, cmd: F_GETFL, arg: 0 }), Ok(O_RDWR | O_APPEND), "status flags are the filp's");
    assert_eq!(p.res(Request::Fcntl { fd, cmd: F_GETFD, arg: 0 }), Ok(0));
    p.res(Request::Fcntl { fd, cmd: F_SETFD, arg: FD_CLOEXEC }).unwrap();
    assert_eq!(p.res(Request::Fcntl { fd, cmd: F_GETFD, arg: 0 }), Ok(FD_CLOEXEC));
    assert_eq!(c.res(Request::Fcntl { fd, cmd: F_GETFD, arg: 0 }), Ok(0), "descriptor flags are the descriptor's");
    assert_eq!(p.res(Request::Fcntl { fd, cmd: F_DUPFD, arg: 10 }), Ok(10));
    // O_APPEND writes at the end whatever the offset.
    p.res(Request::Lseek { fd, offset: 0, whence: SEEK_SET }).unwrap();
    p.write(fd, b"AB").unwrap();
    assert_eq!(p.stat("/f").unwrap().size, 12);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(A) }));
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(B) }));
    assert_eq!(v.counts(), (0, 1, 0));
}

#[test]
fn namespace_calls() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    let fd = p.open("/a", O_CREAT | O_RDWR, 0o600).unwrap();
    p.write(fd, b"AAAA").unwrap();
    let fd2 = p.open("/b", O_CREAT | O_RDWR, 0o600).unwrap();
    p.write(fd2, b"BB").unwrap();
    // Rename over an existing file.
    p.res(Request::Rename { old: p.path("/a"), new: p.path("/b") }).unwrap();
    assert_eq!(p.stat("/a"), Err(ENOENT));
    assert_eq!(p.stat("/b").unwrap().size, 4);
    // Hard links.
    p.res(Request::Link { old: p.path("/b"), new: p.path("/c") }).unwrap();
    assert_eq!(p.stat("/c").unwrap().nlink, 2);
    assert_eq!(p.res(Request::Link { old: p.path("/b"), new: p.path("/c") }), Err(EEXIST));
    // truncate, chmod, access, umask.
    p.res(Request::Truncate { path: p.path("/c"), size: off(1) }).unwrap();
    assert_eq!(p.stat("/b").unwrap().size, 1);
    p.res(Request::Chmod { path: p.path("/b"), mode: 0o755 }).unwrap();
    assert_eq!(p.stat("/b").unwrap().mode & 0o7777, 0o755);
    assert_eq!(p.res(Request::Access { path: p.path("/b"), mode: X_OK }), Ok(0));
    p.res(Request::Chmod { path: p.path("/b"), mode: 0o644 }).unwrap();
    assert_eq!(p.res(Request::Access { path: p.path("/b"), mode: X_OK }), Err(EACCES));
    assert_eq!(p.res(Request::Access { path: p.path("/zz"), mode: F_OK }), Err(ENOENT));
    assert_eq!(p.res(Request::Umask { mask: 0o077 }), Ok(0o022));
    let f = p.open("/m", O_CREAT | O_WRONLY, 0o666).unwrap();
    assert_eq!(p.stat("/m").unwrap().mode & 0o777, 0o600);
    p.close(f).unwrap();
    // Unlink while open: data lives until the last close.
    let sv = |p: &P| fs::StatVfs::from_reply(&p.reply(Request::Statvfs { path: p.path("/") })).unwrap();
    let big = p.open("/big", O_CREAT | O_RDWR, 0o644).unwrap();
    let before = sv(&p).free_blocks;
    p.write(big, &vec![7u8; 200_000]).unwrap();
    assert!(sv(&p).free_blocks < before - 190);
    p.res(Request::Unlink { path: p.path("/big") }).unwrap();
    assert_eq!(p.stat("/big"), Err(ENOENT));
    let back = p.alloc(10, true);
    assert_eq!(p.res(Request::Pread { fd: big, buf: UserBuf { addr: back, len: 10 }, offset: off(199_990) }), Ok(10));
    assert_eq!(p.peek(back, 10), [7; 10]);
    assert!(sv(&p).free_blocks < before - 190);
    p.close(big).unwrap();
    assert_eq!(sv(&p).free_blocks, before);
    // ftruncate, getdents.
    // fd was /a, renamed over /b; fd2 names the replaced file.
    p.res(Request::Ftruncate { fd, size: Offset::ZERO }).unwrap();
    assert_eq!(p.stat("/b").unwrap().size, 0);
    let d = p.open("/", O_RDONLY, 0).unwrap();
    let dbuf = p.alloc(4096, false);
    let n = p.res(Request::Getdents { fd: d, buf: UserBuf { addr: dbuf, len: 4096 } }).unwrap() as usize;
    let bytes = p.peek(dbuf, n);
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(e) = fs::decode_dirent(&bytes[at..]) {
        names.push(String::from_utf8(e.name.to_vec()).unwrap());
        at += e.reclen;
    }
    names.sort();
    assert_eq!(names, [".", "..", "b", "c", "m"]);
    assert_eq!(p.res(Request::Getdents { fd: d, buf: UserBuf { addr: dbuf, len: 4096 } }), Ok(0));
    assert_eq!(p.res(Request::Rmdir { path: p.path("/") }), Err(EBUSY));
    assert_eq!(p.res(Request::Unlink { path: p.path("/nope") }), Err(ENOENT));
    assert_eq!(p.res(Request::Sync), Ok(0));
}

#[test]
fn two_thousand_files_in_one_directory() {
    let (v, w) = (new_vfs(), World::new(16384));
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/many"), mode: 0o755 }).unwrap();
    for i in 0..2000 {
        let fd = p.open(&format!("/many/file{i}"), O_CREAT | O_EXCL | O_WRONLY, 0o644).unwrap();
        p.close(fd).unwrap();
        // Keep the fake memory from running out: paths are small.
        if i % 200 == 0 {
            w.mem.borrow_mut().user(p.who).brk = BASE;
        }
    }
    let d = p.open("/many", O_RDONLY, 0).unwrap();
    let mut count = 0;
    loop {
        w.mem.borrow_mut().user(p.who).brk = BASE;
        let dbuf = p.alloc(8192, true);
        let n = p.res(Request::Getdents { fd: d, buf: UserBuf { addr: dbuf, len: 8192 } }).unwrap() as usize;
        if n == 0 {
            break;
        }
        let bytes = p.peek(dbuf, n);
        let mut at = 0;
        while let Some(e) = fs::decode_dirent(&bytes[at..]) {
            count += 1;
            at += e.reclen;
        }
    }
    assert_eq!(count, 2002);
    for i in 0..2000 {
        w.mem.borrow_mut().user(p.who).brk = BASE;
        p.res(Request::Unlink { path: p.path(&format!("/many/file{i}")) }).unwrap();
    }
    p.close(d).unwrap();
    p.res(Request::Rmdir { path: p.path("/many") }).unwrap();
}

#[test]
fn at_dir_starts_the_next_relative_path_only() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/d"), mode: 0o755 }).unwrap();
    let f = p.open("/d/inner", O_CREAT | O_WRONLY, 0o644).unwrap();
    p.close(f).unwrap();
    let dfd = p.open("/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    // From the root "inner" is not there; from /d it is, once.
    assert_eq!(p.stat("inner"), Err(ENOENT));
    p.res(Request::AtDir { fd: dfd }).unwrap();
    assert!(p.stat("inner").is_ok());
    assert_eq!(p.stat("inner"), Err(ENOENT), "AT_DIR holds for one call");
    // An absolute path ignores it (and uses it up).
    p.res(Request::AtDir { fd: dfd }).unwrap();
    assert!(p.stat("/d").is_ok());
    assert_eq!(p.stat("inner"), Err(ENOENT));
    // Creation and removal from the directory.
    p.res(Request::AtDir { fd: dfd }).unwrap();
    let g = p.open("made", O_CREAT | O_WRONLY, 0o644).unwrap();
    p.close(g).unwrap();
    assert!(p.stat("/d/made").is_ok());
    p.res(Request::AtDir { fd: dfd }).unwrap();
    p.res(Request::Unlink { path: p.path("made") }).unwrap();
    assert_eq!(p.stat("/d/made"), Err(ENOENT));
    // Not a directory, not a descriptor.
    let file = p.open("/d/inner", O_RDONLY, 0).unwrap();
    assert_eq!(p.res(Request::AtDir { fd: file }), Err(ENOTDIR));
    assert_eq!(p.res(Request::AtDir { fd: 60 }), Err(EBADF));
    // A descriptor closed between AT_DIR and the call: EBADF, no stale
    // inode.
    p.res(Request::AtDir { fd: dfd }).unwrap();
    p.close(dfd).unwrap();
    assert_eq!(p.stat("inner"), Err(EBADF));
    assert_eq!(p.stat("inner"), Err(ENOENT));
    p.close(file).unwrap();
}

#[test]
fn memory_devices() {
    let (v, w) = (new_vfs(), World::with_devices(4096));
    let p = P::new(&v, &w, A);
    let null = p.open("/dev/null", O_RDWR, 0).unwrap();
    assert_eq!(p.write(null, b"vanishes"), Ok(8));
    assert_eq!(p.read(null, 100), Ok(vec![]));
    let big = p.alloc(10000, false);
    assert_eq!(p.res(Request::Write { fd: null, buf: UserBuf { addr: big, len: 10000 } }), Ok(10000));
    assert_eq!(p.res(Request::Lseek { fd: null, offset: 100, whence: 0 }), Ok(0));
    let zero = p.open("/dev/zero", O_RDONLY, 0).unwrap();
    assert_eq!(p.read(zero, 10), Ok(vec![0; 10]));
    let buf = p.alloc(9000, true);
    p.poke(buf, &[0xaa; 9000]);
    assert_eq!(p.res(Request::Read { fd: zero, buf: UserBuf { addr: buf, len: 9000 } }), Ok(9000));
    assert!(p.peek(buf, 9000).iter().all(|&b| b == 0));
    let full = p.open("/dev/full", O_WRONLY | O_TRUNC, 0).unwrap();
    assert_eq!(p.write(full, b"x"), Err(ENOSPC));
    // /dev/urandom: the glue's random bytes, in the message words for a
    // small read and copied out for a large one, a fresh stretch each time.
    let rnd = p.open("/dev/urandom", O_RDWR, 0).unwrap();
    let a = p.read(rnd, 16).unwrap();
    let b = p.read(rnd, 16).unwrap();
    assert!(a.len() == 16 && a != b && a.iter().any(|&x| x != 0), "{:?} {:?}", a, b);
    p.poke(buf, &[0; 9000]);
    assert_eq!(p.res(Request::Read { fd: rnd, buf: UserBuf { addr: buf, len: 9000 } }), Ok(9000));
    let big_read = p.peek(buf, 9000);
    assert!(big_read.iter().filter(|&&x| x == 0).count() < 100);
    assert_eq!(p.write(rnd, b"mixed in"), Ok(8));
    p.close(rnd).unwrap();
    // The device file is an inode like any other to stat.
    let sbuf = p.alloc(fs::STAT_SIZE, true);
    p.res(Request::Fstat { fd: null, buf: sbuf }).unwrap();
    let st = fs::Stat::decode(&p.peek(sbuf, fs::STAT_SIZE).try_into().unwrap());
    assert_eq!((st.mode & 0o170000, st.rdev), (0o020000, 0x103));
    assert_eq!(p.open("/dev/nodriver", O_RDONLY, 0), Err(ENXIO));
    assert_eq!(p.res(Request::Getdents { fd: null, buf: UserBuf { addr: buf, len: 100 } }), Err(ENOTDIR));
    for fd in [null, zero, full] {
        p.close(fd).unwrap();
    }
    assert_eq!(v.counts().1, 1, "only the root kept once every device is closed");
}

#[test]
fn owners_times_and_modes_by_path_link_and_descriptor() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    p.res(Request::Symlink { target: p.path("/f"), path: p.path("/l") }).unwrap();
    let lstat = |s: &str| {
        let buf = p.alloc(fs::STAT_SIZE, true);
        p.res(Request::Stat { path: p.path(s), buf, follow: Follow::No }).unwrap();
        fs::Stat::decode(&p.peek(buf, fs::STAT_SIZE).try_into().unwrap())
    };
    // Through the link: the file changes, the link does not.
    p.res(Request::Chown { path: p.path("/l"), uid: 1000, gid: 100, follow: Follow::Yes }).unwrap();
    let (f, l) = (p.stat("/f").unwrap(), lstat("/l"));
    assert_eq!((f.uid, f.gid, l.uid, l.gid), (1000, 100, 0, 0));
    // The link itself; KEEP_ID leaves the group.
    p.res(Request::Chown { path: p.path("/l"), uid: 7, gid: minix_abi::vfs::KEEP_ID, follow: Follow::No }).unwrap();
    let (f, l) = (p.stat("/f").unwrap(), lstat("/l"));
    assert_eq!((f.uid, l.uid, l.gid), (1000, 7, 0));
    // By descriptor, and an id the disk cannot hold: 65534, as Linux's
    // MINIX driver stores it.
    p.res(Request::Fchown { fd, uid: minix_abi::vfs::KEEP_ID, gid: 55 }).unwrap();
    assert_eq!((p.stat("/f").unwrap().uid, p.stat("/f").unwrap().gid), (1000, 55));
    p.res(Request::Fchown { fd, uid: 70000, gid: 0x1_0000 }).unwrap();
    assert_eq!((p.stat("/f").unwrap().uid, p.stat("/f").unwrap().gid), (65534, 65534));
    assert_eq!(p.res(Request::Chown { path: p.path("/missing"), uid: 1, gid: 1, follow: Follow::Yes }), Err(ENOENT));
    // Times, the same three ways.
    p.res(Request::Utimes { path: p.path("/l"), atime: 1000, mtime: 2000, follow: Follow::Yes }).unwrap();
    let f = p.stat("/f").unwrap();
    assert_eq!((f.atime, f.mtime), (1000, 2000));
    p.res(Request::Utimes { path: p.path("/l"), atime: 3, mtime: 4, follow: Follow::No }).unwrap();
    assert_eq!((lstat("/l").mtime, p.stat("/f").unwrap().mtime), (4, 2000));
    p.res(Request::Futimes { fd, atime: 5, mtime: u32::MAX }).unwrap();
    assert_eq!(p.stat("/f").unwrap().mtime, u32::MAX as u64);
    // fchmod keeps the type; a pipe has no inode to change.
    p.res(Request::Fchmod { fd, mode: 0o4711 }).unwrap();
    assert_eq!(p.stat("/f").unwrap().mode, 0o104711);
    let r = p.reply(Request::Pipe { flags: 0 }).result().unwrap() as u32;
    assert_eq!(p.res(Request::Fchmod { fd: r, mode: 0o600 }), Err(EINVAL));
    assert_eq!(p.res(Request::Futimes { fd: 60, atime: 0, mtime: 0 }), Err(EBADF));
}

#[test]
fn threads_share_descriptors_and_leave_them_at_their_exit() {
    let (v, w) = setup();
    let p = P::new(&v, &w, A);
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    p.write(fd, b"0123456789").unwrap();
    let thread = Endpoint::new(300, 1);
    let pm = |r: Request| v.handle(&mut &w, Sender::Process(PM), &raw(r));
    assert_eq!(pm(Request::ProcThread { leader: Endpoint(A), thread }), Outcome::Reply(Reply::ok(0)));
    // The same thread twice, or a thread of a thread: EINVAL.
    assert_eq!(pm(Request::ProcThread { leader: Endpoint(A), thread }), Outcome::Reply(Reply::err(EINVAL)));
    assert_eq!(pm(Request::ProcThread { leader: thread, thread: Endpoint::new(301, 1) }), Outcome::Reply(Reply::err(EINVAL)));
    let t = P::new(&v, &w, thread.0);
    t.res(Request::Lseek { fd, offset: 4, whence: SEEK_SET }).unwrap();
    assert_eq!(p.read(fd, 2).unwrap(), b"45", "one table, one offset");
    let tfd = t.open("/g", O_CREAT | O_RDWR, 0o644).unwrap();
    assert_eq!(p.res(Request::Fstat { fd: tfd, buf: p.alloc(fs::STAT_SIZE, true) }), Ok(0), "the process sees the thread's open");
    // Only others may stop being named by it: a thread ends, the files stay.
    pm(Request::ProcExit { who: thread });
    assert_eq!(p.read(fd, 2).unwrap(), b"67");
    assert_eq!(t.res(Request::Close { fd }), Err(EBADF), "the endpoint names no table now");
    // The process's exit takes its threads' names with it.
    let thread2 = Endpoint::new(302, 1);
    pm(Request::ProcThread { leader: Endpoint(A), thread: thread2 });
    pm(Request::ProcExit { who: Endpoint(A) });
    pm(Request::ProcExit { who: thread });
    let t2 = P::new(&v, &w, thread2.0);
    assert_eq!(t2.res(Request::Close { fd }), Err(EBADF));
    pm(Request::ProcExit { who: thread2 });
    assert_eq!(v.counts(), (0, 1, 0));
}
