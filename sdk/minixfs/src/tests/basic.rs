// SPDX-License-Identifier: BSD-2-Clause
//! The calls one by one: results, errors, link counts, and fsck afterwards.

use super::check::verify;
use super::util::{fresh, pattern, unmount_and_fsck};
use crate::inode::{S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG};
use crate::superblock::FLAG_CLEAN;
use crate::*;
use minix_abi::errno::*;

#[test]
fn create_write_read_stat() {
    let mut fs = fresh(1024, 2048);
    fs.set_time(1000);
    let f = fs.create(ROOT_INO, b"hello", 0o644, 5, 6).unwrap();
    assert_eq!(fs.write(f, 0, b"hello, world\n").unwrap(), 13);
    let mut buf = [0u8; 64];
    assert_eq!(fs.read(f, 0, &mut buf).unwrap(), 13);
    assert_eq!(&buf[..13], b"hello, world\n");
    assert_eq!(fs.read(f, 7, &mut buf[..3]).unwrap(), 3);
    assert_eq!(&buf[..3], b"wor");
    assert_eq!(fs.read(f, 13, &mut buf).unwrap(), 0);
    assert_eq!(fs.read(f, 1 << 40, &mut buf).unwrap(), 0);
    let st = fs.stat(f).unwrap();
    assert_eq!((st.ino, st.mode, st.nlinks, st.uid, st.gid, st.size), (f, S_IFREG | 0o644, 1, 5, 6, 13));
    assert_eq!((st.mtime, st.ctime, st.blocks), (1000, 1000, 2));
    assert_eq!(fs.lookup(ROOT_INO, b"hello"), Ok(f));
    assert_eq!(fs.lookup(ROOT_INO, b"."), Ok(ROOT_INO));
    assert_eq!(fs.lookup(ROOT_INO, b".."), Ok(ROOT_INO));
    assert_eq!(fs.lookup(ROOT_INO, b"nope"), Err(ENOENT));
    assert_eq!(fs.lookup(f, b"x"), Err(ENOTDIR));
    assert_eq!(fs.create(ROOT_INO, b"hello", 0o644, 0, 0), Err(EEXIST));
    assert_eq!(fs.create(ROOT_INO, b".", 0o644, 0, 0), Err(EEXIST));
    assert_eq!(fs.create(ROOT_INO, &[b'n'; 61], 0o644, 0, 0), Err(ENAMETOOLONG));
    assert_eq!(fs.lookup(ROOT_INO, &[b'n'; 61]), Err(ENAMETOOLONG));
    let long = fs.create(ROOT_INO, &[b'n'; 60], 0o600, 0, 0).unwrap();
    assert_eq!(fs.lookup(ROOT_INO, &[b'n'; 60]), Ok(long));
    assert_eq!(fs.create(f, b"x", 0o644, 0, 0), Err(ENOTDIR));
    assert_eq!(fs.create(ROOT_INO, b"d", S_IFDIR | 0o755, 0, 0), Err(EINVAL));
    assert_eq!(fs.stat(0), Err(EINVAL));
    assert_eq!(fs.stat(999_999), Err(EINVAL));
    assert_eq!(fs.stat(50), Err(EINVAL), "a free inode");
    unmount_and_fsck(fs);
}

#[test]
fn chmod_chown_utime_mknod() {
    let mut fs = fresh(1024, 1024);
    fs.set_time(7);
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    assert_eq!(fs.chmod(f, 0o4711), Ok(S_IFREG | 0o4711));
    assert_eq!(fs.chown(f, 10, 20), Ok(S_IFREG | 0o4711));
    fs.utime(f, 111, 222).unwrap();
    let st = fs.stat(f).unwrap();
    assert_eq!((st.uid, st.gid, st.atime, st.mtime, st.ctime), (10, 20, 111, 222, 7));
    let c = fs.mknod(ROOT_INO, b"tty", S_IFCHR | 0o620, 0x0403, 0, 0).unwrap();
    assert_eq!(fs.stat(c).unwrap().rdev, 0x0403);
    assert_eq!(fs.read(c, 0, &mut [0; 4]), Err(EINVAL));
    let p = fs.create(ROOT_INO, b"fifo", S_IFIFO | 0o600, 0, 0).unwrap();
    assert_eq!(fs.stat(p).unwrap().mode, S_IFIFO | 0o600);
    unmount_and_fsck(fs);
}

