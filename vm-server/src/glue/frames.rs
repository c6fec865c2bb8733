// SPDX-License-Identifier: BSD-2-Clause
//! The frame pool: every frame VM owns has a master cap, mapped once in
//! VM's own window at `WINDOW + id * 4 KiB`. VM copies and zeroes through
//! the window, a `sel4::FrameWindow` that hands out `&[u8; 4096]` and
//! `&mut [u8; 4096]` for the ids it holds (id < frames ever made) and
//! copies runs between them; processes get their own cap copies for their
//! mappings. Freed frames are kept on a free list, still mapped in the
//! window, and zeroed when reused.
//!
//! New frames are made in batches ([`REFILL_BATCH`] per Untyped_Retype),
//! each mapped into the window and given its spare process cap at once, so
//! a fault that finds no recycled frame takes a ready one: no retype, no
//! window mapping and no CNode_Copy on its path, and no zeroing either,
//! since the kernel hands out untyped memory zeroed.
extern crate alloc;
use super::res::{Res, SELF_VSPACE};
use alloc::vec::Vec;
use minix_abi::errno::{Errno, ENOMEM};
use sel4::{CapRights, Frame, FrameWindow, PAGE_SIZE};
use vm_server::frames::{FrameAllocator, FrameId, RefCounts};

/// Base of VM's window onto its frames (below 4 GiB, as all addresses).
pub const WINDOW: u64 = 0x8000_0000;
/// Window size: 1 GiB, more frames than the machine has.
const WINDOW_FRAMES: u64 = 1 << 18;
/// Frames made per refill.
const REFILL_BATCH: u64 = 64;

pub struct Sel4Frames {
    pub res: Res,
    /// Every frame ever made, frame id = index: `masters.len()` equals
    /// `window.len()`. Private, so that only the pool maps into it.
    window: FrameWindow,
    masters: Vec<u64>,
    /// A spare cap per frame for a process mapping, kept when the mapping
    /// goes away so the next mapping needs no CNode_Copy (0: none).
    spares: Vec<u64>,
    free: Vec<FrameId>,
    /// Frames made by a refill and never used: zero, with a spare cap.
    /// Kept in descending order so that pops hand out ascending ids, which
    /// sit next to each other in the window.
    fresh: Vec<FrameId>,
    /// References per frame: the library's table, shared with the host
    /// test allocator so both follow the same rules.
    refs: RefCounts,
    /// Whether each frame is on the free list.
    is_free: Vec<bool>,
    /// Frames of untyped memory kept back from processes for VM's own
    /// heap (see `heap.rs`): processes see that many fewer free frames,
    /// and no frame for a process is ever made out of them.
    heap_reserve: u64,
    /// Frames of untyped memory the heap leaves for paging structures.
    paging_floor: u64,
    /// Paging structures made for processes' VSpaces.
    paging_live: u64,
}

impl Sel4Frames {
    /// The pool, with the window onto its frames.
    ///
    /// # Safety
    ///
    /// At most one `Sel4Frames` exists in VM: it owns the window range
    /// `[WINDOW, WINDOW + 1 GiB)`.
    pub unsafe fn new(res: Res) -> Sel4Frames {
        // SAFETY: SELF_VSPACE is VM's own VSpace. The range is page-aligned,
        // ends below 4 GiB, and is reserved for this window: images sit at
        // 4 MiB, the heap grows in sel4::HEAP_GROWTH (below 0x7000_0000),
        // the IPC buffer is at 0x7000_0000, and the caller makes this the
        // only window. VM never unmaps a frame of the window nor deletes
        // its master cap (a freed frame stays mapped, on the free list).
        let window = unsafe { FrameWindow::new(SELF_VSPACE, WINDOW, WINDOW_FRAMES) };
        Sel4Frames {
            res,
            window,
            masters: Vec::new(),
            spares: Vec::new(),
            free: Vec::new(),
            fresh: Vec::new(),
            refs: RefCounts::new(),
            is_free: Vec::new(),
            heap_reserve: 0,
            paging_floor: 0,
            paging_live: 0,
        }
    }

    /// Byte offset of a frame in VM's window: how the copy engine names
    /// a page (plus the offset in it).
    #[inline]
    pub fn offset(id: FrameId) -> u64 {
        id.0 * PAGE_SIZE as u64
    }

    /// The `len` bytes at window offset `at`, if they lie in frames of the
    /// pool (one frame, or a run of consecutive ids).
    #[inline]
    pub fn bytes(&self, at: u64, len: usize) -> Option<&[u8]> {
        self.window.bytes(at, len)
    }

    /// As [`Sel4Frames::bytes`], writable.
    #[inline]
    pub fn bytes_mut(&mut self, at: u64, len: usize) -> Option<&mut [u8]> {
        self.window.bytes_mut(at, len)
    }

