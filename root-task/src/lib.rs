//! Logic of the root task that does not need the kernel, tested on the
//! host: the process table and the
//! test tally.
#![cfg_attr(not(test), no_std)]

pub mod proctab;
pub mod tally;
