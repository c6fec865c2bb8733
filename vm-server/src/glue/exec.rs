// SPDX-License-Identifier: BSD-2-Clause
//! exec, VM's part: VFS describes the new program in its own memory
//! (memory VM mapped for it, so VM can read it), and VM rebuilds the
//! process's memory from it with `AddressSpace::exec`.
//!
//! VM calls nobody and waits for nothing here: the description carries
//! every byte VM must write (the tail pages' file bytes and the stack
//! image), and the program's other pages come from the page cache on the
//! process's own faults. So the answer is always immediate.
//!
//! The file is held as for MMAP_FILE: VFS took one vnode hold for the
//! call, and a successful exec counts it like a mapping's, given back
//! through a pager once no process maps the file (at once when the new
//! program maps none of its pages). A failed exec counts nothing: VFS lets
//! go of its hold itself.
extern crate alloc;
use super::copy::read_mem;
use super::files::file;
use super::frames::Sel4Frames;
use super::Vm;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::{Errno, EFAULT, ENOMEM, ESRCH};
use minix_abi::vm::USER_TOP;
use vm_server::space::{ExecImage, Fill};
use vm_server::FaultOutcome;

impl Vm {
    /// EXEC from `caller` (VFS; the policy refused everyone else): `who`'s
    /// memory becomes the program described by the `len` bytes at `desc`
    /// in the caller's memory, the program being inode `ino`. Returns the
    /// entry point. Errors leave `who` as it was: `ESRCH` for a process VM
    /// does not know as a live user process, `EFAULT` for a description
    /// VM cannot read, `EINVAL` and `ENOEXEC` from its checks, `ENOMEM`.
    pub(super) fn exec(&mut self, caller: Endpoint, who: Endpoint, desc: u32, len: u32, ino: u32) -> Result<u64, Errno> {
        match self.procs.get(&who.0) {
            Some(p) if !p.dead && !p.server => {}
            _ => return Err(ESRCH),
        }
        // At most `exec::DESC_MAX` (the decoder's bound), about 200 KiB.
        let mut bytes = alloc::vec![0u8; len as usize];
        if !self.procs.get(&caller.0).is_some_and(|p| read_mem(p, &self.frames, desc as u64, &mut bytes)) {
            return Err(EFAULT);
        }
        let image = ExecImage::parse(&bytes)?;
        // As for mmap: anonymous memory that could never be backed is
        // refused now rather than killing the program later.
        self.check_commit(image.anon_bytes())?;
        let prog = file(ino);
        let Some(p) = self.procs.get_mut(&who.0) else { return Err(ESRCH) };
        let mut files = p.space.files_in(0, USER_TOP);
        let old_run = p.image.or(p.fork_of).map(|f| (f, p.space.text_pages(f, |v| p.vs.is_mapped(v)), !p.given, p.image.is_some()));
        let done = p.space.exec(&image, prog, &mut self.frames, write_fills)?;
        // The exec has happened: from here on nothing fails, so there is
        // never a half-built process to kill.
        p.tlb.flush();
        // The table lived in the old memory.
        p.grants = None;
        // Every mapping but the pinned pages' goes, those the model knew
        // and any it did not, before their frames can be reused: the new
        // program's pages fault in afresh.
        p.vs.unmap_outside(&mut self.frames, done.kept.0, done.kept.1);
        done.released.free_all(&mut self.frames);
        for m in &done.present {
            // Only to spare the first faults: a page that cannot be mapped
            // now (no room for a page table or a cap) is present in the
            // model and maps on its fault as any other.
            let _ = p.vs.install(&mut self.frames, m, None);
        }
        (p.image, p.fork_of) = (Some(prog), None);
        match old_run {
            Some((f, pages, learned, true)) => self.working_sets.record(f, pages, learned),
            Some((f, pages, learned, false)) => self.fork_sets.record(f, pages, learned),
            None => {}
        }
        let pages = self.working_sets.for_exec(prog).map(|p| p.to_vec()).unwrap_or_default();
        self.map_text_pages(who, prog, &pages);
        // The process is blocked in exec, so nothing of it can be waiting
        // for a page; but a copy or FIX_RANGE another caller started on
        // its old memory is answered now rather than land in the new.
        self.forget_file_waits(who);
        self.cache.mapped(prog);
        if !files.contains(&prog) {
            files.push(prog);
        }
        self.maybe_unmapped(&files);
        Ok(done.entry)
    }
}

impl Vm {
    /// The run of `ep`'s program ends (exit, or exec of another): the text
    /// pages it had mapped become its program's working set, or its
    /// program's fork children's.
    pub(super) fn record_working_set(&mut self, ep: Endpoint) {
        let Some(p) = self.procs.get(&ep.0) else { return };
        if let Some(f) = p.image.or(p.fork_of) {
            let pages = p.space.text_pages(f, |v| p.vs.is_mapped(v));
            let sets = if p.image.is_some() { &mut self.working_sets } else { &mut self.fork_sets };
            sets.record(f, pages, !p.given);
        }
    }

    /// Maps `pages` (a working set) of `prog`'s text into `who`, which just
    /// exec'd it or was forked from it: present pages as a fault would,
    /// the others from the page cache if they are there. Each would
    /// otherwise be a page fault (see `vm_server::working_set`). A page
    /// that cannot be mapped now is left to its fault.
    pub(super) fn map_text_pages(&mut self, who: Endpoint, prog: vm_server::memtype::FileRef, pages: &[u32]) {
        let Some(p) = self.procs.get_mut(&who.0) else { return };
        p.given = !pages.is_empty();
        for &page in pages {
            let Some(p) = self.procs.get_mut(&who.0) else { return };
            let Some(vaddr) = p.space.text_vaddr(prog, page as u64) else { continue };
            if p.vs.is_mapped(vaddr) {
                continue;
            }
            if p.space.page(vaddr).is_some() {
                if let FaultOutcome::Map(m) = p.space.handle_fault(vaddr, false, &mut self.frames) {
                    if p.vs.install(&mut self.frames, &m, None).is_err() {
                        return;
                    }
                }
            } else if let Some(frame) = self.cache.lookup((prog, page as u64)) {
                if !self.map_cached_or(who, vaddr, false, frame, false) {
                    return;
                }
            }
        }
    }
}

/// Writes the tail pages' and the stack image's bytes into their fresh
/// (zeroed) frames, through VM's window, before anything maps them.
fn write_fills(fills: &[Fill<'_>], frames: &mut Sel4Frames) -> Result<(), Errno> {
    for f in fills {
        // Every frame the pool hands out lies in the window.
        let dst = frames.bytes_mut(Sel4Frames::offset(f.frame) + f.at as u64, f.bytes.len()).ok_or(ENOMEM)?;
        dst.copy_from_slice(f.bytes);
    }
    Ok(())
}
