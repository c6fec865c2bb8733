// SPDX-License-Identifier: BSD-2-Clause
//! A window onto frames: a reserved range of this process's own address
//! space into which frames are mapped one after another, and through which
//! their bytes are read and written. VM keeps every frame it owns mapped in
//! one (frame id = index in the window); the root task fills frames for
//! other processes through a one-page window.
//!
//! The window maps each frame itself, so it knows which pages hold one:
//! frame `i` is there exactly when `i < len()`. The one unsafe step is
//! making the window, whose contract says the range is ours alone; the
//! accessors are then safe.
use crate::{map_frame_with, CPtr, CapRights, Error, Frame, VSpace, PAGE_SIZE};

const PAGE: u64 = PAGE_SIZE as u64;

/// Frames mapped read-write at `base + i * 4 KiB`, for `i < len()`.
///
/// The same frames may be mapped in other processes, which can write them
/// while this process reads (after a preemption, or on another core). The
/// bytes the window hands out are therefore data to copy, never a value to
/// rely on twice: that is what a MINIX copy engine gives anyway.
pub struct FrameWindow {
    vspace: VSpace,
    base: u64,
    /// Pages the range has room for.
    capacity: u64,
    /// Frames mapped, at indexes `0..mapped`.
    mapped: u64,
    /// The frame at index `mapped - 1`, when it was pushed after the last
    /// pop (what `pop` unmaps).
    last: Option<Frame>,
}

impl FrameWindow {
    /// A window of `capacity` pages at `base` in `vspace`, with nothing
    /// mapped yet.
    ///
    /// # Safety
    ///
    /// For as long as the window exists:
    ///
    /// - `vspace` is the calling process's own VSpace;
    /// - `base` is page-aligned and not 0, and `base + capacity * 4 KiB`
    ///   does not wrap;
    /// - the range is reserved for this window: nothing else in the process
    ///   maps into it or accesses it (the kernel refuses to map over an
    ///   occupied page, so this is about the pages still free, such as a
    ///   range a heap means to grow into);
    /// - a frame the window mapped stays mapped until [`FrameWindow::pop`]
    ///   unmaps it: the process does not unmap it another way, nor delete
    ///   or revoke its cap or the untyped memory it was made from.
    pub const unsafe fn new(vspace: VSpace, base: u64, capacity: u64) -> FrameWindow {
        FrameWindow { vspace, base, capacity, mapped: 0, last: None }
    }

    /// Frames mapped: indexes `0..len()` hold one each.
    #[inline]
    pub fn len(&self) -> u64 {
        self.mapped
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.mapped == 0
    }

    /// Maps `frame` read-write at the next free page of the window, making
    /// missing paging structures with `alloc` (as [`map_frame_with`]), and
    /// returns its index. Fails with `RangeError` when the window is full,
    /// or with the kernel's error when the mapping fails.
    ///
    /// # Safety
    ///
    /// `frame` is not mapped anywhere else in this address space, and is
    /// not mapped elsewhere in it while the window holds it: otherwise the
    /// window's references would alias that other mapping.
    pub unsafe fn push(&mut self, frame: Frame, alloc: &mut dyn FnMut(u64) -> Result<CPtr, Error>) -> Result<u64, Error> {
        if self.mapped >= self.capacity {
            return Err(Error::RangeError);
        }
        map_frame_with(self.vspace, frame, self.base + self.mapped * PAGE, CapRights::READ_WRITE, alloc)?;
        self.last = Some(frame);
        self.mapped += 1;
        Ok(self.mapped - 1)
    }

    /// Unmaps the frame the last [`FrameWindow::push`] mapped. Fails with
    /// `IllegalOperation` if that frame was popped already (the window
    /// remembers only the last one), or with the kernel's error, leaving
    /// the frame mapped.
    pub fn pop(&mut self) -> Result<(), Error> {
        let frame = self.last.ok_or(Error::IllegalOperation)?;
        frame.unmap()?;
        self.last = None;
        self.mapped -= 1;
        Ok(())
    }

    /// Puts `new` at index `i` in place of `old`, which it unmaps: the
    /// page stays mapped throughout the window's life, so a frame can be
    /// taken out (and its memory reused) while its index keeps a frame,
    /// such as a filler that stands in for it. Fails with `RangeError` for
    /// an index not yet pushed, or with the kernel's error when `old`
    /// cannot be unmapped or `new` mapped; `old` is then mapped at `i`
    /// again.
    ///
    /// # Safety
    ///
    /// - `old` is the frame mapped at index `i` (pushed there, or put there
    ///   by an earlier `replace`);
    /// - `new` is not mapped anywhere else in this address space, and is
    ///   not mapped elsewhere in it while the window holds it (as for
    ///   [`FrameWindow::push`]).
    pub unsafe fn replace(&mut self, i: u64, old: Frame, new: Frame) -> Result<(), Error> {
        if i >= self.mapped {
            return Err(Error::RangeError);
        }
        let at = self.base + i * PAGE;
        let attr = crate::VmAttributes::default();
        old.unmap()?;
        if let Err(e) = new.map(self.vspace, at, CapRights::READ_WRITE, attr) {
            // The page table is there (old was mapped through it), so the
            // kernel needs no memory to map old again; were it to refuse,
            // the index would be a hole every accessor still trusts.
            if old.map(self.vspace, at, CapRights::READ_WRITE, attr).is_err() {
                panic!("a window page could not be mapped again");
            }
            return Err(e);
        }
        if i + 1 == self.mapped && self.last == Some(old) {
            self.last = Some(new);
        }
        Ok(())
    }

