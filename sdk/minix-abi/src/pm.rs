// SPDX-License-Identifier: BSD-2-Clause
//! The process manager's interface (served by the root task).
//!
//! Every word of the calls below fits in 32 bits, as on the 32-bit port:
//! a pid is an `i32` written sign-extended, a signal set a `u32`
//! ([`crate::signal`]), an address below 4 GiB.
//!
//! | call | MR0 | MR1 | MR2 | MR3 | reply |
//! |---|---|---|---|---|---|
//! | `GETPID` 0x101 | | | | | pid; MR1 the parent's pid |
//! | `GETPPID` 0x102 | | | | | the parent's pid |
//! | `EXIT` 0x103 | code (a byte) | | | | none |
//! | `WAIT` 0x104 | pid: -1 any child, 0 the caller's group, < -1 group -pid, > 0 that child | options ⊆ `WNOHANG` 1, `WUNTRACED` 2, `WCONTINUED` 8 | | | pid (0: `WNOHANG` and nothing to report); MR1 the wait status |
//! | `FORK` 0x105 | | | | | the child's pid (0 in the child) |
//! | 0x106 | (SPAWN of a boot image, retired: init and every program come from the file system) | | | | `ENOSYS` |
//! | `GETSYSINFO` 0x107 | | | | | the TSC's frequency in MHz |
//! | `EXEC` 0x108 | the argument block's address ([`crate::exec`]) | its bytes | | | none on success: the new program starts |
//! | `KILL` 0x109 | pid: > 0 that process, 0 the caller's group, -1 every process it may signal, < -1 group -pid | signal 0..=31 (0: only check) | | | 0 |
//! | `SIGACTION` 0x10a | signal (bits 0-7), [`SaFlags`] (bits 8-15), [`SIGACTION_QUERY`] (bit 16) | handler: 0 `SIG_DFL`, 1 `SIG_IGN`, else its address | the handler's mask | restorer (with a handler only, and then required) | 0; MR1 the old handler, MR2 the old mask, MR3 the old flags. A query sends MR0 only |
//! | `SIGPROCMASK` 0x10b | how: 0 block, 1 unblock, 2 set | set | | | the old blocked set |
//! | `SIGPENDING` 0x10c | | | | | the pending blocked signals |
//! | `SIGSUSPEND` 0x10d | the mask to wait with | | | | `EINTR`, once a handler has run (see [`crate::sigframe`]) |
//! | `SIGRETURN` 0x10e | the frame's address | | | | none: the thread goes on with the frame's registers |
//! | `SIGALTSTACK` 0x10f | 0 enable, `SS_DISABLE` 2, [`ALTSTACK_QUERY`] 0x100 | stack base (enable) | size (enable) | | the old state: `SS_ONSTACK` (the caller runs on it) or `SS_DISABLE` or 0; MR1 its base, MR2 its size |
//! | `SETPGID` 0x110 | pid (0 the caller) | pgid (0 the pid) | | | 0 |
//! | `GETPGID` 0x111 | pid (0 the caller: `getpgrp`) | | | | the pgid |
//! | `SETSID` 0x112 | | | | | the new session's id |
//! | `GETSID` 0x113 | pid (0 the caller) | | | | the session id |
//! | `GETUID` 0x114 | | | | | the real uid; MR1 the effective uid |
//! | `GETGID` 0x115 | | | | | the real gid; MR1 the effective gid |
//! | `SETUID` 0x116 | uid (not `u32::MAX`) | | | | 0 |
//! | `SETGID` 0x117 | gid (not `u32::MAX`) | | | | 0 |
//! | `ALARM` 0x118 | seconds (0 cancels) | | | | the seconds left of the alarm it replaces, rounded up |
//! | `TIMES` 0x11b | | | | | the caller's CPU time in microseconds, low 32 bits; MR1 its high 32 bits; MR2 and MR3 the same for its ended children it waited for (theirs and their waited-for children's) |
//! | `SET_TLS` 0x11c | the thread-local storage base (`arch_prctl(ARCH_SET_FS)`): a 32-bit address | | | | 0, once the caller's FS base is that address |
//! | `THREAD_NEW` 0x11d | the new thread's stack pointer | its TLS (FS) base | its clear-tid address (0: none) | its first instruction | the thread's id; the thread starts with `rdi` its id |
//! | `THREAD_EXIT` 0x11e | exit code (the process's, if the caller is its only thread) | | | | none: the thread ends; its clear-tid word is zeroed and a futex waiter on it woken |
//! | `GETTID` 0x11f | | | | | the caller's thread id (a process's first thread: its pid) |
//! | `FUTEX` 0x122 | op ([`futex`]): `WAIT` 0, `WAKE` 1, `REQUEUE` 3 with the number to wake in bits 8 to 31 | address (4-aligned) | WAIT: the value expected; WAKE: how many; REQUEUE: the second address | WAIT: timeout in microseconds ([`futex::FOREVER`]: none); REQUEUE: how many to move | WAIT: 0 (woken), `EAGAIN` (the word differed), `ETIMEDOUT`, `EINTR`; WAKE and REQUEUE: how many were woken |
//! | `HANDLER_DONE` 0x120 | the token of a [`RUN_HANDLER`] reply | the mask to restore (optional: without it, the one PM kept) | | | the answer of the call the handler interrupted, [`RESTART`] or another [`RUN_HANDLER`] |
//! | `HANDLER_INFO` 0x121 | the token of a [`RUN_HANDLER`] reply | | | | the mask to restore; MR1 `si_uid`, MR2 `si_addr`, MR3 `si_status` ([`HandlerDetails`]) |
//! | `SETITIMER` 0x119 | value: seconds | value: microseconds (< 10^6) | interval: seconds | interval: microseconds (< 10^6) | the old timer: status its value's seconds, MR1 its microseconds, MR2 and MR3 its interval |
//! | `GETITIMER` 0x11a | | | | | the timer, as SETITIMER answers |
//! | `SRV_READY` 0x180 | | | | | 0 (servers only) |
//! | `SHUTDOWN` 0x181 | passed | failed | | | none (init only) |
//!
//! **Handlers the caller runs.** A call whose label has [`RUNS_HANDLERS`]
//! set (bit 16, above every call number) says that the caller's runtime
//! runs signal handlers itself. When a signal with a handler is to be
//! delivered to such a caller while PM owes it an answer (a kill of
//! itself, a `sigprocmask` that unblocks a pending signal, a
//! `sigsuspend`, `pause` or `wait` a signal ends), PM does not touch the
//! thread: it answers with label [`RUN_HANDLER`] and a [`HandlerStart`]
//! in four words, and keeps the call's own answer. The runtime runs the
//! handler on its own stack and calls `HANDLER_DONE` with the start's
//! token; the answer to that is what the interrupted call answers
//! (label 0), [`RESTART`] (no words: make the call again, `SA_RESTART`)
//! or another [`RUN_HANDLER`] (a signal the restored mask lets through,
//! or the next of several taken at once: the handler started last runs
//! first, as Linux stacks their frames). `HANDLER_DONE` and
//! `HANDLER_INFO` need no bit: only such a runtime makes them. A caller
//! without the bit has its handlers started through its registers
//! ([`crate::sigframe`]).
//!
//! **Errors.** Unknown call `ENOSYS`; EXEC answers a block it cannot take
//! as the call would (`EFAULT` at or above 4 GiB, `E2BIG` over
//! `exec::BLOCK_MAX`); otherwise too few words (or more than four on a
//! call with arguments) and any word out of its range are `EINVAL`: a
//! signal number above 31, a set with bit 31, a negative pid where only a
//! process can be meant (SETPGID, GETPGID, GETSID), a WAIT pid of
//! `i32::MIN` (no group has that id), a handler or restorer word that is
//! not a 32-bit address, a restorer without a handler or a handler
//! without one, an alternate stack past 4 GiB, a frame past 4 GiB,
//! microseconds of 10^6 or more.
//!
//! **Alarms.** `ALARM`, `SETITIMER` and `GETITIMER` share the one
//! real-time interval timer a process has (POSIX's `ITIMER_REAL`, which
//! `alarm` is a special case of): a value of 0 disarms it, an interval of
//! 0 makes it fire once, and when it fires PM sends SIGALRM. The other
//! interval timers (`ITIMER_VIRTUAL`, `ITIMER_PROF`) do not exist, so the
//! calls name none: the runtime answers `EINVAL` for them without a
//! message.
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest, Reply};
use crate::sigframe::FRAME_BYTES;
use crate::signal::{self, signal_of, signal_or_zero_of, AltStackChange, Handler, MaskHow, SaFlags, SigAction, SigSet, Signal};
use crate::word::{at_most, bits_of, i32_of, i32_sext_of, u32_of, u8_of};