#[test]
fn directories_links_and_counts() {
    let mut fs = fresh(1024, 2048);
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    let e = fs.mkdir(d, b"e", 0o700, 0, 0).unwrap();
    assert_eq!(fs.stat(ROOT_INO).unwrap().nlinks, 3);
    assert_eq!(fs.stat(d).unwrap().nlinks, 3);
    assert_eq!(fs.stat(e).unwrap().nlinks, 2);
    assert_eq!(fs.stat(e).unwrap().mode, S_IFDIR | 0o700);
    assert_eq!(fs.lookup(e, b".."), Ok(d));
    let f = fs.create(e, b"f", 0o644, 0, 0).unwrap();
    fs.link(ROOT_INO, b"hard", f).unwrap();
    assert_eq!(fs.stat(f).unwrap().nlinks, 2);
    assert_eq!(fs.link(ROOT_INO, b"hard", f), Err(EEXIST));
    assert_eq!(fs.link(ROOT_INO, b"dirlink", d), Err(EPERM));
    assert_eq!(fs.rmdir(ROOT_INO, b"d"), Err(ENOTEMPTY));
    assert_eq!(fs.rmdir(d, b"."), Err(EINVAL));
    assert_eq!(fs.rmdir(d, b".."), Err(ENOTEMPTY));
    assert_eq!(fs.rmdir(ROOT_INO, b"hard"), Err(ENOTDIR));
    assert_eq!(fs.unlink(ROOT_INO, b"d"), Err(EPERM));
    assert_eq!(fs.unlink(ROOT_INO, b"zz"), Err(ENOENT));
    verify(&mut fs).unwrap();
    fs.unlink(e, b"f").unwrap();
    assert_eq!(fs.stat(f).unwrap().nlinks, 1);
    fs.rmdir(d, b"e").unwrap();
    assert_eq!(fs.stat(d).unwrap().nlinks, 2);
    assert_eq!(fs.stat(e), Err(EINVAL));
    let names: Vec<Vec<u8>> = fs.list_dir(ROOT_INO).unwrap().iter().map(|e| e.name().to_vec()).collect();
    assert_eq!(names, [&b"."[..], b"..", b"d", b"hard"]);
    unmount_and_fsck(fs);
}

#[test]
fn symlinks() {
    let mut fs = fresh(1024, 1024);
    let s = fs.symlink(ROOT_INO, b"s", b"/etc/motd", 0, 0).unwrap();
    let st = fs.stat(s).unwrap();
    assert_eq!((st.mode, st.size), (S_IFLNK | 0o777, 9));
    let mut buf = [0u8; 64];
    assert_eq!(fs.readlink(s, &mut buf), Ok(9));
    assert_eq!(&buf[..9], b"/etc/motd");
    assert_eq!(fs.readlink(s, &mut buf[..4]), Ok(4));
    assert_eq!(fs.readlink(ROOT_INO, &mut buf), Err(EINVAL));
    assert_eq!(fs.symlink(ROOT_INO, b"t", &[b'a'; 1024], 0, 0), Err(ENAMETOOLONG));
    assert_eq!(fs.symlink(ROOT_INO, b"t", b"", 0, 0), Err(ENOENT));
    let max = fs.symlink(ROOT_INO, b"t", &[b'a'; 1023], 0, 0).unwrap();
    assert_eq!(fs.readlink(max, &mut [0; 2000]), Ok(1023));
    assert_eq!(fs.symlink(ROOT_INO, b"s", b"x", 0, 0), Err(EEXIST));
    assert_eq!(fs.write(s, 0, b"x"), Err(EINVAL));
    unmount_and_fsck(fs);
}

