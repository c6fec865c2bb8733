// SPDX-License-Identifier: BSD-2-Clause
//! Access to memory at raw addresses: frames a process mapped itself at a
//! known address, or structures the kernel placed (bootinfo). Each function
//! is `unsafe`: the address is only a number, so the caller states why the
//! memory is there. Code that touches a range many times should wrap it
//! once in a [`crate::MappedRegion`] or a [`crate::FrameWindow`], whose
//! accessors are safe.

/// Reads the byte at `addr` (a volatile read: it is never merged with
/// other accesses or left out).
///
/// # Safety
///
/// `addr` is mapped readable in this address space, and no live Rust
/// reference allows writing that byte. A read that faults on purpose (to
/// provoke a fault handler) is allowed when the handler either maps the
/// page before resuming the thread or never resumes it.
pub unsafe fn read_u8_at(addr: u64) -> u8 {
    // SAFETY: the caller keeps `addr` readable and free of writers.
    unsafe { core::ptr::read_volatile(addr as *const u8) }
}

/// Reads the 8 bytes at `addr` (any alignment).
///
/// # Safety
///
/// As for [`read_u8_at`], for all of `addr..addr + 8`.
pub unsafe fn read_u64_at(addr: u64) -> u64 {
    // SAFETY: the caller keeps the 8 bytes readable and free of writers;
    // `read_unaligned` needs no alignment.
    unsafe { core::ptr::read_unaligned(addr as *const u64) }
}

/// Writes `value` to the 8 bytes at `addr` (any alignment).
///
/// # Safety
///
/// `addr..addr + 8` is mapped writable in this address space, and no live
/// Rust reference covers any of it. As for reads, a write that faults on
/// purpose is allowed.
pub unsafe fn write_u64_at(addr: u64, value: u64) {
    // SAFETY: the caller keeps the 8 bytes writable and unaliased.
    unsafe { core::ptr::write_unaligned(addr as *mut u64, value) }
}

/// Copies `src` to the range at `addr`.
///
/// # Safety
///
/// `addr..addr + src.len()` is mapped writable in this address space and
/// no live Rust reference (`src` included) covers any of it.
pub unsafe fn copy_to_addr(addr: u64, src: &[u8]) {
    // SAFETY: the caller keeps the destination writable and apart from
    // every reference, `src` among them, so the two cannot overlap.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), addr as *mut u8, src.len()) }
}

/// Copies from the range at `addr` into `dst`.
///
/// # Safety
///
/// `addr..addr + dst.len()` is mapped readable in this address space, no
/// live Rust reference allows writing it, and it does not overlap `dst`.
pub unsafe fn copy_from_addr(addr: u64, dst: &mut [u8]) {
    // SAFETY: the caller keeps the source readable, unwritten and apart
    // from `dst`.
    unsafe { core::ptr::copy_nonoverlapping(addr as *const u8, dst.as_mut_ptr(), dst.len()) }
}

/// Fills `len` bytes at `addr` with `byte`.
///
/// # Safety
///
/// `addr..addr + len` is mapped writable in this address space and no
/// live Rust reference covers any of it.
pub unsafe fn fill_addr(addr: u64, byte: u8, len: usize) {
    // SAFETY: the caller keeps the range writable and unaliased.
    unsafe { core::ptr::write_bytes(addr as *mut u8, byte, len) }
}

/// A shared slice over the `len` bytes at `addr`, for lifetime `'a`.
///
/// # Safety
///
/// For all of `'a`, `addr..addr + len` is mapped readable in this address
/// space, nothing writes it (no `&mut`, no raw write, no other process),
/// and `len` is at most `isize::MAX`.
pub unsafe fn slice_at<'a>(addr: u64, len: usize) -> &'a [u8] {
    // SAFETY: the caller's obligations are `from_raw_parts`'s (`u8` needs
    // no alignment).
    unsafe { core::slice::from_raw_parts(addr as *const u8, len) }
}