pub const BASE: u64 = 0x100;
pub const GETPID: u64 = BASE + 1;
pub const GETPPID: u64 = BASE + 2;
pub const EXIT: u64 = BASE + 3;
pub const WAIT: u64 = BASE + 4;
pub const FORK: u64 = BASE + 5;
/// System information: status = the TSC's frequency in MHz, so a process
/// can turn `rdtsc` readings into time.
pub const GETSYSINFO: u64 = BASE + 7;
/// Replace the caller's program: words (argument block address, bytes);
/// see [`crate::exec`]. No reply on success: the new program starts.
/// `EFAULT` for a block address at or above 4 GiB, `E2BIG` for a block
/// over `exec::BLOCK_MAX`; VFS and VM answer the rest.
pub const EXEC: u64 = BASE + 8;
pub const KILL: u64 = BASE + 9;
pub const SIGACTION: u64 = BASE + 0xa;
pub const SIGPROCMASK: u64 = BASE + 0xb;
pub const SIGPENDING: u64 = BASE + 0xc;
pub const SIGSUSPEND: u64 = BASE + 0xd;
pub const SIGRETURN: u64 = BASE + 0xe;
pub const SIGALTSTACK: u64 = BASE + 0xf;
pub const SETPGID: u64 = BASE + 0x10;
pub const GETPGID: u64 = BASE + 0x11;
pub const SETSID: u64 = BASE + 0x12;
pub const GETSID: u64 = BASE + 0x13;
pub const GETUID: u64 = BASE + 0x14;
pub const GETGID: u64 = BASE + 0x15;
pub const SETUID: u64 = BASE + 0x16;
pub const SETGID: u64 = BASE + 0x17;
pub const ALARM: u64 = BASE + 0x18;
/// CPU time of the caller and of its waited-for children (`times`,
/// `getrusage`): see the table.
pub const TIMES: u64 = BASE + 0x1b;
/// Sets the caller's thread-local storage base (its FS base). seL4 5.0
/// lets a thread's registers be written only by another thread holding
/// its TCB cap, so PM writes it while the caller waits for this reply.
pub const SET_TLS: u64 = BASE + 0x1c;
/// A new thread in the caller's process (see the table).
pub const THREAD_NEW: u64 = BASE + 0x1d;
/// The calling thread ends.
pub const THREAD_EXIT: u64 = BASE + 0x1e;
/// The caller's thread id.
pub const GETTID: u64 = BASE + 0x1f;
/// Wait on, or wake waiters of, a 32-bit word of the caller's memory.
pub const FUTEX: u64 = BASE + 0x22;

/// FUTEX's operations and limits.
pub mod futex {
    pub const WAIT: u64 = 0;
    pub const WAKE: u64 = 1;
    pub const REQUEUE: u64 = 3;
    /// WAIT's timeout word for no timeout.
    pub const FOREVER: u32 = u32::MAX;
    /// Most waiters one WAKE or REQUEUE may count (Linux's `INT_MAX`; a
    /// caller clamps larger numbers).
    pub const COUNT_MAX: u32 = i32::MAX as u32;
    /// Most waiters REQUEUE's op word can ask to wake (24 bits).
    pub const REQUEUE_WAKE_MAX: u32 = (1 << 24) - 1;
}
pub const SETITIMER: u64 = BASE + 0x19;
pub const GETITIMER: u64 = BASE + 0x1a;
/// A server reports that it is ready (servers only).
pub const SRV_READY: u64 = BASE + 0x80;
/// init hands over its test tally and asks for shutdown (init only).
pub const SHUTDOWN: u64 = BASE + 0x81;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[
    GETPID,
    GETPPID,
    EXIT,
    WAIT,
    FORK,
    GETSYSINFO,
    EXEC,
    KILL,
    SIGACTION,
    SIGPROCMASK,
    SIGPENDING,
    SIGSUSPEND,
    SIGRETURN,
    SIGALTSTACK,
    SETPGID,
    GETPGID,
    SETSID,
    GETSID,
    GETUID,
    GETGID,
    SETUID,
    SETGID,
    ALARM,
    TIMES,
    SET_TLS,
    THREAD_NEW,
    THREAD_EXIT,
    GETTID,
    FUTEX,
    HANDLER_DONE,
    HANDLER_INFO,
    SETITIMER,
    GETITIMER,
    SRV_READY,
    SHUTDOWN,
];

/// `wait` option: do not block.
pub const WNOHANG: u64 = 1;
/// `wait` option: report a child that stopped (once per stop).
pub const WUNTRACED: u64 = 2;
/// `wait` option: report a stopped child that continued (once).
pub const WCONTINUED: u64 = 8;
/// Every `wait` option PM knows.
pub const WAIT_OPTIONS: u64 = WNOHANG | WUNTRACED | WCONTINUED;

/// SIGACTION's MR0 bit for "only tell me the current action".
pub const SIGACTION_QUERY: u64 = 1 << 16;
/// SIGALTSTACK's MR0 value for "only tell me the current stack".
pub const ALTSTACK_QUERY: u64 = 0x100;