#[test]
fn rename_cases() {
    let mut fs = fresh(1024, 2048);
    let a = fs.mkdir(ROOT_INO, b"a", 0o755, 0, 0).unwrap();
    let b = fs.mkdir(a, b"b", 0o755, 0, 0).unwrap();
    let c = fs.mkdir(ROOT_INO, b"c", 0o755, 0, 0).unwrap();
    let f = fs.create(a, b"f", 0o644, 0, 0).unwrap();
    let g = fs.create(ROOT_INO, b"g", 0o644, 0, 0).unwrap();
    fs.write(g, 0, &[1; 5000]).unwrap();
    // Into its own subtree, or onto itself as a parent.
    assert_eq!(fs.rename(ROOT_INO, b"a", b, b"x"), Err(EINVAL));
    assert_eq!(fs.rename(ROOT_INO, b"a", a, b"x"), Err(EINVAL));
    assert_eq!(fs.rename(ROOT_INO, b".", c, b"x"), Err(EINVAL));
    assert_eq!(fs.rename(ROOT_INO, b"a", ROOT_INO, b".."), Err(EINVAL));
    assert_eq!(fs.rename(ROOT_INO, b"zz", c, b"x"), Err(ENOENT));
    // Type mismatches and non-empty targets.
    assert_eq!(fs.rename(ROOT_INO, b"g", ROOT_INO, b"c"), Err(EISDIR));
    assert_eq!(fs.rename(ROOT_INO, b"c", a, b"f"), Err(ENOTDIR));
    assert_eq!(fs.rename(ROOT_INO, b"c", ROOT_INO, b"a"), Err(ENOTEMPTY));
    // Same inode: nothing happens.
    fs.link(ROOT_INO, b"f2", f).unwrap();
    fs.rename(ROOT_INO, b"f2", a, b"f").unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"f2"), Ok(f));
    fs.unlink(ROOT_INO, b"f2").unwrap();
    // A file over a file: the old one goes, blocks and all.
    let free = fs.statvfs().unwrap().free_blocks;
    fs.rename(a, b"f", ROOT_INO, b"g").unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"g"), Ok(f));
    assert_eq!(fs.lookup(a, b"f"), Err(ENOENT));
    assert_eq!(fs.stat(g), Err(EINVAL));
    assert_eq!(fs.statvfs().unwrap().free_blocks, free + 5);
    // A directory across directories: ".." and both parents' counts.
    fs.rename(a, b"b", c, b"b2").unwrap();
    assert_eq!(fs.lookup(b, b".."), Ok(c));
    assert_eq!(fs.stat(a).unwrap().nlinks, 2);
    assert_eq!(fs.stat(c).unwrap().nlinks, 3);
    verify(&mut fs).unwrap();
    // A directory over an empty directory elsewhere.
    let e = fs.mkdir(a, b"e", 0o755, 0, 0).unwrap();
    fs.rename(c, b"b2", a, b"e").unwrap();
    assert_eq!(fs.stat(e), Err(EINVAL));
    assert_eq!(fs.lookup(a, b"e"), Ok(b));
    assert_eq!(fs.lookup(b, b".."), Ok(a));
    assert_eq!((fs.stat(a).unwrap().nlinks, fs.stat(c).unwrap().nlinks), (3, 2));
    // A directory over an empty one in the same directory.
    fs.mkdir(a, b"h", 0o755, 0, 0).unwrap();
    fs.rename(a, b"e", a, b"h").unwrap();
    assert_eq!(fs.stat(a).unwrap().nlinks, 3);
    // Renaming the root's own entries is refused; moving to the root works.
    fs.rename(a, b"h", ROOT_INO, b"top").unwrap();
    assert_eq!(fs.lookup(b, b".."), Ok(ROOT_INO));
    unmount_and_fsck(fs);
}

