// SPDX-License-Identifier: BSD-2-Clause
//! Copying a host directory tree into an image: files, directories,
//! symlinks, fifos and device nodes, with their permission bits and
//! modification times. Hard links are kept: host files with more than one
//! link are remembered by (device, inode) and linked again in the image.
//! Everything is owned by root. Entries go in name order, so the same tree
//! gives the same image. Files named `.gitkeep` are skipped: they only let
//! git hold empty directories.

use crate::filedev::FileDevice;
use minix_abi::errno::EEXIST;
use minixfs::inode::{S_IFBLK, S_IFCHR, S_IFIFO};
use minixfs::FileSystem;
use std::collections::HashMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

type Fs = FileSystem<FileDevice>;

struct Copier<'a> {
    fs: &'a mut Fs,
    /// Host (dev, ino) of multiply linked files to their image inode.
    links: HashMap<(u64, u64), u32>,
}

/// Copies the contents of `src` into image directory `dest`.
pub fn copy_tree(fs: &mut Fs, src: &Path, dest: u32) -> Result<(), String> {
    if !fs::metadata(src).map_err(|e| format!("{}: {e}", src.display()))?.is_dir() {
        return Err(format!("{}: not a directory", src.display()));
    }
    Copier { fs, links: HashMap::new() }.dir(src, dest)
}

fn errno(path: &Path, what: &str, e: minixfs::Errno) -> String {
    format!("{}: {what}: {}", path.display(), e.name())
}

impl Copier<'_> {
    fn dir(&mut self, src: &Path, dest: u32) -> Result<(), String> {
        let mut entries: Vec<_> =
            fs::read_dir(src).and_then(|rd| rd.collect::<Result<Vec<_>, _>>()).map_err(|e| format!("{}: {e}", src.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            if name == ".gitkeep" {
                continue;
            }
            let path = e.path();
            let meta = fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            self.entry(&path, name.as_bytes(), &meta, dest)?;
        }
        Ok(())
    }

    /// Removes an existing non-directory `name` so it can be replaced
    /// (`--add` over an image that already has it).
    fn make_room(&mut self, path: &Path, name: &[u8], dest: u32, is_dir: bool) -> Result<Option<u32>, String> {
        let Ok(old) = self.fs.lookup(dest, name) else { return Ok(None) };
        let old_is_dir = self.fs.stat(old).map_err(|e| errno(path, "stat", e))?.mode & 0o170000 == 0o040000;
        match (is_dir, old_is_dir) {
            (true, true) => Ok(Some(old)),
            (false, false) => {
                self.fs.unlink(dest, name).map_err(|e| errno(path, "unlink", e))?;
                Ok(None)
            }
            _ => Err(errno(path, "exists in the image as another type", EEXIST)),
        }
    }

    fn entry(&mut self, path: &Path, name: &[u8], meta: &fs::Metadata, dest: u32) -> Result<(), String> {
        let ft = meta.file_type();
        let perm = (meta.mode() & 0o7777) as u16;
        let mtime = meta.mtime().clamp(0, u32::MAX as i64) as u32;
        self.fs.set_time(mtime);
        let existing = self.make_room(path, name, dest, ft.is_dir())?;
        if !ft.is_dir() && meta.nlink() > 1 {
            if let Some(&ino) = self.links.get(&(meta.dev(), meta.ino())) {
                return self.fs.link(dest, name, ino).map_err(|e| errno(path, "link", e));
            }
        }
        let ino = if ft.is_dir() {
            let ino = match existing {
                Some(ino) => ino,
                None => self.fs.mkdir(dest, name, perm, 0, 0).map_err(|e| errno(path, "mkdir", e))?,
            };
            self.dir(path, ino)?;
            self.fs.chmod(ino, perm).map_err(|e| errno(path, "chmod", e))?;
            ino
        } else if ft.is_symlink() {
            let target = fs::read_link(path).map_err(|e| format!("{}: {e}", path.display()))?;
            self.fs.symlink(dest, name, target.as_os_str().as_bytes(), 0, 0).map_err(|e| errno(path, "symlink", e))?
        } else if ft.is_file() {
            let ino = self.fs.create(dest, name, perm, 0, 0).map_err(|e| errno(path, "create", e))?;
            let data = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let n = self.fs.write(ino, 0, &data).map_err(|e| errno(path, "write", e))?;
            if n != data.len() {
                return Err(errno(path, "write", minix_abi::errno::ENOSPC));
            }
            ino
        } else if ft.is_fifo() {
            self.fs.create(dest, name, S_IFIFO | perm, 0, 0).map_err(|e| errno(path, "mkfifo", e))?
        } else if ft.is_char_device() || ft.is_block_device() {
            let ty = if ft.is_char_device() { S_IFCHR } else { S_IFBLK };
            self.fs.mknod(dest, name, ty | perm, meta.rdev() as u32, 0, 0).map_err(|e| errno(path, "mknod", e))?
        } else {
            eprintln!("mkimage: {}: sockets are not copied", path.display());
            return Ok(());
        };
        if !ft.is_dir() && meta.nlink() > 1 {
            self.links.insert((meta.dev(), meta.ino()), ino);
        }
        if !ft.is_symlink() {
            self.fs.utime(ino, mtime, mtime).map_err(|e| errno(path, "utime", e))?;
        }
        Ok(())
    }
}
