// SPDX-License-Identifier: BSD-2-Clause
//! poll: readiness of files and pipe ends, waits that keep no worker,
//! wake-ups that send the caller round again, timeouts through the
//! alarm, and a poller cancelled or gone.

use super::calls::raw;
use super::*;
use crate::pipe::{PIPE_BUF, PIPE_SIZE};
use minix_abi::endpoint::{Sender, PM};
use minix_abi::errno::*;
use minix_abi::vfs::flags::*;
use minix_abi::vfs::poll::*;
use minix_abi::vfs::UserBuf;

const A: u32 = 0x1004;
const B: u32 = 0x1005;
const MS: u64 = 1_000_000;

fn pipe(p: &P) -> (u32, u32) {
    let r = p.reply(Request::Pipe { flags: 0 });
    (r.result().unwrap() as u32, r.vals[0] as u32)
}

fn fork(v: &TestVfs, mut w: &World, parent: u32, child: u32) {
    v.handle(&mut w, Sender::Process(PM), &raw(Request::ProcFork { parent: Endpoint(parent), child: Endpoint(child) }));
}

/// The entries placed in `p`'s memory (present), and their address.
fn entries(p: &P, fds: &[(i32, u16)]) -> u64 {
    let bytes: Vec<u8> = fds.iter().flat_map(|&(fd, events)| PollFd { fd, events, revents: 0xdead }.encode()).collect();
    p.put(&bytes)
}

fn revents(p: &P, at: u64, n: usize) -> Vec<u16> {
    p.peek(at, n * ENTRY).chunks(ENTRY).map(|b| PollFd::decode(b.try_into().unwrap()).revents).collect()
}

fn poll(p: &P, at: u64, n: usize, timeout_ms: i32) -> Outcome {
    p.call(Request::Poll { fds: at as u32, nfds: n as u32, timeout_ms })
}

fn answer(w: &World, who: u32) -> Option<Reply> {
    let mut m = w.mem.borrow_mut();
    let i = m.replies.iter().position(|(e, _)| e.0 == who)?;
    Some(m.replies.remove(i).1)
}

const AGAIN_REPLY: Reply = Reply::ok_with(0, [AGAIN, 0, 0]);

#[test]
fn files_are_ready_bad_descriptors_are_nval_and_negative_ones_skipped() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let f = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    let at = entries(&p, &[(f as i32, POLLIN | POLLOUT | POLLPRI), (-1, POLLIN), (40, POLLIN), (f as i32, 0), (f as i32, POLLOUT)]);
    assert_eq!(poll(&p, at, 5, -1), Outcome::Reply(Reply::ok(3)));
    assert_eq!(revents(&p, at, 5), vec![POLLIN | POLLOUT, 0, POLLNVAL, 0, POLLOUT]);
    // No entries and no time: nothing to report.
    assert_eq!(p.res(Request::Poll { fds: 0, nfds: 0, timeout_ms: 0 }), Ok(0));
    assert!(w.mem.borrow().alarms.is_empty());
}

#[test]
fn the_array_is_paged_in_and_bad_memory_is_efault() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let f = p.open("/f", O_CREAT | O_RDWR, 0o644).unwrap();
    // An array in pages not present yet: VM makes them present, once.
    let at = p.alloc(2 * ENTRY, false);
    p.poke(at, &PollFd { fd: f as i32, events: POLLIN, revents: 0 }.encode());
    p.poke(at + ENTRY as u64, &PollFd { fd: -5, events: POLLIN, revents: 7 }.encode());
    assert_eq!(poll(&p, at, 2, 0), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&p, at, 2), vec![POLLIN, 0]);
    assert!(w.mem.borrow().fixes >= 1);
    // Not memory at all.
    assert_eq!(p.res(Request::Poll { fds: 0x100, nfds: 1, timeout_ms: -1 }), Err(EFAULT));
    assert_eq!(v.pollers(), 0);
}

#[test]
fn an_empty_pipe_times_out_through_the_alarm() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, _wr) = pipe(&p);
    let at = entries(&p, &[(r as i32, POLLIN)]);
    // Timeout 0 only looks.
    assert_eq!(poll(&p, at, 1, 0), Outcome::Reply(Reply::ok(0)));
    assert_eq!(revents(&p, at, 1), vec![0]);
    w.mem.borrow_mut().now = 1_000 * MS;
    assert_eq!(poll(&p, at, 1, 100), Outcome::Suspended);
    assert_eq!(v.pollers(), 1);
    // VFS asked the driver for the deadline, and only that.
    assert_eq!(w.mem.borrow().alarms, vec![1_100 * MS]);
    assert_eq!(v.alarm_asked(), Some(1_100 * MS));
    // A signal that comes early (an older deadline's) answers nobody and
    // asks again.
    w.mem.borrow_mut().now = 1_099 * MS;
    v.alarm_fired(&mut &w);
    assert!(answer(&w, A).is_none());
    assert_eq!(w.mem.borrow().alarms, vec![1_100 * MS, 1_100 * MS]);
    w.mem.borrow_mut().now = 1_100 * MS;
    v.alarm_fired(&mut &w);
    assert_eq!(answer(&w, A), Some(Reply::ok(0)));
    assert_eq!((v.pollers(), v.alarm_asked()), (0, None));
    assert!(w.mem.borrow().saved.is_empty());
}

