// SPDX-License-Identifier: BSD-2-Clause
//! Negative and overflowing offsets, sizes and counts (issue 19). The
//! requests are raw words, as a hostile process sends them: `-1` is the
//! word `u64::MAX`, which was once the FS's append position.

use super::*;
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::{self, UserBuf};

const A: u32 = 0x1004;
const MAX: u64 = i64::MAX as u64;

fn neg(v: i64) -> u64 {
    v as u64
}

impl P<'_> {
    /// A request as words, never through the encoder.
    fn words(&self, call: u64, words: [u64; 4], len: u64) -> Result<u64, Errno> {
        let raw = RawRequest { call, words, len };
        match self.vfs.handle(&mut { self.w }, minix_abi::endpoint::Sender::Process(self.who), &raw) {
            Outcome::Reply(r) => r.result(),
            o => panic!("{call:#x} gave {o:?}"),
        }
    }

    fn size(&self, path: &str) -> u64 {
        self.stat(path).unwrap().size
    }
}

/// A file holding "0123456789", open for reading and writing.
fn ten_bytes(p: &P) -> u32 {
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    assert_eq!(p.write(fd, b"0123456789"), Ok(10));
    fd
}

#[test]
fn pwrite_and_pread_at_negative_offsets_are_einval() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd32 = ten_bytes(&p);
    let fd = fd32 as u64;
    let src = p.put(b"abc");
    for o in [-1i64, -2, -4096, i64::MIN] {
        assert_eq!(p.words(vfs::PWRITE, [fd, src, 3, neg(o)], 4), Err(EINVAL), "pwrite at {o}");
        assert_eq!(p.words(vfs::PREAD, [fd, src, 3, neg(o)], 4), Err(EINVAL), "pread at {o}");
    }
    assert_eq!(p.size("/f"), 10, "-1 was once the append position");
    // Offset plus count past i64::MAX.
    assert_eq!(p.words(vfs::PWRITE, [fd, src, 3, MAX - 1], 4), Err(EINVAL));
    assert_eq!(p.words(vfs::PREAD, [fd, src, 2, MAX], 4), Err(EINVAL));
    // The largest offsets that still fit: nothing to read, too big to write.
    assert_eq!(p.words(vfs::PREAD, [fd, src, 3, MAX - 3], 4), Ok(0));
    assert_eq!(p.words(vfs::PWRITE, [fd, src, 3, MAX - 3], 4), Err(EFBIG));
    assert_eq!(p.size("/f"), 10);
    // O_APPEND still appends, and a positioned write still writes there.
    let app = p.open("/f", O_WRONLY | O_APPEND, 0).unwrap();
    assert_eq!(p.write(app, b"ab"), Ok(2));
    assert_eq!(p.words(vfs::PWRITE, [fd, src, 1, 0], 4), Ok(1));
    assert_eq!(p.read(fd32, 20).unwrap(), b"ab", "the descriptor's offset was 10");
    assert_eq!(p.res(Request::Lseek { fd: fd32, offset: 0, whence: SEEK_SET }), Ok(0));
    assert_eq!(p.read(fd32, 20).unwrap(), b"a123456789ab");
}

#[test]
fn counts_negative_as_ssize_t_are_einval() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = ten_bytes(&p) as u64;
    let buf = p.alloc(4096, true);
    for n in [u64::MAX, neg(-2), 1 << 63] {
        assert_eq!(p.words(vfs::READ, [fd, buf, n, 0], 3), Err(EINVAL), "read of {n:#x}");
        assert_eq!(p.words(vfs::WRITE, [fd, buf, n, 0], 3), Err(EINVAL), "write of {n:#x}");
        assert_eq!(p.words(vfs::PREAD, [fd, buf, n, 0], 4), Err(EINVAL));
        assert_eq!(p.words(vfs::PWRITE, [fd, buf, n, 0], 4), Err(EINVAL));
    }
    assert_eq!(p.size("/f"), 10);
    let dir = p.open("/", O_RDONLY, 0).unwrap() as u64;
    assert_eq!(p.words(vfs::GETDENTS, [dir, buf, u64::MAX, 0], 3), Err(EINVAL));
    // getcwd's size is a size_t: any size the path fits in is fine.
    assert_eq!(p.words(vfs::GETCWD, [buf, u64::MAX, 0, 0], 2), Ok(1));
    p.res(Request::Symlink { target: p.path("f"), path: p.path("/l") }).unwrap();
    let l = p.path("/l");
    for n in [0, u64::MAX, 1 << 63] {
        assert_eq!(p.words(vfs::READLINK, [l.addr, l.len, buf, n], 4), Err(EINVAL), "readlink into {n:#x} bytes");
    }
    assert_eq!(p.words(vfs::READLINK, [l.addr, l.len, buf, 1], 4), Ok(1));
}

#[test]
fn transfers_from_the_offset_may_not_pass_off_max() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = ten_bytes(&p);
    assert_eq!(p.res(Request::Lseek { fd, offset: i64::MAX - 1, whence: SEEK_SET }), Ok(MAX - 1));
    let src = p.put(b"abc");
    assert_eq!(p.res(Request::Write { fd, buf: UserBuf { addr: src, len: 3 } }), Err(EINVAL));
    assert_eq!(p.res(Request::Read { fd, buf: UserBuf { addr: src, len: 3 } }), Err(EINVAL));
    assert_eq!(p.res(Request::ReadSmall { fd, len: 3 }), Err(EINVAL));
    let words = vfs::pack_small(b"abc");
    assert_eq!(p.res(Request::WriteSmall { fd, len: 3, data: words }), Err(EINVAL));
    // One byte still fits: there is nothing there, and the FS refuses to
    // grow the file so far.
    assert_eq!(p.res(Request::ReadSmall { fd, len: 1 }), Ok(0));
    assert_eq!(p.res(Request::WriteSmall { fd, len: 1, data: words }), Err(EFBIG));
    assert_eq!(p.size("/f"), 10);
}

