// SPDX-License-Identifier: BSD-2-Clause
//! The copy engine: safecopy, memset and vector copy through MINIX grants.
//!
//! VM checks each grant with the `grant` crate, reading the granter's
//! table out of the granter's own memory, then copies page by page through
//! its window onto the frames (`Sel4Frames`, which hands out the bytes of
//! the frames it holds). A page is named here by its
//! frame's byte offset in the window (frame id * 4 KiB), which each
//! process's TLB caches. No process ever maps another's memory.
//!
//! TRY (taken from the final grant of a chain): a page of the granted
//! range that is missing, or read-only where the copy writes, stops the
//! copy; VM writes the final grant's id into its fault mark and answers
//! EFAULT without paging anything in. Without TRY, VM makes the page
//! present first (anonymous memory: at once) and then copies.
//!
//! FIX_RANGE is VFS's answer to such a mark: it makes the user's range
//! present with the same page-in the copy without TRY uses, and VFS then
//! repeats the request.
extern crate alloc;
use super::frames::Sel4Frames;
use super::{Proc, Vm};
use alloc::vec::Vec;
use grant::{
    check_copy_sides, check_vector, verify, Access, GrantEntry, GrantId, GrantLookup, GrantTableView, VecElement, VerifyRequest,
    ENTRY_SIZE, MAX_VEC_ELEMENTS,
};
use minix_abi::endpoint::{Endpoint, VFS};
use minix_abi::errno::{Errno, EFAULT, EINVAL, ENOMEM, ESRCH};
use sel4::PAGE_SIZE;
use vm_server::endpoint_table::EndpointTable;
use vm_server::page::PageFrame;
use vm_server::policy;
use vm_server::{MadePresent, PageUse};

/// Reads `buf.len()` bytes of a process's memory, only from present pages.
pub fn read_mem(p: &Proc, frames: &Sel4Frames, addr: u64, buf: &mut [u8]) -> bool {
    let mut done = 0usize;
    while done < buf.len() {
        let Some(a) = addr.checked_add(done as u64) else { return false };
        let Some(win) = present_window(p, frames, a, false) else { return false };
        let off = (a % PAGE_SIZE as u64) as usize;
        let n = (PAGE_SIZE - off).min(buf.len() - done);
        let Some(src) = frames.bytes(win + off as u64, n) else { return false };
        buf[done..done + n].copy_from_slice(src);
        done += n;
    }
    true
}

/// The window offset of `addr`'s page in `p`, if the page is present (and
/// writable when `write`): from the process's TLB, or looked up and cached.
fn present_window(p: &Proc, frames: &Sel4Frames, addr: u64, write: bool) -> Option<u64> {
    let page = addr & !(PAGE_SIZE as u64 - 1);
    if let Some(w) = p.tlb.lookup(page, write) {
        return Some(w);
    }
    let Some(PageFrame::Pool(id)) = p.space.present_page(page, write, frames) else { return None };
    let w = Sel4Frames::offset(id);
    p.tlb.fill(page, w, write);
    Some(w)
}

struct Lookup<'a> {
    procs: &'a EndpointTable<Proc>,
    frames: &'a Sel4Frames,
}

struct View<'a> {
    proc_: &'a Proc,
    frames: &'a Sel4Frames,
}

impl GrantTableView for View<'_> {
    fn entry(&self, slot: u32) -> Option<GrantEntry> {
        let at = self.proc_.grants?.entry_addr(slot)?;
        // An entry inside one page is decoded where it lies in the window;
        // one across a page end is gathered from both frames first.
        let off = at % PAGE_SIZE as u64;
        if off + ENTRY_SIZE as u64 <= PAGE_SIZE as u64 {
            let win = present_window(self.proc_, self.frames, at, false)?;
            let b = self.frames.bytes(win + off, ENTRY_SIZE)?;
            return Some(GrantEntry::from_bytes(b.try_into().ok()?));
        }
        let mut b = [0u8; ENTRY_SIZE];
        read_mem(self.proc_, self.frames, at, &mut b).then(|| GrantEntry::from_bytes(&b))
    }
}

impl GrantLookup for Lookup<'_> {
    type Table<'a>
        = View<'a>
    where
        Self: 'a;
    fn table(&self, granter: u32) -> Option<View<'_>> {
        self.procs.get(&granter).map(|p| View { proc_: p, frames: self.frames })
    }
}

