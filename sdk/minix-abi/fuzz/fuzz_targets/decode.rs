// SPDX-License-Identifier: BSD-2-Clause
//! Every decoder on one raw message built from the input: 8 bytes of tag
//! (full label and length, as `RawRequest::from_tag` reads a received
//! tag), then four words. Checks what `tests/fuzz_decoders.rs` checks:
//! ENOSYS exactly for unknown calls, otherwise a request, EINVAL or one
//! of the answers an interface documents for a malformed word (VFS's
//! EBADF, ENAMETOOLONG and POLL's EFAULT, PM's EXEC's EFAULT and E2BIG),
//! and an accepted request re-encodes to the very words it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minix_abi::common::{self, Common};
use minix_abi::errno::{Errno, E2BIG, EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOSYS};
use minix_abi::message::RawRequest;
use minix_abi::{blk, fs, pm, timer, vfs, vm};

fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    for (j, x) in w.iter_mut().enumerate() {
        *x = b.get(i * 8 + j).copied().unwrap_or(0);
    }
    u64::from_le_bytes(w)
}

fn check<R: PartialEq + core::fmt::Debug>(
    r: &RawRequest,
    calls: &[u64],
    answers: &[Errno],
    decode: impl Fn(&RawRequest) -> Result<R, Errno>,
    encode: impl Fn(&R) -> (u64, [u64; 4], u64),
) {
    match decode(r) {
        Err(e) if !calls.contains(&r.call) => assert_eq!(e, ENOSYS),
        Err(e) => assert!(e == EINVAL || answers.contains(&e), "{:?}: {:?}", r, e),
        Ok(req) => {
            assert!(calls.contains(&r.call));
            let (call, words, len) = encode(&req);
            assert_eq!(call, r.call);
            assert!(len <= r.len && len <= 4);
            assert_eq!(&words[..len as usize], &r.words[..len as usize]);
            assert_eq!(decode(&RawRequest { call, words, len }), Ok(req));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let words = [word(data, 1), word(data, 2), word(data, 3), word(data, 4)];
    let r = RawRequest::from_tag(word(data, 0), words);
    check(&r, common::CALLS, &[], Common::decode, Common::encode);
    let exec = if r.call == pm::EXEC { &[EFAULT, E2BIG][..] } else { &[] };
    check(&r, pm::CALLS, exec, pm::Request::decode, pm::Request::encode);
    check(&r, vm::CALLS, &[], vm::Request::decode, vm::Request::encode);
    let poll = if r.call == vfs::POLL { &[EBADF, ENAMETOOLONG, EFAULT][..] } else { &[EBADF, ENAMETOOLONG] };
    check(&r, vfs::CALLS, poll, vfs::Request::decode, vfs::Request::encode);
    check(&r, fs::CALLS, &[], fs::Request::decode, fs::Request::encode);
    check(&r, blk::CALLS, &[], blk::Request::decode, blk::Request::encode);
    check(&r, timer::CALLS, &[], timer::Request::decode, timer::Request::encode);
});
