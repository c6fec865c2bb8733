// SPDX-License-Identifier: BSD-2-Clause
//! Signals with their default actions, stop and continue, process groups,
//! sessions and ids (PM's table, root_task's signal library), and
//! handlers started through `sel4`'s signal entry.
use crate::harness::{ensure, expect_err, ok, Test};
use minix_abi::errno::{ECHILD, EINVAL, EPERM};
use minix_abi::pm::{self, CONTINUED_STATUS, WCONTINUED, WNOHANG, WUNTRACED};
use minix_abi::signal::MaskHow;
use mxrt::fs;
use mxrt::posix;
use mxrt::signal as sig;
use mxrt::time::{nanosleep, Timespec};

type R = Result<(), &'static str>;

const SIGINT: u32 = 2;
const SIGKILL: u32 = 9;
const SIGUSR1: u32 = 10;
const SIGUSR2: u32 = 12;
const SIGTERM: u32 = 15;
const SIGCONT: u32 = 18;
const SIGSTOP: u32 = 19;

pub const TESTS: &[Test] = &[
    Test { name: "signal.sigint_kills_a_child", run: |_| sigint_kills() },
    Test { name: "signal.sigkill_and_sigstop_cannot_be_ignored_or_blocked", run: |_| kill_and_stop_are_final() },
    Test { name: "signal.blocked_signal_pends_until_unblocked", run: |_| blocked_pends() },
    Test { name: "signal.stop_and_continue_seen_by_waitpid", run: |_| stop_and_continue() },
    Test { name: "signal.stopped_pipe_reader_reads_when_continued", run: |_| stopped_reader() },
    Test { name: "signal.handler_for_a_signal_from_another_process", run: |_| handler_from_another_process() },
    Test { name: "signal.raise_runs_the_handler_before_kill_returns", run: |_| raise_runs_handler_first() },
    Test { name: "signal.fpu_intact_across_handlers", run: |_| fpu_intact_across_handlers() },
    Test { name: "signal.eintr_then_sa_restart_on_a_pipe_read", run: |_| eintr_and_restart() },
    Test { name: "signal.sigsegv_handler_sees_the_address", run: |_| segv_handler_with_address() },
    Test { name: "signal.sigchld_handler_on_a_childs_exit", run: |_| sigchld_handler() },
    Test { name: "signal.sigpipe_on_a_write_with_no_reader", run: |_| sigpipe() },
    Test { name: "signal.sigsuspend_and_pause_end_with_eintr", run: |_| sigsuspend_and_pause() },
    Test { name: "signal.handler_on_the_alternate_stack", run: |_| handler_on_the_alternate_stack() },
    Test { name: "signal.unblocked_together_last_taken_runs_first", run: |_| unblocked_together() },
    Test { name: "signal.sa_mask_nodefer_and_resethand_in_a_raise", run: |_| mask_nodefer_resethand() },
    Test { name: "signal.siginfo_of_a_sigchld_that_ends_a_wait", run: |_| siginfo_of_sigchld() },
    Test { name: "signal.wait_eintr_then_sa_restart", run: |_| wait_restart() },
    Test { name: "signal.fork_inside_a_handler_returns_in_both", run: |_| fork_in_handler() },
    Test { name: "pgroup.sessions_groups_and_ids", run: |_| sessions_and_ids() },
    Test { name: "pgroup.kill_and_waitpid_to_a_group", run: |_| group_kill_and_wait() },
];

fn sleep_ms(ms: u64) {
    let _ = nanosleep(Timespec::from_nanos(ms * 1_000_000));
}

/// A child that sleeps in short naps until it is killed.
fn napper() -> Result<u32, &'static str> {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        loop {
            sleep_ms(5);
        }
    }
    Ok(pid)
}

fn reap(pid: u32, options: u64) -> Result<u64, &'static str> {
    let (got, status) = ok(posix::waitpid(pid as i64, options), "waitpid")?;
    ensure(got == pid, "waitpid answered another child")?;
    Ok(status)
}

fn want_status(got: u64, want: u64, why: &'static str) -> R {
    if got != want {
        sel4_root_task::println!("  status {:#x}, {:#x} expected", got, want);
        return Err(why);
    }
    Ok(())
}

