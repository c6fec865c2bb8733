// SPDX-License-Identifier: BSD-2-Clause
//! A trailing slash names a directory (issue 19): every path call, with
//! Linux's errno where a slash follows a non-directory.

use super::*;
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::{self, Follow, UserBuf};

const A: u32 = 0x1004;

/// `/f` (a file holding "data"), `/d` (a directory), `/ld` (a link to
/// `d`), `/lf` (a link to `f`), `/dang` (a link to nothing).
fn tree(p: &P) {
    let fd = p.open("/f", O_CREAT | O_WRONLY, 0o644).unwrap();
    assert_eq!(p.write(fd, b"data"), Ok(4));
    p.close(fd).unwrap();
    p.res(Request::Mkdir { path: p.path("/d"), mode: 0o755 }).unwrap();
    for (target, name) in [("d", "/ld"), ("f", "/lf"), ("nothing", "/dang")] {
        p.res(Request::Symlink { target: p.path(target), path: p.path(name) }).unwrap();
    }
}

impl P<'_> {
    fn exists(&self, path: &str) -> bool {
        let buf = self.alloc(fs::STAT_SIZE, true);
        self.res(Request::Stat { path: self.path(path), buf, follow: Follow::No }).is_ok()
    }

    fn lstat_mode(&self, path: &str) -> Result<u32, Errno> {
        let buf = self.alloc(fs::STAT_SIZE, true);
        self.res(Request::Stat { path: self.path(path), buf, follow: Follow::No })?;
        Ok(fs::Stat::decode(&self.peek(buf, fs::STAT_SIZE).try_into().unwrap()).mode)
    }
}

#[test]
fn resolving_a_non_directory_with_a_slash_is_enotdir() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    tree(&p);
    for path in ["/f/", "/f//", "/lf/", "/f/."] {
        assert_eq!(p.open(path, O_RDONLY, 0), Err(ENOTDIR), "open {path}");
        assert_eq!(p.stat(path).map(|_| ()), Err(ENOTDIR), "stat {path}");
        assert_eq!(p.lstat_mode(path), Err(ENOTDIR), "lstat {path}");
        assert_eq!(p.res(Request::Chdir { path: p.path(path) }), Err(ENOTDIR), "chdir {path}");
        assert_eq!(p.res(Request::Access { path: p.path(path), mode: F_OK }), Err(ENOTDIR), "access {path}");
        assert_eq!(p.res(Request::Chmod { path: p.path(path), mode: 0o600 }), Err(ENOTDIR), "chmod {path}");
        let t = p.path(path);
        let raw = RawRequest { call: vfs::TRUNCATE, words: [t.addr, t.len, 0, 0], len: 3 };
        let r = match v.handle(&mut &w, minix_abi::endpoint::Sender::Process(p.who), &raw) {
            Outcome::Reply(r) => r.result(),
            o => panic!("{o:?}"),
        };
        assert_eq!(r, Err(ENOTDIR), "truncate {path}");
        let buf = p.alloc(64, true);
        let rl = p.res(Request::Readlink { path: p.path(path), buf: UserBuf { addr: buf, len: 64 } });
        assert_eq!(rl, Err(ENOTDIR), "readlink {path}");
    }
    assert_eq!(p.stat("/f").unwrap().size, 4, "nothing truncated");
    // A dangling link with a slash: its target is missing.
    assert_eq!(p.lstat_mode("/dang/"), Err(ENOENT));
    // Directories, and links to them, take a slash; lstat follows the link.
    assert_eq!(p.lstat_mode("/ld").map(|m| m & 0o170000), Ok(0o120000));
    assert_eq!(p.lstat_mode("/ld/").map(|m| m & 0o170000), Ok(0o040000));
    assert_eq!(p.lstat_mode("/d/").map(|m| m & 0o170000), Ok(0o040000));
    let buf = p.alloc(64, true);
    assert_eq!(p.res(Request::Readlink { path: p.path("/ld/"), buf: UserBuf { addr: buf, len: 64 } }), Err(EINVAL));
    assert!(p.open("/d/", O_RDONLY, 0).is_ok());
    assert!(p.open("/ld//", O_RDONLY | O_NOFOLLOW, 0).is_ok(), "a slash follows even O_NOFOLLOW's link");
    assert_eq!(p.res(Request::Chdir { path: p.path("/ld/") }), Ok(0));
}

