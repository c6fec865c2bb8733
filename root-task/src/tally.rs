// SPDX-License-Identifier: BSD-2-Clause
//! Counting test results and formatting the summary line.

/// Pass/fail counts.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u32,
    pub failed: u32,
}

impl Tally {
    pub fn record(&mut self, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }

    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }

    /// All passed and at least one test ran.
    pub fn success(&self) -> bool {
        self.failed == 0 && self.passed > 0
    }
}

impl core::fmt::Display for Tally {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn summary() {
        let mut t = Tally::default();
        assert!(!t.success());
        t.record(true);
        t.record(true);
        assert!(t.success());
        t.record(false);
        assert_eq!(format!("{t}"), "2 passed, 1 failed");
        assert!(!t.success());
    }
}
