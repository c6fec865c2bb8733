// SPDX-License-Identifier: BSD-2-Clause
//! The 8254 programmable interval timer, channel 0, as QEMU's pc machine
//! has it: a 16-bit down-counter at 1.193182 MHz whose output drives
//! ISA IRQ 0, which the IOAPIC takes on pin 2 (the MADT's interrupt source
//! override; seL4 itself only uses the PIT at boot, to measure its local
//! APIC timer, and leaves the pin masked).
//!
//! The driver uses two modes (Intel 8254 datasheet, "Control Word
//! Format"):
//! - **mode 2** (rate generator) with the largest count, only while it
//!   measures the TSC, reading the count back with the latch command;
//! - **mode 0** (interrupt on terminal count) as a one-shot: writing the
//!   control word drives the output low, the count starts once both of
//!   its bytes are written, and the output rises (the interrupt's edge)
//!   when it reaches zero, then stays high. A control word without a count
//!   leaves it low: disarmed.

/// The counter's input clock.
pub const PIT_HZ: u64 = 1_193_182;
/// Channel 0's data port.
pub const CH0: u16 = 0x40;
/// The mode/command port.
pub const COMMAND: u16 = 0x43;
/// First and last port the driver's cap covers.
pub const FIRST_PORT: u16 = CH0;
pub const LAST_PORT: u16 = COMMAND;
/// Channel 0 (bits 7-6: 00), low then high byte (5-4: 11), mode 0
/// (3-1: 000), binary (0: 0).
pub const ONE_SHOT: u8 = 0x30;
/// Channel 0, low then high byte, mode 2 (3-1: 010), binary.
pub const RATE: u8 = 0x34;
/// Channel 0, latch the count (the next two reads of CH0 return it).
pub const LATCH: u8 = 0;
/// The longest one-shot: a count of 65535 (about 54.9 ms).
pub const MAX_COUNT: u16 = u16::MAX;
/// The IOAPIC pin the PIT's interrupt arrives on.
pub const IOAPIC_PIN: u64 = 2;

/// The count for a one-shot that fires no earlier than `ns` from now:
/// rounded up, at least 1, at most [`MAX_COUNT`] (a longer wait is made of
/// several shots).
pub fn count_for(ns: u64) -> u16 {
    let ticks = (ns as u128 * PIT_HZ as u128).div_ceil(1_000_000_000);
    ticks.clamp(1, MAX_COUNT as u128) as u16
}

/// Nanoseconds a one-shot of `count` takes (rounded down).
pub fn ns_of(count: u16) -> u64 {
    count as u64 * 1_000_000_000 / PIT_HZ
}

/// Counts that passed between two readings of a counter running down
/// through all 65536 values (mode 2 with count 0): right as long as less
/// than one full turn passed between them.
pub fn elapsed(before: u16, after: u16) -> u64 {
    before.wrapping_sub(after) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_up_and_stay_in_range() {
        assert_eq!(count_for(0), 1);
        assert_eq!(count_for(1), 1);
        // 1 ms is 1193.182 counts: 1194, never early.
        assert_eq!(count_for(1_000_000), 1194);
        assert!(ns_of(count_for(1_000_000)) >= 1_000_000 - 1000);
        assert_eq!(count_for(54_925_000), 65535);
        assert_eq!(count_for(10_000_000_000), MAX_COUNT);
        assert_eq!(count_for(u64::MAX), MAX_COUNT);
        for ns in [1_000u64, 123_456, 9_999_999, 50_000_000] {
            assert!(count_for(ns) as u64 * 1_000_000_000 >= ns * PIT_HZ, "{}", ns);
        }
    }

    #[test]
    fn elapsed_wraps() {
        assert_eq!(elapsed(100, 40), 60);
        assert_eq!(elapsed(10, 65530), 16);
        assert_eq!(elapsed(0, 0), 0);
    }

    #[test]
    fn modes_as_the_datasheet_has_them() {
        let word = |channel: u8, access: u8, mode: u8| channel << 6 | access << 4 | mode << 1;
        assert_eq!(ONE_SHOT, word(0, 0b11, 0));
        assert_eq!(RATE, word(0, 0b11, 2));
        assert_eq!(LATCH, word(0, 0, 0));
    }
}
