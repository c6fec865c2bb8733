// SPDX-License-Identifier: BSD-2-Clause
//! Calls that change names: create, mknod, mkdir, link, unlink, rmdir,
//! rename, symlink, and readlink beside symlink.
//!
//! Each call checks everything that can fail for a reason other than a
//! full disk before it changes anything, and undoes its own allocations
//! when the disk fills, so a failed call leaves the image consistent.

use crate::device::BlockDevice;
use crate::dir::{check_name, is_dot_or_dotdot};
use crate::fs::FileSystem;
use crate::inode::{DiskInode, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_IPERM};
use crate::{Result, LINK_MAX, ROOT_INO};
use minix_abi::errno::{EBUSY, EEXIST, EINVAL, EIO, EISDIR, EMLINK, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTEMPTY, EPERM};

impl<D: BlockDevice> FileSystem<D> {
    /// Checks that `name` can be added to `dir`; returns a free slot if any.
    fn prepare_new(&mut self, dir: u32, name: &[u8]) -> Result<Option<u64>> {
        self.writable()?;
        let d = self.live_dir(dir)?;
        check_name(name)?;
        if is_dot_or_dotdot(name) {
            return Err(EEXIST);
        }
        if d.nlinks == 0 {
            return Err(ENOENT);
        }
        let scan = self.scan(&d, name)?;
        if scan.found.is_some() {
            return Err(EEXIST);
        }
        Ok(scan.free)
    }

    fn fresh_inode(&self, mode: u16, uid: u16, gid: u16) -> DiskInode {
        DiskInode { mode, nlinks: 1, uid, gid, atime: self.now, mtime: self.now, ctime: self.now, ..Default::default() }
    }

    /// Frees an inode this call allocated but could not link in.
    fn discard(&mut self, ino: u32) -> Result<()> {
        let mut i = self.inode(ino)?;
        i.nlinks = 0;
        self.put_inode(ino, &i)?;
        self.free_if_unused(ino)
    }

    fn touch_dir(&mut self, dir: u32) -> Result<()> {
        let mut d = self.inode(dir)?;
        d.mtime = self.now;
        d.ctime = self.now;
        self.put_inode(dir, &d)
    }

    fn add_links(&mut self, ino: u32, delta: i32) -> Result<()> {
        let mut i = self.inode(ino)?;
        i.nlinks = (i.nlinks as i32 + delta).clamp(0, u16::MAX as i32) as u16;
        i.ctime = self.now;
        self.put_inode(ino, &i)
    }

    /// Allocates `inode` and enters it in `dir` as `name`.
    fn link_new(&mut self, dir: u32, name: &[u8], free: Option<u64>, inode: &DiskInode) -> Result<u32> {
        let ino = self.alloc_inode(inode)?;
        if let Err(e) = self.add_entry(dir, name, ino, free) {
            self.discard(ino)?;
            return Err(e);
        }
        self.touch_dir(dir)?;
        Ok(ino)
    }

    /// Creates a regular file (or, by the type bits of `mode`, a fifo or a
    /// socket) and returns its inode. EEXIST if the name is taken.
    pub fn create(&mut self, dir: u32, name: &[u8], mode: u16, uid: u16, gid: u16) -> Result<u32> {
        let ty = match mode & S_IFMT {
            0 => S_IFREG,
            t @ (S_IFREG | S_IFIFO | S_IFSOCK) => t,
            _ => return Err(EINVAL),
        };
        let free = self.prepare_new(dir, name)?;
        let inode = self.fresh_inode(ty | (mode & S_IPERM), uid, gid);
        self.link_new(dir, name, free, &inode)
    }

    /// Creates a character or block special file; `dev` goes in zone 0.
    pub fn mknod(&mut self, dir: u32, name: &[u8], mode: u16, dev: u32, uid: u16, gid: u16) -> Result<u32> {
        match mode & S_IFMT {
            S_IFCHR | S_IFBLK => {}
            S_IFREG | S_IFIFO | S_IFSOCK | 0 => return self.create(dir, name, mode, uid, gid),
            _ => return Err(EINVAL),
        }
        let free = self.prepare_new(dir, name)?;
        let mut inode = self.fresh_inode(mode & (S_IFMT | S_IPERM), uid, gid);
        inode.zone[0] = dev;
        self.link_new(dir, name, free, &inode)
    }

