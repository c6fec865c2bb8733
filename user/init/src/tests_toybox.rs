// SPDX-License-Identifier: BSD-2-Clause
//! toybox's own test suite (its `tests/*.test`, driven by its
//! `scripts/test.sh` under bash), run on the system against the
//! installed toybox: `TEST_HOST=1` tests the commands on `PATH`. Every
//! `PASS`, `FAIL` and `SKIP` line is counted; the test fails if a test
//! fails that is not among the known failures below (each with why), and
//! prints the counts for the record.
extern crate alloc;
use crate::harness::Test;
use crate::tests_exec::run_probe;
use alloc::vec::Vec;

pub const TESTS: &[Test] = &[Test { name: "toybox.test_suite", run: |_| suite() }];

/// Tests known to fail here, by their `FAIL:` line's name.
const KNOWN_FAILURES: &[&str] = &[];

fn suite() -> Result<(), &'static str> {
    let script = "cd /usr/src/toybox && TEST_HOST=1 CC=true VERBOSE='all quiet' bash scripts/test.sh 2>&1";
    let (out, _) = run_probe(b"/bin/bash", &[b"bash", b"-c", script.as_bytes()], &[b"PATH=/bin", b"HOME=/tmp", b"USER=root"], || {})?;
    let (mut pass, mut skip) = (0, 0);
    let mut failed: Vec<&str> = Vec::new();
    for line in out.lines() {
        if line.starts_with("PASS: ") {
            pass += 1;
        } else if line.starts_with("SKIP") {
            skip += 1;
        } else if let Some(name) = line.strip_prefix("FAIL: ") {
            failed.push(name);
        }
    }
    sel4_root_task::println!("toybox: {} passed, {} failed, {} skipped", pass, failed.len(), skip);
    let mut unknown = 0;
    for f in &failed {
        let known = KNOWN_FAILURES.contains(f);
        if !known {
            unknown += 1;
        }
        sel4_root_task::println!("  FAIL{}: {}", if known { " (known)" } else { "" }, f);
    }
    if pass == 0 {
        sel4_root_task::println!("  the suite printed: {:?}", &out[..out.len().min(2000)]);
        return Err("toybox's suite passed nothing");
    }
    if unknown > 0 {
        return Err("toybox tests failed that are not known to fail");
    }
    Ok(())
}
