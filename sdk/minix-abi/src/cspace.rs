// SPDX-License-Identifier: BSD-2-Clause
//! The CSpace layout every process starts with. The root task builds each
//! process's CNode with these slots; the process finds its caps here. A
//! process gets only the caps in this table that its role needs (see
//! docs/ARCHITECTURE.md for who holds what).

/// Own TCB (servers only).
pub const SELF_TCB: u64 = 1;
/// Own root CNode (servers only).
pub const SELF_CNODE: u64 = 2;
/// Own VSpace (servers only).
pub const SELF_VSPACE: u64 = 3;
/// Send cap to PM, badged with the holder's endpoint.
pub const PM_EP: u64 = 4;
/// Send cap to VM's request endpoint, badged.
pub const VM_EP: u64 = 5;
/// Send cap to VFS, badged.
pub const VFS_EP: u64 = 6;
/// Send cap to FS, badged (VFS only).
pub const FS_EP: u64 = 7;
/// The server's own receive endpoint (servers only).
pub const SERVICE_EP: u64 = 8;
/// The fault endpoint the kernel uses for this process's threads.
pub const FAULT_EP: u64 = 9;
/// VM: the ASID pool for new address spaces.
pub const ASID_POOL: u64 = 10;
/// VM: signal cap to PM's notification (process-killed events).
pub const PM_NOTIFY: u64 = 11;
/// Free slot used to receive a cap in a message.
pub const RECV_SLOT: u64 = 13;
/// VM: first of its untyped caps; count in the start-up word.
pub const UNTYPED_BASE: u64 = 64;
/// First free slot a server may allocate from.
pub const FIRST_FREE: u64 = 1024;

/// CNode size (radix bits) of a user process.
pub const USER_CNODE_BITS: u64 = 5;
/// CNode size (radix bits) of a server; VM gets [`VM_CNODE_BITS`].
pub const SERVER_CNODE_BITS: u64 = 12;
/// VM holds two caps per frame of RAM (the master, mapped in its window,
/// and the one a process maps), plus one per extra mapping of a shared
/// frame and its paging structures: 2^18 slots cover every frame of a
/// 512 MiB machine twice with room to spare.
pub const VM_CNODE_BITS: u64 = 18;

/// Fixed user-space addresses the starter sets up.
pub mod addr {
    /// The IPC buffer of a process's first thread.
    pub const IPC_BUFFER: u64 = 0x7000_0000;
    /// Pages from [`IPC_BUFFER`] a server keeps for the IPC buffers of its
    /// threads: the first thread's, then its workers' (see
    /// [`super::vfs::worker_ipc_buffer`]). VM keeps its mmap out of them.
    pub const SERVER_IPC_AREA_PAGES: u64 = 16;
}

/// VFS's extra slots: the worker threads the root task makes for it (not
/// started; VFS starts each by writing its registers) and notifications
/// for its workers to wait on.
pub mod vfs {
    use super::addr;

    /// First worker TCB; worker `i` is at `WORKER_TCB_BASE + i`.
    pub const WORKER_TCB_BASE: u64 = 16;
    /// How many worker threads VFS gets.
    pub const WORKERS: u64 = 4;
    /// First notification; notification `j` is at `NTFN_BASE + j`.
    pub const NTFN_BASE: u64 = 32;
    /// How many notifications VFS gets.
    pub const NTFNS: u64 = 24;

    /// Where worker `i`'s IPC buffer is mapped: the pages after the first
    /// thread's, inside the server IPC area.
    pub const fn worker_ipc_buffer(i: u64) -> u64 {
        addr::IPC_BUFFER + (1 + i) * 4096
    }

    // The ranges stay clear of each other, of the fixed slots below them
    // and of VM's untyped range, and every worker's buffer lies inside the
    // area VM keeps free.
    const _: () = assert!(super::RECV_SLOT < WORKER_TCB_BASE && WORKER_TCB_BASE + WORKERS <= NTFN_BASE);
    const _: () = assert!(NTFN_BASE + NTFNS <= super::UNTYPED_BASE);
    const _: () = assert!(worker_ipc_buffer(WORKERS) <= addr::IPC_BUFFER + addr::SERVER_IPC_AREA_PAGES * 4096);
}
