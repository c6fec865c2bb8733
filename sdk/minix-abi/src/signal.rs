// SPDX-License-Identifier: BSD-2-Clause
//! Signals as the PM calls carry them: numbers, sets, actions, the
//! information a handler gets, and alternate stacks.
//!
//! **Numbers are Linux's (x86_64)**, so that the C library the
//! personality will run needs no translation: SIGHUP 1 … SIGSYS 31.
//! There are no real-time signals. MINIX numbers a few differently
//! (its SIGBUS is 10); we do not.
//!
//! **Every value fits 32 bits**, so the protocol is the same on a 32-bit
//! port: a signal set is a `u32` whose bit `n - 1` stands for signal `n`
//! (the low word of Linux's `sigset_t`; bit 31 would be signal 32, which
//! does not exist, and a word with it set is `EINVAL`), and handler
//! addresses, restorers and alternate stacks lie below 4 GiB (all user
//! addresses do, see the address layout in docs/ARCHITECTURE.md).
use crate::errno::{Errno, EINVAL};
use crate::word::u32_of;

/// A signal number, always 1..=31.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct Signal(u8);

/// Signals are numbered 1..NSIG.
pub const NSIG: u32 = 32;

macro_rules! signals {
    ($($name:ident = $n:expr;)*) => {
        $(pub const $name: Signal = Signal($n);)*

        impl Signal {
            /// The symbolic name, for logs and test output.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($n => stringify!($name),)*
                    _ => "SIG?",
                }
            }
        }
    };
}

signals! {
    SIGHUP = 1; SIGINT = 2; SIGQUIT = 3; SIGILL = 4; SIGTRAP = 5; SIGABRT = 6; SIGBUS = 7; SIGFPE = 8;
    SIGKILL = 9; SIGUSR1 = 10; SIGSEGV = 11; SIGUSR2 = 12; SIGPIPE = 13; SIGALRM = 14; SIGTERM = 15;
    SIGSTKFLT = 16; SIGCHLD = 17; SIGCONT = 18; SIGSTOP = 19; SIGTSTP = 20; SIGTTIN = 21; SIGTTOU = 22;
    SIGURG = 23; SIGXCPU = 24; SIGXFSZ = 25; SIGVTALRM = 26; SIGPROF = 27; SIGWINCH = 28; SIGIO = 29;
    SIGPWR = 30; SIGSYS = 31;
}

impl Signal {
    /// The signal numbered `n`, if there is one (1..=31).
    pub const fn new(n: u32) -> Option<Signal> {
        if n >= 1 && n < NSIG {
            Some(Signal(n as u8))
        } else {
            None
        }
    }
    pub const fn number(self) -> u32 {
        self.0 as u32
    }
    /// Its bit in a [`SigSet`].
    pub const fn bit(self) -> u32 {
        1 << (self.0 - 1)
    }
    /// Its index in a per-signal table (0..31).
    pub const fn index(self) -> usize {
        self.0 as usize - 1
    }
    /// Every signal, lowest first.
    pub fn all() -> impl Iterator<Item = Signal> {
        (1..NSIG as u8).map(Signal)
    }
}

/// A signal number word: 0 (no signal: only check that the target exists
/// and may be signalled) or a signal.
pub fn signal_or_zero_of(w: u64) -> Result<Option<Signal>, Errno> {
    match w {
        0 => Ok(None),
        n => Signal::new(u32_of(n)?).map(Some).ok_or(EINVAL),
    }
}

/// A signal number word that must name a signal.
pub fn signal_of(w: u64) -> Result<Signal, Errno> {
    signal_or_zero_of(w)?.ok_or(EINVAL)
}

/// A set of signals: bit `n - 1` for signal `n`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct SigSet(u32);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);
    /// Every signal.
    pub const FULL: SigSet = SigSet((1 << (NSIG - 1)) - 1);

    /// The set with these bits; `None` if bit 31 (no signal) is set.
    pub const fn from_bits(bits: u32) -> Option<SigSet> {
        if bits & !SigSet::FULL.0 != 0 {
            None
        } else {
            Some(SigSet(bits))
        }
    }
    /// A set from a message word: `EINVAL` for any bit that is no signal.
    pub fn from_word(w: u64) -> Result<SigSet, Errno> {
        SigSet::from_bits(u32_of(w)?).ok_or(EINVAL)
    }
    pub const fn bits(self) -> u32 {
        self.0
    }
    pub const fn of(sig: Signal) -> SigSet {
        SigSet(sig.bit())
    }
    pub const fn contains(self, sig: Signal) -> bool {
        self.0 & sig.bit() != 0
    }
    pub const fn with(self, sig: Signal) -> SigSet {
        SigSet(self.0 | sig.bit())
    }
    pub const fn without(self, sig: Signal) -> SigSet {
        SigSet(self.0 & !sig.bit())
    }
    pub const fn union(self, other: SigSet) -> SigSet {
        SigSet(self.0 | other.0)
    }
    pub const fn intersect(self, other: SigSet) -> SigSet {
        SigSet(self.0 & other.0)
    }
    /// The signals of `self` not in `other`.
    pub const fn minus(self, other: SigSet) -> SigSet {
        SigSet(self.0 & !other.0)
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The lowest-numbered signal in the set.
    pub const fn lowest(self) -> Option<Signal> {
        if self.0 == 0 {
            None
        } else {
            Some(Signal(self.0.trailing_zeros() as u8 + 1))
        }
    }
    /// The signals in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::all().filter(move |s| self.contains(*s))
    }
}

