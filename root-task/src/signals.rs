// SPDX-License-Identifier: BSD-2-Clause
//! One process's signals (POSIX): actions, the blocked and pending sets,
//! the information each pending signal carries, the alternate stack, and
//! the decision of what a signal does when it is delivered.
//!
//! Pure bookkeeping. The process table ([`crate::proc_signals`]) adds
//! what needs more than one process (permissions, groups, job control,
//! SIGCHLD); the glue carries out the [`Delivery`] decisions.
//!
//! Rules kept here, whatever sequence of calls:
//! * SIGKILL and SIGSTOP are never caught, blocked or ignored: setting
//!   their action is `EINVAL`, and they are removed from every mask
//!   silently (as Linux does, and POSIX allows);
//! * one pending instance per signal: a signal generated while pending is
//!   lost, and the first instance's information is kept;
//! * a signal whose action is to ignore it (SIG_IGN, or SIG_DFL with an
//!   ignoring default) is discarded when generated unless it is blocked,
//!   and setting such an action discards a pending instance;
//! * SIGCONT discards pending stop signals, and a stop signal discards a
//!   pending SIGCONT (at generation, whatever the actions and masks).
use crate::handed::Handed;
use minix_abi::errno::{Errno, EINVAL, ENOMEM, EPERM};
use minix_abi::signal::{
    AltStackChange, Handler, MaskHow, SaFlags, SigAction, SigInfo, SigSet, Signal, MINSIGSTKSZ, NSIG, SIGABRT, SIGBUS, SIGCHLD, SIGCONT,
    SIGFPE, SIGILL, SIGKILL, SIGQUIT, SIGSEGV, SIGSTOP, SIGSYS, SIGTRAP, SIGURG, SIGWINCH, SIGXCPU, SIGXFSZ, SS_DISABLE, SS_ONSTACK,
    STOP_SIGNALS, UNCATCHABLE,
};

const SIGNALS: usize = NSIG as usize - 1;

/// What SIG_DFL does with a signal (POSIX's table, Linux's choices).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum DefaultAction {
    Terminate,
    /// Terminate "with a core dump": PM writes no core file, but the wait
    /// status says so (`0x80`).
    Core,
    Ignore,
    Stop,
    Continue,
}

pub fn default_action(sig: Signal) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => DefaultAction::Core,
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        _ if STOP_SIGNALS.contains(sig) => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// The signals a fault raises: delivered before any other (Linux's
/// order), so that a handler sees the fault that just happened.
const SYNCHRONOUS: SigSet = SigSet::EMPTY.with(SIGSEGV).with(SIGBUS).with(SIGILL).with(SIGTRAP).with(SIGFPE).with(SIGSYS);

/// An alternate signal stack: `[sp, sp + size)`, below 4 GiB.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct AltStack {
    pub sp: u32,
    pub size: u32,
}

impl AltStack {
    /// Whether a thread whose stack pointer is `sp` runs on this stack.
    /// Stacks grow down, so its top (`sp + size`) is in and its base is
    /// not (Linux's `on_sig_stack`).
    pub fn holds(&self, sp: u64) -> bool {
        sp > self.sp as u64 && sp - self.sp as u64 <= self.size as u64
    }
    pub fn top(&self) -> u64 {
        self.sp as u64 + self.size as u64
    }
}

/// The alternate stack as SIGALTSTACK answers it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct AltStackState {
    /// `SS_ONSTACK`, `SS_DISABLE` or 0.
    pub flags: u64,
    pub sp: u32,
    pub size: u32,
}

/// The process's state as far as delivery cares.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct DeliveryContext {
    /// Stopped by a signal: only SIGKILL is delivered until it continues.
    pub stopped: bool,
    /// Its process group is orphaned: SIGTSTP, SIGTTIN and SIGTTOU do not
    /// stop it (POSIX), their default action is then to do nothing.
    pub orphaned_group: bool,
}

/// What PM must do with the next signal it delivers.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Delivery {
    /// The signal has been taken and needs nothing more.
    Ignore(Signal),
    /// End the process; wait status [`Delivery::wait_status`].
    Terminate { sig: Signal, core: bool },
    /// Stop the process until a SIGCONT.
    Stop { sig: Signal },
    /// Start a handler (see [`crate::handler_frame`]).
    RunHandler(HandlerRun),
}