#[test]
fn the_alarm_follows_the_earliest_deadline() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, _wr) = pipe(&p);
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    let at = entries(&p, &[(r as i32, POLLIN)]);
    let cat = entries(&c, &[(r as i32, POLLIN)]);
    assert_eq!(poll(&p, at, 1, 300), Outcome::Suspended);
    // An earlier deadline is asked for; a later one would not be.
    assert_eq!(poll(&c, cat, 1, 100), Outcome::Suspended);
    assert_eq!(w.mem.borrow().alarms, vec![300 * MS, 100 * MS]);
    w.mem.borrow_mut().now = 150 * MS;
    v.alarm_fired(&mut &w);
    assert_eq!(answer(&w, B), Some(Reply::ok(0)));
    assert!(answer(&w, A).is_none());
    // The next one is asked for after the first expired.
    assert_eq!(w.mem.borrow().alarms, vec![300 * MS, 100 * MS, 300 * MS]);
    // A poll without a deadline asks for nothing.
    assert_eq!(poll(&c, cat, 1, -1), Outcome::Suspended);
    assert_eq!(w.mem.borrow().alarms.len(), 3);
    assert_eq!(v.pollers(), 2);
}

#[test]
fn data_from_another_process_sends_the_poller_round_again() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    let (r2, _w2) = pipe(&p);
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    let at = entries(&p, &[(r2 as i32, POLLIN), (r as i32, POLLIN)]);
    assert_eq!(poll(&p, at, 2, -1), Outcome::Suspended);
    // A write to another pipe wakes nobody.
    let (_r3, w3) = pipe(&c);
    assert_eq!(c.write(w3, b"x"), Ok(1));
    assert!(answer(&w, A).is_none());
    assert_eq!(c.write(wr, b"hello"), Ok(5));
    assert_eq!(answer(&w, A), Some(AGAIN_REPLY));
    assert_eq!(v.pollers(), 0);
    // Round again: the look finds the bytes.
    assert_eq!(poll(&p, at, 2, -1), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&p, at, 2), vec![0, POLLIN]);
    // A small write wakes a poller too.
    assert_eq!(p.read(r, 5).unwrap(), b"hello");
    assert_eq!(poll(&p, at, 2, 5000), Outcome::Suspended);
    assert_eq!(c.res(Request::WriteSmall { fd: wr, len: 1, data: [0x41, 0, 0] }), Ok(1));
    assert_eq!(answer(&w, A), Some(AGAIN_REPLY));
    // The alarm still comes for the deadline; it answers nobody now.
    w.mem.borrow_mut().now = 5_000 * MS;
    v.alarm_fired(&mut &w);
    assert!(answer(&w, A).is_none());
}

#[test]
fn a_bytes_reader_taking_first_leaves_the_poller_waiting_again() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    let at = entries(&p, &[(r as i32, POLLIN)]);
    // B reads (and waits), then A polls: a write serves B's read first;
    // nothing is left for A, which is not woken.
    let buf = c.alloc(16, true);
    assert_eq!(c.call(Request::Read { fd: r, buf: UserBuf { addr: buf, len: 16 } }), Outcome::Suspended);
    assert_eq!(poll(&p, at, 1, -1), Outcome::Suspended);
    assert_eq!(p.write(wr, b"ab"), Ok(2));
    assert_eq!(answer(&w, B).unwrap().result(), Ok(2));
    assert!(answer(&w, A).is_none(), "woken for bytes another reader took");
    assert_eq!(v.pollers(), 1);
}

#[test]
fn the_writer_closing_is_a_hangup() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    p.close(wr).unwrap();
    let cat = entries(&c, &[(r as i32, POLLIN)]);
    assert_eq!(poll(&c, cat, 1, -1), Outcome::Suspended);
    // B's own write end is the last: when it closes, the read end hangs up.
    c.close(wr).unwrap();
    assert_eq!(answer(&w, B), Some(AGAIN_REPLY));
    assert_eq!(poll(&c, cat, 1, -1), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&c, cat, 1), vec![POLLHUP]);
    // With bytes left: both.
    let (r2, w2) = pipe(&p);
    assert_eq!(p.write(w2, b"z"), Ok(1));
    p.close(w2).unwrap();
    let at = entries(&p, &[(r2 as i32, POLLIN)]);
    assert_eq!(poll(&p, at, 1, 0), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&p, at, 1), vec![POLLIN | POLLHUP]);
}

