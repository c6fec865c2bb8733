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
