// SPDX-License-Identifier: BSD-2-Clause
//! Runs every unit on the host's own Linux, in a scratch directory: the
//! shared workloads and the Linux `Os` must produce every figure (the
//! values are host cycles, not instructions, and are not checked). The
//! units that change the fault-around window, and those that need a MINIX
//! file system on a disk, need the bench guest.
use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_bench-linux");
/// The C figures need the bench initramfs's /bin (cbench, dash, toybox).
const GUEST_ONLY: &[&str] = &[
    "check_fault_around",
    "fault_file_cached",
    "disk_seqread_cold",
    "disk_write_fsync",
    "c_programs",
    "exec_c_hello",
    "sh_loop",
    "sh_pipeline",
    "thread_create_join",
    "futex_pingpong",
];

fn units() -> Vec<String> {
    let out = Command::new(EXE).arg("list").output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
}

#[test]
fn every_unit_measures_on_the_host() {
    let dir = std::env::temp_dir().join(format!("bench-linux-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut measured = Vec::new();
    for unit in units().iter().filter(|u| !GUEST_ONLY.contains(&u.as_str())) {
        let out = Command::new(EXE).args(["unit", unit, dir.to_str().unwrap()]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "unit {} failed: {}", unit, text);
        for line in text.lines() {
            let name = line.strip_prefix("measure name=").and_then(|l| l.split(' ').next());
            measured.push(name.unwrap_or_else(|| panic!("unit {}: unexpected line {}", unit, line)).to_string());
        }
    }
    // Every file the workloads made, they removed.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir(&dir).unwrap();
    for fig in bench_spec::FIGURES.iter().filter(|f| f.linux && !GUEST_ONLY.contains(&f.name)) {
        assert!(measured.iter().any(|m| m == fig.name), "{} not measured", fig.name);
    }
}

#[test]
fn without_the_knob_one_page_faults_are_unsupported() {
    let dir = std::env::temp_dir().join(format!("bench-linux-knob-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(EXE).args(["unit", "fault_file_cached", dir.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("fault_file_cached could not run"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refuses_to_act_as_init_off_pid_1() {
    let out = Command::new(EXE).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn disk_figures_refuse_a_directory_off_a_minix_disk() {
    let dir = std::env::temp_dir().join(format!("bench-linux-disk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for unit in ["disk_seqread_cold", "disk_write_fsync"] {
        let out = Command::new(EXE).args(["unit", unit, dir.to_str().unwrap()]).output().unwrap();
        assert!(!out.status.success(), "{} ran off a MINIX disk", unit);
        assert!(String::from_utf8(out.stdout).unwrap().contains(&format!("{} could not run", unit)));
    }
    // Nothing was written.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir(&dir).unwrap();
}