#[test]
fn unlink_while_open() {
    let mut fs = fresh(1024, 2048);
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    fs.write(f, 0, &pattern(3, 300_000)).unwrap();
    let before = fs.statvfs().unwrap();
    fs.open(f).unwrap();
    fs.open(f).unwrap();
    fs.unlink(ROOT_INO, b"f").unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"f"), Err(ENOENT));
    // Still readable and writable through the inode.
    let mut buf = vec![0; 300_000];
    assert_eq!(fs.read(f, 0, &mut buf), Ok(300_000));
    assert_eq!(buf, pattern(3, 300_000));
    fs.write(f, 0, b"still here").unwrap();
    assert_eq!(fs.stat(f).unwrap().nlinks, 0);
    assert_eq!(fs.link(ROOT_INO, b"back", f), Err(ENOENT));
    assert_eq!(fs.statvfs().unwrap().free_files, before.free_files);
    assert_eq!(fs.release(f, 3), Err(EINVAL));
    assert_eq!(fs.release(f, 0), Err(EINVAL));
    fs.release(f, 1).unwrap();
    assert!(fs.stat(f).is_ok());
    fs.release(f, 1).unwrap();
    assert_eq!(fs.stat(f), Err(EINVAL));
    assert_eq!(fs.release(f, 1), Err(EINVAL));
    let after = fs.statvfs().unwrap();
    assert_eq!(after.free_files, before.free_files + 1);
    assert!(after.free_blocks > before.free_blocks + 290);
    // A directory removed while open: empty, and nothing can be made in it.
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    fs.open(d).unwrap();
    fs.rmdir(ROOT_INO, b"d").unwrap();
    assert_eq!(fs.create(d, b"x", 0o644, 0, 0), Err(ENOENT));
    assert_eq!(fs.lookup(d, b"."), Err(ENOENT));
    fs.release(d, 1).unwrap();
    // Open when unmounting: freed by unmount.
    let g = fs.create(ROOT_INO, b"g", 0o644, 0, 0).unwrap();
    fs.write(g, 0, &[9; 10_000]).unwrap();
    fs.open(g).unwrap();
    fs.unlink(ROOT_INO, b"g").unwrap();
    let dev = fs.unmount().unwrap();
    super::util::assert_fsck_clean(dev.as_bytes());
    let mut fs = FileSystem::mount(dev).unwrap();
    assert_eq!(fs.statvfs().unwrap().free_files, before.free_files + 1);
    verify(&mut fs).unwrap();
}

#[test]
fn clean_flag_and_read_only() {
    let dev = super::util::format(1024, 1024);
    let mut fs = FileSystem::mount(dev).unwrap();
    assert!(fs.was_clean());
    // Mounted read-write: the flag is cleared on disk at once.
    assert_eq!(fs.device_mut().as_bytes()[0x40E] & 1, 0);
    fs.create(ROOT_INO, b"x", 0o644, 0, 0).unwrap();
    let dev = fs.unmount().unwrap();
    assert_eq!(u16::from_le_bytes([dev.as_bytes()[0x40E], dev.as_bytes()[0x40F]]), FLAG_CLEAN);
    // A crash (no unmount) leaves it clear.
    let mut fs = FileSystem::mount(dev).unwrap();
    fs.sync().unwrap();
    let crashed = fs.device_mut().clone();
    let fs2 = FileSystem::mount(crashed).unwrap();
    assert!(!fs2.was_clean());
    drop(fs);
    // Read-only: every change refused, nothing written.
    let dev = fs2.unmount().unwrap();
    let snapshot = dev.clone();
    let mut ro = FileSystem::mount_with(dev, MountOptions { read_only: true, cache_blocks: 16 }).unwrap();
    let x = ro.lookup(ROOT_INO, b"x").unwrap();
    assert_eq!(ro.create(ROOT_INO, b"y", 0o644, 0, 0), Err(EROFS));
    assert_eq!(ro.write(x, 0, b"a"), Err(EROFS));
    assert_eq!(ro.truncate(x, 0), Err(EROFS));
    assert_eq!(ro.unlink(ROOT_INO, b"x"), Err(EROFS));
    assert_eq!(ro.mkdir(ROOT_INO, b"d", 0o755, 0, 0), Err(EROFS));
    assert_eq!(ro.chmod(x, 0), Err(EROFS));
    assert_eq!(ro.read(x, 0, &mut [0; 4]), Ok(0));
    assert_eq!(ro.unmount().unwrap(), snapshot);
}