fn sigint_kills() -> R {
    let pid = napper()?;
    sleep_ms(20);
    ok(sig::kill(pid as i32, SIGINT), "kill")?;
    want_status(reap(pid, 0)?, pm::signal_status(SIGINT as u64), "the child did not die of SIGINT")?;
    // Signal 0 only checks, and a reaped process is gone.
    expect_err(sig::kill(pid as i32, 0), minix_abi::errno::ESRCH, "kill of a reaped child")
}

fn kill_and_stop_are_final() -> R {
    expect_err(sig::set_ignored(SIGKILL, true), EINVAL, "SIGKILL ignored")?;
    expect_err(sig::set_ignored(SIGSTOP, true), EINVAL, "SIGSTOP ignored")?;
    let old = ok(sig::sigprocmask(MaskHow::Block, 1 << (SIGKILL - 1) | 1 << (SIGSTOP - 1) | 1 << (SIGUSR1 - 1)), "block")?;
    let now = ok(sig::sigprocmask(MaskHow::SetMask, old), "restore the mask")?;
    ensure(now == old | 1 << (SIGUSR1 - 1), "SIGKILL or SIGSTOP was blocked")?;
    // A child that ignores SIGTERM survives it, not SIGKILL. It says when
    // it ignores it (before, SIGTERM would end it), however late it runs.
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(r);
        if sig::set_ignored(SIGTERM, true).is_err() {
            posix::exit(1);
        }
        let _ = fs::write(w, b"r");
        loop {
            sleep_ms(5);
        }
    }
    ok(fs::close(w), "close")?;
    let mut b = [0u8; 1];
    let ready = fs::read(r, &mut b);
    let _ = fs::close(r);
    ensure(ready == Ok(1), "the child did not ignore SIGTERM")?;
    ok(sig::kill(pid as i32, SIGTERM), "kill SIGTERM")?;
    sleep_ms(20);
    ensure(ok(posix::waitpid(pid as i64, WNOHANG), "waitpid")?.0 == 0, "an ignored SIGTERM ended the child")?;
    ok(sig::kill(pid as i32, SIGKILL), "kill SIGKILL")?;
    want_status(reap(pid, 0)?, pm::signal_status(SIGKILL as u64), "SIGKILL did not end the child")
}

fn blocked_pends() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let bit = 1 << (SIGUSR1 - 1);
        let me = posix::getpid() as i32;
        if sig::sigprocmask(MaskHow::Block, bit).is_err() || sig::kill(me, SIGUSR1).is_err() {
            posix::exit(1);
        }
        if sig::sigpending() != Ok(bit) {
            posix::exit(2);
        }
        // Unblocking delivers it: the default action ends the process.
        let _ = sig::sigprocmask(MaskHow::Unblock, bit);
        posix::exit(3);
    }
    want_status(reap(pid, 0)?, pm::signal_status(SIGUSR1 as u64), "the pending SIGUSR1 did not end the child when unblocked")
}

fn stop_and_continue() -> R {
    let pid = napper()?;
    sleep_ms(20);
    ok(sig::kill(pid as i32, SIGSTOP), "SIGSTOP")?;
    want_status(reap(pid, WUNTRACED)?, pm::stopped_status(SIGSTOP as u64), "no stop reported")?;
    ensure(ok(posix::waitpid(pid as i64, WUNTRACED | WNOHANG), "waitpid")?.0 == 0, "a stop was reported twice")?;
    ok(sig::kill(pid as i32, SIGCONT), "SIGCONT")?;
    want_status(reap(pid, WCONTINUED)?, CONTINUED_STATUS, "no continue reported")?;
    // It runs again: it can be stopped again.
    ok(sig::kill(pid as i32, SIGSTOP), "SIGSTOP again")?;
    want_status(reap(pid, WUNTRACED)?, pm::stopped_status(SIGSTOP as u64), "no second stop reported")?;
    ok(sig::kill(pid as i32, SIGKILL), "SIGKILL")?;
    want_status(reap(pid, 0)?, pm::signal_status(SIGKILL as u64), "a stopped child did not die of SIGKILL")
}