    /// Copies `len` bytes between window offsets (see
    /// `FrameWindow::copy_within`); false, copying nothing, if either range
    /// is not in frames of the pool.
    #[inline]
    #[must_use]
    pub fn copy_within(&mut self, src: u64, dst: u64, len: u64) -> bool {
        self.window.copy_within(src, dst, len)
    }

    /// The master cap of a frame.
    pub fn master(&self, id: FrameId) -> Option<u64> {
        self.masters.get(id.0 as usize).copied()
    }

    /// Frames that could still be handed to processes: the free list, the
    /// fresh frames, and what untyped memory can still make beyond the heap
    /// reserve.
    pub fn free_frames(&self) -> u64 {
        (self.free.len() + self.fresh.len()) as u64 + self.untyped_frames_for_processes()
    }

    fn untyped_frames_for_processes(&self) -> u64 {
        (self.res.ut.free_ram() / PAGE_SIZE as u64).saturating_sub(self.heap_reserve)
    }

    /// Heap bytes the per-frame tables take for `frames` frames.
    pub fn table_bytes(&self, frames: u64) -> usize {
        frames as usize
            * (2 * core::mem::size_of::<u64>()
                + core::mem::size_of::<u32>()
                + core::mem::size_of::<bool>()
                + 2 * core::mem::size_of::<FrameId>())
    }

    /// Gives the per-frame tables room for `frames` frames up front.
    pub fn reserve_tables(&mut self, frames: u64) {
        let n = frames as usize;
        self.masters.reserve_exact(n.saturating_sub(self.masters.len()));
        self.spares.reserve_exact(n.saturating_sub(self.spares.len()));
        self.refs.reserve(n);
        self.is_free.reserve_exact(n.saturating_sub(self.is_free.len()));
        self.free.reserve_exact(n.saturating_sub(self.free.len()));
        self.fresh.reserve_exact((REFILL_BATCH as usize).saturating_sub(self.fresh.len()));
    }

    /// Keeps `frames` frames of untyped memory from processes' pages, for
    /// the heap and for paging structures; the heap leaves `paging` of them.
    pub fn set_heap_reserve(&mut self, frames: u64, paging: u64) {
        self.heap_reserve = frames;
        self.paging_floor = paging;
    }

    /// Up to `n` new frames for VM's heap, in consecutive slots, made from
    /// untyped memory (the reserve first). Returns (first slot, count).
    pub fn heap_frames(&mut self, n: u64) -> Result<(u64, u64), Errno> {
        // The heap never takes the last of untyped memory: paging
        // structures (page tables of processes) can only be made from it.
        let ut_frames = self.res.ut.free_ram() / PAGE_SIZE as u64;
        let mut n = n.max(1).min(ut_frames.saturating_sub(self.paging_floor));
        if n == 0 {
            return Err(ENOMEM);
        }
        loop {
            match self.res.alloc_frames_contig(n) {
                Ok(first) => {
                    self.heap_reserve = self.heap_reserve.saturating_sub(n);
                    return Ok((first, n));
                }
                Err(_) if n > 1 => n /= 2,
                Err(_) => return Err(ENOMEM),
            }
        }
    }

    /// Paging structures VM holds for processes.
    pub fn paging_structures(&self) -> u64 {
        self.paging_live
    }

    /// Maps `frame` at `vaddr` in a process's `vspace`, making the paging
    /// structures it lacks.
    pub fn map_user(&mut self, vspace: sel4::VSpace, frame: Frame, vaddr: u64, rights: CapRights) -> Result<(), Errno> {
        let (res, live) = (&mut self.res, &mut self.paging_live);
        sel4::map_frame_with(vspace, frame, vaddr, rights, &mut |ty| {
            let made = res.alloc(ty, 0);
            *live += made.is_ok() as u64;
            made
        })
        .map_err(|_| ENOMEM)
    }

    /// Frames ever made plus those still makeable.
    pub fn total_frames(&self) -> u64 {
        self.masters.len() as u64 + self.res.ut.free_ram() / PAGE_SIZE as u64
    }

    fn adopt(&mut self, cap: u64) -> Result<FrameId, Errno> {
        let res = &mut self.res;
        // SAFETY: `cap` is a frame just retyped from untyped memory (by
        // refill or alloc_contig), so it is mapped nowhere yet; its other
        // caps are the copies VM gives processes, which VM maps only into
        // their VSpaces, never its own. The window is full at 1 GiB.
        let id = unsafe { self.window.push(Frame::from_bits(cap), &mut |ty| res.alloc(ty, 0)) }.map_err(|_| ENOMEM)?;
        debug_assert_eq!(id, self.masters.len() as u64);
        let id = FrameId(id);
        self.masters.push(cap);
        self.spares.push(0);
        self.is_free.push(false);
        Ok(id)
    }

    fn start_ref(&mut self, id: FrameId) {
        self.refs.start(id);
    }

