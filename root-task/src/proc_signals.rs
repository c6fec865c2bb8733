// SPDX-License-Identifier: BSD-2-Clause
//! Signals across the process table: sending one to a process, the
//! per-process signal calls, and the next thing PM must do about a
//! process's signals. Each takes the effects list ([`crate::effects`])
//! the glue works through.
//!
//! How the glue delivers, for each [`Effect::Deliver`](crate::effects::Effect):
//! ask [`ProcTable::next_delivery`] and
//! * `Terminate`: end the process with [`Delivery::wait_status`] (as an
//!   exit, [`ProcTable::exit`]);
//! * `Stop`: the table marks it stopped and tells the parent; the glue
//!   keeps its thread from running (a thread blocked in a call stays
//!   blocked, and its answer waits until it continues);
//! * `RunHandler`: read its registers, ask
//!   [`ProcTable::interrupted_pm_call`] how a PM call it is blocked in
//!   ends, build the frame with [`crate::handler_frame::enter`], write it
//!   and the registers;
//! * and ask again until `None`: one signal's handler runs at a time, but
//!   several may be taken in a row (Linux stacks their frames the same
//!   way).
use crate::effects::{Effect, Effects};
use crate::handed::{Answer, Owed};
use crate::handler_frame::{self, Interrupted, Regs};
use crate::proctab::ProcTable;
use crate::signals::{AltStackState, CallEnd, Delivery, DeliveryContext, HandlerRun};
use minix_abi::errno::{Errno, EINTR, ESRCH};
use minix_abi::message::Reply;
use minix_abi::pm::HandlerDetails;
use minix_abi::sigframe::FRAME_BYTES;
use minix_abi::signal::{AltStackChange, MaskHow, SigAction, SigInfo, SigSet, Signal};

impl ProcTable {
    /// Generates `sig` for the live user process in `slot` (kill, an
    /// alarm, SIGCHLD, a hang-up): a SIGCONT continues it if it was
    /// stopped, and it is told to the glue if it can be taken now.
    /// Servers and zombies get nothing.
    pub fn send(&mut self, slot: usize, sig: Signal, info: SigInfo, fx: &mut Effects) {
        let Some(p) = self.get_mut(slot).filter(|p| p.is_alive() && p.is_user()) else { return };
        let posted = p.sig.post(sig, info);
        if posted.continues {
            self.resume(slot, fx);
        }
        self.note_deliverable(slot, fx);
    }

    /// A fault of the process in `slot` raised `sig` (VM): it is
    /// delivered even if blocked or ignored, then by its default action
    /// ([`crate::signals::SigState::force`]).
    pub fn force(&mut self, slot: usize, sig: Signal, info: SigInfo, fx: &mut Effects) {
        let Some(p) = self.get_mut(slot).filter(|p| p.is_alive() && p.is_user()) else { return };
        p.sig.force(sig, info);
        self.note_deliverable(slot, fx);
    }

    /// Records [`Effect::Deliver`] if the process can take a signal now.
    fn note_deliverable(&self, slot: usize, fx: &mut Effects) {
        if self.get(slot).is_some_and(|p| p.is_alive() && p.sig.has_deliverable(p.job.stopped.is_some())) {
            fx.push(Effect::Deliver(slot));
        }
    }

    /// The next thing PM must do about the signals of the process in
    /// `slot`: signals that do nothing are taken silently, a stop is
    /// recorded (the parent told), and the first that needs the glue is
    /// returned. `None` when nothing can be delivered now.
    pub fn next_delivery(&mut self, slot: usize, fx: &mut Effects) -> Option<Delivery> {
        loop {
            let p = self.get(slot).filter(|p| p.is_alive())?;
            let stopped = p.job.stopped.is_some();
            if !p.sig.has_deliverable(stopped) {
                return None;
            }
            let orphaned_group = p.sig.may_need_orphan_check(stopped) && self.is_orphaned(p.pgid);
            let ctx = DeliveryContext { stopped, orphaned_group };
            match self.get_mut(slot)?.sig.next(ctx)? {
                Delivery::Ignore(_) => continue,
                Delivery::Stop { sig } => {
                    self.stop(slot, sig, fx);
                    return Some(Delivery::Stop { sig });
                }
                d => return Some(d),
            }
        }
    }

    /// How a PM call that the process in `slot` is blocked in ends when
    /// `run` starts: a SIGSUSPEND answers `EINTR`; a `wait` is given up
    /// and restarts with `SA_RESTART`, else answers `EINTR`. `None` if it
    /// is in no PM call (it runs user code, or waits in another server's
    /// call, which the glue handles).
    pub fn interrupted_pm_call(&mut self, slot: usize, run: &HandlerRun) -> Option<Interrupted> {
        let eintr = Interrupted::CompleteCall(Reply::err(EINTR));
        if run.ends_suspend {
            return Some(eintr);
        }
        let p = self.get_mut(slot)?;
        p.waiting.take()?;
        Some(match run.call_end(true) {
            CallEnd::Restart => Interrupted::RestartCall,
            CallEnd::Eintr => eintr,
        })
    }

