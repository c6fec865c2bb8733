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
//!
//! Every frame for processes, and every paging structure, is made in a
//! 4 KiB unit of its own (`sel4_alloc::units`), so its memory can become
//! something else: a deleted page table's unit becomes a frame, and a
//! frame on the free list can be taken out of the pool to become a page
//! table (see `paging.rs`). A frame taken out leaves a *hole* in the
//! window: its index keeps a mapping of one shared filler frame, so every
//! index below `window.len()` stays mapped, and the next frame made fills
//! the hole. What each user of the spare pages may take is
//! `vm_server::budget`'s decision.
extern crate alloc;
use super::res::{Res, SELF_VSPACE};
use alloc::vec::Vec;
use minix_abi::errno::{Errno, ENOMEM};
use sel4::{object, CapRights, Frame, FrameWindow, PAGE_SIZE};
use sel4_alloc::units::UnitPool;
use vm_server::budget::Budget;
use vm_server::frames::{FrameAllocator, FrameId, RefCounts};

/// Base of VM's window onto its frames (below 4 GiB, as all addresses).
pub const WINDOW: u64 = 0x8000_0000;
/// Window size: 1 GiB, more frames than the machine has.
const WINDOW_FRAMES: u64 = 1 << 18;
/// Frames made per refill.
const REFILL_BATCH: u64 = 64;
/// Units carved per retype when none is free: 256 KiB, a few VSpaces'
/// worth of paging structures.
pub(super) const UNIT_BATCH: u64 = 64;

pub struct Sel4Frames {
    pub res: Res,
    /// Every frame ever made, frame id = index: `masters.len()` equals
    /// `window.len()`. Private, so that only the pool maps into it.
    pub(super) window: FrameWindow,
    /// The cap of the frame mapped at each index: the frame's master, or
    /// for a hole a copy of the filler's cap.
    pub(super) masters: Vec<u64>,
    /// The unit each frame was made in (0: none, a frame that can never
    /// leave the pool, or a hole).
    pub(super) unit_of: Vec<u64>,
    /// Indexes whose frame was taken out of the pool; filled first.
    pub(super) holes: Vec<FrameId>,
    /// The frame mapped at every hole; nobody reads what it holds.
    pub(super) filler: u64,
    /// A spare cap per frame for a process mapping, kept when the mapping
    /// goes away so the next mapping needs no CNode_Copy (0: none).
    pub(super) spares: Vec<u64>,
    pub(super) free: Vec<FrameId>,
    /// Frames made by a refill and never used: zero, with a spare cap.
    /// Kept in descending order so that pops hand out ascending ids, which
    /// sit next to each other in the window.
    fresh: Vec<FrameId>,
    /// References per frame: the library's table, shared with the host
    /// test allocator so both follow the same rules.
    refs: RefCounts,
    /// Whether each frame is on the free list.
    pub(super) is_free: Vec<bool>,
    /// What processes' frames, paging structures and the heap may each
    /// take of the spare pages.
    pub(super) budget: Budget,
    /// Free 4 KiB units: memory not made into anything, or whose object
    /// was deleted.
    pub(super) units: UnitPool,
    /// Paging structures held for processes' VSpaces (PML4s not counted).
    pub(super) paging_live: u64,
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
            unit_of: Vec::new(),
            holes: Vec::new(),
            filler: 0,
            spares: Vec::new(),
            free: Vec::new(),
            fresh: Vec::new(),
            refs: RefCounts::new(),
            is_free: Vec::new(),
            budget: Budget::new(0),
            units: UnitPool::new(),
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
    /// fresh frames, and what the spare pages allow them.
    pub fn free_frames(&self) -> u64 {
        self.budget.free_frames((self.free.len() + self.fresh.len()) as u64, self.spare())
    }

    /// Pages not made into anything yet: untyped memory past the
    /// watermarks and free units.
    pub(super) fn spare(&self) -> u64 {
        self.res.ut.free_ram() / PAGE_SIZE as u64 + self.units.free_units()
    }

    /// Heap bytes the per-frame tables take for `frames` frames.
    pub fn table_bytes(&self, frames: u64) -> usize {
        frames as usize
            * (4 * core::mem::size_of::<u64>()
                + core::mem::size_of::<u32>()
                + core::mem::size_of::<bool>()
                + 2 * core::mem::size_of::<FrameId>())
    }

    /// Gives the per-frame tables room for `frames` frames up front.
    pub fn reserve_tables(&mut self, frames: u64) {
        let n = frames as usize;
        self.masters.reserve_exact(n.saturating_sub(self.masters.len()));
        self.spares.reserve_exact(n.saturating_sub(self.spares.len()));
        self.unit_of.reserve_exact(n.saturating_sub(self.unit_of.len()));
        // Making a hole (on a fault's path) then never allocates.
        self.holes.reserve_exact(n.saturating_sub(self.holes.len()));
        self.refs.reserve(n);
        self.is_free.reserve_exact(n.saturating_sub(self.is_free.len()));
        self.free.reserve_exact(n.saturating_sub(self.free.len()));
        self.fresh.reserve_exact((REFILL_BATCH as usize).saturating_sub(self.fresh.len()));
    }

