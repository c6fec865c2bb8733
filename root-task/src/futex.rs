// SPDX-License-Identifier: BSD-2-Clause
//! Futexes: threads waiting in PM on a 32-bit word of their process's
//! memory, until another wakes them or their time is up.
//!
//! A futex is (process, address): threads of one process share it, other
//! processes never see it (only private futexes exist). The glue reads the
//! word (through VM) and queues the caller only if it still holds the
//! value it expects; PM serves one message at a time, so no wake can slip
//! between that check and the queueing. Each waiter is a saved reply cap:
//! nobody spins. Waiters are woken in the order they came. A waiter whose
//! call ends otherwise (a signal, a stop, its process's end) is forgotten
//! with [`FutexTable::forget`], so a later wake never counts it.
extern crate alloc;
use alloc::vec::Vec;
use minix_abi::endpoint::Endpoint;

/// One thread waiting.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Waiter {
    /// The process whose memory the word is in.
    pub space: Endpoint,
    pub addr: u32,
    /// The thread waiting (its endpoint).
    pub who: Endpoint,
    /// Monotonic ns after which it is answered `ETIMEDOUT`.
    pub deadline: Option<u64>,
    /// Where the glue keeps its reply cap.
    pub reply: u64,
}

#[derive(Default)]
pub struct FutexTable {
    waiters: Vec<Waiter>,
}

impl FutexTable {
    pub fn new() -> FutexTable {
        FutexTable { waiters: Vec::new() }
    }

    /// Queues a waiter (the glue has checked the word).
    pub fn wait(&mut self, w: Waiter) {
        self.waiters.push(w);
    }

    /// Takes up to `count` waiters on (`space`, `addr`), oldest first.
    pub fn wake(&mut self, space: Endpoint, addr: u32, count: u32) -> Vec<Waiter> {
        let mut woken = Vec::new();
        self.waiters.retain(|w| {
            if woken.len() < count as usize && w.space == space && w.addr == addr {
                woken.push(*w);
                false
            } else {
                true
            }
        });
        woken
    }

    /// Takes up to `wake` waiters on `addr` and moves up to `requeue` of
    /// the rest to `to`, keeping their order.
    pub fn requeue(&mut self, space: Endpoint, addr: u32, wake: u32, to: u32, requeue: u32) -> Vec<Waiter> {
        let woken = self.wake(space, addr, wake);
        let mut moved = 0u32;
        for w in self.waiters.iter_mut() {
            if moved == requeue {
                break;
            }
            if w.space == space && w.addr == addr {
                w.addr = to;
                moved += 1;
            }
        }
        woken
    }

    /// Takes every waiter whose deadline is at or before `now`.
    pub fn expire(&mut self, now: u64) -> Vec<Waiter> {
        let mut due = Vec::new();
        self.waiters.retain(|w| {
            if w.deadline.is_some_and(|d| d <= now) {
                due.push(*w);
                false
            } else {
                true
            }
        });
        due
    }

    /// The earliest deadline of any waiter.
    pub fn next_deadline(&self) -> Option<u64> {
        self.waiters.iter().filter_map(|w| w.deadline).min()
    }

    /// Takes the waits of thread `who` (its call ended some other way).
    pub fn forget(&mut self, who: Endpoint) -> Vec<Waiter> {
        self.take_where(|w| w.who == who)
    }

    /// Takes every wait on the memory of process `space` (it is gone).
    pub fn forget_space(&mut self, space: Endpoint) -> Vec<Waiter> {
        self.take_where(|w| w.space == space)
    }

    fn take_where(&mut self, f: impl Fn(&Waiter) -> bool) -> Vec<Waiter> {
        let mut out = Vec::new();
        self.waiters.retain(|w| {
            if f(w) {
                out.push(*w);
                false
            } else {
                true
            }
        });
        out
    }

    pub fn len(&self) -> usize {
        self.waiters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(space: u16, addr: u32, who: u16, deadline: Option<u64>) -> Waiter {
        Waiter { space: Endpoint::new(space, 1), addr, who: Endpoint::new(who, 1), deadline, reply: who as u64 }
    }

    #[test]
    fn wake_in_order_within_one_process_and_word() {
        let mut t = FutexTable::new();
        t.wait(w(7, 0x100, 300, None));
        t.wait(w(8, 0x100, 301, None));
        t.wait(w(7, 0x100, 302, None));
        t.wait(w(7, 0x104, 303, None));
        t.wait(w(7, 0x100, 304, None));
        let got: Vec<u16> = t.wake(Endpoint::new(7, 1), 0x100, 2).iter().map(|x| x.who.slot() as u16).collect();
        assert_eq!(got, [300, 302], "oldest first, another process's word untouched");
        assert_eq!(t.wake(Endpoint::new(7, 1), 0x100, 10).len(), 1);
        assert_eq!(t.wake(Endpoint::new(7, 1), 0x100, 10).len(), 0);
        assert_eq!(t.len(), 2);
        assert!(t.wake(Endpoint::new(7, 1), 0x104, 0).is_empty(), "a count of 0 wakes nobody");
    }

    #[test]
    fn requeue_moves_the_rest_in_order() {
        let mut t = FutexTable::new();
        for who in 300..305 {
            t.wait(w(7, 0x100, who, None));
        }
        let p = Endpoint::new(7, 1);
        let woken = t.requeue(p, 0x100, 1, 0x200, 2);
        assert_eq!(woken.iter().map(|x| x.who.slot()).collect::<Vec<_>>(), [300]);
        assert_eq!(t.wake(p, 0x200, 10).iter().map(|x| x.who.slot()).collect::<Vec<_>>(), [301, 302]);
        assert_eq!(t.wake(p, 0x100, 10).iter().map(|x| x.who.slot()).collect::<Vec<_>>(), [303, 304]);
    }

    #[test]
    fn deadlines_and_forgetting() {
        let mut t = FutexTable::new();
        t.wait(w(7, 0x100, 300, Some(50)));
        t.wait(w(7, 0x100, 301, Some(20)));
        t.wait(w(7, 0x100, 302, None));
        t.wait(w(9, 0x100, 303, Some(90)));
        assert_eq!(t.next_deadline(), Some(20));
        assert_eq!(t.expire(49).iter().map(|x| x.who.slot()).collect::<Vec<_>>(), [301]);
        assert_eq!(t.next_deadline(), Some(50));
        assert_eq!(t.forget(Endpoint::new(300, 1)).len(), 1);
        assert_eq!(t.forget_space(Endpoint::new(9, 1)).len(), 1);
        assert_eq!(t.next_deadline(), None);
        assert_eq!(t.expire(u64::MAX).len(), 0, "no deadline, never due");
        assert_eq!(t.len(), 1);
    }
}
