// SPDX-License-Identifier: BSD-2-Clause
//! What a user may make VFS keep, and how much of it.
//!
//! Every table VFS keeps grows only through a user's calls, so each has a
//! limit, and reaching it is an errno for the caller, never an allocation
//! failure in VFS. With every limit reached at once VFS's memory is
//! bounded (about 10 MiB, see docs/ARCHITECTURE.md "User-growable
//! resources"), and VFS's heap grows from VM towards that before it
//! handles each message. Should VM have no memory to give, VFS refuses
//! the calls that would keep more ([`grows_state`]) with `ENOMEM` while
//! its heap is below a reserve, and goes on serving the rest.
//!
//! The numbers are fields of [`Limits`] so host tests can reach each
//! limit with a handful of objects; the system uses [`Limits::SYSTEM`].

use minix_abi::vfs::Request;

/// The limits one VFS enforces.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open-file descriptions in the whole system (`ENFILE`).
    pub filps: usize,
    /// Vnodes (files VFS keeps: open, mapped, working directories). An
    /// open that would keep one more file past this gets `ENFILE`. A
    /// working directory is not refused (chdir has no such errno), so the
    /// table may exceed this by at most one per process.
    pub vnodes: usize,
    /// Files one process may keep alive by mapping them (`EMFILE` from
    /// mmap, POSIX's "too many mapped regions"): a mapping outlives its
    /// descriptor, so this is the share of [`Limits::vnodes`] one
    /// process can take that closing descriptors does not bound.
    pub mapped_files: usize,
    /// Pipes in the whole system (`ENFILE` from pipe).
    pub pipes: usize,
    /// Bytes of pipe buffers beyond each pipe's first
    /// [`crate::pipe::PIPE_STEP`], shared by all pipes. When it is used
    /// up, every pipe still holds one step: writers wait for their own
    /// readers sooner, and nobody gets an error.
    pub pipe_pool: usize,
}

impl Limits {
    /// The system's limits.
    pub const SYSTEM: Limits = Limits {
        filps: 4096,
        // Every filp naming a different file, and as many files again
        // kept by mappings.
        vnodes: 8192,
        // Far more files than a program maps, 1/32 of the vnodes.
        mapped_files: 256,
        // Two filps each: pipes alone take at most half the filps and
        // leave the other half to files.
        pipes: 1024,
        pipe_pool: 4 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::SYSTEM
    }
}

/// Free heap VFS makes sure of before it handles each message, growing
/// from VM: far more than one call allocates (a pipe's 32 KiB, a path,
/// a table doubling), for each of VFS's five threads at once.
pub const HEAP_LOW_WATER: usize = 2 << 20;
/// Bytes VFS asks VM for per growth step. The buddy allocator never
/// merges memory added in separate steps, so a step must hold the largest
/// block VFS allocates (the filp or pipe table doubling, under 512 KiB)
/// at whatever page alignment VM's mapping has.
pub const HEAP_STEP: u64 = 2 << 20;
/// The reserve: while the free heap is below this and VM gives no more,
/// calls that would keep more get `ENOMEM` ([`grows_state`]); the rest,
/// PM's notices among them, are served from it.
pub const HEAP_RESERVE: usize = 512 << 10;

/// Whether a request may make VFS keep another object once it is
/// answered (a filp, a vnode, a pipe, a hold for VM): these are refused
/// with `ENOMEM` while VFS's heap is low and VM has nothing more to give.
/// A poll that must wait keeps a record of what it waits for (bounded
/// by the processes and their descriptors), so it is refused too.
/// A pipe write that needs a bigger buffer is refused the same way in
/// [`crate::tables::State::pipe_reserve`]. Everything else (reads,
/// closes, PM's notices, which only replace or free what VFS holds) is
/// served as ever.
pub fn grows_state(req: &Request) -> bool {
    use Request as Q;
    matches!(req, Q::Open { .. } | Q::Pipe { .. } | Q::Mmap { .. } | Q::Chdir { .. } | Q::Fchdir { .. } | Q::Poll { .. })
}
