//! The global allocator: `linked_list_allocator` over the static area that
//! `sel4::take_heap_area` hands out once.
#[cfg(target_os = "none")]
#[global_allocator]
static HEAP: linked_list_allocator::LockedHeap = linked_list_allocator::LockedHeap::empty();

#[cfg(target_os = "none")]
pub fn init() {
    if let Some(area) = sel4::take_heap_area() {
        HEAP.lock().init_from_slice(area);
    }
}

#[cfg(not(target_os = "none"))]
pub fn init() {}
