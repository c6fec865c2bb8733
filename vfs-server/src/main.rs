// SPDX-License-Identifier: BSD-2-Clause
//! VFS's seL4 glue: report ready to PM, start the worker threads the root
//! task made for us, and serve. Every serving thread, the first included,
//! runs the same loop on VFS's one endpoint; the request handling is
//! `vfs_server::Vfs`'s, shared by all of them. Two threads serve no
//! requests: the pager (VM's page-ins) and the alarm thread (poll's
//! timeouts). Each thread's [`Worker`] implements `vfs_server::env::Env`
//! with its own copy buffers and grants.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    extern crate alloc;
    use grant::{GrantId, CPF_READ, CPF_TRY, CPF_WRITE};
    use minix_abi::cspace::{self, vfs as slots};
    use minix_abi::endpoint::{Endpoint, FS, VFS};
    use minix_abi::errno::{Errno, EFAULT, EINVAL, ENOMEM};
    use minix_abi::message::Reply;
    use minix_abi::timer;
    use minix_abi::vm::{PROT_READ, PROT_WRITE};
    use minix_abi::{fs, pm, vfs::EXERCISE_MAX};
    use mxrt::grants::{safecopy_from, safecopy_to, Grants};
    use mxrt::posix::Mapping;
    use mxrt::time::ClockPage;
    use sel4::CPtr;
    use sel4_root_task::println;
    use vfs_server::env::{Env, NameSlot, WriteSrc, SCRATCH};
    use vfs_server::{Outcome, Vfs, STRIPES};

    sel4_root_task::declare_main!("vfs", main);

    /// The locks VFS's threads share: each a benaphore on one of the
    /// notifications the root task made for VFS, so a thread that waits
    /// for a lock sleeps in the kernel until the holder hands it over.
    type Lock = sel4::sync::Benaphore<sel4::Notification>;

    /// The lock on notification `i` of VFS's set.
    fn lock(i: usize) -> Lock {
        Lock::new(sel4::Notification::from_bits(slots::NTFN_BASE + i as u64))
    }

    static VFS_STATE: spin::Once<Vfs<Lock>> = spin::Once::new();
    /// VFS's grant table, shared by the workers. VM reads it in VFS's
    /// memory, so it lives in a mapping from VM (VFS's image is not memory
    /// VM manages), made on first use, and it never moves while the FS may
    /// be copying through one of its entries.
    static GRANTS: lock_api::Mutex<Lock, Option<Table>> =
        lock_api::Mutex::from_raw(Lock::new(sel4::Notification::from_bits(slots::NTFN_BASE + GRANTS_NTFN)), None);
    /// The grant table's lock uses the notification after the state's and
    /// the stripes'.
    const GRANTS_NTFN: u64 = 1 + STRIPES as u64;
    /// The alarm lock (poll's deadline in the timer driver) the one after.
    const ALARM_LOCK_NTFN: u64 = GRANTS_NTFN + 1;
    type Table = Grants<grant::SliceStorage<'static>>;
    /// Bytes of the table: 170 entries, far more than the five threads
    /// ever hold at once (three permanent each, plus one or two in a call).
    const TABLE_BYTES: u64 = 8192;

    /// Each worker thread's stack, in VFS's image (the root task maps every
    /// page of it at load, so a stack never faults).
    const STACK: usize = 64 * 1024;
    static STACKS: spin::Mutex<[[u8; STACK]; slots::WORKERS as usize]> = spin::Mutex::new([[0; STACK]; slots::WORKERS as usize]);

    /// Where saved reply caps go: one slot per process-table slot.
    const REPLY_BASE: u64 = cspace::FIRST_FREE;

    fn vfs() -> &'static Vfs<Lock> {
        const _: () = assert!(ALARM_LOCK_NTFN < slots::NTFNS);
        VFS_STATE.call_once(|| Vfs::new(lock(0), core::array::from_fn::<_, STRIPES, _>(|i| lock(1 + i)), lock(ALARM_LOCK_NTFN as usize)))
    }

    /// The clock page, which the root task mapped read-only here.
    // SAFETY: the root task maps the clock frame read-only at
    // SERVER_CLOCK_PAGE (page-aligned, inside the server area VM keeps
    // out of) before VFS starts, for VFS's life; the timer driver writes
    // it only with aligned atomic stores, and VFS only loads.
    const CLOCK: ClockPage =
        ClockPage::new(unsafe { sel4::SharedWords::new(cspace::addr::SERVER_CLOCK_PAGE, minix_abi::clock::WORDS, false) });

    fn main(_arg: u64) -> ! {
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("vfs: PM refused the ready report");
        }
        vfs();
        let stacks = spin::MutexGuard::leak(STACKS.lock());
        for (i, stack) in stacks.iter_mut().enumerate() {
            let top = stack.as_mut_ptr() as u64 + STACK as u64;
            let tcb = sel4::Tcb::from_bits(slots::WORKER_TCB_BASE + i as u64);
            // SAFETY: each stack is a distinct array in VFS's image, leaked
            // above so nothing else ever uses it, mapped for VFS's whole
            // life, and the thread runs only `worker`, which never returns.
            if let Err(e) = unsafe { tcb.start(worker, top, i as u64 + 1) } {
                println!("vfs: worker {} did not start: {:?}", i + 1, e);
            }
        }
        serve_as(0)
    }

    /// The last worker is VFS's reserved pager: it serves VM's page-ins and
    /// nothing else, so a page-in never waits for a free worker (every
    /// worker could be waiting in a FIX_RANGE that needs one).
    const PAGER_ID: u64 = slots::WORKERS;
    /// The one before it is the alarm thread: poll's timeouts come to it
    /// on a notification, never through the endpoint, so they are taken
    /// even while every serving thread is busy.
    const ALARM_ID: u64 = slots::WORKERS - 1;

    extern "C" fn worker(id: u64) -> ! {
        if id == PAGER_ID {
            pager()
        }
        if id == ALARM_ID {
            alarm_thread()
        }
        serve_as(id)
    }

    /// Waits for the timer driver's signal that VFS's alarm is due, then
    /// answers the pollers whose time is up and asks for the next
    /// deadline. It takes the alarm lock and the state lock briefly,
    /// calls only the driver (which answers at once) and answers pollers
    /// through their saved reply caps, so it never waits on a process.
    fn alarm_thread() -> ! {
        let mut w = Worker { io: None, exercise: None };
        loop {
            sel4::wait(CPtr(slots::ALARM_NTFN));
            vfs().alarm_fired(&mut w);
        }
    }

    /// The pager's loop: a Call to VM that reports the last page-in and
    /// waits for the next, which the FS reads straight into the cache
    /// frames VM mapped in the FS's cache window (`fs::PAGE_IN`): the bytes
    /// pass through no buffer of VFS's and no grant. It takes no VFS lock
    /// and touches no file description.
    fn pager() -> ! {
        use minix_abi::vm::{Request as VmRequest, PAGE_FAILED};
        let mut w = Worker { io: None, exercise: None };
        let (mut done, mut bytes, mut holes) = (0u64, 0u64, 0u64);
        loop {
            let (c, words, l) = VmRequest::Pager { done, bytes, holes }.encode();
            let r = mxrt::ipc::sendrec(cspace::VM_EP, c, words, l);
            done = 0;
            let Ok(token) = r.result() else { continue };
            if token == 0 {
                continue;
            }
            let ino = r.vals[0] as u32;
            if r.vals[2] == 1 {
                // No process maps the file any more: VFS's holds for VM go.
                vfs().vm_released(&mut w, ino, r.vals[1]);
                continue;
            }
            let (page, count) = (r.vals[1] & 0xffff_ffff, r.vals[1] >> 32);
            done = token;
            (bytes, holes) = (PAGE_FAILED, 0);
            if (1..=fs::PAGE_IN_MAX).contains(&count) {
                let reply = w.fs(fs::Request::PageIn { ino, page: page as u32, count: count as u8 });
                if let Ok(n) = reply.result() {
                    (bytes, holes) = (n.min(count * 4096), reply.vals[0] & ((1 << count) - 1));
                }
            }
        }
    }

    /// Set while one thread grows the heap: the others go on with the
    /// margin the low water mark leaves rather than wait.
    static GROWING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

    /// Makes sure `HEAP_LOW_WATER` bytes of heap are free before a message
    /// is handled, with mappings from VM (which maps an adopted server's
    /// pages at once and never calls VFS, and no lock is held here, so
    /// the Call cannot close a cycle of waits). If VM has no more, VFS
    /// goes into low-memory mode below its reserve.
    fn keep_heap() {
        use core::sync::atomic::Ordering;
        use vfs_server::limits::{HEAP_LOW_WATER, HEAP_RESERVE, HEAP_STEP};
        if sel4_root_task::heap_free_bytes() >= HEAP_LOW_WATER {
            vfs().set_low_memory(false);
            return;
        }
        if GROWING.swap(true, Ordering::Acquire) {
            return;
        }
        while sel4_root_task::heap_free_bytes() < HEAP_LOW_WATER {
            match mxrt::posix::mmap_region(HEAP_STEP, PROT_READ | PROT_WRITE) {
                // The mapping is the heap's for good: leaked, never unmapped.
                Ok(m) => {
                    sel4_root_task::give_heap_memory(m.leak());
                }
                Err(_) => break,
            }
        }
        vfs().set_low_memory(sel4_root_task::heap_free_bytes() < HEAP_RESERVE);
        GROWING.store(false, Ordering::Release);
    }

    fn serve_as(id: u64) -> ! {
        let _ = id;
        let mut w = Worker { io: None, exercise: None };
        let vfs = vfs();
        mxrt::server::serve(CPtr(cspace::SERVICE_EP), VFS, |inc| {
            // Growth first, holding nothing (see keep_heap).
            keep_heap();
            let outcome = vfs.handle(&mut w, inc.sender, &inc.req);
            match outcome {
                Outcome::Reply(r) => Some(r),
                Outcome::Suspended => None,
                Outcome::Exercise { caller, grant, len, delta } => Some(match w.exercise_buf() {
                    Ok(b) => Reply::from_result(exercise(b, caller, GrantId(grant), len, delta).map(|_| 0)),
                    Err(e) => Reply::err(e),
                }),
                Outcome::Bench { caller, grant, len, rounds } => Some(match w.exercise_buf() {
                    Ok(b) => match bench(b, caller, GrantId(grant), len, rounds) {
                        Ok((copy, memcpy)) => Reply::ok_with(copy, [memcpy, 0, 0]),
                        Err(e) => Reply::err(e),
                    },
                    Err(e) => Reply::err(e),
                }),
            }
        })
    }

    /// Layout of a worker's buffer, from VM (VM copies only through memory
    /// it manages): the scratch area the FS writes into, two name slots
    /// the FS reads, and the area VFS's own copies of user memory use.
    const NAME_AT: usize = SCRATCH;
    const NAME_SLOT: usize = 64;
    const COPY_AT: usize = SCRATCH + 2 * NAME_SLOT;
    const COPY: usize = 32 * 1024;
    const IO_BYTES: u64 = (COPY_AT + COPY).next_multiple_of(4096) as u64;

    struct Io {
        map: Mapping,
        scratch_grant: i32,
        name_grants: [i32; 2],
    }

    struct Worker {
        io: Option<Io>,
        exercise: Option<Mapping>,
    }

    fn grants<T>(f: impl FnOnce(&mut Table) -> Result<T, Errno>) -> Result<T, Errno> {
        let mut g = GRANTS.lock();
        if g.is_none() {
            // The mapping is the table's for good: leaked, never unmapped.
            let map: &'static mut Mapping =
                alloc::boxed::Box::leak(alloc::boxed::Box::new(mxrt::posix::mmap_region(TABLE_BYTES, PROT_READ | PROT_WRITE)?));
            *g = Some(Grants::in_memory(map.as_mut_slice())?);
        }
        f(g.as_mut().ok_or(EINVAL)?)
    }

    impl Worker {
        fn io(&mut self) -> Result<&mut Io, Errno> {
            if self.io.is_none() {
                let map = mxrt::posix::mmap_region(IO_BYTES, PROT_READ | PROT_WRITE)?;
                let base = map.base();
                let scratch_grant = grants(|g| g.direct(FS, base, SCRATCH as u64, CPF_READ | CPF_WRITE))?.0;
                let n0 = grants(|g| g.direct(FS, base + NAME_AT as u64, NAME_SLOT as u64, CPF_READ))?.0;
                let n1 = grants(|g| g.direct(FS, base + (NAME_AT + NAME_SLOT) as u64, NAME_SLOT as u64, CPF_READ))?.0;
                self.io = Some(Io { map, scratch_grant, name_grants: [n0, n1] });
            }
            self.io.as_mut().ok_or(EINVAL)
        }

        fn exercise_buf(&mut self) -> Result<&mut Mapping, Errno> {
            if self.exercise.is_none() {
                self.exercise = Some(mxrt::posix::mmap_region(2 * EXERCISE_MAX, PROT_READ | PROT_WRITE)?);
            }
            self.exercise.as_mut().ok_or(EINVAL)
        }

        fn reply_slot(who: Endpoint) -> u64 {
            REPLY_BASE + who.slot() as u64
        }

        /// One trying copy of at most COPY bytes between `who` and the
        /// copy area, through a magic grant VFS makes to itself.
        fn try_copy(&mut self, who: Endpoint, addr: u64, len: usize, to_user: bool) -> Result<u64, Errno> {
            user_range(addr, len as u64)?;
            let at = self.io()?.map.base() + COPY_AT as u64;
            let access = CPF_TRY | if to_user { CPF_WRITE } else { CPF_READ };
            let g = grants(|g| g.magic(who, VFS, addr, len as u64, access))?;
            let r = if to_user { safecopy_to(VFS, g, 0, at, len as u64) } else { safecopy_from(VFS, g, 0, at, len as u64) };
            let _ = grants(|t| t.revoke(g));
            r.map(|_| at)
        }
    }

    /// A user's address range must lie below the top of user memory and
    /// not wrap: anything else is no memory of theirs (EFAULT), checked
    /// here before any grant names it.
    /// VFS's random generator (`vfs_server::random`), keyed at its first
    /// use. Workers take it in turn; a request holds it for one fill.
    static RANDOM: spin::Mutex<Option<vfs_server::random::Pool>> = spin::Mutex::new(None);

    /// The generator's key: the CPU's RDRAND words where it has the
    /// instruction, each mixed with a time-stamp counter reading (the
    /// only entropy left on a CPU without it: how long the boot took to
    /// reach the first exec, to the cycle), and the realtime clock.
    fn random_seed() -> [u8; 32] {
        let mut seed = [0u8; 32];
        for (i, word) in seed.chunks_mut(8).enumerate() {
            let hw = sel4::rdrand64().unwrap_or(0);
            let mixed = hw ^ sel4::rdtsc().rotate_left(17 * i as u32) ^ CLOCK.realtime_ns().unwrap_or(0) as u64;
            word.copy_from_slice(&mixed.to_le_bytes());
        }
        seed
    }

    fn user_range(addr: u64, len: u64) -> Result<(), Errno> {
        match addr.checked_add(len) {
            Some(end) if end <= minix_abi::vm::USER_TOP => Ok(()),
            _ => Err(EFAULT),
        }
    }

    impl Env for Worker {
        fn fs(&mut self, req: fs::Request) -> Reply {
            let (c, w, l) = req.encode();
            mxrt::ipc::sendrec(cspace::FS_EP, c, w, l)
        }

        fn grant_user(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Result<i32, Errno> {
            user_range(addr, len)?;
            let access = CPF_TRY | if write { CPF_WRITE } else { CPF_READ };
            grants(|g| g.magic(who, FS, addr, len, access)).map(|g| g.0)
        }

        fn revoke(&mut self, grant: i32) -> Result<bool, Errno> {
            grants(|g| g.revoke(GrantId(grant)))
        }

        fn fix(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Result<(), Errno> {
            mxrt::grants::fix_range(who, addr, len, write)
        }

        fn try_copy_in(&mut self, who: Endpoint, addr: u64, out: &mut [u8]) -> Result<(), Errno> {
            let mut done = 0;
            while done < out.len() {
                let n = (out.len() - done).min(COPY);
                self.try_copy(who, addr.wrapping_add(done as u64), n, false)?;
                let area = &self.io()?.map.as_slice()[COPY_AT..COPY_AT + n];
                out[done..done + n].copy_from_slice(area);
                done += n;
            }
            Ok(())
        }

        fn try_copy_out(&mut self, who: Endpoint, addr: u64, data: &[u8]) -> Result<(), Errno> {
            let mut done = 0;
            while done < data.len() {
                let n = (data.len() - done).min(COPY);
                self.io()?.map.as_mut_slice()[COPY_AT..COPY_AT + n].copy_from_slice(&data[done..done + n]);
                self.try_copy(who, addr.wrapping_add(done as u64), n, true)?;
                done += n;
            }
            Ok(())
        }

        fn name_grant(&mut self, slot: NameSlot, name: &[u8]) -> Result<i32, Errno> {
            if name.len() > NAME_SLOT {
                return Err(EFAULT);
            }
            let i = slot as usize;
            let io = self.io()?;
            let at = NAME_AT + i * NAME_SLOT;
            io.map.as_mut_slice()[at..at + name.len()].copy_from_slice(name);
            Ok(io.name_grants[i])
        }

        fn scratch_grant(&mut self) -> Result<i32, Errno> {
            Ok(self.io()?.scratch_grant)
        }

        fn scratch(&mut self, len: usize) -> &[u8] {
            match self.io() {
                Ok(io) => &io.map.as_slice()[..len.min(SCRATCH)],
                Err(_) => &[],
            }
        }

        fn save_reply(&mut self, who: Endpoint) -> Result<(), Errno> {
            let cnode = sel4::CNode::from_bits(cspace::SELF_CNODE);
            let slot = Self::reply_slot(who);
            // The slot is normally empty: a send through a saved reply cap
            // consumes it, and the kernel deletes it when its caller dies
            // waiting. Only if that ever left something behind is a delete
            // worth its system call.
            if cnode.save_caller(slot, sel4::CNODE_DEPTH).is_ok() {
                return Ok(());
            }
            let _ = cnode.delete(slot, sel4::CNODE_DEPTH);
            cnode.save_caller(slot, sel4::CNODE_DEPTH).map_err(|_| EINVAL)
        }

        fn vm_mmap_file(&mut self, map: minix_abi::vm::FileMapWord, addr: u64, len: u64) -> Result<u64, Errno> {
            vm_call(minix_abi::vm::Request::MmapFile { map, addr, len })
        }

        fn vm_cache_write(&mut self, src: WriteSrc<'_>, ino: u32, pos: u64, len: u64) -> Result<(), Errno> {
            // VM caches pages of the first 4 GiB only (page indexes are 32
            // bits): a write beyond reaches no cached page.
            if pos >= 1 << 32 {
                return Ok(());
            }
            let len = len.min((1 << 32) - pos);
            let (who, addr) = match src {
                WriteSrc::User { who, addr } => (who, addr),
                WriteSrc::Bytes(b) => {
                    let io = self.io()?;
                    let area = io.map.as_mut_slice().get_mut(COPY_AT..COPY_AT + b.len()).ok_or(EINVAL)?;
                    area.copy_from_slice(b);
                    (VFS, io.map.base() + COPY_AT as u64)
                }
            };
            let mut done = 0;
            while done < len {
                let n = (len - done).min(minix_abi::vm::FIX_RANGE_MAX);
                let req = minix_abi::vm::Request::CacheWrite { who, addr: addr + done, len: n, ino, pos: (pos + done) as u32 };
                vm_call(req)?;
                done += n;
            }
            Ok(())
        }

        fn vm_cache_trunc(&mut self, ino: u32, size: u64) -> Result<(), Errno> {
            vm_call(minix_abi::vm::Request::CacheTrunc { ino, size }).map(|_| ())
        }

        fn vm_exec(&mut self, who: Endpoint, desc: &[u8], ino: u32) -> Result<u64, Errno> {
            // VM reads the description from memory it mapped for VFS (not
            // the static heap the root task loaded): a mapping of its own
            // for the call, unmapped when it is dropped.
            let len = u32::try_from(desc.len()).map_err(|_| EINVAL)?;
            let mut map = mxrt::posix::mmap_region(len.max(1) as u64, PROT_READ | PROT_WRITE)?;
            map.as_mut_slice().get_mut(..desc.len()).ok_or(EINVAL)?.copy_from_slice(desc);
            let at = u32::try_from(map.base()).map_err(|_| ENOMEM)?;
            // VM answers status 0 and the entry point in vals[0].
            let (c, w, l) = minix_abi::vm::Request::Exec { who, desc: at, len, ino }.encode();
            let r = mxrt::ipc::sendrec(cspace::VM_EP, c, w, l);
            r.result().map(|_| r.vals[0])
        }

        fn fill_random(&mut self, out: &mut [u8]) {
            let mut pool = RANDOM.lock();
            pool.get_or_insert_with(|| vfs_server::random::Pool::new(random_seed())).fill(out, sel4::rdtsc());
        }

        fn now(&mut self) -> u64 {
            // Published before the driver reported ready, long before any
            // process polls: 0 (the machine's start) is never read.
            CLOCK.monotonic_ns().unwrap_or(0)
        }

        fn set_alarm(&mut self, at: u64) -> Result<(), Errno> {
            let (c, w, l) = timer::Request::Alarm(Some(at.max(1))).encode();
            let r = mxrt::ipc::sendrec(cspace::TIMER_EP, c, w, l).result().map(|_| ());
            if let Err(e) = r {
                println!("vfs: the timer driver refused VFS's alarm: {}", e.name());
            }
            r
        }

        fn reply_saved(&mut self, who: Endpoint, reply: Reply) {
            // The send consumes the saved cap (seL4 deletes a reply cap
            // once it is used), leaving the slot empty for the next wait.
            mxrt::server::reply_saved(CPtr(Self::reply_slot(who)), reply);
        }

        fn drop_saved(&mut self, who: Endpoint) {
            let _ = sel4::CNode::from_bits(cspace::SELF_CNODE).delete(Self::reply_slot(who), sel4::CNODE_DEPTH);
        }

        fn pause(&mut self) {
            sel4::yield_now();
        }
    }

    fn vm_call(req: minix_abi::vm::Request) -> Result<u64, Errno> {
        let (c, w, l) = req.encode();
        mxrt::ipc::sendrec(cspace::VM_EP, c, w, l).result()
    }

    fn exercise(buf: &mut Mapping, caller: Endpoint, grant: GrantId, len: u64, delta: u8) -> Result<(), Errno> {
        // VM writes the first buffer while this thread waits in the call.
        safecopy_from(caller, grant, 0, buf.base(), len)?;
        vfs_server::transform(buf.as_mut_slice().get_mut(..len as usize).ok_or(EINVAL)?, delta);
        safecopy_to(caller, grant, 0, buf.base(), len)
    }

    /// Medians of `rounds` timed safecopies of `len` bytes from the
    /// caller's grant, and of as many in-process memcpys of the same size.
    fn bench(buf: &mut Mapping, caller: Endpoint, grant: GrantId, len: u64, rounds: u64) -> Result<(u64, u64), Errno> {
        use bench_spec::{per_iteration, FnClock, Samples};
        extern crate alloc;
        let at = buf.base();
        safecopy_from(caller, grant, 0, at, len)?;
        let clock = &mut FnClock(sel4::rdtsc_fenced);
        // Samples is 32 KiB: keep it off the server's stack.
        let s = &mut *alloc::boxed::Box::<Samples>::default();
        let mut failed = None;
        let copy = per_iteration(clock, s, 16, rounds as usize, |_, _| {
            if let Err(e) = safecopy_from(caller, grant, 0, at, len) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        // The in-process floor: the same bytes from the first buffer into
        // the second.
        let (src, dst) = buf.as_mut_slice().split_at_mut(EXERCISE_MAX as usize);
        let (src, dst) = (src.get(..len as usize).ok_or(EINVAL)?, dst.get_mut(..len as usize).ok_or(EINVAL)?);
        let memcpy = per_iteration(clock, s, 16, rounds as usize, |_, _| dst.copy_from_slice(src));
        Ok((copy, memcpy))
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
