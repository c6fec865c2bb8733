// SPDX-License-Identifier: BSD-2-Clause
//! Images made by util-linux's `mkfs.minix -3` open, take files, read
//! back, and still pass its fsck afterwards.

use super::check::verify;
use super::util::{assert_fsck_clean, have, pattern, temp_path, MKFS};
use crate::*;
use std::process::Command;

fn debian_image(kib: u32) -> Option<RamDisk> {
    if !have(MKFS) {
        return None;
    }
    let path = temp_path("mkfs");
    std::fs::write(&path, vec![0u8; kib as usize * 1024]).unwrap();
    let out = Command::new(MKFS).arg("-3").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    Some(RamDisk::from_vec(img))
}

#[test]
fn debian_mkfs_image_round_trip() {
    let Some(img) = debian_image(4096) else { return };
    let mut fs = FileSystem::mount(img).unwrap();
    assert!(!fs.was_clean(), "util-linux leaves s_flags at 0");
    let st = fs.statvfs().unwrap();
    assert_eq!((st.blocks, st.files, st.free_files), (4096, 1376, 1375));
    assert_eq!(st.free_blocks, 4096 - 90 - 1);
    let etc = fs.mkdir(ROOT_INO, b"etc", 0o755, 0, 0).unwrap();
    let motd = fs.create(etc, b"motd", 0o644, 0, 0).unwrap();
    fs.write(motd, 0, b"welcome\n").unwrap();
    let big = fs.create(ROOT_INO, b"big", 0o644, 0, 0).unwrap();
    let data = pattern(9, 400_000);
    fs.write(big, 0, &data).unwrap();
    fs.symlink(ROOT_INO, b"m", b"etc/motd", 0, 0).unwrap();
    fs.link(ROOT_INO, b"motd2", motd).unwrap();
    verify(&mut fs).unwrap();
    let dev = fs.unmount().unwrap();
    assert_fsck_clean(dev.as_bytes());
    let mut fs = FileSystem::mount(dev).unwrap();
    assert!(fs.was_clean());
    let mut back = vec![0; 400_000];
    assert_eq!(fs.read(big, 0, &mut back), Ok(400_000));
    assert!(back == data);
    let etc2 = fs.lookup(ROOT_INO, b"etc").unwrap();
    let m = fs.lookup(etc2, b"motd").unwrap();
    let mut buf = [0; 16];
    assert_eq!(fs.read(m, 0, &mut buf), Ok(8));
    assert_eq!(&buf[..8], b"welcome\n");
    fs.truncate(big, 1000).unwrap();
    fs.unlink(ROOT_INO, b"motd2").unwrap();
    let dev = fs.unmount().unwrap();
    assert_fsck_clean(dev.as_bytes());
}

#[test]
fn our_mkfs_matches_fsck() {
    // Several sizes, including ones where the maps need more than a block.
    for kib in [64usize, 1000, 9000, 70_000] {
        let dev = super::util::format(1024, kib);
        assert_fsck_clean(dev.as_bytes());
        let mut fs = FileSystem::mount(dev).unwrap();
        verify(&mut fs).unwrap();
    }
}

#[test]
fn fsck_harness_sees_corruption() {
    // A control: the fsck step must fail on a broken image, or passing it
    // would mean nothing.
    if !have(super::util::FSCK) {
        return;
    }
    let mut fs = super::util::fresh(1024, 1024);
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    fs.write(f, 0, &[1; 20_000]).unwrap();
    let z7 = fs.inode(f).unwrap().zone[7] as usize;
    let mut img = fs.unmount().unwrap().into_vec();
    // A non-zero slot past the end of the file in its indirect block.
    img[z7 * 1024 + 200 * 4] = 1;
    let path = temp_path("control");
    std::fs::write(&path, &img).unwrap();
    let st = Command::new(super::util::FSCK).arg("-f").arg(&path).output().unwrap().status;
    let _ = std::fs::remove_file(&path);
    assert!(!st.success());
}
