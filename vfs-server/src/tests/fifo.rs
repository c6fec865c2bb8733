// SPDX-License-Identifier: BSD-2-Clause
//! mknod and named pipes: the node types and their errors, opens that wait
//! for the other end, the bytes between ends, and cancelled opens.

use super::calls::raw;
use super::*;
use minix_abi::endpoint::{Sender, PM};
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::poll::{PollFd, POLLHUP, POLLIN, POLLOUT};

const A: u32 = 0x1004;
const B: u32 = 0x1005;
const FIFO: u32 = 0o010000;

fn mknod(p: &P, path: &str, mode: u32, dev: u32) -> Result<u64, Errno> {
    p.res(Request::Mknod { path: p.path(path), mode, dev })
}

fn take_reply(w: &World, who: u32) -> Option<Reply> {
    let mut m = w.mem.borrow_mut();
    let i = m.replies.iter().position(|(e, _)| e.0 == who)?;
    Some(m.replies.remove(i).1)
}

fn open_call(p: &P, path: &str, flags: u64) -> Outcome {
    p.call(Request::Open { path: p.path(path), flags, mode: 0 })
}

fn fork(v: &TestVfs, w: &World) {
    let mut env = w;
    v.handle(&mut env, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(A), child: Endpoint(B) }));
}

#[test]
fn mknod_makes_each_type_and_refuses_the_rest() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    p.res(Request::Umask { mask: 0o022 }).unwrap();
    assert_eq!(mknod(&p, "/fifo", FIFO | 0o666, 0), Ok(0));
    assert_eq!(mknod(&p, "/char", 0o020600, 0x0105), Ok(0));
    assert_eq!(mknod(&p, "/block", 0o060600, 0x0302), Ok(0));
    assert_eq!(mknod(&p, "/sock", 0o140755, 0), Ok(0));
    assert_eq!(mknod(&p, "/plain", 0o644, 0), Ok(0));
    for (path, mode, rdev) in [
        ("/fifo", FIFO | 0o644, 0),
        ("/char", 0o020600, 0x0105),
        ("/block", 0o060600, 0x0302),
        ("/sock", 0o140755, 0),
        ("/plain", 0o100644, 0),
    ] {
        let st = p.stat(path).unwrap();
        assert_eq!((st.mode, st.rdev, st.size), (mode, rdev as u64, 0), "{path}");
    }
    assert_eq!(mknod(&p, "/fifo", FIFO | 0o644, 0), Err(EEXIST));
    assert_eq!(mknod(&p, "/d", 0o040755, 0), Err(EPERM), "mkdir's job");
    assert_eq!(mknod(&p, "/l", 0o120777, 0), Err(EINVAL));
    assert_eq!(mknod(&p, "/none/fifo", FIFO | 0o644, 0), Err(ENOENT));
    assert_eq!(mknod(&p, "/new/", FIFO | 0o644, 0), Err(ENOENT), "a trailing slash asks for a directory");
    assert_eq!(mknod(&p, "/fifo/", FIFO | 0o644, 0), Err(EEXIST));
    assert_eq!(mknod(&p, "/plain/x", FIFO | 0o644, 0), Err(ENOTDIR));
    let long = format!("/{}", "n".repeat(61));
    assert_eq!(mknod(&p, &long, FIFO | 0o644, 0), Err(ENAMETOOLONG));
    // The decoder's bounds: type bits and no more; a 32-bit device.
    assert_eq!(p.res(Request::Mknod { path: p.path("/x"), mode: 0o177_777, dev: 0 }), Err(EINVAL));
    let too_big = RawRequest { call: minix_abi::vfs::MKNOD, words: [p.put(b"/x"), 2, 0o200_000 | FIFO as u64, 0], len: 4 };
    assert_eq!(v.handle(&mut &w, Sender::Process(Endpoint(A)), &too_big), Outcome::Reply(Reply::err(EINVAL)));
    assert_eq!(v.counts().1, 1, "only the root is held");
}

#[test]
fn a_reader_waits_for_a_writer_and_bytes_flow() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    mknod(&p, "/f", FIFO | 0o600, 0).unwrap();
    fork(&v, &w);
    let c = P::new(&v, &w, B);
    // The reader waits, holding no descriptor yet.
    assert_eq!(open_call(&c, "/f", O_RDONLY), Outcome::Suspended);
    assert!(take_reply(&w, B).is_none());
    // The writer finds it and does not wait; the reader gets its fd.
    let wfd = p.open("/f", O_WRONLY, 0).unwrap();
    let rfd = take_reply(&w, B).expect("the reader is answered").result().unwrap() as u32;
    assert_eq!(p.write(wfd, b"through the fifo"), Ok(16));
    assert_eq!(c.read(rfd, 100).unwrap(), b"through the fifo");
    // A FIFO seeks nowhere, and its fstat is the inode's.
    assert_eq!(c.res(Request::Lseek { fd: rfd, offset: 0, whence: 0 }), Err(ESPIPE));
    let sbuf = c.alloc(fs::STAT_SIZE, true);
    c.res(Request::Fstat { fd: rfd, buf: sbuf }).unwrap();
    assert_eq!(fs::Stat::decode(&c.peek(sbuf, fs::STAT_SIZE).try_into().unwrap()).mode & 0o170000, FIFO);
    // The writer goes: end of file. Bytes left behind when the last end
    // closes are gone.
    p.close(wfd).unwrap();
    assert_eq!(c.read(rfd, 10).unwrap(), b"");
    let w2 = p.open("/f", O_WRONLY | O_NONBLOCK, 0).unwrap();
    assert_eq!(p.write(w2, b"left"), Ok(4));
    p.close(w2).unwrap();
    c.close(rfd).unwrap();
    let r3 = c.open("/f", O_RDONLY | O_NONBLOCK, 0).unwrap();
    assert_eq!(c.read(r3, 10).unwrap(), b"", "a new pipe, empty");
    c.close(r3).unwrap();
    assert_eq!(v.counts(), (0, 1, 0), "no filp, vnode (but the root) or pipe left");
}