#[test]
fn removing_or_renaming_a_non_directory_with_a_slash_is_enotdir() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    tree(&p);
    let unlink = |s: &str| p.res(Request::Unlink { path: p.path(s) });
    let rename = |a: &str, b: &str| p.res(Request::Rename { old: p.path(a), new: p.path(b) });
    assert_eq!(unlink("/f/"), Err(ENOTDIR));
    assert_eq!(unlink("/lf/"), Err(ENOTDIR), "the link itself is no directory");
    assert_eq!(unlink("/dang/"), Err(ENOTDIR));
    assert_eq!(unlink("/none/"), Err(ENOENT));
    assert_eq!(unlink("/d/"), Err(EPERM), "a directory goes with rmdir (MINIX)");
    assert_eq!(rename("/f", "/x/"), Err(ENOTDIR));
    assert_eq!(rename("/f/", "/x"), Err(ENOTDIR));
    assert_eq!(rename("/lf/", "/x"), Err(ENOTDIR));
    assert_eq!(rename("/none/", "/x"), Err(ENOENT));
    assert_eq!(p.res(Request::Rmdir { path: p.path("/f/") }), Err(ENOTDIR));
    assert_eq!(p.res(Request::Rmdir { path: p.path("/ld/") }), Err(ENOTDIR), "the name is a link");
    assert!(p.exists("/f") && p.exists("/lf") && p.exists("/dang") && !p.exists("/x"));
    assert_eq!(p.stat("/f").unwrap().size, 4);
    // Directories move and go with slashes.
    assert_eq!(rename("/d/", "/e/"), Ok(0));
    assert!(p.exists("/e") && !p.exists("/d"));
    assert_eq!(p.res(Request::Rmdir { path: p.path("/e//") }), Ok(0));
    // Without a slash all of it still works.
    assert_eq!(rename("/f", "/g"), Ok(0));
    assert_eq!(unlink("/g"), Ok(0));
}

#[test]
fn making_a_name_with_a_slash() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    tree(&p);
    // open(O_CREAT) makes no directory: EISDIR, whatever the name is.
    for path in ["/new/", "/f/", "/d/", "/", "/dang/"] {
        assert_eq!(p.open(path, O_CREAT | O_RDWR, 0o644), Err(EISDIR), "creat {path}");
        assert_eq!(p.open(path, O_CREAT | O_EXCL | O_RDWR, 0o644), Err(EISDIR), "creat excl {path}");
    }
    assert!(!p.exists("/new") && !p.exists("/nothing"));
    assert_eq!(p.open("/f/x", O_CREAT | O_RDWR, 0o644), Err(ENOTDIR));
    // An existing directory with O_CREAT is EISDIR too (POSIX).
    assert_eq!(p.open("/d", O_CREAT | O_RDONLY, 0), Err(EISDIR));
    // link and symlink: EEXIST when the name exists, else ENOENT.
    let link = |a: &str, b: &str| p.res(Request::Link { old: p.path(a), new: p.path(b) });
    let symlink = |t: &str, b: &str| p.res(Request::Symlink { target: p.path(t), path: p.path(b) });
    assert_eq!(link("/f", "/n/"), Err(ENOENT));
    assert_eq!(link("/f", "/d/"), Err(EEXIST));
    assert_eq!(link("/f", "/lf/"), Err(EEXIST));
    assert_eq!(link("/f/", "/n"), Err(ENOTDIR));
    assert_eq!(symlink("f", "/n/"), Err(ENOENT));
    assert_eq!(symlink("f", "/f/"), Err(EEXIST));
    assert!(!p.exists("/n"));
    assert_eq!(p.stat("/f").unwrap().nlink, 1);
    // mkdir takes a slash.
    assert_eq!(p.res(Request::Mkdir { path: p.path("/m/"), mode: 0o755 }), Ok(0));
    assert_eq!(p.res(Request::Mkdir { path: p.path("/m2//"), mode: 0o755 }), Ok(0));
    assert_eq!(p.lstat_mode("/m").map(|m| m & 0o170000), Ok(0o040000));
    assert_eq!(p.res(Request::Mkdir { path: p.path("/f/"), mode: 0o755 }), Err(EEXIST));
    // A link's target ending in a slash names a directory too.
    assert_eq!(symlink("f/", "/lfs"), Ok(0));
    assert_eq!(p.stat("/lfs").map(|_| ()), Err(ENOTDIR));
    assert_eq!(symlink("d/", "/lds"), Ok(0));
    assert!(p.open("/lds", O_RDONLY | O_DIRECTORY, 0).is_ok());
}
