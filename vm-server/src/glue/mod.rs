// SPDX-License-Identifier: BSD-2-Clause
//! VM's main loop and request handlers.
extern crate alloc;

mod clock_page;
mod copy;
mod copy_wait;
mod exec;
mod files;
mod frames;
mod heap;
mod paging;
mod res;
mod threads;
mod uspace;
mod window;

use frames::Sel4Frames;
use minix_abi::common;
use minix_abi::cspace as cs;
use minix_abi::endpoint::{self, Endpoint, Sender};
use minix_abi::errno::{Errno, EFAULT, EINVAL, ENOMEM, EPERM, ESRCH};
use minix_abi::message::{RawRequest, Reply};
use minix_abi::pm::SIGSEGV;
use minix_abi::vm::{self, Request};
use res::{Res, SELF_CNODE};
use sel4::{CPtr, Fault, Frame, MessageInfo, Received, PAGE_SIZE};
use sel4_alloc::untyped::UntypedPool;
use sel4_root_task::println;
use uspace::UserVSpace;
use vm_server::endpoint_table::EndpointTable;
use vm_server::page::{Mapping, PageFrame, Released};
use vm_server::policy::{self, FaultAction, FaultKind};
use vm_server::tlb::Tlb;
use vm_server::{AddressSpace, FaultOutcome, Prot};

sel4_root_task::declare_main!("vm", main);

/// One user process's memory.
struct Proc {
    space: AddressSpace,
    vs: UserVSpace,
    /// The IPC buffer frame PM gave (a `PageFrame::Phys` page here).
    ipc_cap: u64,
    /// Killed by a fault; PM has been told and will call EXIT.
    dead: bool,
    /// The copy engine's cache of this process's translations.
    tlb: Tlb,
    /// The registered grant table.
    grants: Option<grant::TableBase>,
    /// A server whose image the root task loaded: VM only manages the
    /// memory it maps for it (eagerly, since its faults go to PM).
    server: bool,
    /// The program this process exec'd, whose working set its run
    /// records (`None` for a fork's child until it execs: what it touches
    /// is its parent's program doing something else).
    image: Option<vm_server::memtype::FileRef>,
    /// A fork's child that has not exec'd: its parent's program, whose
    /// fork children's working set its run records.
    fork_of: Option<vm_server::memtype::FileRef>,
    /// This run was given its working set (at exec, or at fork): what it
    /// maps is then more than what it used (see `vm_server::working_set`).
    given: bool,
}

impl Proc {
    /// A process's memory as it starts: alive, nothing cached, no grant
    /// table, no working set given yet.
    fn new(space: AddressSpace, vs: UserVSpace, ipc_cap: u64, server: bool, fork_of: Option<vm_server::memtype::FileRef>) -> Proc {
        Proc { space, vs, ipc_cap, dead: false, tlb: Tlb::new(), grants: None, server, image: None, fork_of, given: false }
    }
}

struct Vm {
    frames: Sel4Frames,
    procs: EndpointTable<Proc>,
    /// Processes killed by faults, oldest first, until PM collects them.
    events: policy::Events,
    /// VSpaces of exited processes, ready for reuse: those that kept
    /// their paging structures on top.
    spare_vspaces: alloc::vec::Vec<UserVSpace>,
    /// Paging structures the spare VSpaces kept.
    kept_paging: u64,
    /// File pages VM holds, and the page-ins under way.
    cache: vm_server::pagecache::PageCache,
    /// Slots holding the saved reply caps of pagers waiting for work.
    pagers: alloc::vec::Vec<u64>,
    /// The FS's cache window, and the page-in whose frames it holds.
    window: window::Window,
    /// File pages that were holes when paged in: mapped, not cached. A
    /// write or truncate over one takes it away from its mappings.
    hole_maps: alloc::collections::BTreeSet<vm_server::pagecache::Key>,
    /// Reused window-offset lists of the copy engine (granter, caller).
    scratch: (alloc::vec::Vec<u64>, alloc::vec::Vec<u64>),
    scratch_frames: alloc::vec::Vec<vm_server::page::PageFrame>,
    /// The heap could not be grown to its low-water mark before this
    /// message: requests that build bookkeeping answer ENOMEM rather than
    /// risk a failed allocation.
    heap_short: bool,
    /// The file page the last copy without TRY stopped at (see
    /// `copy_wait.rs`), set by the copy engine, taken by its caller.
    copy_needs: Option<copy_wait::Needed>,
    /// Copies waiting for a page-in, by the slot of the caller's saved
    /// reply cap: the caller and its request, run again when the page is in.
    copy_waits: alloc::collections::BTreeMap<u64, (Endpoint, Request)>,
    /// The heap is short and nearly empty (`policy::heap_critical`):
    /// faults that need a new page kill rather than risk an allocation.
    heap_critical: bool,
    /// Threads' IPC pages, by the thread's endpoint (see `threads.rs`).
    threads: threads::Threads,
    /// The text pages programs' last runs used (see `exec.rs`), from
    /// exec to exit, and in fork children until they exec or exit.
    working_sets: vm_server::working_set::WorkingSets,
    fork_sets: vm_server::working_set::WorkingSets,
}

