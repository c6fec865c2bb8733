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
use alloc::collections::BTreeMap;
use minix_abi::endpoint::Endpoint;

#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// Calls of the caller being served (one, or briefly two when a pipe
    /// operation finishes its waiting call as its next one arrives).
    busy: u32,
    frozen: bool,
    /// A call arrived while frozen: its reply cap is saved, unanswered.
    held: bool,
}

/// What to do with a call that arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// Serve it (and call [`Services::end`] once its answer is sent).
    Serve,
    /// Hold it unserved: the caller is frozen.
    Hold,
}

/// The callers with something to remember; the others are absent.
#[derive(Default, Debug)]
pub struct Services {
    map: BTreeMap<u32, Entry>,
}

impl Services {
    pub const fn new() -> Services {
        Services { map: BTreeMap::new() }
    }

    /// A call of `who` arrives: serve it, or hold it if `who` is frozen.
    pub fn begin(&mut self, who: Endpoint) -> Begin {
        let e = self.map.entry(who.0).or_default();
        if e.frozen {
            e.held = true;
            Begin::Hold
        } else {
            e.busy += 1;
            Begin::Serve
        }
    }

    /// A waiting call of `who` is to be finished by a pipe operation:
    /// false (leave it, dropped) if `who` is frozen; else it counts as
    /// being served until [`Services::end`].
    pub fn begin_finishing(&mut self, who: Endpoint) -> bool {
        let e = self.map.entry(who.0).or_default();
        if e.frozen {
            return false;
        }
        e.busy += 1;
        true
    }

    /// A call of `who` begun with `Serve` has been answered (or parked).
    pub fn end(&mut self, who: Endpoint) {
        if let Some(e) = self.map.get_mut(&who.0) {
            e.busy = e.busy.saturating_sub(1);
        }
        self.tidy(who);
    }

    /// PM freezes `who`: true while a call of it is still being served
    /// (PM's worker waits and asks again).
    pub fn freeze(&mut self, who: Endpoint) -> bool {
        let e = self.map.entry(who.0).or_default();
        e.frozen = true;
        e.busy > 0
    }

    /// PM thaws `who`: true if a call was held (its saved reply cap, now
    /// dead, is to be dropped).
    pub fn thaw(&mut self, who: Endpoint) -> bool {
        let held = self.map.get_mut(&who.0).is_some_and(|e| {
            e.frozen = false;
            core::mem::take(&mut e.held)
        });
        self.tidy(who);
        held
    }

    pub fn is_frozen(&self, who: Endpoint) -> bool {
        self.map.get(&who.0).is_some_and(|e| e.frozen)
    }

    /// `who` is gone.
    pub fn forget(&mut self, who: Endpoint) {
        self.map.remove(&who.0);
    }

    /// Callers remembered (for leak checks).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn tidy(&mut self, who: Endpoint) {
        if self.map.get(&who.0).is_some_and(|e| *e == Entry::default()) {
            self.map.remove(&who.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: Endpoint = Endpoint(0x1008);

    #[test]
    fn calls_are_served_until_frozen_then_held_until_thawed() {
        let mut s = Services::new();
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
        let mut s = Services::new();
        assert!(s.begin_finishing(X));
        assert!(s.freeze(X));
        s.end(X);
        assert!(!s.freeze(X));
        assert!(!s.thaw(X), "nothing was held");
        assert!(s.is_empty());
    }

    #[test]
    fn a_thaw_without_a_freeze_and_a_forgotten_caller_leave_nothing() {
        let mut s = Services::new();
        assert!(!s.thaw(X));
        s.freeze(X);
        s.begin(X);
        s.forget(X);
        assert!(s.is_empty());
        s.end(X);
        assert!(s.is_empty());
    }
}
