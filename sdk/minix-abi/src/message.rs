// SPDX-License-Identifier: BSD-2-Clause
//! A MINIX message is one seL4 message: the label is the call number and
//! up to four words ride in message registers MR0-MR3, so every hot call
//! takes the kernel's fastpath. A reply has label 0; MR0 is the status
//! (a non-negative result or a negated errno) and MR1-MR3 carry values.
//!
//! The call number is the *whole* label: every bit of the tag word above
//! the length and cap fields. seL4 5.0's fastpath passes the sender's tag
//! word through unchanged, bits 32-63 included, so a server that kept
//! only the kernel's 20 label bits would answer `0x100101` as if it were
//! `0x101` (GETPID). [`RawRequest::from_tag`] keeps them all, and every
//! decoder matches the call number exactly: anything else is `ENOSYS`.
use crate::errno::{Errno, EINVAL};

/// Number of message registers a MINIX message uses.
pub const MSG_WORDS: usize = 4;

/// Where the label starts in a seL4 message tag (above length, extra caps
/// and caps unwrapped: 7 + 2 + 3 bits).
pub const LABEL_SHIFT: u32 = 12;
/// The length field of a seL4 message tag.
pub const LENGTH_MASK: u64 = 0x7f;

/// A request as it arrives: call number and words.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct RawRequest {
    /// The full label (see the module notes).
    pub call: u64,
    pub words: [u64; MSG_WORDS],
    /// Number of words the sender claims to have sent.
    pub len: u64,
}

impl RawRequest {
    /// A request from a received seL4 tag word and the first message
    /// registers: the call number is every bit above the cap fields, the
    /// length the tag's 7-bit length field.
    pub const fn from_tag(tag: u64, words: [u64; MSG_WORDS]) -> RawRequest {
        RawRequest { call: tag >> LABEL_SHIFT, words, len: tag & LENGTH_MASK }
    }

    /// The tag word a sender writes for `call` with `len` words and no
    /// caps (the inverse of [`RawRequest::from_tag`] for labels below
    /// 2^52 and lengths below 128).
    pub const fn tag(call: u64, len: u64) -> u64 {
        (call << LABEL_SHIFT) | (len & LENGTH_MASK)
    }
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
    /// How many words the reply needs: the status and the values up to the
    /// last non-zero one. Fewer words make a cheaper kernel transfer; the
    /// receiver reads the words not sent as zero ([`Reply::from_received`]).
    /// Never 0: a reply always carries its status, so there is no
    /// `is_empty`.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u64 {
        match self.vals {
            [0, 0, 0] => 1,
            [_, 0, 0] => 2,
            [_, _, 0] => 3,
            _ => 4,
        }
    }
    /// A reply from the first `len` received words; registers past the
    /// message length hold stale values and count as zero.
    pub fn from_received(mut w: [u64; MSG_WORDS], len: u64) -> Reply {
        for (i, x) in w.iter_mut().enumerate() {
            if i as u64 >= len {
                *x = 0;
            }
        }
        Reply::from_words(w)
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

#[cfg(test)]
mod reply_len_tests {
    use super::*;

    #[test]
    fn short_replies_round_trip() {
        for vals in [[0, 0, 0], [5, 0, 0], [0, 7, 0], [1, 2, 3], [0, 0, 9]] {
            let r = Reply::ok_with(3, vals);
            let mut w = r.to_words();
            // Stale registers past the length must not leak in.
            for x in w.iter_mut().skip(r.len() as usize) {
                *x = 0xdead;
            }
            assert_eq!(Reply::from_received(w, r.len()), r);
        }
        assert_eq!(Reply::err(crate::errno::EINVAL).len(), 1);
    }

    #[test]
    fn labels_keep_every_bit() {
        // F4: the probe's 0x100101 must not become GETPID (0x101).
        let r = RawRequest::from_tag(RawRequest::tag(0x10_0101, 0), [0; 4]);
        assert_eq!((r.call, r.len), (0x10_0101, 0));
        let r = RawRequest::from_tag(u64::MAX, [0; 4]);
        assert_eq!((r.call, r.len), (u64::MAX >> LABEL_SHIFT, 127));
        // Cap fields never leak into the label or the length.
        let r = RawRequest::from_tag(RawRequest::tag(0x101, 3) | 0b1_1111 << 7, [0; 4]);
        assert_eq!((r.call, r.len), (0x101, 3));
    }
}
