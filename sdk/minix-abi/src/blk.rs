// SPDX-License-Identifier: BSD-2-Clause
//! The block-driver protocol (MINIX's `bdev` requests): how FS reads and
//! writes a disk through the block driver (`drivers/virtio-blk`).
//!
//! The call numbers keep MINIX's `BDEV_*` ordinals on base 0x500. Client
//! memory reaches the driver only through grants the client made: the
//! granter of every grant in a request is the sender. The driver copies
//! between those grants and its own DMA memory with VM's safecopy and
//! never maps anyone else's memory.
//!
//! | call | MR0 | MR1 | MR2 | MR3 | reply status |
//! |---|---|---|---|---|---|
//! | `OPEN` 0x501 | minor | access ([`ACCESS_READ`] \| [`ACCESS_WRITE`], not 0) | | | 0 |
//! | `CLOSE` 0x502 | minor | | | | 0 |
//! | `READ` 0x503, `WRITE` 0x504 | minor | position (bytes) | grant (i32) | bytes | bytes moved |
//! | `GATHER` 0x505 (read into pieces), `SCATTER` 0x506 (write from pieces) | minor | position (bytes) | grant of the vector | pieces (1..=[`IOV_MAX`]) | bytes moved |
//! | `FLUSH` 0x508 | minor | | | | 0 |
//! | `GET_SIZE` 0x509 | minor | | | | the device's size in bytes |
//! | `STATS` 0x510 | | | | | requests the device completed; MR1 interrupts taken, MR2 wake-ups without a completion, MR3 TSC ticks spent waiting for the device (notify to completed wake-up) |
//!
//! **The vector** of `GATHER`/`SCATTER` lies in the client's memory, in a
//! grant of its own (readable by the driver): [`IOV_ENTRY_BYTES`] per
//! piece, little-endian: grant id (i32), 4 zero bytes, length (u64, not
//! 0). The pieces are filled (or drained) in order from `position` on.
//!
//! **Positions and lengths** are allegations: the words are decoded here
//! by type only (a minor that is not a u32 is `EINVAL`), and the driver
//! turns position and total length into an [`Extent`] once, which checks
//! them against the device: a multiple of [`SECTOR`], not 0, at most
//! [`MAX_TRANSFER`], and inside the device, else `EINVAL`.
//!
//! **Errors.** Unknown call `ENOSYS`; malformed words `EINVAL`; no
//! device (or a minor other than 0) `ENXIO`; a grant the driver cannot
//! copy through (forged, revoked, too small, wrong access) `EFAULT` or
//! `EPERM` as VM answers it; a device error `EIO`; a sender that is not
//! FS (or init, the in-guest test client) `EPERM`; a request carrying a
//! capability `EINVAL`.
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::word::{at_most, bits_of, i32_of, u32_of};

pub const BASE: u64 = 0x500;
pub const OPEN: u64 = BASE + 1;
pub const CLOSE: u64 = BASE + 2;
pub const READ: u64 = BASE + 3;
pub const WRITE: u64 = BASE + 4;
pub const GATHER: u64 = BASE + 5;
pub const SCATTER: u64 = BASE + 6;
pub const FLUSH: u64 = BASE + 8;
pub const GET_SIZE: u64 = BASE + 9;
pub const STATS: u64 = BASE + 0x10;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[OPEN, CLOSE, READ, WRITE, GATHER, SCATTER, FLUSH, GET_SIZE, STATS];

/// Bytes in a sector: positions and lengths are multiples of it.
pub const SECTOR: u64 = 512;
/// Most bytes one request moves (the driver's DMA buffer).
pub const MAX_TRANSFER: u64 = 64 * 1024;
/// Most pieces in a vector.
pub const IOV_MAX: u64 = 16;
/// Bytes of one vector entry in client memory.
pub const IOV_ENTRY_BYTES: u64 = 16;

pub const ACCESS_READ: u64 = 1;
pub const ACCESS_WRITE: u64 = 2;
const ACCESS_MASK: u64 = ACCESS_READ | ACCESS_WRITE;

