// SPDX-License-Identifier: BSD-2-Clause
//! Calls every server answers, and [`answer`], the one place they are
//! answered: `mxrt::server::serve` calls it for every server that runs
//! that loop, and PM and VM, which run their own loops, call it too.
use crate::endpoint::Endpoint;
use crate::errno::{Errno, ENOSYS};
use crate::message::{RawRequest, Reply};

/// Liveness check: the reply's status is the server's endpoint number.
pub const PING: u64 = 1;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[PING];

/// Requests common to all servers.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Common {
    Ping,
}

impl Common {
    /// PING takes no words, so any length is accepted (MINIX ignores the
    /// unused part of a message); any other call number is `ENOSYS`.
    pub fn decode(r: &RawRequest) -> Result<Common, Errno> {
        match r.call {
            PING => Ok(Common::Ping),
            _ => Err(ENOSYS),
        }
    }

    /// Call number, words and word count.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match self {
            Common::Ping => (PING, [0; 4], 0),
        }
    }
}

/// The reply of server `me` to a call every server answers, or `None` when
/// `req` is not one of those (the server's own call, or an unknown one).
/// The caller has already checked the sender as it checks it for its own
/// calls.
pub fn answer(me: Endpoint, req: &RawRequest) -> Option<Reply> {
    match Common::decode(req) {
        Ok(Common::Ping) => Some(Reply::ok(me.0 as u64)),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_is_the_servers_own_endpoint() {
        use crate::endpoint::{FS, PM, VFS, VM};
        let (call, words, len) = Common::Ping.encode();
        for me in [PM, VM, VFS, FS] {
            // PING takes no words: whatever the caller left in them is ignored.
            for (words, len) in [(words, len), ([u64::MAX; 4], 4), ([7, 0, 0, 0], 1)] {
                assert_eq!(answer(me, &RawRequest { call, words, len }), Some(Reply::ok(me.0 as u64)));
            }
        }
        // Anything else is left to the server, high label bits included.
        for call in [0, 2, 0x101, 0x301, PING | 1 << 20, PING | 1 << 51, u64::MAX] {
            assert_eq!(answer(PM, &RawRequest { call, words: [0; 4], len: 0 }), None, "{call:#x}");
        }
    }

    #[test]
    fn ping_and_high_bits() {
        let (call, words, len) = Common::Ping.encode();
        assert_eq!(Common::decode(&RawRequest { call, words, len }), Ok(Common::Ping));
        for call in [0, 2, PING | 1 << 20, PING | 1 << 32, PING | 1 << 51, u64::MAX] {
            assert_eq!(Common::decode(&RawRequest { call, words: [0; 4], len: 0 }), Err(ENOSYS), "{call:#x}");
        }
    }
}
