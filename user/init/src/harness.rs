// SPDX-License-Identifier: BSD-2-Clause
//! The in-guest test registry. Every suite lists its tests in a `TESTS`
//! table; `main` runs the tables in order. Before running, the guest prints
//! how many tests are registered, and `qemu/test.sh` checks that exactly
//! that many `test … ok|FAILED` lines appeared and that the summary agrees,
//! so a test that silently stops running fails the run.
use sel4_root_task::println;

/// State some tests share (the process's grant table, registered once).
pub struct Ctx {
    pub grants: mxrt::grants::Grants,
}

/// One registered test.
pub struct Test {
    pub name: &'static str,
    pub run: fn(&mut Ctx) -> Result<(), &'static str>,
}

#[derive(Default)]
pub struct Harness {
    pub passed: u64,
    pub failed: u64,
}

impl Harness {
    pub fn check(&mut self, name: &str, result: Result<(), &str>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                println!("test {}: ok", name);
            }
            Err(why) => {
                self.failed += 1;
                println!("test {}: FAILED ({})", name, why);
            }
        }
    }

    /// Prints the number of registered tests, then runs every suite.
    pub fn run_all(&mut self, suites: &[&[Test]]) {
        let total: usize = suites.iter().map(|s| s.len()).sum();
        println!("tests registered: {}", total);
        self.run(suites);
    }

    /// Runs every suite (the caller said how many tests there are).
    pub fn run(&mut self, suites: &[&[Test]]) {
        let mut ctx = Ctx { grants: mxrt::grants::Grants::new() };
        for suite in suites {
            for t in suite.iter() {
                let r = (t.run)(&mut ctx);
                self.check(t.name, r);
            }
        }
    }
}

/// The running process's endpoint (the word PM starts it with), for
/// tests that name themselves: init's, or `/bin/mtest`'s once it set it.
static SELF: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(minix_abi::endpoint::INIT.0);

pub fn set_self(ep: u64) {
    SELF.store(ep as u32, core::sync::atomic::Ordering::Relaxed);
}

pub fn self_ep() -> minix_abi::endpoint::Endpoint {
    minix_abi::endpoint::Endpoint(SELF.load(core::sync::atomic::Ordering::Relaxed))
}

/// xorshift64*, for the randomised tests: deterministic from its seed, so
/// a failure repeats exactly.
pub struct Rng(pub u64);

impl Rng {
    // The generator's next number, not an iterator's next item: it never
    // ends, and the suites call it as `next` throughout.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value below `n` (which must not be 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `Ok(())` when `cond` holds, else `Err(why)`.
pub fn ensure(cond: bool, why: &'static str) -> Result<(), &'static str> {
    if cond {
        Ok(())
    } else {
        Err(why)
    }
}

/// The value, or `Err(why)` with the errno printed under the test's line.
pub fn ok<T>(r: Result<T, minix_abi::errno::Errno>, why: &'static str) -> Result<T, &'static str> {
    r.map_err(|e| {
        println!("  {}: {}", why, e.name());
        why
    })
}

/// `Ok(())` when `r` failed with `want`; otherwise `Err(why)`, with what
/// came instead printed under the test's line.
pub fn expect_err<T>(r: Result<T, minix_abi::errno::Errno>, want: minix_abi::errno::Errno, why: &'static str) -> Result<(), &'static str> {
    match r {
        Err(got) if got == want => Ok(()),
        Err(got) => {
            println!("  {}: got {} for {}", why, got.name(), want.name());
            Err(why)
        }
        Ok(_) => {
            println!("  {}: succeeded, {} expected", why, want.name());
            Err(why)
        }
    }
}
