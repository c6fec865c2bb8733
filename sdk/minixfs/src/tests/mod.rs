// SPDX-License-Identifier: BSD-2-Clause
//! Host tests that need std: whole-image workloads, fsck.minix, corruption.

mod basic;
mod big;
mod cache;
mod check;
mod corrupt;
mod debian;
mod model;
mod runs;
mod util;
