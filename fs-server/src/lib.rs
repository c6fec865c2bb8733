// SPDX-License-Identifier: BSD-2-Clause
//! FS request handling, independent of seL4 and tested on the host.
//! The file calls arrive with the file-system work; today FS has no call
//! of its own and refuses everything the MINIX way. The calls every server
//! answers (PING) never reach it: the runtime's server loop answers them.
#![cfg_attr(not(test), no_std)]

use minix_abi::endpoint::Sender;
use minix_abi::errno::{ENOSYS, EPERM};
use minix_abi::message::{RawRequest, Reply};

/// Handles one request; always answers.
pub fn dispatch(sender: Sender, _req: &RawRequest) -> Option<Reply> {
    Some(match sender {
        Sender::Process(_) => Reply::err(ENOSYS),
        // Faults never come here; unbadged or forged badges get EPERM.
        _ => Reply::err(EPERM),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::endpoint::INIT;
    #[test]
    fn unknown_and_forged() {
        let ping = RawRequest { call: minix_abi::common::PING, words: [0; 4], len: 0 };
        let junk = RawRequest { call: 0xfffff, words: [u64::MAX; 4], len: 127 };
        assert_eq!(dispatch(Sender::Process(INIT), &junk), Some(Reply::err(ENOSYS)));
        assert_eq!(dispatch(Sender::Unknown(99), &ping), Some(Reply::err(EPERM)));
    }
}