fn stopped_reader() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let mut b = [0u8; 1];
        let code = match fs::read(r, &mut b) {
            Ok(1) => b[0],
            _ => 1,
        };
        posix::exit(code);
    }
    ok(fs::close(r), "close")?;
    sleep_ms(30);
    ok(sig::kill(pid as i32, SIGSTOP), "SIGSTOP")?;
    want_status(reap(pid, WUNTRACED)?, pm::stopped_status(SIGSTOP as u64), "no stop reported")?;
    ok(fs::write(w, &[42]), "write")?;
    sleep_ms(30);
    ensure(ok(posix::waitpid(pid as i64, WNOHANG), "waitpid")?.0 == 0, "a stopped reader went on")?;
    ok(sig::kill(pid as i32, SIGCONT), "SIGCONT")?;
    let status = reap(pid, 0)?;
    ok(fs::close(w), "close")?;
    want_status(status, pm::exit_status(42), "the continued reader did not read the byte")
}

fn sessions_and_ids() -> R {
    ensure(ok(sig::getuids(), "getuid")? == (0, 0) && ok(sig::getgids(), "getgid")? == (0, 0), "not root")?;
    let mine = ok(sig::getpgid(0), "getpgid")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let me = posix::getpid();
        let code = if sig::getpgid(0) != Ok(mine) {
            1
        } else if sig::setsid() != Ok(me) {
            2
        } else if sig::getsid(0) != Ok(me) || sig::getpgid(0) != Ok(me) {
            3
        } else if sig::setsid() != Err(EPERM) {
            4
        } else if sig::setpgid(0, 0).is_ok() && sig::getpgid(0) != Ok(me) {
            5
        } else if sig::setuid(0).is_err() || sig::setgid(0).is_err() {
            6
        } else {
            0
        };
        posix::exit(code);
    }
    want_status(reap(pid, 0)?, 0, "the child's session or group calls answered wrongly")?;
    expect_err(sig::getsid(pid), minix_abi::errno::ESRCH, "getsid of a reaped child")
}

fn group_kill_and_wait() -> R {
    let first = napper()?;
    let second = napper()?;
    let third = napper()?;
    for p in [first, second, third] {
        ok(sig::setpgid(p, first), "setpgid")?;
    }
    ensure(ok(sig::getpgid(second), "getpgid")? == first, "the child is in another group")?;
    sleep_ms(10);
    ok(sig::kill(-(first as i32), SIGTERM), "kill the group")?;
    for _ in 0..3 {
        let (got, status) = ok(posix::waitpid(-(first as i64), 0), "waitpid for the group")?;
        ensure([first, second, third].contains(&got), "waitpid answered a child outside the group")?;
        want_status(status, pm::signal_status(SIGTERM as u64), "a member did not die of SIGTERM")?;
    }
    expect_err(posix::waitpid(-(first as i64), WNOHANG), ECHILD, "a fourth member")?;
    Ok(())
}

/// How many times the test handler ran (each test runs in a fresh child).
static HANDLED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

fn count(_sig: u32) {
    HANDLED.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
}

fn handled() -> u32 {
    HANDLED.load(core::sync::atomic::Ordering::SeqCst)
}

fn handler_from_another_process() -> R {
    // The child says when its handler is in place (a signal before that
    // would end it: SIGUSR1's default), however late a loaded host runs it.
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(r);
        if sig::set_handler(SIGUSR1, count, false, 0).is_err() {
            posix::exit(1);
        }
        let _ = fs::write(w, b"r");
        for _ in 0..400 {
            if handled() > 0 {
                posix::exit(42);
            }
            sleep_ms(5);
        }
        posix::exit(2);
    }
    ok(fs::close(w), "close")?;
    let mut b = [0u8; 1];
    let ready = fs::read(r, &mut b);
    let _ = fs::close(r);
    ensure(ready == Ok(1), "the child did not get its handler in place")?;
    ok(sig::kill(pid as i32, SIGUSR1), "kill")?;
    want_status(reap(pid, 0)?, pm::exit_status(42), "the child's handler did not run")
}

fn raise_runs_handler_first() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let me = posix::getpid() as i32;
        if sig::set_handler(SIGUSR1, count, false, 0).is_err() || sig::kill(me, SIGUSR1).is_err() {
            posix::exit(1);
        }
        // The handler ran before kill returned; again, nested in nothing.
        let once = handled();
        let _ = sig::kill(me, SIGUSR1);
        posix::exit(if once == 1 && handled() == 2 { 0 } else { 10 + 4 * once as u8 + handled() as u8 });
    }
    want_status(reap(pid, 0)?, 0, "raise did not run the handler before returning")
}