/// A mutable slice over the `len` bytes at `addr`, for lifetime `'a`.
///
/// # Safety
///
/// For all of `'a`, `addr..addr + len` is mapped writable in this address
/// space, nothing else reads or writes it (no other reference, no raw
/// access, no other process), and `len` is at most `isize::MAX`.
pub unsafe fn slice_at_mut<'a>(addr: u64, len: usize) -> &'a mut [u8] {
    // SAFETY: the caller's obligations are `from_raw_parts_mut`'s.
    unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) }
}

#[cfg(target_os = "none")]
core::arch::global_asm!(
    ".section .bss.sel4_heap, \"aw\", @nobits",
    ".balign 4096",
    ".global __sel4_heap_bottom",
    "__sel4_heap_bottom:",
    ".space 0x400000",
    "__sel4_heap_top:",
    ".text",
);

static HEAP_TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// The process's static heap area (4 MiB of .bss), handed out once.
#[cfg(target_os = "none")]
pub fn take_heap_area() -> Option<&'static mut [core::mem::MaybeUninit<u8>]> {
    extern "C" {
        static mut __sel4_heap_bottom: u8;
    }
    if HEAP_TAKEN.swap(true, core::sync::atomic::Ordering::AcqRel) {
        return None;
    }
    // SAFETY: the area is a private .bss range of this size, and the flag
    // above makes this the only reference ever created to it.
    unsafe {
        let p = core::ptr::addr_of_mut!(__sel4_heap_bottom) as *mut core::mem::MaybeUninit<u8>;
        Some(core::slice::from_raw_parts_mut(p, 0x400000))
    }
}

/// On the host there is no static heap area (tests use std's allocator).
#[cfg(not(target_os = "none"))]
pub fn take_heap_area() -> Option<&'static mut [core::mem::MaybeUninit<u8>]> {
    let _ = HEAP_TAKEN.load(core::sync::atomic::Ordering::Relaxed);
    None
}

/// Hands the static heap area to a buddy allocator (the global allocator
/// the runtime declares). Does nothing the second time, or on the host.
pub fn give_heap_area<const ORDER: usize>(heap: &buddy_system_allocator::LockedHeap<ORDER>) {
    if let Some(area) = take_heap_area() {
        // SAFETY: the area is this process's private, otherwise unused
        // .bss range, handed out exactly once by take_heap_area.
        unsafe { heap.lock().init(area.as_mut_ptr() as usize, area.len()) }
    }
}

/// Hands the static heap area to a first-fit allocator. A C program's
/// system-call layer uses this one rather than a buddy allocator: the
/// buddy system writes a free-list node into the first word of every
/// power-of-two block when it is given the area and when it splits one,
/// so its first allocation touched about a dozen pages of the 4 MiB area
/// (each a page fault, and after a fork a copy-on-write copy), where a
/// first-fit list touches the pages it hands out and one more. Does
/// nothing the second time, or on the host.
pub fn give_heap_area_first_fit(heap: &linked_list_allocator::LockedHeap) {
    if let Some(area) = take_heap_area() {
        // SAFETY: the area is this process's private, otherwise unused
        // .bss range, handed out exactly once by take_heap_area, and it
        // lives as long as the process.
        unsafe { heap.lock().init(area.as_mut_ptr() as *mut u8, area.len()) }
    }
}

/// Where a process's heap grows beyond its static area: a virtual range
/// no program of ours maps anything else into (images sit at 4 MiB, the IPC
/// buffer at 0x7000_0000, VM's window from 0x8000_0000).
pub const HEAP_GROWTH: (u64, u64) = (0x4000_0000, 0x7000_0000);

static HEAP_GROWTH_NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(HEAP_GROWTH.0);

