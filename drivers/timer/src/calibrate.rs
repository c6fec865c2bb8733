// SPDX-License-Identifier: BSD-2-Clause
//! Measuring the TSC's frequency against the PIT.
//!
//! The kernel measures it at boot over one 50 ms turn of the PIT and
//! reports whole MHz; the clock page needs better than that (the clock
//! must agree with the host's to well within 1%), so the driver measures
//! again, longer: it runs the PIT's counter freely (mode 2, 65536 counts a
//! turn, about 55 ms) and reads it back with the TSC, again and again,
//! adding up the counts and TSC ticks between consecutive readings. A pair
//! of readings further apart than [`MAX_STEP_NS`] (by the kernel's
//! figure) is left out, since the counter may have turned over unseen
//! while the driver was not running; gaps do not bias the sum, which only
//! holds stretches whose both ends were read.
use crate::pit::{elapsed, PIT_HZ};

/// Counts to add up: about 100 ms.
pub const TARGET_COUNTS: u64 = PIT_HZ / 10;
/// The longest step kept, well below the counter's 55 ms turn.
pub const MAX_STEP_NS: u64 = 20_000_000;

pub struct Calibration {
    prev: Option<(u64, u16)>,
    tsc: u64,
    counts: u64,
    /// TSC ticks in [`MAX_STEP_NS`], by the kernel's figure.
    max_step: u64,
    /// Steps left out.
    pub skipped: u64,
}

impl Calibration {
    /// `kernel_mhz`: the kernel's measurement (0 if unknown: then every
    /// step shorter than 20 ms at 10 GHz is kept, i.e. fewer).
    pub fn new(kernel_mhz: u64) -> Calibration {
        let mhz = if kernel_mhz == 0 { 10_000 } else { kernel_mhz };
        Calibration { prev: None, tsc: 0, counts: 0, max_step: mhz * (MAX_STEP_NS / 1000), skipped: 0 }
    }

    /// One reading: the PIT's count and the TSC at the latch.
    pub fn sample(&mut self, tsc: u64, count: u16) {
        if let Some((t, c)) = self.prev {
            let dt = tsc.wrapping_sub(t);
            if dt <= self.max_step {
                self.tsc += dt;
                self.counts += elapsed(c, count);
            } else {
                self.skipped += 1;
            }
        }
        self.prev = Some((tsc, count));
    }

    pub fn done(&self) -> bool {
        self.counts >= TARGET_COUNTS
    }

    /// The TSC's frequency in Hz, once any counts were seen.
    pub fn hz(&self) -> Option<u64> {
        if self.counts == 0 || self.tsc == 0 {
            return None;
        }
        Some((self.tsc as u128 * PIT_HZ as u128 / self.counts as u128) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TSC of `hz` and the PIT read every `step_ns`, with a gap of
    /// `gap_ns` (a preemption) every 100 readings.
    fn run(hz: u64, kernel_mhz: u64, step_ns: u64, gap_ns: u64) -> Calibration {
        let mut c = Calibration::new(kernel_mhz);
        let mut ns = 12_345u64;
        let mut i = 0;
        while !c.done() && i < 1_000_000 {
            let tsc = (ns as u128 * hz as u128 / 1_000_000_000) as u64;
            let pit_total = (ns as u128 * PIT_HZ as u128 / 1_000_000_000) as u64;
            let count = (65536 - pit_total % 65536) as u16;
            c.sample(tsc, count);
            ns += if i % 100 == 99 { gap_ns } else { step_ns };
            i += 1;
        }
        c
    }

    #[test]
    fn measures_within_a_few_ppm() {
        for hz in [1_000_000_000u64, 2_345_678_901, 3_600_000_000] {
            let c = run(hz, hz / 1_000_000, 7_000, 0);
            assert!(c.done());
            let got = c.hz().unwrap();
            assert!(got.abs_diff(hz) * 100_000 < hz, "{} vs {}", got, hz);
        }
    }

    #[test]
    fn long_gaps_are_left_out_not_misread() {
        // 70 ms gaps: the counter turned over unseen once in each.
        let hz = 2_000_000_000;
        let c = run(hz, 1990, 9_000, 70_000_000);
        assert!(c.skipped > 0);
        let got = c.hz().unwrap();
        assert!(got.abs_diff(hz) * 100_000 < hz, "{}", got);
    }

    #[test]
    fn nothing_seen_is_no_answer() {
        let mut c = Calibration::new(2000);
        assert_eq!(c.hz(), None);
        c.sample(5, 100);
        assert_eq!(c.hz(), None);
    }
}