/// Largest test count SHUTDOWN carries, so PM's tally cannot overflow.
pub const MAX_TALLY: u64 = u32::MAX as u64;
/// `(uid_t)-1` means "unchanged" to some calls, so it is no uid.
pub const NO_ID: u32 = u32::MAX;

/// Signal numbers in wait statuses, as words (Linux's numbering, see
/// [`crate::signal`]).
pub const SIGILL: u64 = signal::SIGILL.number() as u64;
pub const SIGKILL: u64 = signal::SIGKILL.number() as u64;
/// A file mapping's page lies wholly past the end of the file.
pub const SIGBUS: u64 = signal::SIGBUS.number() as u64;
pub const SIGSEGV: u64 = signal::SIGSEGV.number() as u64;

/// Finish the handler a [`RUN_HANDLER`] reply started.
pub const HANDLER_DONE: u64 = BASE + 0x20;
/// The rest of a started handler's `siginfo`, and its mask.
pub const HANDLER_INFO: u64 = BASE + 0x21;

/// The label bit of a call whose caller runs signal handlers itself (see
/// the module notes). Above every call number, so [`Request::decode`]
/// sees a label with it as no call: the glue takes it off first
/// ([`split_call`]).
pub const RUNS_HANDLERS: u64 = 1 << 16;
/// Reply label: run the handler of the [`HandlerStart`] in the words.
pub const RUN_HANDLER: u64 = BASE + 0x40;
/// Reply label (no words): make the interrupted call again.
pub const RESTART: u64 = BASE + 0x41;

/// The call number of a full label and whether it carries
/// [`RUNS_HANDLERS`].
pub const fn split_call(call: u64) -> (u64, bool) {
    (call & !RUNS_HANDLERS, call & RUNS_HANDLERS != 0)
}

/// What a [`RUN_HANDLER`] reply carries. Every word holds a 32-bit value:
///
/// | word | contents |
/// |---|---|
/// | MR0 | signal (bits 0-7), token (bits 8-15), the action's [`SaFlags`] as they were before `SA_RESETHAND` reset it (bits 16-23) |
/// | MR1 | the handler's address (the action's entry) |
/// | MR2 | `si_code` (an `i32`'s 32-bit pattern) |
/// | MR3 | `si_pid` |
///
/// The rest of the `siginfo` and the mask the handler's return restores
/// come from `HANDLER_INFO` ([`HandlerDetails`]), which only an
/// `SA_SIGINFO` handler needs; the alternate stack (`SA_ONSTACK`) from a
/// `SIGALTSTACK` query.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct HandlerStart {
    pub sig: Signal,
    /// Names this start in `HANDLER_DONE` and `HANDLER_INFO`: a handler
    /// left by a `longjmp` never returns, and the token lets PM tell which
    /// of its started handlers an outer one's return ends.
    pub token: u8,
    pub flags: SaFlags,
    pub entry: u32,
    pub code: i32,
    pub pid: u32,
}

impl HandlerStart {
    /// The reply's four words.
    pub const fn words(&self) -> [u64; 4] {
        let w0 = self.sig.number() as u64 | (self.token as u64) << 8 | (self.flags.bits() as u64) << 16;
        [w0, self.entry as u64, self.code as u32 as u64, self.pid as u64]
    }

    /// Reads a [`RUN_HANDLER`] reply of `len` words: exactly four, and
    /// every field in its range. Total: any words give a start or
    /// `EINVAL`.
    pub fn decode(w: [u64; 4], len: u64) -> Result<HandlerStart, Errno> {
        if len != 4 {
            return Err(EINVAL);
        }
        let w0 = bits_of(w[0], 0xff_ffff)?;
        Ok(HandlerStart {
            sig: signal_of(w0 & 0xff)?,
            token: (w0 >> 8) as u8,
            flags: SaFlags::from_bits((w0 >> 16) as u32).ok_or(EINVAL)?,
            entry: u32_of(w[1])?,
            code: i32_of(w[2])?,
            pid: u32_of(w[3])?,
        })
    }
}

/// `HANDLER_INFO`'s answer: the mask the handler's return restores, and
/// the `siginfo` fields a [`HandlerStart`] has no room for.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct HandlerDetails {
    pub mask: SigSet,
    pub uid: u32,
    pub addr: u32,
    pub status: i32,
}

impl HandlerDetails {
    /// Status: the mask; MR1-MR3 `si_uid`, `si_addr`, `si_status` (an
    /// `i32`'s 32-bit pattern).
    pub const fn to_reply(&self) -> Reply {
        Reply::ok_with(self.mask.bits() as u64, [self.uid as u64, self.addr as u64, self.status as u32 as u64])
    }

    /// Total: an error status gives its errno, any word out of its range
    /// `EINVAL`.
    pub fn from_reply(r: &Reply) -> Result<HandlerDetails, Errno> {
        let mask = SigSet::from_word(r.result()?)?;
        Ok(HandlerDetails { mask, uid: u32_of(r.vals[0])?, addr: u32_of(r.vals[1])?, status: i32_of(r.vals[2])? })
    }
}

/// Microseconds in a second: a [`Timeval`]'s `usec` stays below it.
pub const USEC_PER_SEC: u32 = 1_000_000;

/// A span of time as POSIX's `struct timeval` holds it, here with
/// seconds of 32 bits (136 years) and microseconds below a second.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Timeval {
    pub sec: u32,
    pub usec: u32,
}

impl Timeval {
    pub const ZERO: Timeval = Timeval { sec: 0, usec: 0 };

    /// From two words: `EINVAL` for seconds above 32 bits or microseconds
    /// of a second or more.
    pub fn from_words(sec: u64, usec: u64) -> Result<Timeval, Errno> {
        Ok(Timeval { sec: u32_of(sec)?, usec: at_most(usec, USEC_PER_SEC as u64 - 1)? as u32 })
    }

    /// Nanoseconds in all (never overflows: at most about 2^62).
    pub fn as_nanos(&self) -> u64 {
        self.sec as u64 * 1_000_000_000 + self.usec as u64 * 1000
    }

    /// `ns` rounded up to whole microseconds, at most the largest
    /// `Timeval` (rounding up keeps a pending timer from reading as 0).
    pub fn from_nanos_up(ns: u64) -> Timeval {
        let us = ns.div_ceil(1000);
        let sec = us / USEC_PER_SEC as u64;
        if sec > u32::MAX as u64 {
            return Timeval { sec: u32::MAX, usec: USEC_PER_SEC - 1 };
        }
        Timeval { sec: sec as u32, usec: (us % USEC_PER_SEC as u64) as u32 }
    }

    pub fn is_zero(&self) -> bool {
        *self == Timeval::ZERO
    }
}

/// An interval timer's setting (POSIX's `struct itimerval`): time to the
/// next expiry (zero: disarmed) and the period after it (zero: once).
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Itimerval {
    pub value: Timeval,
    pub interval: Timeval,
}