/// Grows a buddy allocator's heap by `frames`: maps them read-write at the
/// next free pages of [`HEAP_GROWTH`] in `vspace` (this process's own),
/// making paging structures with `alloc` as needed, and hands the mapped
/// pages to the allocator. Returns how many bytes were added; frames after
/// one that failed to map are not used.
///
/// This function alone maps into the growth range and moves its cursor
/// past every page it maps, so no page is handed to the heap twice.
///
/// # Safety
///
/// - `vspace` is the calling process's own VSpace (otherwise the heap would
///   be given addresses that are not mapped here);
/// - no frame of `frames` is mapped anywhere else in this address space,
///   now or later (the heap's memory must not be reachable another way);
/// - the frames stay mapped for the rest of the process: their caps are
///   never unmapped, deleted or revoked, nor the untyped memory they came
///   from.
pub unsafe fn grow_heap_with<const ORDER: usize>(
    heap: &buddy_system_allocator::LockedHeap<ORDER>,
    vspace: crate::VSpace,
    frames: &[crate::Frame],
    alloc: &mut dyn FnMut(u64) -> Result<crate::CPtr, crate::Error>,
) -> usize {
    use core::sync::atomic::Ordering;
    let start = HEAP_GROWTH_NEXT.load(Ordering::Acquire);
    let mut mapped = 0u64;
    for f in frames {
        let at = start + mapped * crate::PAGE_SIZE as u64;
        if at + crate::PAGE_SIZE as u64 > HEAP_GROWTH.1 {
            break;
        }
        if crate::map_frame_with(vspace, *f, at, crate::CapRights::READ_WRITE, alloc).is_err() {
            break;
        }
        mapped += 1;
    }
    let len = mapped * crate::PAGE_SIZE as u64;
    HEAP_GROWTH_NEXT.store(start + len, Ordering::Release);
    if len > 0 {
        // SAFETY: [start, start + len) was just mapped read-write in this
        // address space (the caller vouches that `vspace` is ours, and that
        // the frames are reachable only here and stay mapped), and the
        // cursor has moved past it, so no later call hands it out again.
        unsafe { heap.lock().add_to_heap(start as usize, (start + len) as usize) }
    }
    len as usize
}

/// Grows a buddy allocator's heap by memory the process already has
/// mapped for good, such as a server's anonymous mapping from VM that it
/// leaked (`mxrt::posix::Mapping::leak`). The `'static` exclusive borrow
/// is the proof that nothing else will ever use the bytes and that they
/// stay mapped; the heap owns them from here on. Returns the bytes added
/// (the range is trimmed to 8-byte alignment, as the allocator needs).
pub fn give_heap_memory<const ORDER: usize>(heap: &buddy_system_allocator::LockedHeap<ORDER>, mem: &'static mut [u8]) -> usize {
    let start = (mem.as_mut_ptr() as usize).next_multiple_of(8);
    let end = (mem.as_mut_ptr() as usize + mem.len()) & !7;
    if end <= start {
        return 0;
    }
    // SAFETY: `mem` is borrowed exclusively for the rest of the process,
    // and the borrow is consumed here, so the heap is the only user of
    // [start, end) from now on; a `'static` slice is mapped for as long as
    // it lives.
    unsafe { heap.lock().add_to_heap(start, end) };
    end - start
}

/// Bytes a buddy allocator has handed out (rounded up to its blocks) and
/// bytes it holds in all.
pub fn heap_used_and_size<const ORDER: usize>(heap: &buddy_system_allocator::LockedHeap<ORDER>) -> (usize, usize) {
    let h = heap.lock();
    (h.stats_alloc_actual(), h.stats_total_bytes())
}

/// Bytes a buddy allocator has not handed out (free space, possibly in
/// pieces too small for a large allocation).
pub fn heap_free_bytes<const ORDER: usize>(heap: &buddy_system_allocator::LockedHeap<ORDER>) -> usize {
    let h = heap.lock();
    h.stats_total_bytes().saturating_sub(h.stats_alloc_actual())
}
