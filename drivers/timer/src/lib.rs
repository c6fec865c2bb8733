// SPDX-License-Identifier: BSD-2-Clause
//! The timer driver's decisions, host-tested: the PIT's registers and
//! counts ([`pit`]), measuring the TSC against it ([`calibrate`]), the
//! CMOS clock's date ([`rtc`]), the table of sleepers ([`sleepers`]) and
//! the request handling ([`server`]: who may ask, when to wake whom, when
//! the PIT must fire next). `main.rs` is the seL4 glue: port I/O, the
//! interrupt, saved reply caps and the clock page.
#![cfg_attr(not(test), no_std)]

pub mod calibrate;
pub mod pit;
pub mod rtc;
pub mod server;
pub mod sleepers;

#[cfg(test)]
mod server_tests;
