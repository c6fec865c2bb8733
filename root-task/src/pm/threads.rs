// SPDX-License-Identifier: BSD-2-Clause
//! PM's threads and futexes, the glue (the bookkeeping is
//! `root_task::threads` and `root_task::futex`).
//!
//! THREAD_NEW makes a TCB, a CNode with caps badged with the thread's own
//! endpoint and an IPC-buffer frame (a spare set, as for a process), has
//! VM map the frame in the process's memory (VM's THREAD answers the
//! VSpace) and VFS share the process's descriptors (PROC_THREAD), then
//! starts the thread at the entry the caller named. A thread's calls that
//! concern the whole process are answered as its first thread's (the
//! leader's); waits that belong to a process (`wait`, `sigsuspend`) and
//! exec are the leader's alone (`ENOSYS` from another thread), and
//! signals go to the leader.
//!
//! THREAD_EXIT suspends the thread, has VFS and VM forget it, recycles its
//! objects, then zeroes its clear-tid word (VM's POKE) and wakes one
//! waiter on it: musl's `pthread_join` and thread-list lock wait on it.
//! The leader's THREAD_EXIT with no other thread ends the process; with
//! others, the leader is suspended and the process ends when its last
//! thread does. A process's end takes its threads with it, and a fault in
//! any thread ends the process.
//!
//! FUTEX reads the word through VM's PEEK and saves the caller's reply
//! cap in the futex table: it waits without spinning, until a WAKE, its
//! deadline (PM's alarm in the timer driver serves both) or a signal
//! (which suspends the thread: PM forgets its wait, and the call ends
//! with EINTR or is made again).
use super::{Next, Pm, Spare};
use minix_abi::cspace as cs;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EAGAIN, EFAULT, EINVAL, ENOMEM, ENOSYS, ETIMEDOUT};
use minix_abi::message::Reply;
use minix_abi::pm::{self, futex, FutexOp, Request};
use minix_abi::system::Role;
use minix_abi::{vfs, vm};
use root_task::effects::Effects;
use root_task::futex::Waiter;
use root_task::pm_calls;
use root_task::proctab::ProcCaps;
use sel4::{init, CNode, CPtr, Frame, MessageInfo, Tcb, UserContext, VSpace};

