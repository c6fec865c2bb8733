// SPDX-License-Identifier: BSD-2-Clause
//! Tests of the block driver (`drivers/virtio-blk`) through its real
//! protocol: init holds the driver's endpoint (it alone, besides FS) and
//! lends it memory through grants, as FS will. They need the disk
//! `tools/mkdisk.py` writes (`qemu/test.sh` attaches one); without a disk
//! the driver answers ENXIO and `registered` leaves them out.
//!
//! Each test makes its own grant table: VM knows one table per process,
//! the last one registered, and the hostile suite registers tables of its
//! own after the harness's.
use crate::harness::{ensure, Ctx, Test};
use grant::{GrantId, CPF_READ, CPF_WRITE};
use minix_abi::blk::{self, Dir, IoVec, Piece, Request, MAX_TRANSFER, SECTOR};
use minix_abi::cspace::BLK_EP;
use minix_abi::endpoint::BLK;
use minix_abi::errno::{Errno, EINVAL, ENXIO};
use minix_abi::message::Reply;
use minix_abi::vm::{PROT_READ, PROT_WRITE};
use mxrt::grants::Grants;
use mxrt::posix::{self, Mapping};
use sel4::{CPtr, MessageInfo};

/// Byte `i` of sector `s` of the test disk of `size` bytes, as
/// `tools/mkdisk.py` writes it.
fn pattern(s: u64, i: usize, size: u64) -> u8 {
    match i {
        0..8 => s.to_le_bytes()[i],
        8..16 => b"SEL4BLK\0"[i - 8],
        16..24 => size.to_le_bytes()[i - 16],
        _ => (s.wrapping_mul(131).wrapping_add(i as u64 * 7)) as u8,
    }
}

fn ask(r: Request) -> Result<u64, Errno> {
    let (c, w, l) = r.encode();
    mxrt::ipc::sendrec(BLK_EP, c, w, l).result()
}

fn read(position: u64, grant: GrantId, bytes: u64) -> Request {
    Request::Transfer { dir: Dir::In, minor: 0, position, grant: grant.0, bytes }
}

fn write(position: u64, grant: GrantId, bytes: u64) -> Request {
    Request::Transfer { dir: Dir::Out, minor: 0, position, grant: grant.0, bytes }
}

fn buffer(len: u64) -> Result<Mapping, &'static str> {
    posix::mmap_region(len, PROT_READ | PROT_WRITE).map_err(|_| "mmap")
}

/// Whether the driver has a disk: the blk tests are registered only then.
pub fn registered() -> &'static [Test] {
    // These tests write the disk: never the one the root file system is on.
    if mxrt::fs::statvfs(b"/").is_ok_and(|s| s.dev as u64 == minix_abi::fs::DISK_DEV) {
        sel4_root_task::println!("blk: the root file system is on the disk: the driver's own tests are not registered");
        return &[];
    }
    match ask(Request::GetSize { minor: 0 }) {
        Ok(_) => TESTS,
        Err(e) => {
            sel4_root_task::println!("blk: the block driver answers {} (no disk): its tests are not registered", e.name());
            &[]
        }
    }
}

pub const TESTS: &[Test] = &[
    Test { name: "blk.get_size_matches_the_image", run: size_matches },
    Test { name: "blk.read_sector0_matches_host_pattern", run: sector0 },
    Test { name: "blk.read_64k_every_sector_in_place", run: read_64k },
    Test { name: "blk.write_then_read_back", run: write_back },
    Test { name: "blk.scatter_then_gather_pieces", run: scatter_gather },
    Test { name: "blk.out_of_range_refused", run: out_of_range },
    Test { name: "blk.unaligned_einval", run: unaligned },
    Test { name: "blk.bad_grants_refused_memory_untouched", run: bad_grants },
    Test { name: "blk.attached_cap_refused", run: attached_cap },
    Test { name: "blk.open_close_flush", run: open_close_flush },
    Test { name: "blk.completions_came_by_interrupt", run: by_interrupt },
    Test { name: "blk.driver_alive_after_all", run: alive },
];

