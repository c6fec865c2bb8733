// SPDX-License-Identifier: BSD-2-Clause
//! mkimage end to end: build an image from a host tree, list it, fsck it,
//! and fill an image made by util-linux's mkfs.minix.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const FSCK: &str = "/usr/sbin/fsck.minix";
const MKFS: &str = "/usr/sbin/mkfs.minix";

fn scratch(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("mkimage-test-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&p);
    fs::create_dir_all(&p).unwrap();
    p
}

fn mkimage(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mkimage")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn fsck_ok(img: &Path) {
    if !Path::new(FSCK).exists() {
        println!("note: {FSCK} is missing (util-linux); skipping the fsck check");
        return;
    }
    let out = Command::new(FSCK).arg("-f").arg(img).output().unwrap();
    assert!(out.status.success(), "fsck.minix: {}", String::from_utf8_lossy(&out.stdout));
}

/// A host tree with a bit of everything mkimage copies.
fn sample_tree(root: &Path) {
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
    fs::create_dir_all(root.join("a/b/c")).unwrap();
    fs::write(root.join("etc/motd"), "hello\n").unwrap();
    fs::write(root.join("empty/.gitkeep"), "").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(root.join("a/b/c/big"), &big).unwrap();
    fs::write(root.join("a/script"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(root.join("a/script"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::hard_link(root.join("etc/motd"), root.join("a/motd-link")).unwrap();
    symlink("../etc/motd", root.join("a/motd-sym")).unwrap();
    // Modes independent of the umask.
    for (p, m) in [("", 0o755), ("etc", 0o755), ("empty", 0o755), ("a", 0o755), ("a/b", 0o755), ("a/b/c", 0o755)] {
        fs::set_permissions(root.join(p), fs::Permissions::from_mode(m)).unwrap();
    }
    for p in ["etc/motd", "a/b/c/big"] {
        fs::set_permissions(root.join(p), fs::Permissions::from_mode(0o644)).unwrap();
    }
}

#[test]
fn build_list_and_fsck() {
    let dir = scratch("build");
    let tree = dir.join("tree");
    sample_tree(&tree);
    let img = dir.join("out.img");
    let (ok, _, err) = mkimage(&["--size", "2048", "--block-size", "1024", "--out", img.to_str().unwrap(), tree.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(fs::metadata(&img).unwrap().len(), 2048 * 1024);
    fsck_ok(&img);
    let (ok, list, err) = mkimage(&["--list", img.to_str().unwrap()]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = list.lines().collect();
    let want = [
        "d 0755 5 0:0 320 - /", // 2 + three subdirectories
        "d 0755 3 0:0 384 - /a",
        "d 0755 3 0:0 192 - /a/b",
        "d 0755 2 0:0 192 - /a/b/c",
        "f 0644 1 0:0 300000 ",
        "f 0644 2 0:0 6 ",
        "l 0777 1 0:0 11 - /a/motd-sym -> ../etc/motd",
        "f 0755 1 0:0 10 ",
        "d 0755 2 0:0 128 - /empty",
        "d 0755 2 0:0 192 - /etc",
        "f 0644 2 0:0 6 ",
    ];
    assert_eq!(lines.len(), want.len() + 1, "{list}");
    for (l, w) in lines.iter().zip(want) {
        assert!(l.starts_with(w), "{l:?} should start with {w:?}\n{list}");
    }
    assert!(lines[4].ends_with(" /a/b/c/big"));
    // Both names of the hard link have the same contents checksum.
    let sum = |l: &str| l.split(' ').nth(5).unwrap().to_string();
    assert_eq!(sum(lines[5]), sum(lines[10]));
    assert_eq!(sum(lines[10]).len(), 16);
    assert_eq!(lines[11], "total: 4 files, 6 dirs, 1 symlinks, 300022 bytes");
    // --ino names inodes: the root is 1, hard links share one.
    let ino = |p: &str| mkimage(&["--ino", img.to_str().unwrap(), p]);
    assert_eq!(ino("/").1.trim(), "1");
    let (a, b) = (ino("/etc/motd"), ino("/a/motd-link"));
    assert!(a.0 && b.0 && a.1 == b.1 && a.1.trim() != "1", "{a:?} {b:?}");
    assert!(!ino("/nope").0);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn add_into_a_util_linux_image() {
    if !Path::new(MKFS).exists() {
        println!("note: {MKFS} is missing (util-linux); skipping");
        return;
    }
    let dir = scratch("add");
    let tree = dir.join("tree");
    sample_tree(&tree);
    let img = dir.join("debian.img");
    fs::write(&img, vec![0u8; 4096 * 1024]).unwrap();
    assert!(Command::new(MKFS).arg("-3").arg(&img).output().unwrap().status.success());
    let (ok, _, err) = mkimage(&["--add", img.to_str().unwrap(), tree.to_str().unwrap()]);
    assert!(ok, "{err}");
    fsck_ok(&img);
    // Adding again replaces files and merges directories.
    let (ok, _, err) = mkimage(&["--add", img.to_str().unwrap(), tree.to_str().unwrap()]);
    assert!(ok, "{err}");
    fsck_ok(&img);
    let (ok, list, _) = mkimage(&["--list", img.to_str().unwrap()]);
    assert!(ok);
    assert!(list.contains(" /a/b/c/big\n") && list.ends_with("total: 4 files, 6 dirs, 1 symlinks, 300022 bytes\n"), "{list}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_and_too_small() {
    let dir = scratch("bad");
    let tree = dir.join("tree");
    sample_tree(&tree);
    assert!(!mkimage(&["--list"]).0);
    assert!(!mkimage(&["--bogus"]).0);
    assert!(!mkimage(&["--size", "x", "--out", "a", "b"]).0);
    let img = dir.join("small.img");
    // 200 KiB cannot hold the 300 KB file: ENOSPC, reported.
    let (ok, _, err) = mkimage(&["--size", "200", "--out", img.to_str().unwrap(), tree.to_str().unwrap()]);
    assert!(!ok && err.contains("ENOSPC"), "{err}");
    let (ok, _, err) = mkimage(&["--list", dir.join("missing.img").to_str().unwrap()]);
    assert!(!ok && !err.is_empty());
    let _ = fs::remove_dir_all(&dir);
}
