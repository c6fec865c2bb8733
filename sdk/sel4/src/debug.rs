// SPDX-License-Identifier: BSD-2-Clause
//! Kernel debug console output.
use crate::syscalls::debug_put_char_raw;

/// Prints one byte on the kernel debug console.
pub fn debug_put_char(c: u8) {
    debug_put_char_raw(c);
}

/// Prints a string on the kernel debug console.
pub fn debug_write_str(s: &str) {
    for b in s.bytes() {
        debug_put_char_raw(b);
    }
}

/// A `core::fmt::Write` sink on the debug console.
pub struct DebugWriter;

impl core::fmt::Write for DebugWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        debug_write_str(s);
        Ok(())
    }
}
