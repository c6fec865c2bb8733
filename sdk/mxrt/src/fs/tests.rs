// SPDX-License-Identifier: BSD-2-Clause
//! Host tests of the file calls against a recording stand-in for VFS:
//! each call's words are checked against the protocol table in
//! `minix_abi::vfs`, and must decode back to the same request.
use super::*;
use embedded_io::{ErrorKind, Read as _, Seek as _, SeekFrom, Write as _};
use minix_abi::errno::{EBADF, ENOTDIR};
use minix_abi::fs::encode_dirent;
use minix_abi::message::RawRequest;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::{self, PATH_MAX};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::vec::Vec;

#[derive(Default)]
struct Mock {
    sent: Vec<Request>,
    replies: VecDeque<Reply>,
}

std::thread_local! {
    static MOCK: RefCell<Mock> = RefCell::new(Mock::default());
}

/// The stand-in for VFS: records, and answers the next queued reply
/// (status 0 when none is queued).
pub(super) fn mock_call(req: Request) -> Reply {
    MOCK.with(|m| {
        let mut m = m.borrow_mut();
        m.sent.push(req);
        m.replies.pop_front().unwrap_or(Reply::ok(0))
    })
}

pub(super) fn answer(replies: &[Reply]) {
    MOCK.with(|m| m.borrow_mut().replies.extend(replies.iter().copied()));
}

/// The requests sent since the last look.
pub(super) fn sent() -> Vec<Request> {
    MOCK.with(|m| core::mem::take(&mut m.borrow_mut().sent))
}

/// The one request sent since the last look: its call number and the
/// words it sends (as many as its length says). It must also decode back
/// to itself, as VFS will decode it.
fn only() -> (u64, Vec<u64>) {
    let s = sent();
    assert_eq!(s.len(), 1, "{s:?}");
    let (call, words, len) = s[0].encode();
    assert_eq!(Request::decode(&RawRequest { call, words, len }), Ok(s[0]));
    (call, words[..len as usize].to_vec())
}

fn addr(b: &[u8]) -> u64 {
    b.as_ptr() as u64
}

fn len(b: &[u8]) -> u64 {
    b.len() as u64
}

#[test]
fn descriptor_calls_follow_the_table() {
    answer(&[Reply::ok(0)]);
    assert_eq!(close(Fd(7)), Ok(()));
    assert_eq!(only(), (vfs::CLOSE, vec![7]));

    answer(&[Reply::ok(4)]);
    assert_eq!(dup(Fd(3)), Ok(Fd(4)));
    assert_eq!(only(), (vfs::DUP, vec![3]));

    answer(&[Reply::ok(9)]);
    assert_eq!(dup2(Fd(3), Fd(9)), Ok(Fd(9)));
    assert_eq!(only(), (vfs::DUP2, vec![3, 9]));

    assert_eq!(fchdir(Fd(5)), Ok(()));
    assert_eq!(only(), (vfs::FCHDIR, vec![5]));

    assert_eq!(fsync(Fd(5)), Ok(()));
    assert_eq!(only(), (vfs::FSYNC, vec![5]));

    answer(&[Reply::ok(FD_CLOEXEC)]);
    assert_eq!(fcntl(Fd(2), F_GETFD, 0), Ok(FD_CLOEXEC));
    assert_eq!(only(), (vfs::FCNTL, vec![2, F_GETFD, 0]));

    assert_eq!(ftruncate(Fd(2), 1 << 40), Ok(()));
    assert_eq!(only(), (vfs::FTRUNCATE, vec![2, 1 << 40]));

    answer(&[Reply::ok(12_345)]);
    assert_eq!(lseek(Fd(1), -5, SEEK_END), Ok(12_345));
    assert_eq!(only(), (vfs::LSEEK, vec![1, -5i64 as u64, SEEK_END]));

    answer(&[Reply::ok_with(3, [4, 0, 0])]);
    assert_eq!(pipe(O_CLOEXEC), Ok((Fd(3), Fd(4))));
    assert_eq!(only(), (vfs::PIPE, vec![O_CLOEXEC]));

    answer(&[Reply::ok(0o022)]);
    assert_eq!(umask(0o077), Ok(0o022));
    assert_eq!(only(), (vfs::UMASK, vec![0o077]));

    assert_eq!(sync(), Ok(()));
    assert_eq!(only(), (vfs::SYNC, vec![]));
}

