// SPDX-License-Identifier: BSD-2-Clause
//! The limits on what users make VFS keep: each reached with a handful of
//! objects (small [`Limits`]), the errno the caller gets, others going on,
//! and everything back once the hog lets go or exits.

use super::calls::raw;
use super::*;
use crate::limits::Limits;
use crate::pipe::PIPE_STEP;
use minix_abi::endpoint::{Sender, PM};
use minix_abi::errno::*;
use minix_abi::offset::Offset;
use minix_abi::vfs::flags::*;
use minix_abi::vm::{MAP_PRIVATE, PROT_READ};

const HOG: u32 = 0x1004;
const OTHER: u32 = 0x1005;

fn vfs_with(limits: Limits) -> TestVfs {
    use lock_api::RawMutex;
    Vfs::with_limits(
        spin::Mutex::<()>::INIT,
        core::array::from_fn::<_, STRIPES, _>(|_| spin::Mutex::<()>::INIT),
        spin::Mutex::<()>::INIT,
        limits,
    )
}

fn nb_pipe(p: &P) -> Result<(u32, u32), Errno> {
    let r = p.reply(Request::Pipe { flags: O_NONBLOCK });
    r.result().map(|rd| (rd as u32, r.vals[0] as u32))
}

/// Writes 1 KiB pieces until the pipe is full; the bytes that went in.
fn fill(p: &P, fd: u32) -> usize {
    let mut n = 0;
    loop {
        match p.write(fd, &[7u8; 1024]) {
            Ok(k) => n += k as usize,
            Err(EAGAIN) => return n,
            Err(e) => panic!("filling a pipe: {e:?}"),
        }
    }
}

fn exit(v: &TestVfs, w: &World, who: u32) {
    v.handle(&mut &*w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(who) }));
}

#[test]
fn pipe_buffers_come_from_a_shared_pool_and_go_back() {
    let v = vfs_with(Limits { pipe_pool: 2 * PIPE_STEP, ..Limits::SYSTEM });
    let w = World::new(1024);
    let (hog, other) = (P::new(&v, &w, HOG), P::new(&v, &w, OTHER));
    let (r1, w1) = nb_pipe(&hog).unwrap();
    assert_eq!(v.pipe_usage(), (0, 1), "an empty pipe holds no pool bytes");
    assert_eq!(fill(&hog, w1), 3 * PIPE_STEP, "its own step and the whole pool");
    assert_eq!(v.pipe_usage().0, 2 * PIPE_STEP);
    let (_r2, w2) = nb_pipe(&hog).unwrap();
    assert_eq!(fill(&hog, w2), PIPE_STEP, "with the pool gone, a pipe still holds its own step");
    // Someone else's pipe still works, a step at a time.
    let (ro, wo) = nb_pipe(&other).unwrap();
    assert_eq!(other.write(wo, &[1u8; 3000]), Ok(3000));
    assert_eq!(other.read(ro, 4096).unwrap(), vec![1u8; 3000]);
    assert_eq!(other.write(wo, &[2u8; 5000]), Ok(PIPE_STEP as u64), "a big write takes what fits");
    assert_eq!(other.read(ro, 8192).unwrap().len(), PIPE_STEP);
    // A pipe read empty gives its pool bytes back.
    assert_eq!(hog.read(r1, 3 * PIPE_STEP).unwrap().len(), 3 * PIPE_STEP);
    assert_eq!(v.pipe_usage().0, 0);
    assert_eq!(fill(&other, wo), 3 * PIPE_STEP, "the pool is anyone's again");
    // The hog's exit frees its pipes and their bytes.
    assert_eq!(fill(&hog, w1), PIPE_STEP);
    exit(&v, &w, HOG);
    exit(&v, &w, OTHER);
    assert_eq!(v.pipe_usage(), (0, 0));
    assert_eq!(v.counts(), (0, 1, 0));
}