impl Delivery {
    /// The wait status of a `Terminate`; 0 for anything else.
    pub fn wait_status(&self) -> u64 {
        match *self {
            Delivery::Terminate { sig, core: false } => minix_abi::pm::signal_status(sig.number() as u64),
            Delivery::Terminate { sig, core: true } => minix_abi::pm::core_status(sig.number() as u64),
            _ => 0,
        }
    }
}

/// A handler to start. The blocked set is already `mask_during`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct HandlerRun {
    pub sig: Signal,
    pub entry: u32,
    pub restorer: u32,
    /// The action's flags, as they were before `SA_RESETHAND` reset it.
    pub flags: SaFlags,
    pub info: SigInfo,
    /// Blocked while the handler runs: the mask before, the action's
    /// mask, and the signal itself unless `SA_NODEFER`.
    pub mask_during: SigSet,
    /// The mask SIGRETURN restores (the frame keeps it): the one before
    /// the handler, or the one a SIGSUSPEND replaced.
    pub restore_mask: SigSet,
    /// Run on this alternate stack (`SA_ONSTACK` and a stack set up),
    /// unless the thread already runs on it.
    pub altstack: Option<AltStack>,
    /// The handler ends a SIGSUSPEND: that call answers `EINTR`.
    pub ends_suspend: bool,
}

/// How a call the handler interrupted ends.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum CallEnd {
    /// Made again once the handler returns (`SA_RESTART`).
    Restart,
    /// Answered `EINTR`.
    Eintr,
}

impl HandlerRun {
    /// A blocking call the handler interrupts restarts with `SA_RESTART`
    /// if it is `restartable`, and fails with `EINTR` otherwise. Calls
    /// that wait for a signal (SIGSUSPEND) are never restartable.
    pub fn call_end(&self, restartable: bool) -> CallEnd {
        if restartable && self.flags.contains(SaFlags::RESTART) && !self.ends_suspend {
            CallEnd::Restart
        } else {
            CallEnd::Eintr
        }
    }
}

/// What generating a signal did.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Posted {
    /// It is pending now (not discarded).
    pub pending: bool,
    /// It is SIGCONT: a stopped process continues, whatever SIGCONT's
    /// action and whether it is blocked.
    pub continues: bool,
}

/// One process's signal state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigState {
    actions: [SigAction; SIGNALS],
    blocked: SigSet,
    pending: SigSet,
    info: [SigInfo; SIGNALS],
    altstack: Option<AltStack>,
    /// The mask a SIGSUSPEND replaced, until a handler ends the call.
    suspended: Option<SigSet>,
    /// Handlers handed to the process's runtime and not yet returned
    /// from ([`crate::handed`]): its memory holds their frames, so a fork
    /// copies them and an exec drops them.
    handed: Handed,
    /// init: a signal whose action is SIG_DFL is discarded (Linux's rule
    /// for pid 1; here the first user process, which runs the tests and
    /// whose end stops the system). Faults still kill it.
    unkillable: bool,
}

impl Default for SigState {
    fn default() -> SigState {
        SigState::new()
    }
}

impl SigState {
    /// Every action SIG_DFL, nothing blocked or pending.
    pub const fn new() -> SigState {
        SigState {
            actions: [SigAction { handler: Handler::Default, flags: SaFlags::EMPTY, mask: SigSet::EMPTY }; SIGNALS],
            blocked: SigSet::EMPTY,
            pending: SigSet::EMPTY,
            info: [SigInfo { code: 0, pid: 0, uid: 0, addr: 0, status: 0 }; SIGNALS],
            altstack: None,
            suspended: None,
            handed: Handed::new(),
            unkillable: false,
        }
    }

    /// init's state: see [`SigState`]'s `unkillable`.
    pub fn new_unkillable() -> SigState {
        SigState { unkillable: true, ..SigState::new() }
    }

    /// A forked child's: the actions, the mask and the alternate stack
    /// are inherited, nothing is pending (POSIX `fork`).
    pub fn fork(&self) -> SigState {
        SigState { pending: SigSet::EMPTY, suspended: None, unkillable: false, ..self.clone() }
    }