#[test]
fn path_calls_follow_the_table() {
    let p = b"/usr/tmp/f";
    let q = b"g";
    let (pa, pl, qa, ql) = (addr(p), len(p), addr(q), len(q));

    answer(&[Reply::ok(3)]);
    assert_eq!(open(p, O_RDWR | O_CREAT | O_EXCL, 0o640), Ok(Fd(3)));
    assert_eq!(only(), (vfs::OPEN, vec![pa, pl, O_RDWR | O_CREAT | O_EXCL, 0o640]));

    answer(&[Reply::ok(4)]);
    assert_eq!(creat(p, 0o600), Ok(Fd(4)));
    assert_eq!(only(), (vfs::OPEN, vec![pa, pl, O_WRONLY | O_CREAT | O_TRUNC, 0o600]));

    for (f, call) in [(unlink as fn(&[u8]) -> Result<(), Errno>, vfs::UNLINK), (rmdir, vfs::RMDIR), (chdir, vfs::CHDIR)] {
        assert_eq!(f(p), Ok(()));
        assert_eq!(only(), (call, vec![pa, pl]));
    }

    assert_eq!(mkdir(p, 0o755), Ok(()));
    assert_eq!(only(), (vfs::MKDIR, vec![pa, pl, 0o755]));
    assert_eq!(chmod(p, 0o4711), Ok(()));
    assert_eq!(only(), (vfs::CHMOD, vec![pa, pl, 0o4711]));
    assert_eq!(access(p, R_OK | X_OK), Ok(()));
    assert_eq!(only(), (vfs::ACCESS, vec![pa, pl, R_OK | X_OK]));
    assert_eq!(truncate(p, 77), Ok(()));
    assert_eq!(only(), (vfs::TRUNCATE, vec![pa, pl, 77]));

    assert_eq!(link(p, q), Ok(()));
    assert_eq!(only(), (vfs::LINK, vec![pa, pl, qa, ql]));
    assert_eq!(rename(p, q), Ok(()));
    assert_eq!(only(), (vfs::RENAME, vec![pa, pl, qa, ql]));
    // The target comes first, as in symlink(2).
    assert_eq!(symlink(q, p), Ok(()));
    assert_eq!(only(), (vfs::SYMLINK, vec![qa, ql, pa, pl]));

    let mut buf = [0u8; 100];
    answer(&[Reply::ok(17)]);
    assert_eq!(readlink(p, &mut buf), Ok(17));
    assert_eq!(only(), (vfs::READLINK, vec![pa, pl, addr(&buf), 100]));

    answer(&[Reply::ok(5)]);
    assert_eq!(getcwd(&mut buf), Ok(5));
    assert_eq!(only(), (vfs::GETCWD, vec![addr(&buf), 100]));

    let want = StatVfs { block_size: 1024, blocks: 4096, free_blocks: 100, files: 1000, free_files: 10, name_max: 60, dev: 1 };
    answer(&[want.reply()]);
    assert_eq!(statvfs(p), Ok(want));
    assert_eq!(only(), (vfs::STATVFS, vec![pa, pl]));
}

#[test]
fn stat_calls_pass_a_buffer_of_stat_size() {
    let p = b"/etc";
    for (call, follow) in [(vfs::STAT, true), (vfs::LSTAT, false)] {
        let got = if follow { stat(p) } else { lstat(p) };
        // The stand-in copies nothing: the buffer decodes as zeros.
        assert_eq!(got, Ok(Stat::default()));
        let s = sent();
        let Request::Stat { path, buf, .. } = s[0] else { panic!("{s:?}") };
        assert_eq!((s[0].encode().0, path, s.len()), (call, user_path(p), 1));
        assert_ne!(buf, 0);
    }
    assert_eq!(fstat(Fd(3)), Ok(Stat::default()));
    assert!(matches!(sent()[..], [Request::Fstat { fd: 3, buf }] if buf != 0));
    assert_eq!(vfs::STAT_SIZE, STAT_SIZE as u64);
    answer(&[Reply::err(ENOTDIR)]);
    assert_eq!(stat(b"/etc/passwd/x"), Err(ENOTDIR));
}