/// Why a page could not be used.
enum PageErr {
    /// TRY: the page is missing or read-only; mark and fail.
    Try,
    Fault,
}

impl Vm {
    /// The window offset of the frame behind `addr` in `ep`'s memory,
    /// present (and writable if `write`), paging anonymous memory in unless
    /// `try_only`.
    fn page_for(&mut self, ep: Endpoint, addr: u64, write: bool, try_only: bool) -> Result<u64, PageErr> {
        let p = self.procs.get_mut(&ep.0).ok_or(PageErr::Fault)?;
        let page = addr & !(PAGE_SIZE as u64 - 1);
        if let Some(w) = p.tlb.lookup(page, write) {
            return Ok(w);
        }
        let made = if try_only {
            match p.space.page_use(addr, write, &self.frames) {
                PageUse::Ready(id) => MadePresent::Already(id),
                PageUse::Missing => return Err(PageErr::Try),
                PageUse::Refused => return Err(PageErr::Fault),
            }
        } else {
            // The fault path's logic, without the kill: bad addresses fail
            // the copy; a file page not present fails it too, noting the
            // page, so that the request waits for it (copy_wait.rs).
            p.tlb.invalidate(page);
            match p.space.make_present(addr, write, &mut self.frames) {
                Ok(m) => m,
                Err(_) => {
                    if matches!(p.space.file_page(page), Some((_, _, false, _))) {
                        self.copy_needs = Some(super::copy_wait::Needed { owner: ep, vaddr: page, write });
                    }
                    return Err(PageErr::Fault);
                }
            }
        };
        match made {
            MadePresent::Already(id) => {
                p.tlb.fill(page, Sel4Frames::offset(id), write);
                Ok(Sel4Frames::offset(id))
            }
            MadePresent::Mapped(m, id) => {
                p.vs.install(&mut self.frames, &m, None).map_err(|_| PageErr::Fault)?;
                Ok(Sel4Frames::offset(id))
            }
        }
    }

