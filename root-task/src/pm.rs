// SPDX-License-Identifier: BSD-2-Clause
//! The process manager (MINIX's PM), run by the root task after boot:
//! getpid/getppid, fork (with VM), exit and wait, and process deaths VM
//! reports; VFS hears of every fork and exit. Every answer goes out with
//! ReplyRecv; a `wait` that must block saves its reply cap and is answered
//! later. Alarms and interval timers are in [`alarms`].
extern crate alloc;
mod alarms;
mod threads;
use crate::boot::System;
use crate::kobj::Kernel;
use alloc::vec::Vec;
use minix_abi::common;
use minix_abi::cspace as cs;
use minix_abi::endpoint::Sender;
use minix_abi::signal::{code as sicode, SigInfo, Signal};

/// The signal a fault names when VM's word is none (never, today).
const SIGSEGV_SIGNAL: Signal = minix_abi::signal::SIGSEGV;
use minix_abi::endpoint::{self, Endpoint, INIT, PM};
use minix_abi::errno::{Errno, EAGAIN, EINTR, EINVAL, ENOMEM, ENOSYS, ESRCH};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::pm::{self, Request};
use minix_abi::sigframe::{reg, FRAME_BYTES};
use minix_abi::system::{self, CapKind, FaultHandler, Role};
use minix_abi::{vfs, vm};
use root_task::effects::{Effect, Effects};
use root_task::handed::{Answer, Owed};
use root_task::handler_frame::{self, Interrupted, Regs, Stands};
use root_task::pm_calls;
use root_task::pm_policy::{self, Decision};
use root_task::proctab::ProcCaps;
use root_task::signals::{CallEnd, Delivery, HandlerRun};
use root_task::tally::Tally;
use root_task::wait::WaitResult;
use sel4::{init, object, CNode, CPtr, CapRights, Frame, MessageInfo, Tcb, UserContext, VSpace};
use sel4_root_task::println;

/// Where a new process comes from.
#[derive(Copy, Clone, Debug)]
enum Origin<'a> {
    /// Memory with only its IPC buffer, the clock page and this exec
    /// argument block; the thread not started: it waits for the exec
    /// (init).
    Exec(&'a [u8]),
    /// A copy-on-write copy of this process, returning 0 from its FORK.
    Fork(Endpoint),
}

/// init's program, arguments and environment.
const INIT_PATH: &[u8] = b"/sbin/init";
const INIT_ENV: &[&[u8]] = &[b"PATH=/bin:/sbin", b"HOME=/"];

/// The servers that report ready before init starts: VM, VFS, FS, BLK,
/// TIMER.
const SERVERS: u32 = 5;

const SEND: CapRights = CapRights(CapRights::WRITE.0 | CapRights::GRANT.0);

/// Kernel objects of a dead process kept for the next one.
struct Spare {
    tcb: u64,
    raw_cnode: u64,
    cnode: u64,
    ipc_frame: u64,
}

pub struct Pm<'a> {
    k: &'a mut Kernel,
    sys: System,
    spares: Vec<Spare>,
    /// Raw (unguarded) CNode cap of each live user process, by slot.
    raw_cnodes: Vec<u64>,
    ready: u32,
    /// Boot is over and VFS serves: PM tells it of forks and exits.
    vfs_ready: bool,
    selftests: Tally,
    /// The TSC frequency the kernel measured at boot (GETSYSINFO).
    tsc_mhz: u64,
    /// Handlers started and not yet returned from, by slot: which slot
    /// of the IPC buffer's handler area the next frame goes to, and
    /// whether a SIGRETURN is expected.
    handler_depth: Vec<u8>,
    /// The processes' alarms in the timer driver.
    alarms: alarms::Alarms,
    /// Processes' further threads, and the futex words threads wait on
    /// (`threads.rs`).
    threads: root_task::threads::ThreadTable,
    futexes: root_task::futex::FutexTable,
    /// First threads that ended while other threads of theirs run, with
    /// their exit codes: the process ends with its last thread.
    exiting_leaders: Vec<(Endpoint, u8)>,
}

/// What the loop does after a request.
enum Next {
    Reply(Reply),
    /// An answer with a label (`handed::Answer::encode`): a reply, or
    /// `RUN_HANDLER` or `RESTART` to a caller that runs its handlers.
    Message((u64, [u64; 4], u64)),
    NoReply,
}

/// A process PM owes an answer: the caller of the call being served, or
/// a process whose call it saved the reply cap of. A signal delivered to
/// it meanwhile reaches it through that answer.
#[derive(Copy, Clone)]
struct Caller {
    ep: Endpoint,
    /// How its call ends; `None` once that is kept in its handed-over
    /// records (a handler was handed to it, or the call is HANDLER_DONE).
    answer: Option<Owed>,
    /// It runs its handlers itself (`pm::RUNS_HANDLERS`).
    runs_handlers: bool,
}