/// Which way data moves.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Dir {
    /// Device to client (READ, GATHER).
    In,
    /// Client to device (WRITE, SCATTER).
    Out,
}

/// A request to the block driver, decoded by type.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    Open {
        minor: u32,
        access: u64,
    },
    Close {
        minor: u32,
    },
    /// READ (`Dir::In`) or WRITE (`Dir::Out`) of one granted buffer.
    Transfer {
        dir: Dir,
        minor: u32,
        position: u64,
        grant: i32,
        bytes: u64,
    },
    /// GATHER (`Dir::In`) or SCATTER (`Dir::Out`) through a vector.
    Vector {
        dir: Dir,
        minor: u32,
        position: u64,
        grant: i32,
        count: u64,
    },
    Flush {
        minor: u32,
    },
    GetSize {
        minor: u32,
    },
    Stats,
}

impl Request {
    /// Total: a request, `ENOSYS` for a call number not in [`CALLS`], or
    /// `EINVAL`.
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        let w = r.words;
        match r.call {
            OPEN => {
                need_words(r, 2)?;
                let access = bits_of(w[1], ACCESS_MASK)?;
                if access == 0 {
                    return Err(EINVAL);
                }
                Ok(Request::Open { minor: u32_of(w[0])?, access })
            }
            CLOSE => need_words(r, 1).and(Ok(Request::Close { minor: u32_of(w[0])? })),
            READ | WRITE => {
                need_words(r, 4)?;
                let dir = if r.call == READ { Dir::In } else { Dir::Out };
                Ok(Request::Transfer {
                    dir,
                    minor: u32_of(w[0])?,
                    position: w[1],
                    grant: i32_of(w[2])?,
                    bytes: at_most(w[3], MAX_TRANSFER)?,
                })
            }
            GATHER | SCATTER => {
                need_words(r, 4)?;
                let dir = if r.call == GATHER { Dir::In } else { Dir::Out };
                let count = at_most(w[3], IOV_MAX)?;
                if count == 0 {
                    return Err(EINVAL);
                }
                Ok(Request::Vector { dir, minor: u32_of(w[0])?, position: w[1], grant: i32_of(w[2])?, count })
            }
            FLUSH => need_words(r, 1).and(Ok(Request::Flush { minor: u32_of(w[0])? })),
            GET_SIZE => need_words(r, 1).and(Ok(Request::GetSize { minor: u32_of(w[0])? })),
            STATS => Ok(Request::Stats),
            _ => Err(ENOSYS),
        }
    }

    /// Call number, words and word count.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            Request::Open { minor, access } => (OPEN, [minor as u64, access, 0, 0], 2),
            Request::Close { minor } => (CLOSE, [minor as u64, 0, 0, 0], 1),
            Request::Transfer { dir, minor, position, grant, bytes } => {
                let call = if dir == Dir::In { READ } else { WRITE };
                (call, [minor as u64, position, grant as u32 as u64, bytes], 4)
            }
            Request::Vector { dir, minor, position, grant, count } => {
                let call = if dir == Dir::In { GATHER } else { SCATTER };
                (call, [minor as u64, position, grant as u32 as u64, count], 4)
            }
            Request::Flush { minor } => (FLUSH, [minor as u64, 0, 0, 0], 1),
            Request::GetSize { minor } => (GET_SIZE, [minor as u64, 0, 0, 0], 1),
            Request::Stats => (STATS, [0; 4], 0),
        }
    }
}

/// A validated stretch of the device: whole sectors, inside it, and no
/// longer than one transfer. Made only by [`Extent::new`].
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Extent {
    sector: u64,
    bytes: u64,
}

impl Extent {
    /// `bytes` from byte `position` of a device of `device_bytes`:
    /// `EINVAL` unless both are multiples of [`SECTOR`], `bytes` is
    /// 1..=[`MAX_TRANSFER`] and the stretch ends inside the device.
    pub fn new(position: u64, bytes: u64, device_bytes: u64) -> Result<Extent, Errno> {
        if !position.is_multiple_of(SECTOR) || !bytes.is_multiple_of(SECTOR) || bytes == 0 || bytes > MAX_TRANSFER {
            return Err(EINVAL);
        }
        match position.checked_add(bytes) {
            Some(end) if end <= device_bytes => Ok(Extent { sector: position / SECTOR, bytes }),
            _ => Err(EINVAL),
        }
    }

