// SPDX-License-Identifier: BSD-2-Clause
//! Per-iteration timing and medians.

/// A fenced cycle counter: under `-icount shift=0` one tick is one guest
/// instruction. Implementations serialise with `lfence` on both sides.
pub trait Clock {
    fn now(&mut self) -> u64;
}

/// A [`Clock`] made from a function, such as `sel4::rdtsc_fenced`.
pub struct FnClock(pub fn() -> u64);

impl Clock for FnClock {
    fn now(&mut self) -> u64 {
        (self.0)()
    }
}

/// Room for the timed iterations of one figure.
pub const MAX_SAMPLES: usize = 4096;

/// The timings of one figure's iterations.
pub struct Samples {
    buf: [u64; MAX_SAMPLES],
    len: usize,
}

impl Default for Samples {
    fn default() -> Self {
        Samples { buf: [0; MAX_SAMPLES], len: 0 }
    }
}

impl Samples {
    pub fn clear(&mut self) {
        self.len = 0;
    }
    /// Records one timing; past [`MAX_SAMPLES`] the rest are dropped.
    pub fn push(&mut self, v: u64) {
        if self.len < MAX_SAMPLES {
            self.buf[self.len] = v;
            self.len += 1;
        }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The median of what was recorded (0 when empty).
    pub fn median(&mut self) -> u64 {
        median(&mut self.buf[..self.len])
    }
}

/// The median, sorting `v` in place. An even count takes the lower middle,
/// so the result is always a value that was measured.
pub fn median(v: &mut [u64]) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

/// Runs `op(i)` for `warmup` untimed iterations, then `iters` timed ones,
/// and returns the median. The iteration index lets an operation use fresh
/// state each time (a new page to fault, say).
pub fn per_iteration<C: Clock + ?Sized>(
    clock: &mut C,
    samples: &mut Samples,
    warmup: usize,
    iters: usize,
    op: impl FnMut(&mut C, usize),
) -> u64 {
    per_iteration_prepared(clock, samples, warmup, iters, |_, _| {}, op)
}

/// As [`per_iteration`], with `prepare(i)` run untimed before each
/// `op(i)`, warm-up or timed (to make a cache cold again, say).
pub fn per_iteration_prepared<C: Clock + ?Sized>(
    clock: &mut C,
    samples: &mut Samples,
    warmup: usize,
    iters: usize,
    mut prepare: impl FnMut(&mut C, usize),
    mut op: impl FnMut(&mut C, usize),
) -> u64 {
    for i in 0..warmup {
        prepare(clock, i);
        op(clock, i);
    }
    samples.clear();
    for i in warmup..warmup + iters {
        prepare(clock, i);
        let t0 = clock.now();
        op(clock, i);
        let t1 = clock.now();
        samples.push(t1.wrapping_sub(t0));
    }
    samples.median()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(u64);
    impl Clock for Fake {
        fn now(&mut self) -> u64 {
            self.0
        }
    }

    #[test]
    fn median_is_a_measured_value() {
        assert_eq!(median(&mut []), 0);
        assert_eq!(median(&mut [5]), 5);
        assert_eq!(median(&mut [9, 1, 5]), 5);
        assert_eq!(median(&mut [4, 1, 3, 2]), 2);
    }

    #[test]
    fn warmup_is_not_timed() {
        let mut c = Fake(0);
        let mut s = Samples::default();
        // Warm-up iterations cost 1000 each; timed ones 10 + i.
        let m = per_iteration(&mut c, &mut s, 3, 5, |c, i| c.0 += if i < 3 { 1000 } else { 10 + i as u64 });
        assert_eq!(s.len(), 5);
        assert_eq!(m, 10 + 5);
    }

    #[test]
    fn preparation_is_not_timed() {
        let mut c = Fake(0);
        let mut s = Samples::default();
        let mut prepared = [usize::MAX; 5];
        // Each preparation costs 500, each operation 7.
        let m = per_iteration_prepared(
            &mut c,
            &mut s,
            2,
            3,
            |c, i| {
                prepared[i] = i;
                c.0 += 500
            },
            |c, _| c.0 += 7,
        );
        assert_eq!(prepared, [0, 1, 2, 3, 4]);
        assert_eq!(m, 7);
    }
}
