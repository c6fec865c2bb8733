// SPDX-License-Identifier: BSD-2-Clause
//! The granter's side: its own grant table (MINIX `libsys/safecopies.c`).
//!
//! * Creating a grant with access bits other than READ, WRITE and TRY gives
//!   EINVAL; nothing else about the grant is checked at creation (as in
//!   MINIX: the copy engine checks everything when the grant is used).
//! * The table grows on demand (doubling, from 16 slots) up to its maximum,
//!   2^20 slots unless set lower; a full table gives ENOSPC.
//! * Revoking bumps the slot's 11-bit sequence number, so a stale id never
//!   matches the reused slot; revoking a bad or stale id gives EINVAL.
//! * Free slots are reused oldest first (a FIFO list threaded through the
//!   free entries), which spreads reuse over the table and makes it take
//!   as long as possible for a slot's sequence number to wrap.
//!
//! Entries are written with the flags last on creation and first on
//! revocation, behind a release fence, because the copy engine may read
//! the table at any time through its own mapping.

use core::sync::atomic::{fence, Ordering};

use minix_abi::errno::{Errno, EINVAL, ENOSPC};

use crate::entry::ENTRY_SIZE;
use crate::verify::GrantTableView;
use crate::{Endpoint, GrantEntry, GrantId, GrantStorage, CPF_ACCESS_MASK, MAX_SLOTS};

/// End of the free list.
const NIL: u32 = u32::MAX;

/// Slots of a table's first growth.
pub const INITIAL_SLOTS: usize = 16;

/// Where the table lies, for registering it with the copy engine.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Registration {
    /// Address of slot 0 in the granter's address space.
    pub base: usize,
    /// Number of slots.
    pub entries: usize,
}

impl Registration {
    /// Size of the table in bytes.
    pub const fn bytes(&self) -> usize {
        self.entries.saturating_mul(ENTRY_SIZE)
    }
}

/// A granter's grant table.
#[derive(Debug)]
pub struct GrantTable<S: GrantStorage> {
    storage: S,
    max_slots: usize,
    free_head: u32,
    free_tail: u32,
    live: usize,
}

impl<S: GrantStorage> GrantTable<S> {
    /// A table that may grow to [`MAX_SLOTS`].
    pub fn new(storage: S) -> Self {
        Self::with_max_slots(storage, MAX_SLOTS)
    }

    /// A table that may grow to `max_slots` (at most [`MAX_SLOTS`]).
    /// Entries already in `storage` are kept: used ones stay live, the
    /// others become free. Slots at or past the maximum are never used.
    pub fn with_max_slots(storage: S, max_slots: usize) -> Self {
        let mut t = GrantTable { storage, max_slots: max_slots.min(MAX_SLOTS), free_head: NIL, free_tail: NIL, live: 0 };
        t.rebuild();
        t
    }

    /// Most slots this table may have.
    pub fn max_slots(&self) -> usize {
        self.max_slots
    }

    /// Number of slots the table has now.
    pub fn len(&self) -> usize {
        self.storage.entries().len()
    }

    /// Whether the table has no slots yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of live grants.
    pub fn live(&self) -> usize {
        self.live
    }

    /// The entries, as the copy engine sees them.
    pub fn entries(&self) -> &[GrantEntry] {
        self.storage.entries()
    }

    /// Where the table lies now. Creating a grant may grow the table and,
    /// with a heap store, move it: compare before and after, and register
    /// again when it changed.
    pub fn registration(&self) -> Registration {
        let e = self.storage.entries();
        Registration { base: e.as_ptr() as usize, entries: e.len() }
    }

    /// Grants `grantee` (or [`crate::ANY`]) `access` to `len` bytes of
    /// this process's memory from `addr` (MINIX `cpf_grant_direct`).
    pub fn grant_direct(&mut self, grantee: Endpoint, addr: u64, len: u64, access: u32) -> Result<GrantId, Errno> {
        check_access(access)?;
        self.insert(|seq| GrantEntry::direct(seq, grantee, addr, len, access))
    }

    /// Passes on grant `orig_id` of `orig_granter` to `grantee`, limited to
    /// `access` (MINIX `cpf_grant_indirect`).
    pub fn grant_indirect(&mut self, grantee: Endpoint, orig_granter: Endpoint, orig_id: GrantId, access: u32) -> Result<GrantId, Errno> {
        check_access(access)?;
        self.insert(|seq| GrantEntry::indirect(seq, grantee, orig_granter, orig_id, access))
    }

    /// Grants `grantee` `access` to `len` bytes of `who_memory`'s memory
    /// from `addr` (MINIX `cpf_grant_magic`). Anyone may create one; only
    /// VFS's are honoured by the copy engine.
    pub fn grant_magic(&mut self, who_memory: Endpoint, grantee: Endpoint, addr: u64, len: u64, access: u32) -> Result<GrantId, Errno> {
        check_access(access)?;
        self.insert(|seq| GrantEntry::magic(seq, who_memory, grantee, addr, len, access))
    }

    /// Revokes `id` (MINIX `cpf_revoke`). Returns whether a copy through
    /// it faulted: it is a TRY grant whose fault mark holds its own id.
    /// A bad or stale id gives EINVAL.
    pub fn revoke(&mut self, id: GrantId) -> Result<bool, Errno> {
        let slot = self.live_slot(id).ok_or(EINVAL)?;
        let e = self.storage.entries_mut().get_mut(slot as usize).ok_or(EINVAL)?;
        let faulted = e.faulted(id);
        e.flags = 0;
        fence(Ordering::Release);
        *e = GrantEntry { seq: GrantId::next_seq(id.seq()), ..GrantEntry::FREE };
        self.live = self.live.saturating_sub(1);
        self.push_free(slot);
        Ok(faulted)
    }