    /// [`ProcTable::interrupted_pm_call`] for a process that runs its
    /// handlers itself: how its PM call ends once the handlers handed to
    /// it have run.
    pub fn interrupted_pm_call_owed(&mut self, slot: usize, run: &HandlerRun) -> Option<Owed> {
        Some(match self.interrupted_pm_call(slot, run)? {
            Interrupted::CompleteCall(r) => Owed::Answer(r),
            Interrupted::RestartCall | Interrupted::UserCode | Interrupted::AfterCall => Owed::Restart,
        })
    }

    /// Hands `run` to the runtime of the process in `slot`
    /// ([`crate::handed`]); `owed`, if given, is how the call it
    /// interrupts ends, kept beneath it.
    pub fn hand_over(&mut self, slot: usize, run: &HandlerRun, owed: Option<Owed>) {
        let Some(p) = self.get_mut(slot) else { return };
        let h = p.sig.handed_mut();
        if let Some(o) = owed {
            h.interrupt(o);
        }
        h.push(run);
    }

    /// What the process in `slot`, which runs its handlers itself, hears
    /// now: a handed-over handler to start, or the answer kept for the
    /// call they interrupted; `None` if neither is due (its own call's
    /// answer is).
    pub fn handed_answer(&mut self, slot: usize) -> Option<Answer> {
        self.get_mut(slot)?.sig.handed_mut().answer()
    }

    /// `HANDLER_DONE`: the handed-over handler `token` returned. Restores
    /// `mask` (a handler may change the one it was given, as Linux's
    /// `uc_sigmask`) or the one kept, never blocking SIGKILL or SIGSTOP;
    /// signals that unblocks may be delivered at once. `EINVAL` if no
    /// started handler has the token.
    pub fn handler_done(&mut self, slot: usize, token: u8, mask: Option<SigSet>, fx: &mut Effects) -> Result<(), Errno> {
        let p = self.get_mut(slot).ok_or(ESRCH)?;
        let kept = p.sig.handed_mut().done(token)?;
        p.sig.sigreturn(mask.unwrap_or(kept));
        self.note_deliverable(slot, fx);
        Ok(())
    }

    /// `HANDLER_INFO` for the started handler `token`.
    pub fn handler_details(&self, slot: usize, token: u8) -> Result<HandlerDetails, Errno> {
        self.get(slot).ok_or(ESRCH)?.sig.handed().details(token)
    }

    /// `sigaction` by the process in `slot`.
    pub fn sigaction(&mut self, slot: usize, sig: Signal, new: Option<SigAction>) -> Result<SigAction, Errno> {
        self.get_mut(slot).ok_or(ESRCH)?.sig.sigaction(sig, new)
    }

    /// `sigprocmask`; signals it unblocks may be delivered at once.
    pub fn sigprocmask(&mut self, slot: usize, how: MaskHow, set: SigSet, fx: &mut Effects) -> Result<SigSet, Errno> {
        let old = self.get_mut(slot).ok_or(ESRCH)?.sig.sigprocmask(how, set);
        self.note_deliverable(slot, fx);
        Ok(old)
    }

    pub fn sigpending(&self, slot: usize) -> Result<SigSet, Errno> {
        Ok(self.get(slot).ok_or(ESRCH)?.sig.sigpending())
    }

    /// `sigsuspend`: the glue keeps the caller's reply cap and answers
    /// only through the frame of the handler that ends the wait
    /// ([`ProcTable::interrupted_pm_call`]). A signal already pending
    /// under the new mask is delivered at once.
    pub fn sigsuspend(&mut self, slot: usize, mask: SigSet, fx: &mut Effects) -> Result<(), Errno> {
        self.get_mut(slot).ok_or(ESRCH)?.sig.suspend(mask);
        self.note_deliverable(slot, fx);
        Ok(())
    }

    /// `sigaltstack`; `sp` is the caller's stack pointer.
    pub fn sigaltstack(&mut self, slot: usize, change: Option<AltStackChange>, sp: u64) -> Result<AltStackState, Errno> {
        self.get_mut(slot).ok_or(ESRCH)?.sig.sigaltstack(change, sp)
    }

    /// SIGRETURN: `frame` is what the glue read at the address the call
    /// named, `current` the thread's registers now. Restores the frame's
    /// mask and returns the registers to write; signals the mask unblocks
    /// may be delivered at once. An error means the frame is no frame: the
    /// glue forces SIGSEGV.
    pub fn sigreturn(&mut self, slot: usize, frame: &[u8; FRAME_BYTES], current: &Regs, fx: &mut Effects) -> Result<Regs, Errno> {
        let p = self.get_mut(slot).ok_or(ESRCH)?;
        let r = handler_frame::restore(frame, current)?;
        p.sig.sigreturn(r.mask);
        self.note_deliverable(slot, fx);
        Ok(r.regs)
    }
}
