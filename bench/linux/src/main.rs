// SPDX-License-Identifier: BSD-2-Clause
//! The Linux peer of `make bench`. In the bench initramfs this program is
//! /init (pid 1): it prepares the system and runs each unit as
//!     /init unit <name> <dir> --system-knobs
//! which prints `measure name=<id> instr=<n>` lines. On any other Linux
//! the `unit` form runs one unit in <dir> (the host tests do this); as
//! anything but pid 1 the program never mounts, loads modules or powers
//! off, and without `--system-knobs` it changes no system setting (the
//! figure that needs one then reports that it could not run).
mod init;
mod linux;
mod units;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(3).filter(|a| !a.starts_with("--"));
    match (args.get(1).map(String::as_str), args.get(2), dir) {
        (Some("unit"), Some(name), dir) => {
            // The units' Os keeps the directory for the whole process.
            let dir: &'static str = Box::leak(dir.cloned().unwrap_or_else(|| "/tmp".into()).into_boxed_str());
            let knob = args.iter().any(|a| a == "--system-knobs");
            std::process::exit(if units::run(name, dir, knob) { 0 } else { 1 })
        }
        // SAFETY: getpid has no arguments.
        _ if unsafe { libc::getpid() } == 1 => init::run(),
        (Some("list"), ..) => units::names().iter().for_each(|n| println!("{}", n)),
        _ => {
            eprintln!("usage: bench-linux unit <name> [dir] | bench-linux list  (as pid 1: runs every unit)");
            std::process::exit(2)
        }
    }
}