    /// Creates a directory holding "." and "..", and returns its inode.
    pub fn mkdir(&mut self, dir: u32, name: &[u8], mode: u16, uid: u16, gid: u16) -> Result<u32> {
        let free = self.prepare_new(dir, name)?;
        if self.inode(dir)?.nlinks >= LINK_MAX {
            return Err(EMLINK);
        }
        let mut inode = self.fresh_inode(S_IFDIR | (mode & S_IPERM), uid, gid);
        inode.nlinks = 2;
        let ino = self.alloc_inode(&inode)?;
        let filled = self.put_entry(ino, 0, ino, b".").and_then(|_| self.put_entry(ino, 1, dir, b".."));
        if let Err(e) = filled.and_then(|_| self.add_entry(dir, name, ino, free)) {
            self.discard(ino)?;
            return Err(e);
        }
        self.add_links(dir, 1)?;
        self.touch_dir(dir)?;
        Ok(ino)
    }

    /// Enters the existing inode `ino` in `dir` as `name`.
    pub fn link(&mut self, dir: u32, name: &[u8], ino: u32) -> Result<()> {
        self.writable()?;
        let target = self.live(ino)?;
        if target.is_dir() {
            return Err(EPERM);
        }
        if target.nlinks == 0 {
            return Err(ENOENT);
        }
        if target.nlinks >= LINK_MAX {
            return Err(EMLINK);
        }
        let free = self.prepare_new(dir, name)?;
        self.add_entry(dir, name, ino, free)?;
        self.add_links(ino, 1)?;
        self.touch_dir(dir)
    }

    /// Removes a name that is not a directory. The inode goes when its last
    /// link and its last open reference (see [`FileSystem::release`]) go.
    pub fn unlink(&mut self, dir: u32, name: &[u8]) -> Result<()> {
        self.writable()?;
        let d = self.live_dir(dir)?;
        check_name(name)?;
        if is_dot_or_dotdot(name) {
            return Err(EPERM);
        }
        let (slot, ino) = self.scan(&d, name)?.found.ok_or(ENOENT)?;
        if self.entry_inode(ino)?.is_dir() {
            // As MINIX: directories go with rmdir only.
            return Err(EPERM);
        }
        self.clear_entry(dir, slot)?;
        self.add_links(ino, -1)?;
        self.touch_dir(dir)?;
        self.free_if_unused(ino)
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, dir: u32, name: &[u8]) -> Result<()> {
        self.writable()?;
        let d = self.live_dir(dir)?;
        check_name(name)?;
        if name == b"." {
            return Err(EINVAL);
        }
        if name == b".." {
            return Err(ENOTEMPTY);
        }
        let (slot, ino) = self.scan(&d, name)?.found.ok_or(ENOENT)?;
        let mut victim = self.entry_inode(ino)?;
        if !victim.is_dir() {
            return Err(ENOTDIR);
        }
        if ino == ROOT_INO {
            return Err(EBUSY);
        }
        if !self.dir_is_empty(&victim)? {
            return Err(ENOTEMPTY);
        }
        self.clear_entry(dir, slot)?;
        victim.nlinks = 0;
        victim.ctime = self.now;
        self.put_inode(ino, &victim)?;
        self.add_links(dir, -1)?;
        self.touch_dir(dir)?;
        self.free_if_unused(ino)
    }

    /// EINVAL if directory `ino` is `start` or one of its ancestors: a
    /// directory cannot move into its own subtree.
    fn check_not_ancestor(&mut self, ino: u32, start: u32) -> Result<()> {
        // A corrupt image can make ".." entries loop; remembering where the
        // walk has been bounds it by the depth of the tree.
        let mut visited = alloc::collections::BTreeSet::new();
        let mut cur = start;
        loop {
            if cur == ino {
                return Err(EINVAL);
            }
            if cur == ROOT_INO {
                return Ok(());
            }
            if !visited.insert(cur) {
                return Err(EIO);
            }
            let d = self.live_dir(cur).map_err(|_| EIO)?;
            let (_, parent) = self.scan(&d, b"..")?.found.ok_or(EIO)?;
            cur = parent;
        }
    }

