// SPDX-License-Identifier: BSD-2-Clause
//! Size and volume: big files through double indirect blocks, a directory
//! of 2,000 files, filling the disk.

use super::check::verify;
use super::util::{fresh, pattern, unmount_and_fsck};
use crate::*;
use minix_abi::errno::*;

#[test]
fn sixteen_mib_file_at_each_block_size() {
    const LEN: usize = 17 << 20;
    for bs in [1024u32, 2048, 4096] {
        let mut fs = fresh(bs, 20 << 10);
        let f = fs.create(ROOT_INO, b"big", 0o644, 0, 0).unwrap();
        let data = pattern(bs as u8, LEN);
        for (i, chunk) in data.chunks(100_000).enumerate() {
            assert_eq!(fs.write(f, i as u64 * 100_000, chunk), Ok(chunk.len()));
        }
        let p = bs as u64 / 4;
        let nblk = (LEN as u64).div_ceil(bs as u64);
        // Data, single indirect, double indirect and its children.
        let ind = if nblk > 7 { 1 } else { 0 } + if nblk > 7 + p { 1 + (nblk - 7 - p).div_ceil(p) } else { 0 };
        assert_eq!(fs.stat(f).unwrap().blocks, (nblk + ind) * bs as u64 / 512);
        // Remount to read from the device, not the cache.
        let dev = fs.unmount().unwrap();
        let mut fs = FileSystem::mount(dev).unwrap();
        let mut back = vec![0u8; LEN];
        for (i, chunk) in back.chunks_mut(77_777).enumerate() {
            assert_eq!(fs.read(f, i as u64 * 77_777, chunk), Ok(chunk.len()));
        }
        assert!(back == data, "block size {bs}: contents differ");
        // Shrink to inside the single indirect range, then check the rest.
        let keep = (7 + p / 2) * bs as u64 + 3;
        fs.truncate(f, keep).unwrap();
        let mut tail = vec![0u8; bs as usize];
        assert_eq!(fs.read(f, keep - 3, &mut tail), Ok(3));
        assert_eq!(&tail[..3], &data[keep as usize - 3..keep as usize]);
        assert_eq!(fs.stat(f).unwrap().blocks, (keep.div_ceil(bs as u64) + 1) * bs as u64 / 512);
        verify(&mut fs).unwrap();
        unmount_and_fsck(fs);
    }
}

#[test]
fn sparse_file_reads_zero_in_holes() {
    for bs in [1024u32, 4096] {
        let mut fs = fresh(bs, 2048);
        let f = fs.create(ROOT_INO, b"sparse", 0o644, 0, 0).unwrap();
        let b = bs as u64;
        let p = b / 4;
        // One byte in the direct, single and double ranges each.
        let spots = [3 * b + 1, (7 + 5) * b + 2, (7 + p + 3 * p + 1) * b + 3];
        for (i, &at) in spots.iter().enumerate() {
            fs.write(f, at, &[i as u8 + 1]).unwrap();
        }
        let size = spots[2] + 1;
        assert_eq!(fs.stat(f).unwrap().size as u64, size);
        // 3 data blocks, 1 single indirect, 1 double + 1 below it.
        assert_eq!(fs.stat(f).unwrap().blocks, 6 * b / 512);
        let mut buf = vec![0xffu8; size as usize];
        assert_eq!(fs.read(f, 0, &mut buf), Ok(size as usize));
        for (i, x) in buf.iter().enumerate() {
            let want = spots.iter().position(|&s| s == i as u64).map_or(0, |k| k as u8 + 1);
            assert_eq!(*x, want, "offset {i}");
        }
        unmount_and_fsck(fs);
    }
}

#[test]
fn two_thousand_files_in_one_directory() {
    let mut fs = fresh(1024, 8192);
    let d = fs.mkdir(ROOT_INO, b"many", 0o755, 0, 0).unwrap();
    let mut inos = Vec::new();
    for i in 0..2000 {
        let name = format!("file-{i:04}-{}", "x".repeat(i % 40));
        let f = fs.create(d, name.as_bytes(), 0o644, 0, 0).unwrap();
        if i % 100 == 0 {
            fs.write(f, 0, name.as_bytes()).unwrap();
        }
        inos.push((name, f));
    }
    let listed = fs.list_dir(d).unwrap();
    assert_eq!(listed.len(), 2002);
    for ((name, ino), e) in inos.iter().zip(&listed[2..]) {
        assert_eq!((e.name(), e.ino), (name.as_bytes(), *ino));
    }
    assert_eq!(fs.lookup(d, inos[1999].0.as_bytes()), Ok(inos[1999].1));
    unmount_and_fsck(fs);
}

