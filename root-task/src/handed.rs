// SPDX-License-Identifier: BSD-2-Clause
//! Signal handlers handed to the caller's runtime (`minix_abi::pm`'s
//! `RUN_HANDLER`): when PM owes an answer to a process that runs its
//! handlers itself, it starts a handler by answering, not by rewriting
//! the thread's registers, and keeps here what Linux would keep on the
//! user stack: the answer of the call the handlers interrupted, then one
//! record per handler, newest on top.
//!
//! * A call whose handlers begin leaves its answer ([`Owed`]) first; each
//!   handler taken after it goes on top ([`Handed::push`]), not yet
//!   started.
//! * The caller then hears [`Handed::answer`]: the newest handler not yet
//!   started (so the last taken runs first, as Linux runs the frame it
//!   pushed last), or, once every handler above it has returned, the
//!   owed answer.
//! * `HANDLER_DONE` names its handler's token ([`Handed::done`]): records
//!   above it belong to handlers left by a `longjmp`, whose frames Linux
//!   would have dropped with the stack, and go too.
//!
//! Bounded: at most [`MAX_HANDED`] records; the oldest goes first when a
//! process leaves that many behind (handlers left by `longjmp`). A done
//! handler whose answer went that way answers `EINTR`.
extern crate alloc;
use crate::signals::HandlerRun;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, EINTR, EINVAL};
use minix_abi::message::Reply;
use minix_abi::pm::{HandlerDetails, HandlerStart, RESTART, RUN_HANDLER};
use minix_abi::signal::SigSet;

/// Records a process may leave: more than a whole delivery (an answer and
/// a handler for each of the 31 signals) with room for nesting.
pub const MAX_HANDED: usize = 64;

/// How the call the handlers interrupted ends once they have run.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Owed {
    /// With this answer (its own, or `EINTR`).
    Answer(Reply),
    /// Made again (`SA_RESTART`): label `RESTART`.
    Restart,
}

/// What PM tells the caller now.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Answer {
    /// Run this handler (label `RUN_HANDLER`).
    Run(HandlerStart),
    /// The interrupted call ends.
    Owed(Owed),
}

