// SPDX-License-Identifier: BSD-2-Clause
//! The request handling against a model of the world: a clock the test
//! moves, reply caps as a table, and the PIT as "fires at".
use crate::pit;
use crate::server::{Hw, Timer};
use minix_abi::endpoint::{Endpoint, Sender};
use minix_abi::errno::{Errno, EINVAL, ENOSYS, EPERM};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::timer::{Request, Timespec};
use std::collections::BTreeMap;

#[derive(Default)]
struct World {
    now: u64,
    /// index -> the process whose reply cap it holds.
    saved: BTreeMap<usize, Endpoint>,
    /// Who the current request is from (what SaveCaller saves).
    caller: Option<Endpoint>,
    /// (process, reply, when), in the order answered.
    woken: Vec<(Endpoint, Reply, u64)>,
    /// When the armed shot fires.
    fires_at: Option<u64>,
    arms: u32,
    real: Option<(u64, u64)>,
    /// (client, when), in the order signalled.
    alarms: Vec<(usize, u64)>,
}

impl Hw for World {
    fn now(&self) -> u64 {
        self.now
    }
    fn save_reply(&mut self, index: usize) -> Result<(), Errno> {
        self.saved.insert(index, self.caller.expect("a caller"));
        Ok(())
    }
    fn wake(&mut self, index: usize, reply: Reply) {
        let who = self.saved.remove(&index).expect("a saved reply cap");
        self.woken.push((who, reply, self.now));
    }
    fn signal_alarm(&mut self, client: usize) {
        self.alarms.push((client, self.now));
    }
    fn arm(&mut self, count: u16) {
        self.arms += 1;
        self.fires_at = Some(self.now + pit::ns_of(count) + 1);
    }
    fn disarm(&mut self) {
        self.fires_at = None;
    }
    fn set_realtime(&mut self, real_ns: u64) {
        self.real = Some((real_ns, self.now));
    }
    fn tsc_khz(&self) -> u64 {
        2_000_000
    }
}

const MS: u64 = 1_000_000;

fn sleep_req(ns: u64) -> RawRequest {
    let (call, words, len) = Request::sleep(Timespec::from_nanos(ns)).encode();
    RawRequest { call, words, len }
}

fn ask(t: &mut Timer, w: &mut World, who: Endpoint, r: RawRequest) -> Option<Reply> {
    w.caller = Some(who);
    let out = t.request(w, Sender::Process(who), &r);
    w.caller = None;
    out
}

/// Runs the world until `until`, delivering each shot as it fires.
fn run(t: &mut Timer, w: &mut World, until: u64) {
    while let Some(f) = w.fires_at.filter(|&f| f <= until) {
        w.now = f;
        w.fires_at = None;
        t.interrupt(w);
    }
    w.now = until;
}

fn p(slot: u16) -> Endpoint {
    Endpoint::new(slot, 1)
}

#[test]
fn a_sleep_ends_at_its_deadline_not_before() {
    let (mut t, mut w) = (Timer::new(), World::default());
    w.now = 5 * MS;
    assert_eq!(ask(&mut t, &mut w, p(7), sleep_req(100 * MS)), None);
    run(&mut t, &mut w, 104 * MS);
    assert!(w.woken.is_empty());
    run(&mut t, &mut w, 106 * MS);
    assert_eq!(w.woken.len(), 1);
    let (who, reply, at) = w.woken[0];
    assert_eq!((who, reply.result()), (p(7), Ok(0)));
    // Woken no earlier than the deadline, within a PIT count of it.
    assert!((105 * MS..105 * MS + 2000).contains(&at), "{}", at);
    // Nobody left: the PIT is disarmed, no more interrupts.
    assert_eq!(w.fires_at, None);
    assert!(t.sleepers().is_empty());
    assert_eq!(t.stats().woken, 1);
}

#[test]
fn many_sleepers_wake_in_deadline_order() {
    let (mut t, mut w) = (Timer::new(), World::default());
    for (slot, ms) in [(10u16, 90u64), (11, 30), (12, 60), (13, 10), (14, 60)] {
        assert_eq!(ask(&mut t, &mut w, p(slot), sleep_req(ms * MS)), None);
    }
    run(&mut t, &mut w, 200 * MS);
    let order: Vec<usize> = w.woken.iter().map(|(e, _, _)| e.slot()).collect();
    assert_eq!(order, vec![13, 11, 12, 14, 10]);
    for (e, _, at) in &w.woken {
        let want = match e.slot() {
            13 => 10,
            11 => 30,
            12 | 14 => 60,
            _ => 90,
        } * MS;
        assert!(*at >= want && *at < want + MS, "{:?} at {}", e, at);
    }
}

