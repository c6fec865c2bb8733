// SPDX-License-Identifier: BSD-2-Clause
//! The root task's scratch page: where it maps, for a moment, a frame it
//! fills for another process (an ELF page of a server, VM's IPC buffer)
//! without keeping it mapped itself.
use crate::kobj::Kernel;
use sel4::{init, Error, Frame, FrameWindow, PAGE_SIZE};

/// One page of the root task's address space used for nothing else (its
/// image is at 4 MiB, its threads' stacks and IPC buffers from 0x1000_0000,
/// the self-test's fault page at 0x1200_0000, the clock page at
/// 0x1300_0000 (`timer_dev::ROOT_CLOCK_PAGE`), the bench fault area from
/// 0x3000_0000, its heap growth from 0x4000_0000).
const SCRATCH: u64 = 0x2000_0000;

/// Maps `frame` at the scratch page, lets `fill` write its 4 KiB, and
/// unmaps it again.
///
/// # Safety
///
/// `frame` is not mapped anywhere in the root task's address space (it may
/// be mapped in other processes).
pub unsafe fn with_frame<R>(k: &mut Kernel, frame: Frame, fill: impl FnOnce(&mut [u8; PAGE_SIZE]) -> R) -> Result<R, Error> {
    // SAFETY: init::VSPACE is the root task's own VSpace; SCRATCH is a
    // page-aligned page reserved for this window (see above), and the
    // window's only frame is unmapped by `pop` below before the window
    // goes. Another window over the page (a nested call from `fill`) could
    // not map there while this one holds it: the kernel refuses a second
    // mapping at an occupied address.
    let mut window = unsafe { FrameWindow::new(init::VSPACE, SCRATCH, 1) };
    // SAFETY: the caller vouches that `frame` is mapped nowhere else here.
    let i = unsafe { window.push(frame, &mut |ty| k.alloc(ty, 0)) }?;
    let r = fill(window.frame_mut(i).ok_or(Error::RangeError)?);
    window.pop()?;
    Ok(r)
}