#[test]
fn truncate_and_holes() {
    for bs in [1024u32, 2048, 4096] {
        let mut fs = fresh(bs, 4096);
        let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
        let b = bs as u64;
        // data, hole, hole, data (test74's hole_regression).
        fs.write(f, 0, &vec![12; bs as usize]).unwrap();
        fs.write(f, 3 * b, &vec![78; bs as usize]).unwrap();
        let mut buf = vec![0xff; 4 * bs as usize];
        assert_eq!(fs.read(f, 0, &mut buf), Ok(4 * bs as usize));
        let firsts: Vec<u8> = (0..4).map(|i| buf[i * bs as usize]).collect();
        assert_eq!(firsts, [12, 0, 0, 78]);
        assert_eq!(fs.stat(f).unwrap().blocks, 2 * b / 512);
        fs.write(f, b, &vec![34; bs as usize]).unwrap();
        fs.write(f, 2 * b, &vec![56; bs as usize]).unwrap();
        fs.truncate(f, b).unwrap();
        fs.write(f, 3 * b, &vec![78; bs as usize]).unwrap();
        fs.read(f, 0, &mut buf).unwrap();
        let firsts: Vec<u8> = (0..4).map(|i| buf[i * bs as usize]).collect();
        assert_eq!(firsts, [12, 0, 0, 78]);
        // Shrinking inside a block zeroes its tail; growing shows zeros.
        fs.truncate(f, 10).unwrap();
        fs.truncate(f, 3 * b).unwrap();
        let mut buf = vec![0xff; 3 * bs as usize];
        fs.read(f, 0, &mut buf).unwrap();
        assert!(buf[..10].iter().all(|&x| x == 12) && buf[10..].iter().all(|&x| x == 0));
        // Writing past the end in the same block.
        fs.truncate(f, 5).unwrap();
        fs.write(f, 100, b"z").unwrap();
        let mut small = [0xffu8; 101];
        fs.read(f, 0, &mut small).unwrap();
        assert!(small[5..100].iter().all(|&x| x == 0) && small[100] == b'z');
        // Punching a hole: whole blocks freed, edges zeroed, size kept.
        fs.write(f, 0, &vec![7; 5 * bs as usize]).unwrap();
        fs.punch(f, 10, 3 * b + 10).unwrap();
        let mut buf = vec![0xff; 5 * bs as usize];
        fs.read(f, 0, &mut buf).unwrap();
        assert!(buf[..10].iter().all(|&x| x == 7));
        assert!(buf[10..3 * bs as usize + 10].iter().all(|&x| x == 0));
        assert!(buf[3 * bs as usize + 10..].iter().all(|&x| x == 7));
        assert_eq!(fs.stat(f).unwrap().size as u64, 5 * b);
        assert_eq!(fs.stat(f).unwrap().blocks, 3 * b / 512);
        assert_eq!(fs.truncate(ROOT_INO, 0), Err(EISDIR));
        assert_eq!(fs.write(ROOT_INO, 0, b"x"), Err(EISDIR));
        fs.truncate(f, 0).unwrap();
        assert_eq!(fs.stat(f).unwrap().blocks, 0);
        unmount_and_fsck(fs);
    }
}

#[test]
fn limits_efbig_and_emlink() {
    let mut fs = fresh(1024, 1024);
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    let max = fs.max_file_size() as u64;
    assert_eq!(max, 0x7fff_ffff, "2 GiB - 1: the triple indirect tree reaches further");
    assert_eq!(fs.write(f, max, b"x"), Err(EFBIG));
    assert_eq!(fs.write(f, max - 1, b"xy"), Err(EFBIG));
    assert_eq!(fs.write(f, u64::MAX, b"x"), Err(EFBIG));
    assert_eq!(fs.truncate(f, max + 1), Err(EFBIG));
    // The last byte fits: a sparse file deep in triple indirect (the data
    // block and three indirect blocks), which fsck.minix accepts below.
    assert_eq!(fs.write(f, max - 1, b"x"), Ok(1));
    assert_eq!(fs.stat(f).unwrap().blocks, 4 * 2);
    unmount_and_fsck(fs);
    let mut fs = fresh(1024, 1024);
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    fs.truncate(f, 0).unwrap();
    for i in 1..LINK_MAX {
        fs.link(ROOT_INO, format!("l{i}").as_bytes(), f).unwrap();
    }
    assert_eq!(fs.stat(f).unwrap().nlinks, LINK_MAX);
    assert_eq!(fs.link(ROOT_INO, b"one-more", f), Err(EMLINK));
    unmount_and_fsck(fs);
    for bs in [2048u64, 4096] {
        let fs = fresh(bs as u32, 1024);
        let p = bs / 4;
        assert_eq!(fs.max_file_size() as u64, ((7 + p + p * p + p * p * p) * bs).min(0x7fff_ffff));
    }
}