#[test]
fn two_thousand_files_unlinked() {
    let mut fs = fresh(1024, 8192);
    let before = fs.statvfs().unwrap();
    for i in 0..2000 {
        fs.create(ROOT_INO, format!("f{i}").as_bytes(), 0o644, 0, 0).unwrap();
    }
    for i in (0..2000).rev() {
        fs.unlink(ROOT_INO, format!("f{i}").as_bytes()).unwrap();
    }
    assert_eq!(fs.list_dir(ROOT_INO).unwrap().len(), 2);
    let after = fs.statvfs().unwrap();
    assert_eq!(after.free_files, before.free_files);
    // The directory keeps its blocks (MINIX never shrinks a directory).
    assert!(after.free_blocks < before.free_blocks);
    unmount_and_fsck(fs);
}

#[test]
fn fill_to_enospc_then_carry_on() {
    let mut fs = fresh(1024, 600);
    let mut files = Vec::new();
    let chunk = vec![0x5a; 50_000];
    let mut short = None;
    for i in 0.. {
        let f = match fs.create(ROOT_INO, format!("f{i}").as_bytes(), 0o644, 0, 0) {
            Ok(f) => f,
            Err(e) => {
                assert_eq!(e, ENOSPC);
                break;
            }
        };
        files.push(f);
        match fs.write(f, 0, &chunk) {
            Ok(50_000) => {}
            Ok(n) => short = Some(n),
            Err(e) => {
                assert_eq!(e, ENOSPC);
                break;
            }
        }
        if short.is_some() {
            break;
        }
    }
    assert!(short.is_some_and(|n| n > 0) || fs.statvfs().unwrap().free_blocks == 0);
    assert_eq!(fs.statvfs().unwrap().free_blocks, 0);
    assert_eq!(fs.write(files[0], 60_000, &chunk), Err(ENOSPC));
    assert_eq!(fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0), Err(ENOSPC));
    assert_eq!(fs.symlink(ROOT_INO, b"s", b"target", 0, 0), Err(ENOSPC));
    verify(&mut fs).unwrap();
    // Free two files and carry on.
    fs.unlink(ROOT_INO, b"f0").unwrap();
    fs.unlink(ROOT_INO, b"f1").unwrap();
    let g = fs.create(ROOT_INO, b"g", 0o644, 0, 0).unwrap();
    assert_eq!(fs.write(g, 0, &chunk), Ok(50_000));
    let mut back = vec![0; 50_000];
    fs.read(g, 0, &mut back).unwrap();
    assert_eq!(back, chunk);
    fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    unmount_and_fsck(fs);
}

#[test]
fn run_out_of_inodes() {
    let mut fs = fresh(1024, 64);
    let total = fs.statvfs().unwrap().free_files;
    for i in 0..total {
        fs.create(ROOT_INO, format!("{i}").as_bytes(), 0o644, 0, 0).unwrap();
    }
    assert_eq!(fs.create(ROOT_INO, b"one-more", 0o644, 0, 0), Err(ENOSPC));
    assert_eq!(fs.statvfs().unwrap().free_files, 0);
    fs.unlink(ROOT_INO, b"3").unwrap();
    fs.create(ROOT_INO, b"one-more", 0o644, 0, 0).unwrap();
    unmount_and_fsck(fs);
}

