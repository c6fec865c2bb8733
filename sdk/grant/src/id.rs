// SPDX-License-Identifier: BSD-2-Clause
//! Grant ids: `(seq << 20) | slot`, a 20-bit slot and an 11-bit sequence
//! number, so every id of a real grant is a non-negative `i32`; -1
//! ([`GRANT_INVALID`]) and every other negative value name no grant.

use minix_abi::errno::{Errno, EINVAL};

use crate::{SEQ_BITS, SLOT_BITS};

/// A grant id as it travels in messages (MINIX `cp_grant_id_t`).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct GrantId(pub i32);

/// The id that names no grant.
pub const GRANT_INVALID: GrantId = GrantId(-1);

impl GrantId {
    /// Mask of the slot part of an id.
    pub const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
    /// Mask of a sequence number (after shifting it down).
    pub const SEQ_MASK: u32 = (1 << SEQ_BITS) - 1;

    /// The id of `slot` at sequence `seq`. Bits of either beyond their
    /// width are dropped, so the result is never negative.
    pub const fn new(slot: u32, seq: u32) -> GrantId {
        GrantId((((seq & Self::SEQ_MASK) << SLOT_BITS) | (slot & Self::SLOT_MASK)) as i32)
    }

    /// The id of `slot` at sequence `seq`, refusing (EINVAL) a slot or a
    /// sequence number wider than its field instead of dropping bits.
    pub const fn try_new(slot: u32, seq: u32) -> Result<GrantId, Errno> {
        if slot & !Self::SLOT_MASK != 0 || seq & !Self::SEQ_MASK != 0 {
            Err(EINVAL)
        } else {
            Ok(Self::new(slot, seq))
        }
    }

    /// Whether the id can name a grant at all (it is not negative).
    pub const fn is_valid(self) -> bool {
        self.0 >= 0
    }

    /// The slot part; meaningful only for a valid id.
    pub const fn slot(self) -> u32 {
        (self.0 as u32) & Self::SLOT_MASK
    }

    /// The sequence part; meaningful only for a valid id.
    pub const fn seq(self) -> u32 {
        ((self.0 as u32) >> SLOT_BITS) & Self::SEQ_MASK
    }

    /// The sequence number that follows `seq`, wrapping within 11 bits.
    pub const fn next_seq(seq: u32) -> u32 {
        seq.wrapping_add(1) & Self::SEQ_MASK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_never_negative() {
        for (slot, seq) in [(0, 0), (1, 0), (0xFFFFF, 0x7FF), (12345, 77)] {
            let id = GrantId::new(slot, seq);
            assert!(id.is_valid());
            assert_eq!((id.slot(), id.seq()), (slot, seq));
        }
        assert_eq!(GrantId::new(0xFFFFF, 0x7FF), GrantId(0x7FFF_FFFF));
        assert_eq!(GrantId::new(u32::MAX, u32::MAX), GrantId(0x7FFF_FFFF));
        assert!(!GRANT_INVALID.is_valid());
        assert!(!GrantId(i32::MIN).is_valid());
        assert_eq!(GrantId::next_seq(0x7FF), 0);
        assert_eq!(GrantId::next_seq(5), 6);
        assert_eq!(GrantId::try_new(0xFFFFF, 0x7FF), Ok(GrantId(0x7FFF_FFFF)));
        assert_eq!(GrantId::try_new(1 << 20, 0), Err(EINVAL));
        assert_eq!(GrantId::try_new(0, 1 << 11), Err(EINVAL));
    }
}
