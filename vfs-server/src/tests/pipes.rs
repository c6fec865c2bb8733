// SPDX-License-Identifier: BSD-2-Clause
//! Pipes: waits that keep no worker, wake-ups through saved replies.

use super::calls::raw;
use super::*;
use crate::pipe::{PIPE_BUF, PIPE_SIZE};
use minix_abi::endpoint::{Sender, PM};
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::UserBuf;

const A: u32 = 0x1004;
const B: u32 = 0x1005;

fn pipe(p: &P) -> (u32, u32) {
    let r = p.reply(Request::Pipe { flags: 0 });
    (r.result().unwrap() as u32, r.vals[0] as u32)
}

fn take_reply(w: &World, who: u32) -> Reply {
    let mut m = w.mem.borrow_mut();
    let i = m.replies.iter().position(|(e, _)| e.0 == who).expect("an answer for the waiter");
    m.replies.remove(i).1
}

#[test]
fn read_waits_and_write_wakes() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    assert_eq!((r, wr), (0, 1));
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(A), child: Endpoint(B) }));
    let c = P::new(&v, &w, B);
    let buf = c.alloc(100, false);
    assert_eq!(c.call(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 100 } }), Outcome::Suspended);
    assert_eq!(p.write(wr, b"ping"), Ok(4));
    assert_eq!(take_reply(&w, B).result(), Ok(4));
    assert_eq!(c.peek(buf, 4), b"ping");
    // Small reads wait too and get their bytes in the reply words.
    assert_eq!(c.call(Request::ReadSmall { fd: r, len: 8 }), Outcome::Suspended);
    assert_eq!(p.res(Request::WriteSmall { fd: wr, len: 1, data: [0x41, 0, 0] }), Ok(1));
    let rep = take_reply(&w, B);
    assert_eq!((rep.result(), rep.vals[0]), (Ok(1), 0x41));
    // EOF once every writer is gone, EPIPE once every reader is.
    assert_eq!(c.call(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 1 } }), Outcome::Suspended);
    p.close(wr).unwrap();
    c.close(wr).unwrap();
    assert_eq!(take_reply(&w, B).result(), Ok(0));
    assert_eq!(c.read(r, 10).unwrap(), b"");
    let (r2, w2) = pipe(&p);
    p.close(r2).unwrap();
    assert_eq!(p.write(w2, b"x"), Err(EPIPE));
    // Nonblocking.
    let (r3, _w3) = (p.reply(Request::Pipe { flags: O_NONBLOCK }).result().unwrap() as u32, 0);
    assert_eq!(p.read(r3, 1), Err(EAGAIN));
    // Exit while waiting: the wait is forgotten.
    let (r4, _w4) = pipe(&p);
    let pbuf = p.alloc(8, true);
    assert_eq!(p.call(Request::Read { fd: r4, buf: UserBuf { addr: pbuf, len: 1 } }), Outcome::Suspended);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(A) }));
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(B) }));
    assert_eq!(v.counts(), (0, 1, 0));
    assert!(w.mem.borrow().replies.is_empty(), "nobody answers the dead");
}