fn main(arg: u64) -> ! {
    // The root task left the untyped sizes in our IPC buffer: read them
    // before any IPC or invocation overwrites it.
    let count = (arg >> 32).min(sel4::MSG_MAX_LENGTH as u64);
    let mut ut: UntypedPool<{ sel4::MSG_MAX_LENGTH }> = UntypedPool::new();
    for i in 0..count {
        ut.add(cs::UNTYPED_BASE + i, 0, sel4::get_mr(i as usize) as u8, false);
    }
    let res = Res::new(SELF_CNODE, ut, cs::FIRST_FREE, 1 << cs::VM_CNODE_BITS);
    // SAFETY: the one frame pool of VM, made once here at start.
    let frames = unsafe { Sel4Frames::new(res) };
    let mut vm = Vm {
        frames,
        procs: EndpointTable::new(),
        events: policy::Events::new(),
        spare_vspaces: alloc::vec::Vec::new(),
        kept_paging: 0,
        cache: vm_server::pagecache::PageCache::new(),
        pagers: alloc::vec::Vec::new(),
        window: window::Window::default(),
        hole_maps: alloc::collections::BTreeSet::new(),
        scratch: Default::default(),
        scratch_frames: alloc::vec::Vec::new(),
        heap_short: false,
        copy_needs: None,
        copy_waits: alloc::collections::BTreeMap::new(),
        heap_critical: false,
        threads: Default::default(),
        working_sets: vm_server::working_set::WorkingSets::new(),
        fork_sets: vm_server::working_set::WorkingSets::new(),
    };
    println!("vm: {} MiB of memory in {} untyped caps", vm.frames.res.ut.free_ram() >> 20, count);
    let total_frames = vm.frames.res.ut.free_ram() / PAGE_SIZE as u64;
    vm.frames.set_budget(total_frames);
    // The per-frame tables get their full size now, so they never need a
    // large reallocation later.
    if !vm.ensure_heap(heap::LOW_WATER + vm.frames.table_bytes(total_frames)) {
        println!("vm: cannot grow the heap at start");
    }
    vm.frames.reserve_tables(total_frames);
    sel4::set_receive_path(SELF_CNODE.cptr(), cs::RECV_SLOT, sel4::CNODE_DEPTH);

    // Report ready. PM is waiting for exactly this at boot, so this one
    // Call cannot deadlock; afterwards VM never calls anyone.
    let (c, w, l) = minix_abi::pm::Request::SrvReady.encode();
    mxrt::ipc::sendrec(cs::PM_EP, c, w, l);

    let ep = CPtr(cs::SERVICE_EP);
    let mut msg = sel4::recv(ep);
    loop {
        vm.heap_short = !vm.ensure_heap(heap::LOW_WATER);
        // Below its low-water mark with its part of memory used up, the
        // heap still serves faults: only when it is critical do faults
        // that need a page kill (any process, init included).
        vm.heap_critical = vm.heap_short && policy::heap_critical(sel4_root_task::heap_free_bytes());
        let (reply, cap) = vm.handle(&msg);
        // Whatever a handler did not move out of the receive slot (a cap
        // attached by a process that should send none, or the second of
        // two caps, after the first was unwrapped) is deleted now, so the
        // slot is empty for the next message that carries a cap.
        if msg.info.extra_caps() > 0 {
            let _ = SELF_CNODE.delete(cs::RECV_SLOT, sel4::CNODE_DEPTH);
        }
        msg = match reply {
            Some(r) => {
                let ncaps = match cap {
                    Some(c) => {
                        sel4::set_cap(0, CPtr(c));
                        1
                    }
                    None => 0,
                };
                sel4::reply_recv(ep, MessageInfo::new(0, 0, ncaps, r.len()), r.to_words())
            }
            None => sel4::recv(ep),
        };
    }
}