    /// After `exec`: caught signals go back to SIG_DFL, ignored ones stay
    /// ignored, every action's flags and mask are cleared (the old
    /// handlers' masks meant nothing to the new image), the alternate
    /// stack and the handed-over handlers are gone; the mask and the
    /// pending signals stay (POSIX).
    pub fn exec(&mut self) {
        for a in self.actions.iter_mut() {
            if matches!(a.handler, Handler::Catch { .. }) {
                a.handler = Handler::Default;
            }
            a.flags = SaFlags::EMPTY;
            a.mask = SigSet::EMPTY;
        }
        self.altstack = None;
        self.suspended = None;
        self.handed = Handed::new();
    }

    pub fn action(&self, sig: Signal) -> SigAction {
        self.actions[sig.index()]
    }
    pub fn blocked(&self) -> SigSet {
        self.blocked
    }
    pub fn pending(&self) -> SigSet {
        self.pending
    }
    /// The information of a pending signal.
    pub fn info(&self, sig: Signal) -> Option<SigInfo> {
        self.pending.contains(sig).then(|| self.info[sig.index()])
    }
    pub fn altstack(&self) -> Option<AltStack> {
        self.altstack
    }
    /// The handlers handed to the process's runtime.
    pub fn handed(&self) -> &Handed {
        &self.handed
    }
    pub fn handed_mut(&mut self) -> &mut Handed {
        &mut self.handed
    }
    /// In a SIGSUSPEND that no handler has ended yet.
    pub fn in_suspend(&self) -> bool {
        self.suspended.is_some()
    }

    /// Whether delivering `sig` now would do nothing at all.
    fn ignores(&self, sig: Signal) -> bool {
        match self.actions[sig.index()].handler {
            Handler::Ignore => true,
            Handler::Catch { .. } => false,
            Handler::Default => matches!(default_action(sig), DefaultAction::Ignore | DefaultAction::Continue),
        }
    }

    /// `sigaction`: sets `sig`'s action if `new` is given and returns the
    /// old one. `EINVAL` for setting SIGKILL's or SIGSTOP's (asking is
    /// fine). SIGKILL and SIGSTOP never enter the action's mask.
    pub fn sigaction(&mut self, sig: Signal, new: Option<SigAction>) -> Result<SigAction, Errno> {
        let old = self.actions[sig.index()];
        if let Some(mut a) = new {
            if UNCATCHABLE.contains(sig) {
                return Err(EINVAL);
            }
            a.mask = a.mask.minus(UNCATCHABLE);
            self.actions[sig.index()] = a;
            // POSIX: an action that ignores discards a pending instance,
            // blocked or not.
            if self.ignores(sig) {
                self.pending = self.pending.without(sig);
            }
        }
        Ok(old)
    }

    /// `sigprocmask`: changes the blocked set, returns the old one.
    pub fn sigprocmask(&mut self, how: MaskHow, set: SigSet) -> SigSet {
        let old = self.blocked;
        let new = match how {
            MaskHow::Block => old.union(set),
            MaskHow::Unblock => old.minus(set),
            MaskHow::SetMask => set,
        };
        self.blocked = new.minus(UNCATCHABLE);
        old
    }

    /// `sigpending`: the pending signals that are blocked (the others are
    /// delivered before the call returns).
    pub fn sigpending(&self) -> SigSet {
        self.pending.intersect(self.blocked)
    }

    /// `sigsuspend`: waits with `mask` blocked; the old mask comes back
    /// when the handler that ends the wait returns.
    pub fn suspend(&mut self, mask: SigSet) {
        self.suspended.get_or_insert(self.blocked);
        self.blocked = mask.minus(UNCATCHABLE);
    }

    /// SIGRETURN: the mask the frame saved (never blocking SIGKILL or
    /// SIGSTOP, whatever the frame says).
    pub fn sigreturn(&mut self, mask: SigSet) {
        self.blocked = mask.minus(UNCATCHABLE);
    }

    /// `sigaltstack`: changes the alternate stack if `change` is given and
    /// returns the old state. `sp` is the caller's stack pointer: a thread
    /// running on its alternate stack may not change it (`EPERM`); a stack
    /// under [`MINSIGSTKSZ`] is `ENOMEM`.
    pub fn sigaltstack(&mut self, change: Option<AltStackChange>, sp: u64) -> Result<AltStackState, Errno> {
        let on = self.altstack.is_some_and(|a| a.holds(sp));
        let old = match self.altstack {
            None => AltStackState { flags: SS_DISABLE, sp: 0, size: 0 },
            Some(a) => AltStackState { flags: if on { SS_ONSTACK } else { 0 }, sp: a.sp, size: a.size },
        };
        match change {
            None => {}
            Some(_) if on => return Err(EPERM),
            Some(AltStackChange::Disable) => self.altstack = None,
            Some(AltStackChange::Enable { size, .. }) if size < MINSIGSTKSZ => return Err(ENOMEM),
            Some(AltStackChange::Enable { sp, size }) => self.altstack = Some(AltStack { sp, size }),
        }
        Ok(old)
    }

