// SPDX-License-Identifier: BSD-2-Clause
//! The request handling over a RAM disk and a model of grants: what a
//! client sees for good and bad requests, and that a bad one leaves the
//! disk and the client's memory alone.
use crate::server::{Copier, Device, Server, Stats};
use minix_abi::blk::{self, Dir, Extent, IoVec, Piece, Request, MAX_TRANSFER, SECTOR};
use minix_abi::endpoint::{Endpoint, Sender, FS, INIT, VFS};
use minix_abi::errno::{Errno, EFAULT, EINVAL, EIO, ENOSYS, ENXIO, EPERM};
use minix_abi::message::{RawRequest, Reply};
use std::collections::HashMap;

struct RamDisk {
    bytes: Vec<u8>,
    stats: Stats,
    fail: bool,
}

impl Device for RamDisk {
    fn capacity(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read(&mut self, e: Extent, out: &mut [u8]) -> Result<(), Errno> {
        assert_eq!(out.len() as u64, e.bytes());
        if self.fail {
            return Err(EIO);
        }
        let at = (e.sector() * SECTOR) as usize;
        out.copy_from_slice(&self.bytes[at..at + out.len()]);
        self.stats.completed += 1;
        // A made-up wait, so STATS shows it passes the count through.
        self.stats.wait_ticks += 100;
        Ok(())
    }
    fn write(&mut self, e: Extent, data: &[u8]) -> Result<(), Errno> {
        assert_eq!(data.len() as u64, e.bytes());
        if self.fail {
            return Err(EIO);
        }
        let at = (e.sector() * SECTOR) as usize;
        self.bytes[at..at + data.len()].copy_from_slice(data);
        self.stats.completed += 1;
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Errno> {
        self.stats.completed += 1;
        Ok(())
    }
    fn stats(&self) -> Stats {
        self.stats
    }
}

/// Grants as VM would check them: by granter and id, with a length and
/// the driver's access. A grant that does not exist is `EPERM`, one too
/// short `EFAULT`.
#[derive(Default)]
struct Grants {
    mem: HashMap<(u32, i32), (Vec<u8>, bool, bool)>,
    buf: Vec<u8>,
}

impl Grants {
    fn new() -> Grants {
        Grants { mem: HashMap::new(), buf: vec![0; MAX_TRANSFER as usize] }
    }
    fn grant(&mut self, who: Endpoint, id: i32, bytes: Vec<u8>, read: bool, write: bool) {
        self.mem.insert((who.0, id), (bytes, read, write));
    }
    fn bytes(&self, who: Endpoint, id: i32) -> &[u8] {
        &self.mem[&(who.0, id)].0
    }
}

impl Copier for Grants {
    fn buffer(&mut self) -> Result<&mut [u8], Errno> {
        Ok(&mut self.buf)
    }
    fn copy_from(&mut self, granter: Endpoint, grant: i32, at: usize, len: usize) -> Result<(), Errno> {
        let (g, read, _) = self.mem.get(&(granter.0, grant)).ok_or(EPERM)?;
        if !read {
            return Err(EPERM);
        }
        let src = g.get(..len).ok_or(EFAULT)?;
        self.buf.get_mut(at..at + len).ok_or(EINVAL)?.copy_from_slice(src);
        Ok(())
    }
    fn copy_to(&mut self, granter: Endpoint, grant: i32, at: usize, len: usize) -> Result<(), Errno> {
        let (g, _, write) = self.mem.get_mut(&(granter.0, grant)).ok_or(EPERM)?;
        if !*write {
            return Err(EPERM);
        }
        let src = self.buf.get(at..at + len).ok_or(EINVAL)?;
        g.get_mut(..len).ok_or(EFAULT)?.copy_from_slice(src);
        Ok(())
    }
}

const DISK: usize = 1 << 20;

fn pattern(i: usize) -> u8 {
    (i / 512) as u8 ^ (i % 251) as u8
}

fn server() -> Server<RamDisk> {
    Server::new(Some(RamDisk { bytes: (0..DISK).map(pattern).collect(), stats: Stats::default(), fail: false }))
}

fn ask(s: &mut Server<RamDisk>, who: Endpoint, r: Request, g: &mut Grants) -> Result<u64, Errno> {
    let (call, words, len) = r.encode();
    s.handle(Sender::Process(who), &RawRequest { call, words, len }, false, g).result()
}

fn read(pos: u64, grant: i32, bytes: u64) -> Request {
    Request::Transfer { dir: Dir::In, minor: 0, position: pos, grant, bytes }
}

fn write(pos: u64, grant: i32, bytes: u64) -> Request {
    Request::Transfer { dir: Dir::Out, minor: 0, position: pos, grant, bytes }
}

#[test]
fn reads_and_writes_reach_the_disk() {
    let (mut s, mut g) = (server(), Grants::new());
    g.grant(FS, 1, vec![0; 4096], false, true);
    assert_eq!(ask(&mut s, FS, read(8192, 1, 4096), &mut g), Ok(4096));
    assert!(g.bytes(FS, 1).iter().enumerate().all(|(i, &b)| b == pattern(8192 + i)));
    g.grant(FS, 2, vec![0x5a; 1024], true, false);
    assert_eq!(ask(&mut s, FS, write(DISK as u64 - 1024, 2, 1024), &mut g), Ok(1024));
    assert!(s.device().unwrap().bytes[DISK - 1024..].iter().all(|&b| b == 0x5a));
    assert_eq!(ask(&mut s, FS, Request::GetSize { minor: 0 }, &mut g), Ok(DISK as u64));
    assert_eq!(ask(&mut s, FS, Request::Flush { minor: 0 }, &mut g), Ok(0));
    assert_eq!(ask(&mut s, INIT, Request::Open { minor: 0, access: blk::ACCESS_READ }, &mut g), Ok(0));
    assert_eq!(ask(&mut s, INIT, Request::Close { minor: 0 }, &mut g), Ok(0));
    assert_eq!(ask(&mut s, INIT, Request::Close { minor: 0 }, &mut g), Err(EINVAL));
    let (call, words, len) = Request::Stats.encode();
    let r = s.handle(Sender::Process(FS), &RawRequest { call, words, len }, false, &mut g);
    assert_eq!(r, Reply::ok_with(3, [0, 0, 100]));
}

#[test]
fn gather_and_scatter_walk_the_pieces_in_order() {
    let (mut s, mut g) = (server(), Grants::new());
    let pieces = [Piece { grant: 10, len: 100 }, Piece { grant: 11, len: 900 }, Piece { grant: 12, len: 24 }];
    let mut v = vec![0u8; 48];
    IoVec::encode(&pieces, &mut v).unwrap();
    g.grant(FS, 9, v, true, false);
    for p in pieces {
        g.grant(FS, p.grant, vec![0; p.len as usize], true, true);
    }
    let gather = Request::Vector { dir: Dir::In, minor: 0, position: 512, grant: 9, count: 3 };
    assert_eq!(ask(&mut s, FS, gather, &mut g), Ok(1024));
    let got: Vec<u8> = [10, 11, 12].iter().flat_map(|&id| g.bytes(FS, id).to_vec()).collect();
    assert!(got.iter().enumerate().all(|(i, &b)| b == pattern(512 + i)));
    // Scatter them back one sector further on.
    let scatter = Request::Vector { dir: Dir::Out, minor: 0, position: 1024, grant: 9, count: 3 };
    assert_eq!(ask(&mut s, FS, scatter, &mut g), Ok(1024));
    assert_eq!(&s.device().unwrap().bytes[1024..2048], &got[..]);
    // A vector whose total is not whole sectors, or with fewer entries
    // granted than claimed.
    let mut v = vec![0u8; 16];
    IoVec::encode(&[Piece { grant: 10, len: 100 }], &mut v).unwrap();
    g.grant(FS, 8, v, true, false);
    assert_eq!(ask(&mut s, FS, Request::Vector { dir: Dir::In, minor: 0, position: 0, grant: 8, count: 1 }, &mut g), Err(EINVAL));
    assert_eq!(ask(&mut s, FS, Request::Vector { dir: Dir::In, minor: 0, position: 0, grant: 8, count: 2 }, &mut g), Err(EFAULT));
}

#[test]
fn bad_requests_get_errors_and_change_nothing() {
    let (mut s, mut g) = (server(), Grants::new());
    g.grant(FS, 1, vec![0xcc; 4096], true, true);
    let before = s.device().unwrap().bytes.clone();
    for (r, e) in [
        (write(1, 1, 512), EINVAL),
        (write(0, 1, 100), EINVAL),
        (write(0, 1, 0), EINVAL),
        (write(DISK as u64, 1, 512), EINVAL),
        (write(DISK as u64 - 512, 1, 1024), EINVAL),
        (write(u64::MAX - 511, 1, 512), EINVAL),
        // A forged grant, one too small, one granted read-only for a read.
        (write(0, 77, 512), EPERM),
        (write(0, 1, 8192), EFAULT),
        (Request::Transfer { dir: Dir::Out, minor: 3, position: 0, grant: 1, bytes: 512 }, ENXIO),
    ] {
        assert_eq!(ask(&mut s, FS, r, &mut g), Err(e), "{r:?}");
    }
    g.grant(FS, 2, vec![0; 512], true, false);
    assert_eq!(ask(&mut s, FS, read(0, 2, 512), &mut g), Err(EPERM));
    assert!(g.bytes(FS, 2).iter().all(|&b| b == 0));
    assert_eq!(s.device().unwrap().bytes, before);
    // A device error reaches the client as EIO.
    s.dev_mut_for_tests().fail = true;
    assert_eq!(ask(&mut s, FS, read(0, 1, 512), &mut g), Err(EIO));
}

#[test]
fn only_fs_and_init_may_ask_and_never_with_caps() {
    let (mut s, mut g) = (server(), Grants::new());
    let (call, words, len) = Request::GetSize { minor: 0 }.encode();
    let req = RawRequest { call, words, len };
    for who in [Sender::Process(VFS), Sender::Process(Endpoint::new(5, 2)), Sender::Unbadged, Sender::Fault(FS), Sender::Unknown(9)] {
        assert_eq!(s.handle(who, &req, false, &mut g), Reply::err(EPERM), "{who:?}");
    }
    assert_eq!(s.handle(Sender::Process(FS), &req, true, &mut g), Reply::err(EINVAL));
    assert_eq!(s.handle(Sender::Process(FS), &req, false, &mut g), Reply::ok(DISK as u64));
    let junk = RawRequest { call: blk::BASE + 0x77, words: [0; 4], len: 0 };
    assert_eq!(s.handle(Sender::Process(FS), &junk, false, &mut g), Reply::err(ENOSYS));
}

#[test]
fn without_a_disk_every_device_call_is_enxio() {
    let mut s: Server<RamDisk> = Server::new(None);
    let mut g = Grants::new();
    g.grant(FS, 1, vec![0; 512], true, true);
    for r in [read(0, 1, 512), Request::GetSize { minor: 0 }, Request::Open { minor: 0, access: 1 }, Request::Flush { minor: 0 }] {
        assert_eq!(ask(&mut s, FS, r, &mut g), Err(ENXIO), "{r:?}");
    }
    assert_eq!(ask(&mut s, FS, Request::Stats, &mut g), Ok(0));
}