impl Vm {
    fn handle(&mut self, msg: &Received) -> (Option<Reply>, Option<u64>) {
        let req = RawRequest::from_tag(msg.info.0, msg.mrs);
        match Sender::from_badge(msg.badge) {
            Sender::Fault(ep) => (self.fault(ep, msg), None),
            Sender::Process(ep) => {
                if let Some(r) = common::answer(endpoint::VM, &req) {
                    return (Some(r), None);
                }
                match Request::decode(&req) {
                    Err(e) => (Some(Reply::err(e)), None),
                    Ok(_) if policy::allowed(ep, req.call).is_err() => (Some(Reply::err(EPERM)), None),
                    Ok(r) => self.request(ep, r, msg),
                }
            }
            _ => (Some(Reply::err(EPERM)), None),
        }
    }

    fn request(&mut self, who: Endpoint, r: Request, msg: &Received) -> (Option<Reply>, Option<u64>) {
        let has_cap = msg.info.extra_caps() == 1 && msg.info.caps_unwrapped() == 0;
        if self.heap_short && policy::builds_bookkeeping(&r) {
            if has_cap {
                let _ = SELF_CNODE.delete(cs::RECV_SLOT, sel4::CNODE_DEPTH);
            }
            return (Some(Reply::err(ENOMEM)), None);
        }
        // The calls that may wait for a page-in answer later, or not here.
        match r {
            Request::Spawn { child, block_len } => {
                // The block's words are message words 2 onwards: the first
                // two came in registers, the rest are in the IPC buffer,
                // read before any kernel call of VM's own overwrites it.
                let mut words = [0u64; vm::SPAWN_BLOCK_MAX as usize / 4];
                let n = (vm::spawn_words(block_len as u64) - 2) as usize;
                for (i, w) in words[..n].iter_mut().enumerate() {
                    *w = if i < 2 { msg.mrs[2 + i] } else { sel4::get_mr(2 + i) };
                }
                let mut block = [0u8; vm::SPAWN_BLOCK_MAX as usize];
                let r = vm::spawn_block(&words[..n], block_len as u64, &mut block)
                    .and_then(|len| self.spawn(child, &block[..len], has_cap))
                    .map(|cap| (Reply::ok(vm::SPAWN_BLOCK_AT), Some(cap)));
                if r.is_err() && has_cap {
                    let _ = SELF_CNODE.delete(cs::RECV_SLOT, sel4::CNODE_DEPTH);
                }
                return match r {
                    Ok((reply, cap)) => (Some(reply), cap),
                    Err(e) => (Some(Reply::err(e)), None),
                };
            }
            Request::Pager { done, bytes, holes } => return (self.pager(done, bytes, holes), None),
            Request::FixRange { who: t, addr, len, write } => {
                if let Err(e) = policy::fix_range_target(self.procs.get(&t.0).map(|p| p.dead)) {
                    return (Some(Reply::err(e)), None);
                }
                return (self.fix_file_range(t, addr, len, write), None);
            }
            Request::SafeCopy { .. } | Request::SafeMemset { .. } | Request::VSafeCopy { .. } => {
                return (self.copy_request(who, r, None), None);
            }
            _ => {}
        }
        let result = match r {
            Request::Pager { .. } => Err(EINVAL),
            Request::CacheWindow => self.cache_window(who).map(|v| (Reply::ok(v), None)),
            Request::Peek { who: target, addr } => self.peek(target, addr).map(|v| (Reply::ok_with(0, [v, 0, 0]), None)),
            Request::Thread { thread, leader } => self.thread(thread, leader, has_cap).map(|(at, cap)| (Reply::ok(at), Some(cap))),
            Request::Poke { who: target, addr, value } => self.poke(target, addr, value).map(|_| (Reply::ok(0), None)),
            Request::MmapFile { map, addr, len } => self.mmap_file(map, addr, len).map(|v| (Reply::ok(v), None)),
            Request::CacheWrite { who: w, addr, len, ino, pos } => self.cache_write(w, addr, len, ino, pos).map(|_| (Reply::ok(0), None)),
            Request::CacheTrunc { ino, size } => {
                self.cache_trunc(ino, size);
                Ok((Reply::ok(0), None))
            }
            Request::Spawn { .. } => Err(EINVAL),
            Request::Fork { child, parent } => self.fork(child, parent, has_cap).map(|cap| (Reply::ok(0), Some(cap))),
            Request::Exit { proc_ } => {
                self.exit(proc_);
                Ok((Reply::ok(0), None))
            }
            Request::Events => Ok((
                match self.events.pop() {
                    Some((ep, sig, addr)) => Reply::ok_with(1, [ep.0 as u64, sig, addr]),
                    None => Reply::ok(0),
                },
                None,
            )),
            Request::Info { of: vm::InfoOf::Servers } => {
                let pages = |ep: Endpoint| self.procs.get(&ep.0).map_or(0, |p| p.space.resident_pages() as u64);
                let vals = [pages(endpoint::VFS), pages(endpoint::FS), pages(endpoint::BLK)];
                Ok((Reply::ok_with(self.frames.free_frames(), vals), None))
            }
            Request::Info { of: vm::InfoOf::Vm } => {
                let (used, size) = sel4_root_task::heap_used_and_size();
                let m = vm::VmMemory {
                    free_frames: self.frames.free_frames(),
                    heap_used: used as u64,
                    heap_size: size as u64,
                    paging: self.frames.paging_structures(),
                };
                let (status, vals) = m.to_reply();
                Ok((Reply::ok_with(status, vals), None))
            }
            Request::Info { of: vm::InfoOf::Caller } => {
                let resident = self.procs.get(&who.0).map_or(0, |p| p.space.resident_pages() as u64);
                Ok((Reply::ok_with(self.frames.free_frames(), [self.frames.total_frames(), resident, 0]), None))
            }
            Request::Brk { addr } => self.brk(who, addr).map(|v| (Reply::ok(v), None)),
            Request::Mmap { addr, len, prot, flags } => self.mmap(who, addr, len, prot, flags).map(|v| (Reply::ok(v), None)),
            Request::Munmap { addr, len } => self.munmap(who, addr, len).map(|_| (Reply::ok(0), None)),
            Request::Mprotect { addr, len, prot } => self.mprotect(who, addr as u64, len as u64, prot).map(|_| (Reply::ok(0), None)),
            Request::Madvise { addr, len, advice } => self.madvise(who, addr as u64, len as u64, advice).map(|_| (Reply::ok(0), None)),
            Request::Adopt { server } => self.adopt(server, has_cap).map(|_| (Reply::ok(0), None)),
            Request::GrantTable { base, entries } => self.register_grants(who, base, entries).map(|_| (Reply::ok(0), None)),
            // Answered above, by copy_request (they may wait for a page-in).
            Request::SafeCopy { .. } | Request::SafeMemset { .. } | Request::VSafeCopy { .. } => Err(EINVAL),
            Request::FixRange { who: target, addr, len, write } => self.fix_range(target, addr, len, write).map(|_| (Reply::ok(0), None)),
            Request::Exec { who: target, desc, len, ino } => {
                self.exec(who, target, desc, len, ino).map(|entry| (Reply::ok_with(0, [entry, 0, 0]), None))
            }
        };
        match result {
            Ok((reply, cap)) => (Some(reply), cap),
            Err(e) => (Some(Reply::err(e)), None),
        }
    }

