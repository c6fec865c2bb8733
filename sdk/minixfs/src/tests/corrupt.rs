// SPDX-License-Identifier: BSD-2-Clause
//! Corrupt images: garbage superblocks, inodes, zone pointers and
//! directories must give errors, never a panic or a hang.

use super::util::{fresh, pattern};
use crate::superblock::Superblock;
use crate::*;
use minix_abi::errno::*;

/// xorshift64*: reproducible garbage without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A small image with a bit of everything.
fn sample(bs: u32) -> RamDisk {
    let mut fs = fresh(bs, 512);
    let d = fs.mkdir(ROOT_INO, b"dir", 0o755, 0, 0).unwrap();
    let f = fs.create(d, b"file", 0o644, 0, 0).unwrap();
    fs.write(f, 0, &pattern(1, 40_000)).unwrap();
    fs.write(f, 300_000, b"far").unwrap();
    fs.symlink(ROOT_INO, b"link", b"dir/file", 0, 0).unwrap();
    fs.link(ROOT_INO, b"hard", f).unwrap();
    for i in 0..20 {
        fs.create(ROOT_INO, format!("n{i}").as_bytes(), 0o644, 0, 0).unwrap();
    }
    fs.unmount().unwrap()
}

/// Runs every call over whatever tree is there; results are ignored.
fn exercise(dev: RamDisk) {
    let Ok(mut fs) = FileSystem::mount_with(dev, MountOptions { read_only: false, cache_blocks: 16 }) else {
        return;
    };
    let mut stack = vec![ROOT_INO];
    let mut budget: i32 = 200;
    let mut buf = vec![0u8; 5000];
    // Corrupt trees can loop, so the walk has a budget of entries.
    while let Some(dir) = stack.pop() {
        if budget <= 0 {
            break;
        }
        let Ok(entries) = fs.list_dir(dir) else { continue };
        for e in entries.iter().take(30) {
            budget -= 1;
            if budget <= 0 {
                break;
            }
            let _ = fs.lookup(dir, e.name());
            let _ = fs.stat(e.ino);
            let _ = fs.read(e.ino, 0, &mut buf);
            let _ = fs.read(e.ino, 299_998, &mut buf);
            let _ = fs.readlink(e.ino, &mut buf);
            if e.name() != b"." && e.name() != b".." && fs.stat(e.ino).is_ok_and(|s| s.mode & 0o170000 == 0o040000) {
                stack.push(e.ino);
            }
        }
        let _ = fs.create(dir, b"new", 0o644, 0, 0).and_then(|f| fs.write(f, 5000, &buf));
        let _ = fs.mkdir(dir, b"newdir", 0o755, 0, 0);
        let _ = fs.rename(dir, b"new", ROOT_INO, b"moved");
        let _ = fs.rename(ROOT_INO, b"dir", dir, b"x");
        if let Some(e) = entries.get(3) {
            let _ = fs.write(e.ino, 100, &buf);
            let _ = fs.truncate(e.ino, 10);
            let _ = fs.unlink(dir, e.name());
            let _ = fs.rmdir(dir, e.name());
        }
    }
    let _ = fs.statvfs();
    let _ = fs.unmount();
}

#[test]
fn garbage_superblocks() {
    let mut rng = Rng(0x1234_5678);
    let base = sample(1024);
    for round in 0..400 {
        let mut img = base.clone();
        let sb = &mut img.as_bytes_mut()[1024..1024 + 32];
        // Keep the magic most of the time so the other fields get checked.
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(32) as usize;
            sb[i] = rng.next() as u8;
        }
        if round % 3 != 0 {
            sb[0x18..0x1A].copy_from_slice(&0x4D5Au16.to_le_bytes());
        }
        exercise(img);
    }
    let mut all_garbage = RamDisk::new(64 * 1024);
    for b in all_garbage.as_bytes_mut() {
        *b = rng.next() as u8;
    }
    assert!(FileSystem::mount(all_garbage).is_err());
    assert_eq!(FileSystem::mount(RamDisk::new(100)).err(), Some(EIO));
    // Claims more blocks than the device has.
    let mut img = base.clone();
    img.as_bytes_mut()[0x414..0x418].copy_from_slice(&100_000u32.to_le_bytes());
    assert_eq!(FileSystem::mount(img).err(), Some(EINVAL));
    // Unknown mandatory feature bits.
    let mut img = base.clone();
    img.as_bytes_mut()[0x40F] = 1;
    assert_eq!(FileSystem::mount(img).err(), Some(EINVAL));
    assert!(Superblock::decode(&base.as_bytes()[1024..]).is_ok());
}