#[test]
fn a_pipe_whose_readers_left_frees_its_bytes() {
    let v = vfs_with(Limits { pipe_pool: 2 * PIPE_STEP, ..Limits::SYSTEM });
    let w = World::new(1024);
    let p = P::new(&v, &w, HOG);
    let (r, wr) = nb_pipe(&p).unwrap();
    fill(&p, wr);
    p.close(r).unwrap();
    assert_eq!(v.pipe_usage(), (0, 1), "the write end lives on, with no bytes");
    assert_eq!(p.write(wr, b"x"), Err(EPIPE));
}

#[test]
fn pipes_past_the_limit_are_enfile() {
    let v = vfs_with(Limits { pipes: 3, ..Limits::SYSTEM });
    let w = World::new(1024);
    let (hog, other) = (P::new(&v, &w, HOG), P::new(&v, &w, OTHER));
    let ends: Vec<_> = (0..3).map(|_| nb_pipe(&hog).unwrap()).collect();
    assert_eq!(nb_pipe(&hog), Err(ENFILE));
    assert_eq!(nb_pipe(&other), Err(ENFILE), "a system-wide limit");
    hog.close(ends[0].0).unwrap();
    assert_eq!(nb_pipe(&other), Err(ENFILE), "a pipe lives while an end is open");
    hog.close(ends[0].1).unwrap();
    assert!(nb_pipe(&other).is_ok());
    exit(&v, &w, HOG);
    assert!(nb_pipe(&other).is_ok(), "the hog's pipes went with it");
}

/// Makes `n` files `/f0`.. with a byte each.
fn files(p: &P, n: usize) {
    for i in 0..n {
        let fd = p.open(&format!("/f{i}"), O_CREAT | O_RDWR, 0o644).unwrap();
        p.write(fd, b"x").unwrap();
        p.close(fd).unwrap();
    }
}

/// Opens `/f{i}`, maps it and closes it, as the hostile tester did.
fn map_and_close(p: &P, i: usize) -> Result<u32, Errno> {
    let fd = p.open(&format!("/f{i}"), O_RDONLY, 0)?;
    let r = p.res(Request::Mmap { fd, prot: PROT_READ, flags: MAP_PRIVATE, addr: 0, len: 4096, offset: Offset::ZERO });
    p.close(fd).unwrap();
    r?;
    Ok(p.stat(&format!("/f{i}")).unwrap().ino as u32)
}

#[test]
fn files_kept_by_one_process_s_mappings_are_limited() {
    let v = vfs_with(Limits { mapped_files: 3, ..Limits::SYSTEM });
    let w = World::new(1024);
    let (hog, other) = (P::new(&v, &w, HOG), P::new(&v, &w, OTHER));
    files(&hog, 5);
    let inos: Vec<u32> = (0..3).map(|i| map_and_close(&hog, i).unwrap()).collect();
    assert_eq!(map_and_close(&hog, 3), Err(EMFILE));
    assert_eq!(v.mapped_by(Endpoint(HOG)), 3);
    assert_eq!(v.counts(), (0, 4, 0), "the refused mapping keeps nothing: the root and three files");
    // Mapping a file it already keeps costs nothing more.
    assert!(map_and_close(&hog, 0).is_ok());
    // Another process has its own share, and a file the hog keeps is the
    // hog's charge, not the other's.
    assert!(map_and_close(&other, 3).is_ok());
    assert!(map_and_close(&other, 1).is_ok());
    assert_eq!(v.mapped_by(Endpoint(OTHER)), 1);
    // VM lets go of one of the hog's files: its share has room again.
    v.vm_released(&mut &w, inos[2], 1);
    assert_eq!(v.mapped_by(Endpoint(HOG)), 2);
    assert!(map_and_close(&hog, 4).is_ok());
    // Everything VM held, released: nothing charged, nothing kept.
    for i in 0..5 {
        let ino = hog.stat(&format!("/f{i}")).unwrap().ino as u32;
        v.vm_released(&mut &w, ino, u64::MAX);
    }
    assert_eq!((v.mapped_by(Endpoint(HOG)), v.mapped_by(Endpoint(OTHER))), (0, 0));
    assert_eq!(v.counts(), (0, 1, 0));
}