    /// Shares the memory out for a machine of `total` pages (at start),
    /// and makes the filler frame holes are mapped to.
    pub fn set_budget(&mut self, total: u64) {
        self.budget = Budget::new(total);
        self.filler = self.res.alloc(object::FRAME_4K, 0).map_or(0, |c| c.0);
        // Every unit there could ever be fits on the free list without it
        // growing, so putting one back never allocates (an exit must not
        // fail for want of heap).
        self.units.reserve(total);
    }

    /// New frames for VM's heap, at most `out.len()` and what the heap's
    /// part of the budget allows: one contiguous run from the large
    /// untypeds, or else free units one by one. Returns how many.
    pub fn heap_frames(&mut self, out: &mut [Frame]) -> usize {
        let mut n = self.budget.for_heap(self.spare(), out.len() as u64);
        if n == 0 {
            return 0;
        }
        let got = loop {
            match self.res.alloc_frames_contig(n) {
                Ok(first) => {
                    for (i, f) in out.iter_mut().take(n as usize).enumerate() {
                        *f = Frame::from_bits(first + i as u64);
                    }
                    break n as usize;
                }
                Err(_) if n > 1 => n /= 2,
                Err(_) => {
                    let mut got = 0;
                    while got < n as usize {
                        let Some(cap) = self.frame_from_unit() else { break };
                        out[got] = Frame::from_bits(cap);
                        got += 1;
                    }
                    break got;
                }
            }
        };
        self.budget.heap_took(got as u64);
        got
    }

    /// A frame made in a free unit (which stays its parent for good).
    pub(super) fn frame_from_unit(&mut self) -> Option<u64> {
        let unit = self.units.take()?;
        self.units.make_in(&mut self.res, unit, object::FRAME_4K).ok().map(|o| o.obj)
    }

    /// Frames ever made plus those still makeable.
    pub fn total_frames(&self) -> u64 {
        (self.masters.len() - self.holes.len()) as u64 + self.spare()
    }

    /// Gives a new frame (made in `unit`, or 0) an id: a hole's, whose
    /// filler it replaces in the window, or the next index.
    fn adopt(&mut self, cap: u64, unit: u64) -> Result<FrameId, Errno> {
        if let Some(id) = self.holes.pop() {
            let i = id.0 as usize;
            let filler = self.masters[i];
            // SAFETY: the filler copy `masters[i]` is what is mapped at
            // index i (put there when the hole was made); `cap` is a frame
            // just retyped, mapped nowhere, whose other caps VM maps only
            // into processes' VSpaces.
            if unsafe { self.window.replace(id.0, Frame::from_bits(filler), Frame::from_bits(cap)) }.is_err() {
                self.holes.push(id);
                return Err(ENOMEM);
            }
            self.res.delete(filler);
            self.masters[i] = cap;
            self.unit_of[i] = unit;
            return Ok(id);
        }
        let (res, units) = (&mut self.res, &mut self.units);
        // SAFETY: `cap` is a frame just retyped from untyped memory (by
        // refill or alloc_contig), so it is mapped nowhere yet; its other
        // caps are the copies VM gives processes, which VM maps only into
        // their VSpaces, never its own. The window is full at 1 GiB.
        let id = unsafe { self.window.push(Frame::from_bits(cap), &mut |ty| Self::own_paging(res, units, ty)) }.map_err(|_| ENOMEM)?;
        debug_assert_eq!(id, self.masters.len() as u64);
        let id = FrameId(id);
        self.masters.push(cap);
        self.unit_of.push(unit);
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
        let n = REFILL_BATCH.min(self.budget.for_frames(self.spare()));
        if n == 0 {
            return Err(ENOMEM);
        }
        // Each frame in a unit of its own, so that it can leave the pool
        // again (as a page table) when it is free: a retype for the units
        // (when none is free), then one per frame.
        let mut made = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if self.units.free_units() == 0 && self.units.carve(&mut self.res, REFILL_BATCH) == 0 {
                break;
            }
            let Some(unit) = self.units.take() else { break };
            let Ok(f) = self.units.make_in(&mut self.res, unit, object::FRAME_4K) else { break };
            match self.adopt(f.obj, unit) {
                Ok(id) => made.push(id),
                Err(_) => {
                    self.units.release(&mut self.res, f);
                    break;
                }
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
            let id = self.adopt(first + i, 0)?;
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