impl Itimerval {
    /// The reply SETITIMER and GETITIMER answer with.
    pub fn reply(&self) -> crate::message::Reply {
        crate::message::Reply::ok_with(self.value.sec as u64, [self.value.usec as u64, self.interval.sec as u64, self.interval.usec as u64])
    }

    /// Read back from such a reply: `EINVAL` for words that are no timer
    /// (the runtime trusts no reply it would compute with).
    pub fn from_reply(r: &crate::message::Reply) -> Result<Itimerval, Errno> {
        let sec = r.result()?;
        Ok(Itimerval { value: Timeval::from_words(sec, r.vals[0])?, interval: Timeval::from_words(r.vals[1], r.vals[2])? })
    }
}

/// A PM request.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    GetPid,
    GetPpid,
    Exit {
        code: u8,
    },
    /// `pid`: -1 any child, 0 the caller's process group, below -1 the
    /// group `-pid`, above 0 that child (an `i32`). `options` ⊆
    /// [`WAIT_OPTIONS`].
    Wait {
        pid: i64,
        options: u64,
    },
    Fork,
    GetSysInfo,
    /// The argument block's address and bytes.
    Exec {
        block: u32,
        len: u32,
    },
    /// `sig` `None` (signal 0) only checks that the targets exist and
    /// may be signalled.
    Kill {
        pid: i32,
        sig: Option<Signal>,
    },
    /// `new` `None` only asks for the current action.
    SigAction {
        sig: Signal,
        new: Option<SigAction>,
    },
    SigProcMask {
        how: MaskHow,
        set: SigSet,
    },
    SigPending,
    SigSuspend {
        mask: SigSet,
    },
    /// `frame`: the address of the frame PM wrote when the handler started.
    SigReturn {
        frame: u32,
    },
    /// `change` `None` only asks for the current stack.
    SigAltStack {
        change: Option<AltStackChange>,
    },
    /// `pid` 0 is the caller, `pgid` 0 the pid (both at most `i32::MAX`).
    SetPgid {
        pid: u32,
        pgid: u32,
    },
    /// `pid` 0 is the caller.
    GetPgid {
        pid: u32,
    },
    SetSid,
    /// `pid` 0 is the caller.
    GetSid {
        pid: u32,
    },
    GetUid,
    GetGid,
    SetUid {
        uid: u32,
    },
    SetGid {
        gid: u32,
    },
    /// `seconds` 0 cancels the alarm.
    Times,
    /// The FS base to set: every user address is below 4 GiB.
    SetTls {
        base: u32,
    },
    ThreadNew {
        stack: u32,
        tls: u32,
        clear_tid: u32,
        entry: u32,
    },
    ThreadExit {
        code: u8,
    },
    GetTid,
    Futex(FutexOp),
    Alarm {
        seconds: u32,
    },
    /// `mask` `None`: restore the mask PM kept for the handler.
    HandlerDone {
        token: u8,
        mask: Option<SigSet>,
    },
    HandlerInfo {
        token: u8,
    },
    /// Sets the real-time interval timer; answers the old setting.
    SetItimer {
        new: Itimerval,
    },
    GetItimer,
    SrvReady,
    Shutdown {
        passed: u64,
        failed: u64,
    },
}

/// A pid that can only name a process (or 0, the caller): `EINVAL` if
/// negative.
fn process_pid_of(w: u64) -> Result<u32, Errno> {
    let pid = i32_sext_of(w)?;
    if pid < 0 {
        return Err(EINVAL);
    }
    Ok(pid as u32)
}

/// A uid or gid: any `u32` but [`NO_ID`].
fn id_of(w: u64) -> Result<u32, Errno> {
    match u32_of(w)? {
        NO_ID => Err(EINVAL),
        id => Ok(id),
    }
}

/// SIGACTION: MR0 packs the signal, the flags and the query bit.
fn decode_sigaction(r: &RawRequest) -> Result<Request, Errno> {
    need_words(r, 1)?;
    let w0 = bits_of(r.words[0], SIGACTION_QUERY | 0xffff)?;
    let sig = signal_of(w0 & 0xff)?;
    let flags = SaFlags::from_bits(((w0 >> 8) & 0xff) as u32).ok_or(EINVAL)?;
    if w0 & SIGACTION_QUERY != 0 {
        // A query has no flags to set: a word that says otherwise is
        // malformed, not half a request.
        if flags != SaFlags::EMPTY {
            return Err(EINVAL);
        }
        return Ok(Request::SigAction { sig, new: None });
    }
    need_words(r, 4)?;
    let handler = Handler::from_words(r.words[1], r.words[3])?;
    let mask = SigSet::from_word(r.words[2])?;
    Ok(Request::SigAction { sig, new: Some(SigAction { handler, flags, mask }) })
}

fn decode_altstack(r: &RawRequest) -> Result<Request, Errno> {
    need_words(r, 1)?;
    let change = match r.words[0] {
        ALTSTACK_QUERY => None,
        signal::SS_DISABLE => Some(AltStackChange::Disable),
        0 => {
            need_words(r, 3)?;
            let (sp, size) = (u32_of(r.words[1])?, u32_of(r.words[2])?);
            // The whole stack lies below 4 GiB.
            at_most(sp as u64 + size as u64, 1 << 32)?;
            Some(AltStackChange::Enable { sp, size })
        }
        _ => return Err(EINVAL),
    };
    Ok(Request::SigAltStack { change })
}

