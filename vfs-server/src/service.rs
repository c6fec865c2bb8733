// SPDX-License-Identifier: BSD-2-Clause
//! Which callers have a call being served, and which PM has frozen.
//!
//! PM runs a signal handler, or stops a process, by suspending its
//! thread, and seL4 then cancels a Call the thread is blocked in: an
//! answer sent afterwards is lost. A call VFS had already carried out
//! (bytes taken from a pipe and copied to the reader, a write's bytes
//! added) would lose its answer, and made again it would take or add the
//! bytes twice. So PM freezes the caller first (`PROC_CANCEL`): VFS waits
//! until none of its calls is being served, so that every answer reaches
//! it, drops the calls it holds waiting (which have done nothing yet),
//! and holds any new call unserved until PM thaws it after the
//! suspension. What a suspension cancels has then had no effect.
//!
//! "Being served" covers a worker serving the caller's own request, and
//! a pipe operation finishing a waiting call of the caller (its answer
//! goes through the saved reply cap after the bytes moved).
//!
//! Lock-free: one word per endpoint slot (a busy count and two flags),
//! so a call's begin and end cost two atomic operations, not the state
//! lock.
use core::sync::atomic::{AtomicU32, Ordering::AcqRel, Ordering::Acquire};
use minix_abi::endpoint::{Endpoint, MAX_SLOTS};

const FROZEN: u32 = 1 << 31;
/// A call arrived while frozen: its reply cap is saved, unanswered.
const HELD: u32 = 1 << 30;
/// Calls of the caller being served (one, or briefly two when a pipe
/// operation finishes its waiting call as its next one arrives).
const BUSY: u32 = HELD - 1;

/// What to do with a call that arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// Serve it (and call [`Services::end`] once its answer is sent).
    Serve,
    /// Hold it unserved: the caller is frozen.
    Hold,
}

/// Every endpoint slot's word.
pub struct Services {
    slots: [AtomicU32; MAX_SLOTS],
}

impl Default for Services {
    fn default() -> Self {
        Self::new()
    }
}

impl Services {
    pub const fn new() -> Services {
        Services { slots: [const { AtomicU32::new(0) }; MAX_SLOTS] }
    }

    fn word(&self, who: Endpoint) -> &AtomicU32 {
        &self.slots[who.slot()]
    }

    /// Applies `f` to `who`'s word until it sticks; answers `f`'s verdict.
    fn update<T>(&self, who: Endpoint, f: impl Fn(u32) -> (u32, T)) -> T {
        let w = self.word(who);
        let mut v = w.load(Acquire);
        loop {
            let (new, out) = f(v);
            match w.compare_exchange_weak(v, new, AcqRel, Acquire) {
                Ok(_) => return out,
                Err(now) => v = now,
            }
        }
    }

    /// A call of `who` arrives: serve it, or hold it if `who` is frozen.
    pub fn begin(&self, who: Endpoint) -> Begin {
        self.update(who, |v| if v & FROZEN != 0 { (v | HELD, Begin::Hold) } else { (v + 1, Begin::Serve) })
    }

    /// A waiting call of `who` is to be finished by a pipe operation:
    /// false (leave it, dropped) if `who` is frozen; else it counts as
    /// being served until [`Services::end`].
    pub fn begin_finishing(&self, who: Endpoint) -> bool {
        self.update(who, |v| if v & FROZEN != 0 { (v, false) } else { (v + 1, true) })
    }

    /// A call of `who` begun with `Serve` has been answered (or parked).
    pub fn end(&self, who: Endpoint) {
        self.update(who, |v| (if v & BUSY == 0 { v } else { v - 1 }, ()))
    }

    /// PM freezes `who`: true while a call of it is still being served
    /// (PM's worker waits and asks again).
    pub fn freeze(&self, who: Endpoint) -> bool {
        self.word(who).fetch_or(FROZEN, AcqRel) & BUSY != 0
    }

    /// PM thaws `who`: true if a call was held (its saved reply cap, now
    /// dead, is to be dropped).
    pub fn thaw(&self, who: Endpoint) -> bool {
        self.word(who).fetch_and(!(FROZEN | HELD), AcqRel) & HELD != 0
    }

    pub fn is_frozen(&self, who: Endpoint) -> bool {
        self.word(who).load(Acquire) & FROZEN != 0
    }

    /// `who` is gone (its slot may name another process next).
    pub fn forget(&self, who: Endpoint) {
        self.word(who).store(0, core::sync::atomic::Ordering::Release);
    }

    /// Callers remembered (for leak checks).
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|w| w.load(Acquire) != 0).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: Endpoint = Endpoint(0x1008);

    #[test]
    fn calls_are_served_until_frozen_then_held_until_thawed() {
        let s = Services::new();
        assert_eq!(s.begin(X), Begin::Serve);
        assert!(s.freeze(X), "a call is being served: PM waits");
        s.end(X);
        assert!(!s.freeze(X), "none now");
        assert_eq!(s.begin(X), Begin::Hold);
        assert!(!s.begin_finishing(X), "no waiting call is finished while frozen");
        assert!(s.is_frozen(X));
        assert!(s.thaw(X), "the held call's reply cap is dropped");
        assert!(!s.is_frozen(X));
        assert_eq!(s.begin(X), Begin::Serve);
        s.end(X);
        assert!(s.is_empty(), "nothing left to remember");
    }

    #[test]
    fn finishing_a_waiting_call_counts_as_serving() {
        let s = Services::new();
        assert!(s.begin_finishing(X));
        assert!(s.freeze(X));
        s.end(X);
        assert!(!s.freeze(X));
        assert!(!s.thaw(X), "nothing was held");
        assert!(s.is_empty());
    }

    #[test]
    fn a_thaw_without_a_freeze_and_a_forgotten_caller_leave_nothing() {
        let s = Services::new();
        assert!(!s.thaw(X));
        s.freeze(X);
        s.begin(X);
        s.forget(X);
        assert!(s.is_empty());
        s.end(X);
        assert!(s.is_empty());
    }
}