/// The disk's size as GET_SIZE reports it and as sector 0 records it.
fn size(gt: &mut Grants) -> Result<u64, &'static str> {
    let size = ask(Request::GetSize { minor: 0 }).map_err(|_| "GET_SIZE failed")?;
    let mut buf = buffer(4096)?;
    let g = gt.direct(BLK, buf.base(), SECTOR, CPF_WRITE).map_err(|_| "grant")?;
    let r = ask(read(0, g, SECTOR));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(r == Ok(SECTOR), "reading sector 0 failed")?;
    let recorded = u64::from_le_bytes(buf.as_mut_slice()[16..24].try_into().map_err(|_| "slice")?);
    ensure(recorded == size, "GET_SIZE differs from the size mkdisk.py recorded")?;
    Ok(size)
}

fn size_matches(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let s = size(gt)?;
    ensure(s > 0 && s.is_multiple_of(SECTOR), "odd size")
}

fn sector0(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let size = size(gt)?;
    let mut buf = buffer(4096)?;
    buf.as_mut_slice().fill(0xee);
    let g = gt.direct(BLK, buf.base(), SECTOR, CPF_WRITE).map_err(|_| "grant")?;
    let r = ask(read(0, g, SECTOR));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(r == Ok(SECTOR), "READ of sector 0 did not move 512 bytes")?;
    let b = buf.as_mut_slice();
    ensure((0..512).all(|i| b[i] == pattern(0, i, size)), "sector 0 is not the host's pattern")?;
    ensure(b[512..].iter().all(|&x| x == 0xee), "the read went past the grant")
}

fn read_64k(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let size = size(gt)?;
    let mut buf = buffer(MAX_TRANSFER)?;
    // Somewhere in the middle, not page aligned on the disk.
    let pos = (size / 2 / SECTOR + 3) * SECTOR;
    let g = gt.direct(BLK, buf.base(), MAX_TRANSFER, CPF_WRITE).map_err(|_| "grant")?;
    let r = ask(read(pos, g, MAX_TRANSFER));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(r == Ok(MAX_TRANSFER), "a 64 KiB READ failed")?;
    let b = buf.as_mut_slice();
    let ok = (0..MAX_TRANSFER as usize).all(|o| b[o] == pattern(pos / SECTOR + (o / 512) as u64, o % 512, size));
    ensure(ok, "a sector of the 64 KiB read is not the host's")
}

fn write_back(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let size = size(gt)?;
    let pos = size - 4 * SECTOR;
    let mut out = buffer(4096)?;
    for (i, b) in out.as_mut_slice().iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(13) ^ 0xa5;
    }
    let g = gt.direct(BLK, out.base(), 2 * SECTOR, CPF_READ).map_err(|_| "grant")?;
    let r = ask(write(pos, g, 2 * SECTOR));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(r == Ok(2 * SECTOR), "WRITE of two sectors failed")?;
    let mut back = buffer(4096)?;
    let g = gt.direct(BLK, back.base(), 3 * SECTOR, CPF_WRITE).map_err(|_| "grant")?;
    let r = ask(read(pos, g, 3 * SECTOR));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(r == Ok(3 * SECTOR), "READ back failed")?;
    let (o, b) = (out.as_mut_slice(), back.as_mut_slice());
    ensure(b[..1024] == o[..1024], "the written sectors did not read back")?;
    // The sector after them is untouched.
    let next = pos / SECTOR + 2;
    ensure((0..512).all(|i| b[1024 + i] == pattern(next, i, size)), "the next sector changed")
}