impl Request {
    /// Decodes a request. Unknown call numbers are `ENOSYS`; too few words
    /// (or more than four on a call with arguments) and any word out of its
    /// argument's range are `EINVAL` (see the table in the module notes).
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        Ok(match r.call {
            GETPID => Request::GetPid,
            GETPPID => Request::GetPpid,
            EXIT => {
                need_words(r, 1)?;
                Request::Exit { code: u8_of(r.words[0])? }
            }
            WAIT => {
                need_words(r, 2)?;
                let pid = i32_sext_of(r.words[0])?;
                // -i32::MIN is no group id.
                if pid == i32::MIN {
                    return Err(EINVAL);
                }
                Request::Wait { pid: pid as i64, options: bits_of(r.words[1], WAIT_OPTIONS)? }
            }
            FORK => Request::Fork,
            GETSYSINFO => Request::GetSysInfo,
            EXEC => {
                need_words(r, 2)?;
                let block = u32::try_from(r.words[0]).map_err(|_| crate::errno::EFAULT)?;
                let len = u32::try_from(r.words[1]).ok().filter(|&l| l <= crate::exec::BLOCK_MAX).ok_or(crate::errno::E2BIG)?;
                Request::Exec { block, len }
            }
            KILL => {
                need_words(r, 2)?;
                Request::Kill { pid: i32_sext_of(r.words[0])?, sig: signal_or_zero_of(r.words[1])? }
            }
            SIGACTION => decode_sigaction(r)?,
            SIGPROCMASK => {
                need_words(r, 2)?;
                Request::SigProcMask { how: MaskHow::from_word(r.words[0])?, set: SigSet::from_word(r.words[1])? }
            }
            SIGPENDING => Request::SigPending,
            SIGSUSPEND => {
                need_words(r, 1)?;
                Request::SigSuspend { mask: SigSet::from_word(r.words[0])? }
            }
            SIGRETURN => {
                need_words(r, 1)?;
                let frame = u32_of(r.words[0])?;
                at_most(frame as u64 + FRAME_BYTES as u64, 1 << 32)?;
                Request::SigReturn { frame }
            }
            SIGALTSTACK => decode_altstack(r)?,
            SETPGID => {
                need_words(r, 2)?;
                Request::SetPgid { pid: process_pid_of(r.words[0])?, pgid: process_pid_of(r.words[1])? }
            }
            GETPGID => {
                need_words(r, 1)?;
                Request::GetPgid { pid: process_pid_of(r.words[0])? }
            }
            SETSID => Request::SetSid,
            GETSID => {
                need_words(r, 1)?;
                Request::GetSid { pid: process_pid_of(r.words[0])? }
            }
            GETUID => Request::GetUid,
            GETGID => Request::GetGid,
            SETUID => {
                need_words(r, 1)?;
                Request::SetUid { uid: id_of(r.words[0])? }
            }
            SETGID => {
                need_words(r, 1)?;
                Request::SetGid { gid: id_of(r.words[0])? }
            }
            TIMES => Request::Times,
            SET_TLS => {
                need_words(r, 1)?;
                Request::SetTls { base: u32_of(r.words[0])? }
            }
            THREAD_NEW => {
                need_words(r, 4)?;
                let clear_tid = u32_of(r.words[2])?;
                if clear_tid % 4 != 0 {
                    return Err(EINVAL);
                }
                Request::ThreadNew { stack: u32_of(r.words[0])?, tls: u32_of(r.words[1])?, clear_tid, entry: u32_of(r.words[3])? }
            }
            THREAD_EXIT => {
                need_words(r, 1)?;
                Request::ThreadExit { code: u8_of(r.words[0])? }
            }
            GETTID => Request::GetTid,
            FUTEX => Request::Futex(FutexOp::decode(r)?),
            ALARM => {
                need_words(r, 1)?;
                Request::Alarm { seconds: u32_of(r.words[0])? }
            }
            HANDLER_DONE => {
                need_words(r, 1)?;
                let mask = if r.len >= 2 { Some(SigSet::from_word(r.words[1])?) } else { None };
                Request::HandlerDone { token: u8_of(r.words[0])?, mask }
            }
            HANDLER_INFO => {
                need_words(r, 1)?;
                Request::HandlerInfo { token: u8_of(r.words[0])? }
            }
            SETITIMER => {
                need_words(r, 4)?;
                let w = &r.words;
                Request::SetItimer {
                    new: Itimerval { value: Timeval::from_words(w[0], w[1])?, interval: Timeval::from_words(w[2], w[3])? },
                }
            }
            GETITIMER => Request::GetItimer,
            SRV_READY => Request::SrvReady,
            SHUTDOWN => {
                need_words(r, 2)?;
                Request::Shutdown { passed: at_most(r.words[0], MAX_TALLY)?, failed: at_most(r.words[1], MAX_TALLY)? }
            }
            _ => return Err(ENOSYS),
        })
    }

    /// Call number, words and word count.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        let pid_word = |pid: i32| pid as i64 as u64;
        match *self {
            Request::GetPid => (GETPID, [0; 4], 0),
            Request::GetPpid => (GETPPID, [0; 4], 0),
            Request::Exit { code } => (EXIT, [code as u64, 0, 0, 0], 1),
            Request::Wait { pid, options } => (WAIT, [pid as u64, options, 0, 0], 2),
            Request::Fork => (FORK, [0; 4], 0),
            Request::GetSysInfo => (GETSYSINFO, [0; 4], 0),
            Request::Exec { block, len } => (EXEC, [block as u64, len as u64, 0, 0], 2),
            Request::Kill { pid, sig } => (KILL, [pid_word(pid), sig.map_or(0, |s| s.number() as u64), 0, 0], 2),
            Request::SigAction { sig, new: None } => (SIGACTION, [sig.number() as u64 | SIGACTION_QUERY, 0, 0, 0], 1),
            Request::SigAction { sig, new: Some(a) } => {
                let (handler, restorer) = a.handler.words();
                let w0 = sig.number() as u64 | (a.flags.bits() as u64) << 8;
                (SIGACTION, [w0, handler, a.mask.bits() as u64, restorer], 4)
            }
            Request::SigProcMask { how, set } => (SIGPROCMASK, [how as u64, set.bits() as u64, 0, 0], 2),
            Request::SigPending => (SIGPENDING, [0; 4], 0),
            Request::SigSuspend { mask } => (SIGSUSPEND, [mask.bits() as u64, 0, 0, 0], 1),
            Request::SigReturn { frame } => (SIGRETURN, [frame as u64, 0, 0, 0], 1),
            Request::SigAltStack { change: None } => (SIGALTSTACK, [ALTSTACK_QUERY, 0, 0, 0], 1),
            Request::SigAltStack { change: Some(AltStackChange::Disable) } => (SIGALTSTACK, [signal::SS_DISABLE, 0, 0, 0], 1),
            Request::SigAltStack { change: Some(AltStackChange::Enable { sp, size }) } => (SIGALTSTACK, [0, sp as u64, size as u64, 0], 3),
            Request::SetPgid { pid, pgid } => (SETPGID, [pid as u64, pgid as u64, 0, 0], 2),
            Request::GetPgid { pid } => (GETPGID, [pid as u64, 0, 0, 0], 1),
            Request::SetSid => (SETSID, [0; 4], 0),
            Request::GetSid { pid } => (GETSID, [pid as u64, 0, 0, 0], 1),
            Request::GetUid => (GETUID, [0; 4], 0),
            Request::GetGid => (GETGID, [0; 4], 0),
            Request::SetUid { uid } => (SETUID, [uid as u64, 0, 0, 0], 1),
            Request::SetGid { gid } => (SETGID, [gid as u64, 0, 0, 0], 1),
            Request::Alarm { seconds } => (ALARM, [seconds as u64, 0, 0, 0], 1),
            Request::Times => (TIMES, [0; 4], 0),
            Request::SetTls { base } => (SET_TLS, [base as u64, 0, 0, 0], 1),
            Request::ThreadNew { stack, tls, clear_tid, entry } => {
                (THREAD_NEW, [stack as u64, tls as u64, clear_tid as u64, entry as u64], 4)
            }
            Request::ThreadExit { code } => (THREAD_EXIT, [code as u64, 0, 0, 0], 1),
            Request::GetTid => (GETTID, [0; 4], 0),
            Request::Futex(op) => op.encode(),
            Request::HandlerDone { token, mask: None } => (HANDLER_DONE, [token as u64, 0, 0, 0], 1),
            Request::HandlerDone { token, mask: Some(m) } => (HANDLER_DONE, [token as u64, m.bits() as u64, 0, 0], 2),
            Request::HandlerInfo { token } => (HANDLER_INFO, [token as u64, 0, 0, 0], 1),
            Request::SetItimer { new: Itimerval { value: v, interval: i } } => {
                (SETITIMER, [v.sec as u64, v.usec as u64, i.sec as u64, i.usec as u64], 4)
            }
            Request::GetItimer => (GETITIMER, [0; 4], 0),
            Request::SrvReady => (SRV_READY, [0; 4], 0),
            Request::Shutdown { passed, failed } => (SHUTDOWN, [passed, failed, 0, 0], 2),
        }
    }
}