    /// Takes the cap PM sent (the new process's IPC buffer frame).
    fn take_received_cap(&mut self, has_cap: bool) -> Result<u64, Errno> {
        if !has_cap {
            return Err(EINVAL);
        }
        let slot = self.frames.res.slot().map_err(|_| ENOMEM)?;
        if SELF_CNODE.move_(slot.0, sel4::CNODE_DEPTH, SELF_CNODE, cs::RECV_SLOT, sel4::CNODE_DEPTH).is_err() {
            self.frames.res.slots.free(slot.0);
            return Err(EINVAL);
        }
        Ok(slot.0)
    }

    /// PM hands over a server's VSpace so the server can get memory from
    /// VM (for grants and copies) above its image.
    fn adopt(&mut self, server: Endpoint, has_cap: bool) -> Result<(), Errno> {
        if !endpoint::is_server(server) || self.procs.contains_key(&server.0) {
            return Err(EINVAL);
        }
        let cap = self.take_received_cap(has_cap)?;
        let vs = UserVSpace::adopt(cap);
        let mut space = AddressSpace::new();
        // Keep mmap away from the server's IPC buffers (its first thread's
        // and its workers'), which the root task mapped: a placeholder
        // region with no access over the whole area.
        let ipc_area = cs::addr::SERVER_IPC_AREA_PAGES * PAGE_SIZE as u64;
        space.mmap_anon(cs::addr::IPC_BUFFER, ipc_area, Prot::NONE, true, &mut self.frames)?;
        // and pin it, so that no MAP_FIXED or munmap of the server's can
        // take its IPC buffers away.
        space.pin(cs::addr::IPC_BUFFER, ipc_area);
        self.procs.insert(server.0, Proc::new(space, vs, 0, true, None));
        Ok(())
    }