    /// The first sector.
    pub fn sector(&self) -> u64 {
        self.sector
    }

    /// The length in bytes (a multiple of [`SECTOR`], at most
    /// [`MAX_TRANSFER`]).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// One piece of a vector: `len` bytes of the sender's grant `grant`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Piece {
    pub grant: i32,
    pub len: u64,
}

/// A decoded vector: 1..=[`IOV_MAX`] pieces, each not empty, together at
/// most [`MAX_TRANSFER`] bytes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct IoVec {
    pieces: [Piece; IOV_MAX as usize],
    count: usize,
}

impl IoVec {
    /// Decodes `bytes`, exactly `count` entries as the client laid them
    /// out: `EINVAL` for a length that is not `count` entries, a count out
    /// of range, non-zero padding, an empty piece, or a total above
    /// [`MAX_TRANSFER`]. (Whether the total fits the device is the
    /// [`Extent`]'s to say.)
    pub fn decode(bytes: &[u8], count: u64) -> Result<IoVec, Errno> {
        if count == 0 || count > IOV_MAX || bytes.len() as u64 != count * IOV_ENTRY_BYTES {
            return Err(EINVAL);
        }
        let mut v = IoVec { pieces: [Piece::default(); IOV_MAX as usize], count: 0 };
        let mut total = 0u64;
        for (slot, e) in v.pieces.iter_mut().zip(bytes.chunks_exact(IOV_ENTRY_BYTES as usize)) {
            let grant = i32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            let pad = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            let len = u64::from_le_bytes([e[8], e[9], e[10], e[11], e[12], e[13], e[14], e[15]]);
            if pad != 0 || len == 0 || len > MAX_TRANSFER {
                return Err(EINVAL);
            }
            total += len;
            if total > MAX_TRANSFER {
                return Err(EINVAL);
            }
            *slot = Piece { grant, len };
        }
        v.count = count as usize;
        Ok(v)
    }

    /// Lays `pieces` out as the driver reads them, into `out` (which must
    /// hold `pieces.len()` entries); returns the bytes written.
    pub fn encode(pieces: &[Piece], out: &mut [u8]) -> Result<usize, Errno> {
        let n = pieces.len() * IOV_ENTRY_BYTES as usize;
        if pieces.is_empty() || pieces.len() as u64 > IOV_MAX || out.len() < n {
            return Err(EINVAL);
        }
        for (p, e) in pieces.iter().zip(out.chunks_exact_mut(IOV_ENTRY_BYTES as usize)) {
            e[..4].copy_from_slice(&p.grant.to_le_bytes());
            e[4..8].fill(0);
            e[8..].copy_from_slice(&p.len.to_le_bytes());
        }
        Ok(n)
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces[..self.count]
    }