    /// Generates `sig` with `info` (see the module notes for what is
    /// discarded).
    pub fn post(&mut self, sig: Signal, info: SigInfo) -> Posted {
        let continues = sig == SIGCONT;
        if continues {
            self.pending = self.pending.minus(STOP_SIGNALS);
        }
        if STOP_SIGNALS.contains(sig) {
            self.pending = self.pending.without(SIGCONT);
        }
        let unkillable = self.unkillable && self.actions[sig.index()].handler == Handler::Default;
        // A blocked signal stays pending even if ignored: its action may
        // change before it is unblocked (Linux keeps it too).
        let discarded = unkillable || (!self.blocked.contains(sig) && self.ignores(sig));
        if discarded {
            return Posted { pending: false, continues };
        }
        if !self.pending.contains(sig) {
            self.pending = self.pending.with(sig);
            self.info[sig.index()] = info;
        }
        Posted { pending: true, continues }
    }

    /// A signal raised by a fault of the process itself (VM): it cannot
    /// be blocked or ignored, since the process could not go on. If it is,
    /// it is unblocked and its action reset to SIG_DFL, so the fault kills
    /// (Linux's `force_sig`). Even init dies of it.
    pub fn force(&mut self, sig: Signal, info: SigInfo) {
        let a = &mut self.actions[sig.index()];
        if self.blocked.contains(sig) || a.handler == Handler::Ignore {
            a.handler = Handler::Default;
            self.blocked = self.blocked.without(sig);
        }
        if !self.pending.contains(sig) {
            self.pending = self.pending.with(sig);
            self.info[sig.index()] = info;
        }
        self.unkillable = false;
    }

    /// The signals that `next` would take now.
    fn ready(&self, stopped: bool) -> SigSet {
        let ready = self.pending.minus(self.blocked);
        if stopped {
            ready.intersect(SigSet::of(SIGKILL))
        } else {
            ready
        }
    }

    /// Whether a signal can be delivered now.
    pub fn has_deliverable(&self, stopped: bool) -> bool {
        !self.ready(stopped).is_empty()
    }

    /// Whether `next` may ask if the process's group is orphaned: only a
    /// SIGTSTP, SIGTTIN or SIGTTOU that could be taken depends on it. The
    /// question looks at the whole process table, so the table asks it
    /// only then.
    pub fn may_need_orphan_check(&self, stopped: bool) -> bool {
        !self.ready(stopped).intersect(STOP_SIGNALS.without(SIGSTOP)).is_empty()
    }