fn scatter_gather(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let size = size(gt)?;
    let pos = size - 16 * SECTOR;
    // Three pieces of 100, 900 and 24 bytes: 1024 together.
    let lens = [100u64, 900, 24];
    let mut data = buffer(4096)?;
    for (i, b) in data.as_mut_slice().iter_mut().enumerate() {
        *b = (i % 253) as u8;
    }
    let mut ids = [GrantId(0); 3];
    let mut at = 0;
    for (id, len) in ids.iter_mut().zip(lens) {
        *id = gt.direct(BLK, data.base() + at, len, CPF_READ | CPF_WRITE).map_err(|_| "grant")?;
        at += len;
    }
    let pieces: [Piece; 3] = core::array::from_fn(|i| Piece { grant: ids[i].0, len: lens[i] });
    let mut vec = buffer(4096)?;
    let n = IoVec::encode(&pieces, vec.as_mut_slice()).map_err(|_| "encode")?;
    let vg = gt.direct(BLK, vec.base(), n as u64, CPF_READ).map_err(|_| "grant")?;
    let scatter = ask(Request::Vector { dir: Dir::Out, minor: 0, position: pos, grant: vg.0, count: 3 });
    let mut written = [0u8; 1024];
    written.copy_from_slice(&data.as_slice()[..1024]);
    data.as_mut_slice()[..1024].fill(0);
    let gather = ask(Request::Vector { dir: Dir::In, minor: 0, position: pos, grant: vg.0, count: 3 });
    for id in ids.into_iter().chain([vg]) {
        gt.revoke(id).map_err(|_| "revoke")?;
    }
    ensure(scatter == Ok(1024), "SCATTER failed")?;
    ensure(gather == Ok(1024), "GATHER failed")?;
    ensure(data.as_mut_slice()[..1024] == written, "GATHER did not bring back what SCATTER wrote")
}

fn out_of_range(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let size = size(gt)?;
    let buf = buffer(4096)?;
    let g = gt.direct(BLK, buf.base(), 4096, CPF_WRITE).map_err(|_| "grant")?;
    let results = [
        ask(read(size, g, SECTOR)),
        ask(read(size - SECTOR, g, 2 * SECTOR)),
        ask(read(u64::MAX - 511, g, SECTOR)),
        ask(read(0, g, MAX_TRANSFER + SECTOR)),
        ask(read(size - SECTOR, g, SECTOR)),
    ];
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(results[..4].iter().all(|r| *r == Err(EINVAL)), "a stretch outside the disk was not EINVAL")?;
    ensure(results[4] == Ok(SECTOR), "the last sector is not readable")
}

fn unaligned(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let buf = buffer(4096)?;
    let g = gt.direct(BLK, buf.base(), 4096, CPF_READ | CPF_WRITE).map_err(|_| "grant")?;
    let results = [ask(read(1, g, SECTOR)), ask(read(0, g, 100)), ask(write(256, g, SECTOR)), ask(read(0, g, 0))];
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(results.iter().all(|r| *r == Err(EINVAL)), "an unaligned request was not EINVAL")
}

fn bad_grants(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let size = size(gt)?;
    let mut buf = buffer(4096)?;
    buf.as_mut_slice().fill(0x77);
    // A grant id never made; one too small; one the driver may only read,
    // for a READ; one revoked; one made for another process (VM).
    let forged = ask(read(0, GrantId(4000), SECTOR));
    let small = gt.direct(BLK, buf.base(), 100, CPF_WRITE).map_err(|_| "grant")?;
    let too_small = ask(read(0, small, SECTOR));
    let ro = gt.direct(BLK, buf.base(), 4096, CPF_READ).map_err(|_| "grant")?;
    let read_only = ask(read(0, ro, SECTOR));
    let gone = gt.direct(BLK, buf.base(), 4096, CPF_WRITE).map_err(|_| "grant")?;
    gt.revoke(gone).map_err(|_| "revoke")?;
    let revoked = ask(read(0, gone, SECTOR));
    let other = gt.direct(minix_abi::endpoint::VM, buf.base(), 4096, CPF_WRITE).map_err(|_| "grant")?;
    let not_ours = ask(read(0, other, SECTOR));
    for g in [small, ro, other] {
        gt.revoke(g).map_err(|_| "revoke")?;
    }
    for r in [forged, too_small, read_only, revoked, not_ours] {
        ensure(r.is_err(), "the driver copied through a bad grant")?;
    }
    ensure(buf.as_mut_slice().iter().all(|&b| b == 0x77), "a refused request changed the buffer")?;
    // And a WRITE through a forged grant changed nothing on the disk.
    ensure(ask(write(0, GrantId(4001), SECTOR)).is_err(), "WRITE through a forged grant")?;
    let g = gt.direct(BLK, buf.base(), SECTOR, CPF_WRITE).map_err(|_| "grant")?;
    let r = ask(read(0, g, SECTOR));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(r == Ok(SECTOR), "READ after the bad grants failed")?;
    let b = buf.as_mut_slice();
    ensure((0..512).all(|i| b[i] == pattern(0, i, size)), "sector 0 changed")
}

