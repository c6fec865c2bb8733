//! FS request handling, independent of seL4 and tested on the host.
//! The file calls arrive with the file-system work; today FS answers the
//! calls every server answers and refuses everything else the MINIX way.
#![cfg_attr(not(test), no_std)]

use minix_abi::common::Common;
use minix_abi::endpoint::{Sender, FS};
use minix_abi::errno::EPERM;
use minix_abi::message::{RawRequest, Reply};

/// Handles one request; `None` means "do not answer" (unknown senders).
pub fn dispatch(sender: Sender, req: &RawRequest) -> Option<Reply> {
    match sender {
        Sender::Process(_) => {}
        // Faults never come here; unbadged or forged badges get EPERM.
        _ => return Some(Reply::err(EPERM)),
    }
    Some(match Common::decode(req) {
        Ok(Common::Ping) => Reply::ok(FS.0 as u64),
        Err(e) => Reply::err(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::endpoint::INIT;
    use minix_abi::errno::ENOSYS;
    #[test]
    fn ping_unknown_and_forged() {
        let ping = RawRequest { call: minix_abi::common::PING, words: [0; 4], len: 0 };
        assert_eq!(dispatch(Sender::Process(INIT), &ping), Some(Reply::ok(FS.0 as u64)));
        let junk = RawRequest { call: 0xfffff, words: [u64::MAX; 4], len: 127 };
        assert_eq!(dispatch(Sender::Process(INIT), &junk), Some(Reply::err(ENOSYS)));
        assert_eq!(dispatch(Sender::Unknown(99), &ping), Some(Reply::err(EPERM)));
    }
}
