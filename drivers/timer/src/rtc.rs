// SPDX-License-Identifier: BSD-2-Clause
//! The CMOS real-time clock (MC146818, as QEMU's pc machine has it): the
//! date it holds, read once at start to give the realtime clock its base.
//!
//! Registers (through index port 0x70 and data port 0x71): seconds 0x00,
//! minutes 0x02, hours 0x04, day of month 0x07, month 0x08, year 0x09,
//! status A 0x0a (bit 7: an update is in progress), status B 0x0b (bit 2:
//! binary, else BCD; bit 1: 24-hour, else 12-hour with bit 7 of the hour
//! meaning PM), and the century at 0x32 (QEMU keeps it there, as the
//! ACPI FADT's century field says). QEMU's default `-rtc base=utc` makes
//! the clock read UTC.

pub const INDEX_PORT: u16 = 0x70;
pub const DATA_PORT: u16 = 0x71;
pub const SECONDS: u8 = 0x00;
pub const MINUTES: u8 = 0x02;
pub const HOURS: u8 = 0x04;
pub const DAY: u8 = 0x07;
pub const MONTH: u8 = 0x08;
pub const YEAR: u8 = 0x09;
pub const STATUS_A: u8 = 0x0a;
pub const STATUS_B: u8 = 0x0b;
pub const CENTURY: u8 = 0x32;
/// Status A: the clock is updating; its registers may be mid-change.
pub const UPDATE_IN_PROGRESS: u8 = 0x80;
const B_BINARY: u8 = 0x04;
const B_24H: u8 = 0x02;

/// The registers as read.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Regs {
    pub seconds: u8,
    pub minutes: u8,
    pub hours: u8,
    pub day: u8,
    pub month: u8,
    pub year: u8,
    pub century: u8,
    pub status_b: u8,
}

/// The registers to read, in the order [`Regs::from_bytes`] takes them.
pub const READ_ORDER: [u8; 8] = [SECONDS, MINUTES, HOURS, DAY, MONTH, YEAR, CENTURY, STATUS_B];

impl Regs {
    pub fn from_bytes(b: [u8; 8]) -> Regs {
        Regs { seconds: b[0], minutes: b[1], hours: b[2], day: b[3], month: b[4], year: b[5], century: b[6], status_b: b[7] }
    }

    /// Seconds since the epoch, or `None` for a date that cannot be (a
    /// bad BCD digit, month 13, hour 25, before 1970).
    pub fn unix_seconds(&self) -> Option<u64> {
        let binary = self.status_b & B_BINARY != 0;
        let num = |v: u8| if binary { Some(v) } else { bcd(v) };
        let sec = num(self.seconds)?;
        let min = num(self.minutes)?;
        let pm = self.status_b & B_24H == 0 && self.hours & 0x80 != 0;
        let mut hour = num(self.hours & 0x7f)?;
        if self.status_b & B_24H == 0 {
            // 12-hour clock: 12 AM is 0, 12 PM is 12.
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        let day = num(self.day)?;
        let month = num(self.month)?;
        let yy = num(self.year)? as u64;
        // A century register that holds nothing sensible means 20xx.
        let century = match num(self.century) {
            Some(c @ 19..=21) => c as u64,
            _ => 20,
        };
        if sec > 59 || min > 59 || hour > 23 || !(1..=12).contains(&month) || yy > 99 {
            return None;
        }
        let year = century * 100 + yy;
        if day == 0 || day > days_in_month(year, month) || year < 1970 {
            return None;
        }
        let days = days_from_civil(year, month as u64, day as u64);
        Some(days * 86400 + hour as u64 * 3600 + min as u64 * 60 + sec as u64)
    }
}

fn bcd(v: u8) -> Option<u8> {
    let (hi, lo) = (v >> 4, v & 0xf);
    (hi < 10 && lo < 10).then_some(hi * 10 + lo)
}

fn leap(y: u64) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u64, m: u8) -> u8 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the date (on or after it): whole years, then
/// whole months of this year.
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let mut days = 0;
    for year in 1970..y {
        days += if leap(year) { 366 } else { 365 };
    }
    for month in 1..m {
        days += days_in_month(y, month as u8) as u64;
    }
    days + d - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regs(b: [u8; 8]) -> Regs {
        Regs::from_bytes(b)
    }

    #[test]
    fn known_dates() {
        // 2024-02-29 13:45:07 UTC, BCD, 24-hour: 1709214307.
        assert_eq!(regs([0x07, 0x45, 0x13, 0x29, 0x02, 0x24, 0x20, B_24H]).unix_seconds(), Some(1_709_214_307));
        // The same in binary.
        assert_eq!(regs([7, 45, 13, 29, 2, 24, 20, B_24H | B_BINARY]).unix_seconds(), Some(1_709_214_307));
        // 1970-01-01 00:00:00.
        assert_eq!(regs([0, 0, 0, 1, 1, 0x70, 0x19, B_24H]).unix_seconds(), Some(0));
        // 2000-03-01 00:00:00 (2000 is a leap year): 951868800.
        assert_eq!(regs([0, 0, 0, 1, 3, 0, 0x20, B_24H]).unix_seconds(), Some(951_868_800));
        // 2026-12-31 23:59:59: 1798761599.
        assert_eq!(regs([0x59, 0x59, 0x23, 0x31, 0x12, 0x26, 0x20, B_24H]).unix_seconds(), Some(1_798_761_599));
    }

    #[test]
    fn twelve_hour_clock() {
        // 12:30 AM is 00:30, 12:30 PM is 12:30, 1 PM is 13.
        let base = |h: u8| regs([0, 0x30, h, 1, 1, 0x25, 0x20, 0]).unix_seconds().unwrap() % 86400;
        assert_eq!(base(0x12), 30 * 60);
        assert_eq!(base(0x80 | 0x12), 12 * 3600 + 30 * 60);
        assert_eq!(base(0x80 | 0x01), 13 * 3600 + 30 * 60);
        assert_eq!(regs([0, 0, 0x13, 1, 1, 0x25, 0x20, 0]).unix_seconds(), None);
    }

    #[test]
    fn nonsense_is_refused() {
        for b in [
            [0x60, 0, 0, 1, 1, 0x25, 0x20, B_24H],
            [0, 0, 0x24, 1, 1, 0x25, 0x20, B_24H],
            [0, 0, 0, 0x32, 1, 0x25, 0x20, B_24H],
            [0, 0, 0, 0x29, 2, 0x25, 0x20, B_24H],
            [0, 0, 0, 1, 0x13, 0x25, 0x20, B_24H],
            [0x0a, 0, 0, 1, 1, 0x25, 0x20, B_24H],
            [0, 0, 0, 1, 1, 0x69, 0x19, B_24H],
        ] {
            assert_eq!(regs(b).unix_seconds(), None, "{:?}", b);
        }
        // Any bytes at all: an answer or None, never a panic.
        let mut x = 0x1234_5678u32;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let b = x.to_le_bytes();
            let _ = regs([b[0], b[1], b[2], b[3], b[0] ^ b[1], b[2] ^ b[3], 0x20, b[1] & 6]).unix_seconds();
        }
    }

    #[test]
    fn a_bad_century_means_this_one() {
        assert_eq!(regs([0, 0, 0, 1, 1, 0x25, 0xff, B_24H]).unix_seconds(), regs([0, 0, 0, 1, 1, 0x25, 0x20, B_24H]).unix_seconds());
    }
}