impl<'a> Pm<'a> {
    pub fn new(k: &'a mut Kernel, sys: System, selftests: Tally, tsc_mhz: u64) -> Pm<'a> {
        let raw_cnodes = alloc::vec![0; crate::boot::PROC_TABLE_SLOTS];
        let handler_depth = alloc::vec![0; crate::boot::PROC_TABLE_SLOTS];
        Pm {
            k,
            sys,
            spares: Vec::new(),
            raw_cnodes,
            ready: 0,
            vfs_ready: false,
            selftests,
            tsc_mhz,
            handler_depth,
            alarms: alarms::Alarms::new(),
            threads: root_task::threads::ThreadTable::new(),
            futexes: root_task::futex::FutexTable::new(),
            exiting_leaders: Vec::new(),
        }
    }

    /// Waits until VM, VFS, FS, the block driver and the timer driver
    /// report ready, then starts init.
    pub fn run(mut self) -> ! {
        let ep = self.sys.pm_ep.cptr();
        let mut msg = sel4::recv(ep);
        loop {
            let next = self.handle(&msg);
            if self.ready == SERVERS {
                // Answer the last server first: it must be back in its loop
                // before PM calls it.
                self.ready += 1;
                if let Next::Reply(r) = next {
                    sel4::reply(MessageInfo::new(0, 0, 0, r.len()), r.to_words());
                }
                if let Next::Message((label, words, len)) = next {
                    sel4::reply(MessageInfo::new(label, 0, 0, len), words);
                }
                self.finish_boot();
                msg = sel4::recv(ep);
                continue;
            }
            msg = match next {
                Next::Reply(r) => sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, r.len()), r.to_words()),
                Next::Message((label, words, len)) => sel4::reply_recv(ep, MessageInfo::new(label, 0, 0, len), words),
                Next::NoReply => sel4::recv(ep),
            };
        }
    }

    /// Every server is ready: let VM adopt VFS, FS and the block driver
    /// (which all map memory from VM for their copies), check FS answers
    /// and serves the boot file system, start init.
    fn finish_boot(&mut self) {
        for server in [endpoint::VFS, endpoint::FS, endpoint::BLK] {
            if let Err(e) = self.adopt(server) {
                println!("boot: VM could not adopt {}: {}", server_name(server), e.name());
                crate::exit::exit_qemu(false);
            }
        }
        // init has no cap to FS, so PM checks that FS answers.
        let r = sel4::call(self.sys.fs_call.cptr(), MessageInfo::new(common::PING, 0, 0, 0), [0; 4]);
        let fs_ok = Reply::from_received(r.mrs, r.info.length()).result() == Ok(endpoint::FS.0 as u64);
        println!("test boot.ping_fs: {}", if fs_ok { "ok" } else { "FAILED (wrong answer)" });
        self.selftests.record(fs_ok);
        // FS mounted the image it embeds: STATVFS must give its totals (1 KiB
        // blocks, as many as tools/build-sel4.sh counted, some used, some free).
        // A disk has its own size and block size (`make conformance`'s has
        // 4 KiB blocks).
        let r = sel4::call(self.sys.fs_call.cptr(), MessageInfo::new(minix_abi::fs::STATVFS, 0, 0, 0), [0; 4]);
        let sv = minix_abi::fs::StatVfs::from_reply(&Reply::from_received(r.mrs, r.info.length()));
        let blocks = option_env!("SEL4M_ROOTFS_BLOCKS").and_then(|b| b.parse::<u32>().ok());
        // On a disk (the block driver found one and it mounted) the size
        // is the disk's.
        let sv_ok = matches!(sv, Ok(s) if s.block_size.is_power_of_two() && s.block_size >= 1024
            && ((s.dev as u64 == minix_abi::fs::RAM_DEV && s.block_size == 1024 && Some(s.blocks) == blocks) || s.dev as u64 == minix_abi::fs::DISK_DEV)
            && (1..s.blocks).contains(&s.free_blocks) && (1..s.files).contains(&s.free_files));
        if sv_ok {
            println!("test boot.fs_statvfs: ok");
        } else {
            println!("test boot.fs_statvfs: FAILED ({:?}, image of {:?} blocks)", sv, blocks);
        }
        self.selftests.record(sv_ok);
        // Every server is back in its loop: from here on VFS hears of each
        // fork and exit (init's spawn has no parent to copy from).
        self.vfs_ready = true;
        println!("boot: all servers ready; starting {}", core::str::from_utf8(INIT_PATH).unwrap_or("init"));
        if let Err(e) = self.start_init() {
            println!("boot: init failed to start: {}", e.name());
            crate::exit::exit_qemu(false);
        }
    }

    /// init is a program on the root file system like any other: PM has VM
    /// make a process whose memory holds only its argument block, then has
    /// it exec that block (`INIT_PATH`) through VFS and VM as any exec
    /// goes.
    fn start_init(&mut self) -> Result<(), Errno> {
        let mut block = [0u8; vm::SPAWN_BLOCK_MAX as usize];
        let len = minix_abi::exec::write_block(&mut block, INIT_PATH, [INIT_PATH].into_iter(), INIT_ENV.iter().copied())?;
        let (pid, at) = self.create(PM.slot(), Origin::Exec(&block[..len]))?;
        let ep = self.sys.procs.by_pid(pid).and_then(|slot| self.sys.procs.get(slot)).map(|p| p.ep).ok_or(ESRCH)?;
        if ep != INIT {
            return Err(EINVAL);
        }
        match self.exec(ep, at, len as u32) {
            Next::Reply(r) => Err(r.result().err().unwrap_or(EINVAL)),
            _ => Ok(()),
        }
    }

    fn handle(&mut self, msg: &sel4::Received) -> Next {
        let raw = RawRequest::from_tag(msg.info.0, msg.mrs);
        // The caller may say it runs its handlers itself; the rest of the
        // label is the call.
        let (call, runs_handlers) = pm::split_call(raw.call);
        let req = RawRequest { call, ..raw };
        // SIGRETURN carries the whole frame (24 words), more than a
        // decoded request holds.
        if req.call == pm::SIGRETURN {
            if let Sender::Process(ep) = Sender::from_badge(msg.badge) {
                if self.sys.procs.by_ep(ep).is_some() && !endpoint::is_server(ep) {
                    return self.sigreturn(ep, msg);
                }
            }
        }
        match pm_policy::decide(msg.badge, &req, &self.sys.procs, &self.threads) {
            Decision::Notified { vm, alarm } => {
                if vm {
                    self.collect_vm_events();
                }
                if alarm {
                    self.alarms_due();
                }
                Next::NoReply
            }
            Decision::Answer(r) => Next::Reply(r),
            Decision::Do(who, r) if self.threads.by_ep(who).is_some() => self.thread_request(who, r),
            Decision::Do(who, r) => self.request(who, r, runs_handlers),
        }
    }

    /// Carries out a request `pm_policy::decide` has allowed; the caller
    /// runs its handlers itself if `runs_handlers`.
    fn request(&mut self, who: Endpoint, r: Request, runs_handlers: bool) -> Next {
        let slot = who.slot();
        let Some(me) = self.sys.procs.get(slot) else { return Next::Reply(Reply::err(EINVAL)) };
        let (pid, parent) = (me.pid, me.parent);
        match r {
            Request::GetPid => {
                let ppid = self.sys.procs.get(parent).map_or(0, |p| p.pid);
                Next::Reply(Reply::ok_with(pid as u64, [ppid as u64, 0, 0]))
            }
            Request::GetSysInfo => Next::Reply(Reply::ok(self.tsc_mhz)),
            Request::Times => Next::Reply(self.times(slot)),
            Request::SetTls { base } => Next::Reply(self.set_tls(slot, base)),
            Request::ThreadNew { stack, tls, clear_tid, entry } => Next::Reply(self.thread_new(who, stack, tls, clear_tid, entry)),
            Request::ThreadExit { code } => self.thread_exit(who, code),
            Request::GetTid => Next::Reply(Reply::ok(pid as u64)),
            Request::Futex(op) => self.futex(who, who, op),
            Request::GetPpid => Next::Reply(Reply::ok(self.sys.procs.get(parent).map_or(0, |p| p.pid) as u64)),
            Request::SrvReady => {
                println!("boot: {} ready", server_name(who));
                self.ready += 1;
                Next::Reply(Reply::ok(0))
            }
            Request::Shutdown { passed, failed } => {
                let mut t = self.selftests;
                t.add(Tally { passed: passed as u32, failed: failed as u32 });
                // The file system writes everything back and sets its
                // clean flag before the machine stops.
                let r = sel4::call(self.sys.fs_call.cptr(), MessageInfo::new(minix_abi::fs::UNMOUNT, 0, 0, 0), [0; 4]);
                let unmounted = Reply::from_received(r.mrs, r.info.length()).result();
                match unmounted {
                    Ok(_) => println!("shutdown: the file system is clean"),
                    Err(e) => println!("shutdown: FAILED: the file system did not unmount: {}", e.name()),
                }
                println!("{}", t);
                crate::exit::exit_qemu(t.success() && unmounted.is_ok())
            }
            Request::Fork => Next::Reply(match self.create(slot, Origin::Fork(who)) {
                Ok((pid, _)) => Reply::ok(pid as u64),
                Err(e) => Reply::err(e),
            }),
            Request::Exit { code } => {
                self.destroy(who, pm::exit_status(code));
                Next::NoReply
            }
            Request::Wait { pid, options } => self.wait(who, pid, options, runs_handlers),
            Request::Exec { block, len } => self.exec(who, block, len),
            // A SIGRETURN that decodes as a request has too few words for
            // a frame (the real one is taken in `handle`).
            Request::SigReturn { .. } => Next::Reply(Reply::err(EINVAL)),
            Request::SigSuspend { mask } => self.sigsuspend(who, mask, runs_handlers),
            Request::HandlerDone { token, mask } => {
                let mut fx = Effects::new();
                if let Err(e) = self.sys.procs.handler_done(slot, token, mask, &mut fx) {
                    return Next::Reply(Reply::err(e));
                }
                // Only a runtime that runs its handlers makes this call;
                // what it hears next is kept in its records, after any
                // signal the restored mask lets through.
                let c = Caller { ep: who, answer: None, runs_handlers: true };
                match self.carry_out_for(fx, Some(c)) {
                    Some(c) => Next::Message(self.final_answer(c)),
                    None => Next::NoReply,
                }
            }
            Request::HandlerInfo { token } => Next::Reply(match self.sys.procs.handler_details(slot, token) {
                Ok(d) => d.to_reply(),
                Err(e) => Reply::err(e),
            }),
            Request::SigAltStack { change } => {
                // The caller's stack pointer says whether it runs on the
                // alternate stack now (which may then not change). It
                // stands in its call, so the pointer is in r12
                // (`handler_frame::stack_pointer`).
                let sp = self.sys.procs.get(slot).and_then(|p| Tcb::from_bits(p.caps.tcb).read_registers(false).ok()).map_or(0, |r| r.r12);
                Next::Reply(pm_calls::altstack_reply(self.sys.procs.sigaltstack(slot, change, sp)))
            }
            r @ (Request::Alarm { .. } | Request::SetItimer { .. } | Request::GetItimer) => self.itimer_call(who, r),
            // The table's own calls (kill, sigaction, sigprocmask,
            // sigpending, groups, sessions, ids): root_task::pm_calls
            // decides and answers; the glue carries out what follows.
            other => {
                let mut fx = Effects::new();
                let reply = pm_calls::answer(&mut self.sys.procs, slot, &other, &mut fx).unwrap_or(Reply::err(ENOSYS));
                self.answer_then(Caller { ep: who, answer: Some(Owed::Answer(reply)), runs_handlers }, fx)
            }
        }
    }

    /// SIGSUSPEND (and pause): the caller waits with `mask` until a
    /// signal's handler ends the wait (its frame answers `EINTR`) or a
    /// signal ends the process. PM keeps the caller's reply cap as for a
    /// `wait`; a signal already pending under the new mask is delivered
    /// at once.
    fn sigsuspend(&mut self, who: Endpoint, mask: minix_abi::signal::SigSet, runs_handlers: bool) -> Next {
        let slot = who.slot();
        let mut fx = Effects::new();
        if let Err(e) = self.sys.procs.sigsuspend(slot, mask, &mut fx) {
            return Next::Reply(Reply::err(e));
        }
        let Ok(cap) = self.k.slot() else { return Next::Reply(Reply::err(ENOMEM)) };
        if init::CNODE.save_caller(cap.0, sel4::CNODE_DEPTH).is_err() {
            self.k.slots.free(cap.0);
            return Next::Reply(Reply::err(ENOMEM));
        }
        if let Some(p) = self.sys.procs.get_mut(slot) {
            p.caps.reply = cap.0;
            p.caps.reply_runs_handlers = runs_handlers;
        }
        self.carry_out(fx);
        Next::NoReply
    }

    /// Carries out `fx` for the call of `c`, then answers it unless a
    /// delivery to `c` itself took the answer: a handler handed to it
    /// comes first (its call ends when the handler returns, so a raise
    /// runs the handler before it returns), or, for a caller that does
    /// not run its handlers, the answer is folded into a handler's frame;
    /// a stop answers first (the call must not be made again on
    /// continue); a termination needs none.
    fn answer_then(&mut self, c: Caller, fx: Effects) -> Next {
        if fx.is_empty() {
            if let Some(Owed::Answer(r)) = c.answer {
                return Next::Reply(r);
            }
        }
        match self.carry_out_for(fx, Some(c)) {
            Some(c) => Next::Message(self.final_answer(c)),
            None => Next::NoReply,
        }
    }

    /// What `c` hears now: its call's answer, or, once a handler was
    /// handed to it, what its records say (the newest handler not
    /// started, else the answer they kept; `EINTR` if the bound on them
    /// dropped it).
    fn final_answer(&mut self, c: Caller) -> (u64, [u64; 4], u64) {
        let a = match c.answer {
            Some(o) => Answer::Owed(o),
            None => self.sys.procs.handed_answer(c.ep.slot()).unwrap_or(Answer::Owed(Owed::Answer(Reply::err(EINTR)))),
        };
        a.encode()
    }

    /// A process blocked in a PM call whose reply cap PM saved, if it
    /// runs its handlers itself: taking `run` ends the call (`EINTR`, or
    /// made again under `SA_RESTART`), so the handler can be handed to it
    /// through that reply. `None` for anyone else.
    fn saved_caller(&mut self, slot: usize, ep: Endpoint, run: &HandlerRun) -> Option<Caller> {
        let p = self.sys.procs.get(slot)?;
        if p.caps.reply == 0 || !p.caps.reply_runs_handlers {
            return None;
        }
        let owed = self.sys.procs.interrupted_pm_call_owed(slot, run)?;
        Some(Caller { ep, answer: Some(owed), runs_handlers: true })
    }

    /// Carries out what the process table decided, in order (see
    /// `root_task::effects`): deliveries, continues, and waits to answer.
    fn carry_out(&mut self, fx: Effects) {
        let _ = self.carry_out_for(fx, None);
    }

    /// [`Pm::carry_out`], with an answer owed to a process (the caller of
    /// the call being served, or a parent whose `wait` an exit ends) that
    /// a delivery to that process takes (see [`Pm::answer_then`]): the
    /// process hears of the signal before it runs on. Gives the caller
    /// back if it is still owed its answer.
    fn carry_out_for(&mut self, mut fx: Effects, mut caller: Option<Caller>) -> Option<Caller> {
        while let Some(e) = fx.pop() {
            match e {
                Effect::Deliver(slot) => {
                    let Some(ep) = self.sys.procs.get(slot).map(|p| p.ep) else { continue };
                    let mut mine = caller.take_if(|c| c.ep == ep);
                    // Taken from a saved reply cap here: answered here.
                    let mut saved = false;
                    while let Some(d) = self.sys.procs.next_delivery(slot, &mut fx) {
                        match d {
                            Delivery::Terminate { sig, .. } => {
                                mine = None;
                                // No core files are written, so no wait
                                // status says one was (POSIX's WCOREDUMP).
                                self.destroy(ep, pm::signal_status(sig.number() as u64));
                                break;
                            }
                            Delivery::Stop { .. } => {
                                if let Some(c) = mine.take() {
                                    let m = self.final_answer(c);
                                    self.send_answer(ep, m);
                                }
                                self.stop(ep);
                            }
                            Delivery::Ignore(_) => {}
                            Delivery::RunHandler(run) => {
                                if mine.is_none() {
                                    mine = self.saved_caller(slot, ep, &run);
                                    saved = mine.is_some();
                                }
                                match mine.as_mut() {
                                    // No registers touched: the handler
                                    // comes with the answer.
                                    Some(c) if c.runs_handlers => self.sys.procs.hand_over(slot, &run, c.answer.take()),
                                    _ => {
                                        // Only a caller that runs its
                                        // handlers is owed a restart.
                                        let answer = mine.take().and_then(|c| match c.answer {
                                            Some(Owed::Answer(r)) => Some(r),
                                            _ => None,
                                        });
                                        if !self.run_handler(slot, ep, &run, answer) {
                                            break;
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if let Some(c) = mine {
                        if saved {
                            let m = self.final_answer(c);
                            self.answer_saved(slot, m);
                        } else {
                            caller = Some(c);
                        }
                    }
                }
                Effect::Resume(slot) => {
                    if let Some((tcb, ep)) = self.sys.procs.get(slot).map(|p| (p.caps.tcb, p.ep)) {
                        // The kernel restarts the thread where it was: in
                        // user code, or making again the call the stop
                        // cancelled. Its other threads go on too.
                        let _ = Tcb::from_bits(tcb).resume();
                        self.stop_threads_of(ep, false);
                    }
                }
                Effect::WakeWaiter { parent, pid, status } => self.answer_waiter(parent, pid, status),
            }
        }
        caller
    }

    /// Sends `m` (label, words, length) to `ep`: through the reply cap PM
    /// saved for its call, or else as the answer to the call being served.
    fn send_answer(&mut self, ep: Endpoint, m: (u64, [u64; 4], u64)) {
        let slot = ep.slot();
        if self.sys.procs.get(slot).is_some_and(|p| p.caps.reply != 0) {
            self.answer_saved(slot, m);
        } else {
            sel4::reply(MessageInfo::new(m.0, 0, 0, m.2), m.1);
        }
    }

    /// Stops a process (the table has recorded the stop). Suspending its
    /// thread cancels any Call it is blocked in, which deletes the reply
    /// cap its server saved: VFS is told to forget the call, and a wait in
    /// PM is forgotten here; the thread makes the call again when it
    /// continues (`Tcb::resume` restarts it at the `syscall`).
    fn stop(&mut self, ep: Endpoint) {
        let Some(p) = self.sys.procs.get(ep.slot()) else { return };
        let tcb = p.caps.tcb;
        let _ = self.suspend_thread(ep, tcb);
        let Some(p) = self.sys.procs.get_mut(ep.slot()) else { return };
        let reply = core::mem::take(&mut p.caps.reply);
        p.waiting = None;
        if reply != 0 {
            let _ = init::CNODE.delete(reply, sel4::CNODE_DEPTH);
            self.k.slots.free(reply);
        }
        self.stop_threads_of(ep, true);
    }

    /// Suspends a thread of a user process (to stop it or to start a
    /// handler), which cancels a Call it is blocked in. VFS freezes it
    /// first, so that the cancelled call is one that has done nothing
    /// (see `PROC_CANCEL`): a call VFS was serving is answered before, and
    /// one VFS holds waiting is dropped. A wait in PM is forgotten here.
    /// The thread makes its call again when it continues, or the
    /// handler's frame ends it with EINTR.
    ///
    /// True if the thread was waiting in VFS (a pipe, a poll): a wait a
    /// handler without `SA_RESTART` ends with EINTR. Any other VFS call
    /// it stands on had not been served and restarts in any case.
    pub(crate) fn suspend_thread(&mut self, ep: Endpoint, tcb: u64) -> bool {
        let waited = self.cancel_in_vfs(ep, false) == 1;
        let _ = Tcb::from_bits(tcb).suspend();
        self.forget_futex_waits(ep);
        self.cancel_in_vfs(ep, true);
        waited
    }

    /// PROC_CANCEL: VFS freezes `ep` (before PM suspends it) or thaws it
    /// (after). Returns VFS's answer (0 when VFS is not told or fails).
    fn cancel_in_vfs(&mut self, ep: Endpoint, thaw: bool) -> u64 {
        if !pm_policy::tells_vfs(self.vfs_ready, ep) {
            return 0;
        }
        let (c, w, l) = vfs::Request::ProcCancel { who: ep, thaw }.encode();
        match mxrt::ipc::sendrec(self.sys.vfs_call.bits(), c, w, l).result() {
            Ok(v) => v,
            Err(e) => {
                println!("PM: VFS answered PROC_CANCEL of process {:#x} with {}", ep.0, e.name());
                0
            }
        }
    }

    /// Starts a handler (see `root_task::handler_frame` and
    /// `sel4::signal_entry`): the thread is suspended, which cancels a
    /// Call it is blocked in (VFS is told, a wait in PM forgotten); the
    /// call then either ends with EINTR in the frame or is made again on
    /// return (SA_RESTART). `answer`: the thread is the caller of the PM
    /// call being served, which ends with this answer. PM writes the return address and frame into
    /// the thread's IPC buffer, past what seL4 uses, and the entry copies
    /// them onto the stack. False if the process was killed instead.
    fn run_handler(&mut self, slot: usize, ep: Endpoint, run: &HandlerRun, answer: Option<Reply>) -> bool {
        let Some(p) = self.sys.procs.get_mut(slot) else { return false };
        let (tcb, ipc_frame, reply) = (Tcb::from_bits(p.caps.tcb), p.caps.ipc_frame, core::mem::take(&mut p.caps.reply));
        let in_pm = self.sys.procs.interrupted_pm_call(slot, run);
        if reply != 0 {
            let _ = init::CNODE.delete(reply, sel4::CNODE_DEPTH);
            self.k.slots.free(reply);
        }
        // A thread PM owes an answer waits for it in PM: it is stopped
        // already and in no other server's call. Anything else is
        // suspended (cancelling its call), and VFS told.
        let waited_in_vfs = answer.is_none() && in_pm.is_none() && self.suspend_thread(ep, tcb.bits());
        let Ok(ctx) = tcb.read_registers(false) else { return self.kill_for_frame(ep) };
        let regs = regs_of(&ctx);
        // A thread stopped in a Call stands on its `syscall` instruction;
        // one whose call was answered, just past it.
        let interrupted = answer.map(Interrupted::CompleteCall).or(in_pm).unwrap_or_else(|| {
            let rip = regs[reg::RIP];
            let stands = match self.peek(ep, rip.wrapping_sub(2)) {
                Some(code) => handler_frame::stands(code),
                None if self.peek(ep, rip).is_some_and(handler_frame::on_call) => Stands::OnCall,
                None => Stands::Elsewhere,
            };
            if stands == Stands::AfterCall {
                return Interrupted::AfterCall;
            }
            if stands == Stands::OnCall {
                // Only a wait ends with EINTR: a call the suspension
                // cancelled before it was served is made again.
                if !waited_in_vfs {
                    return Interrupted::RestartCall;
                }
                match run.call_end(true) {
                    CallEnd::Restart => Interrupted::RestartCall,
                    CallEnd::Eintr => Interrupted::CompleteCall(Reply::err(EINTR)),
                }
            } else {
                Interrupted::UserCode
            }
        });
        let Ok(entry) = handler_frame::enter(run, &regs, interrupted) else { return self.kill_for_frame(ep) };
        let depth = self.handler_depth.get(slot).copied().unwrap_or(0);
        let at = HANDLER_AREA + (depth as usize % HANDLER_SLOTS) * HANDLER_SLOT_BYTES;
        // SAFETY: PM keeps the process's IPC-buffer frame cap for itself
        // (VM maps its own copy in the process); PM maps it nowhere else.
        let written = unsafe {
            crate::scratch::with_frame(self.k, Frame::from_bits(ipc_frame), |page| {
                page[at..at + entry.bytes.len()].copy_from_slice(&entry.bytes)
            })
        };
        if written.is_err() {
            return self.kill_for_frame(ep);
        }
        let mut ctx = context_of(&entry.regs);
        ctx.r12 = cs::addr::IPC_BUFFER + at as u64;
        if tcb.write_registers(true, &ctx).is_err() {
            return self.kill_for_frame(ep);
        }
        if let Some(d) = self.handler_depth.get_mut(slot) {
            *d = d.wrapping_add(1);
        }
        true
    }

    /// A handler's frame could not be made: the process cannot go on
    /// (Linux forces SIGSEGV the same way).
    fn kill_for_frame(&mut self, ep: Endpoint) -> bool {
        self.destroy(ep, pm::signal_status(pm::SIGSEGV));
        false
    }

    /// Eight bytes of a process's memory through VM, present pages only.
    fn peek(&mut self, who: Endpoint, addr: u64) -> Option<u64> {
        let (c, w, l) = vm::Request::Peek { who, addr: u32::try_from(addr).ok()? }.encode();
        let r = sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 0, l), w);
        let reply = Reply::from_received(r.mrs, r.info.length());
        reply.result().ok().map(|_| reply.vals[0])
    }

    /// SIGRETURN: the frame comes back in the message; PM checks it as
    /// untrusted input and restarts the thread with its registers. A
    /// frame that is no frame, or one from a process running no handler,
    /// is EINVAL; the mask comes back from the frame.
    fn sigreturn(&mut self, ep: Endpoint, msg: &sel4::Received) -> Next {
        const WORDS: usize = FRAME_BYTES / 8;
        let slot = ep.slot();
        if msg.info.length() as usize != WORDS || self.handler_depth.get(slot).copied().unwrap_or(0) == 0 {
            return Next::Reply(Reply::err(EINVAL));
        }
        let mut frame = [0u8; FRAME_BYTES];
        for i in 0..WORDS {
            let w = if i < 4 { msg.mrs[i] } else { sel4::get_mr(i) };
            frame[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
        }
        let Some(tcb) = self.sys.procs.get(slot).map(|p| Tcb::from_bits(p.caps.tcb)) else { return Next::NoReply };
        let Ok(ctx) = tcb.read_registers(false) else { return Next::Reply(Reply::err(EINVAL)) };
        let mut fx = Effects::new();
        match self.sys.procs.sigreturn(slot, &frame, &regs_of(&ctx), &mut fx) {
            Err(e) => Next::Reply(Reply::err(e)),
            Ok(regs) => {
                if let Some(d) = self.handler_depth.get_mut(slot) {
                    *d = d.saturating_sub(1);
                }
                // Writing the registers with resume cancels the Call (PM's
                // reply cap goes) and restarts the thread where the frame
                // says.
                if tcb.write_registers(true, &context_of(&regs)).is_err() {
                    self.destroy(ep, pm::signal_status(pm::SIGSEGV));
                }
                self.carry_out(fx);
                Next::NoReply
            }
        }
    }

    /// Answers the saved `wait` of the process in `parent`.
    fn answer_waiter(&mut self, parent: usize, pid: u32, status: u64) {
        self.answer_saved(parent, Answer::Owed(Owed::Answer(Reply::ok_with(pid as u64, [status, 0, 0]))).encode());
    }

    /// Sends `m` (label, words, length) through the reply cap PM saved
    /// for the process in `slot`.
    fn answer_saved(&mut self, slot: usize, m: (u64, [u64; 4], u64)) {
        let Some(pp) = self.sys.procs.get_mut(slot) else { return };
        let reply = core::mem::take(&mut pp.caps.reply);
        if reply != 0 {
            sel4::send(CPtr(reply), MessageInfo::new(m.0, 0, 0, m.2), m.1);
            let _ = init::CNODE.delete(reply, sel4::CNODE_DEPTH);
            self.k.slots.free(reply);
        }
    }

    /// exec: VFS does the work (it reads the arguments and the program and
    /// has VM rebuild the memory, see `minix_abi::exec`); PM then starts
    /// the new program in place of the caller's Call, which is never
    /// answered. PM waits for VFS, which never waits on PM (the deadlock
    /// rules), though a program read from the disk keeps PM waiting
    /// that long.
    fn exec(&mut self, who: Endpoint, block: u32, len: u32) -> Next {
        if !self.vfs_ready {
            return Next::Reply(Reply::err(ENOSYS));
        }
        let (c, w, l) = vfs::Request::ProcExec { who, block, len }.encode();
        let r = mxrt::ipc::sendrec(self.sys.vfs_call.bits(), c, w, l);
        if let Err(e) = r.result() {
            return Next::Reply(Reply::err(e));
        }
        let Some(tcb) = self.sys.procs.by_ep(who).map(|p| Tcb::from_bits(p.caps.tcb)) else { return Next::NoReply };
        // Handled signals go back to their defaults; ignored ones, the mask
        // and pending signals stay. A parent's setpgid on it is EACCES now.
        self.sys.procs.exec(who.slot());
        if let Some(d) = self.handler_depth.get_mut(who.slot()) {
            *d = 0;
        }
        // The caller sits in its Call to PM: writing its registers with
        // resume restarts it (seL4 cancels the Call, and PM's reply cap to
        // it goes) at the entry, its stack pointer at argc, and `rdi`
        // naming itself as at spawn. Other registers start at zero.
        let regs = UserContext { rip: r.vals[0], rsp: r.vals[1], rdi: who.0 as u64, rflags: 0x202, ..Default::default() };
        if tcb.write_registers(true, &regs).is_err() {
            // Its old program is gone: it cannot go on.
            println!("PM: exec of process {:#x} could not start it", who.0);
            self.destroy(who, pm::signal_status(pm::SIGKILL));
        }
        Next::NoReply
    }

    fn wait(&mut self, who: Endpoint, pid: i64, options: u64, runs_handlers: bool) -> Next {
        match self.sys.procs.wait_for(who.slot(), pid, options) {
            Err(e) => Next::Reply(Reply::err(e)),
            Ok(WaitResult::NotYet) => Next::Reply(Reply::ok(0)),
            Ok(WaitResult::Reaped { pid, status, .. } | WaitResult::Reported { pid, status }) => {
                Next::Reply(Reply::ok_with(pid as u64, [status, 0, 0]))
            }
            Ok(WaitResult::Block) => {
                // Keep the reply cap to answer when a child exits.
                let Ok(slot) = self.k.slot() else { return Next::Reply(Reply::err(ENOMEM)) };
                if init::CNODE.save_caller(slot.0, sel4::CNODE_DEPTH).is_err() {
                    self.k.slots.free(slot.0);
                    return Next::Reply(Reply::err(ENOMEM));
                }
                if let Some(p) = self.sys.procs.get_mut(who.slot()) {
                    p.caps.reply = slot.0;
                    p.caps.reply_runs_handlers = runs_handlers;
                }
                Next::NoReply
            }
        }
    }

    /// VM signalled: fetch the processes it killed and finish them.
    fn collect_vm_events(&mut self) {
        loop {
            let (c, w, l) = vm::Request::Events.encode();
            let r = sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 0, l), w);
            let reply = Reply::from_received(r.mrs, r.info.length());
            if reply.result() != Ok(1) {
                break;
            }
            let ep = Endpoint(reply.vals[0] as u32);
            // A thread's fault ends its process.
            if self.thread_fault(ep, reply.vals[1], reply.vals[2]) {
                continue;
            }
            if self.sys.procs.by_ep(ep).is_some() && !endpoint::is_server(ep) {
                // A fault's signal: delivered even if blocked or ignored;
                // a handler runs with the address, else the process ends.
                let sig = u32::try_from(reply.vals[1]).ok().and_then(Signal::new).unwrap_or(SIGSEGV_SIGNAL);
                let info = SigInfo { code: sicode::SEGV_MAPERR, pid: 0, uid: 0, addr: reply.vals[2] as u32, status: 0 };
                let mut fx = Effects::new();
                self.sys.procs.force(ep.slot(), sig, info, &mut fx);
                self.carry_out(fx);
            }
        }
    }

    /// Creates a user process: one that waits for an exec (its thread not
    /// started) or a fork of a process. Returns the new pid and, for the
    /// first, where its argument block is.
    fn create(&mut self, parent: usize, origin: Origin) -> Result<(u32, u32), Errno> {
        let spare = match self.spares.pop() {
            Some(s) => s,
            None => self.new_spare().map_err(|_| EAGAIN)?,
        };
        // A recycled TCB's count of CPU time starts again.
        sel4::thread_time_reset(CPtr(spare.tcb));
        let caps = ProcCaps { tcb: spare.tcb, cnode: spare.cnode, ipc_frame: spare.ipc_frame, vspace: 0, ..ProcCaps::default() };
        let ep = match self.sys.procs.add_user(parent, caps) {
            Ok(ep) => ep,
            Err(e) => {
                self.spares.push(spare);
                return Err(e);
            }
        };
        self.raw_cnodes[ep.slot()] = spare.raw_cnode;
        match self.build_user(ep, &spare, origin) {
            Ok((vspace, block_at)) => {
                if let Some(p) = self.sys.procs.get_mut(ep.slot()) {
                    p.caps.vspace = vspace;
                }
                Ok((self.sys.procs.get(ep.slot()).map_or(0, |p| p.pid), block_at))
            }
            Err(e) => {
                self.sys.procs.remove(ep.slot());
                self.clear_cnode(spare.raw_cnode);
                self.spares.push(spare);
                Err(e)
            }
        }
    }

    /// TIMES: the caller's CPU time (its TCB's count) and its waited-for
    /// children's, in microseconds, each as two 32-bit words.
    fn times(&self, slot: usize) -> Reply {
        let Some(p) = self.sys.procs.get(slot) else { return Reply::err(EINVAL) };
        let hz = self.tsc_mhz.saturating_mul(1_000_000);
        let own = root_task::cputime::micros(sel4::thread_time(CPtr(p.caps.tcb)), hz);
        let children = root_task::cputime::micros(p.cpu.children, hz);
        Reply::ok_with(own & 0xffff_ffff, [own >> 32, children & 0xffff_ffff, children >> 32])
    }

    /// SET_TLS: the caller's FS base becomes `base` (below 4 GiB, so
    /// canonical: the kernel loads it on every return to user mode). The
    /// caller waits for this reply in its `syscall`, whose address seL4
    /// reports as `rip`; writing registers also makes that the address the
    /// thread resumes at, so `rip` moves past the 2-byte instruction and
    /// the reply then lands as any other.
    fn set_tls(&self, slot: usize, base: u32) -> Reply {
        let Some(p) = self.sys.procs.get(slot) else { return Reply::err(EINVAL) };
        set_tls_of(Tcb::from_bits(p.caps.tcb), base)
    }

    fn new_spare(&mut self) -> Result<Spare, sel4::Error> {
        let tcb = self.k.alloc(object::TCB, 0)?.0;
        let raw = self.k.alloc(object::CNODE, cs::USER_CNODE_BITS)?.0;
        let cnode = self.k.slot()?.0;
        let root = init::CNODE;
        root.mint(cnode, sel4::CNODE_DEPTH, root, raw, sel4::CNODE_DEPTH, CapRights::ALL, sel4::cnode_guard_data(cs::USER_CNODE_BITS))?;
        let ipc_frame = self.k.alloc(object::FRAME_4K, 0)?.0;
        Ok(Spare { tcb, raw_cnode: raw, cnode, ipc_frame })
    }

    /// Fills a user CNode with the caps of endpoint `ep` (a process's, or
    /// a thread's: each has its own badge).
    fn mint_user_caps(&mut self, ep: Endpoint, raw_cnode: u64) -> Result<(), Errno> {
        let cn = CNode::from_bits(raw_cnode);
        let bits = cs::USER_CNODE_BITS;
        let root = init::CNODE;
        let e = |_| ENOMEM;
        // The caps the system table lists for a user process.
        for c in system::caps(Role::User) {
            let (src, badge) = match c.kind {
                CapKind::Call(Role::Pm) => (self.sys.pm_ep.bits(), ep.badge()),
                CapKind::Call(Role::Vm) => (self.sys.vm_ep.bits(), ep.badge()),
                CapKind::Call(Role::Vfs) => (self.sys.vfs_ep.bits(), ep.badge()),
                CapKind::Call(Role::Timer) => (self.sys.timer_ep.bits(), ep.badge()),
                CapKind::Faults(FaultHandler::Vm) => (self.sys.vm_ep.bits(), ep.fault_badge()),
                _ => return Err(EINVAL),
            };
            cn.mint(c.slot, bits, root, src, sel4::CNODE_DEPTH, crate::boot::rights(c.rights), badge).map_err(e)?;
        }
        // init alone also gets the block driver's endpoint, for its tests.
        if ep == INIT {
            for c in system::init_extra_caps() {
                let CapKind::Call(Role::Blk) = c.kind else { return Err(EINVAL) };
                cn.mint(c.slot, bits, root, self.sys.blk_ep.bits(), sel4::CNODE_DEPTH, crate::boot::rights(c.rights), ep.badge())
                    .map_err(e)?;
            }
        }
        if cfg!(feature = "bench") {
            if let Some(echo) = crate::bench::echo_ep() {
                cn.copy(crate::bench::USER_SLOT, bits, root, echo.bits(), sel4::CNODE_DEPTH, SEND).map_err(e)?;
            }
        }
        Ok(())
    }

    /// Fills the CNode, has VM build the address space, and starts a fork's
    /// thread (the other waits for its exec). Returns the VSpace's slot and
    /// where VM put the argument block (0 for a fork).
    fn build_user(&mut self, ep: Endpoint, s: &Spare, origin: Origin) -> Result<(u64, u32), Errno> {
        let fork_of = match origin {
            Origin::Fork(parent) => Some(parent),
            Origin::Exec(_) => None,
        };
        self.mint_user_caps(ep, s.raw_cnode)?;
        let root = init::CNODE;
        let e = |_| ENOMEM;

        // VM builds the address space and answers with the VSpace cap.
        let (c, mut w, l) = match origin {
            Origin::Exec(block) => vm::Request::Spawn { child: ep, block_len: block.len() as u32 }.encode(),
            Origin::Fork(parent) => vm::Request::Fork { child: ep, parent }.encode(),
        };
        if let Origin::Exec(block) = origin {
            // The block's words follow the request's two: two in registers,
            // the rest in PM's IPC buffer.
            let mut words = [0u64; vm::SPAWN_BLOCK_MAX as usize / 4];
            let n = vm::spawn_words_of(block, &mut words)?;
            for (i, &v) in words[..n].iter().enumerate() {
                match i {
                    0 | 1 => w[2 + i] = v,
                    _ => sel4::set_mr(2 + i, v),
                }
            }
        }
        let vspace_slot = self.k.slot().map_err(e)?;
        sel4::set_receive_path(root.cptr(), vspace_slot.0, sel4::CNODE_DEPTH);
        sel4::set_cap(0, CPtr(s.ipc_frame));
        let r = sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 1, l), w);
        // PM accepts a cap only in this one reply: with no receive path, a
        // cap any process attaches to a request is dropped by the kernel.
        sel4::clear_receive_path();
        let reply = Reply::from_received(r.mrs, r.info.length());
        // Every failure from here on undoes both halves: VM drops whatever
        // it built for the child, and PM its VSpace slot.
        let fail = |pm: &mut Self, err: Errno| {
            pm.vm_exit(ep);
            let _ = init::CNODE.delete(vspace_slot.0, sel4::CNODE_DEPTH);
            pm.k.slots.free(vspace_slot.0);
            err
        };
        if let Err(err) = reply.result() {
            return Err(fail(self, err));
        }
        if r.info.extra_caps() != 1 || r.info.caps_unwrapped() != 0 {
            return Err(fail(self, ENOMEM));
        }
        let tcb = Tcb::from_bits(s.tcb);
        let vspace = VSpace(vspace_slot);
        if tcb
            .configure(
                CPtr(cs::FAULT_EP),
                system::priority(Role::User),
                0,
                CNode::from_bits(s.cnode),
                0,
                vspace,
                cs::addr::IPC_BUFFER,
                Frame::from_bits(s.ipc_frame),
            )
            .is_err()
        {
            return Err(fail(self, ENOMEM));
        }
        // The thread of a process made for an exec waits, configured.
        let Some(parent) = fork_of else {
            let at = u32::try_from(reply.status).ok().filter(|&a| a as u64 == vm::SPAWN_BLOCK_AT);
            return at.map(|a| (vspace_slot.0, a)).ok_or_else(|| fail(self, EINVAL));
        };
        // The caller's registers: the process's first thread, or another.
        let ptcb = self.sys.procs.by_ep(parent).map(|p| p.caps.tcb).or_else(|| self.threads.by_ep(parent).map(|t| t.caps.tcb)).unwrap_or(0);
        let Ok(mut regs) = Tcb::from_bits(ptcb).read_registers(false) else { return Err(fail(self, ENOMEM)) };
        // The parent sits in its Call to PM; the child resumes just after
        // that `syscall` instruction with a reply of 0.
        regs.rip += 2;
        regs.rsi = MessageInfo::new(0, 0, 0, 4).0;
        regs.rdi = 0;
        regs.r10 = 0;
        regs.r8 = 0;
        regs.r9 = 0;
        regs.r15 = 0;
        // VFS learns of the child before it runs, so that its first file
        // call finds the descriptors it inherits.
        self.tell_vfs(vfs::Request::ProcFork { parent, child: ep }, ep);
        if tcb.write_registers(true, &regs).is_err() {
            self.tell_vfs(vfs::Request::ProcExit { who: ep }, ep);
            return Err(fail(self, ENOMEM));
        }
        Ok((vspace_slot.0, 0))
    }

    /// Hands a server's VSpace to VM, so the server can map memory from VM.
    fn adopt(&mut self, server: Endpoint) -> Result<(), Errno> {
        let vspace = self.sys.procs.by_ep(server).map(|p| p.caps.vspace).ok_or(EINVAL)?;
        sel4::set_cap(0, CPtr(vspace));
        let (c, w, l) = vm::Request::Adopt { server }.encode();
        let r = sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 1, l), w);
        Reply::from_received(r.mrs, r.info.length()).result().map(|_| ())
    }

    /// Tells VFS of the fork or exit of process `who` and waits for its
    /// answer. VFS never Calls PM after boot and never keeps a worker
    /// blocked on a process (it saves reply caps), so the answer comes; see
    /// the deadlock rules in docs/ARCHITECTURE.md. Nothing VFS answers
    /// stops the fork or the exit.
    fn tell_vfs(&mut self, req: vfs::Request, who: Endpoint) {
        if !pm_policy::tells_vfs(self.vfs_ready, who) {
            return;
        }
        let (c, w, l) = req.encode();
        let answer = mxrt::ipc::sendrec(self.sys.vfs_call.bits(), c, w, l).result();
        if let Some(e) = pm_policy::vfs_notice_error(answer) {
            let what = if c == vfs::PROC_FORK { "PROC_FORK" } else { "PROC_EXIT" };
            println!("PM: VFS answered {} of process {:#x} with {}", what, who.0, e.name());
        }
    }

    fn vm_exit(&mut self, ep: Endpoint) {
        let (c, w, l) = vm::Request::Exit { proc_: ep }.encode();
        sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 0, l), w);
    }

    /// Empties the slots PM filled in a user CNode.
    fn clear_cnode(&mut self, raw: u64) {
        let cn = CNode::from_bits(raw);
        let user = system::caps(Role::User).iter().chain(system::init_extra_caps());
        for s in user.flat_map(|c| c.slots()).chain([crate::bench::USER_SLOT]) {
            let _ = cn.delete(s, cs::USER_CNODE_BITS);
        }
    }

    /// A process ended with wait status `status`: stop it, free its memory
    /// (VM), recycle its kernel objects, and tell a waiting parent.
    fn destroy(&mut self, ep: Endpoint, status: u64) {
        if ep == INIT {
            // init runs the tests and reports; without it nothing can.
            println!("PM: init ended before reporting (wait status {:#x}); stopping the system", status);
            let mut t = self.selftests;
            t.record(false);
            println!("{}", t);
            crate::exit::exit_qemu(false);
        }
        let slot = ep.slot();
        let Some(p) = self.sys.procs.get(slot).cloned() else { return };
        // Its other threads end first: they use its memory and descriptors.
        self.end_threads_of(ep);
        let _ = Tcb::from_bits(p.caps.tcb).suspend();
        // VFS closes the process's files and drops any call it had waiting
        // while the endpoint still names this process alone; then VM frees
        // its memory.
        self.tell_vfs(vfs::Request::ProcExit { who: ep }, ep);
        self.vm_exit(ep);
        if p.caps.vspace != 0 {
            let _ = init::CNODE.delete(p.caps.vspace, sel4::CNODE_DEPTH);
            self.k.slots.free(p.caps.vspace);
        }
        if p.caps.reply != 0 {
            let _ = init::CNODE.delete(p.caps.reply, sel4::CNODE_DEPTH);
            self.k.slots.free(p.caps.reply);
        }
        // Its CPU time, before its TCB goes to another process.
        self.sys.procs.set_cpu_at_exit(slot, sel4::thread_time(CPtr(p.caps.tcb)));
        let raw = self.raw_cnodes[slot];
        self.clear_cnode(raw);
        self.spares.push(Spare { tcb: p.caps.tcb, raw_cnode: raw, cnode: p.caps.cnode, ipc_frame: p.caps.ipc_frame });
        if let Some(d) = self.handler_depth.get_mut(slot) {
            *d = 0;
        }
        let out = self.sys.procs.exit(slot, status, INIT.slot());
        // SIGCHLD to the parent, a newly orphaned group hung up, a reaper's
        // wait answered. The parent's own wait is answered after, or by a
        // handler's frame if SIGCHLD starts one, so the handler runs before
        // the wait returns (as it would on Linux).
        let owed = out.wake_parent.and_then(|(parent, pid, status)| {
            let p = self.sys.procs.get(parent)?;
            let answer = Some(Owed::Answer(Reply::ok_with(pid as u64, [status, 0, 0])));
            Some(Caller { ep: p.ep, answer, runs_handlers: p.caps.reply_runs_handlers })
        });
        if let Some(c) = self.carry_out_for(out.effects, owed) {
            let m = self.final_answer(c);
            self.answer_saved(c.ep.slot(), m);
        }
    }
}