#[test]
fn a_long_sleep_takes_several_shots() {
    let (mut t, mut w) = (Timer::new(), World::default());
    assert_eq!(ask(&mut t, &mut w, p(9), sleep_req(1000 * MS)), None);
    run(&mut t, &mut w, 999 * MS);
    assert!(w.woken.is_empty());
    assert!(t.stats().interrupts >= 1000 / 55);
    run(&mut t, &mut w, 1001 * MS);
    assert_eq!(w.woken.len(), 1);
}

#[test]
fn an_earlier_sleeper_re_aims_the_pit_a_later_one_does_not() {
    let (mut t, mut w) = (Timer::new(), World::default());
    ask(&mut t, &mut w, p(8), sleep_req(40 * MS));
    assert_eq!(w.arms, 1);
    ask(&mut t, &mut w, p(9), sleep_req(45 * MS));
    assert_eq!(w.arms, 1, "a later deadline needs no new shot");
    ask(&mut t, &mut w, p(10), sleep_req(5 * MS));
    assert_eq!(w.arms, 2);
    run(&mut t, &mut w, 6 * MS);
    assert_eq!(w.woken.len(), 1);
    run(&mut t, &mut w, 50 * MS);
    assert_eq!(w.woken.len(), 3);
}

#[test]
fn a_dead_sleeper_is_forgotten_when_its_slot_is_reused() {
    let (mut t, mut w) = (Timer::new(), World::default());
    ask(&mut t, &mut w, p(30), sleep_req(10_000 * MS));
    // The process dies (its reply cap goes with it); the next process of
    // slot 30 sleeps briefly.
    let next = Endpoint::new(30, 2);
    ask(&mut t, &mut w, next, sleep_req(20 * MS));
    assert_eq!(t.sleepers().len(), 1);
    run(&mut t, &mut w, 25 * MS);
    assert_eq!(w.woken.len(), 1);
    assert_eq!(w.woken[0].0, next);
    // Nothing is kept for the dead one: the PIT goes quiet.
    assert!(t.sleepers().is_empty());
    assert_eq!(w.fires_at, None);
}

#[test]
fn zero_sleeps_answer_at_once_and_bad_requests_are_refused() {
    let (mut t, mut w) = (Timer::new(), World::default());
    assert_eq!(ask(&mut t, &mut w, p(7), sleep_req(0)).map(|r| r.result()), Some(Ok(0)));
    let bad = [
        RawRequest { call: minix_abi::timer::SLEEP, words: [1 << 32, 0, 0, 0], len: 2 },
        RawRequest { call: minix_abi::timer::SLEEP, words: [0, 1_000_000_000, 0, 0], len: 2 },
        RawRequest { call: minix_abi::timer::SLEEP, words: [1, 0, 0, 0], len: 1 },
        RawRequest { call: minix_abi::timer::SETTIME, words: [0, 1 << 31, 0, 0], len: 3 },
    ];
    for r in bad {
        assert_eq!(ask(&mut t, &mut w, p(7), r).map(|r| r.result()), Some(Err(EINVAL)), "{:?}", r);
    }
    let unknown = RawRequest { call: 0x6ff, words: [0; 4], len: 0 };
    assert_eq!(ask(&mut t, &mut w, p(7), unknown).map(|r| r.result()), Some(Err(ENOSYS)));
    // Only processes: no fault, unbadged or unknown sender.
    for s in [Sender::Fault(p(7)), Sender::Unbadged, Sender::Unknown(0x800)] {
        assert_eq!(t.request(&mut w, s, &sleep_req(MS)).map(|r| r.result()), Some(Err(EPERM)));
    }
    // A slot past every process's and thread's.
    assert_eq!(ask(&mut t, &mut w, Endpoint::new(600, 1), sleep_req(MS)).map(|r| r.result()), Some(Err(EINVAL)));
    assert!(t.sleepers().is_empty() && w.saved.is_empty());
}