impl Pm<'_> {
    /// A request from a thread (not a process's first thread).
    pub(super) fn thread_request(&mut self, t: Endpoint, r: Request) -> Next {
        let Some(th) = self.threads.by_ep(t).copied() else { return Next::Reply(Reply::err(EINVAL)) };
        let leader = th.leader;
        match r {
            Request::ThreadNew { stack, tls, clear_tid, entry } => Next::Reply(self.thread_new(leader, stack, tls, clear_tid, entry)),
            Request::ThreadExit { code } => self.thread_exit(t, code),
            Request::GetTid => Next::Reply(Reply::ok(th.tid as u64)),
            Request::Futex(op) => self.futex(t, leader, op),
            Request::SetTls { base } => Next::Reply(super::set_tls_of(Tcb::from_bits(th.caps.tcb), base)),
            Request::Fork => Next::Reply(match self.create(leader.slot(), super::Origin::Fork(t)) {
                Ok((pid, _)) => Reply::ok(pid as u64),
                Err(e) => Reply::err(e),
            }),
            Request::Exit { code } => {
                self.destroy(leader, pm::exit_status(code));
                Next::NoReply
            }
            Request::GetPid | Request::GetPpid | Request::GetSysInfo | Request::Times => self.request(leader, r, false),
            r @ (Request::Alarm { .. } | Request::SetItimer { .. } | Request::GetItimer) => self.itimer_call(leader, r),
            Request::Wait { .. }
            | Request::SigSuspend { .. }
            | Request::Exec { .. }
            | Request::SigReturn { .. }
            | Request::HandlerDone { .. }
            | Request::HandlerInfo { .. }
            | Request::SigAltStack { .. }
            | Request::SrvReady
            | Request::Shutdown { .. } => Next::Reply(Reply::err(ENOSYS)),
            other => {
                // Kill, sigaction, the mask, groups, ids: the process's.
                let mut fx = Effects::new();
                let reply = pm_calls::answer(&mut self.sys.procs, leader.slot(), &other, &mut fx).unwrap_or(Reply::err(ENOSYS));
                self.carry_out(fx);
                Next::Reply(reply)
            }
        }
    }

    /// THREAD_NEW: a thread of `leader`'s process; answers its id.
    pub(super) fn thread_new(&mut self, leader: Endpoint, stack: u32, tls: u32, clear_tid: u32, entry: u32) -> Reply {
        if self.exiting_leaders.iter().any(|(l, _)| *l == leader) {
            return Reply::err(EAGAIN);
        }
        let spare = match self.spares.pop() {
            Some(s) => s,
            None => match self.new_spare() {
                Ok(s) => s,
                Err(_) => return Reply::err(EAGAIN),
            },
        };
        sel4::thread_time_reset(CPtr(spare.tcb));
        let tid = self.sys.procs.new_id();
        let caps = ProcCaps { tcb: spare.tcb, cnode: spare.cnode, ipc_frame: spare.ipc_frame, ..ProcCaps::default() };
        let t = match self.threads.add(leader, tid, caps, spare.raw_cnode, clear_tid) {
            Ok(t) => t,
            Err(e) => {
                self.spares.push(spare);
                return Reply::err(e);
            }
        };
        match self.start_thread(t, leader, &spare, stack, tls, entry) {
            Ok(()) => Reply::ok(tid as u64),
            Err(e) => {
                // VFS and VM forget whatever they had heard of it.
                self.release_thread(t, true);
                Reply::err(e)
            }
        }
    }

    fn start_thread(&mut self, t: Endpoint, leader: Endpoint, s: &Spare, stack: u32, tls: u32, entry: u32) -> Result<(), Errno> {
        self.mint_user_caps(t, s.raw_cnode)?;
        // VM maps the thread's IPC buffer in the process and answers the
        // process's VSpace.
        let (c, w, l) = vm::Request::Thread { thread: t, leader }.encode();
        let vspace_slot = self.k.slot().map_err(|_| ENOMEM)?;
        let root = init::CNODE;
        sel4::set_receive_path(root.cptr(), vspace_slot.0, sel4::CNODE_DEPTH);
        sel4::set_cap(0, CPtr(s.ipc_frame));
        let r = sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 1, l), w);
        sel4::clear_receive_path();
        let reply = Reply::from_received(r.mrs, r.info.length());
        let got_cap = r.info.extra_caps() == 1 && r.info.caps_unwrapped() == 0;
        let ipc_at = match reply.result() {
            Ok(at) if got_cap => at,
            other => {
                if got_cap {
                    let _ = root.delete(vspace_slot.0, sel4::CNODE_DEPTH);
                }
                self.k.slots.free(vspace_slot.0);
                return Err(other.err().unwrap_or(ENOMEM));
            }
        };
        if let Some(th) = self.threads.by_ep_mut(t) {
            th.caps.vspace = vspace_slot.0;
        }
        self.tell_vfs(vfs::Request::ProcThread { leader, thread: t }, t);
        let tcb = Tcb::from_bits(s.tcb);
        tcb.configure(
            CPtr(cs::FAULT_EP),
            minix_abi::system::priority(Role::User),
            0,
            CNode::from_bits(s.cnode),
            0,
            VSpace(vspace_slot),
            ipc_at,
            Frame::from_bits(s.ipc_frame),
        )
        .map_err(|_| ENOMEM)?;
        let regs = UserContext {
            rip: entry as u64,
            rsp: stack as u64,
            rdi: self.threads.by_ep(t).map_or(0, |th| th.tid as u64),
            fs_base: tls as u64,
            rflags: 0x202,
            ..Default::default()
        };
        tcb.write_registers(true, &regs).map_err(|_| EINVAL)
    }

    /// THREAD_EXIT by `who`: a thread ends, or the process if `who` is
    /// its first thread and the only one left.
    pub(super) fn thread_exit(&mut self, who: Endpoint, code: u8) -> Next {
        let Some(th) = self.threads.by_ep(who).copied() else {
            // The leader itself.
            if self.threads.count_of(who) == 0 {
                self.destroy(who, pm::exit_status(code));
            } else if let Some(p) = self.sys.procs.by_ep(who) {
                // Its process lives on in its other threads.
                let _ = Tcb::from_bits(p.caps.tcb).suspend();
                self.forget_futex_waits(who);
                self.exiting_leaders.push((who, code));
            }
            return Next::NoReply;
        };
        self.release_thread(who, true);
        let leader = th.leader;
        if th.clear_tid != 0 {
            let (c, w, l) = vm::Request::Poke { who: leader, addr: th.clear_tid, value: 0 }.encode();
            let r = sel4::call(self.sys.vm_call.cptr(), MessageInfo::new(c, 0, 0, l), w);
            if Reply::from_received(r.mrs, r.info.length()).result().is_ok() {
                self.futex_wake(leader, th.clear_tid, 1);
            }
        }
        // The leader ended its part before: the last thread ends the process.
        if self.threads.count_of(leader) == 0 {
            if let Some(i) = self.exiting_leaders.iter().position(|(l, _)| *l == leader) {
                self.exiting_leaders.swap_remove(i);
                self.destroy(leader, pm::exit_status(code));
            }
        }
        Next::NoReply
    }

    /// Stops thread `t` for good and recycles its objects; VFS and VM
    /// forget it (`tell`: they knew of it).
    pub(super) fn release_thread(&mut self, t: Endpoint, tell: bool) {
        let Some(th) = self.threads.remove(t) else { return };
        let _ = Tcb::from_bits(th.caps.tcb).suspend();
        self.forget_futex_waits(t);
        if tell {
            self.tell_vfs(vfs::Request::ProcExit { who: t }, t);
        }
        if th.caps.vspace != 0 || tell {
            self.vm_exit(t);
        }
        for slot in [th.caps.vspace, th.caps.reply] {
            if slot != 0 {
                let _ = init::CNODE.delete(slot, sel4::CNODE_DEPTH);
                self.k.slots.free(slot);
            }
        }
        self.clear_cnode(th.raw_cnode);
        self.spares.push(Spare { tcb: th.caps.tcb, raw_cnode: th.raw_cnode, cnode: th.caps.cnode, ipc_frame: th.caps.ipc_frame });
    }

    /// Every thread of process `leader` ends with it.
    pub(super) fn end_threads_of(&mut self, leader: Endpoint) {
        if self.threads.live() == 0 && self.futexes.is_empty() && self.exiting_leaders.is_empty() {
            return;
        }
        let mine: alloc::vec::Vec<Endpoint> = self.threads.of(leader).map(|t| t.ep).collect();
        for t in mine {
            self.release_thread(t, true);
        }
        self.exiting_leaders.retain(|(l, _)| *l != leader);
        for w in self.futexes.forget_space(leader) {
            self.drop_reply(w.reply);
        }
    }

    /// Suspends or resumes every thread of `leader` but itself (a stop, a
    /// continue). A suspended thread's call is cancelled: a futex wait is
    /// forgotten, and VFS told; it is made again when the thread goes on.
    pub(super) fn stop_threads_of(&mut self, leader: Endpoint, stop: bool) {
        if self.threads.live() == 0 {
            return;
        }
        let mine: alloc::vec::Vec<(Endpoint, u64)> = self.threads.of(leader).map(|t| (t.ep, t.caps.tcb)).collect();
        for (t, tcb) in mine {
            if stop {
                let _ = self.suspend_thread(t, tcb);
            } else {
                let _ = Tcb::from_bits(tcb).resume();
            }
        }
    }

    /// A fault of a thread: the process ends with the fault's signal.
    pub(super) fn thread_fault(&mut self, t: Endpoint, sig: u64, addr: u64) -> bool {
        let Some(th) = self.threads.by_ep(t).copied() else { return false };
        // Said on the console: no handler of the process sees it.
        let rip = Tcb::from_bits(th.caps.tcb).read_registers(false).map_or(0, |r| r.rip);
        sel4_root_task::println!(
            "PM: thread {} of process {:#x} got signal {} at {:#x} (rip {:#x}): the process ends",
            th.tid,
            th.leader.0,
            sig,
            addr,
            rip
        );
        self.destroy(th.leader, pm::signal_status(sig));
        true
    }

    fn drop_reply(&mut self, slot: u64) {
        if slot != 0 {
            let _ = init::CNODE.delete(slot, sel4::CNODE_DEPTH);
            self.k.slots.free(slot);
        }
    }

    /// The waits of `who` end otherwise (its call was cancelled).
    pub(super) fn forget_futex_waits(&mut self, who: Endpoint) {
        if self.futexes.is_empty() {
            return;
        }
        for w in self.futexes.forget(who) {
            self.drop_reply(w.reply);
        }
    }

    /// FUTEX by `caller`, on the memory of process `space`.
    pub(super) fn futex(&mut self, caller: Endpoint, space: Endpoint, op: FutexOp) -> Next {
        match op {
            FutexOp::Wait { addr, val, timeout_us } => {
                // Read as the aligned 8 bytes around it: never across a page.
                let word = match self.peek(space, (addr & !7) as u64) {
                    Some(w) => (w >> (8 * (addr & 4))) as u32,
                    None => return Next::Reply(Reply::err(EFAULT)),
                };
                if word != val {
                    return Next::Reply(Reply::err(EAGAIN));
                }
                if timeout_us == 0 {
                    return Next::Reply(Reply::err(ETIMEDOUT));
                }
                let deadline = if timeout_us == futex::FOREVER {
                    None
                } else {
                    match self.alarms_now() {
                        Some(now) => Some(now.saturating_add(timeout_us as u64 * 1000)),
                        None => return Next::Reply(Reply::err(ENOSYS)),
                    }
                };
                let Ok(slot) = self.k.slot() else { return Next::Reply(Reply::err(ENOMEM)) };
                if init::CNODE.save_caller(slot.0, sel4::CNODE_DEPTH).is_err() {
                    self.k.slots.free(slot.0);
                    return Next::Reply(Reply::err(ENOMEM));
                }
                self.futexes.wait(Waiter { space, addr, who: caller, deadline, reply: slot.0 });
                if deadline.is_some() {
                    self.ask_timer();
                }
                Next::NoReply
            }
            FutexOp::Wake { addr, count } => Next::Reply(Reply::ok(self.futex_wake(space, addr, count) as u64)),
            FutexOp::Requeue { addr, wake, to, requeue } => {
                let woken = self.futexes.requeue(space, addr, wake, to, requeue);
                let n = woken.len();
                for w in woken {
                    self.answer_waiter_slot(w.reply, Reply::ok(0));
                }
                Next::Reply(Reply::ok(n as u64))
            }
        }
    }

    /// Wakes up to `count` waiters on (`space`, `addr`); answers how many.
    fn futex_wake(&mut self, space: Endpoint, addr: u32, count: u32) -> usize {
        let woken = self.futexes.wake(space, addr, count);
        let n = woken.len();
        for w in woken {
            self.answer_waiter_slot(w.reply, Reply::ok(0));
        }
        n
    }

    /// The futex waits whose time is up are answered `ETIMEDOUT`.
    pub(super) fn futex_timeouts(&mut self, now: u64) {
        for w in self.futexes.expire(now) {
            self.answer_waiter_slot(w.reply, Reply::err(ETIMEDOUT));
        }
    }

    /// Answers through a saved reply cap, then frees its slot.
    fn answer_waiter_slot(&mut self, slot: u64, r: Reply) {
        sel4::send(CPtr(slot), MessageInfo::new(0, 0, 0, r.len()), r.to_words());
        self.drop_reply(slot);
    }
}