/// Floating-point work in the handler, to clobber the SSE registers.
fn float_handler(sig: u32) {
    let mut x = core::hint::black_box(sig as f64 + 0.25);
    for _ in 0..50 {
        x = x * 1.000_1 + 3.5;
    }
    core::hint::black_box(x);
    count(sig);
}

/// The same series, computed while signals interrupt it and without.
fn series(n: u32) -> f64 {
    let mut x = core::hint::black_box(1.5f64);
    let mut y = core::hint::black_box(-0.75f64);
    for i in 0..n {
        x = x * 1.000_000_3 + y * 0.5;
        y = y * 0.999_999_7 - x * 1e-7 + (i as f64) * 1e-9;
    }
    x + y
}

fn fpu_intact_across_handlers() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        if sig::set_handler(SIGUSR1, float_handler, false, 0).is_err() {
            posix::exit(1);
        }
        // Signals sent while a handler runs wait, blocked, and coalesce
        // (one pending instance per signal): ten handled of the forty
        // sent is enough, and the rounds are bounded either way.
        let want = series(20_000);
        let mut rounds = 0;
        while handled() < 10 && rounds < 1500 {
            if series(20_000).to_bits() != want.to_bits() {
                posix::exit(3);
            }
            rounds += 1;
        }
        posix::exit(if handled() >= 10 { 0 } else { 2 });
    }
    sleep_ms(20);
    for _ in 0..40 {
        if sig::kill(pid as i32, SIGUSR1).is_err() {
            break;
        }
        sleep_ms(2);
    }
    want_status(reap(pid, 0)?, 0, "floating-point state changed across a handler, or handlers did not run")
}

fn eintr_and_restart() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(w);
        let mut b = [0u8; 1];
        if sig::set_handler(SIGUSR1, count, false, 0).is_err() {
            posix::exit(1);
        }
        // Without SA_RESTART the read ends with EINTR.
        if fs::read(r, &mut b) != Err(minix_abi::errno::EINTR) || handled() != 1 {
            posix::exit(2);
        }
        if sig::set_handler(SIGUSR1, count, true, 0).is_err() {
            posix::exit(3);
        }
        // With it, the read goes on after the handler and gets the byte.
        let code = match fs::read(r, &mut b) {
            Ok(1) if handled() == 2 => b[0],
            _ => 4,
        };
        posix::exit(code);
    }
    ok(fs::close(r), "close")?;
    sleep_ms(40);
    ok(sig::kill(pid as i32, SIGUSR1), "first kill")?;
    sleep_ms(40);
    ok(sig::kill(pid as i32, SIGUSR1), "second kill")?;
    sleep_ms(40);
    ok(fs::write(w, &[42]), "write")?;
    let status = reap(pid, 0)?;
    ok(fs::close(w), "close")?;
    want_status(status, pm::exit_status(42), "EINTR or the restart went wrong")
}

/// A SIGSEGV handler that ends the process with a code naming the fault
/// address's page.
fn segv_exit(_sig: u32) {
    let (code, _, addr) = sig::info();
    posix::exit(if code == minix_abi::signal::code::SEGV_MAPERR && addr == 0x3800_1234 { 77 } else { 78 });
}

fn segv_handler_with_address() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        if sig::set_handler(11, segv_exit, false, 0).is_err() {
            posix::exit(1);
        }
        // SAFETY: nothing is mapped at this address, so VM reports the
        // fault to PM, which runs the handler (which ends the process);
        // the read never completes and no Rust value refers to the page.
        let v = unsafe { sel4::read_u64_at(0x3800_1234) };
        posix::exit(2 + (v & 1) as u8);
    }
    want_status(reap(pid, 0)?, pm::exit_status(77), "the SIGSEGV handler did not see the fault")?;
    // Without a handler the fault still ends the process with SIGSEGV.
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        // SAFETY: as above; without a handler the fault ends the process.
        let v = unsafe { sel4::read_u64_at(0x3800_1234) };
        posix::exit(2 + (v & 1) as u8);
    }
    want_status(reap(pid, 0)?, pm::signal_status(11), "a fault without a handler did not kill")
}

static CHILD_SIGNALS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

fn on_child(_sig: u32) {
    CHILD_SIGNALS.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
}

