// SPDX-License-Identifier: BSD-2-Clause
//! Helpers: fresh file systems and running util-linux's fsck.minix.

use crate::{mkfs, FileSystem, FormatOptions, RamDisk};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub const FSCK: &str = "/usr/sbin/fsck.minix";
pub const MKFS: &str = "/usr/sbin/mkfs.minix";

pub fn format(bs: u32, kib: usize) -> RamDisk {
    let mut d = RamDisk::new(kib * 1024);
    mkfs(&mut d, &FormatOptions { block_size: bs, ..Default::default() }).unwrap();
    d
}

pub fn fresh(bs: u32, kib: usize) -> FileSystem<RamDisk> {
    FileSystem::mount(format(bs, kib)).unwrap()
}

/// A file name under the temp dir no other test (or run) uses.
pub fn temp_path(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("minixfs-{}-{}-{}.img", std::process::id(), tag, n))
}

pub fn have(tool: &str) -> bool {
    let ok = Path::new(tool).exists();
    if !ok {
        println!("note: {tool} is missing (util-linux); skipping that check");
    }
    ok
}

/// Runs `fsck.minix -f` on a copy of `img` and asserts it finds nothing.
/// Skipped, with a note, where util-linux is not installed.
pub fn assert_fsck_clean(img: &[u8]) {
    if !have(FSCK) {
        return;
    }
    let path = temp_path("fsck");
    std::fs::write(&path, img).unwrap();
    let out = Command::new(FSCK).arg("-f").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "fsck.minix -f: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Unmounts and fscks a 1 KiB image; returns the device for more checks.
pub fn unmount_and_fsck(mut fs: FileSystem<RamDisk>) -> RamDisk {
    super::check::verify(&mut fs).unwrap();
    let bs = fs.block_size();
    let dev = fs.unmount().unwrap();
    if bs == 1024 {
        assert_fsck_clean(dev.as_bytes());
    }
    dev
}

/// A byte pattern that differs per position and seed.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2654435761).to_le_bytes()[1] ^ seed).collect()
}
