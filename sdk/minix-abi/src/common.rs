//! Calls every server answers.
use crate::errno::{Errno, ENOSYS};
use crate::message::RawRequest;

/// Liveness check: the reply's status is the server's endpoint number.
pub const PING: u64 = 1;

/// Requests common to all servers.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Common {
    Ping,
}

impl Common {
    pub fn decode(r: &RawRequest) -> Result<Common, Errno> {
        match r.call {
            PING => Ok(Common::Ping),
            _ => Err(ENOSYS),
        }
    }
}
