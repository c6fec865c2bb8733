// SPDX-License-Identifier: BSD-2-Clause
//! Bookkeeping for seL4 resources that needs no kernel, tested on the
//! host: [`untyped::UntypedPool`] mirrors where Untyped_Retype places
//! objects; [`slots::SlotAllocator`] hands out CNode slots and reuses
//! every freed one; [`objects::ObjectAllocator`], on top of both, makes
//! kernel objects for the root task and VM alike.
#![cfg_attr(not(test), no_std)]

#[cfg(test)]
mod model;
pub mod objects;
pub mod slots;
pub mod units;
pub mod untyped;