/// Wait-status encoding, as POSIX's W* macros read it (Linux's layout):
/// an exit is `code << 8`, a kill the signal number (`| 0x80` with a core
/// dump), a stop `0x7f | signal << 8`, a continue `0xffff`.
pub const fn exit_status(code: u8) -> u64 {
    (code as u64) << 8
}
pub const fn signal_status(sig: u64) -> u64 {
    sig & 0x7f
}
/// A kill by `sig` that dumped core (or would have: PM writes no core
/// file, but reports the default action it took).
pub const fn core_status(sig: u64) -> u64 {
    signal_status(sig) | 0x80
}
pub const fn stopped_status(sig: u64) -> u64 {
    0x7f | (sig & 0xff) << 8
}
pub const CONTINUED_STATUS: u64 = 0xffff;
pub const fn wifexited(status: u64) -> bool {
    status & 0x7f == 0
}
pub const fn wexitstatus(status: u64) -> u8 {
    (status >> 8) as u8
}
pub const fn wtermsig(status: u64) -> u64 {
    status & 0x7f
}
pub const fn wifsignaled(status: u64) -> bool {
    let low = status & 0x7f;
    low != 0 && low != 0x7f
}
pub const fn wcoredump(status: u64) -> bool {
    wifsignaled(status) && status & 0x80 != 0
}
pub const fn wifstopped(status: u64) -> bool {
    status & 0xff == 0x7f
}
pub const fn wstopsig(status: u64) -> u64 {
    (status >> 8) & 0xff
}
pub const fn wifcontinued(status: u64) -> bool {
    status == CONTINUED_STATUS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{SIGCHLD, SIGINT, SIGKILL as KILL_SIG, SIGTERM, SIGUSR1};
    fn raw(call: u64, words: [u64; 4], len: u64) -> RawRequest {
        RawRequest { call, words, len }
    }
    fn handler() -> SigAction {
        SigAction {
            handler: Handler::Catch { entry: 0x40_1000, restorer: 0x40_2000 },
            flags: SaFlags::RESTART.with(SaFlags::SIGINFO),
            mask: SigSet::of(SIGINT),
        }
    }
    #[test]
    fn round_trip() {
        for req in [
            Request::GetPid,
            Request::GetPpid,
            Request::Exit { code: 7 },
            Request::Wait { pid: -1, options: WNOHANG },
            Request::Wait { pid: 0, options: WUNTRACED | WCONTINUED },
            Request::Wait { pid: -42, options: 0 },
            Request::Fork,
            Request::GetSysInfo,
            Request::Exec { block: 0x7000_0000, len: 64 },
            Request::Kill { pid: -1, sig: Some(SIGTERM) },
            Request::Kill { pid: i32::MIN, sig: None },
            Request::SigAction { sig: SIGUSR1, new: None },
            Request::SigAction { sig: SIGUSR1, new: Some(handler()) },
            Request::SigAction { sig: SIGCHLD, new: Some(SigAction { handler: Handler::Ignore, ..SigAction::default() }) },
            Request::SigProcMask { how: MaskHow::Unblock, set: SigSet::FULL },
            Request::SigPending,
            Request::SigSuspend { mask: SigSet::EMPTY },
            Request::SigReturn { frame: 0x7fff_0000 },
            Request::SigAltStack { change: None },
            Request::SigAltStack { change: Some(AltStackChange::Disable) },
            Request::SigAltStack { change: Some(AltStackChange::Enable { sp: 0x1000, size: 0x4000 }) },
            Request::SetPgid { pid: 0, pgid: 0 },
            Request::GetPgid { pid: 9 },
            Request::SetSid,
            Request::GetSid { pid: 0 },
            Request::GetUid,
            Request::GetGid,
            Request::SetUid { uid: 1000 },
            Request::SetGid { gid: 0 },
            Request::Alarm { seconds: u32::MAX },
            Request::Times,
            Request::SetTls { base: 0 },
            Request::ThreadNew { stack: 0x6000_0000, tls: 0x5000_0010, clear_tid: 0x40_1000, entry: 0x40_2000 },
            Request::ThreadExit { code: 255 },
            Request::GetTid,
            Request::Futex(FutexOp::Wait { addr: 0x40_0004, val: u32::MAX, timeout_us: futex::FOREVER }),
            Request::Futex(FutexOp::Wake { addr: 0x40_0008, count: futex::COUNT_MAX }),
            Request::Futex(FutexOp::Requeue { addr: 4, wake: futex::REQUEUE_WAKE_MAX, to: 8, requeue: 0 }),
            Request::SetTls { base: u32::MAX },
            Request::HandlerDone { token: 0, mask: None },
            Request::HandlerDone { token: 255, mask: Some(SigSet::FULL) },
            Request::HandlerInfo { token: 7 },
            Request::SetItimer { new: Itimerval::default() },
            Request::SetItimer {
                new: Itimerval { value: Timeval { sec: u32::MAX, usec: 999_999 }, interval: Timeval { sec: 0, usec: 1 } },
            },
            Request::GetItimer,
            Request::SrvReady,
            Request::Shutdown { passed: 4, failed: 1 },
        ] {
            let (c, w, l) = req.encode();
            assert!(w.iter().all(|&x| x <= u32::MAX as u64 || x as i64 >= i32::MIN as i64), "{:?}", req);
            assert_eq!(Request::decode(&raw(c, w, l)), Ok(req));
        }
    }
    #[test]
    fn malformed_and_unknown() {
        assert_eq!(Request::decode(&raw(EXIT, [0; 4], 0)), Err(EINVAL));
        // A TLS base past 4 GiB is no user address.
        assert_eq!(Request::decode(&raw(SET_TLS, [1 << 32, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SET_TLS, [0; 4], 0)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [1, 4, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(GETPID, [0; 4], 9)), Ok(Request::GetPid));
        // SPAWN of a boot image (0x106) is gone: programs come from files.
        assert_eq!(Request::decode(&raw(BASE + 6, [0; 4], 1)), Err(ENOSYS));
        assert_eq!(Request::decode(&raw(0x1ff, [0; 4], 0)), Err(ENOSYS));
        assert_eq!(Request::decode(&raw(BASE + 0x23, [0; 4], 0)), Err(ENOSYS));
        // Threads and futexes: too few words, unaligned words, unknown
        // operations, a REQUEUE asking to wake more than 24 bits hold.
        assert_eq!(Request::decode(&raw(THREAD_NEW, [1, 2, 4, 8], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(THREAD_NEW, [1, 2, 6, 8], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FUTEX, [futex::WAIT, 6, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FUTEX, [futex::WAIT, 4, 0, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FUTEX, [futex::WAKE | 1 << 8, 4, 1, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FUTEX, [2, 4, 1, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FUTEX, [futex::REQUEUE | 1 << 32, 4, 8, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FUTEX, [futex::WAKE, 4, u32::MAX as u64, 0], 3)), Err(EINVAL));
    }
    #[test]
    fn labels_decoded_in_full() {
        // F4: 0x100101 is not GETPID, nor is GETPID with any higher bit.
        assert_eq!(Request::decode(&raw(0x10_0101, [0; 4], 0)), Err(ENOSYS));
        for call in CALLS {
            for bit in [20, 31, 32, 51, 63] {
                assert_eq!(Request::decode(&raw(call | 1 << bit, [1; 4], 2)), Err(ENOSYS));
            }
        }
    }
    #[test]
    fn words_are_range_checked_not_narrowed() {
        // An exit code with bits above the byte was once cut to the byte.
        assert_eq!(Request::decode(&raw(EXIT, [0x107, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(EXIT, [255, 0, 0, 0], 1)), Ok(Request::Exit { code: 255 }));
        // pid: a 32-bit int, written sign-extended.
        assert_eq!(Request::decode(&raw(WAIT, [u64::MAX, 0, 0, 0], 2)), Ok(Request::Wait { pid: -1, options: 0 }));
        assert_eq!(Request::decode(&raw(WAIT, [0xffff_ffff, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [1 << 32 | 5, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [i32::MAX as u64, 0, 0, 0], 2)), Ok(Request::Wait { pid: i32::MAX as i64, options: 0 }));
        assert_eq!(Request::decode(&raw(WAIT, [i32::MIN as i64 as u64, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [(-5i64) as u64, 0, 0, 0], 2)), Ok(Request::Wait { pid: -5, options: 0 }));
        assert_eq!(Request::decode(&raw(WAIT, [5, 1 << 32 | WNOHANG, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SHUTDOWN, [1, 1 << 32, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SHUTDOWN, [MAX_TALLY, 0, 0, 0], 2)), Ok(Request::Shutdown { passed: MAX_TALLY, failed: 0 }));
    }
    #[test]
    fn signal_words() {
        assert_eq!(Request::decode(&raw(KILL, [5, 32, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(KILL, [5, 1 << 32 | 9, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(KILL, [5, 9, 0, 0], 2)), Ok(Request::Kill { pid: 5, sig: Some(KILL_SIG) }));
        assert_eq!(Request::decode(&raw(KILL, [5, 9, 0, 0], 1)), Err(EINVAL));
        // Masks: bit 31 is no signal.
        assert_eq!(Request::decode(&raw(SIGPROCMASK, [2, 1 << 31, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGPROCMASK, [3, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGSUSPEND, [1 << 31, 0, 0, 0], 1)), Err(EINVAL));
        // SIGACTION: signal 0, unknown flags, a query with flags, a
        // handler without a restorer, 64-bit handlers, too few words.
        let w0 = SIGUSR1.number() as u64;
        assert_eq!(Request::decode(&raw(SIGACTION, [0, 0, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGACTION, [w0 | 0x40 << 8, 0, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGACTION, [w0 | SIGACTION_QUERY | 1 << 8, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGACTION, [w0 | 1 << 17, 0, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGACTION, [w0, 0x40_1000, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGACTION, [w0, 1 << 32, 0, 8], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGACTION, [w0, 0, 0, 0], 3)), Err(EINVAL));
        assert_eq!(
            Request::decode(&raw(SIGACTION, [w0, 0, 0, 0], 4)),
            Ok(Request::SigAction { sig: SIGUSR1, new: Some(SigAction::default()) })
        );
        // Alternate stacks and frames stay below 4 GiB.
        assert_eq!(
            Request::decode(&raw(SIGALTSTACK, [0, 0xffff_f000, 0x1000, 0], 3)),
            Ok(Request::SigAltStack { change: Some(AltStackChange::Enable { sp: 0xffff_f000, size: 0x1000 }) })
        );
        assert_eq!(Request::decode(&raw(SIGALTSTACK, [0, 0xffff_f000, 0x1001, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGALTSTACK, [0, 0x1000, 0x1000, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGALTSTACK, [1, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGRETURN, [1 << 32, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SIGRETURN, [0xffff_fff0, 0, 0, 0], 1)), Err(EINVAL));
    }
    #[test]
    fn handler_calls_and_replies() {
        assert_eq!(split_call(GETPID | RUNS_HANDLERS), (GETPID, true));
        assert_eq!(split_call(GETPID), (GETPID, false));
        // The bit is no call of its own: decoded as is, a label with it is
        // ENOSYS.
        assert_eq!(Request::decode(&raw(GETPID | RUNS_HANDLERS, [0; 4], 0)), Err(ENOSYS));
        assert_eq!(Request::decode(&raw(HANDLER_DONE, [256, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(HANDLER_DONE, [3, 1 << 31, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(HANDLER_DONE, [3, 1 << 31, 0, 0], 1)), Ok(Request::HandlerDone { token: 3, mask: None }));
        assert_eq!(Request::decode(&raw(HANDLER_DONE, [3, 0, 0, 0], 0)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(HANDLER_INFO, [1 << 8, 0, 0, 0], 1)), Err(EINVAL));

        let start = HandlerStart {
            sig: SIGUSR1,
            token: 0xfe,
            flags: SaFlags::SIGINFO.with(SaFlags::ONSTACK),
            entry: 0xffff_f000,
            code: -6,
            pid: u32::MAX,
        };
        let w = start.words();
        assert!(w.iter().all(|&x| x <= u32::MAX as u64), "{:x?}", w);
        assert_eq!(HandlerStart::decode(w, 4), Ok(start));
        assert_eq!(HandlerStart::decode(w, 3), Err(EINVAL));
        let bad = |k: usize, v: u64| {
            let mut b = w;
            b[k] = v;
            HandlerStart::decode(b, 4)
        };
        assert_eq!(bad(0, w[0] & !0xff), Err(EINVAL), "signal 0");
        assert_eq!(bad(0, w[0] | 1 << 24), Err(EINVAL));
        assert_eq!(bad(0, (w[0] & !0xff_0000) | 0x40 << 16), Err(EINVAL), "an unknown flag");
        for k in 1..4 {
            assert_eq!(bad(k, 1 << 32), Err(EINVAL));
        }

        let d = HandlerDetails { mask: SigSet::of(SIGINT), uid: 1000, addr: 0x7000_0000, status: -1 };
        let r = d.to_reply();
        assert!(r.to_words().iter().all(|&x| x <= u32::MAX as u64));
        assert_eq!(HandlerDetails::from_reply(&r), Ok(d));
        assert_eq!(HandlerDetails::from_reply(&Reply::err(EINVAL)), Err(EINVAL));
        assert_eq!(HandlerDetails::from_reply(&Reply::ok(1 << 31)), Err(EINVAL));
        assert_eq!(HandlerDetails::from_reply(&Reply::ok_with(0, [0, 0, 1 << 32])), Err(EINVAL));
    }

    #[test]
    fn group_and_id_words() {
        assert_eq!(Request::decode(&raw(SETPGID, [u64::MAX, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETPGID, [0, (-3i64) as u64, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(GETPGID, [0x8000_0000, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(GETSID, [0, 0, 0, 0], 0)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETUID, [u32::MAX as u64, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETGID, [1 << 32, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(ALARM, [1 << 32, 0, 0, 0], 1)), Err(EINVAL));
    }
    #[test]
    fn itimer_words() {
        // Four words, each a 32-bit field; microseconds below a second.
        assert_eq!(Request::decode(&raw(SETITIMER, [1, 2, 3, 4], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETITIMER, [1, 1_000_000, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETITIMER, [1, 0, 0, 1_000_000], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETITIMER, [1 << 32, 0, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SETITIMER, [0, 0, 1 << 32, 0], 4)), Err(EINVAL));
        let t = Itimerval { value: Timeval { sec: 2, usec: 5 }, interval: Timeval { sec: 0, usec: 999_999 } };
        assert_eq!(Request::decode(&raw(SETITIMER, [2, 5, 0, 999_999], 4)), Ok(Request::SetItimer { new: t }));
        // The reply carries the same four fields and reads back; a reply
        // that is no timer is refused.
        assert_eq!(Itimerval::from_reply(&t.reply()), Ok(t));
        assert!(t.reply().to_words().iter().all(|&w| w <= u32::MAX as u64));
        let bad = crate::message::Reply::ok_with(1, [1_000_000, 0, 0]);
        assert_eq!(Itimerval::from_reply(&bad), Err(EINVAL));
        assert_eq!(Itimerval::from_reply(&crate::message::Reply::err(crate::errno::EPERM)), Err(crate::errno::EPERM));
    }
    #[test]
    fn timevals_round_up_and_saturate() {
        assert_eq!(Timeval::from_nanos_up(0), Timeval::ZERO);
        assert_eq!(Timeval::from_nanos_up(1), Timeval { sec: 0, usec: 1 });
        assert_eq!(Timeval::from_nanos_up(1_000_000_001), Timeval { sec: 1, usec: 1 });
        assert_eq!(Timeval::from_nanos_up(u64::MAX), Timeval { sec: u32::MAX, usec: 999_999 });
        let t = Timeval { sec: u32::MAX, usec: 999_999 };
        assert_eq!(Timeval::from_nanos_up(t.as_nanos()), t);
    }
    #[test]
    fn statuses() {
        assert!(wifexited(exit_status(3)) && wexitstatus(exit_status(3)) == 3);
        assert!(!wifexited(signal_status(SIGSEGV)) && wtermsig(signal_status(SIGSEGV)) == SIGSEGV);
        assert!(wifsignaled(signal_status(SIGKILL)) && !wcoredump(signal_status(SIGKILL)));
        assert!(wifsignaled(core_status(SIGSEGV)) && wcoredump(core_status(SIGSEGV)) && wtermsig(core_status(SIGSEGV)) == SIGSEGV);
        let st = stopped_status(19);
        assert!(wifstopped(st) && wstopsig(st) == 19 && !wifexited(st) && !wifsignaled(st) && !wifcontinued(st));
        assert!(wifcontinued(CONTINUED_STATUS) && !wifexited(CONTINUED_STATUS) && !wifsignaled(CONTINUED_STATUS));
        assert!(!wifstopped(CONTINUED_STATUS));
        // Linux's numbers: SIGBUS is 7, not MINIX's 10.
        assert_eq!((SIGILL, SIGBUS, SIGKILL, SIGSEGV), (4, 7, 9, 11));
    }
}

/// One FUTEX operation, decoded: addresses 4-aligned 32-bit words.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum FutexOp {
    /// Wait while the word at `addr` holds `val`, at most `timeout_us`
    /// ([`futex::FOREVER`]: no limit).
    Wait { addr: u32, val: u32, timeout_us: u32 },
    /// Wake up to `count` waiters on `addr`.
    Wake { addr: u32, count: u32 },
    /// Wake up to `wake` waiters on `addr`, move up to `requeue` more to
    /// `to`.
    Requeue { addr: u32, wake: u32, to: u32, requeue: u32 },
}

impl FutexOp {
    fn decode(r: &RawRequest) -> Result<FutexOp, Errno> {
        need_words(r, 3)?;
        let w = &r.words;
        let addr = |x: u64| -> Result<u32, Errno> {
            let a = u32_of(x)?;
            if a % 4 != 0 {
                return Err(EINVAL);
            }
            Ok(a)
        };
        let count = |x: u64| -> Result<u32, Errno> { u32_of(x).ok().filter(|&n| n <= futex::COUNT_MAX).ok_or(EINVAL) };
        match w[0] & 0xff {
            futex::WAIT if w[0] >> 8 == 0 => {
                need_words(r, 4)?;
                Ok(FutexOp::Wait { addr: addr(w[1])?, val: u32_of(w[2])?, timeout_us: u32_of(w[3])? })
            }
            futex::WAKE if w[0] >> 8 == 0 => Ok(FutexOp::Wake { addr: addr(w[1])?, count: count(w[2])? }),
            futex::REQUEUE => {
                need_words(r, 4)?;
                let wake = u32_of(w[0] >> 8).ok().filter(|&n| n <= futex::REQUEUE_WAKE_MAX).ok_or(EINVAL)?;
                Ok(FutexOp::Requeue { addr: addr(w[1])?, wake, to: addr(w[2])?, requeue: count(w[3])? })
            }
            _ => Err(EINVAL),
        }
    }

    fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            FutexOp::Wait { addr, val, timeout_us } => (FUTEX, [futex::WAIT, addr as u64, val as u64, timeout_us as u64], 4),
            FutexOp::Wake { addr, count } => (FUTEX, [futex::WAKE, addr as u64, count as u64, 0], 3),
            FutexOp::Requeue { addr, wake, to, requeue } => {
                (FUTEX, [futex::REQUEUE | (wake as u64) << 8, addr as u64, to as u64, requeue as u64], 4)
            }
        }
    }
}
