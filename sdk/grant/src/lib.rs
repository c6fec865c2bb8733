// SPDX-License-Identifier: BSD-2-Clause
//! MINIX 3 memory grants (`minix/include/minix/safecopies.h`,
//! `minix/kernel/system/do_safecopy.c`, `minix/lib/libsys/safecopies.c`).
//!
//! A process (the *granter*) lets another process (the *grantee*) copy to or
//! from a range of its memory by putting a grant in its own grant table and
//! passing the grant id. The copy engine (the VM server here, the kernel in
//! MINIX) reads the granter's table out of the granter's memory, checks the
//! grant and performs the copy.
//!
//! * [`entry`]: the fixed `#[repr(C)]` layout of one table entry, shared by
//!   both sides.
//! * [`id`]: grant ids, `(seq << 20) | slot`.
//! * [`table`] and [`storage`]: the granter's side: create and revoke.
//! * [`verify`](mod@verify): the copy engine's side: the MINIX checks, in MINIX's order.
//! * [`vector`]: checks on vector copies.
//! * [`location`]: a registered table's place ([`TableBase`], validated
//!   once) and where a fault mark lies ([`fault_mark_location`]), which
//!   never straddles a page.
//!
//! Nothing here panics on any input: the copy engine feeds it whatever bytes
//! it finds in another process's memory.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "alloc"))]
extern crate alloc;

pub mod entry;
pub mod id;
pub mod location;
pub mod storage;
pub mod table;
pub mod vector;
pub mod verify;

#[cfg(test)]
mod tests;

pub use entry::{GrantEntry, GrantKind, ENTRY_SIZE};
pub use id::{GrantId, GRANT_INVALID};
pub use location::{fault_mark_location, MarkLocation, TableBase, MARK_LEN};
#[cfg(any(test, feature = "alloc"))]
pub use storage::VecStorage;
pub use storage::{GrantStorage, SliceStorage};
pub use table::{GrantTable, Registration, INITIAL_SLOTS};
pub use vector::{check_vector, VecElement, VecStep, MAX_VEC_ELEMENTS, VEC_ELEMENT_SIZE};
pub use verify::{check_copy_sides, verify, Access, EmptyTable, FaultMark, GrantLookup, GrantTableView, Verified, VerifyRequest};

/// A process identity as the personality names it (MINIX `endpoint_t`):
/// the number inside `minix_abi::endpoint::Endpoint`. [`ANY`] and [`NONE`]
/// name slot 0xace there, far beyond PM's process table, so they never
/// name a real process.
pub type Endpoint = u32;

/// Wildcard grantee: a grant to `ANY` may be used by every process
/// (MINIX `ANY`, `0x7ace`). A caller is never treated as a wildcard.
pub const ANY: Endpoint = 0x7ace;

/// No process (MINIX `NONE`, `0x6ace`). A copy naming `NONE` on either side
/// fails with EFAULT.
pub const NONE: Endpoint = 0x6ace;

/// The grantee may read the granted memory (copy from the granter).
pub const CPF_READ: u32 = 0x1;
/// The grantee may write the granted memory (copy to the granter).
pub const CPF_WRITE: u32 = 0x2;
/// A copy through this grant never waits for a page to be brought in; a
/// fault writes the grant id into the grant's fault mark and gives EFAULT.
pub const CPF_TRY: u32 = 0x10;
/// Every access bit a granter may ask for; any other bit gives EINVAL.
pub const CPF_ACCESS_MASK: u32 = CPF_READ | CPF_WRITE | CPF_TRY;

/// Internal: the slot holds a grant.
pub const CPF_USED: u32 = 0x100;
/// Internal: a direct grant (grantee, start, length).
pub const CPF_DIRECT: u32 = 0x200;
/// Internal: an indirect grant (grantee, original granter, original id).
pub const CPF_INDIRECT: u32 = 0x400;
/// Internal: a magic grant of another process's memory (VFS only).
pub const CPF_MAGIC: u32 = 0x800;
/// Internal: the grant may be used.
pub const CPF_VALID: u32 = 0x1000;
/// Internal: the three grant kinds; a usable entry has exactly one.
pub const CPF_KIND_MASK: u32 = CPF_DIRECT | CPF_INDIRECT | CPF_MAGIC;

/// Number of bits of a grant id that name the slot.
pub const SLOT_BITS: u32 = 20;
/// Number of bits of a grant id that hold the slot's sequence number.
pub const SEQ_BITS: u32 = 11;
/// Most slots a table can have: 2^20.
pub const MAX_SLOTS: usize = 1 << SLOT_BITS;
/// Most indirect grants a copy follows before giving ELOOP.
pub const MAX_INDIRECT_DEPTH: usize = 5;
