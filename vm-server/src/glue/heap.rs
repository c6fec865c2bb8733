// SPDX-License-Identifier: BSD-2-Clause
//! VM's heap grows from VM's own memory, so bookkeeping never runs out
//! while its share remains.
//!
//! The runtime gives every program a fixed 4 MiB heap; VM's bookkeeping
//! (page maps, mapping caps, frame tables) grows with what processes do.
//! Before each message VM makes sure at least [`LOW_WATER`] bytes are free,
//! mapping new frames into the runtime's heap-growth range. Those frames
//! come only from the heap's part of the budget (`vm_server::budget`: 7/64
//! of memory, kept from processes' frames), never from memory processes
//! could get, so growth the heap never gives back costs processes nothing.
//! Requests whose bookkeeping could exceed the low water mark (fork copies
//! a whole page map) check their own need first and answer ENOMEM when it
//! cannot be met; when the heap's part is used up, every request that
//! builds bookkeeping answers ENOMEM, and faults map from what is left
//! above `policy::HEAP_CRITICAL`. Nothing VM does can then fail an
//! allocation.
use super::res::SELF_VSPACE;
use super::Vm;
use sel4::Frame;

/// Free heap VM keeps before handling any message.
pub const LOW_WATER: usize = 8 << 20;
/// Frames mapped per growth step: 4 MiB, one retype. The buddy allocator
/// never merges memory added in separate steps, so the step bounds the
/// largest block the grown heap can give; 4 MiB holds the largest single
/// allocation VM makes (the list of pages an exit of a process that holds
/// all of memory releases: 24 bytes a page).
const STEP_FRAMES: u64 = 1024;
/// The kernel's limit on objects made by one Untyped_Retype.
const RETYPE_MAX: u64 = sel4::RETYPE_FAN_OUT_LIMIT;
/// Heap bytes a fork may need per page of the parent: the child's page
/// map entry and mapping-cap entry, and room for the parent's copy-on-write
/// downgrades (generous: this only decides when fork says ENOMEM).
pub const FORK_BYTES_PER_PAGE: usize = 128;

impl Vm {
    /// Grows the heap until `want` bytes are free; false if VM's memory
    /// cannot provide them.
    pub fn ensure_heap(&mut self, want: usize) -> bool {
        while sel4_root_task::heap_free_bytes() < want {
            // On the stack: this runs when the heap is low.
            let mut frames = [Frame::from_bits(0); STEP_FRAMES as usize];
            let mut got = 0usize;
            // The kernel retypes at most RETYPE_MAX objects per call.
            while got < frames.len() {
                let end = frames.len().min(got + RETYPE_MAX as usize);
                let n = self.frames.heap_frames(&mut frames[got..end]);
                if n == 0 {
                    break;
                }
                got += n;
            }
            if got == 0 {
                return false;
            }
            let added = {
                let mut own_paging = self.frames.own_paging_fn();
                // SAFETY: SELF_VSPACE is VM's own VSpace; the frames were
                // just retyped from untyped memory by heap_frames, so they
                // are mapped nowhere, and VM keeps them out of the frame
                // pool (no window mapping, no process cap) and never unmaps
                // or deletes them.
                unsafe { sel4_root_task::grow_heap(SELF_VSPACE, &frames[..got], &mut own_paging) }
            };
            if added == 0 {
                return false;
            }
        }
        true
    }
}
