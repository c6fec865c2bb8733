// SPDX-License-Identifier: BSD-2-Clause
//! Checked conversions of untrusted message words.
//!
//! A message register is 64 bits, but most arguments are narrower (an exit
//! code, a grant id, a protection mask). A decoder that narrowed with `as`
//! would read `(1 << 32) | PROT_WRITE` as `PROT_WRITE` and hand the
//! caller something it never asked for in a form it was allowed to ask.
//! Every decoder therefore goes through these functions: a word that does
//! not hold exactly a value of the target type is `EINVAL`.

use crate::endpoint::Endpoint;
use crate::errno::{Errno, EINVAL};

/// The word as a `u8`; `EINVAL` if any higher bit is set.
pub fn u8_of(w: u64) -> Result<u8, Errno> {
    u8::try_from(w).map_err(|_| EINVAL)
}

/// The word as a `u32`; `EINVAL` if any bit above 31 is set.
pub fn u32_of(w: u64) -> Result<u32, Errno> {
    u32::try_from(w).map_err(|_| EINVAL)
}

/// An `i32` carried the way our encoders write it: its 32-bit pattern,
/// zero-extended (`x as u32 as u64`). Anything above bit 31 is `EINVAL`,
/// so each `i32` has exactly one accepted word.
pub fn i32_of(w: u64) -> Result<i32, Errno> {
    u32_of(w).map(|v| v as i32)
}

/// An `i32` written sign-extended (`x as i64 as u64`), as a pid is:
/// `EINVAL` unless the word is the sign extension of its low 32 bits.
pub fn i32_sext_of(w: u64) -> Result<i32, Errno> {
    i32::try_from(w as i64).map_err(|_| EINVAL)
}

/// A word that may only hold bits of `mask`; `EINVAL` for any other bit.
pub fn bits_of(w: u64, mask: u64) -> Result<u64, Errno> {
    if w & !mask != 0 {
        Err(EINVAL)
    } else {
        Ok(w)
    }
}

/// A count or length of at most `max`; `EINVAL` above.
pub fn at_most(w: u64, max: u64) -> Result<u64, Errno> {
    if w > max {
        Err(EINVAL)
    } else {
        Ok(w)
    }
}

/// A well-formed process endpoint (27 bits, generation not 0); `EINVAL`
/// for anything else, including a word with bits above 31 that would
/// narrow to a valid endpoint.
pub fn endpoint_of(w: u64) -> Result<Endpoint, Errno> {
    let e = Endpoint(u32_of(w)?);
    if e.is_valid() {
        Ok(e)
    } else {
        Err(EINVAL)
    }
}

/// Packs bytes into `N` words, little-endian, eight to a word; bytes past
/// `8 * N` are left out. Messages carry short data (a small write, a short
/// name) this way.
pub fn pack_bytes<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let mut w = [0u64; N];
    for (i, b) in bytes.iter().take(8 * N).enumerate() {
        w[i / 8] |= (*b as u64) << (8 * (i % 8));
    }
    w
}

/// Unpacks `out.len()` bytes (at most `8 * N`) from words [`pack_bytes`]
/// made.
pub fn unpack_bytes<const N: usize>(words: &[u64; N], out: &mut [u8]) {
    for (i, b) in out.iter_mut().take(8 * N).enumerate() {
        *b = (words[i / 8] >> (8 * (i % 8))) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(u8_of(255), Ok(255));
        assert_eq!(u8_of(256), Err(EINVAL));
        assert_eq!(u32_of(u32::MAX as u64), Ok(u32::MAX));
        assert_eq!(u32_of(1 << 32), Err(EINVAL));
        assert_eq!(u32_of(u64::MAX), Err(EINVAL));
        assert_eq!(i32_of(0xffff_ffff), Ok(-1));
        assert_eq!(i32_of(u64::MAX), Err(EINVAL));
        assert_eq!(i32_sext_of(u64::MAX), Ok(-1));
        assert_eq!(i32_sext_of(0xffff_ffff), Err(EINVAL));
        assert_eq!(i32_sext_of(i32::MIN as i64 as u64), Ok(i32::MIN));
        assert_eq!(i32_sext_of(i32::MAX as u64 + 1), Err(EINVAL));
        assert_eq!(bits_of(3, 7), Ok(3));
        assert_eq!(bits_of((1 << 32) | 3, 7), Err(EINVAL));
        assert_eq!(at_most(64, 64), Ok(64));
        assert_eq!(at_most(65, 64), Err(EINVAL));
        let e = Endpoint::new(5, 2);
        assert_eq!(endpoint_of(e.0 as u64), Ok(e));
        assert_eq!(endpoint_of(e.0 as u64 | 1 << 32), Err(EINVAL));
        assert_eq!(endpoint_of(e.fault_badge()), Err(EINVAL));
        assert_eq!(endpoint_of(5), Err(EINVAL)); // generation 0
    }
}