    /// The bytes of frame `i`, if one is mapped there.
    #[inline]
    pub fn frame(&self, i: u64) -> Option<&[u8; PAGE_SIZE]> {
        if i >= self.mapped {
            return None;
        }
        // SAFETY: i < mapped, so a frame this window mapped read-write
        // sits at this page and stays there (new's contract); nothing else
        // in the process reaches the range, and `&self` keeps every
        // writing method (they take `&mut self`) out while the reference
        // lives.
        Some(unsafe { &*((self.base + i * PAGE) as *const [u8; PAGE_SIZE]) })
    }

    /// The bytes of frame `i`, writable, if one is mapped there.
    #[inline]
    pub fn frame_mut(&mut self, i: u64) -> Option<&mut [u8; PAGE_SIZE]> {
        if i >= self.mapped {
            return None;
        }
        // SAFETY: as in `frame`, and `&mut self` makes this the only
        // reference into the window while it lives.
        Some(unsafe { &mut *((self.base + i * PAGE) as *mut [u8; PAGE_SIZE]) })
    }

    /// Whether `len` bytes from byte offset `at` of the window lie wholly
    /// inside mapped frames (and their addresses do not wrap).
    #[inline]
    fn inside(&self, at: u64, len: u64) -> bool {
        let end = self.mapped * PAGE;
        len <= end && at <= end - len
    }

    /// The `len` bytes at byte offset `at` of the window (offset = frame
    /// index * 4 KiB + offset in the frame), if they lie wholly inside
    /// mapped frames: a piece of one frame, or a run over frames with
    /// consecutive indexes.
    #[inline]
    pub fn bytes(&self, at: u64, len: usize) -> Option<&[u8]> {
        if !self.inside(at, len as u64) {
            return None;
        }
        // SAFETY: the range lies inside frames this window mapped
        // read-write (checked; new's contract keeps them mapped and
        // unreached by anything else), and `&self` keeps every writing
        // method out while the slice lives.
        Some(unsafe { crate::slice_at(self.base + at, len) })
    }

    /// As [`FrameWindow::bytes`], writable.
    #[inline]
    pub fn bytes_mut(&mut self, at: u64, len: usize) -> Option<&mut [u8]> {
        if !self.inside(at, len as u64) {
            return None;
        }
        // SAFETY: as in `bytes`, and `&mut self` makes this the only
        // reference into the window while it lives.
        Some(unsafe { crate::slice_at_mut(self.base + at, len) })
    }

    /// Copies `len` bytes from byte offset `src` of the window to byte
    /// offset `dst` (offset = frame index * 4 KiB + offset in the frame).
    /// A run may span several frames when their indexes are consecutive:
    /// frames made together usually are, so a many-page copy is one
    /// `rep movsq`. The ranges may overlap. Returns false, copying nothing,
    /// unless both ranges lie wholly inside mapped frames.
    #[inline]
    #[must_use]
    pub fn copy_within(&mut self, src: u64, dst: u64, len: u64) -> bool {
        if !self.inside(src, len) || !self.inside(dst, len) {
            return false;
        }
        let (from, to) = (self.base + src, self.base + dst);
        if len.is_multiple_of(8) && src.abs_diff(dst) >= len {
            // The copy engine's usual case (whole words, two different
            // frames): one `rep movsq`, without memmove's call, direction
            // test and byte tails, which the benchmarks count.
            // SAFETY: both ranges lie inside frames this window mapped
            // read-write (checked above; new's contract keeps them mapped
            // and unreached by anything else), `&mut self` rules out any
            // live reference the window handed out, and the ranges
            // are `len` apart at least, so they do not overlap. rep movsq
            // copies RCX = len / 8 words upwards from RSI to RDI (the
            // direction flag is clear, as the ABI requires).
            unsafe {
                core::arch::asm!(
                    "rep movsq",
                    inout("rcx") len / 8 => _,
                    inout("rsi") from => _,
                    inout("rdi") to => _,
                    options(nostack, preserves_flags)
                );
            }
        } else {
            // SAFETY: as above for the ranges; `ptr::copy` allows them to
            // overlap.
            unsafe { core::ptr::copy(from as *const u8, to as *mut u8, len as usize) };
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With nothing mapped, no access gets through (mapping needs seL4;
    /// the accessors' bounds are the same arithmetic for any count).
    #[test]
    fn an_empty_window_hands_out_nothing() {
        // SAFETY: the window maps nothing in this test and is never
        // pushed to, so no address in its range is ever touched.
        let mut w = unsafe { FrameWindow::new(VSpace::from_bits(0), 0x8000_0000, 4) };
        assert!(w.is_empty());
        assert!(w.frame(0).is_none() && w.frame_mut(0).is_none());
        assert!(w.bytes(0, 1).is_none() && w.bytes_mut(0, 1).is_none());
        assert!(w.bytes(u64::MAX, 1).is_none());
        assert!(!w.copy_within(0, 8, 8));
        assert!(!w.copy_within(u64::MAX, 0, 2));
        assert_eq!(w.pop(), Err(Error::IllegalOperation));
        // SAFETY: nothing is mapped, so the index is refused before any
        // frame is touched.
        assert_eq!(unsafe { w.replace(0, Frame::from_bits(1), Frame::from_bits(2)) }, Err(Error::RangeError));
        assert_eq!(w.bytes(0, 0).map(|b| b.len()), Some(0));
    }
}
