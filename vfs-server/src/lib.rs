// SPDX-License-Identifier: BSD-2-Clause
//! VFS's request handling, independent of seL4 and tested on the host.
//! The POSIX file calls arrive with the file-system work; today VFS answers
//! a grant exercise used by the tests and benchmarks, and refuses
//! everything else the MINIX way. The calls every server answers (PING)
//! never reach it: the runtime's server loop answers them.
#![cfg_attr(not(test), no_std)]

use minix_abi::endpoint::{Endpoint, Sender};
use minix_abi::errno::{Errno, EINVAL, ENOSYS, EPERM};
use minix_abi::message::RawRequest;
use minix_abi::vfs::{self, Request, EXERCISE_MAX};

/// Most rounds one GRANT_BENCH call may time (bounds how long it holds
/// VFS and VM).
pub const BENCH_MAX_ROUNDS: u64 = 1000;

/// What the glue must do for a request.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Op {
    /// Copy in from `caller`'s grant, add `delta` to each byte, copy out.
    Exercise { caller: Endpoint, grant: i32, len: u64, delta: u8 },
    /// Time `rounds` safecopies and memcpys of `len` bytes.
    Bench { caller: Endpoint, grant: i32, len: u64, rounds: u64 },
}

/// Decodes a request. Unknown calls give ENOSYS, malformed ones EINVAL,
/// forged or missing identities EPERM.
pub fn decode(sender: Sender, req: &RawRequest) -> Result<Op, Errno> {
    let Sender::Process(caller) = sender else { return Err(EPERM) };
    match vfs::Request::decode(req)? {
        Request::GrantExercise { grant, len, delta } => {
            if len > EXERCISE_MAX {
                return Err(EINVAL);
            }
            Ok(Op::Exercise { caller, grant, len, delta })
        }
        // A benchmark call holds VFS and VM for its whole run: only bench
        // builds answer it, and never for long.
        Request::GrantBench { .. } if !cfg!(feature = "bench") => Err(ENOSYS),
        Request::GrantBench { grant, len, rounds } => {
            if len > EXERCISE_MAX || rounds == 0 || rounds > BENCH_MAX_ROUNDS {
                return Err(EINVAL);
            }
            Ok(Op::Bench { caller, grant, len, rounds })
        }
    }
}

/// Adds `delta` to every byte (the exercise's transformation).
pub fn transform(buf: &mut [u8], delta: u8) {
    for b in buf {
        *b = b.wrapping_add(delta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::endpoint::INIT;

    #[test]
    fn unknown_and_forged() {
        let ping = RawRequest { call: minix_abi::common::PING, words: [0; 4], len: 0 };
        let junk = RawRequest { call: 0xfffff, words: [u64::MAX; 4], len: 127 };
        assert_eq!(decode(Sender::Process(INIT), &junk), Err(ENOSYS));
        assert_eq!(decode(Sender::Unknown(99), &ping), Err(EPERM));
        assert_eq!(decode(Sender::Fault(INIT), &ping), Err(EPERM));
    }

    #[test]
    fn exercise_bounds() {
        let (call, words, len) = Request::GrantExercise { grant: 3, len: EXERCISE_MAX + 1, delta: 1 }.encode();
        assert_eq!(decode(Sender::Process(INIT), &RawRequest { call, words, len }), Err(EINVAL));
        let (call, words, len) = Request::GrantExercise { grant: 3, len: 10, delta: 1 }.encode();
        assert_eq!(
            decode(Sender::Process(INIT), &RawRequest { call, words, len }),
            Ok(Op::Exercise { caller: INIT, grant: 3, len: 10, delta: 1 })
        );
        let (call, words, len) = Request::GrantBench { grant: 3, len: 10, rounds: 0 }.encode();
        let want = if cfg!(feature = "bench") { EINVAL } else { ENOSYS };
        assert_eq!(decode(Sender::Process(INIT), &RawRequest { call, words, len }), Err(want));
        let mut b = [1u8, 255];
        transform(&mut b, 2);
        assert_eq!(b, [3, 1]);
    }
}
