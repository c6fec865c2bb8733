// SPDX-License-Identifier: BSD-2-Clause
//! The copy engine's side: checking a copy through a grant (MINIX
//! `kernel/system/do_safecopy.c`, `verify_grant`).
//!
//! The engine reads the granter's table through [`GrantLookup`] and
//! [`GrantTableView`], which it implements by reading the granter's memory.
//! [`verify`] runs MINIX's checks in MINIX's order; the first that fails
//! decides the error:
//!
//! 1. The granter is unknown, or the id is invalid (negative): **EINVAL**.
//! 2. The granter has no table, the slot is beyond the table, the entry is
//!    not USED|VALID, or the sequence number differs: **EPERM**. An entry
//!    whose flags name no kind or several kinds is also refused here.
//! 3. Indirect grant: after checks 1 and 2 pass on it, a sixth indirect
//!    grant in one chain gives **ELOOP**; otherwise the one asking must be
//!    its grantee (or the grantee is ANY), else **EPERM**. The check then
//!    moves one hop back to the original grant and runs from 1 again; on
//!    that hop the one asking is the indirect grant's granter.
//! 4. The grant lacks the access the copy needs: **EPERM**. MINIX looks
//!    only at the final grant's bits; here **every** grant of the chain
//!    must hold the access (an indirect grant can narrow what it passes on,
//!    never widen it). Holding this check until the chain is walked keeps
//!    MINIX's order: a chain that fails 1-3 anywhere reports that first.
//! 5. Direct grant: the grant wraps the address space, the one asking is
//!    not the grantee (nor is it ANY), or `offset + bytes` overflows or
//!    passes the length: **EPERM**.
//! 6. Magic grant: unless its granter is VFS, **EPERM**; then the same
//!    checks as 5. The memory is the named process's.
//!
//! The caller is never a wildcard: only a grant's grantee may be ANY.
//!
//! **TRY** is taken from the final grant, the one whose fault mark the
//! engine writes (with that grant's own id) and whose creator looks at the
//! mark when revoking it. A TRY bit on an indirect grant has no effect.

use minix_abi::errno::{Errno, EFAULT, EINVAL, ELOOP, EPERM};

use crate::entry::{GrantKind, ENTRY_SIZE};
use crate::{Endpoint, GrantEntry, GrantId, ANY, CPF_READ, CPF_WRITE, MAX_INDIRECT_DEPTH, NONE};

/// The access a copy needs from the grant.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum Access {
    /// Copy from the granter's memory: READ.
    Read,
    /// Copy to (or memset) the granter's memory: WRITE.
    Write,
}

impl Access {
    /// The `CPF_*` bit this access needs.
    pub const fn flag(self) -> u32 {
        match self {
            Access::Read => CPF_READ,
            Access::Write => CPF_WRITE,
        }
    }
}

/// A granter's grant table, as the copy engine can read it.
pub trait GrantTableView {
    /// A copy of entry `slot`, or `None` when the table has no such slot
    /// (or the engine cannot read it).
    fn entry(&self, slot: u32) -> Option<GrantEntry>;
}

/// Finds granters' tables.
pub trait GrantLookup {
    /// A view of one granter's table.
    type Table<'a>: GrantTableView
    where
        Self: 'a;

    /// The table of `granter`: `None` when no such process exists (EINVAL).
    /// A process that registered no table gets a view with no slots, such
    /// as [`EmptyTable`] (EPERM).
    fn table(&self, granter: Endpoint) -> Option<Self::Table<'_>>;
}

/// The table of a process that registered none: every slot is beyond it.
#[derive(Copy, Clone, Debug, Default)]
pub struct EmptyTable;

impl GrantTableView for EmptyTable {
    fn entry(&self, _slot: u32) -> Option<GrantEntry> {
        None
    }
}

impl GrantTableView for [GrantEntry] {
    fn entry(&self, slot: u32) -> Option<GrantEntry> {
        self.get(slot as usize).copied()
    }
}

impl<T: GrantTableView + ?Sized> GrantTableView for &T {
    fn entry(&self, slot: u32) -> Option<GrantEntry> {
        (**self).entry(slot)
    }
}

/// One copy through a grant, to check.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct VerifyRequest {
    /// The process asking for the copy (never a wildcard).
    pub caller: Endpoint,
    /// The process that made the grant.
    pub granter: Endpoint,
    /// The grant in the granter's table.
    pub grant: GrantId,
    /// Byte offset into the granted range.
    pub offset: u64,
    /// Number of bytes to copy.
    pub bytes: u64,
    /// What the copy does to the granted memory.
    pub access: Access,
    /// VFS's endpoint: the only granter whose magic grants are honoured.
    pub vfs: Endpoint,
}

