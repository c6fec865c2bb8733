//! Logic of the root task that does not need the kernel, tested on the
//! host: the untyped-memory pool model, the CSpace slot allocator and the
//! test tally.
#![cfg_attr(not(test), no_std)]

pub mod slots;
pub mod tally;
pub mod untyped;
