//! The frame pool: every frame VM owns has a master cap, mapped once in
//! VM's own window at `WINDOW + id * 4 KiB`. VM copies and zeroes through
//! the window; processes get their own cap copies for their mappings.
//! Freed frames are kept on a free list and zeroed when reused.
extern crate alloc;
use super::res::{Res, SELF_VSPACE};
use alloc::vec::Vec;
use minix_abi::errno::{Errno, ENOMEM};
use sel4::{object, CapRights, Frame, PAGE_SIZE};
use vm_server::frames::{FrameAllocator, FrameId, RefCounts};

/// Base of VM's window onto its frames (below 4 GiB, as all addresses).
pub const WINDOW: u64 = 0x8000_0000;
/// Window size: 1 GiB, more frames than the machine has.
const WINDOW_FRAMES: u64 = 1 << 18;

pub struct Sel4Frames {
    pub res: Res,
    masters: Vec<u64>,
    free: Vec<FrameId>,
    refs: RefCounts,
}

impl Sel4Frames {
    pub fn new(res: Res) -> Sel4Frames {
        Sel4Frames { res, masters: Vec::new(), free: Vec::new(), refs: RefCounts::new() }
    }

    /// Address of a frame in VM's window.
    pub fn window(id: FrameId) -> u64 {
        WINDOW + id.0 * PAGE_SIZE as u64
    }

    /// The master cap of a frame.
    pub fn master(&self, id: FrameId) -> Option<u64> {
        self.masters.get(id.0 as usize).copied()
    }

    /// Frames that could still be handed out: the free list plus what the
    /// untyped memory can still make.
    pub fn free_frames(&self) -> u64 {
        self.free.len() as u64 + self.res.ut.free_ram() / PAGE_SIZE as u64
    }

    /// Frames ever made plus those still makeable.
    pub fn total_frames(&self) -> u64 {
        self.masters.len() as u64 + self.res.ut.free_ram() / PAGE_SIZE as u64
    }

    fn adopt(&mut self, cap: u64) -> Result<FrameId, Errno> {
        let id = FrameId(self.masters.len() as u64);
        if id.0 >= WINDOW_FRAMES {
            return Err(ENOMEM);
        }
        self.res.map(SELF_VSPACE, Frame::from_bits(cap), Self::window(id), CapRights::READ_WRITE).map_err(|_| ENOMEM)?;
        self.masters.push(cap);
        Ok(id)
    }

    /// A frame with undefined contents and no references yet.
    fn raw(&mut self) -> Result<(FrameId, bool), Errno> {
        if let Some(id) = self.free.pop() {
            return Ok((id, false));
        }
        let cap = self.res.alloc(object::FRAME_4K).map_err(|_| ENOMEM)?;
        // A fresh frame from untyped memory is already zero.
        self.adopt(cap.0).map(|id| (id, true))
    }
}

impl FrameAllocator for Sel4Frames {
    fn alloc_zeroed(&mut self) -> Result<FrameId, Errno> {
        let (id, zero) = self.raw()?;
        if !zero {
            sel4::fill_addr(Self::window(id), 0, PAGE_SIZE);
        }
        self.refs.start(id);
        Ok(id)
    }

    fn alloc_copy(&mut self, src: FrameId) -> Result<FrameId, Errno> {
        let (id, _) = self.raw()?;
        let from = sel4::slice_at(Self::window(src), PAGE_SIZE);
        sel4::copy_to_addr(Self::window(id), from);
        self.refs.start(id);
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
            self.refs.start(id);
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

    fn free(&mut self, frame: FrameId) {
        if (frame.0 as usize) < self.masters.len() {
            self.free.push(frame);
        }
    }
}