#[test]
fn settime_and_stats() {
    let (mut t, mut w) = (Timer::new(), World::default());
    w.now = 77;
    let (call, words, len) = Request::SetTime(Timespec { sec: 1_800_000_000, nsec: 5 }).encode();
    assert_eq!(ask(&mut t, &mut w, p(7), RawRequest { call, words, len }).map(|r| r.result()), Some(Ok(0)));
    assert_eq!(w.real, Some((1_800_000_000_000_000_005, 77)));
    ask(&mut t, &mut w, p(8), sleep_req(MS));
    let (call, words, len) = Request::Stats.encode();
    let r = ask(&mut t, &mut w, p(7), RawRequest { call, words, len }).unwrap();
    assert_eq!(r.result(), Ok(1));
    assert_eq!(r.to_words()[3], 2_000_000);
}

fn alarm_req(at: Option<u64>) -> RawRequest {
    let (call, words, len) = Request::Alarm(at).encode();
    RawRequest { call, words, len }
}

#[test]
fn alarms_signal_their_client_at_the_deadline_and_once() {
    use minix_abi::endpoint::{PM, VFS};
    let (mut t, mut w) = (Timer::new(), World::default());
    w.now = 1_000 * MS;
    // Answered at once; PM's at 1.3 s, VFS's at 1.1 s, a sleeper between.
    assert_eq!(ask(&mut t, &mut w, PM, alarm_req(Some(1_300 * MS))), Some(Reply::ok(0)));
    assert_eq!(ask(&mut t, &mut w, VFS, alarm_req(Some(1_100 * MS))), Some(Reply::ok(0)));
    assert_eq!(ask(&mut t, &mut w, p(9), sleep_req(200 * MS)), None);
    assert!(w.fires_at.is_some(), "the PIT is aimed for the alarms");
    run(&mut t, &mut w, 1_099 * MS);
    assert!(w.alarms.is_empty(), "signalled early");
    run(&mut t, &mut w, 1_500 * MS);
    // Each at or after its deadline, within a PIT shot, in order; then
    // forgotten: nothing more comes, and the PIT is left quiet.
    assert_eq!(w.alarms.iter().map(|a| a.0).collect::<Vec<_>>(), vec![1, 0]);
    assert!(w.alarms[0].1 >= 1_100 * MS && w.alarms[0].1 < 1_100 * MS + MS);
    assert!(w.alarms[1].1 >= 1_300 * MS && w.alarms[1].1 < 1_300 * MS + MS);
    assert_eq!(w.woken.len(), 1);
    assert_eq!((t.alarm(0), t.alarm(1), w.fires_at), (None, None, None));
    assert_eq!(t.stats().alarms, 2);
}

#[test]
fn an_alarm_is_replaced_cancelled_or_signalled_at_once_when_past() {
    use minix_abi::endpoint::PM;
    let (mut t, mut w) = (Timer::new(), World::default());
    w.now = 50 * MS;
    ask(&mut t, &mut w, PM, alarm_req(Some(500 * MS)));
    // A new deadline replaces the old one, earlier or later.
    ask(&mut t, &mut w, PM, alarm_req(Some(80 * MS)));
    assert_eq!(t.alarm(0), Some(80 * MS));
    ask(&mut t, &mut w, PM, alarm_req(None));
    assert_eq!(t.alarm(0), None);
    run(&mut t, &mut w, 600 * MS);
    assert!(w.alarms.is_empty(), "a cancelled alarm was signalled");
    assert_eq!(w.fires_at, None, "the PIT runs for nobody");
    // A deadline already past: signalled before the answer.
    assert_eq!(ask(&mut t, &mut w, PM, alarm_req(Some(1))), Some(Reply::ok(0)));
    assert_eq!(w.alarms, vec![(0, 600 * MS)]);
}

#[test]
fn only_pm_and_vfs_set_alarms() {
    let (mut t, mut w) = (Timer::new(), World::default());
    for who in [p(6), p(30), minix_abi::endpoint::VM, minix_abi::endpoint::FS, Endpoint::new(0, 2)] {
        assert_eq!(ask(&mut t, &mut w, who, alarm_req(Some(5 * MS))), Some(Reply::err(EPERM)), "{who:?}");
    }
    assert_eq!(t.request(&mut w, Sender::Unbadged, &alarm_req(Some(5 * MS))), Some(Reply::err(EPERM)));
    let bad = RawRequest { call: minix_abi::timer::ALARM, words: [1 << 32, 0, 0, 0], len: 2 };
    assert_eq!(ask(&mut t, &mut w, minix_abi::endpoint::PM, bad), Some(Reply::err(EINVAL)));
    run(&mut t, &mut w, 100 * MS);
    assert!(w.alarms.is_empty());
}