    fn register_grants(&mut self, who: Endpoint, base: u64, entries: u64) -> Result<(), Errno> {
        // Validated once here (alignment, size, no wrap): the copy engine
        // then trusts every entry and mark address it derives.
        let table = grant::TableBase::new(base, entries)?;
        let p = self.procs.get_mut(&who.0).ok_or(EINVAL)?;
        p.grants = (entries != 0).then_some(table);
        Ok(())
    }

    fn new_vspace(&mut self) -> Result<UserVSpace, Errno> {
        match self.spare_vspaces.pop() {
            Some(v) => {
                self.kept_paging = self.kept_paging.saturating_sub(v.paging_count());
                Ok(v)
            }
            None => UserVSpace::create(&mut self.frames),
        }
    }

    /// Maps the IPC buffer frame at its fixed address, as a direct-physical
    /// page in the region model.
    fn map_ipc(&mut self, space: &mut AddressSpace, vs: &mut UserVSpace, ipc_cap: u64) -> Result<(), Errno> {
        let paddr = Frame::from_bits(ipc_cap).physical_address().map_err(|_| EINVAL)?;
        let (_, rel) = space.map_phys(cs::addr::IPC_BUFFER, PAGE_SIZE as u64, paddr, Prot::RW, true, &mut self.frames)?;
        self.map_clock_page(space, vs)?;
        // The process's lifeline to every server (and its clock): no
        // munmap and no fixed mapping of its own may replace them (the
        // library refuses both).
        space.pin(cs::addr::IPC_BUFFER, clock_page::PINNED_LEN);
        self.apply(vs, rel);
        let m = Mapping { vaddr: cs::addr::IPC_BUFFER, frame: PageFrame::Phys(paddr), writable: true, flags: Default::default() };
        vs.install(&mut self.frames, &m, Some(ipc_cap))
    }

    /// A new process's memory with nothing in it but its IPC buffer, the
    /// clock page and `block` (an exec argument block) at
    /// `vm::SPAWN_BLOCK_AT`: PM then has it exec that block, a program
    /// from the file system (VM holds no programs of its own).
    fn spawn(&mut self, child: Endpoint, block: &[u8], has_cap: bool) -> Result<u64, Errno> {
        if self.procs.contains_key(&child.0) {
            return Err(EINVAL);
        }
        let ipc_cap = self.take_received_cap(has_cap)?;
        let mut vs = match self.new_vspace() {
            Ok(v) => v,
            Err(e) => {
                self.frames.res.delete(ipc_cap);
                return Err(e);
            }
        };
        let mut space = AddressSpace::new();
        match self.map_ipc(&mut space, &mut vs, ipc_cap).and_then(|_| self.place_block(&mut space, &mut vs, block)) {
            Ok(()) => {
                let cap = vs.cap;
                self.procs.insert(child.0, Proc::new(space, vs, ipc_cap, false, None));
                Ok(cap)
            }
            Err(e) => {
                self.discard(space, vs, ipc_cap);
                Err(e)
            }
        }
    }

    /// One private page at `vm::SPAWN_BLOCK_AT` holding `block` (at most
    /// a page), the rest zero.
    fn place_block(&mut self, space: &mut AddressSpace, vs: &mut UserVSpace, block: &[u8]) -> Result<(), Errno> {
        let at = vm::SPAWN_BLOCK_AT;
        let (_, rel) = space.mmap_anon(at, PAGE_SIZE as u64, Prot::RW, true, &mut self.frames)?;
        self.apply(vs, rel);
        let FaultOutcome::Map(m) = space.handle_fault(at, true, &mut self.frames) else { return Err(ENOMEM) };
        let id = m.frame.pool().ok_or(ENOMEM)?;
        let bytes = self.frames.bytes_mut(Sel4Frames::offset(id), block.len()).ok_or(ENOMEM)?;
        bytes.copy_from_slice(block);
        vs.install(&mut self.frames, &m, None)
    }