#[test]
fn small_transfers_ride_in_the_words() {
    let data: [u8; 24] = core::array::from_fn(|i| 0xa0 + i as u8);
    for n in [0, 1, 7, 8, 9, 23, 24] {
        answer(&[Reply::ok(n as u64)]);
        assert_eq!(write(Fd(1), &data[..n]), Ok(n));
        let (call, words) = only();
        assert_eq!(call, vfs::WRITE_SMALL);
        assert_eq!(words[0], 1 | (n as u64) << 32);
        // As many data words as the length needs, little-endian.
        assert_eq!(words.len(), 1 + n.div_ceil(8));
        let mut back = [0u8; 24];
        let mut w = [0u64; 3];
        w[..words.len() - 1].copy_from_slice(&words[1..]);
        unpack_small(&w, &mut back[..n]);
        assert_eq!(&back[..n], &data[..n]);

        answer(&[Reply::ok_with(n as u64, pack_small(&data[..n]))]);
        let mut buf = [0u8; 24];
        let want = &mut buf[..n];
        assert_eq!(read(Fd(0), want), Ok(n));
        assert_eq!(want, &data[..n]);
        assert_eq!(only(), (vfs::READ_SMALL, vec![0, n as u64]));
    }
    // A short read fills only what VFS says.
    let mut buf = [0xeeu8; 16];
    answer(&[Reply::ok_with(3, pack_small(b"abc"))]);
    assert_eq!(read(Fd(0), &mut buf), Ok(3));
    assert_eq!(&buf[..4], b"abc\xee");
    sent();
}

#[test]
fn large_transfers_pass_the_buffer() {
    let out = [7u8; 25];
    answer(&[Reply::ok(25)]);
    assert_eq!(write(Fd(4), &out), Ok(25));
    assert_eq!(only(), (vfs::WRITE, vec![4, addr(&out), 25]));

    let mut buf = [0u8; 4096];
    answer(&[Reply::ok(100)]);
    assert_eq!(read(Fd(4), &mut buf), Ok(100));
    assert_eq!(only(), (vfs::READ, vec![4, addr(&buf), 4096]));

    // pread and pwrite pass the address even for a few bytes.
    let mut few = [0u8; 2];
    answer(&[Reply::ok(2)]);
    assert_eq!(pread(Fd(4), &mut few, 1 << 33), Ok(2));
    assert_eq!(only(), (vfs::PREAD, vec![4, addr(&few), 2, 1 << 33]));
    answer(&[Reply::ok(2)]);
    assert_eq!(pwrite(Fd(4), &few, 9), Ok(2));
    assert_eq!(only(), (vfs::PWRITE, vec![4, addr(&few), 2, 9]));

    answer(&[Reply::ok(48)]);
    assert_eq!(getdents(Fd(5), &mut buf), Ok(48));
    assert_eq!(only(), (vfs::GETDENTS, vec![5, addr(&buf), 4096]));
}

/// An offset or size above i64::MAX is a negative off_t, which the
/// protocol cannot carry: EINVAL, VFS's answer, and no message at all.
#[test]
fn negative_offsets_and_sizes_never_leave() {
    let mut buf = [0u8; 8];
    for o in [u64::MAX, 1 << 63] {
        assert_eq!(pread(Fd(3), &mut buf, o), Err(EINVAL));
        assert_eq!(pwrite(Fd(3), &buf, o), Err(EINVAL));
        assert_eq!(ftruncate(Fd(3), o), Err(EINVAL));
        assert_eq!(truncate(b"/f", o), Err(EINVAL));
        assert_eq!(mmap(Fd(3), 0, 4096, 1, 2, o & !4095), Err(EINVAL));
    }
    assert_eq!(sent(), vec![]);
    // The largest offset still goes.
    answer(&[Reply::ok(0)]);
    assert_eq!(pread(Fd(3), &mut buf[..0], i64::MAX as u64), Ok(0));
    assert_eq!(only(), (vfs::PREAD, vec![3, addr(&buf), 0, i64::MAX as u64]));
}

