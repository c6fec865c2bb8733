// SPDX-License-Identifier: BSD-2-Clause
//! Sending a MINIX message to a server and waiting for the reply.
use minix_abi::message::Reply;
use sel4::{CPtr, MessageInfo};

/// Calls the server whose send cap is in `slot` (a [`minix_abi::cspace`]
/// slot) with call number `call` and `len` words.
#[inline]
pub fn sendrec(slot: u64, call: u64, words: [u64; 4], len: u64) -> Reply {
    let r = sel4::call(CPtr(slot), MessageInfo::new(call, 0, 0, len), words);
    if r.info.label() != 0 {
        // Not a MINIX reply (the kernel answered an invalid cap, say).
        return Reply::err(minix_abi::errno::EIO);
    }
    Reply::from_received(r.mrs, r.info.length())
}

/// Sends without waiting for a reply (used for exit).
pub fn send(slot: u64, call: u64, words: [u64; 4], len: u64) {
    sel4::send(CPtr(slot), MessageInfo::new(call, 0, 0, len), words);
}
