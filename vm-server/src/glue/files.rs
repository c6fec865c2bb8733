// SPDX-License-Identifier: BSD-2-Clause
//! File mappings: VFS maps a file into a process, faults on it are served
//! from VM's page cache, and misses wait for a VFS pager (the rules are in
//! `vm_server::pagecache`).
//!
//! VM never Calls anyone here either: a fault that misses saves its reply
//! cap and waits; a pager's Call waits (its reply cap saved) until there is
//! work. Both are answered by a Send through the saved cap, which cannot
//! block: the caller is waiting for exactly that reply.
extern crate alloc;
use super::copy::read_mem;
use super::frames::Sel4Frames;
use super::res::SELF_CNODE;
use super::Vm;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EFAULT, EINVAL, ENOMEM};
use minix_abi::message::Reply;
use minix_abi::pm::{SIGBUS, SIGSEGV};
use minix_abi::vm::{self, FileMapWord, MAP_FIXED, MAP_NO_AROUND, MAP_SHARED, PAGE_FAILED, ROOT_DEV};
use sel4::{CPtr, MessageInfo, PAGE_SIZE};
use vm_server::memtype::{File, FileRef, PageIn};
use vm_server::pagecache::{Key, Waiter, Work, RUN_MAX};
use vm_server::{FaultOutcome, FrameId, Prot};

/// A pager's answer: status 1, then the inode, the page index or the
/// release count, the kind (0 page-in, 1 release) and the token.
fn work_reply(w: Work) -> Reply {
    match w {
        Work::PageIn { token, file, page, count } => Reply::ok_with(token, [file.ino, page | count << 32, 0]),
        Work::Release { file, maps } => Reply::ok_with(1, [file.ino, maps, 1]),
    }
}

/// Most cached pages one fault maps after the faulting one.
const AROUND: u64 = 16;
const PAGE: u64 = PAGE_SIZE as u64;

/// VFS's inode `ino` as VM names the file (MMAP_FILE, exec, the cache).
pub(super) fn file(ino: u32) -> FileRef {
    FileRef { dev: ROOT_DEV, ino: ino as u64 }
}

impl Vm {
    /// VFS maps `len` bytes of a file into `who` (VFS checked the
    /// descriptor: readable, no shared writable mapping).
    pub(super) fn mmap_file(&mut self, m: FileMapWord, addr: u64, len: u64) -> Result<u64, Errno> {
        let prot = Prot::from_bits(m.prot as u32)?;
        let shared = m.flags & minix_abi::vm::MAP_SHARED != 0;
        let f = File { file: file(m.ino), offset: m.page as u64 * PAGE, around: m.flags & MAP_NO_AROUND == 0, shared };
        let (fixed, shared) = (m.flags & MAP_FIXED != 0, m.flags & MAP_SHARED != 0);
        // A fixed mapping may replace other file mappings.
        let replaced = match self.procs.get(&m.who.0) {
            Some(p) if fixed => p.space.files_in(addr, len),
            _ => alloc::vec::Vec::new(),
        };
        let a = self.with_proc(m.who, |p, frames| p.space.mmap_file_with(addr, len, prot, fixed, shared, f, frames))?;
        self.cache.mapped(f.file);
        self.maybe_unmapped(&replaced);
        Ok(a)
    }

    /// After regions went away: each of `files` that no process maps any
    /// more is released to VFS (through a pager).
    pub(super) fn maybe_unmapped(&mut self, files: &[FileRef]) {
        let mut any = false;
        for f in files {
            if !self.procs.values().any(|p| p.space.maps_file(*f)) {
                self.cache.unmapped(*f);
                let holes: alloc::vec::Vec<Key> = self.hole_maps.range((*f, 0)..=(*f, u64::MAX)).copied().collect();
                for k in holes {
                    self.hole_maps.remove(&k);
                }
                any = true;
            }
        }
        if any {
            self.feed_pagers();
        }
    }