#[test]
fn replies_that_cannot_be_are_eio() {
    let mut buf = [0u8; 8];
    // More bytes than asked for, in either transfer.
    answer(&[Reply::ok(9)]);
    assert_eq!(read(Fd(0), &mut buf), Err(EIO));
    answer(&[Reply::ok(4097)]);
    assert_eq!(read(Fd(0), &mut [0u8; 4096]), Err(EIO));
    answer(&[Reply::ok(9)]);
    assert_eq!(write(Fd(1), &buf), Err(EIO));
    answer(&[Reply::ok(101)]);
    assert_eq!(getcwd(&mut [0u8; 100]), Err(EIO));
    // A descriptor that is no u32.
    answer(&[Reply::ok(1 << 32)]);
    assert_eq!(open(b"x", O_RDONLY, 0), Err(EIO));
    answer(&[Reply::ok_with(3, [1 << 32, 0, 0])]);
    assert_eq!(pipe(0), Err(EIO));
    answer(&[Reply::ok(1 << 32)]);
    assert_eq!(umask(0), Err(EIO));
    // Errors pass through.
    answer(&[Reply::err(EBADF)]);
    assert_eq!(read(Fd(99), &mut buf), Err(EBADF));
    sent();
}

#[test]
fn paths_go_as_given() {
    // VFS judges the length (ENAMETOOLONG above PATH_MAX); the runtime
    // sends it unchanged.
    let long = vec![b'a'; PATH_MAX as usize + 1];
    answer(&[Reply::err(minix_abi::errno::ENAMETOOLONG)]);
    assert_eq!(unlink(&long), Err(minix_abi::errno::ENAMETOOLONG));
    let s = sent();
    assert_eq!(s, [Request::Unlink { path: UserPath { addr: addr(&long), len: PATH_MAX + 1 } }]);
}

#[test]
fn dirents_walk_records_and_stop_at_junk() {
    let mut buf = [0u8; 128];
    let mut at = 0;
    for (ino, name) in [(1u64, &b"."[..]), (1, b".."), (42, b"a-longer-name")] {
        at += encode_dirent(&mut buf[at..], ino, name).unwrap();
    }
    let all: Vec<_> = Dirents::new(&buf[..at]).collect();
    assert_eq!(all, [(1, &b"."[..]), (1, &b".."[..]), (42, &b"a-longer-name"[..])]);

    // Cut anywhere: the whole records before the cut, then nothing.
    for cut in 0..at {
        let got = Dirents::new(&buf[..cut]).count();
        let whole = [16, 32, at].iter().filter(|&&end| end <= cut).count();
        assert_eq!(got, whole, "cut at {cut}");
    }

    // A record length shorter than its header stops the walk (and stays
    // stopped).
    let mut bad = buf;
    bad[16 + 8] = 4;
    bad[16 + 9] = 0;
    let mut it = Dirents::new(&bad[..at]);
    assert_eq!(it.next(), Some((1, &b"."[..])));
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
    // A name longer than its record, or a record past the end.
    let mut bad = buf;
    bad[10] = 200;
    assert_eq!(Dirents::new(&bad[..at]).count(), 0);
    let mut bad = buf;
    bad[8] = 0xff;
    bad[9] = 0xff;
    assert_eq!(Dirents::new(&bad).count(), 0);
    // Random bytes never panic.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2000 {
        let mut junk = [0u8; 64];
        for b in junk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = if x & 3 == 0 { x as u8 } else { (x >> 8) as u8 & 0x1f };
        }
        let names: usize = Dirents::new(&junk).map(|(_, name)| name.len()).sum();
        assert!(names <= 64);
    }
}

