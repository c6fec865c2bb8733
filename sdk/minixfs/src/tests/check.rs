// SPDX-License-Identifier: BSD-2-Clause
//! Our own consistency check, for every block size (fsck.minix reads only
//! 1 KiB images): the same rules fsck.minix applies, from the root down.

use crate::device::BlockDevice;
use crate::dir::is_dot_or_dotdot;
use crate::inode::{DiskInode, NR_DIRECT_ZONES};
use crate::{FileSystem, ROOT_INO};

fn zones_of<D: BlockDevice>(fs: &mut FileSystem<D>, i: &DiskInode, out: &mut Vec<u32>) -> Result<(), String> {
    out.extend(i.zone[..NR_DIRECT_ZONES].iter().copied().filter(|&z| z != 0));
    for levels in 1..=3u32 {
        let z = i.zone[NR_DIRECT_ZONES + levels as usize - 1];
        if z != 0 {
            tree(fs, z, levels, out)?;
        }
    }
    Ok(())
}

fn tree<D: BlockDevice>(fs: &mut FileSystem<D>, blk: u32, level: u32, out: &mut Vec<u32>) -> Result<(), String> {
    out.push(blk);
    fs.check_zone(blk).map_err(|_| format!("indirect zone {blk} out of range"))?;
    for i in 0..fs.geo.ptrs_per_block() {
        let c = fs.get_ptr(blk, i).map_err(|e| format!("{e:?}"))?;
        if c != 0 {
            if level == 1 {
                out.push(c);
            } else {
                tree(fs, c, level - 1, out)?;
            }
        }
    }
    Ok(())
}

pub fn verify<D: BlockDevice>(fs: &mut FileSystem<D>) -> Result<(), String> {
    let geo = fs.geo;
    let mut counted = vec![0u32; geo.ninodes as usize + 1];
    let mut zone_used = vec![false; geo.zones as usize];
    let mut seen = vec![false; geo.ninodes as usize + 1];
    let mut stack = vec![(ROOT_INO, ROOT_INO)];
    let mut zones = Vec::new();
    let mut claim = |fs: &mut FileSystem<D>, ino: u32, zone_used: &mut Vec<bool>| -> Result<(), String> {
        let i = fs.inode(ino).map_err(|e| format!("{e:?}"))?;
        if !i.has_zones() {
            return Ok(());
        }
        zones.clear();
        zones_of(fs, &i, &mut zones)?;
        for &z in &zones {
            if z < geo.first_data || z >= geo.zones {
                return Err(format!("inode {ino}: zone {z} out of range"));
            }
            if std::mem::replace(&mut zone_used[z as usize], true) {
                return Err(format!("inode {ino}: zone {z} used twice"));
            }
        }
        Ok(())
    };
    claim(fs, ROOT_INO, &mut zone_used)?;
    seen[ROOT_INO as usize] = true;
    while let Some((dir, parent)) = stack.pop() {
        let entries = fs.list_dir(dir).map_err(|e| format!("dir {dir}: {e:?}"))?;
        let d = fs.inode(dir).unwrap();
        if d.size < 128 {
            return Err(format!("dir {dir}: size {}", d.size));
        }
        let first = fs.read_dir(dir, 0, |_, _| false).unwrap();
        if first != 0 || entries.len() < 2 || entries[0].name() != b"." || entries[0].ino != dir {
            return Err(format!("dir {dir}: '.' is not first"));
        }
        if entries[1].name() != b".." || entries[1].ino != parent {
            return Err(format!("dir {dir}: '..' is not second or wrong ({:?})", entries[1]));
        }
        for e in &entries {
            if e.ino > geo.ninodes {
                return Err(format!("dir {dir}: bad inode {}", e.ino));
            }
            counted[e.ino as usize] += 1;
            if is_dot_or_dotdot(e.name()) || std::mem::replace(&mut seen[e.ino as usize], true) {
                continue;
            }
            claim(fs, e.ino, &mut zone_used)?;
            if fs.inode(e.ino).unwrap().is_dir() {
                stack.push((e.ino, dir));
            }
        }
    }
    for ino in 1..=geo.ninodes {
        let in_map = fs.imap.is_set(&mut fs.cache, ino as u64).unwrap();
        let c = counted[ino as usize];
        if in_map != (c > 0) {
            return Err(format!("inode {ino}: in map {in_map}, named {c} times"));
        }
        if c > 0 && fs.inode(ino).unwrap().nlinks as u32 != c {
            return Err(format!("inode {ino}: nlinks {} counted {c}", fs.inode(ino).unwrap().nlinks));
        }
    }
    for z in geo.first_data..geo.zones {
        let in_map = fs.zmap.is_set(&mut fs.cache, (z - geo.first_data) as u64 + 1).unwrap();
        if in_map != zone_used[z as usize] {
            return Err(format!("zone {z}: in map {in_map}, used {}", zone_used[z as usize]));
        }
    }
    let (fz, fi) = fs.free_counts();
    let real_fi = (1..=geo.ninodes).filter(|&i| counted[i as usize] == 0).count() as u64;
    let real_fz = (geo.first_data..geo.zones).filter(|&z| !zone_used[z as usize]).count() as u64;
    if (fz, fi) != (real_fz, real_fi) {
        return Err(format!("free counts ({fz}, {fi}) but really ({real_fz}, {real_fi})"));
    }
    Ok(())
}
