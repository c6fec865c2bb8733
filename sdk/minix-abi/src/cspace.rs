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
/// Send cap to the block driver, badged (FS, and init for its tests).
pub const BLK_EP: u64 = 12;
/// Free slot used to receive a cap in a message.
pub const RECV_SLOT: u64 = 13;
/// Send cap to the timer driver, badged (every user process: sleeping
/// and setting the clock).
pub const TIMER_EP: u64 = 14;
/// VM: the shared clock page's frame, read-only (VM maps it into every
/// user process; the timer driver, its one writer, has it mapped
/// read-write by the root task and holds no cap to it).
pub const CLOCK_FRAME: u64 = 31;
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
    /// Pages from [`IPC_BUFFER`] the root task maps for a server and VM
    /// keeps its mmap out of: the IPC buffers of its threads (the first
    /// thread's, then its workers', see [`super::vfs::worker_ipc_buffer`])
    /// in the first 16, and the block driver's DMA area
    /// ([`super::blk::DMA_BASE`]) after them.
    pub const SERVER_IPC_AREA_PAGES: u64 = 64;
    /// The shared clock page (`minix_abi::clock`): read-only in every user
    /// process, the page after the IPC buffer, pinned with it so that no
    /// mmap or munmap of the process's own can move it. The timer driver
    /// maps it read-write at the same address, inside its server area.
    pub const CLOCK_PAGE: u64 = IPC_BUFFER + 4096;
    /// Where the root task maps the clock page read-only for the servers
    /// that read the time themselves (VFS, for `poll`'s timeouts; FS, for
    /// the times it stamps on inodes): the
    /// last page of the IPC buffers' part of the server area, since
    /// [`CLOCK_PAGE`] holds a VFS worker's IPC buffer there.
    pub const SERVER_CLOCK_PAGE: u64 = IPC_BUFFER + 15 * 4096;
}

/// VFS's extra slots: the worker threads the root task makes for it (not
/// started; VFS starts each by writing its registers) and notifications
/// for its workers to wait on.
pub mod vfs {
    use super::addr;

    /// First worker TCB; worker `i` is at `WORKER_TCB_BASE + i`.
    pub const WORKER_TCB_BASE: u64 = 16;
    /// How many worker threads VFS gets: three more serving its
    /// endpoint, its alarm thread and its pager (see `vfs-server`).
    pub const WORKERS: u64 = 5;
    /// First notification; notification `j` is at `NTFN_BASE + j`.
    pub const NTFN_BASE: u64 = 32;
    /// How many notifications VFS gets.
    pub const NTFNS: u64 = 24;
    /// The notification the timer driver signals when VFS's alarm is due
    /// (`poll` timeouts); VFS's alarm thread waits on it. The driver holds
    /// a copy at [`super::timer::VFS_ALARM`].
    pub const ALARM_NTFN: u64 = 58;

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
    const _: () = assert!(worker_ipc_buffer(WORKERS) <= addr::SERVER_CLOCK_PAGE);
    const _: () = assert!(ALARM_NTFN >= NTFN_BASE + NTFNS && ALARM_NTFN < super::UNTYPED_BASE);
}

/// The block driver's extra slots: its device, given by the root task
/// only when the PCI scan found one (see `drivers/virtio-blk`).
pub mod blk {
    use super::addr;

    /// An I/O port cap for exactly the device's BAR0 port range.
    pub const IO_PORT: u64 = 24;
    /// The handler cap of the device's interrupt (IOAPIC pin).
    pub const IRQ_HANDLER: u64 = 25;
    /// The notification the interrupt signals, which the driver waits on.
    pub const IRQ_NTFN: u64 = 26;
    /// First of the DMA frames' caps (page `i` at `DMA_FRAME_BASE + i`),
    /// for their physical addresses.
    pub const DMA_FRAME_BASE: u64 = 192;
    /// Pages of DMA memory: the virtqueue, a header page, 64 KiB of data.
    pub const DMA_PAGES: u64 = RING_PAGES + 1 + 16;
    /// Pages the virtqueue may take (a queue of up to 1024 entries).
    pub const RING_PAGES: u64 = 8;
    /// Where the DMA frames are mapped: inside the server area, after the
    /// IPC buffers.
    pub const DMA_BASE: u64 = addr::IPC_BUFFER + 16 * 4096;