    /// FIX_RANGE from VFS: makes `[addr, addr + len)` of `who` present
    /// (writable if `write`), as `who`'s own faults would, but answers
    /// instead of killing (see `AddressSpace::fix_range`). Never blocks:
    /// every page is made now or the call fails.
    pub fn fix_range(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Result<(), Errno> {
        policy::fix_range_target(self.procs.get(&who.0).map(|p| p.dead))?;
        let p = self.procs.get_mut(&who.0).ok_or(ESRCH)?;
        // Pages may change frames (a copy-on-write break): drop every
        // cached translation first, as the fault path drops its page's.
        p.tlb.flush();
        // A mapping that cannot be installed (no room for a paging
        // structure or a mapping cap) is out of memory; the page stays
        // present in the model and a later fault maps it.
        p.space.fix_range(addr, len, write, &mut self.frames, |m, frames| p.vs.install(frames, m, None).map_err(|_| ENOMEM))
    }

    /// Window offsets of every page of `[addr, addr + bytes)` in `ep`'s
    /// memory, present (and writable if `write`): runs of present pages
    /// take one region lookup; a missing page is paged in, unless
    /// `try_only`.
    fn windows(&mut self, ep: Endpoint, addr: u64, bytes: u64, write: bool, try_only: bool, out: &mut Vec<u64>) -> Result<(), PageErr> {
        out.clear();
        if bytes == 0 {
            return Ok(());
        }
        let first = addr & !(PAGE_SIZE as u64 - 1);
        let last = addr.checked_add(bytes - 1).ok_or(PageErr::Fault)? & !(PAGE_SIZE as u64 - 1);
        let total = ((last - first) / PAGE_SIZE as u64 + 1) as usize;
        if total == 1 {
            // One page: a single lookup, no run bookkeeping.
            out.push(self.page_for(ep, first, write, try_only)?);
            return Ok(());
        }
        let mut run = core::mem::take(&mut self.scratch_frames);
        let r = self.windows_runs(ep, first, total, write, try_only, out, &mut run);
        self.scratch_frames = run;
        r
    }

    // A step of safecopy: the caller's scratch vectors come in so they are
    // reused without allocating; a struct for the rest would only rename it.
    #[allow(clippy::too_many_arguments)]
    fn windows_runs(
        &mut self,
        ep: Endpoint,
        first: u64,
        total: usize,
        write: bool,
        try_only: bool,
        out: &mut Vec<u64>,
        run: &mut Vec<PageFrame>,
    ) -> Result<(), PageErr> {
        while out.len() < total {
            let page = first + (out.len() * PAGE_SIZE) as u64;
            let p = self.procs.get(&ep.0).ok_or(PageErr::Fault)?;
            if let Some(w) = p.tlb.lookup(page, write) {
                out.push(w);
                continue;
            }
            run.clear();
            p.space.present_run(page, total - out.len(), write, &self.frames, run);
            let mut got = 0;
            for f in run.iter() {
                match f {
                    PageFrame::Pool(id) => {
                        let w = Sel4Frames::offset(*id);
                        p.tlb.fill(page + (got * PAGE_SIZE) as u64, w, write);
                        out.push(w);
                    }
                    PageFrame::Phys(_) => return Err(PageErr::Fault),
                }
                got += 1;
            }
            if got == 0 {
                out.push(self.page_for(ep, page, write, try_only)?);
            }
        }
        Ok(())
    }

    fn verify(
        &self,
        caller: Endpoint,
        granter: Endpoint,
        grant: i32,
        offset: u64,
        bytes: u64,
        access: Access,
    ) -> Result<grant::Verified, Errno> {
        check_copy_sides(caller.0, granter.0)?;
        let lookup = Lookup { procs: &self.procs, frames: &self.frames };
        let req = VerifyRequest { caller: caller.0, granter: granter.0, grant: GrantId(grant), offset, bytes, access, vfs: VFS.0 };
        let v = verify(&lookup, &req)?;
        check_copy_sides(v.owner, caller.0)?;
        Ok(v)
    }

    /// Writes the final grant's id into its fault mark, in the granter's
    /// memory. The table's page was present (VM just read the entry from
    /// it) but may be copy-on-write since a fork: it is made writable
    /// first, as a store of the granter's own would, so the mark lands in
    /// the granter's page and nowhere else.
    fn mark(&mut self, v: &grant::Verified) {
        let m = v.fault_mark();
        let Some(p) = self.procs.get(&m.granter) else { return };
        let Some(table) = p.grants else { return };
        // Never across a page end: the next page of VM's window belongs to
        // another frame, maybe another process's.
        let Some(loc) = grant::fault_mark_location(&table, &m) else { return };
        if !loc.within_page(PAGE_SIZE as u64) {
            return;
        }
        let bytes = m.value.to_ne_bytes();
        let Ok(win) = self.page_for(Endpoint(m.granter), loc.addr, true, false) else { return };
        if let Some(dst) = self.frames.bytes_mut(win + loc.addr % PAGE_SIZE as u64, loc.len) {
            dst.copy_from_slice(&bytes[..loc.len]);
        }
    }

    /// SAFECOPY_FROM (`to_granter` false) or SAFECOPY_TO.
    // The SAFECOPY request's fields, passed through as they arrive.
    #[allow(clippy::too_many_arguments)]
    pub fn safecopy(
        &mut self,
        caller: Endpoint,
        to_granter: bool,
        granter: Endpoint,
        grant: i32,
        offset: u64,
        addr: u64,
        bytes: u64,
    ) -> Result<(), Errno> {
        let access = if to_granter { Access::Write } else { Access::Read };
        let v = self.verify(caller, granter, grant, offset, bytes, access)?;
        let owner = Endpoint(v.owner);
        addr.checked_add(bytes).ok_or(EFAULT)?;
        let mut gwin = core::mem::take(&mut self.scratch.0);
        let mut cwin = core::mem::take(&mut self.scratch.1);
        let r = self.copy_pages(&v, owner, caller, to_granter, addr, bytes, &mut gwin, &mut cwin);
        self.scratch = (gwin, cwin);
        r
    }

    // A step of safecopy: the caller's scratch vectors come in so they are
    // reused without allocating; a struct for the rest would only rename it.
    #[allow(clippy::too_many_arguments)]
    fn copy_pages(
        &mut self,
        v: &grant::Verified,
        owner: Endpoint,
        caller: Endpoint,
        to_granter: bool,
        addr: u64,
        bytes: u64,
        gwin: &mut Vec<u64>,
        cwin: &mut Vec<u64>,
    ) -> Result<(), Errno> {
        match self.windows(owner, v.addr, bytes, to_granter, v.try_copy, gwin) {
            Ok(()) => {}
            Err(PageErr::Try) => {
                self.mark(v);
                return Err(EFAULT);
            }
            Err(PageErr::Fault) => return Err(EFAULT),
        }
        self.windows(caller, addr, bytes, !to_granter, false, cwin).map_err(|_| EFAULT)?;
        let ps = PAGE_SIZE as u64;
        let mut done = 0u64;
        // Pieces are named by their byte offset in the window. Pieces that
        // continue each other on both sides are copied as one: frames made
        // together sit side by side there, so a multi-page copy is usually
        // a single `rep movs`.
        let mut run: Option<(u64, u64, u64)> = None;
        while done < bytes {
            let g = v.addr + done;
            let c = addr + done;
            let chunk = (bytes - done).min(ps - g % ps).min(ps - c % ps);
            let gw = gwin[((g - (v.addr & !(ps - 1))) / ps) as usize] + g % ps;
            let cw = cwin[((c - (addr & !(ps - 1))) / ps) as usize] + c % ps;
            let (src, dst) = if to_granter { (cw, gw) } else { (gw, cw) };
            run = match run {
                Some((s, d, n)) if s + n == src && d + n == dst => Some((s, d, n + chunk)),
                Some((s, d, n)) => {
                    if !self.frames.copy_within(s, d, n) {
                        return Err(EFAULT);
                    }
                    Some((src, dst, chunk))
                }
                None => Some((src, dst, chunk)),
            };
            done += chunk;
        }
        if let Some((s, d, n)) = run {
            if !self.frames.copy_within(s, d, n) {
                return Err(EFAULT);
            }
        }
        Ok(())
    }

    /// SAFEMEMSET: needs WRITE, and honours TRY (MINIX ignores it here).
    pub fn safememset(&mut self, caller: Endpoint, granter: Endpoint, grant: i32, offset: u64, byte: u8, bytes: u64) -> Result<(), Errno> {
        let v = self.verify(caller, granter, grant, offset, bytes, Access::Write)?;
        let owner = Endpoint(v.owner);
        let mut done = 0u64;
        while done < bytes {
            let g = v.addr + done;
            let chunk = (bytes - done).min(PAGE_SIZE as u64 - g % PAGE_SIZE as u64);
            let w = match self.page_for(owner, g, true, v.try_copy) {
                Ok(w) => w,
                Err(PageErr::Try) => {
                    self.mark(&v);
                    return Err(EFAULT);
                }
                Err(PageErr::Fault) => return Err(EFAULT),
            };
            self.frames.bytes_mut(w + g % PAGE_SIZE as u64, chunk as usize).ok_or(EFAULT)?.fill(byte);
            done += chunk;
        }
        Ok(())
    }

    /// VSAFECOPY: the elements are read from the caller's memory; all are
    /// checked before any copy, at most MAX_VEC_ELEMENTS; the copies stop
    /// at the first error without undoing earlier ones.
    pub fn vsafecopy(&mut self, caller: Endpoint, addr: u64, count: u64) -> Result<(), Errno> {
        if count > MAX_VEC_ELEMENTS as u64 {
            return Err(EINVAL);
        }
        let mut elems = Vec::new();
        let p = self.procs.get(&caller.0).ok_or(EINVAL)?;
        for i in 0..count {
            let mut b = [0u8; grant::VEC_ELEMENT_SIZE];
            let at = addr.checked_add(i * grant::VEC_ELEMENT_SIZE as u64).ok_or(EFAULT)?;
            if !read_mem(p, &self.frames, at, &mut b) {
                return Err(EFAULT);
            }
            elems.push(VecElement::from_bytes(&b));
        }
        check_vector(caller.0, &elems)?;
        for e in elems {
            let to_granter = e.from == caller.0;
            let granter = Endpoint(if to_granter { e.to } else { e.from });
            self.safecopy(caller, to_granter, granter, e.grant.0, e.offset, e.addr, e.bytes)?;
        }
        Ok(())
    }
}