    /// Takes the next deliverable signal and decides what it does: SIGKILL
    /// first, then fault signals, then the lowest number. Starting a
    /// handler changes the blocked set to its `mask_during` and applies
    /// `SA_RESETHAND`. `None` when nothing can be delivered.
    pub fn next(&mut self, ctx: DeliveryContext) -> Option<Delivery> {
        let ready = self.ready(ctx.stopped);
        let sig = if ready.contains(SIGKILL) { SIGKILL } else { ready.intersect(SYNCHRONOUS).lowest().or(ready.lowest())? };
        self.pending = self.pending.without(sig);
        let info = self.info[sig.index()];
        let action = self.actions[sig.index()];
        Some(match action.handler {
            Handler::Ignore => Delivery::Ignore(sig),
            Handler::Default => match default_action(sig) {
                DefaultAction::Terminate => Delivery::Terminate { sig, core: false },
                DefaultAction::Core => Delivery::Terminate { sig, core: true },
                // SIGCONT continued the process when it was generated.
                DefaultAction::Ignore | DefaultAction::Continue => Delivery::Ignore(sig),
                DefaultAction::Stop if ctx.orphaned_group && sig != SIGSTOP => Delivery::Ignore(sig),
                DefaultAction::Stop => Delivery::Stop { sig },
            },
            Handler::Catch { entry, restorer } => {
                let ends_suspend = self.suspended.is_some();
                let restore_mask = self.suspended.take().unwrap_or(self.blocked);
                let mut during = self.blocked.union(action.mask);
                if !action.flags.contains(SaFlags::NODEFER) {
                    during = during.with(sig);
                }
                self.blocked = during.minus(UNCATCHABLE);
                if action.flags.contains(SaFlags::RESETHAND) {
                    self.actions[sig.index()] = SigAction::default();
                }
                let altstack = if action.flags.contains(SaFlags::ONSTACK) { self.altstack } else { None };
                Delivery::RunHandler(HandlerRun {
                    sig,
                    entry,
                    restorer,
                    flags: action.flags,
                    info,
                    mask_during: self.blocked,
                    restore_mask,
                    altstack,
                    ends_suspend,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::signal::{code, SIGALRM, SIGHUP, SIGINT, SIGTERM, SIGTSTP, SIGTTIN, SIGUSR1, SIGUSR2};

    fn catch(flags: SaFlags, mask: SigSet) -> SigAction {
        SigAction { handler: Handler::Catch { entry: 0x40_1000, restorer: 0x40_2000 }, flags, mask }
    }
    fn user(pid: u32) -> SigInfo {
        SigInfo { code: code::SI_USER, pid, ..SigInfo::default() }
    }
    const RUNNING: DeliveryContext = DeliveryContext { stopped: false, orphaned_group: false };

    #[test]
    fn default_actions() {
        assert_eq!(default_action(SIGKILL), DefaultAction::Terminate);
        assert_eq!(default_action(SIGSEGV), DefaultAction::Core);
        assert_eq!(default_action(SIGQUIT), DefaultAction::Core);
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGWINCH), DefaultAction::Ignore);
        assert_eq!(default_action(SIGURG), DefaultAction::Ignore);
        assert_eq!(default_action(SIGCONT), DefaultAction::Continue);
        for s in [SIGSTOP, SIGTSTP, SIGTTIN, minix_abi::signal::SIGTTOU] {
            assert_eq!(default_action(s), DefaultAction::Stop);
        }
        for s in [SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGALRM, minix_abi::signal::SIGPIPE] {
            assert_eq!(default_action(s), DefaultAction::Terminate);
        }
    }

    #[test]
    fn kill_and_stop_cannot_be_caught_blocked_or_ignored() {
        let mut s = SigState::new();
        for sig in [SIGKILL, SIGSTOP] {
            assert_eq!(s.sigaction(sig, Some(SigAction { handler: Handler::Ignore, ..SigAction::default() })), Err(EINVAL));
            assert_eq!(s.sigaction(sig, Some(catch(SaFlags::EMPTY, SigSet::EMPTY))), Err(EINVAL));
            assert_eq!(s.sigaction(sig, None), Ok(SigAction::default()));
        }
        s.sigprocmask(MaskHow::SetMask, SigSet::FULL);
        assert_eq!(s.blocked(), SigSet::FULL.minus(UNCATCHABLE));
        s.suspend(SigSet::FULL);
        assert_eq!(s.blocked(), SigSet::FULL.minus(UNCATCHABLE));
        s.sigreturn(SigSet::FULL);
        assert_eq!(s.blocked(), SigSet::FULL.minus(UNCATCHABLE));
        // And an action's mask never holds them.
        s.sigaction(SIGUSR1, Some(catch(SaFlags::EMPTY, SigSet::FULL))).unwrap();
        assert_eq!(s.action(SIGUSR1).mask, SigSet::FULL.minus(UNCATCHABLE));
        assert!(s.post(SIGKILL, user(1)).pending);
        assert_eq!(s.next(RUNNING), Some(Delivery::Terminate { sig: SIGKILL, core: false }));
    }

    #[test]
    fn ignored_signals_are_discarded() {
        let mut s = SigState::new();
        // SIG_DFL with an ignoring default, and SIG_IGN.
        assert!(!s.post(SIGCHLD, user(2)).pending);
        s.sigaction(SIGTERM, Some(SigAction { handler: Handler::Ignore, ..SigAction::default() })).unwrap();
        assert!(!s.post(SIGTERM, user(2)).pending);
        // Blocked, an ignored signal stays pending...
        s.sigprocmask(MaskHow::Block, SigSet::of(SIGTERM).with(SIGUSR1));
        assert!(s.post(SIGTERM, user(2)).pending);
        // ...and setting SIG_IGN (or an ignoring SIG_DFL) discards a pending one.
        assert!(s.post(SIGUSR1, user(2)).pending);
        s.sigaction(SIGUSR1, Some(SigAction { handler: Handler::Ignore, ..SigAction::default() })).unwrap();
        assert_eq!(s.pending(), SigSet::of(SIGTERM));
        s.sigprocmask(MaskHow::Block, SigSet::of(SIGCHLD));
        assert!(s.post(SIGCHLD, user(2)).pending);
        s.sigaction(SIGCHLD, Some(SigAction::default())).unwrap();
        assert!(!s.pending().contains(SIGCHLD));
        // Unblocked, the pending ignored one is taken and does nothing.
        s.sigprocmask(MaskHow::SetMask, SigSet::EMPTY);
        assert_eq!(s.next(RUNNING), Some(Delivery::Ignore(SIGTERM)));
        assert_eq!(s.next(RUNNING), None);
    }

    #[test]
    fn one_instance_per_signal_first_info_kept() {
        let mut s = SigState::new();
        s.sigprocmask(MaskHow::Block, SigSet::of(SIGUSR1));
        s.post(SIGUSR1, user(10));
        s.post(SIGUSR1, user(11));
        assert_eq!(s.info(SIGUSR1), Some(user(10)));
        assert_eq!(s.sigpending(), SigSet::of(SIGUSR1));
        s.sigprocmask(MaskHow::Unblock, SigSet::of(SIGUSR1));
        assert_eq!(s.next(RUNNING), Some(Delivery::Terminate { sig: SIGUSR1, core: false }));
        assert_eq!(s.next(RUNNING), None);
    }

    #[test]
    fn sigcont_and_stop_signals_cancel_each_other() {
        let mut s = SigState::new();
        s.sigprocmask(MaskHow::Block, SigSet::FULL);
        s.post(SIGTSTP, user(1));
        s.post(SIGTTIN, user(1));
        s.post(SIGSTOP, user(1));
        let p = s.post(SIGCONT, user(1));
        assert!(p.continues && p.pending);
        assert_eq!(s.pending(), SigSet::of(SIGCONT));
        s.post(SIGTSTP, user(1));
        assert_eq!(s.pending(), SigSet::of(SIGTSTP));
        // SIGCONT continues even when ignored (it is then not pending).
        s.sigaction(SIGCONT, Some(SigAction { handler: Handler::Ignore, ..SigAction::default() })).unwrap();
        s.sigprocmask(MaskHow::SetMask, SigSet::EMPTY);
        assert_eq!(s.post(SIGCONT, user(1)), Posted { pending: false, continues: true });
        assert_eq!(s.pending(), SigSet::EMPTY);
    }

    #[test]
    fn stopped_processes_take_only_sigkill() {
        let mut s = SigState::new();
        s.post(SIGTERM, user(1));
        let stopped = DeliveryContext { stopped: true, orphaned_group: false };
        assert!(!s.has_deliverable(true));
        assert_eq!(s.next(stopped), None);
        s.post(SIGKILL, user(1));
        assert_eq!(s.next(stopped), Some(Delivery::Terminate { sig: SIGKILL, core: false }));
        assert_eq!(s.next(RUNNING), Some(Delivery::Terminate { sig: SIGTERM, core: false }));
    }

    #[test]
    fn stop_signals_in_an_orphaned_group() {
        let mut s = SigState::new();
        let orphaned = DeliveryContext { stopped: false, orphaned_group: true };
        s.post(SIGTSTP, user(1));
        assert_eq!(s.next(orphaned), Some(Delivery::Ignore(SIGTSTP)));
        s.post(SIGSTOP, user(1));
        assert_eq!(s.next(orphaned), Some(Delivery::Stop { sig: SIGSTOP }));
        s.post(SIGTTIN, user(1));
        assert_eq!(s.next(RUNNING), Some(Delivery::Stop { sig: SIGTTIN }));
    }

    #[test]
    fn only_job_control_stops_need_the_orphan_question() {
        let mut s = SigState::new();
        s.post(SIGTERM, user(1));
        s.post(SIGSTOP, user(1));
        assert!(!s.may_need_orphan_check(false));
        s.sigprocmask(MaskHow::Block, SigSet::of(SIGTTIN));
        s.post(SIGTTIN, user(1));
        assert!(!s.may_need_orphan_check(false), "blocked");
        s.sigprocmask(MaskHow::SetMask, SigSet::EMPTY);
        assert!(s.may_need_orphan_check(false));
        assert!(!s.may_need_orphan_check(true), "stopped: only SIGKILL");
    }

    #[test]
    fn delivery_order_kill_then_faults_then_lowest() {
        let mut s = SigState::new();
        s.sigprocmask(MaskHow::Block, SigSet::FULL);
        for sig in [SIGTERM, SIGHUP, SIGSEGV, SIGKILL] {
            s.post(sig, user(1));
        }
        s.sigprocmask(MaskHow::SetMask, SigSet::EMPTY);
        let order: Vec<Signal> = core::iter::from_fn(|| s.next(RUNNING))
            .map(|d| match d {
                Delivery::Terminate { sig, .. } => sig,
                other => panic!("{:?}", other),
            })
            .collect();
        assert_eq!(order, [SIGKILL, SIGSEGV, SIGHUP, SIGTERM]);
    }

    #[test]
    fn handler_masks_and_flags() {
        let mut s = SigState::new();
        s.sigprocmask(MaskHow::SetMask, SigSet::of(SIGUSR2));
        s.sigaction(SIGUSR1, Some(catch(SaFlags::RESTART, SigSet::of(SIGINT)))).unwrap();
        s.post(SIGUSR1, user(5));
        let Some(Delivery::RunHandler(run)) = s.next(RUNNING) else { panic!() };
        assert_eq!(run.mask_during, SigSet::of(SIGUSR2).with(SIGINT).with(SIGUSR1));
        assert_eq!(run.restore_mask, SigSet::of(SIGUSR2));
        assert_eq!(s.blocked(), run.mask_during);
        assert_eq!((run.entry, run.restorer, run.info), (0x40_1000, 0x40_2000, user(5)));
        assert_eq!(run.call_end(true), CallEnd::Restart);
        assert_eq!(run.call_end(false), CallEnd::Eintr);
        // A second SIGUSR1 waits for the handler to return.
        s.post(SIGUSR1, user(6));
        assert_eq!(s.next(RUNNING), None);
        s.sigreturn(run.restore_mask);
        assert!(matches!(s.next(RUNNING), Some(Delivery::RunHandler(_))));
        assert_eq!(s.action(SIGUSR1).handler, Handler::Catch { entry: 0x40_1000, restorer: 0x40_2000 });

        // NODEFER leaves the signal unblocked; RESETHAND resets the action.
        let mut s = SigState::new();
        s.sigaction(SIGUSR1, Some(catch(SaFlags::NODEFER.with(SaFlags::RESETHAND), SigSet::EMPTY))).unwrap();
        s.post(SIGUSR1, user(5));
        let Some(Delivery::RunHandler(run)) = s.next(RUNNING) else { panic!() };
        assert_eq!(run.mask_during, SigSet::EMPTY);
        assert_eq!(run.call_end(true), CallEnd::Eintr);
        assert_eq!(s.action(SIGUSR1), SigAction::default());
        s.post(SIGUSR1, user(5));
        assert_eq!(s.next(RUNNING), Some(Delivery::Terminate { sig: SIGUSR1, core: false }));
    }

    #[test]
    fn suspend_restores_the_old_mask_through_the_frame() {
        let mut s = SigState::new();
        s.sigaction(SIGALRM, Some(catch(SaFlags::RESTART, SigSet::EMPTY))).unwrap();
        s.sigprocmask(MaskHow::SetMask, SigSet::of(SIGALRM).with(SIGINT));
        s.post(SIGALRM, SigInfo { code: code::SI_KERNEL, ..SigInfo::default() });
        assert_eq!(s.next(RUNNING), None);
        s.suspend(SigSet::of(SIGINT));
        assert!(s.in_suspend());
        let Some(Delivery::RunHandler(run)) = s.next(RUNNING) else { panic!() };
        assert!(run.ends_suspend && !s.in_suspend());
        assert_eq!(run.restore_mask, SigSet::of(SIGALRM).with(SIGINT));
        assert_eq!(run.mask_during, SigSet::of(SIGINT).with(SIGALRM));
        // sigsuspend never restarts.
        assert_eq!(run.call_end(true), CallEnd::Eintr);
        s.sigreturn(run.restore_mask);
        assert_eq!(s.blocked(), SigSet::of(SIGALRM).with(SIGINT));
    }

    #[test]
    fn altstack_rules() {
        let mut s = SigState::new();
        assert_eq!(s.sigaltstack(None, 0x8000).unwrap().flags, SS_DISABLE);
        assert_eq!(s.sigaltstack(Some(AltStackChange::Enable { sp: 0x1000, size: 100 }), 0x8000), Err(ENOMEM));
        s.sigaltstack(Some(AltStackChange::Enable { sp: 0x1000, size: 0x1000 }), 0x8000).unwrap();
        assert_eq!(s.sigaltstack(None, 0x8000), Ok(AltStackState { flags: 0, sp: 0x1000, size: 0x1000 }));
        // On the stack: its top is in, its base is not.
        assert_eq!(s.sigaltstack(None, 0x2000).unwrap().flags, SS_ONSTACK);
        assert_eq!(s.sigaltstack(None, 0x1000).unwrap().flags, 0);
        assert_eq!(s.sigaltstack(Some(AltStackChange::Disable), 0x1800), Err(EPERM));
        s.sigaction(SIGSEGV, Some(catch(SaFlags::ONSTACK, SigSet::EMPTY))).unwrap();
        s.force(SIGSEGV, SigInfo::default());
        let Some(Delivery::RunHandler(run)) = s.next(RUNNING) else { panic!() };
        assert_eq!(run.altstack, Some(AltStack { sp: 0x1000, size: 0x1000 }));
        s.sigaltstack(Some(AltStackChange::Disable), 0x8000).unwrap();
        assert_eq!(s.sigaltstack(None, 0x8000).unwrap(), AltStackState { flags: SS_DISABLE, sp: 0, size: 0 });
    }

    #[test]
    fn fork_and_exec() {
        let mut s = SigState::new();
        s.sigaction(SIGUSR1, Some(catch(SaFlags::RESTART, SigSet::of(SIGINT)))).unwrap();
        s.sigaction(SIGINT, Some(SigAction { handler: Handler::Ignore, flags: SaFlags::RESTART, mask: SigSet::EMPTY })).unwrap();
        s.sigaltstack(Some(AltStackChange::Enable { sp: 0x1000, size: 0x1000 }), 0).unwrap();
        s.sigprocmask(MaskHow::Block, SigSet::of(SIGTERM));
        s.post(SIGTERM, user(1));
        let child = s.fork();
        assert_eq!(child.pending(), SigSet::EMPTY);
        assert_eq!(child.blocked(), s.blocked());
        assert_eq!(child.action(SIGUSR1), s.action(SIGUSR1));
        assert_eq!(child.altstack(), s.altstack());
        s.exec();
        assert_eq!(s.action(SIGUSR1), SigAction::default());
        assert_eq!(s.action(SIGINT).handler, Handler::Ignore);
        assert_eq!(s.blocked(), SigSet::of(SIGTERM));
        assert_eq!(s.pending(), SigSet::of(SIGTERM));
        assert_eq!(s.altstack(), None);
    }

    #[test]
    fn faults_cannot_be_blocked_or_ignored() {
        let mut s = SigState::new_unkillable();
        s.sigaction(SIGSEGV, Some(SigAction { handler: Handler::Ignore, ..SigAction::default() })).unwrap();
        s.sigprocmask(MaskHow::Block, SigSet::of(SIGBUS));
        s.force(SIGSEGV, SigInfo { code: code::SEGV_MAPERR, addr: 0x10, ..SigInfo::default() });
        assert_eq!(s.next(RUNNING), Some(Delivery::Terminate { sig: SIGSEGV, core: true }));
        s.force(SIGBUS, SigInfo::default());
        assert!(!s.blocked().contains(SIGBUS));
        assert_eq!(s.next(RUNNING).map(|d| d.wait_status()), Some(0x80 | 7));
    }

    #[test]
    fn init_is_spared_default_actions() {
        let mut s = SigState::new_unkillable();
        assert!(!s.post(SIGKILL, user(9)).pending);
        assert!(!s.post(SIGTERM, user(9)).pending);
        s.sigaction(SIGTERM, Some(catch(SaFlags::EMPTY, SigSet::EMPTY))).unwrap();
        assert!(s.post(SIGTERM, user(9)).pending);
        let mut child = s.fork();
        assert!(child.post(SIGKILL, user(9)).pending);
    }
}