fn sigchld_handler() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        if sig::set_handler(17, on_child, false, 0).is_err() {
            posix::exit(1);
        }
        let c = match posix::fork() {
            Ok(0) => posix::exit(0),
            Ok(c) => c,
            Err(_) => posix::exit(2),
        };
        // The wait is interrupted by SIGCHLD (EINTR) or answered first.
        let mut reaped = false;
        for _ in 0..3 {
            match posix::waitpid(c as i64, 0) {
                Ok(_) => {
                    reaped = true;
                    break;
                }
                Err(e) if e == minix_abi::errno::EINTR => continue,
                Err(_) => posix::exit(3),
            }
        }
        let n = CHILD_SIGNALS.load(core::sync::atomic::Ordering::SeqCst);
        posix::exit(if reaped && n == 1 { 0 } else { 10 + reaped as u8 * 4 + n as u8 });
    }
    want_status(reap(pid, 0)?, 0, "SIGCHLD did not reach the parent's handler once")
}

fn sigpipe() -> R {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    ok(fs::close(r), "close the read end")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::write(w, b"nobody reads this");
        posix::exit(1);
    }
    want_status(reap(pid, 0)?, pm::signal_status(13), "a write with no reader did not end the writer with SIGPIPE")?;
    // Ignored, the write answers EPIPE.
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = sig::set_ignored(13, true);
        posix::exit(if fs::write(w, b"x") == Err(minix_abi::errno::EPIPE) { 0 } else { 2 });
    }
    let status = reap(pid, 0)?;
    ok(fs::close(w), "close")?;
    want_status(status, 0, "an ignored SIGPIPE did not leave EPIPE")
}

fn sigsuspend_and_pause() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let bit = 1 << (SIGUSR1 - 1);
        if sig::set_handler(SIGUSR1, count, false, 0).is_err() || sig::sigprocmask(MaskHow::Block, bit).is_err() {
            posix::exit(1);
        }
        // The parent's first SIGUSR1 waits, blocked, until sigsuspend
        // unblocks it.
        sleep_ms(60);
        if handled() != 0 || sig::sigsuspend(0) != minix_abi::errno::EINTR || handled() != 1 {
            posix::exit(2);
        }
        // Back to the old mask: SIGUSR1 blocked again.
        if sig::sigprocmask(MaskHow::Block, 0) != Ok(bit) || sig::sigprocmask(MaskHow::Unblock, bit).is_err() {
            posix::exit(3);
        }
        // pause() waits for the second.
        if sig::pause() != minix_abi::errno::EINTR || handled() != 2 {
            posix::exit(4);
        }
        posix::exit(0);
    }
    sleep_ms(20);
    ok(sig::kill(pid as i32, SIGUSR1), "first kill")?;
    sleep_ms(120);
    ok(sig::kill(pid as i32, SIGUSR1), "second kill")?;
    want_status(reap(pid, 0)?, 0, "sigsuspend or pause did not return EINTR after the handler")
}

/// Where the alternate-stack test's handler found its own stack.
static HANDLER_SP: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

fn note_stack(sig: u32) {
    let local = 0u8;
    HANDLER_SP.store(core::hint::black_box(&local) as *const u8 as u64, core::sync::atomic::Ordering::SeqCst);
    count(sig);
}

fn handler_on_the_alternate_stack() -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        const SIZE: u64 = 64 * 1024;
        let Ok(stack) = posix::mmap(
            0,
            SIZE,
            minix_abi::vm::PROT_READ | minix_abi::vm::PROT_WRITE,
            minix_abi::vm::MAP_ANON | minix_abi::vm::MAP_PRIVATE,
        ) else {
            posix::exit(1)
        };
        if sig::sigaltstack(Some((stack as u32, SIZE as u32))).is_err() || sig::set_handler_on(SIGUSR1, note_stack, false, 0, true).is_err()
        {
            posix::exit(2);
        }
        let _ = sig::kill(posix::getpid() as i32, SIGUSR1);
        let sp = HANDLER_SP.load(core::sync::atomic::Ordering::SeqCst);
        // Disabling it again answers the stack that was set.
        let old = sig::sigaltstack(None);
        posix::exit(if handled() != 1 {
            3
        } else if !(stack..stack + SIZE).contains(&sp) {
            4
        } else if old.map(|(_, s, n)| (s as u64, n as u64)) != Ok((stack, SIZE)) {
            5
        } else {
            0
        });
    }
    want_status(reap(pid, 0)?, 0, "the handler did not run on the alternate stack")
}

