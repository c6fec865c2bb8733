// SPDX-License-Identifier: BSD-2-Clause
//! What the program does as /init: prepare a quiet, repeatable system, run
//! every unit in a freshly exec'd child, then power off so QEMU exits.
use crate::units;
use std::ffi::CString;
use std::process::Command;

fn mount(source: &str, target: &str, fstype: &str) -> bool {
    let _ = std::fs::create_dir_all(target);
    let (s, t, f) = (CString::new(source).unwrap(), CString::new(target).unwrap(), CString::new(fstype).unwrap());
    // SAFETY: NUL-terminated strings that outlive the call; no data.
    if unsafe { libc::mount(s.as_ptr(), t.as_ptr(), f.as_ptr(), 0, std::ptr::null()) } != 0 {
        println!("bench-linux: mounting {} on {} failed: {}", fstype, target, std::io::Error::last_os_error());
        return false;
    }
    true
}

/// Where the initramfs keeps the kernel modules the disk needs, named so
/// that sorting them puts each after the modules it depends on.
const MODULES: &str = "/modules";
/// The bench disk: the first virtio disk.
const DISK: &str = "/dev/vda";

/// Loads every module under [`MODULES`], in name order. Debian builds
/// virtio-blk and the minix file system as modules; there is no modprobe
/// in the initramfs, so init does what it would with `init_module`.
fn load_modules() -> bool {
    let mut files: Vec<_> = match std::fs::read_dir(MODULES) {
        Ok(d) => d.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(e) => {
            println!("bench-linux: no modules ({})", e);
            return false;
        }
    };
    files.sort();
    let mut good = true;
    for f in &files {
        let image = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                println!("bench-linux: cannot read {}: {}", f.display(), e);
                good = false;
                continue;
            }
        };
        // SAFETY: the kernel reads `image.len()` bytes of the image and
        // the empty parameter string; neither is kept past the call.
        let r = unsafe { libc::syscall(libc::SYS_init_module, image.as_ptr(), image.len(), c"".as_ptr()) };
        if r != 0 {
            println!("bench-linux: loading {} failed: {}", f.display(), std::io::Error::last_os_error());
            good = false;
        }
    }
    good
}

/// Mounts the bench disk's MINIX file system on [`units::DISK_DIR`]. The
/// virtio probe finishes inside the module's load, but the device node
/// devtmpfs makes may lag a little: wait for it, boundedly.
fn mount_disk() -> bool {
    if !load_modules() || !mount("devtmpfs", "/dev", "devtmpfs") {
        return false;
    }
    for _ in 0..100 {
        if std::path::Path::new(DISK).exists() {
            return mount(DISK, units::DISK_DIR, "minix");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    println!("bench-linux: no {}", DISK);
    false
}

/// Everything that would otherwise make figures differ from boot to boot
/// or from the 4 KiB paths our system has.
fn prepare() {
    mount("proc", "/proc", "proc");
    mount("sysfs", "/sys", "sysfs");
    // For fault_around_bytes: the file-mapping figures set it.
    mount("debugfs", "/sys/kernel/debug", "debugfs");
    // The file workloads' directory: tmpfs, so "cached" holds for every
    // file and no block device or disk image is needed.
    mount("tmpfs", "/tmp", "tmpfs");
    // Debian's kernel defaults to transparent huge pages "always": part of
    // the anonymous fault figure's 4 MiB range would then be one 2 MiB
    // fault and many free touches. The figure is the 4 KiB fault.
    if let Err(e) = std::fs::write("/sys/kernel/mm/transparent_hugepage/enabled", "never") {
        println!("bench-linux: cannot turn off transparent huge pages: {}", e);
    }
    // Until the RNG is seeded, every fork, exec and tmpfs create pays
    // about 7k instructions for it; one blocking read seeds it for good.
    let mut seed = [0u8; 16];
    // SAFETY: the kernel fills `seed`.
    let n = unsafe { libc::getrandom(seed.as_mut_ptr().cast(), seed.len(), 0) };
    if n != seed.len() as isize {
        println!("bench-linux: getrandom failed");
    }
    // No address randomisation in this process and so in every unit it
    // execs (norandmaps on the command line does the same; this keeps the
    // program right without it): random layouts move the fork figures.
    // SAFETY: changes only this process's personality flags.
    unsafe { libc::personality(libc::ADDR_NO_RANDOMIZE as libc::c_ulong) };
    // The disk figures' file system; without it they report that they
    // could not run.
    mount_disk();
}

fn power_off() -> ! {
    // SAFETY: sync and reboot take no pointers; pid 1 may power off.
    unsafe {
        libc::sync();
        libc::reboot(libc::LINUX_REBOOT_CMD_POWER_OFF);
    }
    // Unreachable unless reboot failed; exiting pid 1 panics the kernel,
    // which with panic=-1 and -no-reboot also ends QEMU.
    std::process::exit(1)
}

pub fn run() -> ! {
    // The firmware leaves terminal escapes on the console's current line;
    // every line of ours must start a line of the log.
    println!();
    prepare();
    let exe = std::env::current_exe().unwrap_or_else(|_| "/init".into());
    let mut failed = 0;
    let names = units::names();
    for name in &names {
        let dir = if units::DISK_UNITS.contains(name) { units::DISK_DIR } else { "/tmp" };
        let ok = Command::new(&exe).args(["unit", name, dir, "--system-knobs"]).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            println!("bench-linux: unit {} failed", name);
            failed += 1;
        }
    }
    println!("bench-linux: done: {} units, {} failed", names.len(), failed);
    power_off()
}
