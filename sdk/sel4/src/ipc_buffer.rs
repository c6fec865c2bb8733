// SPDX-License-Identifier: BSD-2-Clause
//! Access to the current thread's IPC buffer. The kernel points GS base at
//! the thread's IPC buffer on every return to user mode, so each thread
//! reaches its own buffer without any pointer bookkeeping.
use crate::{CPtr, MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH};

const MSG_OFFSET: usize = 8;
const CAPS_OFFSET: usize = 8 + 8 * MSG_MAX_LENGTH + 8;
const RECV_CNODE_OFFSET: usize = CAPS_OFFSET + 8 * MSG_MAX_EXTRA_CAPS;

/// The IPC buffer's size: the kernel maps 1 KiB of it at GS base.
const IPC_BUFFER_BYTES: usize = 1024;

/// Reads the word at `offset` in this thread's IPC buffer.
///
/// # Safety
///
/// `offset + 8 <= IPC_BUFFER_BYTES`: GS base is this thread's IPC buffer
/// (the kernel sets it on every return to user mode), mapped for the
/// thread's life, so the word is then inside it.
#[inline(always)]
unsafe fn gs_read(offset: usize) -> u64 {
    debug_assert!(offset + 8 <= IPC_BUFFER_BYTES);
    let v: u64;
    // SAFETY: the caller keeps the word inside the IPC buffer, which only
    // this thread uses and which no Rust reference covers.
    unsafe {
        core::arch::asm!("mov {v}, qword ptr gs:[{o}]", o = in(reg) offset, v = out(reg) v, options(nostack, readonly, preserves_flags))
    };
    v
}

/// Writes the word at `offset` in this thread's IPC buffer.
///
/// # Safety
///
/// As for [`gs_read`].
#[inline(always)]
unsafe fn gs_write(offset: usize, value: u64) {
    debug_assert!(offset + 8 <= IPC_BUFFER_BYTES);
    // SAFETY: as in gs_read.
    unsafe { core::arch::asm!("mov qword ptr gs:[{o}], {v}", o = in(reg) offset, v = in(reg) value, options(nostack, preserves_flags)) };
}

/// Reads message register `i` from the IPC buffer (MR0-MR3 travel in
/// registers; the syscall wrappers handle those). Out-of-range reads give 0.
#[inline(always)]
pub fn get_mr(i: usize) -> u64 {
    if i >= MSG_MAX_LENGTH {
        return 0;
    }
    // SAFETY: i < MSG_MAX_LENGTH, so the word lies inside the buffer
    // (checked against the layout at the end of this file).
    unsafe { gs_read(MSG_OFFSET + 8 * i) }
}

/// Writes message register `i` into the IPC buffer. Out-of-range writes are
/// ignored.
#[inline(always)]
pub fn set_mr(i: usize, value: u64) {
    if i < MSG_MAX_LENGTH {
        // SAFETY: i < MSG_MAX_LENGTH, so the word lies inside the buffer.
        unsafe { gs_write(MSG_OFFSET + 8 * i, value) };
    }
}

/// Sets extra cap `i` of the next message.
pub fn set_cap(i: usize, cap: CPtr) {
    if i < MSG_MAX_EXTRA_CAPS {
        // SAFETY: i < MSG_MAX_EXTRA_CAPS, so the word lies inside the buffer.
        unsafe { gs_write(CAPS_OFFSET + 8 * i, cap.0) };
    }
}

/// After a receive, entry `i` of caps_or_badges: the badge of an unwrapped
/// cap.
pub fn get_badge_or_cap(i: usize) -> u64 {
    if i < MSG_MAX_EXTRA_CAPS {
        // SAFETY: i < MSG_MAX_EXTRA_CAPS, so the word lies inside the buffer.
        unsafe { gs_read(CAPS_OFFSET + 8 * i) }
    } else {
        0
    }
}

/// Where a received cap is stored: (CNode, index, depth).
pub fn set_receive_path(cnode: CPtr, index: u64, depth: u64) {
    // SAFETY: the three words of the receive path are the buffer's last
    // ones, RECV_CNODE_OFFSET + 24 == IPC_BUFFER_BYTES (asserted below).
    unsafe {
        gs_write(RECV_CNODE_OFFSET, cnode.0);
        gs_write(RECV_CNODE_OFFSET + 8, index);
        gs_write(RECV_CNODE_OFFSET + 16, depth);
    }
}

/// Sets no receive path: caps attached to messages this thread receives
/// are dropped by the kernel (caps naming the receiving endpoint itself
/// are still unwrapped into badges).
pub fn clear_receive_path() {
    set_receive_path(CPtr(0), 0, 0);
}

const _: () = assert!(RECV_CNODE_OFFSET + 24 == IPC_BUFFER_BYTES);