/// The order handlers ran in (each test runs in a fresh child).
struct Trace {
    at: core::sync::atomic::AtomicUsize,
    seen: [core::sync::atomic::AtomicU32; 8],
}

static TRACE: Trace = Trace { at: core::sync::atomic::AtomicUsize::new(0), seen: [const { core::sync::atomic::AtomicU32::new(0) }; 8] };

fn note(v: u32) {
    let i = TRACE.at.fetch_add(1, core::sync::atomic::Ordering::SeqCst);
    if let Some(slot) = TRACE.seen.get(i) {
        slot.store(v, core::sync::atomic::Ordering::SeqCst);
    }
}

fn traced() -> ([u32; 8], usize) {
    let mut out = [0; 8];
    for (o, s) in out.iter_mut().zip(TRACE.seen.iter()) {
        *o = s.load(core::sync::atomic::Ordering::SeqCst);
    }
    (out, TRACE.at.load(core::sync::atomic::Ordering::SeqCst))
}

fn note_sig(sig: u32) {
    note(sig);
}

fn raise(sig: u32) -> bool {
    sig::kill(posix::getpid() as i32, sig).is_ok()
}

/// Runs `body` in a child that exits with its code; the test passes if
/// that is 0.
fn in_child(body: fn() -> u8, why: &'static str) -> R {
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        posix::exit(body());
    }
    want_status(reap(pid, 0)?, 0, why)
}

fn unblocked_together() -> R {
    in_child(
        || {
            let both = 1 << (SIGUSR1 - 1) | 1 << (SIGUSR2 - 1);
            if sig::set_handler(SIGUSR1, note_sig, false, 0).is_err() || sig::set_handler(SIGUSR2, note_sig, false, 0).is_err() {
                return 1;
            }
            if sig::sigprocmask(MaskHow::Block, both).is_err() || !raise(SIGUSR1) || !raise(SIGUSR2) || traced().1 != 0 {
                return 2;
            }
            // Both are taken as the mask opens, SIGUSR1 first; SIGUSR2's
            // handler runs first (Linux's stacked frames), both before
            // sigprocmask returns, which answers the mask it replaced.
            if sig::sigprocmask(MaskHow::Unblock, both) != Ok(both) {
                return 3;
            }
            match traced() {
                (t, 2) if t[..2] == [SIGUSR2, SIGUSR1] => 0,
                _ => 4,
            }
        },
        "two signals unblocked together did not both run, last taken first, before sigprocmask returned",
    )
}

/// SIGUSR1's handler: its action blocks SIGUSR2, which it raises.
fn raises_usr2(sig: u32) {
    note(sig);
    let _ = raise(SIGUSR2);
    note(100);
}

/// SIGUSR2's handler with SA_NODEFER: raises itself once, nested.
fn nested_usr2(sig: u32) {
    let first = traced().1 == 0;
    note(sig);
    if first {
        let _ = raise(SIGUSR2);
    }
    note(200);
}

fn mask_nodefer_resethand() -> R {
    in_child(
        || {
            use minix_abi::signal::SaFlags;
            let usr2 = 1 << (SIGUSR2 - 1);
            if sig::set_handler(SIGUSR1, raises_usr2, false, usr2).is_err()
                || sig::set_handler_flags(SIGUSR2, note_sig, SaFlags::NODEFER.with(SaFlags::RESETHAND), 0).is_err()
            {
                return 1;
            }
            // sa_mask: SIGUSR2 waits until SIGUSR1's handler returns, and
            // runs before the kill does.
            if !raise(SIGUSR1) || traced() != ([SIGUSR1, 100, SIGUSR2, 0, 0, 0, 0, 0], 3) {
                return 2;
            }
            // SA_RESETHAND: the action went back to SIG_DFL as it ran.
            let q = sig::call_pm(&minix_abi::pm::Request::SigAction { sig: minix_abi::signal::SIGUSR2, new: None });
            if q.result() != Ok(0) || q.vals[0] != minix_abi::signal::SIG_DFL {
                return 3;
            }
            // SA_NODEFER: the handler's own signal comes at once, nested.
            TRACE.at.store(0, core::sync::atomic::Ordering::SeqCst);
            if sig::set_handler_flags(SIGUSR2, nested_usr2, SaFlags::NODEFER, 0).is_err() {
                return 4;
            }
            if !raise(SIGUSR2) || traced() != ([SIGUSR2, SIGUSR2, 200, 200, 0, 0, 0, 0], 4) {
                return 5;
            }
            0
        },
        "sa_mask, SA_NODEFER or SA_RESETHAND went wrong in a handler run from a kill of the process itself",
    )
}

