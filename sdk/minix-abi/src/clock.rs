// SPDX-License-Identifier: BSD-2-Clause
//! The shared clock page: how a process reads the time without a message.
//!
//! The timer driver owns one page, mapped writable in the driver alone;
//! VM maps the same frame read-only into every user process at
//! [`crate::cspace::addr::CLOCK_PAGE`]. The page publishes how to turn the
//! TSC into time:
//!
//! ```text
//! monotonic_ns = MONO_BASE + ((tsc - TSC_BASE) * MULT) >> 32
//! realtime_ns  = monotonic_ns + REAL_OFFSET          (wrapping, as i64)
//! ```
//!
//! | word (u64) | field |
//! |---|---|
//! | 0 | `SEQ`: even when the page is consistent, odd while the driver writes it |
//! | 1 | `MAGIC` ([`MAGIC`] once the driver has published) |
//! | 2 | `TSC_BASE` |
//! | 3 | `MONO_BASE` (ns) |
//! | 4 | `MULT`: nanoseconds per TSC tick × 2^32 |
//! | 5 | `REAL_OFFSET`: realtime minus monotonic, ns (two's complement) |
//! | 6 | `TSC_HZ` |
//!
//! The driver is the only writer. A reader retries while `SEQ` is odd or
//! changed under it (a sequence lock), so a `clock_settime` never shows a
//! half-written offset. The page is memory, not a message, so its words
//! are 64-bit on every port (a 32-bit reader reads each in two halves,
//! which the sequence check covers).
use core::sync::atomic::{fence, Ordering};

pub const SEQ: usize = 0;
pub const MAGIC_WORD: usize = 1;
pub const TSC_BASE: usize = 2;
pub const MONO_BASE: usize = 3;
pub const MULT: usize = 4;
pub const REAL_OFFSET: usize = 5;
pub const TSC_HZ: usize = 6;
/// Words the page uses.
pub const WORDS: usize = 7;
/// "clock v1".
pub const MAGIC: u64 = 0x636c_6f63_6b5f_7631;

/// Word access to the page, atomic per word (a shared mapping in the
/// system, an array of atomics in the tests).
pub trait Words {
    fn load(&self, i: usize, o: Ordering) -> u64;
    fn store(&self, i: usize, v: u64, o: Ordering);
}

/// How to turn TSC ticks into nanoseconds, as published.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Params {
    pub tsc_base: u64,
    pub mono_base: u64,
    pub mult: u64,
    pub real_offset: u64,
    pub tsc_hz: u64,
}

impl Params {
    /// The scale for a TSC of `tsc_hz` (not 0), starting the monotonic
    /// clock at `tsc_base` with the time the TSC has counted since reset.
    pub fn new(tsc_hz: u64, tsc_base: u64) -> Params {
        let hz = tsc_hz.max(1);
        let mult = ((1_000_000_000u128 << 32) / hz as u128).min(u64::MAX as u128) as u64;
        let mut p = Params { tsc_base: 0, mono_base: 0, mult, real_offset: 0, tsc_hz: hz };
        p.mono_base = p.mono_ns(tsc_base);
        p.tsc_base = tsc_base;
        p
    }

    /// Monotonic nanoseconds at TSC `tsc` (a TSC before the base reads as
    /// the base).
    #[inline]
    pub fn mono_ns(&self, tsc: u64) -> u64 {
        let delta = tsc.saturating_sub(self.tsc_base) as u128;
        let ns = (delta * self.mult as u128) >> 32;
        self.mono_base.saturating_add(ns.min(u64::MAX as u128) as u64)
    }

    /// Realtime nanoseconds since the epoch at monotonic `mono`.
    #[inline]
    pub fn real_ns(&self, mono: u64) -> i64 {
        mono.wrapping_add(self.real_offset) as i64
    }

    /// The offset that makes realtime read `real_ns` at monotonic `mono`.
    pub fn offset_for(real_ns: u64, mono: u64) -> u64 {
        real_ns.wrapping_sub(mono)
    }
}