    /// Renames `odir/oname` to `ndir/nname`, replacing an existing file (or
    /// an empty directory, when moving a directory). A moved directory's
    /// ".." is repointed.
    pub fn rename(&mut self, odir: u32, oname: &[u8], ndir: u32, nname: &[u8]) -> Result<()> {
        self.writable()?;
        let od = self.live_dir(odir)?;
        self.live_dir(ndir)?;
        check_name(oname)?;
        check_name(nname)?;
        if is_dot_or_dotdot(oname) || is_dot_or_dotdot(nname) {
            return Err(EINVAL);
        }
        let (oslot, oino) = self.scan(&od, oname)?.found.ok_or(ENOENT)?;
        let moving = self.entry_inode(oino)?;
        let nd = self.inode(ndir)?;
        if nd.nlinks == 0 {
            return Err(ENOENT);
        }
        let is_dir = moving.is_dir();
        if is_dir && odir != ndir {
            self.check_not_ancestor(oino, ndir)?;
        }
        let nscan = self.scan(&nd, nname)?;
        let mut replaced = None;
        match nscan.found {
            Some((_, nino)) if nino == oino => return Ok(()),
            Some((nslot, nino)) => {
                let old = self.entry_inode(nino)?;
                match (is_dir, old.is_dir()) {
                    (true, false) => return Err(ENOTDIR),
                    (false, true) => return Err(EISDIR),
                    _ => {}
                }
                if old.is_dir() && (nino == ROOT_INO || !self.dir_is_empty(&old)?) {
                    return Err(if nino == ROOT_INO { EBUSY } else { ENOTEMPTY });
                }
                self.set_entry_ino(ndir, nslot, oino)?;
                if old.is_dir() {
                    let mut o = old;
                    o.nlinks = 0;
                    o.ctime = self.now;
                    self.put_inode(nino, &o)?;
                    self.add_links(ndir, -1)?;
                } else {
                    self.add_links(nino, -1)?;
                }
                replaced = Some(nino);
            }
            None => {
                if is_dir && odir != ndir && nd.nlinks >= LINK_MAX {
                    return Err(EMLINK);
                }
                self.add_entry(ndir, nname, oino, nscan.free)?;
            }
        }
        self.clear_entry(odir, oslot)?;
        if is_dir && odir != ndir {
            let moved = self.inode(oino)?;
            let (slot, _) = self.scan(&moved, b"..")?.found.ok_or(EIO)?;
            self.set_entry_ino(oino, slot, ndir)?;
            self.add_links(odir, -1)?;
            self.add_links(ndir, 1)?;
        }
        let mut moved = self.inode(oino)?;
        moved.ctime = self.now;
        self.put_inode(oino, &moved)?;
        self.touch_dir(odir)?;
        self.touch_dir(ndir)?;
        match replaced {
            Some(nino) => self.free_if_unused(nino),
            None => Ok(()),
        }
    }

    /// Creates a symbolic link to `target`, which must be shorter than a
    /// block and hold no NUL.
    pub fn symlink(&mut self, dir: u32, name: &[u8], target: &[u8], uid: u16, gid: u16) -> Result<u32> {
        if target.is_empty() {
            return Err(ENOENT);
        }
        if target.len() >= self.geo.block_size as usize || target.contains(&0) {
            return Err(ENAMETOOLONG);
        }
        let free = self.prepare_new(dir, name)?;
        let mut inode = self.fresh_inode(S_IFLNK | 0o777, uid, gid);
        let ino = self.alloc_inode(&inode)?;
        let written = self.write_at(ino, &mut inode, 0, target);
        let linked = match written {
            Ok(n) if n == target.len() => self.add_entry(dir, name, ino, free),
            Ok(_) => Err(minix_abi::errno::ENOSPC),
            Err(e) => Err(e),
        };
        if let Err(e) = linked {
            self.discard(ino)?;
            return Err(e);
        }
        self.touch_dir(dir)?;
        Ok(ino)
    }

    /// Copies a symlink's target into `buf`; returns its length (cut to
    /// `buf`). EINVAL if `ino` is not a symlink.
    pub fn readlink(&mut self, ino: u32, buf: &mut [u8]) -> Result<usize> {
        let inode = self.live(ino)?;
        if !inode.is_symlink() {
            return Err(EINVAL);
        }
        self.read_at(&inode, 0, buf)
    }
}