    /// A fault on a file page. A cached page maps at once (with its cached
    /// neighbours, if the mapping does fault-around); a miss waits for a
    /// pager. `None`: the thread stays blocked (waiting, or killed).
    pub(super) fn file_fault(&mut self, ep: Endpoint, pi: PageIn) -> Option<Reply> {
        // Page indexes are 32 bits in the pager protocol: a fault at a
        // file offset of 4 GiB or more is an error for the process.
        if pi.offset >= 1 << 32 {
            self.kill(ep, SIGBUS);
            return None;
        }
        let key: Key = (pi.file, pi.offset / PAGE);
        if let Some(frame) = self.cache.lookup(key) {
            if !self.map_cached(ep, pi.vaddr, pi.write, frame) {
                return None;
            }
            self.fault_around(ep, pi.vaddr);
            return Some(Reply::ok(0));
        }
        let Ok(slot) = self.frames.res.slot() else {
            self.kill(ep, SIGSEGV);
            return None;
        };
        if SELF_CNODE.save_caller(slot.0, sel4::CNODE_DEPTH).is_err() {
            self.frames.res.slots.free(slot.0);
            self.kill(ep, SIGSEGV);
            return None;
        }
        let waiter = Waiter { who: ep.0, page: key.1, vaddr: pi.vaddr, write: pi.write, slot: slot.0, fix: false };
        if self.wait_for_page(ep, key, waiter).is_err() {
            self.drop_slot(slot.0);
            self.kill(ep, SIGSEGV);
        }
        None
    }

    /// Joins the page-in of `key`, or starts one that also reads ahead the
    /// pages after it that `who`'s mapping shows, while they are neither
    /// cached nor coming (up to `RUN_MAX` pages in all).
    pub(super) fn wait_for_page(&mut self, who: Endpoint, key: Key, waiter: Waiter) -> Result<(), Errno> {
        if self.cache.join(key, waiter) {
            return Ok(());
        }
        let mut frames = alloc::vec![vm_server::FrameAllocator::alloc_zeroed(&mut self.frames)?];
        let base = waiter.vaddr & !(PAGE - 1);
        while (frames.len() as u64) < RUN_MAX {
            let n = frames.len() as u64;
            let next: Key = (key.0, key.1 + n);
            let shows = self.procs.get(&who.0).and_then(|p| p.space.file_page(base + n * PAGE));
            let fits = matches!(shows, Some((f, off, _, _)) if f == key.0 && off == next.1 * PAGE);
            if !fits || self.cache.lookup(next).is_some() || self.cache.in_flight(next) {
                break;
            }
            match vm_server::FrameAllocator::alloc_zeroed(&mut self.frames) {
                Ok(f) => frames.push(f),
                Err(_) => break,
            }
        }
        self.cache.start(key, frames, waiter);
        self.feed_pagers();
        Ok(())
    }

