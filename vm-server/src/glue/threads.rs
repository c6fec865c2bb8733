// SPDX-License-Identifier: BSD-2-Clause
//! Threads: a second TCB in a process's memory. PM makes the thread and
//! its endpoint; VM maps the thread's IPC buffer (a page of its own,
//! pinned) and makes the thread's endpoint an alias of the process's in
//! its table, so the thread's faults and calls act on the process's
//! memory while their answers go to the thread. EXIT of the thread's
//! endpoint undoes both; the memory stays the process's.
extern crate alloc;
use super::{Proc, Vm};
use alloc::collections::BTreeMap;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EAGAIN, EFAULT, EINVAL, ESRCH};
use minix_abi::vm::{THREAD_IPC_BASE, THREAD_IPC_PAGES};
use sel4::{Frame, PAGE_SIZE};
use vm_server::page::{Mapping, PageFrame};
use vm_server::Prot;

/// A thread's IPC page: where it is mapped and the frame cap VM holds.
#[derive(Copy, Clone, Debug)]
pub(super) struct ThreadPage {
    pub leader: u32,
    pub vaddr: u64,
    pub cap: u64,
}

/// Threads by endpoint.
pub(super) type Threads = BTreeMap<u32, ThreadPage>;

/// The end of the range the threads' IPC pages may take.
const THREAD_IPC_END: u64 = THREAD_IPC_BASE + THREAD_IPC_PAGES * PAGE_SIZE as u64;

impl Vm {
    /// THREAD from PM: answers the thread's IPC-buffer address and the
    /// process's VSpace cap (for the thread's TCB).
    pub(super) fn thread(&mut self, thread: Endpoint, leader: Endpoint, has_cap: bool) -> Result<(u64, u64), Errno> {
        let ipc_cap = self.take_received_cap(has_cap)?;
        match self.map_thread(thread, leader, ipc_cap) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.frames.res.delete(ipc_cap);
                Err(e)
            }
        }
    }

    fn map_thread(&mut self, thread: Endpoint, leader: Endpoint, ipc_cap: u64) -> Result<(u64, u64), Errno> {
        // The thread's slot must be free and the leader a process of its
        // own (not a thread, not a server, not dying).
        if self.procs.contains_key(&thread.0) || self.procs.leader_of(leader.0).is_some() {
            return Err(EINVAL);
        }
        let taken: alloc::vec::Vec<u64> = self.threads.values().filter(|t| t.leader == leader.0).map(|t| t.vaddr).collect();
        let paddr = Frame::from_bits(ipc_cap).physical_address().map_err(|_| EINVAL)?;
        let p = self.procs.get_mut(&leader.0).ok_or(ESRCH)?;
        if p.server || p.dead {
            return Err(EINVAL);
        }
        let vaddr = (THREAD_IPC_BASE..THREAD_IPC_END)
            .step_by(PAGE_SIZE)
            .find(|a| !taken.contains(a) && p.space.regions().is_free(*a, PAGE_SIZE as u64))
            .ok_or(EAGAIN)?;
        // The pin covers the first thread's page, the clock page and every
        // thread page up to this one: lifted to map, then widened.
        let (pin_start, pin_end) = p.space.pinned();
        p.space.unpin();
        let mapped = p.space.map_phys(vaddr, PAGE_SIZE as u64, paddr, Prot::RW, true, &mut self.frames);
        p.space.pin(pin_start, pin_end.max(vaddr + PAGE_SIZE as u64) - pin_start);
        let (_, rel) = mapped?;
        p.tlb.flush();
        for (a, _) in &rel.unmapped {
            p.vs.remove(&mut self.frames, *a);
        }
        rel.free_all(&mut self.frames);
        let m = Mapping { vaddr, frame: PageFrame::Phys(paddr), writable: true, flags: Default::default() };
        if let Err(e) = p.vs.install(&mut self.frames, &m, Some(ipc_cap)) {
            if let Ok(rel) = p.space.unmap_pinned_page(vaddr, &mut self.frames) {
                rel.free_all(&mut self.frames);
            }
            return Err(e);
        }
        let vspace = p.vs.cap;
        if !self.procs.alias(thread.0, leader.0) {
            self.unmap_thread_page(leader.0, vaddr);
            return Err(EINVAL);
        }
        self.threads.insert(thread.0, ThreadPage { leader: leader.0, vaddr, cap: ipc_cap });
        Ok((vaddr, vspace))
    }

    /// EXIT of a thread's endpoint: its page unmapped, its alias gone.
    /// Answers whether `ep` was a thread.
    pub(super) fn exit_thread(&mut self, ep: Endpoint) -> bool {
        let Some(t) = self.threads.remove(&ep.0) else { return false };
        self.forget_file_waits(ep);
        self.procs.unalias(ep.0);
        self.unmap_thread_page(t.leader, t.vaddr);
        self.frames.res.delete(t.cap);
        true
    }

    /// Every thread of `leader` forgotten (the process is going).
    pub(super) fn exit_threads_of(&mut self, leader: Endpoint) {
        if self.threads.is_empty() {
            return;
        }
        let mine: alloc::vec::Vec<u32> = self.threads.iter().filter(|(_, t)| t.leader == leader.0).map(|(e, _)| *e).collect();
        for t in mine {
            self.exit_thread(Endpoint(t));
        }
    }

    fn unmap_thread_page(&mut self, leader: u32, vaddr: u64) {
        let Some(p) = self.procs.get_mut(&leader) else { return };
        p.tlb.flush();
        p.vs.remove(&mut self.frames, vaddr);
        if let Ok(rel) = p.space.unmap_pinned_page(vaddr, &mut self.frames) {
            for (a, _) in &rel.unmapped {
                p.vs.remove(&mut self.frames, *a);
            }
            rel.free_all(&mut self.frames);
        }
    }

    /// A forked child's copy of its parent's threads' IPC pages goes: the
    /// child has one thread, and those pages are other TCBs' buffers.
    pub(super) fn drop_thread_pages(&mut self, space: &mut vm_server::AddressSpace, vs: &mut super::UserVSpace) -> Result<(), Errno> {
        // With no thread in the system there is nothing there: the usual
        // fork pays nothing for threads.
        if self.threads.is_empty() {
            return Ok(());
        }
        let rel = space.munmap(THREAD_IPC_BASE, THREAD_IPC_END - THREAD_IPC_BASE, &mut self.frames)?;
        self.apply(vs, rel);
        Ok(())
    }

    /// POKE from PM: `value` into `who`'s memory at `addr`, the page made
    /// present and writable as the process's own store would make it.
    pub(super) fn poke(&mut self, who: Endpoint, addr: u32, value: u32) -> Result<(), Errno> {
        let addr = addr as u64;
        self.fix_range(who, addr, 4, true).map_err(|e| if e == ESRCH { ESRCH } else { EFAULT })?;
        let p: &Proc = self.procs.get(&who.0).ok_or(ESRCH)?;
        let page = addr & !(PAGE_SIZE as u64 - 1);
        let Some(PageFrame::Pool(id)) = p.space.present_page(page, true, &self.frames) else { return Err(EFAULT) };
        let off = super::Sel4Frames::offset(id) + addr % PAGE_SIZE as u64;
        let dst = self.frames.bytes_mut(off, 4).ok_or(EFAULT)?;
        dst.copy_from_slice(&value.to_le_bytes());
        Ok(())
    }
}
