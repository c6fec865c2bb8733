// SPDX-License-Identifier: BSD-2-Clause
//! open(O_CREAT) through a symbolic link (issue 19): a dangling link makes
//! its target, as Linux does.

use super::*;
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::Follow;

const A: u32 = 0x1004;

fn symlink(p: &P, target: &str, path: &str) {
    p.res(Request::Symlink { target: p.path(target), path: p.path(path) }).unwrap();
}

fn is_link(p: &P, path: &str) -> bool {
    let buf = p.alloc(fs::STAT_SIZE, true);
    p.res(Request::Stat { path: p.path(path), buf, follow: Follow::No }).unwrap();
    fs::Stat::decode(&p.peek(buf, fs::STAT_SIZE).try_into().unwrap()).mode & 0o170000 == 0o120000
}

#[test]
fn creat_through_a_dangling_link_makes_its_target() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/d"), mode: 0o755 }).unwrap();
    // Relative to the link's directory, not the working directory.
    symlink(&p, "t", "/d/rel");
    symlink(&p, "/abs", "/abs-link");
    // A chain of two dangling links.
    symlink(&p, "hop", "/chain");
    symlink(&p, "/d/end", "/hop");
    for (link, target) in [("/d/rel", "/d/t"), ("/abs-link", "/abs"), ("/chain", "/d/end")] {
        let fd = p.open(link, O_CREAT | O_WRONLY, 0o640).unwrap_or_else(|e| panic!("creat {link}: {e:?}"));
        assert_eq!(p.write(fd, b"made"), Ok(4));
        p.close(fd).unwrap();
        assert_eq!(p.stat(target).unwrap().size, 4, "{target} made through {link}");
        assert!(is_link(&p, link), "{link} is still the link");
        // Now the target exists: O_CREAT opens it, O_EXCL refuses the link.
        let fd = p.open(link, O_CREAT | O_RDONLY, 0o640).unwrap();
        assert_eq!(p.read(fd, 10).unwrap(), b"made");
        p.close(fd).unwrap();
    }
    assert!(p.stat("/t").is_err(), "the relative target was not made in the working directory");
    assert_eq!(v.counts(), (0, 1, 0), "no filp left and no reference kept");
}

#[test]
fn creat_through_links_refuses_what_linux_refuses() {
    let (v, w) = (new_vfs(), World::new(4096));
    let p = P::new(&v, &w, A);
    symlink(&p, "/missing/t", "/no-dir");
    symlink(&p, "loop-b", "/loop-a");
    symlink(&p, "loop-a", "/loop-b");
    symlink(&p, "self", "/self");
    symlink(&p, "target", "/dang");
    assert_eq!(p.open("/no-dir", O_CREAT | O_RDWR, 0o644), Err(ENOENT), "the target's directory is missing");
    assert_eq!(p.open("/loop-a", O_CREAT | O_RDWR, 0o644), Err(ELOOP));
    assert_eq!(p.open("/self", O_CREAT | O_RDWR, 0o644), Err(ELOOP));
    // O_EXCL: the link is a name that exists, dangling or not.
    assert_eq!(p.open("/dang", O_CREAT | O_EXCL | O_RDWR, 0o644), Err(EEXIST));
    // O_NOFOLLOW: a final link is ELOOP, and nothing is made.
    assert_eq!(p.open("/dang", O_CREAT | O_NOFOLLOW | O_RDWR, 0o644), Err(ELOOP));
    assert!(p.stat("/target").is_err());
    // Without O_CREAT a dangling link is still ENOENT.
    assert_eq!(p.open("/dang", O_RDWR, 0), Err(ENOENT));
    // Plain creates are unchanged: O_EXCL on a new name, then EEXIST.
    assert!(p.open("/plain", O_CREAT | O_EXCL | O_RDWR, 0o644).is_ok());
    assert_eq!(p.open("/plain", O_CREAT | O_EXCL | O_RDWR, 0o644), Err(EEXIST));
    assert_eq!(p.open("/missing/x", O_CREAT | O_RDWR, 0o644), Err(ENOENT));
    assert_eq!(p.open("", O_CREAT | O_RDWR, 0o644), Err(ENOENT));
    // O_CREAT with O_DIRECTORY once made a file, then refused it.
    assert_eq!(p.open("/want-dir", O_CREAT | O_DIRECTORY | O_RDONLY, 0o644), Err(EINVAL));
    assert!(p.stat("/want-dir").is_err(), "a file was made");
}