    const _: () = assert!(DMA_BASE + DMA_PAGES * 4096 <= addr::IPC_BUFFER + addr::SERVER_IPC_AREA_PAGES * 4096);
    // Clear of every other process's numbered slots, so that one slot
    // means one thing across the system: VFS's workers and notifications
    // (16..56), VM's untyped caps (64 on, at most 128 of them).
    const _: () = assert!(IO_PORT >= super::vfs::WORKER_TCB_BASE + super::vfs::WORKERS && IRQ_NTFN < super::vfs::NTFN_BASE);
    const _: () = assert!(DMA_FRAME_BASE >= super::UNTYPED_BASE + 128 && DMA_FRAME_BASE + DMA_PAGES <= super::FIRST_FREE);
    const _: () = assert!(super::vfs::worker_ipc_buffer(super::vfs::WORKERS) <= DMA_BASE);
}

/// The timer driver's extra slots: the PIT's and the CMOS clock's ports,
/// the PIT's interrupt and the notification it signals (see
/// `drivers/timer`), and the clock page ([`CLOCK_FRAME`]).
pub mod timer {
    /// An I/O port cap for the PIT's ports 0x40-0x43 only.
    pub const PIT_PORTS: u64 = 27;
    /// An I/O port cap for the CMOS clock's ports 0x70-0x71 only.
    pub const CMOS_PORTS: u64 = 28;
    /// The handler cap of the PIT's interrupt (IOAPIC pin 2).
    pub const IRQ_HANDLER: u64 = 29;
    /// The notification the interrupt signals, bound to the driver's
    /// thread, so that it arrives through the driver's endpoint with
    /// [`IRQ_BADGE`].
    pub const IRQ_NTFN: u64 = 30;
    /// The badge the interrupt's signal carries: generation 0, so no
    /// endpoint badge can equal it.
    pub const IRQ_BADGE: u64 = 1 << 11;
    /// First of the slots the driver saves sleepers' reply caps in, one
    /// per process-table slot.
    pub const REPLY_BASE: u64 = super::FIRST_FREE;
    /// How many sleepers the driver can hold: one per endpoint slot PM
    /// hands out, its process table's and its threads' (a thread sleeps
    /// in at most one call at a time).
    pub const SLEEPERS: usize = 512;
    /// The notifications the driver signals when an alarm client's
    /// deadline comes (`minix_abi::timer::ALARM`): client `i`'s at
    /// `ALARM_NTFN_BASE + i`, in the order of `timer::ALARM_CLIENTS`.
    pub const ALARM_NTFN_BASE: u64 = 56;
    /// PM's: a copy of the notification bound to PM's thread, badged
    /// [`ALARM_BADGE`], so that PM's receive returns with that badge.
    pub const PM_ALARM: u64 = ALARM_NTFN_BASE;
    /// VFS's: its alarm thread's notification ([`super::vfs::ALARM_NTFN`]).
    pub const VFS_ALARM: u64 = ALARM_NTFN_BASE + 1;
    /// The badge on the alarm notifications' copies the driver signals:
    /// generation 0, so no endpoint badge can equal it, and a bit apart
    /// from VM's event badge on PM's notification (0x800), so that PM
    /// tells the two apart even when both arrive in one receive.
    pub const ALARM_BADGE: u64 = 1 << 10;

    const _: () = assert!(PIT_PORTS > super::blk::IRQ_NTFN && IRQ_NTFN < super::CLOCK_FRAME && super::CLOCK_FRAME < super::vfs::NTFN_BASE);
    const _: () = assert!(REPLY_BASE + SLEEPERS as u64 <= 1 << super::SERVER_CNODE_BITS);
    const _: () = assert!(ALARM_NTFN_BASE >= super::vfs::NTFN_BASE + super::vfs::NTFNS);
    const _: () = assert!(VFS_ALARM < super::vfs::ALARM_NTFN && super::vfs::ALARM_NTFN < super::UNTYPED_BASE);
    const _: () = assert!(crate::timer::ALARM_CLIENTS.len() as u64 == VFS_ALARM - ALARM_NTFN_BASE + 1);
}