#[test]
fn error_kinds() {
    use minix_abi::errno::*;
    let kind = |e| embedded_io::Error::kind(&Error(e));
    assert_eq!(kind(ENOENT), ErrorKind::NotFound);
    assert_eq!(kind(EACCES), ErrorKind::PermissionDenied);
    assert_eq!(kind(EPERM), ErrorKind::PermissionDenied);
    assert_eq!(kind(EEXIST), ErrorKind::AlreadyExists);
    assert_eq!(kind(EINVAL), ErrorKind::InvalidInput);
    assert_eq!(kind(EPIPE), ErrorKind::BrokenPipe);
    assert_eq!(kind(ENOSPC), ErrorKind::WriteZero);
    assert_eq!(kind(ENOMEM), ErrorKind::OutOfMemory);
    assert_eq!(kind(EINTR), ErrorKind::Interrupted);
    assert_eq!(kind(ESPIPE), ErrorKind::Unsupported);
    assert_eq!(kind(ENOSYS), ErrorKind::Unsupported);
    for e in [EIO, EBADF, EISDIR, ENOTDIR, EROFS, Errno(1234)] {
        assert_eq!(kind(e), ErrorKind::Other);
    }
    assert_eq!(std::format!("{}", Error(ENOENT)), "ENOENT (2)");
    assert_eq!(Error::from(EIO), Error(EIO));
}

#[test]
fn file_reads_writes_seeks_and_closes() {
    let name = b"/tmp/x";
    answer(&[Reply::ok(6)]);
    let mut f = File::create(name).unwrap();
    assert_eq!(only(), (vfs::OPEN, vec![addr(name), 6, O_WRONLY | O_CREAT | O_TRUNC, 0o666]));
    assert_eq!(f.fd(), Fd(6));

    // write_all goes on after a short write.
    let data = [1u8; 40];
    answer(&[Reply::ok(30), Reply::ok(10)]);
    f.write_all(&data).unwrap();
    assert_eq!(
        sent(),
        [
            Request::Write { fd: 6, buf: UserBuf { addr: addr(&data), len: 40 } },
            Request::WriteSmall { fd: 6, len: 10, data: pack_small(&[1; 10]) }
        ]
    );
    // A write of nothing is an error, never a panic in write_all.
    answer(&[Reply::ok(0)]);
    let e = f.write_all(b"zz").unwrap_err();
    assert_eq!((e, embedded_io::Error::kind(&e)), (Error(ENOSPC), ErrorKind::WriteZero));
    assert_eq!(f.flush(), Ok(()));
    sent();

    answer(&[Reply::ok(10), Reply::ok(3)]);
    assert_eq!(f.seek(SeekFrom::Start(10)), Ok(10));
    assert_eq!(f.seek(SeekFrom::Current(-7)), Ok(3));
    assert_eq!(f.seek(SeekFrom::Start(u64::MAX)), Err(Error(EINVAL)));
    assert_eq!(sent(), [Request::Lseek { fd: 6, offset: 10, whence: SEEK_SET }, Request::Lseek { fd: 6, offset: -7, whence: SEEK_CUR }]);
    answer(&[Reply::err(ESPIPE)]);
    assert_eq!(f.seek(SeekFrom::End(0)).map_err(|e| embedded_io::Error::kind(&e)), Err(ErrorKind::Unsupported));
    sent();

    // read_exact gathers short reads, and reports the end of the file.
    let mut buf = [0u8; 5];
    answer(&[Reply::ok_with(2, pack_small(b"he")), Reply::ok_with(3, pack_small(b"llo"))]);
    f.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    answer(&[Reply::ok(0)]);
    assert_eq!(f.read_exact(&mut buf), Err(embedded_io::ReadExactError::UnexpectedEof));
    sent();

    drop(f);
    assert_eq!(only(), (vfs::CLOSE, vec![6]));

    // into_fd keeps it open; close reports.
    let name = b"/etc/rc";
    answer(&[Reply::ok(8)]);
    let f = File::open(name).unwrap();
    assert_eq!(only(), (vfs::OPEN, vec![addr(name), 7, O_RDONLY, 0]));
    assert_eq!(f.into_fd(), Fd(8));
    assert_eq!(sent(), []);
    answer(&[Reply::err(EBADF)]);
    assert_eq!(File::from_fd(Fd(8)).close(), Err(EBADF));
    assert_eq!(only(), (vfs::CLOSE, vec![8]));
}