    fn fork(&mut self, child: Endpoint, parent: Endpoint, has_cap: bool) -> Result<u64, Errno> {
        if cfg!(feature = "crash-on-fork") {
            sel4::abort_by_fault();
        }
        if self.procs.contains_key(&child.0) {
            return Err(EINVAL);
        }
        let ipc_cap = self.take_received_cap(has_cap)?;
        let Some(p) = self.procs.get_mut(&parent.0) else {
            self.frames.res.delete(ipc_cap);
            return Err(EINVAL);
        };
        if let Err(e) = p.space.populate_shared(&mut self.frames) {
            self.frames.res.delete(ipc_cap);
            return Err(e);
        }
        // The child's bookkeeping is made in one go: make sure the heap can
        // hold it before starting, or refuse the fork.
        let need = p.space.resident_pages().saturating_mul(heap::FORK_BYTES_PER_PAGE).saturating_add(heap::LOW_WATER);
        if !self.ensure_heap(need) {
            self.frames.res.delete(ipc_cap);
            return Err(ENOMEM);
        }
        let Some(p) = self.procs.get_mut(&parent.0) else {
            self.frames.res.delete(ipc_cap);
            return Err(EINVAL);
        };
        let fork_of = p.image.or(p.fork_of);
        // The parent's writable pages become copy-on-write.
        p.tlb.flush();
        let forked = match p.space.fork(&mut self.frames) {
            Ok(f) => f,
            Err(e) => {
                self.frames.res.delete(ipc_cap);
                return Err(e);
            }
        };
        for m in &forked.downgrade {
            p.vs.downgrade(m.vaddr);
        }
        let mut vs = match self.new_vspace() {
            Ok(v) => v,
            Err(e) => {
                self.discard(forked.child, UserVSpace::dummy(), ipc_cap);
                return Err(e);
            }
        };
        let mut space = forked.child;
        // The child's IPC buffer is its own frame, not the parent's: VM
        // lifts the pin it inherited to replace the page (map_ipc pins it
        // again, with the clock page the child inherited).
        space.unpin();
        let res = space
            .munmap(cs::addr::IPC_BUFFER, PAGE_SIZE as u64, &mut self.frames)
            .map(|rel| self.apply(&mut vs, rel))
            .and_then(|_| self.drop_thread_pages(&mut space, &mut vs))
            .and_then(|_| self.map_ipc(&mut space, &mut vs, ipc_cap));
        match res {
            Ok(()) => {
                let cap = vs.cap;
                self.procs.insert(child.0, Proc::new(space, vs, ipc_cap, false, fork_of));
                if let Some(prog) = fork_of {
                    let pages = self.fork_sets.for_exec(prog).map(|p| p.to_vec()).unwrap_or_default();
                    self.map_text_pages(child, prog, &pages);
                }
                Ok(cap)
            }
            Err(e) => {
                self.discard(space, vs, ipc_cap);
                Err(e)
            }
        }
    }

    /// Frees everything of a process that never started.
    /// The VSpace goes to `spare_vspaces`: a small one with its paging
    /// structures, on top, so the next spawn or fork takes it and makes
    /// none (`budget::keep_paging` bounds how many are kept); any other
    /// with them deleted, at the bottom.
    fn discard(&mut self, mut space: AddressSpace, mut vs: UserVSpace, ipc_cap: u64) {
        let rel = space.exit(&mut self.frames);
        self.apply(&mut vs, rel);
        vs.unmap_all(&mut self.frames);
        self.frames.res.delete(ipc_cap);
        if vs.cap == 0 {
            return;
        }
        let n = vs.paging_count();
        if vm_server::budget::keep_paging(n, self.kept_paging) {
            self.kept_paging += n;
            self.spare_vspaces.push(vs);
        } else {
            vs.release_paging(&mut self.frames);
            self.spare_vspaces.insert(0, vs);
        }
    }

    fn exit(&mut self, ep: Endpoint) {
        // A thread's exit leaves its process's memory alone.
        if self.exit_thread(ep) {
            return;
        }
        self.exit_threads_of(ep);
        self.forget_file_waits(ep);
        self.record_working_set(ep);
        if let Some(p) = self.procs.remove(&ep.0) {
            let files = p.space.files_in(0, vm::USER_TOP);
            self.discard(p.space, p.vs, p.ipc_cap);
            self.maybe_unmapped(&files);
        }
    }

    /// Unmaps released pages, then frees the frames nobody holds.
    fn apply(&mut self, vs: &mut UserVSpace, rel: Released) {
        for (vaddr, _) in &rel.unmapped {
            vs.remove(&mut self.frames, *vaddr);
        }
        rel.free_all(&mut self.frames);
    }

    /// Runs a change to `who`'s address space and unmaps and frees what it
    /// released. The copy engine's cached translations of the process are
    /// dropped first: any of them may be wrong afterwards.
    fn with_proc<T>(
        &mut self,
        who: Endpoint,
        f: impl FnOnce(&mut Proc, &mut Sel4Frames) -> Result<(T, Released), Errno>,
    ) -> Result<T, Errno> {
        let Some(p) = self.procs.get_mut(&who.0) else { return Err(EINVAL) };
        p.tlb.flush();
        let (v, rel) = f(p, &mut self.frames)?;
        for (vaddr, _) in &rel.unmapped {
            p.vs.remove(&mut self.frames, *vaddr);
        }
        rel.free_all(&mut self.frames);
        Ok(v)
    }

