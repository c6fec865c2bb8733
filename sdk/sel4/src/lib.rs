//! Our own bindings for seL4 5.0.0 on x86_64, shaped like the upstream
//! rust-sel4 `sel4` crate: typed capabilities, [`MessageInfo`], kernel
//! errors as a Rust enum, the syscalls, the invocations needed to build
//! processes, bootinfo parsing and fault decoding.
//!
//! This is the only crate in the project with `unsafe` inline asm: the
//! syscall instruction, IPC-buffer access through GS, the entry points,
//! `rdtsc`, and raw memory access for the few places that must touch
//! frames mapped at known addresses.
#![cfg_attr(not(test), no_std)]

mod constants {
    include!(concat!(env!("OUT_DIR"), "/constants.rs"));
}
pub use constants::{KERNEL_VERSION, size_bits, fault_len, fault_tag, label, object, MAX_BOOTINFO_UNTYPED_CAPS, MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH, NUM_ERRORS, RETYPE_FAN_OUT_LIMIT, ROOT_CNODE_SIZE_BITS};

mod arch;
mod bootinfo;
mod cap;
mod debug;
mod entry;
mod error;
mod fault;
mod invocations;
mod ipc_buffer;
mod mapping;
mod message_info;
mod object_size;
mod raw_mem;
mod syscalls;

pub use arch::{abort_by_fault, fn_from_addr, rdtsc, rdtsc_fenced, zero_page, PAGE_BITS, PAGE_SIZE};
pub use bootinfo::{BootInfo, SlotRegion, UntypedDesc};
pub use cap::*;
pub use debug::{debug_put_char, debug_write_str, DebugWriter};
pub use entry::spawn_thread_entry;
pub use error::{Error, Result};
pub use fault::{Fault, VmFault};
pub use invocations::{cnode_guard_data, CapRights, UserContext, VmAttributes};
pub use ipc_buffer::{clear_receive_path, get_mr, set_cap, set_mr, set_receive_path, get_badge_or_cap};
pub use mapping::map_frame_with;
pub use message_info::MessageInfo;
pub use object_size::object_size_bits;
pub use raw_mem::{give_heap_area, grow_heap_with, heap_free_bytes, HEAP_GROWTH, take_heap_area, copy_from_addr, copy_to_addr, fill_addr, read_u64_at, write_u64_at, slice_at, slice_at_mut};
pub use syscalls::*;
