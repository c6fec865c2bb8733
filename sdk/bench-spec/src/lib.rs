// SPDX-License-Identifier: BSD-2-Clause
//! One definition of every benchmark, shared by both systems.
//!
//! `make bench` boots our system and Debian's Linux in the same QEMU mode
//! (`-icount shift=0`, one TSC tick per guest instruction). Both run the
//! workloads below through the [`Os`] trait, so an operation is measured the
//! same way on each: a fenced TSC read before and after every iteration,
//! warm-up iterations thrown away, and the median reported.
//!
//! The table [`FIGURES`] names every figure, its floor and its targets; the
//! host report (`tools/bench-report`) joins the two systems' lines with it.
#![no_std]

pub mod figures;
pub mod measure;
pub mod workloads;

pub use figures::{Figure, FIGURES};
pub use measure::{median, per_iteration, per_iteration_prepared, Clock, FnClock, Samples};
pub use workloads::Os;