#[test]
fn opens_past_the_vnode_limit_are_enfile_and_keep_no_reference() {
    let v = vfs_with(Limits { vnodes: 4, ..Limits::SYSTEM });
    let w = World::new(1024);
    let (hog, other) = (P::new(&v, &w, HOG), P::new(&v, &w, OTHER));
    files(&hog, 5);
    // Three files kept by mappings alone fill the table (with the root).
    let inos: Vec<u32> = (0..3).map(|i| map_and_close(&hog, i).unwrap()).collect();
    assert_eq!(hog.open("/f3", O_RDONLY, 0), Err(ENFILE));
    assert_eq!(other.open("/f4", O_RDONLY, 0), Err(ENFILE), "a system-wide limit");
    let ino3 = hog.stat("/f3").unwrap().ino as u32;
    assert_eq!(w.fs.borrow_mut().fs().open_count(ino3), 0, "the refused open's FS reference went back");
    // A file VFS keeps already opens fine.
    let fd = other.open("/f0", O_RDONLY, 0).unwrap();
    assert_eq!(other.read(fd, 1).unwrap(), b"x");
    other.close(fd).unwrap();
    // Once VM lets go of one, anyone may open again.
    v.vm_released(&mut &w, inos[1], 1);
    let fd = other.open("/f4", O_RDONLY, 0).unwrap();
    other.close(fd).unwrap();
}

#[test]
fn low_memory_refuses_only_what_would_keep_more() {
    let v = new_vfs();
    let w = World::new(1024);
    let p = P::new(&v, &w, HOG);
    let fd = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    let (r, wr) = nb_pipe(&p).unwrap();
    assert_eq!(p.write(wr, b"abc"), Ok(3));
    v.set_low_memory(true);
    assert_eq!(p.open("/f", O_RDONLY, 0), Err(ENOMEM));
    assert_eq!(nb_pipe(&p), Err(ENOMEM));
    assert_eq!(p.res(Request::Chdir { path: p.path("/") }), Err(ENOMEM));
    // What VFS holds already keeps working: files, and a pipe's buffer.
    assert_eq!(p.write(fd, b"data"), Ok(4));
    assert_eq!(p.write(wr, b"de"), Ok(2), "room in the buffer the pipe has");
    assert_eq!(p.write(wr, &[0u8; 2 * PIPE_STEP]), Err(ENOMEM), "a bigger buffer is refused");
    assert_eq!(p.read(r, 16).unwrap(), b"abcde");
    // An emptied pipe keeps its own first step (its pool steps went
    // back): small writes go on without an allocation.
    assert_eq!(p.write(wr, b"f"), Ok(1), "an emptied pipe lost its own step");
    assert_eq!(p.write(wr, &[0u8; PIPE_STEP]), Err(ENOMEM), "growing past its own step is refused");
    p.close(fd).unwrap();
    v.set_low_memory(false);
    assert!(p.open("/f", O_RDONLY, 0).is_ok());
    assert_eq!(p.write(wr, b"g"), Ok(1));
    assert_eq!(p.read(r, 16).unwrap(), b"fg");
}

#[test]
fn references_to_a_kept_file_do_not_pile_up() {
    let v = new_vfs();
    let w = World::new(1024);
    let (p, other) = (P::new(&v, &w, HOG), P::new(&v, &w, OTHER));
    let held = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    let ino = p.stat("/f").unwrap().ino as u32;
    for _ in 0..100 {
        let fd = other.open("/f", O_RDONLY, 0).unwrap();
        other.close(fd).unwrap();
    }
    let fds: Vec<u32> = (0..10).map(|_| other.open("/f", O_RDONLY, 0).unwrap()).collect();
    assert_eq!(w.fs.borrow_mut().fs().open_count(ino), 1, "VFS keeps one FS reference per file");
    // Unlinked while open: the file lives until its last descriptor goes.
    p.res(Request::Unlink { path: p.path("/f") }).unwrap();
    for fd in fds {
        other.close(fd).unwrap();
    }
    assert_eq!(p.read(held, 1).unwrap(), b"");
    assert_eq!(p.write(held, b"alive"), Ok(5));
    p.close(held).unwrap();
    assert_eq!(w.fs.borrow_mut().fs().open_count(ino), 0);
    assert_eq!(v.counts(), (0, 1, 0));
}
