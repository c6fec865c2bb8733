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
//!
//! Each reading brackets the latch between two TSC reads and takes their
//! middle; a reading whose bracket is wider than [`MAX_BRACKET_NS`] (the
//! driver was preempted between the TSC and the latch) is thrown away and
//! the next one starts a new stretch. Without the bracket, a preemption
//! of 20 to 55 ms right after the latch went into the next step's counts
//! but not its TSC ticks: one boot in five measured 2,074 MHz for 2,596,
//! and the clock ran 25% fast.
//!
//! Last, the result must agree with the kernel's own measurement (whole
//! MHz, 0.04% at 2.6 GHz) to within [`AGREE_PERCENT`]; if it does not, the
//! kernel's figure is used.
use crate::pit::{elapsed, PIT_HZ};

/// Counts to add up: about 100 ms.
pub const TARGET_COUNTS: u64 = PIT_HZ / 10;
/// The longest step kept, well below the counter's 55 ms turn.
pub const MAX_STEP_NS: u64 = 20_000_000;
/// The widest TSC bracket around a latch that is kept.
pub const MAX_BRACKET_NS: u64 = 100_000;
/// How far the measurement may stray from the kernel's figure.
pub const AGREE_PERCENT: u64 = 1;

pub struct Calibration {
    prev: Option<(u64, u16)>,
    tsc: u64,
    counts: u64,
    /// TSC ticks in [`MAX_STEP_NS`], by the kernel's figure.
    max_step: u64,
    /// TSC ticks in [`MAX_BRACKET_NS`].
    max_bracket: u64,
    /// The kernel's figure in Hz (0: none).
    kernel_hz: u64,
    /// Steps left out.
    pub skipped: u64,
}

impl Calibration {
    /// `kernel_mhz`: the kernel's measurement (0 if unknown: then every
    /// step shorter than 20 ms at 10 GHz is kept, i.e. fewer).
    pub fn new(kernel_mhz: u64) -> Calibration {
        let mhz = if kernel_mhz == 0 { 10_000 } else { kernel_mhz };
        Calibration {
            prev: None,
            tsc: 0,
            counts: 0,
            max_step: mhz * (MAX_STEP_NS / 1000),
            max_bracket: mhz * (MAX_BRACKET_NS / 1000),
            kernel_hz: kernel_mhz * 1_000_000,
            skipped: 0,
        }
    }

    /// One reading: the TSC just before the latch, the PIT's count, and
    /// the TSC just after.
    pub fn sample(&mut self, before: u64, count: u16, after: u64) {
        let width = after.wrapping_sub(before);
        if width > self.max_bracket {
            self.skipped += 1;
            self.prev = None;
            return;
        }
        let tsc = before.wrapping_add(width / 2);
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

    /// The TSC's frequency in Hz, once any counts were seen, if it agrees
    /// with the kernel's figure (when there is one).
    pub fn hz(&self) -> Option<u64> {
        if self.counts == 0 || self.tsc == 0 {
            return None;
        }
        let hz = (self.tsc as u128 * PIT_HZ as u128 / self.counts as u128) as u64;
        let agrees = self.kernel_hz == 0 || hz.abs_diff(self.kernel_hz) * 100 <= self.kernel_hz * AGREE_PERCENT;
        agrees.then_some(hz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TSC of `hz` and the PIT read every `step_ns`, with a gap of
    /// `gap_ns` (a preemption) every 100 readings: before the reading, or,
    /// with `after_latch`, between the latch and the TSC read after it.
    fn run_with(hz: u64, kernel_mhz: u64, step_ns: u64, gap_ns: u64, after_latch: bool) -> Calibration {
        let mut c = Calibration::new(kernel_mhz);
        let mut ns = 12_345u64;
        let mut i = 0;
        let tsc_at = |ns: u64| (ns as u128 * hz as u128 / 1_000_000_000) as u64;
        while !c.done() && i < 1_000_000 {
            let gap = i % 100 == 99;
            if gap && !after_latch {
                ns += gap_ns;
            }
            let before = tsc_at(ns);
            ns += 1_000;
            let pit_total = (ns as u128 * PIT_HZ as u128 / 1_000_000_000) as u64;
            let count = (65536 - pit_total % 65536) as u16;
            if gap && after_latch {
                ns += gap_ns;
            }
            ns += 1_000;
            c.sample(before, count, tsc_at(ns));
            ns += step_ns;
            i += 1;
        }
        c
    }

    fn run(hz: u64, kernel_mhz: u64, step_ns: u64, gap_ns: u64) -> Calibration {
        run_with(hz, kernel_mhz, step_ns, gap_ns, false)
    }

    #[test]
    fn a_preemption_right_after_the_latch_is_left_out() {
        // 25 ms between the latch and the TSC read after it, every 100
        // readings: the old single TSC read put those counts in the next
        // step and measured far too low a frequency.
        let hz = 2_596_000_000;
        for gap in [3_000_000, 25_000_000, 40_000_000] {
            let c = run_with(hz, 2596, 7_000, gap, true);
            assert!(c.skipped > 0);
            let got = c.hz().unwrap();
            assert!(got.abs_diff(hz) * 100_000 < hz, "gap {}: {}", gap, got);
        }
    }

    #[test]
    fn a_measurement_far_from_the_kernels_is_refused() {
        let c = run(2_596_000_000, 2000, 7_000, 0);
        assert_eq!(c.hz(), None);
        let c = run(2_596_000_000, 2580, 7_000, 0);
        assert!(c.hz().is_some());
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
        c.sample(5, 100, 6);
        assert_eq!(c.hz(), None);
    }
}