/// The signals no process can catch, block or ignore.
pub const UNCATCHABLE: SigSet = SigSet(SIGKILL.bit() | SIGSTOP.bit());
/// The signals whose default action stops the process.
pub const STOP_SIGNALS: SigSet = SigSet(SIGSTOP.bit() | SIGTSTP.bit() | SIGTTIN.bit() | SIGTTOU.bit());

/// `sigaction` flags in our own compact bit set (not Linux's values, which
/// would not fit 32 bits with their high bits; the C library maps them).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct SaFlags(u8);

impl SaFlags {
    pub const EMPTY: SaFlags = SaFlags(0);
    /// Run the handler on the alternate stack, if one is set up.
    pub const ONSTACK: SaFlags = SaFlags(1);
    /// Restart a call the handler interrupted instead of failing it with
    /// `EINTR`.
    pub const RESTART: SaFlags = SaFlags(2);
    /// Do not block the signal itself while its handler runs.
    pub const NODEFER: SaFlags = SaFlags(4);
    /// Reset the action to `SIG_DFL` when the handler starts.
    pub const RESETHAND: SaFlags = SaFlags(8);
    /// The handler takes (signo, info, context). PM passes all three
    /// anyway; the flag is kept for the C library's `sigaction` answer.
    pub const SIGINFO: SaFlags = SaFlags(16);
    /// For SIGCHLD: no SIGCHLD when a child stops or continues.
    pub const NOCLDSTOP: SaFlags = SaFlags(32);
    /// Every flag.
    pub const ALL: SaFlags = SaFlags(63);

    pub const fn from_bits(bits: u32) -> Option<SaFlags> {
        if bits & !(SaFlags::ALL.0 as u32) != 0 {
            None
        } else {
            Some(SaFlags(bits as u8))
        }
    }
    pub const fn bits(self) -> u32 {
        self.0 as u32
    }
    pub const fn contains(self, f: SaFlags) -> bool {
        self.0 & f.0 == f.0
    }
    pub const fn with(self, f: SaFlags) -> SaFlags {
        SaFlags(self.0 | f.0)
    }
}

/// What a signal does when it is delivered.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub enum Handler {
    /// The signal's default action (`SIG_DFL`, handler word 0).
    #[default]
    Default,
    /// Nothing (`SIG_IGN`, handler word 1).
    Ignore,
    /// Run the function at `entry`; it returns to `restorer`, which must
    /// make the SIGRETURN call (the C library's `__restore_rt`).
    Catch { entry: u32, restorer: u32 },
}

/// The handler word for `SIG_DFL`.
pub const SIG_DFL: u64 = 0;
/// The handler word for `SIG_IGN`.
pub const SIG_IGN: u64 = 1;

impl Handler {
    /// From the handler and restorer words. A restorer goes only with a
    /// catching handler, and a catching handler needs one (a handler with
    /// nowhere to return to could only crash): `EINVAL` otherwise.
    pub fn from_words(handler: u64, restorer: u64) -> Result<Handler, Errno> {
        let (h, r) = (u32_of(handler)?, u32_of(restorer)?);
        match (h as u64, r) {
            (SIG_DFL, 0) => Ok(Handler::Default),
            (SIG_IGN, 0) => Ok(Handler::Ignore),
            (SIG_DFL | SIG_IGN, _) | (_, 0) => Err(EINVAL),
            _ => Ok(Handler::Catch { entry: h, restorer: r }),
        }
    }
    /// (handler word, restorer word).
    pub const fn words(self) -> (u64, u64) {
        match self {
            Handler::Default => (SIG_DFL, 0),
            Handler::Ignore => (SIG_IGN, 0),
            Handler::Catch { entry, restorer } => (entry as u64, restorer as u64),
        }
    }
}

/// A signal's action (`struct sigaction`).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct SigAction {
    pub handler: Handler,
    pub flags: SaFlags,
    /// Blocked in addition while the handler runs.
    pub mask: SigSet,
}

