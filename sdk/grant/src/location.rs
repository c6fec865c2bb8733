// SPDX-License-Identifier: BSD-2-Clause
//! Where a registered grant table lies in the granter's memory, and where
//! the copy engine writes an entry's fault mark.
//!
//! The copy engine reads entries and writes fault marks through its own
//! mapping of the granter's pages, one page at a time, and the page after
//! one in its window may belong to another process. A mark that straddled
//! a page end would put bytes into that other page (issue 9, attack 3: a
//! table based 2 bytes before a page end). So a table's base is checked
//! once, when it is registered ([`TableBase::new`]): aligned to the
//! entry's own alignment, 8 bytes. Every entry is then 8-aligned (48 is a
//! multiple of 8), the mark sits at offset 36 of its entry, so it occupies
//! bytes 4..8 of one aligned 8-byte block, and no page (a multiple of 8
//! bytes) boundary can fall inside it. The constants below are checked at
//! compile time; [`fault_mark_location`] checks each mark again anyway,
//! because the cost is nil and the page after belongs to someone else.

use core::mem::{align_of, size_of};

use minix_abi::errno::{Errno, EINVAL};
use minix_abi::vm::{check_grant_table, GRANT_ENTRY_SIZE, GRANT_TABLE_ALIGN, GRANT_TABLE_MAX_ENTRIES};

use crate::verify::FaultMark;
use crate::{GrantEntry, ENTRY_SIZE, MAX_SLOTS};

/// Bytes of a fault mark (an `i32` grant id).
pub const MARK_LEN: usize = size_of::<i32>();

// The wire constants the decoder checks are the entry's real layout.
const _: () = assert!(GRANT_ENTRY_SIZE as usize == ENTRY_SIZE);
const _: () = assert!(GRANT_TABLE_ALIGN as usize == align_of::<GrantEntry>());
const _: () = assert!(GRANT_TABLE_MAX_ENTRIES as usize == MAX_SLOTS);
// With an aligned base every entry is aligned, and the mark fits inside
// one aligned block, hence inside one page of any size that is a multiple
// of the alignment.
const _: () = assert!(ENTRY_SIZE.is_multiple_of(GRANT_TABLE_ALIGN as usize));
const _: () = assert!(GrantEntry::FAULT_MARK_OFFSET % GRANT_TABLE_ALIGN as usize + MARK_LEN <= GRANT_TABLE_ALIGN as usize);

/// A grant table's place, validated once at registration: base aligned to
/// [`GRANT_TABLE_ALIGN`], at most [`MAX_SLOTS`] entries, end representable.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct TableBase {
    base: u64,
    entries: u32,
}

/// Where a fault mark lies: `len` bytes from `addr`, in the granter's
/// address space.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct MarkLocation {
    /// First byte of the mark.
    pub addr: u64,
    /// Its length ([`MARK_LEN`]).
    pub len: usize,
}

impl MarkLocation {
    /// Whether the mark lies inside one page of `page_size` bytes.
    pub fn within_page(&self, page_size: u64) -> bool {
        if page_size == 0 {
            return false;
        }
        let off = self.addr % page_size;
        off.checked_add(self.len as u64).is_some_and(|end| end <= page_size)
    }
}

impl TableBase {
    /// Validates a registration (the words of GRANT_TABLE): `EINVAL` for a
    /// misaligned base, too many entries, or a table that would wrap the
    /// address space. An empty table (which unregisters) is valid.
    pub fn new(base: u64, entries: u64) -> Result<TableBase, Errno> {
        check_grant_table(base, entries)?;
        let entries = u32::try_from(entries).map_err(|_| EINVAL)?;
        Ok(TableBase { base, entries })
    }

    /// Address of slot 0.
    pub const fn base(&self) -> u64 {
        self.base
    }

    /// Number of entries.
    pub const fn entries(&self) -> u64 {
        self.entries as u64
    }

    /// Size of the table in bytes.
    pub const fn bytes(&self) -> u64 {
        // entries <= 2^20: no overflow.
        self.entries as u64 * ENTRY_SIZE as u64
    }

    /// Address of entry `slot`, `None` past the table.
    pub fn entry_addr(&self, slot: u32) -> Option<u64> {
        if slot >= self.entries {
            return None;
        }
        // Inside the table, whose end was checked to be representable.
        self.base.checked_add(slot as u64 * ENTRY_SIZE as u64)
    }

    /// Where entry `slot`'s fault mark lies; `None` past the table.
    pub fn mark_location(&self, slot: u32) -> Option<MarkLocation> {
        let addr = self.entry_addr(slot)?.checked_add(GrantEntry::FAULT_MARK_OFFSET as u64)?;
        let loc = MarkLocation { addr, len: MARK_LEN };
        // Holds by construction (see the compile-time checks); refusing
        // rather than trusting keeps a write out of the next page even if
        // the layout ever changed.
        loc.within_page(GRANT_TABLE_ALIGN).then_some(loc)
    }
}

/// Where the copy engine writes `mark` (from [`crate::Verified::fault_mark`])
/// in a granter whose table is `table`: the address and length of the
/// 4 bytes, which never straddle a page. `None` when the mark's slot is
/// past the table (the granter shrank or moved its table meanwhile): then
/// nothing is written.
pub fn fault_mark_location(table: &TableBase, mark: &FaultMark) -> Option<MarkLocation> {
    let loc = table.mark_location(mark.slot)?;
    // The verifier's offset and this address must agree.
    (loc.addr.checked_sub(table.base())? == mark.table_offset as u64).then_some(loc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_checks() {
        assert_eq!(TableBase::new(0x4000_0000 + 4094, 4), Err(EINVAL));
        assert_eq!(TableBase::new(0x1004, 1), Err(EINVAL));
        assert_eq!(TableBase::new(0x1000, MAX_SLOTS as u64 + 1), Err(EINVAL));
        assert_eq!(TableBase::new(u64::MAX - 7, 1), Err(EINVAL));
        let t = TableBase::new(0x1008, 3).unwrap();
        assert_eq!((t.base(), t.entries(), t.bytes()), (0x1008, 3, 144));
        assert_eq!(t.entry_addr(2), Some(0x1008 + 96));
        assert_eq!(t.entry_addr(3), None);
        assert_eq!(t.mark_location(1), Some(MarkLocation { addr: 0x1008 + 48 + 36, len: 4 }));
        assert_eq!(t.mark_location(3), None);
        let empty = TableBase::new(0, 0).unwrap();
        assert_eq!(empty.mark_location(0), None);
    }

    #[test]
    fn the_attack_base_is_refused_and_the_nearest_aligned_ones_stay_in_the_page() {
        // Attack 3 put the mark 2 bytes before a page end.
        for base in (0x4000_0000u64 - 64..0x4000_0000 + 64).filter(|b| b % 8 == 0) {
            let t = TableBase::new(base, 200).unwrap();
            for slot in 0..200 {
                assert!(t.mark_location(slot).unwrap().within_page(4096));
            }
        }
    }

    #[test]
    fn within_page_edges() {
        assert!(MarkLocation { addr: 4092, len: 4 }.within_page(4096));
        assert!(!MarkLocation { addr: 4094, len: 4 }.within_page(4096));
        assert!(!MarkLocation { addr: u64::MAX, len: 4 }.within_page(4096));
        assert!(!MarkLocation { addr: 0, len: 4 }.within_page(0));
    }
}
