// SPDX-License-Identifier: BSD-2-Clause
//! Path walking. VFS walks a path one component at a time with the FS's
//! LOOKUP, which resolves a single name and hands VFS a reference on the
//! inode it found. The walker gives back each directory's reference as
//! soon as it has the next one, so at most two are held at once.
//!
//! Absolute and relative paths, `.` and `..` (the FS's directories hold
//! both; `..` of the root is the root), empty components (`a//b`), and
//! symbolic links anywhere in the path. A link's target replaces the link
//! in the path; more than [`SYMLOOP_MAX`] links in one walk give `ELOOP`,
//! a path grown past [`PATH_MAX`] by them `ENAMETOOLONG`. An empty path is
//! `ENOENT`, as POSIX says.
//!
//! **Trailing slashes.** A path ending in `/` names a directory (POSIX
//! 4.13): a final symbolic link is followed even by calls that would not
//! (`lstat("link-to-dir/")` is the directory), and a walk that ends on
//! anything else is `ENOTDIR` (`stat("file/")`). A walk to the parent
//! tells its caller whether the last name had a slash after it
//! ([`Parent::slash`]), and each call that makes, removes or renames a
//! name decides what that means for it (`names.rs`).

use crate::env::{Env, NameSlot, SCRATCH};
use crate::tables::ROOT_INO;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EIO, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR};
use minix_abi::fs::{self, Name, Node, NAME_MAX};
use minix_abi::vfs::mode::{S_IFDIR, S_IFLNK, S_IFMT};
use minix_abi::vfs::PATH_MAX;

/// Most symbolic links one walk follows (POSIX's `SYMLOOP_MAX` minimum).
pub const SYMLOOP_MAX: usize = 8;

/// An inode the walk ended on, and whether VFS holds an FS reference on
/// it that the caller must keep or give back.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Found {
    pub node: Node,
    /// 1 when the walk's LOOKUP reference comes with it, 0 for the start
    /// directory itself (the root, or the working directory).
    pub refs: u32,
}

impl Found {
    pub fn is_dir(&self) -> bool {
        self.node.mode as u32 & S_IFMT == S_IFDIR
    }
    pub fn is_symlink(&self) -> bool {
        self.node.mode as u32 & S_IFMT == S_IFLNK
    }
}

/// A directory and the last component of a path, for calls that make or
/// remove a name.
pub struct Parent {
    pub dir: Found,
    pub name: Vec<u8>,
    /// The last name was followed by a slash: it must be (or become) a
    /// directory.
    pub slash: bool,
}

/// Gives back a reference the walk holds.
pub fn put(env: &mut impl Env, f: &Found) {
    if f.refs > 0 {
        let _ = env.fs(fs::Request::Putnode { ino: f.node.ino, count: f.refs });
    }
}

/// A directory node standing for the start of a walk, without reference.
fn start(ino: u32) -> Found {
    Found { node: Node { ino, mode: S_IFDIR as u16, uid: 0, gid: 0, nlinks: 0, size: 0 }, refs: 0 }
}

/// Looks `name` up in `dir`.
pub fn lookup(env: &mut impl Env, dir: u32, name: &[u8]) -> Result<Found, Errno> {
    if name.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    // Short names (most path components) travel in the request's words.
    let reply = match fs::inline_name(name) {
        Some(bytes) => env.fs(fs::Request::LookupInline { dir, len: name.len() as u16, bytes }),
        None => {
            let grant = env.name_grant(NameSlot::First, name)?;
            env.fs(fs::Request::Lookup { name: Name { dir, grant, len: name.len() as u16 } })
        }
    };
    Ok(Found { node: Node::from_reply(&reply)?, refs: 1 })
}

/// A symbolic link's target, read into a vector.
pub fn read_link(env: &mut impl Env, ino: u32) -> Result<Vec<u8>, Errno> {
    let grant = env.scratch_grant()?;
    let n = env.fs(fs::Request::Rdlink { ino, grant, bytes: SCRATCH as u64 }).result()? as usize;
    if n > SCRATCH {
        return Err(EIO);
    }
    Ok(env.scratch(n).to_vec())
}

/// The walk itself: `path` from `cwd` (or the root, when absolute), all
/// components when `stop_before_last` is false, all but the last when
/// true. Returns where it stopped and, when stopping before the last, the
/// final component and whether a slash followed it.
fn walk_to(env: &mut impl Env, cwd: u32, path: &[u8], follow_last: bool, stop_before_last: bool) -> Result<(Found, Vec<u8>, bool), Errno> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    // The rest of the path to walk, as owned bytes: a link's target is
    // spliced in front of what followed the link.
    let mut rest: Vec<u8> = path.to_vec();
    let mut cur = start(if path[0] == b'/' { ROOT_INO } else { cwd });
    let mut links = 0;
    let mut pos = 0;
    loop {
        while pos < rest.len() && rest[pos] == b'/' {
            pos += 1;
        }
        let end = rest[pos..].iter().position(|&b| b == b'/').map_or(rest.len(), |e| pos + e);
        let comp = &rest[pos..end];
        let after = rest[end..].iter().all(|&b| b == b'/');
        if comp.is_empty() {
            // The path ended (or was all slashes): `cur` is the answer,
            // which a trailing slash says must be a directory.
            if !cur.is_dir() && rest.last() == Some(&b'/') {
                put(env, &cur);
                return Err(ENOTDIR);
            }
            return Ok((cur, Vec::new(), false));
        }
        if !cur.is_dir() {
            put(env, &cur);
            return Err(ENOTDIR);
        }
        // Slashes after the last name: it must be a directory.
        let slash = end < rest.len();
        if after && stop_before_last {
            return Ok((cur, comp.to_vec(), slash));
        }
        let next = match lookup(env, cur.node.ino, comp) {
            Ok(n) => n,
            Err(e) => {
                put(env, &cur);
                return Err(e);
            }
        };
        if next.is_symlink() && (!after || follow_last || slash) {
            links += 1;
            let target = if links > SYMLOOP_MAX { Err(ELOOP) } else { read_link(env, next.node.ino) };
            put(env, &next);
            let target = match target {
                Ok(t) if t.is_empty() => Err(ENOENT),
                t => t,
            };
            let target = match target {
                Ok(t) => t,
                Err(e) => {
                    put(env, &cur);
                    return Err(e);
                }
            };
            let mut spliced = target;
            spliced.extend_from_slice(&rest[end..]);
            if spliced.len() as u64 > PATH_MAX {
                put(env, &cur);
                return Err(ENAMETOOLONG);
            }
            if spliced[0] == b'/' {
                put(env, &cur);
                cur = start(ROOT_INO);
            }
            rest = spliced;
            pos = 0;
            continue;
        }
        put(env, &cur);
        cur = next;
        pos = end;
    }
}

/// Resolves a whole path; the final symlink is followed when `follow`.
pub fn resolve(env: &mut impl Env, cwd: u32, path: &[u8], follow: bool) -> Result<Found, Errno> {
    walk_to(env, cwd, path, follow, false).map(|(f, _, _)| f)
}

/// Resolves all but the last component, which must be a name (a path
/// that is only slashes has none: `EEXIST`-like callers see an empty
/// name and decide).
pub fn resolve_parent(env: &mut impl Env, cwd: u32, path: &[u8]) -> Result<Parent, Errno> {
    let (dir, name, slash) = walk_to(env, cwd, path, true, true)?;
    Ok(Parent { dir, name, slash })
}
