// SPDX-License-Identifier: BSD-2-Clause
//! File positions and byte counts as they cross a protocol.
//!
//! POSIX's `off_t` and `ssize_t` are signed 64-bit: a position, a size or a
//! count is never negative. A message word is unsigned, so a user's `-1`
//! arrives as `u64::MAX`, which once was the FS protocol's "append"
//! position: `pwrite(fd, buf, n, -1)` appended. Every such word is therefore
//! checked once, where a request is decoded, into a type that cannot hold a
//! negative value: [`Offset`] for positions and sizes, [`count_of`] for
//! byte counts. A position past what the request may reach (offset plus
//! count beyond `i64::MAX`) is `EINVAL` too, as Linux's `rw_verify_area`
//! answers. The append position of the VFS→FS protocol is its own variant
//! ([`WritePos::Append`]), whose word no [`Offset`] can ever be, so no user
//! can forge it.

use crate::errno::{Errno, EINVAL};

/// Largest position, size or count: `i64::MAX`, the largest `off_t`.
pub const OFF_MAX: u64 = i64::MAX as u64;

/// A file position or size: `0..=OFF_MAX`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub struct Offset(u64);

impl Offset {
    pub const ZERO: Offset = Offset(0);
    pub const MAX: Offset = Offset(OFF_MAX);

    /// A word as a position: `EINVAL` when it would be negative as an
    /// `off_t` (above [`OFF_MAX`]).
    pub const fn new(w: u64) -> Result<Offset, Errno> {
        if w > OFF_MAX {
            Err(EINVAL)
        } else {
            Ok(Offset(w))
        }
    }

    /// A position read from a signed value: `EINVAL` when negative.
    pub fn from_i64(v: i64) -> Result<Offset, Errno> {
        u64::try_from(v).map(Offset).map_err(|_| EINVAL)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// The position `count` bytes on, which a transfer from here would
    /// reach: `EINVAL` past [`OFF_MAX`] (Linux's answer when `pos + count`
    /// overflows `loff_t`).
    pub fn plus(self, count: u64) -> Result<Offset, Errno> {
        self.0.checked_add(count).map_or(Err(EINVAL), Offset::new)
    }
}

/// A byte count: `EINVAL` when it would be negative as an `ssize_t`.
pub fn count_of(w: u64) -> Result<u64, Errno> {
    if w > OFF_MAX {
        Err(EINVAL)
    } else {
        Ok(w)
    }
}

/// Where a write goes: at a position, or at the file's end (`O_APPEND`),
/// found by the file system at the time of the write.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum WritePos {
    At(Offset),
    Append,
}

/// The append position's word: above [`OFF_MAX`], so never an [`Offset`].
pub const APPEND_WORD: u64 = u64::MAX;

impl WritePos {
    /// [`APPEND_WORD`] is [`WritePos::Append`], a word up to [`OFF_MAX`] a
    /// position, anything else `EINVAL`.
    pub const fn decode(w: u64) -> Result<WritePos, Errno> {
        if w == APPEND_WORD {
            return Ok(WritePos::Append);
        }
        match Offset::new(w) {
            Ok(o) => Ok(WritePos::At(o)),
            Err(e) => Err(e),
        }
    }

    pub const fn word(self) -> u64 {
        match self {
            WritePos::At(o) => o.get(),
            WritePos::Append => APPEND_WORD,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_words_are_einval() {
        assert_eq!(Offset::new(0), Ok(Offset::ZERO));
        assert_eq!(Offset::new(OFF_MAX), Ok(Offset::MAX));
        for v in [-1i64, -2, i64::MIN, -4096] {
            assert_eq!(Offset::new(v as u64), Err(EINVAL), "{v}");
            assert_eq!(Offset::from_i64(v), Err(EINVAL), "{v}");
            assert_eq!(count_of(v as u64), Err(EINVAL), "{v}");
        }
        assert_eq!(Offset::from_i64(7).map(Offset::get), Ok(7));
        assert_eq!(count_of(OFF_MAX), Ok(OFF_MAX));
    }

    #[test]
    fn reach_past_off_max_is_einval() {
        assert_eq!(Offset::new(10).unwrap().plus(5), Offset::new(15));
        assert_eq!(Offset::MAX.plus(0), Ok(Offset::MAX));
        assert_eq!(Offset::MAX.plus(1), Err(EINVAL));
        assert_eq!(Offset::new(OFF_MAX - 3).unwrap().plus(4), Err(EINVAL));
        assert_eq!(Offset::new(1).unwrap().plus(u64::MAX), Err(EINVAL));
    }

    #[test]
    fn only_the_append_word_appends() {
        assert_eq!(WritePos::decode(APPEND_WORD), Ok(WritePos::Append));
        assert_eq!(WritePos::decode(u64::MAX - 1), Err(EINVAL));
        assert_eq!(WritePos::decode(OFF_MAX + 1), Err(EINVAL));
        assert_eq!(WritePos::decode(5), Ok(WritePos::At(Offset::new(5).unwrap())));
        for p in [WritePos::Append, WritePos::At(Offset::ZERO), WritePos::At(Offset::MAX)] {
            assert_eq!(WritePos::decode(p.word()), Ok(p));
        }
    }
}
