// SPDX-License-Identifier: BSD-2-Clause
//! The host side of `make bench`: reads our system's and Linux's
//! `measure` lines and reports every figure against its floor and Linux,
//! using bench-spec's table of figures and targets.
pub mod parse;
pub mod print;
pub mod rows;