/// Reads a consistent copy of the parameters, or `None` before the driver
/// published any.
#[inline]
pub fn read(w: &impl Words) -> Option<Params> {
    loop {
        let s1 = w.load(SEQ, Ordering::Acquire);
        if s1 & 1 != 0 {
            core::hint::spin_loop();
            continue;
        }
        let magic = w.load(MAGIC_WORD, Ordering::Relaxed);
        let p = Params {
            tsc_base: w.load(TSC_BASE, Ordering::Relaxed),
            mono_base: w.load(MONO_BASE, Ordering::Relaxed),
            mult: w.load(MULT, Ordering::Relaxed),
            real_offset: w.load(REAL_OFFSET, Ordering::Relaxed),
            tsc_hz: w.load(TSC_HZ, Ordering::Relaxed),
        };
        fence(Ordering::Acquire);
        if w.load(SEQ, Ordering::Relaxed) == s1 {
            return (magic == MAGIC).then_some(p);
        }
    }
}

/// Publishes `p` (the driver, the page's one writer).
pub fn publish(w: &impl Words, p: &Params) {
    let s = w.load(SEQ, Ordering::Relaxed);
    let odd = s.wrapping_add(1) | 1;
    w.store(SEQ, odd, Ordering::Relaxed);
    fence(Ordering::Release);
    w.store(TSC_BASE, p.tsc_base, Ordering::Relaxed);
    w.store(MONO_BASE, p.mono_base, Ordering::Relaxed);
    w.store(MULT, p.mult, Ordering::Relaxed);
    w.store(REAL_OFFSET, p.real_offset, Ordering::Relaxed);
    w.store(TSC_HZ, p.tsc_hz, Ordering::Relaxed);
    w.store(MAGIC_WORD, MAGIC, Ordering::Relaxed);
    w.store(SEQ, odd.wrapping_add(1), Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicU64;

    struct Page([AtomicU64; WORDS]);
    impl Words for Page {
        fn load(&self, i: usize, o: Ordering) -> u64 {
            self.0[i].load(o)
        }
        fn store(&self, i: usize, v: u64, o: Ordering) {
            self.0[i].store(v, o)
        }
    }
    fn page() -> Page {
        Page(core::array::from_fn(|_| AtomicU64::new(0)))
    }

    #[test]
    fn nothing_before_publishing() {
        assert_eq!(read(&page()), None);
    }

    #[test]
    fn scale_and_offset() {
        let p = Params::new(2_000_000_000, 4_000_000_000);
        // 4e9 ticks at 2 GHz: two seconds since reset.
        assert_eq!(p.mono_ns(4_000_000_000), 2_000_000_000);
        let one_s = p.mono_ns(6_000_000_000);
        assert!((2_999_999_999..=3_000_000_000).contains(&one_s), "{}", one_s);
        // A TSC before the base never goes back.
        assert_eq!(p.mono_ns(0), p.mono_base);
        let mut q = p;
        q.real_offset = Params::offset_for(1_700_000_000_000_000_000, one_s);
        assert_eq!(q.real_ns(one_s), 1_700_000_000_000_000_000);
        let pg = page();
        publish(&pg, &q);
        assert_eq!(read(&pg), Some(q));
        assert_eq!(pg.load(SEQ, Ordering::Relaxed) & 1, 0);
    }

    #[test]
    fn monotonic_over_a_long_run() {
        // 3.3 GHz for 10 years of ticks: no overflow, never backwards.
        let p = Params::new(3_300_000_000, 1000);
        let mut last = 0;
        let mut t = 1000u64;
        while t < 3_300_000_000u64 * 86400 * 3650 {
            let ns = p.mono_ns(t);
            assert!(ns >= last);
            last = ns;
            t = t * 3 / 2 + 7;
        }
    }

    #[test]
    fn a_reader_never_sees_a_torn_page() {
        use std::sync::Arc;
        let pg = Arc::new(page());
        let a = Params { tsc_base: 1, mono_base: 1, mult: 1, real_offset: 1, tsc_hz: 1 };
        let b = Params { tsc_base: 2, mono_base: 2, mult: 2, real_offset: 2, tsc_hz: 2 };
        publish(&*pg, &a);
        let w = pg.clone();
        let writer = std::thread::spawn(move || {
            for i in 0..20_000 {
                publish(&*w, if i % 2 == 0 { &b } else { &a });
            }
        });
        for _ in 0..20_000 {
            let p = read(&*pg).expect("published");
            assert!(p == a || p == b, "{:?}", p);
        }
        writer.join().unwrap();
    }
}