#[test]
fn zone_boundaries_at_each_block_size() {
    for bs in [1024u32, 2048, 4096] {
        let mut fs = fresh(bs, 4096);
        let f = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
        let (b, p) = (bs as u64, bs as u64 / 4);
        let max_blk = fs.max_file_size() as u64 / b;
        // The first and last block of each range, and the first of the next.
        let mut blocks = vec![0, 6, 7, 7 + p - 1, 7 + p, 7 + p + p - 1, 7 + p + p, 7 + p + p * p - 1];
        blocks.retain(|&n| n < max_blk);
        for (i, &n) in blocks.iter().enumerate() {
            fs.write(f, n * b, &[i as u8 + 1; 8]).unwrap();
        }
        let inode = fs.inode(f).unwrap();
        for (i, &n) in blocks.iter().enumerate() {
            let z = fs.map(&inode, n).unwrap().expect("written block is mapped");
            assert_eq!(fs.cache.read(z as u64).unwrap()[..8], [i as u8 + 1; 8]);
            if !blocks.contains(&(n + 1)) && (n + 1) * b < inode.size as u64 {
                assert_eq!(fs.map(&inode, n + 1).unwrap(), None, "block {} is a hole", n + 1);
            }
        }
        // Data blocks, the single and double indirect blocks, and one block
        // below the double for each distinct group of `p` blocks used there.
        let groups: std::collections::BTreeSet<u64> = blocks.iter().filter(|&&n| n >= 7 + p).map(|&n| (n - 7 - p) / p).collect();
        let want = blocks.len() as u64 + 2 + groups.len() as u64;
        assert_eq!(fs.stat(f).unwrap().blocks, want * b / 512, "block size {bs}");
        // Shrinking below each boundary in turn frees exactly what lies past it.
        for &n in blocks.iter().rev() {
            fs.truncate(f, n * b + 1).unwrap();
            verify(&mut fs).unwrap();
        }
        fs.truncate(f, 0).unwrap();
        assert_eq!(fs.stat(f).unwrap().blocks, 0);
        unmount_and_fsck(fs);
    }
}

#[test]
fn triple_indirect_reads_and_frees() {
    // A triple indirect tree built by hand (as Linux writes them on big
    // 1 KiB images): read through it, write into it, truncate it away.
    let mut fs = fresh(1024, 2048);
    let f = fs.create(ROOT_INO, b"t", 0o644, 0, 0).unwrap();
    fs.write(f, 0, b"head").unwrap();
    let (t, d, i, data) = (fs.alloc_zone().unwrap(), fs.alloc_zone().unwrap(), fs.alloc_zone().unwrap(), fs.alloc_zone().unwrap());
    fs.cache.write(t as u64).unwrap()[..4].copy_from_slice(&d.to_le_bytes());
    fs.cache.write(d as u64).unwrap()[4..8].copy_from_slice(&i.to_le_bytes());
    fs.cache.write(i as u64).unwrap()[8..12].copy_from_slice(&data.to_le_bytes());
    fs.cache.write(data as u64).unwrap()[..5].copy_from_slice(b"tail!");
    let first_triple = 7 + 256 + 256 * 256u64;
    let blk = first_triple + 256 + 2; // slot 0 of t, slot 1 of d, slot 2 of i
    let mut inode = fs.inode(f).unwrap();
    inode.zone[9] = t;
    inode.size = ((blk + 1) * 1024) as u32;
    fs.put_inode(f, &inode).unwrap();
    verify(&mut fs).unwrap();
    let mut buf = [0u8; 5];
    assert_eq!(fs.read(f, blk * 1024, &mut buf), Ok(5));
    assert_eq!(&buf, b"tail!");
    assert_eq!(fs.read(f, (blk - 1) * 1024, &mut buf), Ok(5));
    assert_eq!(buf, [0; 5]);
    assert_eq!(fs.stat(f).unwrap().blocks, 5 * 2);
    // Writing there goes through the same tree.
    assert_eq!(fs.write(f, blk * 1024, b"T"), Ok(1));
    assert_eq!(fs.read(f, blk * 1024, &mut buf), Ok(5));
    assert_eq!(&buf, b"Tail!");
    assert_eq!(fs.stat(f).unwrap().blocks, 5 * 2, "no new block");
    let dev = fs.unmount().unwrap();
    super::util::assert_fsck_clean(dev.as_bytes());
    let mut fs = FileSystem::mount(dev).unwrap();
    let free = fs.statvfs().unwrap().free_blocks;
    fs.truncate(f, 4).unwrap();
    assert_eq!(fs.statvfs().unwrap().free_blocks, free + 4);
    assert_eq!(fs.inode(f).unwrap().zone[9], 0);
    unmount_and_fsck(fs);
}
