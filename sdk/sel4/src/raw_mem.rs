// SPDX-License-Identifier: BSD-2-Clause
//! Access to memory at raw addresses: frames a process mapped itself at a
//! known address, or structures the kernel placed (bootinfo). These are the
//! project's only raw pointer accesses; callers guarantee by construction
//! that the address range is mapped (readable, and writable for writes)
//! for the duration of the call.

pub fn read_u8_at(addr: u64) -> u8 {
    // SAFETY: see the module contract.
    unsafe { core::ptr::read_volatile(addr as *const u8) }
}

pub fn read_u64_at(addr: u64) -> u64 {
    // SAFETY: see the module contract; unaligned reads are allowed.
    unsafe { core::ptr::read_unaligned(addr as *const u64) }
}

pub fn write_u64_at(addr: u64, value: u64) {
    // SAFETY: see the module contract.
    unsafe { core::ptr::write_unaligned(addr as *mut u64, value) }
}

/// Copies `src` to the mapped range at `addr`.
pub fn copy_to_addr(addr: u64, src: &[u8]) {
    // SAFETY: see the module contract; the ranges cannot overlap because
    // `src` is a Rust slice and `addr` is a separately mapped window.
    unsafe { core::ptr::copy(src.as_ptr(), addr as *mut u8, src.len()) }
}

/// Copies from the mapped range at `addr` into `dst`.
pub fn copy_from_addr(addr: u64, dst: &mut [u8]) {
    // SAFETY: see the module contract.
    unsafe { core::ptr::copy(addr as *const u8, dst.as_mut_ptr(), dst.len()) }
}

/// Fills `len` bytes at `addr` with `byte`.
pub fn fill_addr(addr: u64, byte: u8, len: usize) {
    // SAFETY: see the module contract.
    unsafe { core::ptr::write_bytes(addr as *mut u8, byte, len) }
}

/// A shared slice over a mapped range that stays mapped for the life of
/// the process (for example a window set up at start).
pub fn slice_at(addr: u64, len: usize) -> &'static [u8] {
    // SAFETY: see the module contract, for the whole program.
    unsafe { core::slice::from_raw_parts(addr as *const u8, len) }
}

/// A mutable slice over a permanently mapped range. The caller must not
/// create two live mutable slices over the same range.
pub fn slice_at_mut(addr: u64, len: usize) -> &'static mut [u8] {
    // SAFETY: see the module contract, for the whole program.
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
/// Safe because this function alone maps into the growth range and moves
/// its cursor past every page it maps, so each page it gives the heap is
/// mapped writable and used by nothing else.
pub fn grow_heap_with<const ORDER: usize>(
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
        // address space, and the cursor has moved past it, so no later
        // call maps or hands out these pages again.
        unsafe { heap.lock().add_to_heap(start as usize, (start + len) as usize) }
    }
    len as usize
}

/// Bytes a buddy allocator has not handed out (free space, possibly in
/// pieces too small for a large allocation).
pub fn heap_free_bytes<const ORDER: usize>(heap: &buddy_system_allocator::LockedHeap<ORDER>) -> usize {
    let h = heap.lock();
    h.stats_total_bytes().saturating_sub(h.stats_alloc_actual())
}