#[test]
fn getdents_resumes() {
    let mut fs = fresh(1024, 2048);
    for i in 0..40 {
        fs.create(ROOT_INO, format!("f{i:02}").as_bytes(), 0o644, 0, 0).unwrap();
    }
    for i in (0..40).step_by(3) {
        fs.unlink(ROOT_INO, format!("f{i:02}").as_bytes()).unwrap();
    }
    // Three entries per call, resuming from the returned position.
    let mut pos = 0;
    let mut names = Vec::new();
    loop {
        let mut got = 0;
        let next = fs
            .read_dir(ROOT_INO, pos, |e, _| {
                if got == 3 {
                    return false;
                }
                got += 1;
                names.push(String::from_utf8(e.name().to_vec()).unwrap());
                true
            })
            .unwrap();
        if got == 0 {
            assert_eq!(next, pos);
            break;
        }
        assert!(next > pos);
        pos = next;
    }
    let want: Vec<String> =
        [".".to_string(), "..".to_string()].into_iter().chain((0..40).filter(|i| i % 3 != 0).map(|i| format!("f{i:02}"))).collect();
    assert_eq!(names, want);
    // The size stays at the highest slot; freed slots are reused first.
    assert_eq!(fs.stat(ROOT_INO).unwrap().size, 42 * 64);
    fs.create(ROOT_INO, b"new", 0o644, 0, 0).unwrap();
    assert_eq!(fs.list_dir(ROOT_INO).unwrap()[2].name(), b"new");
    unmount_and_fsck(fs);
}

#[test]
fn statvfs_counts() {
    let mut fs = fresh(1024, 4096);
    let s0 = fs.statvfs().unwrap();
    assert_eq!((s0.block_size, s0.blocks, s0.name_max), (1024, 4096, 60));
    assert_eq!(s0.files, 1376);
    assert_eq!(s0.free_files, 1375);
    let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    fs.write(f, 0, &[1; 8 * 1024]).unwrap();
    let s1 = fs.statvfs().unwrap();
    assert_eq!(s1.free_files, s0.free_files - 1);
    assert_eq!(s1.free_blocks, s0.free_blocks - 9);
    fs.unlink(ROOT_INO, b"f").unwrap();
    assert_eq!(fs.statvfs().unwrap(), s0);
}

#[test]
fn read_pages_marks_whole_hole_pages_only() {
    let mut fs = fresh(1024, 2048);
    let f = fs.create(ROOT_INO, b"sparse", 0o644, 0, 0).unwrap();
    // Page 0: data; page 1: hole; page 2: one byte in its last block;
    // page 3: hole up to the end (the file ends inside it).
    fs.write(f, 0, &pattern(1, 4096)).unwrap();
    fs.write(f, 3 * 4096 - 1, b"x").unwrap();
    fs.truncate(f, 3 * 4096 + 100).unwrap();
    let mut buf = vec![0xaau8; 5 * 4096];
    let (n, holes) = fs.read_pages(f, 0, &mut buf).unwrap();
    assert_eq!(n, 3 * 4096 + 100);
    assert_eq!(holes, 0b1010, "pages 1 and 3 are holes; page 4 got no bytes");
    assert_eq!(&buf[..4096], &pattern(1, 4096)[..]);
    assert!(buf[4096..3 * 4096 - 1].iter().all(|&b| b == 0));
    assert_eq!(buf[3 * 4096 - 1], b'x');
    assert!(buf[3 * 4096..n].iter().all(|&b| b == 0));
    assert!(buf[n..].iter().all(|&b| b == 0xaa), "nothing past the end is written");
    // From a later page; an unaligned offset or a directory is refused.
    assert_eq!(fs.read_pages(f, 4096, &mut buf[..4096]).unwrap(), (4096, 1));
    assert_eq!(fs.read_pages(f, 100, &mut buf[..4096]), Err(EINVAL));
    assert_eq!(fs.read_pages(ROOT_INO, 0, &mut buf[..4096]), Err(EISDIR));
    assert_eq!(fs.read_pages(f, 1 << 32, &mut buf[..4096]).unwrap(), (0, 0));
}
