// SPDX-License-Identifier: BSD-2-Clause
//! Calls every server answers.
use crate::errno::{Errno, ENOSYS};
use crate::message::RawRequest;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_and_high_bits() {
        let (call, words, len) = Common::Ping.encode();
        assert_eq!(Common::decode(&RawRequest { call, words, len }), Ok(Common::Ping));
        for call in [0, 2, PING | 1 << 20, PING | 1 << 32, PING | 1 << 51, u64::MAX] {
            assert_eq!(Common::decode(&RawRequest { call, words: [0; 4], len: 0 }), Err(ENOSYS), "{call:#x}");
        }
    }
}