    /// FIX_RANGE over file pages: each absent page of a file mapping in
    /// the range is mapped from the cache, or paged in first. A page-in
    /// keeps the VFS worker waiting (its reply cap saved) and answers it 1,
    /// "call again", once the page is mapped; the pages that need no
    /// page-in are then made present as a fault would (`fix_range`).
    pub(super) fn fix_file_range(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Option<Reply> {
        if len > 0 && addr.checked_add(len).is_some_and(|end| end <= vm::USER_TOP) {
            let mut page = addr & !(PAGE - 1);
            while page < addr + len {
                let Some(p) = self.procs.get(&who.0) else { break };
                if let Some((f, off, false, _)) = p.space.file_page(page) {
                    // FIX_RANGE never kills: where a fault would, it is EFAULT.
                    if off >= 1 << 32 || !p.space.allows(page, write) {
                        return Some(Reply::err(EFAULT));
                    }
                    let key: Key = (f, off / PAGE);
                    match self.cache.lookup(key) {
                        Some(frame) => {
                            if !self.map_cached_or(who, page, write, frame, false) {
                                return Some(Reply::err(EFAULT));
                            }
                        }
                        None => return self.fix_waits(who, page, write, key),
                    }
                }
                page += PAGE;
            }
        }
        Some(Reply::from_result(self.fix_range(who, addr, len, write).map(|_| 0)))
    }

    fn fix_waits(&mut self, who: Endpoint, page: u64, write: bool, key: Key) -> Option<Reply> {
        let Ok(slot) = self.frames.res.slot() else { return Some(Reply::err(ENOMEM)) };
        if SELF_CNODE.save_caller(slot.0, sel4::CNODE_DEPTH).is_err() {
            self.frames.res.slots.free(slot.0);
            return Some(Reply::err(ENOMEM));
        }
        let waiter = Waiter { who: who.0, page: key.1, vaddr: page, write, slot: slot.0, fix: true };
        if self.wait_for_page(who, key, waiter).is_err() {
            // The saved cap is VFS's: answer it rather than drop it.
            self.answer(slot.0, Reply::err(ENOMEM));
        }
        None
    }

    /// Answers through a saved reply cap (consumed by the send).
    pub(super) fn answer(&mut self, slot: u64, r: Reply) {
        sel4::send(CPtr(slot), MessageInfo::new(0, 0, 0, r.len()), r.to_words());
        self.frames.res.slots.free(slot);
    }

    /// Maps `frame` (a cached page) at `vaddr` in `ep`; false if the
    /// process was killed instead.
    fn map_cached(&mut self, ep: Endpoint, vaddr: u64, write: bool, frame: FrameId) -> bool {
        self.map_cached_or(ep, vaddr, write, frame, true)
    }

    /// As `map_cached`; a failure kills `ep` only when `kill` (a fault),
    /// never for FIX_RANGE, which answers EFAULT instead.
    pub(super) fn map_cached_or(&mut self, ep: Endpoint, vaddr: u64, write: bool, frame: FrameId, kill: bool) -> bool {
        let Some(p) = self.procs.get_mut(&ep.0) else { return false };
        p.tlb.invalidate(vaddr & !(PAGE - 1));
        match p.space.complete_page_in(vaddr, write, frame, &mut self.frames) {
            FaultOutcome::Map(m) => {
                if p.vs.install(&mut self.frames, &m, None).is_ok() {
                    return true;
                }
            }
            FaultOutcome::Kill(_) | FaultOutcome::Later(_) => {}
        }
        if kill {
            self.kill(ep, SIGSEGV);
        }
        false
    }

    /// Maps the cached pages after `vaddr` in its mapping (up to
    /// [`AROUND`]), stopping at the first that is not cached.
    fn fault_around(&mut self, ep: Endpoint, vaddr: u64) {
        for i in 1..=AROUND {
            let v = (vaddr & !(PAGE - 1)) + i * PAGE;
            let Some(p) = self.procs.get(&ep.0) else { return };
            let Some((f, off, present, around)) = p.space.file_page(v) else { return };
            if !around {
                return;
            }
            if present {
                continue;
            }
            let Some(frame) = self.cache.lookup((f, off / PAGE)) else { return };
            if !self.map_cached(ep, v, false, frame) {
                return;
            }
        }
    }

    /// Answers waiting pagers while there is queued work.
    fn feed_pagers(&mut self) {
        while let Some(&slot) = self.pagers.last() {
            let Some(w) = self.next_work() else { return };
            self.pagers.pop();
            self.answer(slot, work_reply(w));
        }
    }

    /// The next job for a pager; a page-in's frames are lent to the FS's
    /// cache window as it goes out.
    fn next_work(&mut self) -> Option<Work> {
        let w = self.cache.next_work()?;
        if let Work::PageIn { token, .. } = w {
            self.lend_window(token);
        }
        Some(w)
    }

    /// A pager's Call: it finished `done` (0: nothing), the FS having read
    /// `bytes` bytes into the run's frames, `holes` marking the pages that
    /// had no block; answer it with the next page-in, or keep it waiting
    /// for one.
    pub(super) fn pager(&mut self, done: u64, bytes: u64, holes: u64) -> Option<Reply> {
        if done != 0 {
            self.finish_page_in(done, bytes, holes);
        }
        if let Some(w) = self.next_work() {
            return Some(work_reply(w));
        }
        match self.frames.res.slot() {
            Ok(slot) if SELF_CNODE.save_caller(slot.0, sel4::CNODE_DEPTH).is_ok() => {
                self.pagers.push(slot.0);
                None
            }
            Ok(slot) => {
                self.frames.res.slots.free(slot.0);
                Some(Reply::err(ENOMEM))
            }
            Err(_) => Some(Reply::err(ENOMEM)),
        }
    }

    fn finish_page_in(&mut self, token: u64, bytes: u64, holes: u64) {
        let read = self.return_window(token);
        let Some((_, frames)) = self.cache.pending_frames(token) else { return };
        let frames: alloc::vec::Vec<FrameId> = frames.to_vec();
        // A write or truncate came after the FS read: do it again, into
        // frames zeroed afresh (a shorter file leaves less to overwrite).
        if self.cache.redo_if_stale(token) {
            for &f in &frames {
                if let Some(d) = self.frames.bytes_mut(Sel4Frames::offset(f), PAGE_SIZE) {
                    d.fill(0);
                }
            }
            self.feed_pagers();
            return;
        }
        // Pages that got bytes; those wholly past the end got none.
        let failed = bytes == PAGE_FAILED || !read;
        let filled = if failed { 0 } else { (bytes.div_ceil(PAGE) as usize).min(frames.len()) };
        let holes = if failed { 0 } else { holes };
        let hole = |i: usize| i < 64 && holes & (1 << i) != 0;
        let Some(fin) = self.cache.finish(token, filled, holes) else { return };
        for w in fin.waiters {
            let ep = Endpoint(w.who);
            let alive = self.procs.get(&ep.0).is_some_and(|p| !p.dead);
            let i = (w.page - fin.key.1) as usize;
            let got = i < filled;
            if got && hole(i) {
                self.hole_maps.insert((fin.key.0, w.page));
            }
            if w.fix {
                // A VFS worker's FIX_RANGE or a waiting copy: it always gets
                // an answer, and nobody is killed for it.
                let mapped = alive && got && self.map_cached_or(ep, w.vaddr, w.write, fin.frames[i], false);
                if !self.copy_page_arrived(w.slot, mapped) {
                    self.answer(w.slot, if mapped { Reply::ok(1) } else { Reply::err(EFAULT) });
                }
                continue;
            }
            if alive && got {
                if self.map_cached(ep, w.vaddr, w.write, fin.frames[i]) {
                    self.answer(w.slot, Reply::ok(0));
                    continue;
                }
            } else if alive {
                // A page wholly past the end of the file is SIGBUS; a page
                // the file system could not read, SIGSEGV.
                self.kill(ep, if failed { SIGSEGV } else { SIGBUS });
            }
            self.drop_slot(w.slot);
        }
        // The run's reference on every frame the cache did not keep: the
        // pages past the end, and holes (which live on only as mapped).
        for (i, &frame) in fin.frames.iter().enumerate() {
            if (i >= filled || hole(i)) && vm_server::FrameAllocator::drop_ref(&mut self.frames, frame) == 0 {
                vm_server::FrameAllocator::free(&mut self.frames, frame);
            }
        }
    }

    /// Takes hole pages of `file` in `first..=last` that mappings show away
    /// from them: a write or truncate changed what they should show, and
    /// no cached page carries the change. The next touch reads the file.
    fn drop_hole_maps(&mut self, file: FileRef, first: u64, last: u64) {
        let keys: alloc::vec::Vec<Key> = self.hole_maps.range((file, first)..=(file, last)).copied().collect();
        for key in keys {
            self.hole_maps.remove(&key);
            self.unmap_file_page(file, key.1);
        }
    }

    /// Takes page `page` of `file` away from every mapping that shows the
    /// file's own page (private copies stay); the next touch faults.
    fn unmap_file_page(&mut self, file: FileRef, page: u64) {
        for p in self.procs.values_mut() {
            if !p.space.maps_file(file) {
                continue;
            }
            let rel = p.space.drop_file_page(file, page, &mut self.frames);
            for (vaddr, _) in &rel.unmapped {
                p.tlb.invalidate(*vaddr);
                p.vs.remove(&mut self.frames, *vaddr);
            }
            rel.free_all(&mut self.frames);
        }
    }

    /// A saved reply cap that will not be used: deleted, its slot reused.
    fn drop_slot(&mut self, slot: u64) {
        let _ = SELF_CNODE.delete(slot, sel4::CNODE_DEPTH);
        self.frames.res.slots.free(slot);
    }

    /// VFS wrote `len` bytes from `who`'s `addr` at `pos` of a file: the
    /// cached pages it covers take the same bytes, so every mapping sees
    /// the write, and page-ins of them in flight are done again.
    ///
    /// The source may be a mapping of this very file, whose pages are the
    /// cached pages being written: every source byte is read before any
    /// page is written, as the FS read them all before VM heard of the
    /// write, so the cache ends up with exactly the bytes the FS wrote
    /// (VFS sends one piece the FS wrote at a time).
    pub(super) fn cache_write(&mut self, who: Endpoint, addr: u64, len: u64, ino: u32, pos: u32) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        let f = file(ino);
        let (start, end) = (pos as u64, pos as u64 + len);
        let (first, last) = (start / PAGE, (end - 1) / PAGE);
        self.cache.stale(f, first, last);
        self.drop_hole_maps(f, first, last);
        // The source of each cached page's piece, all read first.
        let mut pieces: alloc::vec::Vec<(u64, FrameId, u64, Option<alloc::vec::Vec<u8>>)> = alloc::vec::Vec::new();
        for (page, frame) in self.cache.cached_range(f, first, last) {
            let from = (page * PAGE).max(start);
            let to = ((page + 1) * PAGE).min(end);
            let mut bytes = alloc::vec![0u8; (to - from) as usize];
            let src = addr.checked_add(from - start).ok_or(EINVAL)?;
            let ok = self.procs.get(&who.0).is_some_and(|p| read_mem(p, &self.frames, src, &mut bytes));
            pieces.push((page, frame, from - page * PAGE, ok.then_some(bytes)));
        }
        for (page, frame, at, bytes) in pieces {
            let dst = bytes.as_ref().and_then(|b| self.frames.bytes_mut(Sel4Frames::offset(frame) + at, b.len()));
            match (dst, &bytes) {
                (Some(d), Some(b)) => d.copy_from_slice(b),
                // The bytes cannot be had: the page leaves the cache and
                // every mapping that shows it, so the next touch reads the
                // file afresh.
                _ => self.uncache_everywhere(f, page),
            }
        }
        Ok(())
    }