#[test]
fn write_ends_report_room_and_a_missing_reader() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    let at = entries(&p, &[(wr as i32, POLLOUT), (r as i32, POLLOUT)]);
    // An empty pipe has room; a read end is never writable.
    assert_eq!(poll(&p, at, 2, 0), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&p, at, 2), vec![POLLOUT, 0]);
    // Full but for less than PIPE_BUF: not writable; the poller waits
    // until a read makes room.
    let fill = p.put(&vec![1u8; PIPE_SIZE - PIPE_BUF + 1]);
    assert_eq!(
        p.res(Request::Write { fd: wr, buf: UserBuf { addr: fill, len: (PIPE_SIZE - PIPE_BUF + 1) as u64 } }),
        Ok((PIPE_SIZE - PIPE_BUF + 1) as u64)
    );
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    let cat = entries(&c, &[(wr as i32, POLLOUT)]);
    assert_eq!(poll(&c, cat, 1, -1), Outcome::Suspended);
    assert_eq!(p.read(r, 1).unwrap(), vec![1]);
    assert_eq!(answer(&w, B), Some(AGAIN_REPLY));
    assert_eq!(poll(&c, cat, 1, -1), Outcome::Reply(Reply::ok(1)));
    // No reader left: POLLOUT (the write fails at once) and POLLERR, even
    // to a poller that asked for nothing.
    let (r2, w2) = pipe(&p);
    p.close(r2).unwrap();
    let at2 = entries(&p, &[(w2 as i32, 0)]);
    assert_eq!(poll(&p, at2, 1, 0), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&p, at2, 1), vec![POLLERR]);
    let at3 = entries(&p, &[(w2 as i32, POLLOUT)]);
    assert_eq!(poll(&p, at3, 1, 0), Outcome::Reply(Reply::ok(1)));
    assert_eq!(revents(&p, at3, 1), vec![POLLOUT | POLLERR]);
}

#[test]
fn a_cancelled_or_dead_poller_is_forgotten() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    let cat = entries(&c, &[(r as i32, POLLIN)]);
    assert_eq!(poll(&c, cat, 1, 100), Outcome::Suspended);
    // PM starts a handler in B: the kernel took B's reply cap, VFS drops
    // the poller; neither a write nor the deadline answers it.
    let pm = v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: false }));
    assert_eq!(pm, Outcome::Reply(Reply::ok(1)), "B was waiting");
    w.mem.borrow_mut().saved.remove(&B);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: true }));
    assert_eq!(p.write(wr, b"x"), Ok(1));
    w.mem.borrow_mut().now = 200 * MS;
    v.alarm_fired(&mut &w);
    assert!(w.mem.borrow().replies.is_empty(), "a cancelled poller was answered");
    // An exit while polling: forgotten too.
    assert_eq!(p.read(r, 1).unwrap(), b"x");
    assert_eq!(poll(&c, cat, 1, -1), Outcome::Suspended);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcExit { who: Endpoint(B) }));
    assert_eq!(v.pollers(), 0);
    assert_eq!(p.write(wr, b"y"), Ok(1));
    assert!(w.mem.borrow().replies.is_empty());
}

#[test]
fn a_poller_for_room_waits_behind_a_queued_writer() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    let (r, wr) = pipe(&p);
    fork(&v, &w, A, B);
    let c = P::new(&v, &w, B);
    // B's big write fills the pipe and waits with the rest; A's POLLOUT
    // waits too.
    let big = c.put(&vec![2u8; PIPE_SIZE + 100]);
    assert_eq!(c.call(Request::Write { fd: wr, buf: UserBuf { addr: big, len: (PIPE_SIZE + 100) as u64 } }), Outcome::Suspended);
    let at = entries(&p, &[(wr as i32, POLLOUT)]);
    assert_eq!(poll(&p, at, 1, -1), Outcome::Suspended);
    // B is stopped: its queued write goes, but the pipe is still full, so
    // A is not answered.
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: false }));
    w.mem.borrow_mut().saved.remove(&B);
    v.handle(&mut &w, Sender::Process(PM), &raw(Request::ProcCancel { who: Endpoint(B), thaw: true }));
    assert!(answer(&w, A).is_none());
    assert_eq!(v.pollers(), 1);
    // A read makes room: A is answered, the cancelled writer is not.
    assert_eq!(p.read(r, PIPE_SIZE).unwrap().len(), PIPE_SIZE);
    assert_eq!(answer(&w, A), Some(AGAIN_REPLY));
    assert!(answer(&w, B).is_none());
    assert_eq!(poll(&p, at, 1, -1), Outcome::Reply(Reply::ok(1)));
}

#[test]
fn a_poll_while_vfs_is_low_on_memory_is_enomem() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    v.set_low_memory(true);
    assert_eq!(p.res(Request::Poll { fds: 0, nfds: 0, timeout_ms: 0 }), Err(ENOMEM));
}