/// SET_TLS of the thread `tcb` (see `Pm::set_tls`).
fn set_tls_of(tcb: Tcb, base: u32) -> Reply {
    let Ok(mut regs) = tcb.read_registers(false) else { return Reply::err(EINVAL) };
    regs.rip += 2;
    regs.fs_base = base as u64;
    match tcb.write_registers(false, &regs) {
        Ok(()) => Reply::ok(0),
        Err(_) => Reply::err(EINVAL),
    }
}

/// Where PM leaves a handler's return address and frame for the signal
/// entry to copy: the second half of the process's IPC buffer page, which
/// seL4 never uses, in slots by handler depth (a handler may be started
/// on top of one that has not copied its frame yet).
const HANDLER_AREA: usize = 2048;
const HANDLER_SLOTS: usize = 8;
const HANDLER_SLOT_BYTES: usize = 256;
const _: () = assert!(HANDLER_AREA + HANDLER_SLOTS * HANDLER_SLOT_BYTES <= 4096 && 8 + FRAME_BYTES <= HANDLER_SLOT_BYTES);

/// seL4's registers in the frame's order (`minix_abi::sigframe::reg`);
/// seL4 5.0 has no `gs_base` in its context: 0.
fn regs_of(c: &UserContext) -> Regs {
    [
        c.rip, c.rsp, c.rflags, c.rax, c.rbx, c.rcx, c.rdx, c.rsi, c.rdi, c.rbp, c.r8, c.r9, c.r10, c.r11, c.r12, c.r13, c.r14, c.r15,
        c.fs_base, 0,
    ]
}

fn context_of(r: &Regs) -> UserContext {
    UserContext {
        rip: r[reg::RIP],
        rsp: r[reg::RSP],
        rflags: r[reg::RFLAGS],
        rax: r[reg::RAX],
        rbx: r[reg::RBX],
        rcx: r[reg::RCX],
        rdx: r[reg::RDX],
        rsi: r[reg::RSI],
        rdi: r[reg::RDI],
        rbp: r[reg::RBP],
        r8: r[reg::R8],
        r9: r[reg::R9],
        r10: r[reg::R10],
        r11: r[reg::R11],
        r12: r[reg::R12],
        r13: r[reg::R13],
        r14: r[reg::R14],
        r15: r[reg::R15],
        fs_base: r[reg::FS_BASE],
    }
}

pub fn server_name(ep: Endpoint) -> &'static str {
    match ep.slot() {
        1 => "VM",
        2 => "VFS",
        3 => "FS",
        4 => "BLK",
        5 => "TIMER",
        _ => "?",
    }
}