#[test]
fn a_writer_waits_for_a_reader_and_nonblocking_opens_do_not() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    mknod(&p, "/f", FIFO | 0o600, 0).unwrap();
    fork(&v, &w);
    let c = P::new(&v, &w, B);
    // No reader: a nonblocking writer is refused, a blocking one waits.
    assert_eq!(p.open("/f", O_WRONLY | O_NONBLOCK, 0), Err(ENXIO));
    assert_eq!(v.counts(), (0, 1, 0), "the refused open kept nothing");
    assert_eq!(open_call(&c, "/f", O_WRONLY), Outcome::Suspended);
    // A nonblocking reader opens at once and wakes the writer.
    let rfd = p.open("/f", O_RDONLY | O_NONBLOCK, 0).unwrap();
    let wfd = take_reply(&w, B).unwrap().result().unwrap() as u32;
    assert_eq!(c.write(wfd, b"x"), Ok(1));
    assert_eq!(p.read(rfd, 5).unwrap(), b"x");
    assert_eq!(p.read(rfd, 5), Err(EAGAIN), "a writer is there: no end of file");
    // Read-write never waits, and counts as both ends.
    let both = p.open("/f", O_RDWR, 0).unwrap();
    assert_eq!(p.write(both, b"self"), Ok(4));
    assert_eq!(p.read(both, 10).unwrap(), b"self");
    for fd in [rfd, both] {
        p.close(fd).unwrap();
    }
    // Only the writer is left: its write fails as a pipe's would.
    assert_eq!(c.write(wfd, b"y"), Err(EPIPE));
    c.close(wfd).unwrap();
    assert_eq!(v.counts(), (0, 1, 0));
}

#[test]
fn a_cancelled_or_dead_opener_leaves_nothing() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    mknod(&p, "/f", FIFO | 0o600, 0).unwrap();
    fork(&v, &w);
    let c = P::new(&v, &w, B);
    assert_eq!(open_call(&c, "/f", O_RDONLY), Outcome::Suspended);
    // PM stops the opener (a signal): the wait is dropped, and its end
    // uncounted, so a nonblocking writer finds no reader.
    let freeze = v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: false }));
    assert_eq!(freeze, Outcome::Reply(Reply::ok(1)), "it was waiting");
    w.mem.borrow_mut().saved.remove(&B);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: true }));
    assert_eq!(p.open("/f", O_WRONLY | O_NONBLOCK, 0), Err(ENXIO));
    assert_eq!(v.counts(), (0, 1, 0));
    // A writer waits and exits: the same.
    assert_eq!(open_call(&c, "/f", O_WRONLY), Outcome::Suspended);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(B) }));
    let r = p.open("/f", O_RDONLY | O_NONBLOCK, 0).unwrap();
    assert_eq!(p.read(r, 1).unwrap(), b"", "no writer: end of file");
    p.close(r).unwrap();
    assert!(w.mem.borrow().replies.is_empty(), "nobody answers the dead");
    assert_eq!(v.counts(), (0, 1, 0));
}

#[test]
fn poll_sees_a_fifos_ends() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    mknod(&p, "/f", FIFO | 0o600, 0).unwrap();
    let r = p.open("/f", O_RDONLY | O_NONBLOCK, 0).unwrap();
    let both = p.open("/f", O_RDWR, 0).unwrap();
    let poll = |fds: &[(u32, u16)]| {
        let arr: Vec<PollFd> = fds.iter().map(|&(fd, events)| PollFd { fd: fd as i32, events, revents: 0 }).collect();
        let mut bytes = Vec::new();
        for e in &arr {
            bytes.extend_from_slice(&e.encode());
        }
        let at = p.put(&bytes);
        let n = p.res(Request::Poll { fds: at as u32, nfds: arr.len() as u32, timeout_ms: 0 }).unwrap();
        let out = p.peek(at, bytes.len());
        let revents: Vec<u16> = out.chunks(8).map(|c| PollFd::decode(c.try_into().unwrap()).revents).collect();
        (n, revents)
    };
    // Nothing to read; the read-write end may write.
    assert_eq!(poll(&[(r, POLLIN), (both, POLLIN | POLLOUT)]), (1, vec![0, POLLOUT]));
    assert_eq!(p.write(both, b"z"), Ok(1));
    assert_eq!(poll(&[(r, POLLIN), (both, POLLIN | POLLOUT)]), (2, vec![POLLIN, POLLIN | POLLOUT]));
    // The last writer goes: the reader sees the bytes and the hang-up.
    p.close(both).unwrap();
    assert_eq!(poll(&[(r, POLLIN)]).1, vec![POLLIN | POLLHUP]);
}