    /// Refuses a request for more pages than could ever be backed: memory
    /// is allocated on first touch, so this is where "more than exists"
    /// becomes ENOMEM instead of a later fault that kills.
    fn check_commit(&self, bytes: u64) -> Result<(), Errno> {
        policy::check_commit(bytes, PAGE_SIZE as u64, self.frames.free_frames())
    }

    fn brk(&mut self, who: Endpoint, addr: u64) -> Result<u64, Errno> {
        let cur = self.procs.get(&who.0).map_or(0, |p| p.space.current_brk());
        self.check_commit(addr.saturating_sub(cur))?;
        self.with_proc(who, |p, frames| {
            if addr == 0 {
                return Ok((p.space.current_brk(), Released::default()));
            }
            let rel = p.space.brk(addr, frames)?;
            Ok((p.space.current_brk(), rel))
        })
    }

    fn mmap(&mut self, who: Endpoint, addr: u64, len: u64, prot: u64, flags: u64) -> Result<u64, Errno> {
        if flags & vm::MAP_ANON == 0 {
            // File mappings arrive with the file system.
            return Err(EINVAL);
        }
        let prot = Prot::from_bits(u32::try_from(prot).map_err(|_| EINVAL)?)?;
        self.check_commit(len)?;
        let (fixed, shared) = (flags & vm::MAP_FIXED != 0, flags & vm::MAP_SHARED != 0);
        let base = self.with_proc(who, |p, frames| {
            if shared {
                p.space.mmap_shared_anon(addr, len, prot, fixed, frames)
            } else {
                p.space.mmap_anon(addr, len, prot, fixed, frames)
            }
        })?;
        if self.procs.get(&who.0).is_some_and(|p| p.server) {
            // A server's faults go to PM, not here: map every page now.
            let mut a = base;
            while a < base + len {
                let p = self.procs.get_mut(&who.0).ok_or(EINVAL)?;
                match p.space.handle_fault(a, prot.write(), &mut self.frames) {
                    FaultOutcome::Map(m) => p.vs.install(&mut self.frames, &m, None)?,
                    _ => return Err(ENOMEM),
                }
                a += PAGE_SIZE as u64;
            }
        }
        Ok(base)
    }

    fn munmap(&mut self, who: Endpoint, addr: u64, len: u64) -> Result<(), Errno> {
        // A range that touches the IPC buffer (pinned) is refused whole by
        // the library, and nothing is unmapped.
        addr.checked_add(len).ok_or(EINVAL)?;
        let files = self.procs.get(&who.0).map(|p| p.space.files_in(addr, len)).unwrap_or_default();
        self.with_proc(who, |p, frames| p.space.munmap(addr, len, frames).map(|rel| ((), rel)))?;
        self.maybe_unmapped(&files);
        Ok(())
    }

    /// madvise: what went is unmapped and freed even when a part of the
    /// range was a hole (`ENOMEM`, Linux's answer after the rest is done).
    fn madvise(&mut self, who: Endpoint, addr: u64, len: u64, advice: u32) -> Result<(), Errno> {
        let hole = self.with_proc(who, |p, frames| p.space.advise(addr, len, advice, frames).map(|(rel, hole)| (hole, rel)))?;
        if hole {
            Err(ENOMEM)
        } else {
            Ok(())
        }
    }

    /// mprotect: the regions' protection changes, and the range's present
    /// pages lose their hardware mappings, so that the next touch maps
    /// each again under the new rights (or faults, if they forbid it).
    fn mprotect(&mut self, who: Endpoint, addr: u64, len: u64, prot: u64) -> Result<(), Errno> {
        let prot = Prot::from_bits(prot as u32)?;
        let p = self.procs.get_mut(&who.0).ok_or(EINVAL)?;
        if p.server {
            return Err(EPERM);
        }
        p.tlb.flush();
        let present = p.space.mprotect(addr, len, prot)?;
        for vaddr in present {
            p.vs.remove(&mut self.frames, vaddr);
        }
        Ok(())
    }