    /// A file was truncated to `size`: cached pages past it leave the
    /// cache (zeroed first, so a mapping that still holds one never shows
    /// the dead bytes), and the tail of the last page reads zero.
    pub(super) fn cache_trunc(&mut self, ino: u32, size: u64) {
        let f = file(ino);
        self.cache.stale(f, size / PAGE, u64::MAX);
        self.drop_hole_maps(f, size.div_ceil(PAGE), u64::MAX);
        for (_, frame) in self.cache.drop_from(f, size.div_ceil(PAGE)) {
            if let Some(d) = self.frames.bytes_mut(Sel4Frames::offset(frame), PAGE_SIZE) {
                d.fill(0);
            }
            if vm_server::FrameAllocator::drop_ref(&mut self.frames, frame) == 0 {
                vm_server::FrameAllocator::free(&mut self.frames, frame);
            }
        }
        if !size.is_multiple_of(PAGE) {
            if let Some(frame) = self.cache.lookup((f, size / PAGE)) {
                let tail = (size % PAGE) as usize;
                if let Some(d) = self.frames.bytes_mut(Sel4Frames::offset(frame) + tail as u64, PAGE_SIZE - tail) {
                    d.fill(0);
                }
            }
        }
    }

    /// Takes a cached page out of the cache and away from every mapping
    /// that shows it (private copies stay): its bytes are no longer the
    /// file's.
    fn uncache_everywhere(&mut self, f: FileRef, page: u64) {
        let Some(frame) = self.cache.remove((f, page)) else { return };
        self.unmap_file_page(f, page);
        if vm_server::FrameAllocator::drop_ref(&mut self.frames, frame) == 0 {
            vm_server::FrameAllocator::free(&mut self.frames, frame);
        }
    }

    /// A process is gone: its page-in waits end. A FIX_RANGE for it still
    /// has VFS's worker waiting: that one is answered.
    pub(super) fn forget_file_waits(&mut self, ep: Endpoint) {
        for w in self.cache.forget(ep.0) {
            if w.fix {
                // A FIX_RANGE, or a copy from another process's memory:
                // the waiter is told, never left hanging.
                self.copy_waits.remove(&w.slot);
                self.answer(w.slot, Reply::err(EFAULT));
            } else {
                self.drop_slot(w.slot);
            }
        }
    }
}
