// SPDX-License-Identifier: BSD-2-Clause
//! VFS's interface. The POSIX file calls arrive with the file system; for
//! now VFS offers a grant exercise that tests and benchmarks use.
use crate::errno::{Errno, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::word::{at_most, i32_of, u8_of};

pub const BASE: u64 = 0x200;
/// Copy `len` bytes in from the caller's grant, add `delta` to every
/// byte, copy them back out (two safecopies through VM). Reply: status 0
/// or the first copy's errno.
pub const GRANT_EXERCISE: u64 = BASE + 0x70;
/// Time `rounds` safecopies of `len` bytes from the caller's grant, and
/// `rounds` memcpys of the same size inside VFS. Reply: status = copy
/// ticks per round, vals[0] = memcpy ticks per round.
pub const GRANT_BENCH: u64 = BASE + 0x71;

/// Largest buffer the exercise handles.
pub const EXERCISE_MAX: u64 = 64 * 1024;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[GRANT_EXERCISE, GRANT_BENCH];

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    GrantExercise { grant: i32, len: u64, delta: u8 },
    GrantBench { grant: i32, len: u64, rounds: u64 },
}

impl Request {
    /// Decodes a request. Unknown call numbers are `ENOSYS`; too few words
    /// and words out of range are `EINVAL`: a grant id is an `i32` written
    /// as its zero-extended 32-bit pattern (nothing above bit 31), the
    /// exercise's length at most [`EXERCISE_MAX`] and its delta one byte.
    /// GRANT_BENCH's length and rounds are bounded by VFS, which answers
    /// the call only in bench builds.
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        Ok(match r.call {
            GRANT_EXERCISE => {
                need_words(r, 3)?;
                Request::GrantExercise { grant: i32_of(r.words[0])?, len: at_most(r.words[1], EXERCISE_MAX)?, delta: u8_of(r.words[2])? }
            }
            GRANT_BENCH => {
                need_words(r, 3)?;
                Request::GrantBench { grant: i32_of(r.words[0])?, len: r.words[1], rounds: r.words[2] }
            }
            _ => return Err(ENOSYS),
        })
    }

    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            Request::GrantExercise { grant, len, delta } => (GRANT_EXERCISE, [grant as u32 as u64, len, delta as u64, 0], 3),
            Request::GrantBench { grant, len, rounds } => (GRANT_BENCH, [grant as u32 as u64, len, rounds, 0], 3),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip() {
        for r in [Request::GrantExercise { grant: -1, len: 10, delta: 3 }, Request::GrantBench { grant: 5, len: 4096, rounds: 100 }] {
            let (call, words, len) = r.encode();
            assert_eq!(Request::decode(&RawRequest { call, words, len }), Ok(r));
        }
        assert_eq!(Request::decode(&RawRequest { call: GRANT_EXERCISE, words: [0; 4], len: 2 }), Err(crate::errno::EINVAL));
        assert_eq!(Request::decode(&RawRequest { call: BASE, words: [0; 4], len: 0 }), Err(ENOSYS));
    }
    #[test]
    fn words_checked_and_labels_full() {
        use crate::errno::EINVAL;
        let d = |call, words| Request::decode(&RawRequest { call, words, len: 3 });
        // A grant word with high bits was once cut to its low 32.
        assert_eq!(d(GRANT_EXERCISE, [1 << 32 | 3, 10, 1, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_EXERCISE, [u64::MAX, 10, 1, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_EXERCISE, [0xffff_ffff, 10, 1, 0]), Ok(Request::GrantExercise { grant: -1, len: 10, delta: 1 }));
        assert_eq!(d(GRANT_EXERCISE, [3, 10, 0x101, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_EXERCISE, [3, EXERCISE_MAX + 1, 1, 0]), Err(EINVAL));
        assert_eq!(d(GRANT_BENCH, [1 << 32, 10, 1, 0]), Err(EINVAL));
        for call in CALLS {
            assert_eq!(d(call | 1 << 20, [3, 10, 1, 0]), Err(ENOSYS));
            assert_eq!(d(call | 1 << 40, [3, 10, 1, 0]), Err(ENOSYS));
        }
    }
}
