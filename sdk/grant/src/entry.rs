// SPDX-License-Identifier: BSD-2-Clause
//! One grant table entry, as it lies in the granter's memory.
//!
//! The copy engine reads entries out of another process's memory, so the
//! layout is fixed: `#[repr(C)]`, 48 bytes, 8-byte aligned, native byte
//! order, every field a plain integer (every bit pattern is a valid entry).
//!
//! | offset | size | field        | direct  | indirect          | magic        | free        |
//! |--------|------|--------------|---------|-------------------|--------------|-------------|
//! | 0      | 4    | `flags`      | flags   | flags             | flags        | 0           |
//! | 4      | 4    | `seq`        | seq     | seq               | seq          | next seq    |
//! | 8      | 4    | `grantee`    | grantee | grantee           | grantee      | 0           |
//! | 12     | 4    | `who`        | 0       | original granter  | memory owner | 0           |
//! | 16     | 8    | `start`      | start   | 0                 | start        | 0           |
//! | 24     | 8    | `len`        | length  | 0                 | length       | 0           |
//! | 32     | 4    | `orig_id`    | -1      | original grant id | -1           | -1          |
//! | 36     | 4    | `fault_mark` | mark    | mark              | mark         | -1          |
//! | 40     | 4    | `next_free`  | 0       | 0                 | 0            | next free slot |
//! | 44     | 4    | `reserved`   | 0       | 0                 | 0            | 0           |
//!
//! `seq` always holds the slot's current sequence number, so a grant's id
//! is `GrantId::new(slot, entry.seq)`.

use core::mem::{align_of, offset_of, size_of};

use crate::{
    Endpoint, GrantId, CPF_DIRECT, CPF_INDIRECT, CPF_KIND_MASK, CPF_MAGIC, CPF_READ, CPF_TRY, CPF_USED, CPF_VALID, CPF_WRITE, GRANT_INVALID,
};

/// One grant table entry (MINIX `cp_grant_t`).
#[derive(Copy, Clone, PartialEq, Eq, Debug, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct GrantEntry {
    /// `CPF_*` access and internal bits.
    pub flags: u32,
    /// The slot's current sequence number (11 bits).
    pub seq: u32,
    /// Who may use the grant; [`crate::ANY`] for everyone.
    pub grantee: Endpoint,
    /// Indirect: the original granter. Magic: the process whose memory is
    /// granted.
    pub who: Endpoint,
    /// Direct and magic: first granted address.
    pub start: u64,
    /// Direct and magic: number of granted bytes.
    pub len: u64,
    /// Indirect: the original grant's id in the original granter's table.
    pub orig_id: i32,
    /// Written by the copy engine with the grant's own id when a copy
    /// through a TRY grant faults; [`GRANT_INVALID`] otherwise.
    pub fault_mark: i32,
    /// Free entries: the next free slot (the granter's own bookkeeping).
    pub next_free: u32,
    /// Always zero.
    pub reserved: u32,
}

/// Size of an entry in bytes.
pub const ENTRY_SIZE: usize = 48;

const _: () = assert!(size_of::<GrantEntry>() == ENTRY_SIZE);
const _: () = assert!(align_of::<GrantEntry>() == 8);
const _: () = assert!(offset_of!(GrantEntry, flags) == 0);
const _: () = assert!(offset_of!(GrantEntry, seq) == 4);
const _: () = assert!(offset_of!(GrantEntry, grantee) == 8);
const _: () = assert!(offset_of!(GrantEntry, who) == 12);
const _: () = assert!(offset_of!(GrantEntry, start) == 16);
const _: () = assert!(offset_of!(GrantEntry, len) == 24);
const _: () = assert!(offset_of!(GrantEntry, orig_id) == 32);
const _: () = assert!(offset_of!(GrantEntry, fault_mark) == 36);
const _: () = assert!(offset_of!(GrantEntry, next_free) == 40);
const _: () = assert!(offset_of!(GrantEntry, reserved) == 44);

/// What a usable entry grants, decoded from its flags.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum GrantKind {
    /// `len` bytes of the granter's own memory from `start`.
    Direct {
        /// Who may use it.
        grantee: Endpoint,
        /// First address.
        start: u64,
        /// Byte count.
        len: u64,
    },
    /// Passes on the grant `orig_id` of `orig_granter`.
    Indirect {
        /// Who may use it.
        grantee: Endpoint,
        /// The granter of the original grant.
        orig_granter: Endpoint,
        /// The original grant.
        orig_id: GrantId,
    },
    /// `len` bytes of `owner`'s memory from `start` (VFS only).
    Magic {
        /// The process whose memory is granted.
        owner: Endpoint,
        /// Who may use it.
        grantee: Endpoint,
        /// First address.
        start: u64,
        /// Byte count.
        len: u64,
    },
}

impl GrantEntry {
    /// Byte offset of `fault_mark` inside an entry, for a copy engine that
    /// writes the mark through its own mapping of the granter's table.
    pub const FAULT_MARK_OFFSET: usize = offset_of!(GrantEntry, fault_mark);

    /// A free entry at sequence 0.
    pub const FREE: GrantEntry = GrantEntry {
        flags: 0,
        seq: 0,
        grantee: 0,
        who: 0,
        start: 0,
        len: 0,
        orig_id: GRANT_INVALID.0,
        fault_mark: GRANT_INVALID.0,
        next_free: 0,
        reserved: 0,
    };