/// A copy that passed every check.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Verified {
    /// Whose memory to copy to or from: the final granter, or for a magic
    /// grant the process it names (the engine refuses NONE with EFAULT).
    pub owner: Endpoint,
    /// First address of the copy in `owner`'s memory (start + offset).
    pub addr: u64,
    /// Number of bytes.
    pub bytes: u64,
    /// The final grant holds TRY: never wait for a page; on a fault write
    /// [`Verified::fault_mark`] and fail with EFAULT.
    pub try_copy: bool,
    /// The granter of the final (direct or magic) grant.
    pub final_granter: Endpoint,
    /// The final grant's id.
    pub final_grant: GrantId,
    /// Indirect grants followed to reach it.
    pub hops: usize,
}

/// Where the engine writes a fault mark, and what.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct FaultMark {
    /// Whose table.
    pub granter: Endpoint,
    /// Which slot.
    pub slot: u32,
    /// Byte offset of the mark from the table's base.
    pub table_offset: usize,
    /// The value to write: the final grant's own id.
    pub value: i32,
}

impl Verified {
    /// The fault mark of the final grant of the chain, which gets that
    /// grant's own id when a TRY copy faults.
    pub fn fault_mark(&self) -> FaultMark {
        let slot = self.final_grant.slot();
        FaultMark {
            granter: self.final_granter,
            slot,
            // slot < 2^20, so this stays far below usize::MAX.
            table_offset: (slot as usize).saturating_mul(ENTRY_SIZE).saturating_add(GrantEntry::FAULT_MARK_OFFSET),
            value: self.final_grant.0,
        }
    }
}

/// A copy naming NONE on either side gives EFAULT (checked by the engine
/// before [`verify`], and again on a magic grant's memory owner).
pub fn check_copy_sides(a: Endpoint, b: Endpoint) -> Result<(), Errno> {
    if a == NONE || b == NONE {
        Err(EFAULT)
    } else {
        Ok(())
    }
}

/// Whether `asking` may use a grant to `grantee`.
fn grantee_ok(grantee: Endpoint, asking: Endpoint) -> bool {
    grantee == asking || grantee == ANY
}

/// Checks that `[offset, offset + bytes)` lies in a grant of `len` bytes
/// from `start` that does not wrap, and gives the first address.
fn range(start: u64, len: u64, offset: u64, bytes: u64) -> Option<u64> {
    start.checked_add(len)?;
    let end = offset.checked_add(bytes)?;
    if end > len {
        return None;
    }
    start.checked_add(offset)
}

/// Checks a copy through a grant; see the module documentation for the
/// checks and their order.
pub fn verify<L: GrantLookup + ?Sized>(lookup: &L, req: &VerifyRequest) -> Result<Verified, Errno> {
    let mut granter = req.granter;
    let mut asking = req.caller;
    let mut id = req.grant;
    let mut access = CPF_READ | CPF_WRITE;
    let mut hops = 0usize;

    let (entry, kind) = loop {
        // 1: unknown granter or invalid id.
        let table = lookup.table(granter).ok_or(EINVAL)?;
        if !id.is_valid() {
            return Err(EINVAL);
        }
        // 2: no such slot, not USED|VALID, other sequence, no single kind.
        let entry = table.entry(id.slot()).ok_or(EPERM)?;
        if !entry.is_valid() || entry.seq != id.seq() {
            return Err(EPERM);
        }
        let kind = entry.kind().ok_or(EPERM)?;
        access &= entry.access();
        match kind {
            // 3: follow an indirect grant one hop back.
            GrantKind::Indirect { grantee, orig_granter, orig_id } => {
                if hops >= MAX_INDIRECT_DEPTH {
                    return Err(ELOOP);
                }
                if !grantee_ok(grantee, asking) {
                    return Err(EPERM);
                }
                hops += 1;
                asking = granter;
                granter = orig_granter;
                id = orig_id;
            }
            GrantKind::Direct { .. } | GrantKind::Magic { .. } => break (entry, kind),
        }
    };

    // 4: every grant of the chain holds the access.
    let need = req.access.flag();
    if access & need != need {
        return Err(EPERM);
    }

    // 5 and 6: grantee and range; magic only from VFS.
    let (owner, grantee, start, len) = match kind {
        GrantKind::Direct { grantee, start, len } => (granter, grantee, start, len),
        GrantKind::Magic { owner, grantee, start, len } => {
            if granter != req.vfs {
                return Err(EPERM);
            }
            (owner, grantee, start, len)
        }
        GrantKind::Indirect { .. } => return Err(EPERM),
    };
    if !grantee_ok(grantee, asking) {
        return Err(EPERM);
    }
    let addr = range(start, len, req.offset, req.bytes).ok_or(EPERM)?;

    Ok(Verified { owner, addr, bytes: req.bytes, try_copy: entry.is_try(), final_granter: granter, final_grant: id, hops })
}