static CHILD_INFO: [core::sync::atomic::AtomicU32; 4] = [const { core::sync::atomic::AtomicU32::new(u32::MAX) }; 4];

fn record_child_info(_sig: u32) {
    let i = sig::siginfo();
    for (slot, v) in CHILD_INFO.iter().zip([i.code as u32, i.pid, i.uid, i.status as u32]) {
        slot.store(v, core::sync::atomic::Ordering::SeqCst);
    }
}

fn siginfo_of_sigchld() -> R {
    in_child(
        || {
            use minix_abi::signal::{code, SaFlags};
            if sig::set_handler_flags(17, record_child_info, SaFlags::SIGINFO, 0).is_err() {
                return 1;
            }
            let c = match posix::fork() {
                Ok(0) => {
                    sleep_ms(30);
                    posix::exit(7)
                }
                Ok(c) => c,
                Err(_) => return 2,
            };
            // The child exits while this waits: the handler runs, with the
            // whole siginfo (SA_SIGINFO), before waitpid returns.
            if posix::waitpid(c as i64, 0) != Ok((c, pm::exit_status(7))) {
                return 3;
            }
            let got: [u32; 4] = core::array::from_fn(|k| CHILD_INFO[k].load(core::sync::atomic::Ordering::SeqCst));
            if got != [code::CLD_EXITED as u32, c, 0, 7] {
                sel4_root_task::println!("  siginfo (code, pid, uid, status) {:?}", got);
                return 4;
            }
            0
        },
        "a SIGCHLD handler with SA_SIGINFO did not see the child's pid and status",
    )
}

fn wait_restart() -> R {
    in_child(
        || {
            let me = posix::getpid() as i32;
            // A child to wait for, and one that signals this process while
            // it waits.
            let late = |ms: u64, code: u8| match posix::fork() {
                Ok(0) => {
                    sleep_ms(ms);
                    posix::exit(code)
                }
                Ok(c) => Some(c),
                Err(_) => None,
            };
            for restart in [false, true] {
                if sig::set_handler(SIGUSR1, count, restart, 0).is_err() {
                    return 1;
                }
                let Some(c) = late(80, 5) else { return 2 };
                let Ok(k) = posix::fork() else { return 2 };
                if k == 0 {
                    sleep_ms(20);
                    let _ = sig::kill(me, SIGUSR1);
                    posix::exit(0);
                }
                let before = handled();
                let got = posix::waitpid(c as i64, 0);
                let want = if restart { Ok((c, pm::exit_status(5))) } else { Err(minix_abi::errno::EINTR) };
                if got != want || handled() != before + 1 {
                    return 3 + restart as u8;
                }
                if !restart && posix::waitpid(c as i64, 0) != Ok((c, pm::exit_status(5))) {
                    return 5;
                }
                if posix::waitpid(k as i64, 0).is_err() {
                    return 6;
                }
            }
            0
        },
        "a wait a handler interrupted did not end with EINTR, or was not made again under SA_RESTART",
    )
}

static FORKED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(u32::MAX);

fn forks(_sig: u32) {
    let pid = posix::fork().unwrap_or(u32::MAX - 1);
    FORKED.store(pid, core::sync::atomic::Ordering::SeqCst);
}

fn fork_in_handler() -> R {
    in_child(
        || {
            if sig::set_handler(SIGUSR1, forks, false, 0).is_err() {
                return 1;
            }
            // Both return from the handler and from the kill; the child's
            // signal mask is back as well.
            let killed = raise(SIGUSR1);
            let forked = FORKED.load(core::sync::atomic::Ordering::SeqCst);
            let unblocked = sig::sigprocmask(MaskHow::Block, 0) == Ok(0);
            if forked == 0 {
                posix::exit(if killed && unblocked { 42 } else { 43 });
            }
            if !killed || !unblocked || forked >= u32::MAX - 1 {
                return 2;
            }
            match posix::waitpid(forked as i64, 0) {
                Ok((_, st)) if st == pm::exit_status(42) => 0,
                _ => 3,
            }
        },
        "a fork inside a handler did not return from the handler and the kill in both processes",
    )
}
