// SPDX-License-Identifier: BSD-2-Clause
//! What the glue must do after the process table changed one process's
//! signals, stop state or group: one signal can stop or continue a
//! process, wake its parent's `wait`, and send the parent SIGCHLD, and an
//! exit can hang up a whole orphaned group. The table records these in
//! order; the glue takes them one at a time and carries each out (which
//! may record more):
//!
//! ```text
//! while let Some(e) = fx.pop() {
//!     match e {
//!         Effect::Deliver(slot) => /* procs.next_delivery(slot, &mut fx) */,
//!         Effect::Resume(slot) => /* resume the thread */,
//!         Effect::WakeWaiter { parent, pid, status } => /* answer the saved wait */,
//!     }
//! }
//! ```
extern crate alloc;
use alloc::collections::VecDeque;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Effect {
    /// The process in this slot has a signal it can take now: ask
    /// [`ProcTable::next_delivery`](crate::proctab::ProcTable::next_delivery)
    /// what to do (it may be nothing any more by then).
    Deliver(usize),
    /// The process in this slot was stopped and continues: resume it.
    Resume(usize),
    /// The parent in `parent` waits and a child has something to report:
    /// answer its saved `wait` with (pid, status). A reaped child is gone
    /// from the table already.
    WakeWaiter { parent: usize, pid: u32, status: u64 },
}

/// Effects in the order they arose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects(VecDeque<Effect>);

impl Effects {
    pub fn new() -> Effects {
        Effects(VecDeque::new())
    }
    pub fn push(&mut self, e: Effect) {
        self.0.push_back(e);
    }
    /// The oldest effect not yet carried out.
    pub fn pop(&mut self) -> Option<Effect> {
        self.0.pop_front()
    }
    /// Adds `other`'s effects after these (an exit's, say).
    pub fn append(&mut self, mut other: Effects) {
        self.0.append(&mut other.0);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Effect> {
        self.0.iter()
    }
}