    /// Whether `id` names a live grant of this table.
    pub fn is_valid(&self, id: GrantId) -> bool {
        self.live_slot(id).is_some()
    }

    /// The entry of live grant `id`.
    pub fn get(&self, id: GrantId) -> Option<&GrantEntry> {
        let slot = self.live_slot(id)?;
        self.storage.entries().get(slot as usize)
    }

    /// Writes `id` into the fault mark of live grant `id`, as the copy
    /// engine does when a TRY copy through it faults. Returns whether `id`
    /// was live.
    pub fn mark_fault(&mut self, id: GrantId) -> bool {
        let Some(slot) = self.live_slot(id) else {
            return false;
        };
        match self.storage.entries_mut().get_mut(slot as usize) {
            Some(e) => {
                e.fault_mark = id.0;
                true
            }
            None => false,
        }
    }

    /// The slot of live grant `id`: a valid id, a slot inside the table, a
    /// used entry and a matching sequence number.
    fn live_slot(&self, id: GrantId) -> Option<u32> {
        if !id.is_valid() || id.slot() as usize >= self.max_slots {
            return None;
        }
        let e = self.storage.entries().get(id.slot() as usize)?;
        (e.is_used() && e.seq == id.seq()).then_some(id.slot())
    }

    fn insert(&mut self, make: impl FnOnce(u32) -> GrantEntry) -> Result<GrantId, Errno> {
        let slot = self.alloc_slot()?;
        let e = self.storage.entries_mut().get_mut(slot as usize).ok_or(ENOSPC)?;
        let seq = e.seq & GrantId::SEQ_MASK;
        let new = make(seq);
        *e = GrantEntry { flags: 0, ..new };
        fence(Ordering::Release);
        e.flags = new.flags;
        self.live += 1;
        Ok(GrantId::new(slot, seq))
    }

    /// Takes the oldest free slot, growing the table if none is free.
    fn alloc_slot(&mut self) -> Result<u32, Errno> {
        if let Some(slot) = self.pop_free() {
            return Ok(slot);
        }
        // The list is damaged if it names a slot that is not free, or if it
        // is empty while the count says some slot is free: recount it.
        if self.free_head != NIL || self.live < self.len().min(self.max_slots) {
            self.rebuild();
            if let Some(slot) = self.pop_free() {
                return Ok(slot);
            }
        }
        self.grow()?;
        self.pop_free().ok_or(ENOSPC)
    }

    fn pop_free(&mut self) -> Option<u32> {
        let head = self.free_head;
        let e = self.storage.entries_mut().get_mut(head as usize)?;
        if e.is_used() || head as usize >= self.max_slots {
            return None;
        }
        let next = e.next_free;
        e.next_free = 0;
        self.free_head = next;
        if next == NIL {
            self.free_tail = NIL;
        }
        Some(head)
    }

    fn push_free(&mut self, slot: u32) {
        let entries = self.storage.entries_mut();
        if let Some(e) = entries.get_mut(slot as usize) {
            e.next_free = NIL;
        }
        match entries.get_mut(self.free_tail as usize) {
            Some(tail) if !tail.is_used() && tail.next_free == NIL => {
                tail.next_free = slot;
                self.free_tail = slot;
            }
            _ if self.free_head == NIL => {
                self.free_head = slot;
                self.free_tail = slot;
            }
            // A damaged list: recount from the entries.
            _ => self.rebuild(),
        }
    }

    /// Lengthens the table by doubling it (at least to [`INITIAL_SLOTS`]),
    /// up to the maximum, and links the new slots at the end of the list.
    fn grow(&mut self) -> Result<(), Errno> {
        let old = self.len();
        if old >= self.max_slots {
            return Err(ENOSPC);
        }
        let want = old.saturating_mul(2).max(INITIAL_SLOTS).min(self.max_slots);
        let new = self.storage.grow(want).min(self.max_slots);
        if new <= old {
            return Err(ENOSPC);
        }
        // Every new slot is free; link old..new in order.
        let entries = self.storage.entries_mut();
        for (i, e) in entries.iter_mut().enumerate().take(new).skip(old) {
            e.next_free = if i + 1 < new { (i + 1) as u32 } else { NIL };
        }
        match entries.get_mut(self.free_tail as usize) {
            Some(tail) => tail.next_free = old as u32,
            None => self.free_head = old as u32,
        }
        self.free_tail = (new - 1) as u32;
        Ok(())
    }

    /// Recounts the live grants and relinks every free slot, in order.
    fn rebuild(&mut self) {
        let max = self.max_slots;
        self.free_head = NIL;
        self.free_tail = NIL;
        self.live = 0;
        let mut tail: Option<usize> = None;
        let entries = self.storage.entries_mut();
        for i in 0..entries.len().min(max) {
            if entries[i].is_used() {
                self.live += 1;
                continue;
            }
            entries[i].next_free = NIL;
            match tail {
                Some(t) => entries[t].next_free = i as u32,
                None => self.free_head = i as u32,
            }
            tail = Some(i);
        }
        self.free_tail = tail.map_or(NIL, |t| t as u32);
    }
}

impl<S: GrantStorage> GrantTableView for GrantTable<S> {
    fn entry(&self, slot: u32) -> Option<GrantEntry> {
        self.storage.entries().get(slot as usize).copied()
    }
}

/// Access bits other than READ, WRITE and TRY: EINVAL.
fn check_access(access: u32) -> Result<(), Errno> {
    if access & !CPF_ACCESS_MASK != 0 {
        Err(EINVAL)
    } else {
        Ok(())
    }
}