    /// A usable direct grant (`access` taken as given).
    pub const fn direct(seq: u32, grantee: Endpoint, start: u64, len: u64, access: u32) -> Self {
        GrantEntry { flags: access | CPF_USED | CPF_VALID | CPF_DIRECT, seq, grantee, start, len, ..Self::FREE }
    }

    /// A usable indirect grant (`access` taken as given).
    pub const fn indirect(seq: u32, grantee: Endpoint, orig_granter: Endpoint, orig_id: GrantId, access: u32) -> Self {
        GrantEntry {
            flags: access | CPF_USED | CPF_VALID | CPF_INDIRECT,
            seq,
            grantee,
            who: orig_granter,
            orig_id: orig_id.0,
            ..Self::FREE
        }
    }

    /// A usable magic grant (`access` taken as given).
    pub const fn magic(seq: u32, owner: Endpoint, grantee: Endpoint, start: u64, len: u64, access: u32) -> Self {
        GrantEntry { flags: access | CPF_USED | CPF_VALID | CPF_MAGIC, seq, grantee, who: owner, start, len, ..Self::FREE }
    }

    /// The slot holds a grant (USED is set).
    pub const fn is_used(&self) -> bool {
        self.flags & CPF_USED != 0
    }

    /// The grant may be used: both USED and VALID are set.
    pub const fn is_valid(&self) -> bool {
        self.flags & (CPF_USED | CPF_VALID) == CPF_USED | CPF_VALID
    }

    /// Whether the entry holds TRY.
    pub const fn is_try(&self) -> bool {
        self.flags & CPF_TRY != 0
    }

    /// The READ and WRITE bits of the entry.
    pub const fn access(&self) -> u32 {
        self.flags & (CPF_READ | CPF_WRITE)
    }

    /// Whether a copy through this TRY grant, whose id is `id`, faulted:
    /// the engine wrote `id` into the mark.
    pub const fn faulted(&self, id: GrantId) -> bool {
        self.is_try() && self.fault_mark == id.0
    }

    /// The grant's kind, or `None` unless exactly one kind bit is set.
    pub fn kind(&self) -> Option<GrantKind> {
        match self.flags & CPF_KIND_MASK {
            CPF_DIRECT => Some(GrantKind::Direct { grantee: self.grantee, start: self.start, len: self.len }),
            CPF_INDIRECT => Some(GrantKind::Indirect { grantee: self.grantee, orig_granter: self.who, orig_id: GrantId(self.orig_id) }),
            CPF_MAGIC => Some(GrantKind::Magic { owner: self.who, grantee: self.grantee, start: self.start, len: self.len }),
            _ => None,
        }
    }

    /// The entry's bytes, as they lie in memory.
    pub fn to_bytes(&self) -> [u8; ENTRY_SIZE] {
        let mut b = [0u8; ENTRY_SIZE];
        b[0..4].copy_from_slice(&self.flags.to_ne_bytes());
        b[4..8].copy_from_slice(&self.seq.to_ne_bytes());
        b[8..12].copy_from_slice(&self.grantee.to_ne_bytes());
        b[12..16].copy_from_slice(&self.who.to_ne_bytes());
        b[16..24].copy_from_slice(&self.start.to_ne_bytes());
        b[24..32].copy_from_slice(&self.len.to_ne_bytes());
        b[32..36].copy_from_slice(&self.orig_id.to_ne_bytes());
        b[36..40].copy_from_slice(&self.fault_mark.to_ne_bytes());
        b[40..44].copy_from_slice(&self.next_free.to_ne_bytes());
        b[44..48].copy_from_slice(&self.reserved.to_ne_bytes());
        b
    }

    /// Decodes an entry read out of memory. Total: any bytes give an entry.
    pub fn from_bytes(b: &[u8; ENTRY_SIZE]) -> Self {
        let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u64_at = |o: usize| u64::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]]);
        GrantEntry {
            flags: u32_at(0),
            seq: u32_at(4),
            grantee: u32_at(8),
            who: u32_at(12),
            start: u64_at(16),
            len: u64_at(24),
            orig_id: u32_at(32) as i32,
            fault_mark: u32_at(36) as i32,
            next_free: u32_at(40),
            reserved: u32_at(44),
        }
    }
}

impl Default for GrantEntry {
    fn default() -> Self {
        Self::FREE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let e = GrantEntry {
            fault_mark: 0x1234_5678,
            next_free: 9,
            reserved: 0xdead,
            ..GrantEntry::magic(3, 7, 8, 0x1122_3344_5566_7788, u64::MAX, CPF_READ)
        };
        assert_eq!(GrantEntry::from_bytes(&e.to_bytes()), e);
        let b = e.to_bytes();
        let o = GrantEntry::FAULT_MARK_OFFSET;
        assert_eq!(&b[o..o + 4], &0x1234_5678i32.to_ne_bytes());
        assert_eq!(&b[16..24], &0x1122_3344_5566_7788u64.to_ne_bytes());
    }

    #[test]
    fn kind_needs_exactly_one_kind_bit() {
        let mut e = GrantEntry::direct(0, 1, 2, 3, CPF_READ);
        assert!(matches!(e.kind(), Some(GrantKind::Direct { .. })));
        e.flags |= CPF_MAGIC;
        assert_eq!(e.kind(), None);
        e.flags &= !(CPF_MAGIC | CPF_DIRECT);
        assert_eq!(e.kind(), None);
    }
}