impl Answer {
    /// The message: label, words, word count. A reply keeps label 0;
    /// `RESTART` has no words.
    pub fn encode(self) -> (u64, [u64; 4], u64) {
        match self {
            Answer::Run(s) => (RUN_HANDLER, s.words(), 4),
            Answer::Owed(Owed::Answer(r)) => (0, r.to_words(), r.len()),
            Answer::Owed(Owed::Restart) => (RESTART, [0; 4], 0),
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Record {
    Owed(Owed),
    Handler { token: u8, run: HandlerRun, started: bool },
}

/// One process's records.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Handed {
    records: Vec<Record>,
    next_token: u8,
}

impl Handed {
    pub const fn new() -> Handed {
        Handed { records: Vec::new(), next_token: 0 }
    }

    fn add(&mut self, r: Record) {
        if self.records.len() >= MAX_HANDED {
            self.records.remove(0);
        }
        self.records.push(r);
    }

    /// A call's handlers begin: `owed` is how it ends after them.
    pub fn interrupt(&mut self, owed: Owed) {
        self.add(Record::Owed(owed));
    }

    /// Takes `run` on top, not started yet, with a token no kept record
    /// has (there are 256 and at most [`MAX_HANDED`] records), so a
    /// `HANDLER_DONE` names one handler even after tokens went round.
    pub fn push(&mut self, run: &HandlerRun) {
        let mut token = self.next_token;
        while self.records.iter().any(|r| matches!(r, Record::Handler { token: t, .. } if *t == token)) {
            token = token.wrapping_add(1);
        }
        self.next_token = token.wrapping_add(1);
        self.add(Record::Handler { token, run: *run, started: false });
    }

    /// What the caller hears now: the handler on top if it has not
    /// started (it is marked started), or the owed answer on top (taken).
    /// `None` when neither is on top: the caller's own call answers.
    pub fn answer(&mut self) -> Option<Answer> {
        match self.records.last_mut()? {
            Record::Handler { started: true, .. } => None,
            Record::Handler { token, run, started } => {
                *started = true;
                Some(Answer::Run(HandlerStart {
                    sig: run.sig,
                    token: *token,
                    flags: run.flags,
                    entry: run.entry,
                    code: run.info.code,
                    pid: run.info.pid,
                }))
            }
            Record::Owed(o) => {
                let o = *o;
                self.records.pop();
                Some(Answer::Owed(o))
            }
        }
    }

    /// After the records above a finished handler are gone, what its
    /// `HANDLER_DONE` answers if no other signal is delivered: see
    /// [`Handed::answer`]; `EINTR` if the answer was dropped
    /// ([`MAX_HANDED`]).
    pub fn answer_after_done(&mut self) -> Answer {
        self.answer().unwrap_or(Answer::Owed(Owed::Answer(Reply::err(EINTR))))
    }

    fn find(&self, token: u8) -> Option<usize> {
        self.records.iter().rposition(|r| matches!(r, Record::Handler { token: t, started: true, .. } if *t == token))
    }

    /// The started handler `token` returned: it and every record above it
    /// go. Gives the mask its return restores. `EINVAL` if no started
    /// handler has that token.
    pub fn done(&mut self, token: u8) -> Result<SigSet, Errno> {
        let at = self.find(token).ok_or(EINVAL)?;
        let Some(Record::Handler { run, .. }) = self.records.get(at) else { return Err(EINVAL) };
        let mask = run.restore_mask;
        self.records.truncate(at);
        Ok(mask)
    }

    /// `HANDLER_INFO` for the started handler `token`.
    pub fn details(&self, token: u8) -> Result<HandlerDetails, Errno> {
        let at = self.find(token).ok_or(EINVAL)?;
        let Some(Record::Handler { run, .. }) = self.records.get(at) else { return Err(EINVAL) };
        Ok(HandlerDetails { mask: run.restore_mask, uid: run.info.uid, addr: run.info.addr, status: run.info.status })
    }

    /// How many records are kept (for tests and the glue's checks).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::signal::{SaFlags, SigInfo, Signal, SIGINT, SIGUSR1, SIGUSR2};

    fn run(sig: Signal, restore: SigSet) -> HandlerRun {
        HandlerRun {
            sig,
            entry: 0x40_1000,
            restorer: 0x40_1000,
            flags: SaFlags::SIGINFO,
            info: SigInfo { code: 0, pid: 9, uid: 1000, addr: 0, status: 3 },
            mask_during: SigSet::FULL,
            restore_mask: restore,
            altstack: None,
            ends_suspend: false,
        }
    }

    fn started(a: Option<Answer>) -> HandlerStart {
        match a {
            Some(Answer::Run(s)) => s,
            other => panic!("{:?}", other),
        }
    }

    #[test]
    fn one_handler_then_the_answer() {
        let mut h = Handed::new();
        assert_eq!(h.answer(), None, "nothing kept: the call answers itself");
        h.interrupt(Owed::Answer(Reply::ok(0)));
        h.push(&run(SIGUSR1, SigSet::of(SIGINT)));
        let s = started(h.answer());
        assert_eq!((s.sig, s.pid, s.entry, s.flags), (SIGUSR1, 9, 0x40_1000, SaFlags::SIGINFO));
        // Started: the caller's other calls answer themselves meanwhile.
        assert_eq!(h.answer(), None);
        let d = h.details(s.token).unwrap();
        assert_eq!((d.mask, d.uid, d.status), (SigSet::of(SIGINT), 1000, 3));
        assert_eq!(h.done(s.token), Ok(SigSet::of(SIGINT)));
        assert_eq!(h.answer_after_done(), Answer::Owed(Owed::Answer(Reply::ok(0))));
        assert!(h.is_empty());
        assert_eq!(h.done(s.token), Err(EINVAL), "a handler returns once");
    }

    #[test]
    fn messages() {
        let mut h = Handed::new();
        h.interrupt(Owed::Restart);
        h.push(&run(SIGUSR1, SigSet::EMPTY));
        let a = h.answer().unwrap();
        let (label, words, len) = a.encode();
        assert_eq!((label, len), (RUN_HANDLER, 4));
        assert_eq!(Answer::Run(HandlerStart::decode(words, len).unwrap()), a);
        assert_eq!(Answer::Owed(Owed::Restart).encode(), (RESTART, [0; 4], 0));
        let r = Reply::ok_with(5, [6, 0, 0]);
        assert_eq!(Answer::Owed(Owed::Answer(r)).encode(), (0, r.to_words(), 2));
    }

    #[test]
    fn the_last_taken_runs_first() {
        let mut h = Handed::new();
        h.interrupt(Owed::Restart);
        h.push(&run(SIGINT, SigSet::EMPTY));
        h.push(&run(SIGUSR1, SigSet::of(SIGINT)));
        let first = started(h.answer());
        assert_eq!(first.sig, SIGUSR1);
        // Not started yet: no HANDLER_DONE or HANDLER_INFO for it.
        assert_eq!(h.details(first.token.wrapping_sub(1)), Err(EINVAL));
        assert_eq!(h.done(first.token), Ok(SigSet::of(SIGINT)));
        let second = started(Some(h.answer_after_done()));
        assert_eq!(second.sig, SIGINT);
        assert_eq!(h.done(second.token), Ok(SigSet::EMPTY));
        assert_eq!(h.answer_after_done(), Answer::Owed(Owed::Restart));
    }

    #[test]
    fn nested_calls_and_longjmp() {
        let mut h = Handed::new();
        h.interrupt(Owed::Answer(Reply::ok(1)));
        h.push(&run(SIGUSR1, SigSet::EMPTY));
        let outer = started(h.answer());
        // The handler makes a call that starts another handler, which
        // leaves by longjmp: its records stay until the outer returns.
        h.interrupt(Owed::Answer(Reply::ok(2)));
        h.push(&run(SIGUSR2, SigSet::of(SIGUSR1)));
        let inner = started(h.answer());
        assert_ne!(inner.token, outer.token);
        assert_eq!(h.len(), 4);
        assert_eq!(h.done(outer.token), Ok(SigSet::EMPTY));
        assert_eq!(h.answer_after_done(), Answer::Owed(Owed::Answer(Reply::ok(1))));
        assert!(h.is_empty());
        assert_eq!(h.done(inner.token), Err(EINVAL));
    }

    #[test]
    fn bounded() {
        let mut h = Handed::new();
        // Handlers left by longjmp, one per call, never return.
        for i in 0..3 * MAX_HANDED {
            h.interrupt(Owed::Answer(Reply::ok(i as u64)));
            h.push(&run(SIGUSR1, SigSet::EMPTY));
            started(h.answer());
            assert!(h.len() <= MAX_HANDED);
        }
        h.interrupt(Owed::Answer(Reply::ok(7)));
        h.push(&run(SIGUSR1, SigSet::EMPTY));
        let s = started(h.answer());
        assert_eq!(h.done(s.token), Ok(SigSet::EMPTY));
        assert_eq!(h.answer_after_done(), Answer::Owed(Owed::Answer(Reply::ok(7))));
        // Tokens went round; the ones left behind are never given again.
        let mut tokens: Vec<u8> = h
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Handler { token, .. } => Some(*token),
                _ => None,
            })
            .collect();
        let n = tokens.len();
        tokens.sort();
        tokens.dedup();
        assert_eq!(tokens.len(), n);
        // An answer pushed out by the bound: EINTR.
        let mut h = Handed::new();
        h.push(&run(SIGUSR1, SigSet::EMPTY));
        let s = started(h.answer());
        h.done(s.token).unwrap();
        assert_eq!(h.answer_after_done(), Answer::Owed(Owed::Answer(Reply::err(EINTR))));
    }
}
