// SPDX-License-Identifier: BSD-2-Clause
//! PM's alarms, the glue: `alarm`, `setitimer` and `getitimer` on each
//! process's real-time timer (the bookkeeping is `root_task::alarm`),
//! and SIGALRM when one is due.
//!
//! PM holds one deadline in the timer driver, the earliest of every
//! process's (`minix_abi::timer::ALARM`: answered at once, so PM never
//! waits on the driver beyond the call, and the driver calls nobody).
//! When it comes, the driver signals the notification bound to PM's
//! thread with `ALARM_BADGE`; PM's receive returns with it, and PM reads
//! the clock page, sends SIGALRM to every process whose timer is due
//! (through the ordinary signal path: a handler, or the default action,
//! which ends the process), moves periodic timers on, and asks for the
//! next deadline. PM reads the time from its own read-only mapping of
//! the clock page, as every user process does.
use super::{Next, Pm};
use minix_abi::clock;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{EINVAL, ENOSYS};
use minix_abi::message::Reply;
use minix_abi::pm::Request;
use minix_abi::timer;
use mxrt::time::ClockPage;
use root_task::effects::Effects;
use sel4_root_task::println;

/// What PM knows of its alarm in the driver.
pub(super) struct Alarms {
    clock: ClockPage,
    /// The deadline the driver holds for PM (monotonic ns), as far as PM
    /// knows: the driver forgets one when it signals it.
    asked: Option<u64>,
}

impl Alarms {
    pub(super) fn new() -> Alarms {
        // SAFETY: boot mapped the clock frame read-only at
        // ROOT_CLOCK_PAGE (page-aligned, so its first clock::WORDS words
        // are 8-aligned and do not wrap) before PM runs, for the root
        // task's life; the timer driver writes it only with aligned atomic
        // stores, and PM only loads through this value.
        let words = unsafe { sel4::SharedWords::new(crate::timer_dev::ROOT_CLOCK_PAGE, clock::WORDS, false) };
        Alarms { clock: ClockPage::new(words), asked: None }
    }
}

impl Pm<'_> {
    /// ALARM, SETITIMER or GETITIMER by `who`, at the clock's now; then
    /// PM's deadline in the driver follows the table's earliest.
    pub(super) fn itimer_call(&mut self, who: Endpoint, r: Request) -> Next {
        // The page is published before the driver reports ready, which
        // is before any process runs: not reached.
        let Ok(now) = self.alarms.clock.monotonic_ns() else { return Next::Reply(Reply::err(ENOSYS)) };
        let slot = who.slot();
        let procs = &mut self.sys.procs;
        let reply = match r {
            Request::Alarm { seconds } => Reply::from_result(procs.alarm(slot, now, seconds).map(u64::from)),
            Request::SetItimer { new } => procs.setitimer(slot, now, new).map_or_else(Reply::err, |old| old.reply()),
            Request::GetItimer => procs.getitimer(slot, now).map_or_else(Reply::err, |t| t.reply()),
            _ => Reply::err(EINVAL),
        };
        self.ask_timer();
        Next::Reply(reply)
    }

    /// Monotonic ns now, from the clock page.
    pub(super) fn alarms_now(&self) -> Option<u64> {
        self.alarms.clock.monotonic_ns().ok()
    }

    /// The driver signalled PM's alarm: SIGALRM to every process whose
    /// timer is due, then the next deadline.
    pub(super) fn alarms_due(&mut self) {
        // The driver forgot the deadline it signalled.
        self.alarms.asked = None;
        if let Ok(now) = self.alarms.clock.monotonic_ns() {
            let mut fx = Effects::new();
            self.sys.procs.fire_alarms(now, &mut fx);
            self.carry_out(fx);
            self.futex_timeouts(now);
        }
        self.ask_timer();
    }

    /// Makes the driver hold the table's earliest deadline (or none). A
    /// signal for a deadline that no longer matters (its process died or
    /// changed its timer) costs one pass over the table that finds
    /// nothing due; a deadline is never left later than the earliest.
    pub(super) fn ask_timer(&mut self) {
        // The earliest of the processes' timers and the futex waits'
        // deadlines.
        let want = match (self.sys.procs.next_alarm(), self.futexes.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if want == self.alarms.asked {
            return;
        }
        let (c, w, l) = timer::Request::Alarm(want.map(|d| d.max(1))).encode();
        match mxrt::ipc::sendrec(self.sys.timer_call.bits(), c, w, l).result() {
            Ok(_) => self.alarms.asked = want,
            Err(e) => println!("PM: the timer driver refused PM's alarm: {}", e.name()),
        }
    }
}
