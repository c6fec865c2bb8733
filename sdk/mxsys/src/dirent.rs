// SPDX-License-Identifier: BSD-2-Clause
//! `getdents64`'s records (`struct linux_dirent64`: `d_ino` u64, `d_off`
//! i64, `d_reclen` u16, `d_type` u8, the name and a NUL, 8-byte aligned)
//! made from VFS's GETDENTS records ([`minix_abi::fs::decode_dirent`]) in
//! the caller's own buffer, with no second buffer: VFS fills the buffer's
//! last two thirds, and the records are rewritten from its start.
//!
//! Why that fits: ours take `13 + namelen + 1` bytes rounded up to 8,
//! Linux's `19 + namelen + 1`, so a Linux record is at most 1.5 times
//! ours (16 → 24 bytes for names of up to 2 bytes; less for longer
//! ones). Records read from `[n/3, n)` therefore become at most `n`
//! bytes, and the write position never passes the next record still to
//! be read: after records of `c` bytes in all, the writer is at most at
//! `1.5c`, the reader at `n/3 + c`, and `1.5c <= n/3 + c` while
//! `c <= 2n/3`.
use minix_abi::fs::decode_dirent;

pub const LINUX_DIRENT_HEADER: usize = 19;
/// The longest name a record carries (the name is copied aside while its
/// record is rewritten in place).
pub const NAME_MAX: usize = 255;

/// Bytes of Linux's record for a name of `namelen` bytes.
pub const fn linux_dirent_len(namelen: usize) -> usize {
    (LINUX_DIRENT_HEADER + namelen + 1).next_multiple_of(8)
}

/// Where VFS should put its records in a buffer of `n` bytes: the range
/// `[at, n)`.
pub const fn vfs_area(n: usize) -> usize {
    n / 3
}

/// Rewrites the `len` bytes of VFS records at `buf[at..]` (`at` from
/// [`vfs_area`]) as Linux records from `buf[0]`, and returns their bytes.
/// A malformed record, or a name over [`NAME_MAX`], ends the conversion
/// there (what came before it stands). `d_off` is each record's position
/// in the output, which is all `readdir` needs of it.
pub fn to_linux(buf: &mut [u8], at: usize, len: usize) -> usize {
    let end = (at + len).min(buf.len());
    let mut read = at;
    let mut written = 0;
    let mut name = [0u8; NAME_MAX];
    while read < end {
        let Some(d) = decode_dirent(&buf[read..end]) else { break };
        let (ino, reclen, namelen) = (d.ino, d.reclen, d.name.len());
        if namelen > NAME_MAX {
            break;
        }
        name[..namelen].copy_from_slice(d.name);
        let out_len = linux_dirent_len(namelen);
        // The module's bound, checked rather than trusted: never write
        // over a record not yet read, nor past the buffer.
        if written + out_len > read + reclen && read + reclen < end || written + out_len > buf.len() {
            break;
        }
        let rec = &mut buf[written..written + out_len];
        rec.fill(0);
        rec[0..8].copy_from_slice(&ino.to_le_bytes());
        rec[8..16].copy_from_slice(&((written + out_len) as u64).to_le_bytes());
        rec[16..18].copy_from_slice(&(out_len as u16).to_le_bytes());
        rec[18] = 0; // DT_UNKNOWN: readdir's users stat when they need the type
        rec[LINUX_DIRENT_HEADER..LINUX_DIRENT_HEADER + namelen].copy_from_slice(&name[..namelen]);
        written += out_len;
        read += reclen;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::fs::{dirent_len, encode_dirent};

    /// Fills `buf[at..]` with our records for `names`, as many as fit.
    fn fill(buf: &mut [u8], at: usize, names: &[&[u8]]) -> (usize, usize) {
        let mut off = at;
        let mut count = 0;
        for (i, n) in names.iter().enumerate() {
            match encode_dirent(&mut buf[off..], 100 + i as u64, n) {
                Some(l) => {
                    off += l;
                    count += 1;
                }
                None => break,
            }
        }
        (off - at, count)
    }

    fn walk(buf: &[u8]) -> Vec<(u64, u64, Vec<u8>)> {
        let mut v = Vec::new();
        let mut o = 0;
        while o < buf.len() {
            let ino = u64::from_le_bytes(buf[o..o + 8].try_into().unwrap());
            let off = u64::from_le_bytes(buf[o + 8..o + 16].try_into().unwrap());
            let reclen = u16::from_le_bytes([buf[o + 16], buf[o + 17]]) as usize;
            assert_eq!(reclen % 8, 0);
            let name = &buf[o + 19..o + reclen];
            let nul = name.iter().position(|&b| b == 0).unwrap();
            v.push((ino, off, name[..nul].to_vec()));
            o += reclen;
        }
        v
    }

    #[test]
    fn records_are_rewritten_in_place_for_any_buffer_size() {
        let names: Vec<Vec<u8>> = (0..200).map(|i| vec![b'a' + (i % 26) as u8; (i * 7) % 40]).collect();
        let names: Vec<Vec<u8>> = names.into_iter().map(|n| if n.is_empty() { b"x".to_vec() } else { n }).collect();
        let refs: Vec<&[u8]> = names.iter().map(|n| n.as_slice()).collect();
        for n in [24, 48, 100, 256, 1000, 2048, 4096] {
            let mut buf = vec![0u8; n];
            let at = vfs_area(n);
            let (len, count) = fill(&mut buf, at, &refs);
            let out = to_linux(&mut buf, at, len);
            assert!(out <= n);
            let got = walk(&buf[..out]);
            assert_eq!(got.len(), count, "buffer {}", n);
            let mut expect_off = 0;
            for (i, (ino, off, name)) in got.iter().enumerate() {
                assert_eq!(*ino, 100 + i as u64);
                assert_eq!(name.as_slice(), refs[i]);
                expect_off += linux_dirent_len(name.len()) as u64;
                assert_eq!(*off, expect_off);
            }
        }
    }

    #[test]
    fn shortest_names_grow_by_half() {
        assert_eq!(dirent_len(1), 16);
        assert_eq!(linux_dirent_len(1), 24);
        let mut buf = vec![0u8; 96];
        let at = vfs_area(96);
        let (len, count) = fill(&mut buf, at, &[b"a", b"b", b"c", b"d"]);
        assert_eq!((len, count), (64, 4));
        assert_eq!(to_linux(&mut buf, at, len), 96);
        assert_eq!(walk(&buf).len(), 4);
    }

    #[test]
    fn garbage_stops_the_walk() {
        let mut buf = vec![0xffu8; 300];
        assert_eq!(to_linux(&mut buf, 100, 200), 0);
        let mut buf = vec![0u8; 300];
        let (len, _) = fill(&mut buf, 100, &[b"one", b"two"]);
        buf[100 + 24 + 8] = 0xff; // the second record's length
        let out = to_linux(&mut buf, 100, len);
        assert_eq!(walk(&buf[..out]).len(), 1);
        // Lengths past the buffer are clamped, not trusted.
        let mut small = vec![0u8; 40];
        assert_eq!(to_linux(&mut small, 13, 1000), 0);
    }
}