#[test]
fn garbage_inodes_zones_and_directories() {
    for bs in [1024u32, 4096] {
        let base = sample(bs);
        let sb = Superblock::decode(&base.as_bytes()[1024..]).unwrap();
        let geo = sb.geometry().unwrap();
        let b = bs as u64;
        let meta_start = geo.inode_start * b;
        let data_start = geo.first_data as u64 * b;
        let data_end = data_start + 60 * b;
        let mut rng = Rng(0xfeed_beef ^ bs as u64);
        for round in 0..300 {
            let mut img = base.clone();
            let bytes = img.as_bytes_mut();
            for _ in 0..1 + rng.below(6) {
                // Inode table (first block), bitmaps, or the first data blocks
                // (directories, indirect blocks).
                let at = match round % 3 {
                    0 => meta_start + rng.below(b.min(64 * 24)),
                    1 => geo.imap_start * b + rng.below(2 * b),
                    _ => data_start + rng.below(data_end - data_start),
                };
                let v = match rng.below(4) {
                    0 => 0xff,
                    1 => 0,
                    2 => rng.below(geo.zones as u64 + 10) as u8,
                    _ => rng.next() as u8,
                };
                bytes[at as usize] = v;
            }
            exercise(img);
        }
    }
}

#[test]
fn specific_corruptions_give_errors() {
    let base = sample(1024);
    let sb = Superblock::decode(&base.as_bytes()[1024..]).unwrap();
    let geo = sb.geometry().unwrap();
    let inode_at = |ino: u32| (geo.inode_start * 1024) as usize + (ino as usize - 1) * 64;
    // The root is not a directory.
    let mut img = base.clone();
    img.as_bytes_mut()[inode_at(1) + 1] = 0x81;
    assert_eq!(FileSystem::mount(img).err(), Some(EIO));
    // A zone pointer below the data area, and one past the end.
    for bad in [3u32, geo.zones, u32::MAX] {
        let mut img = base.clone();
        let mut fs = FileSystem::mount(img.clone()).unwrap();
        let d = fs.lookup(ROOT_INO, b"dir").unwrap();
        let f = fs.lookup(d, b"file").unwrap();
        drop(fs);
        let z0 = inode_at(f) + 24;
        img.as_bytes_mut()[z0..z0 + 4].copy_from_slice(&bad.to_le_bytes());
        let mut fs = FileSystem::mount(img).unwrap();
        assert_eq!(fs.read(f, 0, &mut [0; 10]), Err(EIO));
        assert_eq!(fs.write(f, 0, b"x"), Err(EIO));
        let _ = fs.stat(f);
    }
    // A directory entry naming a free inode, and one past ninodes.
    let mut fs = FileSystem::mount(base.clone()).unwrap();
    let root_zone = fs.inode(ROOT_INO).unwrap().zone[0] as usize;
    drop(fs);
    for bad in [700u32, geo.ninodes + 5] {
        let mut img = base.clone();
        let at = root_zone * 1024 + 2 * 64;
        img.as_bytes_mut()[at..at + 4].copy_from_slice(&bad.to_le_bytes());
        let mut fs = FileSystem::mount(img).unwrap();
        assert_eq!(fs.lookup(ROOT_INO, b"dir"), Err(EIO));
    }
    // A directory whose size is absurd.
    let mut img = base.clone();
    img.as_bytes_mut()[inode_at(1) + 8..inode_at(1) + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut fs = FileSystem::mount(img).unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"dir"), Err(EIO));
    // A ".." loop: "dir/.." pointing at "dir" itself.
    let mut fs = FileSystem::mount(base.clone()).unwrap();
    let d = fs.lookup(ROOT_INO, b"dir").unwrap();
    let sub = fs.mkdir(d, b"sub", 0o755, 0, 0).unwrap();
    let dz = fs.inode(d).unwrap().zone[0] as u64;
    fs.sync().unwrap();
    fs.device_mut().as_bytes_mut()[(dz * 1024 + 64) as usize..(dz * 1024 + 68) as usize].copy_from_slice(&d.to_le_bytes());
    let mut fs = FileSystem::mount(fs.device_mut().clone()).unwrap();
    assert_eq!(fs.rename(ROOT_INO, b"link", sub, b"l"), Ok(()));
    let x = fs.mkdir(ROOT_INO, b"x", 0o755, 0, 0).unwrap();
    assert_eq!(fs.rename(ROOT_INO, b"x", sub, b"x"), Err(EIO));
    let _ = x;
    // A two-directory ".." loop that never reaches the root.
    let mut fs = FileSystem::mount(base.clone()).unwrap();
    let d = fs.lookup(ROOT_INO, b"dir").unwrap();
    let p = fs.mkdir(ROOT_INO, b"p", 0o755, 0, 0).unwrap();
    let q = fs.mkdir(p, b"q", 0o755, 0, 0).unwrap();
    let pz = fs.inode(p).unwrap().zone[0] as usize;
    fs.sync().unwrap();
    fs.device_mut().as_bytes_mut()[pz * 1024 + 64..pz * 1024 + 68].copy_from_slice(&q.to_le_bytes());
    let mut fs = FileSystem::mount(fs.device_mut().clone()).unwrap();
    assert_eq!(fs.rename(ROOT_INO, b"dir", q, b"d"), Err(EIO));
    assert_eq!(fs.lookup(ROOT_INO, b"dir"), Ok(d));
}
