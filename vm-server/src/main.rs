// SPDX-License-Identifier: BSD-2-Clause
//! The VM server's seL4 glue. The logic (regions, memory types, faults,
//! fork) is the host-tested library; `glue` owns the kernel objects:
//! untyped memory, frames, VSpaces, and the request loop.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue;

#[cfg(not(target_os = "none"))]
fn main() {}
