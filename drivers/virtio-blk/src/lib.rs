// SPDX-License-Identifier: BSD-2-Clause
//! The block driver's decisions, host-tested: the legacy virtio-blk
//! registers and request format ([`legacy`]), the virtqueue
//! ([`vring`]), the DMA area's layout and physical buffers ([`dma`]),
//! and the request handling ([`server`]: who may ask, validation, copies
//! through grants). `main.rs` is the seL4 glue: port I/O, the interrupt,
//! VM's safecopy.
#![cfg_attr(not(test), no_std)]

pub mod dma;
pub mod legacy;
pub mod server;
pub mod vring;

#[cfg(test)]
mod server_tests;