#[test]
fn big_write_waits_for_readers_and_keeps_order() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(A), child: Endpoint(B) }));
    let c = P::new(&v, &w, B);
    let total = 100_000usize;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let src = c.put(&data);
    // The writer fills the pipe and waits with part of its data written.
    assert_eq!(c.call(Request::Write { fd: wr, buf: UserBuf { addr: src, len: total as u64 } }), Outcome::Suspended);
    let mut got = Vec::new();
    while got.len() < total {
        let chunk = p.read(r, 7000).unwrap();
        assert!(!chunk.is_empty());
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got, data);
    assert_eq!(take_reply(&w, B).result(), Ok(total as u64));
    // An atomic write waits whole while there is not room for all of it.
    let fill = c.put(&vec![1u8; PIPE_SIZE - 100]);
    assert_eq!(c.res(Request::Write { fd: wr, buf: UserBuf { addr: fill, len: (PIPE_SIZE - 100) as u64 } }), Ok((PIPE_SIZE - 100) as u64));
    let small = c.put(&[2u8; PIPE_BUF]);
    assert_eq!(c.call(Request::Write { fd: wr, buf: UserBuf { addr: small, len: PIPE_BUF as u64 } }), Outcome::Suspended);
    assert_eq!(p.read(r, 50).unwrap(), vec![1u8; 50]);
    assert!(w.mem.borrow().replies.is_empty(), "still no room for all 512 bytes");
    let rest = p.read(r, PIPE_SIZE).unwrap();
    assert_eq!(rest.len(), PIPE_SIZE - 150);
    assert_eq!(take_reply(&w, B).result(), Ok(PIPE_BUF as u64));
    assert_eq!(p.read(r, PIPE_SIZE).unwrap(), vec![2u8; PIPE_BUF]);
    // The last reader leaving answers a waiting writer with what it wrote.
    let big = c.put(&vec![3u8; PIPE_SIZE + 10]);
    assert_eq!(c.call(Request::Write { fd: wr, buf: UserBuf { addr: big, len: (PIPE_SIZE + 10) as u64 } }), Outcome::Suspended);
    p.close(r).unwrap();
    c.close(r).unwrap();
    assert_eq!(take_reply(&w, B).result(), Ok(PIPE_SIZE as u64));
}

#[test]
fn a_stopped_reader_is_forgotten_and_reads_again_when_it_continues() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(A), child: Endpoint(B) }));
    let c = P::new(&v, &w, B);
    let buf = c.alloc(100, true);
    assert_eq!(c.call(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 100 } }), Outcome::Suspended);
    // Only PM may cancel; PM stops B (the kernel deletes B's reply cap).
    assert_eq!(p.res(Request::ProcCancel { who: Endpoint(B), thaw: false }), Err(EPERM));
    let pm = v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: false }));
    assert_eq!(pm, Outcome::Reply(Reply::ok(1)), "B was waiting");
    w.mem.borrow_mut().saved.remove(&B);
    // Bytes written meanwhile wait in the pipe; nobody is answered.
    assert_eq!(p.write(wr, b"late"), Ok(4));
    assert!(w.mem.borrow().replies.is_empty(), "the stopped reader was answered");
    // A call B made before PM suspended it is held, not served: the
    // suspension cancels it, and it took nothing.
    assert_eq!(c.call(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 100 } }), Outcome::Suspended);
    let pm = v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: true }));
    assert_eq!(pm, Outcome::Reply(Reply::ok(0)));
    assert!(w.mem.borrow().saved.is_empty(), "the held call's reply cap is dropped");
    // B continues: its read, made again, finds them.
    assert_eq!(c.res(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 100 } }), Ok(4));
    assert_eq!(c.peek(buf, 4), b"late");
    assert_eq!(v.services(), 0, "nothing left to remember");
}

/// While PM freezes a reader, a writer does not finish the reader's
/// waiting read (PM is about to cancel it): the bytes stay for the read
/// made again, and none is lost or read twice.
#[test]
fn a_writer_leaves_a_frozen_readers_bytes_in_the_pipe() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(A), child: Endpoint(B) }));
    let c = P::new(&v, &w, B);
    let buf = c.alloc(100, true);
    assert_eq!(c.call(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 100 } }), Outcome::Suspended);
    // The freeze drops the waiting read; a write then leaves its bytes.
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: false }));
    w.mem.borrow_mut().saved.remove(&B);
    assert_eq!(p.write(wr, b"abc"), Ok(3));
    assert!(w.mem.borrow().replies.is_empty());
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: true }));
    assert_eq!(c.res(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 100 } }), Ok(3));
    assert_eq!(c.peek(buf, 3), b"abc");
}
