//! VFS's interface. The POSIX file calls arrive with the file system; for
//! now VFS offers a grant exercise that tests and benchmarks use.
use crate::errno::{Errno, ENOSYS};
use crate::message::{need_words, RawRequest};

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

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    GrantExercise { grant: i32, len: u64, delta: u8 },
    GrantBench { grant: i32, len: u64, rounds: u64 },
}

impl Request {
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        Ok(match r.call {
            GRANT_EXERCISE => {
                need_words(r, 3)?;
                Request::GrantExercise { grant: r.words[0] as i32, len: r.words[1], delta: r.words[2] as u8 }
            }
            GRANT_BENCH => {
                need_words(r, 3)?;
                Request::GrantBench { grant: r.words[0] as i32, len: r.words[1], rounds: r.words[2] }
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
}