    /// A thread of process `ep` faulted. Resolve it (reply) or kill.
    fn fault(&mut self, ep: Endpoint, msg: &Received) -> Option<Reply> {
        let p = self.procs.get_mut(&ep.0)?;
        if p.dead {
            return None;
        }
        // Page faults: the address space decides, and the hot path (a page
        // to map) goes straight to the mapping. Everything else is
        // policy::fault_action's decision.
        let (kind, outcome) = match Fault::decode(msg) {
            Fault::Vm(f) if !self.heap_critical => {
                p.tlb.invalidate(f.addr & !(PAGE_SIZE as u64 - 1));
                match p.space.handle_fault(f.addr, f.is_write(), &mut self.frames) {
                    FaultOutcome::Map(m) => match p.vs.install(&mut self.frames, &m, None) {
                        Ok(()) => return Some(Reply::ok(0)),
                        // No room for a paging structure or a mapping cap.
                        // Said on the console: a process killed for want of
                        // VM's memory must not look like one that faulted.
                        Err(e) => {
                            println!("VM: no memory to map {:#x} for process {:#x} ({:?}): killed", f.addr, ep.0, e);
                            self.kill(ep, SIGSEGV);
                            return None;
                        }
                    },
                    FaultOutcome::Later(pi) => return self.file_fault(ep, pi),
                    other => (FaultKind::Memory, Some(other)),
                }
            }
            Fault::Vm(_) => (FaultKind::Memory, None),
            Fault::UserException { .. } => (FaultKind::Exception, None),
            Fault::Other { .. } => (FaultKind::Other, None),
        };
        let sig = match policy::fault_action(kind, self.heap_critical, outcome.as_ref()) {
            FaultAction::Kill(sig) => sig,
            // Only a Map outcome maps, and that was handled above.
            FaultAction::Map => SIGSEGV,
        };
        let fault = Fault::decode(msg);
        let addr = match fault {
            Fault::Vm(f) => f.addr,
            Fault::UserException { ip, .. } => ip,
            Fault::Other { .. } => 0,
        };
        // Said on the console, as Linux says "segfault at": a program that
        // dies of a fault in a test run is otherwise known only by its
        // wait status. (qemu/test.sh shows these lines only next to a
        // failure.)
        println!("VM: process {:#x} faulted: {:?} ({:?}); signal {}", ep.0, fault, outcome, sig);
        if let Fault::Vm(f) = fault {
            self.diagnose_ip(ep, f.ip);
        }
        // PM turns the fault into a signal: a handler runs (PM restarts
        // the thread there, cancelling this fault), or the process ends.
        // Not marked dead: it may live on.
        self.events.push(ep, sig, addr);
        sel4::signal(CPtr(cs::PM_NOTIFY));
        None
    }

    /// PM's PEEK: 8 bytes of a live process's memory, present pages only
    /// (nothing is faulted in, so nothing waits).
    fn peek(&self, who: Endpoint, addr: u32) -> Result<u64, Errno> {
        let p = self.procs.get(&who.0).filter(|p| !p.dead).ok_or(ESRCH)?;
        let mut b = [0u8; 8];
        if !copy::read_mem(p, &self.frames, addr as u64, &mut b) {
            return Err(EFAULT);
        }
        Ok(u64::from_le_bytes(b))
    }

    /// Marks a process dead and tells PM through its notification; the
    /// faulting thread stays blocked until PM tears the process down.
    /// The second line of a fault's report: the page at the faulting ip,
    /// the frame the process has there and, for a file page, the frame the
    /// page cache has for it, and the bytes at the ip. A program that ran
    /// into bytes that are not its own (a frame that is not the cache's,
    /// or zeros) is then told from one with a bug of its own.
    fn diagnose_ip(&self, ep: Endpoint, ip: u64) {
        let Some(p) = self.procs.get(&ep.0) else { return };
        let va = ip & !(PAGE_SIZE as u64 - 1);
        let cached = p.space.regions().lookup(va).and_then(|r| match r.mem() {
            vm_server::memtype::MemType::File(f) => {
                let page = (f.offset + (va - r.start())) / PAGE_SIZE as u64;
                Some((page, self.cache.lookup((f.file, page))))
            }
            _ => None,
        });
        let mut b = [0u8; 8];
        let read = copy::read_mem(p, &self.frames, ip, &mut b);
        println!(
            "VM:   at ip: {:?}; file page and cached frame {:?}; bytes {:02x?}",
            p.space.page(va).map(|g| g.frame),
            cached,
            read.then_some(b)
        );
    }

    fn kill(&mut self, ep: Endpoint, sig: u64) {
        println!("VM: process {:#x} faulted and could not be served: killed with signal {}", ep.0, sig);
        if let Some(p) = self.procs.get_mut(&ep.0) {
            p.dead = true;
        }
        self.events.push(ep, sig, 0);
        sel4::signal(CPtr(cs::PM_NOTIFY));
    }
}

impl UserVSpace {
    /// A placeholder for error paths that never got a VSpace.
    fn dummy() -> UserVSpace {
        UserVSpace::empty()
    }
}
