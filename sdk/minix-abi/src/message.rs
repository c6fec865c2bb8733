//! A MINIX message is one seL4 message: the label is the call number and
//! up to four words ride in message registers MR0-MR3, so every hot call
//! takes the kernel's fastpath. A reply has label 0; MR0 is the status
//! (a non-negative result or a negated errno) and MR1-MR3 carry values.
use crate::errno::{Errno, EINVAL};

/// Number of message registers a MINIX message uses.
pub const MSG_WORDS: usize = 4;

/// A request as it arrives: call number and words.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct RawRequest {
    pub call: u64,
    pub words: [u64; MSG_WORDS],
    /// Number of words the sender claims to have sent.
    pub len: u64,
}

/// A reply: status plus up to three values.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Reply {
    pub status: i64,
    pub vals: [u64; 3],
}

impl Reply {
    pub const fn ok(value: u64) -> Reply {
        Reply { status: value as i64, vals: [0; 3] }
    }
    pub const fn ok_with(value: u64, vals: [u64; 3]) -> Reply {
        Reply { status: value as i64, vals }
    }
    pub const fn err(e: Errno) -> Reply {
        Reply { status: e.wire(), vals: [0; 3] }
    }
    pub fn from_result(r: Result<u64, Errno>) -> Reply {
        match r {
            Ok(v) => Reply::ok(v),
            Err(e) => Reply::err(e),
        }
    }
    pub fn to_words(self) -> [u64; MSG_WORDS] {
        [self.status as u64, self.vals[0], self.vals[1], self.vals[2]]
    }
    pub fn from_words(w: [u64; MSG_WORDS]) -> Reply {
        Reply { status: w[0] as i64, vals: [w[1], w[2], w[3]] }
    }
    /// The status as a result.
    pub fn result(&self) -> Result<u64, Errno> {
        Errno::from_wire(self.status)
    }
}

/// Checks that a request carries at least `n` words.
pub fn need_words(r: &RawRequest, n: u64) -> Result<(), Errno> {
    if r.len < n || r.len > MSG_WORDS as u64 {
        Err(EINVAL)
    } else {
        Ok(())
    }
}