    /// The bytes of all pieces together.
    pub fn total(&self) -> u64 {
        self.pieces().iter().map(|p| p.len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(call: u64, words: [u64; 4], len: u64) -> RawRequest {
        RawRequest { call, words, len }
    }

    #[test]
    fn requests_round_trip() {
        for req in [
            Request::Open { minor: 0, access: ACCESS_READ | ACCESS_WRITE },
            Request::Close { minor: 0 },
            Request::Transfer { dir: Dir::In, minor: 0, position: 4096, grant: 7, bytes: 512 },
            Request::Transfer { dir: Dir::Out, minor: 1, position: u64::MAX, grant: -1, bytes: MAX_TRANSFER },
            Request::Vector { dir: Dir::In, minor: 0, position: 0, grant: 3, count: IOV_MAX },
            Request::Vector { dir: Dir::Out, minor: 0, position: 512, grant: i32::MIN, count: 1 },
            Request::Flush { minor: 0 },
            Request::GetSize { minor: 0 },
            Request::Stats,
        ] {
            let (call, words, len) = req.encode();
            assert_eq!(Request::decode(&raw(call, words, len)), Ok(req));
            // Registers past the length hold garbage and are ignored.
            let mut junk = [u64::MAX; 4];
            junk[..len as usize].copy_from_slice(&words[..len as usize]);
            assert_eq!(Request::decode(&raw(call, junk, len)), Ok(req));
        }
    }

    #[test]
    fn malformed_words_are_einval() {
        // Too few words, too many, wide minors and grants, bad access.
        assert_eq!(Request::decode(&raw(READ, [0, 0, 1, 512], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(READ, [0, 0, 1, 512], 5)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(READ, [1 << 32, 0, 1, 512], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WRITE, [0, 0, 1 << 32, 512], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WRITE, [0, 0, 1, MAX_TRANSFER + 1], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(OPEN, [0, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(OPEN, [0, 4, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(GATHER, [0, 0, 1, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SCATTER, [0, 0, 1, IOV_MAX + 1], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FLUSH, [0; 4], 0)), Err(EINVAL));
        for call in [0, BASE, BASE + 7, READ | 1 << 20, u64::MAX] {
            assert_eq!(Request::decode(&raw(call, [0; 4], 4)), Err(ENOSYS), "{call:#x}");
        }
    }

    #[test]
    fn extents_are_aligned_bounded_and_inside() {
        let dev = 4 << 20;
        assert_eq!(Extent::new(0, 512, dev).map(|e| (e.sector(), e.bytes())), Ok((0, 512)));
        assert_eq!(Extent::new(dev - 512, 512, dev).map(|e| e.sector()), Ok((dev - 512) / 512));
        assert_eq!(Extent::new(dev - MAX_TRANSFER, MAX_TRANSFER, dev).map(|e| e.bytes()), Ok(MAX_TRANSFER));
        for (pos, bytes) in
            [(1, 512), (0, 511), (0, 0), (0, MAX_TRANSFER + 512), (dev, 512), (dev - 512, 1024), (u64::MAX - 511, 512), (!511, 512)]
        {
            assert_eq!(Extent::new(pos, bytes, dev), Err(EINVAL), "{pos:#x} {bytes}");
        }
        // No device: nothing fits.
        assert_eq!(Extent::new(0, 512, 0), Err(EINVAL));
    }

    #[test]
    fn vectors_round_trip_and_refuse_junk() {
        let pieces = [Piece { grant: 5, len: 512 }, Piece { grant: -2, len: 1536 }];
        let mut buf = [0xaau8; 64];
        let n = IoVec::encode(&pieces, &mut buf).unwrap();
        assert_eq!(n, 32);
        let v = IoVec::decode(&buf[..n], 2).unwrap();
        assert_eq!(v.pieces(), &pieces);
        assert_eq!(v.total(), 2048);
        // Wrong count for the bytes, padding set, an empty piece, too much.
        assert_eq!(IoVec::decode(&buf[..n], 1), Err(EINVAL));
        assert_eq!(IoVec::decode(&buf[..0], 0), Err(EINVAL));
        let mut bad = buf;
        bad[5] = 1;
        assert_eq!(IoVec::decode(&bad[..n], 2), Err(EINVAL));
        let mut empty = buf;
        empty[8..16].fill(0);
        assert_eq!(IoVec::decode(&empty[..n], 2), Err(EINVAL));
        let big = [Piece { grant: 1, len: MAX_TRANSFER }, Piece { grant: 1, len: 512 }];
        IoVec::encode(&big, &mut buf).unwrap();
        assert_eq!(IoVec::decode(&buf[..32], 2), Err(EINVAL));
        let huge = [Piece { grant: 1, len: u64::MAX }, Piece { grant: 1, len: 2 }];
        IoVec::encode(&huge, &mut buf).unwrap();
        assert_eq!(IoVec::decode(&buf[..32], 2), Err(EINVAL));
        assert_eq!(IoVec::encode(&[], &mut buf), Err(EINVAL));
        assert_eq!(IoVec::encode(&pieces, &mut buf[..16]), Err(EINVAL));
    }
}