/// How SIGPROCMASK changes the blocked set (Linux's `SIG_BLOCK` 0,
/// `SIG_UNBLOCK` 1, `SIG_SETMASK` 2).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum MaskHow {
    Block = 0,
    Unblock = 1,
    SetMask = 2,
}

impl MaskHow {
    pub fn from_word(w: u64) -> Result<MaskHow, Errno> {
        match w {
            0 => Ok(MaskHow::Block),
            1 => Ok(MaskHow::Unblock),
            2 => Ok(MaskHow::SetMask),
            _ => Err(EINVAL),
        }
    }
}

/// `si_code` values (Linux's).
pub mod code {
    /// Sent by `kill`.
    pub const SI_USER: i32 = 0;
    /// Sent by the system (an alarm, a hang-up of an orphaned group).
    pub const SI_KERNEL: i32 = 0x80;
    pub const ILL_ILLOPC: i32 = 1;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const BUS_ADRERR: i32 = 2;
    /// SIGCHLD: the child exited, was killed, dumped core, stopped or
    /// continued.
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;
    pub const CLD_STOPPED: i32 = 5;
    pub const CLD_CONTINUED: i32 = 6;
}

/// What a handler learns of its signal (the fields of `siginfo_t` we
/// fill). All 32 bits, as on the wire.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct SigInfo {
    /// How it came: one of [`code`].
    pub code: i32,
    /// The sender (`kill`) or the child (SIGCHLD); 0 from the system.
    pub pid: u32,
    /// The sender's real uid.
    pub uid: u32,
    /// The faulting address (SIGSEGV, SIGBUS, SIGILL).
    pub addr: u32,
    /// SIGCHLD: the exit code or the signal.
    pub status: i32,
}

/// `sigaltstack` flags (Linux's values): in a SIGALTSTACK reply,
/// `SS_ONSTACK` says the caller runs on its alternate stack now.
pub const SS_ONSTACK: u64 = 1;
pub const SS_DISABLE: u64 = 2;
/// The smallest alternate stack PM accepts (Linux's `MINSIGSTKSZ`).
pub const MINSIGSTKSZ: u32 = 2048;

/// A change of the alternate signal stack.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum AltStackChange {
    /// Handlers with `SA_ONSTACK` run on `[sp, sp + size)`.
    Enable {
        sp: u32,
        size: u32,
    },
    Disable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_numbers() {
        let want = [(SIGHUP, 1), (SIGILL, 4), (SIGBUS, 7), (SIGKILL, 9), (SIGUSR1, 10), (SIGSEGV, 11), (SIGCHLD, 17), (SIGSTOP, 19)];
        for (s, n) in want {
            assert_eq!(s.number(), n);
        }
        assert_eq!(SIGSYS.number(), 31);
        assert_eq!(Signal::all().count(), 31);
        assert_eq!(SIGPWR.name(), "SIGPWR");
        assert_eq!(Signal::new(0), None);
        assert_eq!(Signal::new(32), None);
    }

    #[test]
    fn sets() {
        assert_eq!(SigSet::FULL.bits(), 0x7fff_ffff);
        assert_eq!(SigSet::from_bits(1 << 31), None);
        assert_eq!(SigSet::from_word(1 << 32), Err(EINVAL));
        let s = SigSet::EMPTY.with(SIGINT).with(SIGTERM);
        assert_eq!(s.bits(), 1 << 1 | 1 << 14);
        assert_eq!(s.lowest(), Some(SIGINT));
        assert_eq!(s.iter().collect::<Vec<_>>(), [SIGINT, SIGTERM]);
        assert!(!s.without(SIGINT).contains(SIGINT));
        assert_eq!(SigSet::FULL.lowest(), Some(SIGHUP));
        assert_eq!(SigSet::of(SIGSYS).lowest(), Some(SIGSYS));
    }

    #[test]
    fn handler_words() {
        assert_eq!(Handler::from_words(0, 0), Ok(Handler::Default));
        assert_eq!(Handler::from_words(1, 0), Ok(Handler::Ignore));
        assert_eq!(Handler::from_words(1, 5), Err(EINVAL));
        assert_eq!(Handler::from_words(0x40_1000, 0), Err(EINVAL));
        assert_eq!(Handler::from_words(1 << 32, 8), Err(EINVAL));
        let h = Handler::from_words(0x40_1000, 0x40_2000).unwrap();
        assert_eq!(h.words(), (0x40_1000, 0x40_2000));
    }

    #[test]
    fn signal_words() {
        assert_eq!(signal_or_zero_of(0), Ok(None));
        assert_eq!(signal_or_zero_of(9), Ok(Some(SIGKILL)));
        assert_eq!(signal_or_zero_of(32), Err(EINVAL));
        assert_eq!(signal_or_zero_of(1 << 32 | 9), Err(EINVAL));
        assert_eq!(signal_of(0), Err(EINVAL));
    }
}
