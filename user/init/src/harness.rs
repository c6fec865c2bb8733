//! Test bookkeeping: one printed line per test.
use sel4_root_task::println;

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
}

/// `Ok(())` when `cond` holds, else `Err(why)`.
pub fn ensure(cond: bool, why: &'static str) -> Result<(), &'static str> {
    if cond {
        Ok(())
    } else {
        Err(why)
    }
}