/// A READ that carries a capability (init's own cap to VM) is refused,
/// and the driver goes on.
fn attached_cap(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let buf = buffer(4096)?;
    let g = gt.direct(BLK, buf.base(), SECTOR, CPF_WRITE).map_err(|_| "grant")?;
    let (call, w, l) = read(0, g, SECTOR).encode();
    sel4::set_cap(0, CPtr(minix_abi::cspace::VM_EP));
    let r = sel4::call(CPtr(BLK_EP), MessageInfo::new(call, 0, 1, l), w);
    let with_cap = Reply::from_received(r.mrs, r.info.length()).result();
    // Its own endpoint's cap arrives unwrapped, as a badge: refused too.
    sel4::set_cap(0, CPtr(BLK_EP));
    let r = sel4::call(CPtr(BLK_EP), MessageInfo::new(call, 0, 1, l), w);
    let unwrapped = Reply::from_received(r.mrs, r.info.length()).result();
    let plain = ask(read(0, g, SECTOR));
    gt.revoke(g).map_err(|_| "revoke")?;
    ensure(with_cap == Err(EINVAL), "a request with a cap was not EINVAL")?;
    ensure(unwrapped == Err(EINVAL), "a request with an unwrapped cap was not EINVAL")?;
    ensure(plain == Ok(SECTOR), "the same request without a cap failed")
}

fn open_close_flush(_: &mut Ctx) -> Result<(), &'static str> {
    ensure(ask(Request::Open { minor: 0, access: blk::ACCESS_READ | blk::ACCESS_WRITE }) == Ok(0), "OPEN")?;
    ensure(ask(Request::Flush { minor: 0 }) == Ok(0), "FLUSH")?;
    ensure(ask(Request::Close { minor: 0 }) == Ok(0), "CLOSE")?;
    ensure(ask(Request::Open { minor: 1, access: blk::ACCESS_READ }) == Err(ENXIO), "minor 1 is not ENXIO")?;
    ensure(ask(Request::GetSize { minor: 7 }) == Err(ENXIO), "GET_SIZE of minor 7 is not ENXIO")
}

/// The driver never polls: it waits on the notification the interrupt
/// signals. Over 20 requests the device completes 20 more, and the driver
/// took at least as many interrupts (each acknowledged).
fn by_interrupt(_: &mut Ctx) -> Result<(), &'static str> {
    let gt = &mut Grants::new();
    let stats = || {
        let (call, w, l) = Request::Stats.encode();
        let r = mxrt::ipc::sendrec(BLK_EP, call, w, l);
        r.result().map(|done| (done, r.vals[0], r.vals[1]))
    };
    let buf = buffer(4096)?;
    let g = gt.direct(BLK, buf.base(), 4096, CPF_WRITE).map_err(|_| "grant")?;
    let (done0, irqs0, _) = stats().map_err(|_| "STATS")?;
    let mut ok = true;
    for i in 0..20 {
        ok &= ask(read(i * 4096, g, 4096)) == Ok(4096);
    }
    let (done1, irqs1, spurious) = stats().map_err(|_| "STATS")?;
    gt.revoke(g).map_err(|_| "revoke")?;
    sel4_root_task::println!("blk: {} requests completed, {} interrupts, {} without a completion", done1, irqs1, spurious);
    ensure(ok, "a read failed")?;
    ensure(done1 - done0 == 20, "the device did not complete exactly the 20 requests")?;
    ensure(irqs1 - irqs0 >= 20, "fewer interrupts than completions")
}

fn alive(_: &mut Ctx) -> Result<(), &'static str> {
    let r = mxrt::ipc::sendrec(BLK_EP, minix_abi::common::PING, [0; 4], 0);
    ensure(r.result() == Ok(BLK.0 as u64), "the driver does not answer PING")?;
    ensure(ask(Request::GetSize { minor: 0 }).is_ok(), "GET_SIZE after the tests")
}