#[test]
fn lseek_to_a_negative_or_overflowing_position_is_einval() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = ten_bytes(&p);
    let fdw = fd as u64;
    assert_eq!(p.words(vfs::LSEEK, [fdw, neg(-1), SEEK_SET, 0], 3), Err(EINVAL));
    assert_eq!(p.words(vfs::LSEEK, [fdw, neg(-11), SEEK_CUR, 0], 3), Err(EINVAL));
    assert_eq!(p.words(vfs::LSEEK, [fdw, neg(-11), SEEK_END, 0], 3), Err(EINVAL));
    assert_eq!(p.words(vfs::LSEEK, [fdw, MAX, SEEK_END, 0], 3), Err(EINVAL), "10 + i64::MAX");
    assert_eq!(p.words(vfs::LSEEK, [fdw, neg(i64::MIN), SEEK_CUR, 0], 3), Err(EINVAL));
    assert_eq!(p.words(vfs::LSEEK, [fdw, neg(-10), SEEK_END, 0], 3), Ok(0));
    assert_eq!(p.words(vfs::LSEEK, [fdw, MAX, SEEK_SET, 0], 3), Ok(MAX));
    assert_eq!(p.words(vfs::LSEEK, [fdw, 1, SEEK_CUR, 0], 3), Err(EINVAL));
    assert_eq!(p.words(vfs::LSEEK, [fdw, 0, SEEK_CUR, 0], 3), Ok(MAX), "a refused seek moves nothing");
}

/// SEEK_DATA and SEEK_HOLE: through the FS's zones, ENXIO at the end or
/// from a negative start, EINVAL on a directory, ESPIPE on a pipe, and
/// a whence past SEEK_HOLE refused by the decoder.
#[test]
fn seek_data_and_seek_hole() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = ten_bytes(&p);
    // A hole: the file grows to 8 KiB + 3 with nothing between.
    assert_eq!(p.res(Request::Lseek { fd, offset: 8192, whence: SEEK_SET }), Ok(8192));
    let src = p.put(b"end");
    assert_eq!(p.res(Request::Write { fd, buf: UserBuf { addr: src, len: 3 } }), Ok(3));
    let bs = p.res(Request::Lseek { fd, offset: 0, whence: SEEK_HOLE }).unwrap();
    assert!(bs > 0 && bs < 8192, "the hole starts after the first block ({bs})");
    assert_eq!(p.res(Request::Lseek { fd, offset: 0, whence: SEEK_CUR }), Ok(bs), "the position moved");
    let data = p.res(Request::Lseek { fd, offset: bs as i64, whence: SEEK_DATA }).unwrap();
    assert!(data > bs && data <= 8192, "data again before the end ({data})");
    assert_eq!(p.res(Request::Lseek { fd, offset: 8192, whence: SEEK_HOLE }), Ok(8195), "the end is a hole");
    assert_eq!(p.res(Request::Lseek { fd, offset: 8195, whence: SEEK_DATA }), Err(ENXIO));
    assert_eq!(p.words(vfs::LSEEK, [fd as u64, neg(-1), SEEK_DATA, 0], 3), Err(ENXIO));
    assert_eq!(p.words(vfs::LSEEK, [fd as u64, 0, SEEK_HOLE + 1, 0], 3), Err(EINVAL));
    let dir = p.res(Request::Open { path: p.path("/"), flags: O_RDONLY | O_DIRECTORY, mode: 0 }).unwrap() as u32;
    assert_eq!(p.res(Request::Lseek { fd: dir, offset: 0, whence: SEEK_DATA }), Err(EINVAL));
}

#[test]
fn negative_sizes_and_map_offsets_are_einval() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = ten_bytes(&p) as u64;
    let f = p.path("/f");
    for s in [-1i64, -4096, i64::MIN] {
        assert_eq!(p.words(vfs::FTRUNCATE, [fd, neg(s), 0, 0], 2), Err(EINVAL), "ftruncate to {s}");
        assert_eq!(p.words(vfs::TRUNCATE, [f.addr, f.len, neg(s), 0], 3), Err(EINVAL), "truncate to {s}");
    }
    assert_eq!(p.size("/f"), 10);
    // The largest size is a size, which the file system refuses.
    assert_eq!(p.words(vfs::FTRUNCATE, [fd, MAX, 0, 0], 2), Err(EFBIG));
    assert_eq!(p.size("/f"), 10);
    let map = fd | minix_abi::vm::PROT_READ << 32 | minix_abi::vm::MAP_PRIVATE << 40;
    assert_eq!(p.words(vfs::MMAP, [map, 0, 4096, neg(-4096)], 4), Err(EINVAL));
    assert_eq!(p.words(vfs::MMAP, [map, 0, 4096, 1 << 63], 4), Err(EINVAL));
    assert!(w.mem.borrow().vm_maps.is_empty(), "VM was never asked");
    // fcntl's F_DUPFD with a negative lowest descriptor.
    assert_eq!(p.words(vfs::FCNTL, [fd, F_DUPFD, neg(-1), 0], 3), Err(EINVAL));
    assert_eq!(p.words(vfs::FCNTL, [fd, F_DUPFD, 5, 0], 3), Ok(5));
}
