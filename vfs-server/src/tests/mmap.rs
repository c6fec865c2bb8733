// SPDX-License-Identifier: BSD-2-Clause
//! mmap of files: VFS's checks, what it asks of VM, and the coherence
//! messages a write or truncate sends once VM maps a file.

use super::*;
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vm::{MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE};

const A: u32 = 0x1004;

fn mmap(p: &P, fd: u32, prot: u64, flags: u64, offset: u64) -> Result<u64, Errno> {
    p.res(Request::Mmap { fd, prot, flags, addr: 0, len: 8192, offset: off(offset) })
}

#[test]
fn checks_then_vm_maps() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    let wo = p.open("/f", O_WRONLY, 0).unwrap();
    let dir = p.open("/", O_RDONLY, 0).unwrap();
    assert_eq!(mmap(&p, wo, PROT_READ, MAP_PRIVATE, 0), Err(EACCES), "not open for reading");
    assert_eq!(mmap(&p, fd, PROT_READ | PROT_WRITE, MAP_SHARED, 0), Err(ENODEV), "shared and writable");
    assert_eq!(mmap(&p, fd, PROT_READ, MAP_SHARED, 100), Err(EINVAL), "offset not page aligned");
    assert_eq!(mmap(&p, dir, PROT_READ, MAP_SHARED, 0), Err(ENODEV), "a directory");
    assert_eq!(mmap(&p, 40, PROT_READ, MAP_SHARED, 0), Err(EBADF));
    assert!(w.mem.borrow().vm_maps.is_empty(), "nothing reached VM");
    assert_eq!(p.write(fd, b"before"), Ok(6));
    assert!(w.mem.borrow().vm_writes.is_empty(), "no cache to update before a mapping");
    assert_eq!(mmap(&p, fd, PROT_READ | PROT_WRITE, MAP_PRIVATE, 8192), Ok(0x4000_0000));
    let (map, _, len) = w.mem.borrow().vm_maps[0];
    assert_eq!((map.who, map.page, map.prot, map.flags, len), (Endpoint(A), 2, PROT_READ | PROT_WRITE, MAP_PRIVATE, 8192));
    // Writes and truncates now reach VM's cache, at the right place.
    p.res(Request::Lseek { fd, offset: 4000, whence: SEEK_SET }).unwrap();
    assert_eq!(p.write(fd, b"abc"), Ok(3));
    assert_eq!(p.res(Request::WriteSmall { fd, len: 2, data: minix_abi::vfs::pack_small(b"XY") }), Ok(2));
    assert_eq!(w.mem.borrow().vm_writes, [(map.ino, 4000, 3, b"abc".to_vec()), (map.ino, 4003, 2, b"XY".to_vec())]);
    p.res(Request::Ftruncate { fd, size: off(10) }).unwrap();
    assert_eq!(p.open("/f", O_WRONLY | O_TRUNC, 0).map(|_| ()), Ok(()));
    assert_eq!(w.mem.borrow().vm_truncs, [(map.ino, 10), (map.ino, 0)]);
    // The file outlives its name and descriptors while VM maps it.
    p.res(Request::Unlink { path: p.path("/f") }).unwrap();
    for fd in [fd, wo, dir, 3] {
        let _ = p.close(fd);
    }
    assert_eq!(v.counts(), (0, 2, 0), "no filp left; the root and the file VM maps stay");
    // VM reports the last mapping gone: the file goes, and VM is told to
    // drop its pages before the FS frees the inode.
    let free = |p: &P| fs::StatVfs::from_reply(&p.reply(Request::Statvfs { path: p.path("/") })).unwrap().free_files;
    let before = free(&p);
    v.vm_released(&mut &w, map.ino, 1);
    assert_eq!(v.counts(), (0, 1, 0));
    assert_eq!(w.mem.borrow().vm_truncs.last(), Some(&(map.ino, 0)));
    assert_eq!(free(&p), before + 1, "the unlinked file's inode is free");
}

/// The drop of a file's pages when its last user goes reaches VM before
/// VFS's state lock is let go: another thread taking the file up again
/// (an exec of the same program mapping the cached pages at once) comes
/// after it, never between the decision and the drop. (Found in the guest:
/// a late drop zeroed pages a new exec of the test program had mapped.)
#[test]
fn the_last_users_drop_reaches_vm_under_the_lock() {
    let v: &'static TestVfs = Box::leak(Box::new(new_vfs()));
    let w = World::new(1024);
    w.mem.borrow_mut().trunc_probe = Some(Box::new(|| v.state_is_locked()));
    let p = P::new(v, &w, A);
    let fd = p.open("/prog", O_CREAT | O_RDWR, 0o755).unwrap();
    assert_eq!(p.write(fd, b"text"), Ok(4));
    assert_eq!(mmap(&p, fd, PROT_READ, MAP_PRIVATE, 0), Ok(0x4000_0000));
    let ino = w.mem.borrow().vm_maps[0].0.ino;
    p.close(fd).unwrap();
    v.vm_released(&mut &w, ino, 1);
    let m = w.mem.borrow();
    assert_eq!(m.vm_truncs, [(ino, 0)]);
    assert_eq!(m.truncs_locked, [true], "dropped with the state lock held");
    drop(m);
    assert!(!v.state_is_locked());
    // An ftruncate's message is no drop: it goes unlocked, as before.
    let fd = p.open("/prog", O_RDWR, 0).unwrap();
    assert_eq!(mmap(&p, fd, PROT_READ, MAP_PRIVATE, 0), Ok(0x4000_0000));
    p.res(Request::Ftruncate { fd, size: off(2) }).unwrap();
    assert_eq!(w.mem.borrow().truncs_locked, [true, false]);
}

#[test]
fn a_failed_or_repeated_mapping_balances_holds() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let fd = p.open("/g", O_CREAT | O_RDWR, 0o644).unwrap();
    for _ in 0..3 {
        mmap(&p, fd, PROT_READ, MAP_SHARED, 0).unwrap();
    }
    let ino = w.mem.borrow().vm_maps[0].0.ino;
    p.close(fd).unwrap();
    v.vm_released(&mut &w, ino, 2);
    assert_eq!(v.counts().1, 2, "one mapping still holds the file");
    v.vm_released(&mut &w, ino, 5);
    assert_eq!(v.counts().1, 1, "all of VM's holds gone, never more than it had");
}

/// A write of more than one FS piece updates VM's cache piece by piece,
/// each right after the FS wrote it: the FS's copy of a later piece from a
/// mapping of the same file then sees the earlier pieces, and so does VM's
/// (issue 19's `AABD` against `AAAD`).
#[test]
fn cache_updates_follow_each_piece_the_fs_writes() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    let fd = p.open("/big", O_CREAT | O_RDWR, 0o644).unwrap();
    mmap(&p, fd, PROT_READ, MAP_PRIVATE, 0).unwrap();
    let io = fs::IO_MAX as usize;
    let data: Vec<u8> = (0..io + 5000).map(|i| (i % 251) as u8).collect();
    p.res(Request::Lseek { fd, offset: 100, whence: SEEK_SET }).unwrap();
    assert_eq!(p.write(fd, &data), Ok(data.len() as u64));
    let m = w.mem.borrow();
    let got: Vec<(u64, u64)> = m.vm_writes.iter().map(|&(_, pos, len, _)| (pos, len)).collect();
    assert_eq!(got, [(100, io as u64), (100 + io as u64, 5000)]);
    assert_eq!(m.vm_writes[0].3, data[..io]);
    assert_eq!(m.vm_writes[1].3, data[io..]);
}
