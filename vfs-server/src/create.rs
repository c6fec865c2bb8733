// SPDX-License-Identifier: BSD-2-Clause
//! `open` with `O_CREAT`: finding the file a path names, or making it.
//!
//! The walk stops before the last name, which is looked up in its
//! directory (POSIX `open`, as Linux does it):
//!
//! * not there: a regular file of that name is made;
//! * there, with `O_EXCL`: `EEXIST`, even when it is a symbolic link;
//! * a symbolic link (without `O_NOFOLLOW`): its target takes the path's
//!   place, relative to the link's directory, and the same steps run on
//!   it, so a dangling link makes its target (`ENOENT` when the target's
//!   directory is missing; more than [`SYMLOOP_MAX`] links, a loop
//!   included, `ELOOP`);
//! * anything else is the file to open (`open` then refuses a directory
//!   with `EISDIR` and a link with `O_NOFOLLOW` with `ELOOP`).
//!
//! A last name followed by a slash, or a path with no last name (`/`), is
//! `EISDIR`: `open` makes no directories (Linux's answer).

use crate::env::{Env, NameSlot};
use crate::path::{lookup, put, read_link, resolve_parent, Found, SYMLOOP_MAX};
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EEXIST, EISDIR, ELOOP, ENAMETOOLONG, ENOENT};
use minix_abi::fs::{self, Name};
use minix_abi::vfs::flags::{O_EXCL, O_NOFOLLOW};
use minix_abi::vfs::mode::S_IFREG;

/// How often a name made by someone else between our LOOKUP and CREATE is
/// looked up again before giving up with `EEXIST`.
const RACE_TRIES: usize = 3;

/// The file `path` names from `cwd`, made with permissions `perm` when
/// missing. Answers it (with the FS reference it carries) and whether it
/// was made here.
pub fn open_or_create(env: &mut impl Env, cwd: u32, path: &[u8], flags: u64, perm: u32) -> Result<(Found, bool), Errno> {
    let excl = flags & O_EXCL != 0;
    let follow = flags & O_NOFOLLOW == 0;
    let mut path: Vec<u8> = path.to_vec();
    // Where a relative `path` starts, and the reference keeping it alive
    // (the directory of the link being followed).
    let mut start = cwd;
    let mut held: Option<Found> = None;
    let (mut links, mut races) = (0, 0);
    loop {
        let walked = resolve_parent(env, start, &path);
        if let Some(h) = held.take() {
            put(env, &h);
        }
        let parent = walked?;
        let dir = parent.dir;
        if parent.name.is_empty() || parent.slash {
            put(env, &dir);
            return Err(EISDIR);
        }
        let name = parent.name;
        let step = match lookup(env, dir.node.ino, &name) {
            Ok(f) if excl => {
                put(env, &f);
                Err(EEXIST)
            }
            Ok(f) if f.is_symlink() && follow => {
                links += 1;
                let target = if links > SYMLOOP_MAX { Err(ELOOP) } else { read_link(env, f.node.ino) };
                put(env, &f);
                match target {
                    Ok(t) if t.is_empty() => Err(ENOENT),
                    Ok(t) => {
                        path = t;
                        start = dir.node.ino;
                        held = Some(dir);
                        continue;
                    }
                    Err(e) => Err(e),
                }
            }
            Ok(f) => Ok((f, false)),
            Err(ENOENT) => match make(env, &dir, &name, perm) {
                Ok(f) => Ok((f, true)),
                // Made by someone else meanwhile: look at theirs.
                Err(EEXIST) if !excl && races < RACE_TRIES => {
                    races += 1;
                    path = name;
                    start = dir.node.ino;
                    held = Some(dir);
                    continue;
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        put(env, &dir);
        return step;
    }
}

/// Makes regular file `name` in `dir`: `EEXIST` if the name is taken.
fn make(env: &mut impl Env, dir: &Found, name: &[u8], perm: u32) -> Result<Found, Errno> {
    if name.len() > fs::NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    let name = Name { dir: dir.node.ino, grant: env.name_grant(NameSlot::First, name)?, len: name.len() as u16 };
    let reply = env.fs(fs::Request::Create { name, mode: (S_IFREG | perm) as u16, uid: 0, gid: 0 });
    Ok(Found { node: fs::Node::from_reply(&reply)?, refs: 1 })
}