    /// A cap for mapping `id` into a process: the kept spare, or a copy.
    pub fn user_cap(&mut self, id: FrameId) -> Result<u64, Errno> {
        if let Some(s) = self.spares.get_mut(id.0 as usize) {
            if *s != 0 {
                return Ok(core::mem::take(s));
            }
        }
        let master = self.master(id).ok_or(ENOMEM)?;
        self.res.copy_cap(master, CapRights::READ_WRITE).map_err(|_| ENOMEM)
    }

    /// Takes back an unmapped process cap of `id`: kept as the spare, or
    /// deleted if there already is one.
    pub fn put_user_cap(&mut self, id: FrameId, cap: u64) {
        match self.spares.get_mut(id.0 as usize) {
            Some(s) if *s == 0 => *s = cap,
            _ => self.res.delete(cap),
        }
    }

    /// Puts back a frame `raw` gave that the window does not hold (never
    /// happens: every id the pool hands out was mapped there first); out
    /// of line, so the fault path does not carry it.
    #[cold]
    #[inline(never)]
    fn lost(&mut self, id: FrameId) -> Errno {
        self.free(id);
        ENOMEM
    }

    /// A frame with no references yet, and whether it is known to be
    /// zero. Recycled frames go first, so memory is reused before more is
    /// made. Inline: it is most of the fault path's allocation.
    #[inline]
    fn raw(&mut self) -> Result<(FrameId, bool), Errno> {
        if let Some(id) = self.free.pop() {
            self.is_free[id.0 as usize] = false;
            return Ok((id, false));
        }
        if self.fresh.is_empty() {
            self.refill()?;
        }
        self.fresh.pop().map(|id| (id, true)).ok_or(ENOMEM)
    }

    /// Makes up to REFILL_BATCH frames with one retype (fewer when no
    /// untyped has room for a whole batch), maps each into the window and
    /// gives each its spare process cap. Once per REFILL_BATCH faults, so
    /// kept out of the fault path's code.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> Result<(), Errno> {
        let mut n = REFILL_BATCH.min(self.untyped_frames_for_processes());
        if n == 0 {
            return Err(ENOMEM);
        }
        let first = loop {
            match self.res.alloc_frames_contig(n) {
                Ok(first) => break first,
                Err(_) if n > 1 => n /= 2,
                Err(_) => return Err(ENOMEM),
            }
        };
        let mut made = Vec::with_capacity(n as usize);
        for i in 0..n {
            match self.adopt(first + i) {
                Ok(id) => made.push(id),
                Err(_) => self.res.delete(first + i),
            }
        }
        for &id in &made {
            if let Some(master) = self.master(id) {
                if let Ok(cap) = self.res.copy_cap(master, CapRights::READ_WRITE) {
                    self.spares[id.0 as usize] = cap;
                }
            }
        }
        self.fresh.extend(made.into_iter().rev());
        if self.fresh.is_empty() {
            return Err(ENOMEM);
        }
        Ok(())
    }
}

impl FrameAllocator for Sel4Frames {
    fn alloc_zeroed(&mut self) -> Result<FrameId, Errno> {
        let (id, zero) = self.raw()?;
        if !zero {
            // Every id the pool hands out is in the window.
            let Some(page) = self.window.frame_mut(id.0) else { return Err(self.lost(id)) };
            sel4::zero_page(page);
        }
        self.start_ref(id);
        Ok(id)
    }

    fn alloc_copy(&mut self, src: FrameId) -> Result<FrameId, Errno> {
        let (id, _) = self.raw()?;
        if !self.window.copy_within(Self::offset(src), Self::offset(id), PAGE_SIZE as u64) {
            return Err(self.lost(id));
        }
        self.start_ref(id);
        Ok(id)
    }

    fn alloc_contig(&mut self, count: u64) -> Result<Vec<FrameId>, Errno> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let first = self.res.alloc_frames_contig(count).map_err(|_| ENOMEM)?;
        let mut ids = Vec::new();
        for i in 0..count {
            let id = self.adopt(first + i)?;
            self.start_ref(id);
            ids.push(id);
        }
        Ok(ids)
    }

    fn add_ref(&mut self, frame: FrameId) {
        self.refs.add(frame);
    }

    fn drop_ref(&mut self, frame: FrameId) -> u32 {
        self.refs.drop_ref(frame)
    }

    fn refcount(&self, frame: FrameId) -> u32 {
        self.refs.get(frame)
    }

    /// Only an unreferenced frame that is not already free goes back: a
    /// bookkeeping bug must never put a frame on the free list twice, from
    /// where it would be handed to two owners.
    fn free(&mut self, frame: FrameId) {
        let i = frame.0 as usize;
        if i >= self.masters.len() || self.refs.get(frame) != 0 || self.is_free.get(i).copied().unwrap_or(true) {
            return;
        }
        self.is_free[i] = true;
        self.free.push(frame);
    }
}
