// SPDX-License-Identifier: BSD-2-Clause
//! bench-report SEL4_LOG LINUX_FIGURES
//! Prints a `bench` line per figure and a table; exits 1 if the IPC floors
//! are missing or a figure is past its hard limit (bench-spec's
//! `floor_limit`), 2 on bad usage.
use bench_report::{parse, print, rows};
use bench_spec::figures::{self, FIGURES};

/// A log's figures; a missing or unreadable file has none (the missing
/// floors then fail the run if it was ours).
fn read(path: &str) -> rows::Measures {
    match std::fs::read(path) {
        Ok(bytes) => {
            let m = parse::measures(&String::from_utf8_lossy(&bytes));
            for name in m.keys().filter(|n| figures::find(n).is_none()) {
                eprintln!("report: {} names an unknown figure {}", path, name);
            }
            m
        }
        Err(e) => {
            eprintln!("report: cannot read {}: {}", path, e);
            Default::default()
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, ours, linux] = &args[..] else {
        eprintln!("usage: bench-report SEL4_LOG LINUX_FIGURES");
        std::process::exit(2);
    };
    let (ours, linux) = (read(ours), read(linux));
    let rows = rows::rows(FIGURES, &ours, &linux);
    for r in &rows {
        println!("{}", print::bench_line(r));
    }
    println!();
    for line in print::table(&rows) {
        println!("{}", line);
    }
    let problems = rows::problems(FIGURES, &ours);
    for p in &problems {
        eprintln!("report: {}", p);
    }
    std::process::exit(if problems.is_empty() { 0 } else { 1 });
}
