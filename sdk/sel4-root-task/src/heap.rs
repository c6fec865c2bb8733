// SPDX-License-Identifier: BSD-2-Clause
//! The global allocator: a buddy allocator (`buddy_system_allocator`)
//! over the static area `sel4` hands out once. Buddy allocation keeps
//! every allocation and free O(log n), which matters in servers that hold
//! thousands of small map nodes (VM's page tables of every process).
#[cfg(target_os = "none")]
#[global_allocator]
static HEAP: buddy_system_allocator::LockedHeap<32> = buddy_system_allocator::LockedHeap::empty();

#[cfg(target_os = "none")]
pub fn init() {
    sel4::give_heap_area(&HEAP);
}

#[cfg(not(target_os = "none"))]
pub fn init() {}

/// Heap bytes not in use (0 on the host, where std allocates).
pub fn free_bytes() -> usize {
    #[cfg(target_os = "none")]
    return sel4::heap_free_bytes(&HEAP);
    #[cfg(not(target_os = "none"))]
    0
}

/// Grows the heap by memory mapped for good (see `sel4::give_heap_memory`);
/// the bytes added (0 on the host, where std allocates).
pub fn give(mem: &'static mut [u8]) -> usize {
    #[cfg(target_os = "none")]
    return sel4::give_heap_memory(&HEAP, mem);
    #[cfg(not(target_os = "none"))]
    {
        let _ = mem;
        0
    }
}

/// Heap bytes in use and heap bytes held (both 0 on the host).
pub fn used_and_size() -> (usize, usize) {
    #[cfg(target_os = "none")]
    return sel4::heap_used_and_size(&HEAP);
    #[cfg(not(target_os = "none"))]
    (0, 0)
}

/// Grows the heap by `frames` (fresh frame caps of this process), mapped
/// into `vspace`, this process's own; see `sel4::grow_heap_with`. Returns
/// the bytes added.
///
/// # Safety
///
/// As for `sel4::grow_heap_with`: `vspace` is this process's own VSpace,
/// the frames are mapped nowhere else in it, and they stay mapped for the
/// rest of the process (caps never unmapped, deleted or revoked).
pub unsafe fn grow(vspace: sel4::VSpace, frames: &[sel4::Frame], alloc: &mut dyn FnMut(u64) -> Result<sel4::CPtr, sel4::Error>) -> usize {
    #[cfg(target_os = "none")]
    // SAFETY: the caller's obligations are grow_heap_with's.
    return unsafe { sel4::grow_heap_with(&HEAP, vspace, frames, alloc) };
    #[cfg(not(target_os = "none"))]
    {
        let _ = (vspace, frames, alloc);
        0
    }
}
