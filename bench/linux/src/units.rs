// SPDX-License-Identifier: BSD-2-Clause
//! The units of a run. Init execs a fresh copy of this program for each,
//! so every figure starts from the same small process: fork costs depend
//! on what the parent has mapped, and nothing left by one figure (heap,
//! mappings, descriptors) can move the next.
//!
//! A fresh process also has no anonymous mapping that a new one could
//! merge with: mmap_munmap_64k is 11.5k instructions here, 17.3k when the
//! 64 KiB land next to an anonymous mapping (merged by mmap, split again by
//! munmap). The kernel's own state (allocator free lists, the timer's
//! phase) does carry over, so editing one unit can move later figures by a
//! fraction of a percent; the same program repeats exactly.
use crate::linux::{minor_faults, Linux};
use bench_spec::workloads::{self, FileMap, Open, Os, Path, PAGE};
use bench_spec::Samples;

/// Every unit, in the order init runs them.
pub fn names() -> Vec<&'static str> {
    let mut v = vec!["check_fault_around", "getpid", "fault_anon", "mmap_munmap_64k", "fork_exit_wait_small", "fork_exit_wait_1m"];
    v.extend(workloads::posix_workloads::<Linux>().iter().map(|(n, _)| *n));
    v.extend(DISK_UNITS);
    v.push("c_programs");
    v
}

/// The units that need a MINIX file system on a disk: init runs them in
/// [`DISK_DIR`], where it mounted the bench disk.
pub const DISK_UNITS: [&str; 2] = ["disk_seqread_cold", "disk_write_fsync"];
/// Where init mounts the disk.
pub const DISK_DIR: &str = "/disk";

fn report(name: &str, v: Option<u64>) -> bool {
    match v {
        Some(n) => println!("measure name={} instr={}", name, n),
        None => println!("bench-linux: {} could not run", name),
    }
    v.is_some()
}

/// The C figures: `/bin/cbench` (user/c/cbench.c built against stock
/// musl by tools/linux-c.sh, with dash and toybox beside it in the
/// initramfs) measures them and prints its own lines.
fn c_programs() -> bool {
    match std::process::Command::new("/bin/cbench").current_dir("/tmp").status() {
        Ok(s) if s.success() => true,
        other => {
            println!("bench-linux: /bin/cbench failed: {:?}", other);
            false
        }
    }
}

/// Where debugfs puts Linux's fault-around window.
pub const FAULT_AROUND_KNOB: &str = "/sys/kernel/debug/fault_around_bytes";
/// Writing 1 here drops every clean page of the page cache.
pub const DROP_CACHES_KNOB: &str = "/proc/sys/vm/drop_caches";

/// Runs the unit `name` with its files under `dir`; true if every figure
/// it measures was measured. `system_knobs` lets the file-mapping figures
/// change the system-wide fault-around window, and the cold-read figure
/// empty the whole page cache.
pub fn run(name: &str, dir: &'static str, system_knobs: bool) -> bool {
    let os = &mut Linux {
        dir,
        fault_around_knob: system_knobs.then_some(FAULT_AROUND_KNOB),
        drop_caches_knob: system_knobs.then_some(DROP_CACHES_KNOB),
    };
    let s = &mut *Box::<Samples>::default();
    match name {
        "check_fault_around" => check_fault_around(os),
        "getpid" => report("getpid", workloads::null_call(os, s)),
        // Run twice as on our system, where the first run takes frames
        // VM has never handed out and the second reuses freed ones. Linux
        // has one path for both; printing both keeps the columns aligned.
        "fault_anon" => {
            let cold = report("fault_anon_cold", workloads::fault_anon(os, s));
            report("fault_anon_warm", workloads::fault_anon(os, s)) && cold
        }
        "mmap_munmap_64k" => report(name, workloads::mmap_munmap_64k(os, s)),
        "fork_exit_wait_small" => report(name, workloads::fork_exit_wait(os, s, 0)),
        "fork_exit_wait_1m" => report(name, workloads::fork_exit_wait(os, s, 1 << 20)),
        "disk_seqread_cold" => report(name, workloads::disk_seqread_cold(os, s)),
        "disk_write_fsync" => report(name, workloads::disk_write_fsync(os, s)),
        "c_programs" => c_programs(),
        _ => match workloads::posix_workloads::<Linux>().iter().find(|(n, _)| *n == name) {
            Some((n, w)) => report(n, w(os, s)),
            None => {
                println!("bench-linux: no unit {}", name);
                false
            }
        },
    }
}

/// fault_file_cached claims one fault per page and fault_file_around
/// claims fewer: counts the minor faults of both mappings to make sure.
fn check_fault_around(os: &mut Linux) -> bool {
    const PAGES: usize = 64;
    let path = Path::new(os.dir, "check_fault_around");
    let faults = |os: &mut Linux, how: FileMap| -> Option<u64> {
        let fd = os.open(path.as_str(), Open::Read)?;
        let base = os.mmap_file(fd, PAGES * PAGE, how)?;
        let before = minor_faults();
        for p in 0..PAGES {
            // SAFETY: page p of the readable mapping just made.
            unsafe { os.peek(base + p * PAGE) };
        }
        let n = minor_faults() - before;
        os.munmap(base, PAGES * PAGE);
        os.close(fd)?;
        Some(n)
    };
    let made = std::fs::write(path.as_str(), vec![1u8; PAGES * PAGE]).is_ok();
    let one = faults(os, FileMap::SharedOnePagePerFault);
    let around = faults(os, FileMap::Shared);
    let _ = std::fs::remove_file(path.as_str());
    let good = made && one == Some(PAGES as u64) && matches!(around, Some(n) if n < PAGES as u64);
    println!(
        "bench-linux: {} pages read: {:?} faults with fault-around off, {:?} with it on{}",
        PAGES,
        one,
        around,
        if good { "" } else { " (WRONG)" }
    );
    good
}
