// SPDX-License-Identifier: BSD-2-Clause
//! The system's processes, their scheduling priorities, and who calls whom.
//!
//! seL4 5.0 (without MCS) takes the IPC fastpath for `Call` only when the
//! callee's priority is at least the caller's, and for `ReplyRecv` only when
//! the caller being answered has at least the replier's priority
//! (`src/fastpath/fastpath.c`). Both hold for a call and its reply exactly
//! when the two threads have the same priority. A slowpath round trip costs
//! about twice the fastpath one, so every process on a hot path runs at
//! [`SYSTEM_PRIO`]: PM, VM, VFS, FS and all user processes. Priority then no
//! longer orders servers above users; seL4's round-robin among equals and
//! the fact that servers block in `Recv` whenever they are idle keep the
//! system responsive, as they did in MINIX for servers at user priority.
//!
//! The root task sets every priority from this table; a host test checks
//! the fastpath rule over [`CALLS`].
//!
//! [`caps`] lists the capabilities each kind of process starts with: the
//! root task gives a server its caps (`root-task/src/boot.rs`) and PM a
//! user process its caps (`root-task/src/pm.rs`) by walking this table, and
//! the capability table in `docs/ARCHITECTURE.md` is checked against
//! [`render_cap_table`] by a host test.
//!
//! Users' endpoint caps carry GRANT. In seL4 5.0 a `Call` through a cap
//! without GRANT leaves the caller inactive with no reply cap
//! (`sendIPC` in `src/object/endpoint.c`), so GRANT cannot be withheld from
//! anyone who calls; instead every receiver drops caps it did not ask for
//! (see "Caps that arrive uninvited" in the architecture document).
use crate::endpoint::{Endpoint, BLK, FS, PM, TIMER, VFS, VM};

/// The one priority of every process on a hot path.
pub const SYSTEM_PRIO: u8 = 100;

/// A kind of process in the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Pm,
    Vm,
    Vfs,
    Fs,
    /// The block driver.
    Blk,
    /// The timer driver: sleeps, and the clock page's writer.
    Timer,
    /// init and every process forked from it.
    User,
    /// Root-task benchmark threads (echo, fault toucher): they stand in for
    /// a server and a user, so they must sit at the same priority.
    Bench,
}

#[derive(Clone, Copy, Debug)]
pub struct Process {
    pub role: Role,
    pub name: &'static str,
    /// Fixed endpoint, for servers.
    pub endpoint: Option<Endpoint>,
    pub priority: u8,
}

pub const PROCESSES: &[Process] = &[
    Process { role: Role::Pm, name: "pm", endpoint: Some(PM), priority: SYSTEM_PRIO },
    Process { role: Role::Vm, name: "vm", endpoint: Some(VM), priority: SYSTEM_PRIO },
    Process { role: Role::Vfs, name: "vfs", endpoint: Some(VFS), priority: SYSTEM_PRIO },
    Process { role: Role::Fs, name: "fs", endpoint: Some(FS), priority: SYSTEM_PRIO },
    Process { role: Role::Blk, name: "blk", endpoint: Some(BLK), priority: SYSTEM_PRIO },
    Process { role: Role::Timer, name: "timer", endpoint: Some(TIMER), priority: SYSTEM_PRIO },
    Process { role: Role::User, name: "user", endpoint: None, priority: SYSTEM_PRIO },
    Process { role: Role::Bench, name: "bench", endpoint: None, priority: SYSTEM_PRIO },
];

/// Whether a call is made on a hot path (every request of a running
/// program) or only at boot, fork, exit and such, where it may carry caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    Hot,
    Cold,
}

/// Every (caller, callee) pair of the system and how hot it is.
pub const CALLS: &[(Role, Role, Path)] = &[
    (Role::User, Role::Pm, Path::Hot),
    (Role::User, Role::Vm, Path::Hot),
    (Role::User, Role::Vfs, Path::Hot),
    (Role::Vfs, Role::Fs, Path::Hot),
    (Role::Vfs, Role::Vm, Path::Hot),
    (Role::Fs, Role::Vm, Path::Hot),
    // FS will read and write its disk through the block driver, which
    // copies through FS's grants with VM's safecopy.
    (Role::Fs, Role::Blk, Path::Hot),
    (Role::Blk, Role::Vm, Path::Hot),
    (Role::User, Role::Bench, Path::Hot),
    // nanosleep and clock_settime (reading the clock takes no message).
    (Role::User, Role::Timer, Path::Hot),
    // Alarms: PM's alarm and setitimer, VFS's poll timeouts. Answered at
    // once, and made only when a deadline changes.
    (Role::Pm, Role::Timer, Path::Cold),
    (Role::Vfs, Role::Timer, Path::Cold),
    // PM's calls to VM carry caps (SPAWN, FORK, ADOPT): never fastpath,
    // and kept off every hot path.
    (Role::Pm, Role::Vm, Path::Cold),
    // PM's fork and exit notices: no caps, so they take the fastpath, but
    // they come only with a fork or an exit.
    (Role::Pm, Role::Vfs, Path::Cold),
    (Role::Pm, Role::Fs, Path::Cold),
    (Role::Vm, Role::Pm, Path::Cold),
    (Role::Vfs, Role::Pm, Path::Cold),
    (Role::Fs, Role::Pm, Path::Cold),
    (Role::Blk, Role::Pm, Path::Cold),
    (Role::Timer, Role::Pm, Path::Cold),
    // init's tests of the block driver (only init holds the cap).
    (Role::User, Role::Blk, Path::Cold),
];

/// The rights a cap is given with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rights {
    /// Write and grant: enough to Call (and, in seL4 5.0, needed for it).
    Send,
    /// Write only: enough to signal a notification.
    Write,
    /// Read only: a frame that can be mapped read-only and no other way.
    Read,
    /// Read, write and grant.
    All,
}

/// Who handles a process's faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultHandler {
    /// VM pages user processes.
    Vm,
    /// Servers are fully mapped at boot: their faults are bugs, which the
    /// root task's fault reporter prints before stopping the system.
    Reporter,
}

/// What one CNode slot of a process holds at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapKind {
    SelfTcb,
    /// The guarded CNode cap, so a slot number used as a CPtr resolves.
    SelfCnode,
    SelfVspace,
    /// A cap to `Role`'s request endpoint, badged with the holder's
    /// endpoint number.
    Call(Role),
    /// The server's own request endpoint, unbadged.
    Service,
    /// The fault endpoint, badged with the holder's endpoint and the fault
    /// flag.
    Faults(FaultHandler),
    /// The initial ASID pool (VM makes address spaces).
    AsidPool,
    /// PM's notification, badged `VM_EVENT_BADGE` (VM reports kills).
    PmNotify,
    /// A thread of the process's own, made like its first one (same
    /// CNode, VSpace, fault endpoint and priority) but not started; the
    /// `i`th of a range has its IPC buffer at
    /// [`cs::vfs::worker_ipc_buffer`]`(i)`. The process starts it by
    /// writing its registers.
    WorkerTcb,
    /// A new notification of the process's own.
    Notification,
    /// An I/O port cap for exactly the ports of the device the root task
    /// found for the process (the block driver's BAR0).
    DevicePorts,
    /// The handler of that device's interrupt.
    DeviceIrq,
    /// A new notification the device's interrupt signals.
    IrqNotification,
    /// Frames mapped at `cs::blk::DMA_BASE` + 4 KiB × *i*, whose physical
    /// addresses the device is given (the DMA area).
    DmaFrame,
    /// An I/O port cap for the PIT's ports (0x40-0x43) only.
    PitPorts,
    /// An I/O port cap for the CMOS clock's ports (0x70-0x71) only.
    CmosPorts,
    /// The handler of the PIT's interrupt (IOAPIC pin 2, edge).
    PitIrq,
    /// A new notification the PIT's interrupt signals (with
    /// `cs::timer::IRQ_BADGE`), for the driver to bind to its thread.
    PitIrqNotification,
    /// The shared clock page's frame, which VM maps read-only into every
    /// user process (the root task maps it read-write into the timer
    /// driver at `cs::addr::CLOCK_PAGE`).
    ClockFrame,
    /// A new notification of the process's own that the timer driver
    /// signals when the process's alarm is due (VFS's alarm thread waits
    /// on it).
    AlarmNotification,
    /// A copy of `Role`'s alarm notification, badged
    /// `cs::timer::ALARM_BADGE`, for the timer driver to signal: PM's is
    /// the notification bound to PM's thread, VFS's its
    /// [`CapKind::AlarmNotification`].
    AlarmSignal(Role),
}

/// What a range of slots holds at start: `count` caps of `kind`, from
/// `slot` on, each naming an object of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    pub slot: u64,
    pub count: u64,
    pub kind: CapKind,
    pub rights: Rights,
}

impl Cap {
    /// The slots this entry fills.
    pub const fn slots(&self) -> core::ops::Range<u64> {
        self.slot..self.slot + self.count
    }
}

const fn cap(slot: u64, kind: CapKind, rights: Rights) -> Cap {
    Cap { slot, count: 1, kind, rights }
}

const fn cap_range(slot: u64, count: u64, kind: CapKind, rights: Rights) -> Cap {
    Cap { slot, count, kind, rights }
}

use crate::cspace as cs;

const SELF: [Cap; 3] = [
    cap(cs::SELF_TCB, CapKind::SelfTcb, Rights::All),
    cap(cs::SELF_CNODE, CapKind::SelfCnode, Rights::All),
    cap(cs::SELF_VSPACE, CapKind::SelfVspace, Rights::All),
];

const VM_CAPS: &[Cap] = &[
    SELF[0],
    SELF[1],
    SELF[2],
    cap(cs::PM_EP, CapKind::Call(Role::Pm), Rights::Send),
    cap(cs::SERVICE_EP, CapKind::Service, Rights::All),
    cap(cs::FAULT_EP, CapKind::Faults(FaultHandler::Reporter), Rights::Send),
    cap(cs::ASID_POOL, CapKind::AsidPool, Rights::All),
    cap(cs::PM_NOTIFY, CapKind::PmNotify, Rights::Write),
    // Read-only: VM maps the clock page into every process, never writably.
    cap(cs::CLOCK_FRAME, CapKind::ClockFrame, Rights::Read),
];

const VFS_CAPS: &[Cap] = &[
    SELF[0],
    SELF[1],
    SELF[2],
    cap(cs::PM_EP, CapKind::Call(Role::Pm), Rights::Send),
    cap(cs::VM_EP, CapKind::Call(Role::Vm), Rights::Send),
    cap(cs::FS_EP, CapKind::Call(Role::Fs), Rights::Send),
    cap(cs::SERVICE_EP, CapKind::Service, Rights::All),
    cap(cs::FAULT_EP, CapKind::Faults(FaultHandler::Reporter), Rights::Send),
    cap_range(cs::vfs::WORKER_TCB_BASE, cs::vfs::WORKERS, CapKind::WorkerTcb, Rights::All),
    cap_range(cs::vfs::NTFN_BASE, cs::vfs::NTFNS, CapKind::Notification, Rights::All),
    // poll's timeouts: VFS asks the driver for an alarm and its alarm
    // thread waits for the driver's signal.
    cap(cs::TIMER_EP, CapKind::Call(Role::Timer), Rights::Send),
    cap(cs::vfs::ALARM_NTFN, CapKind::AlarmNotification, Rights::All),
];

const FS_CAPS: &[Cap] = &[
    SELF[0],
    SELF[1],
    SELF[2],
    cap(cs::PM_EP, CapKind::Call(Role::Pm), Rights::Send),
    cap(cs::VM_EP, CapKind::Call(Role::Vm), Rights::Send),
    cap(cs::BLK_EP, CapKind::Call(Role::Blk), Rights::Send),
    cap(cs::SERVICE_EP, CapKind::Service, Rights::All),
    cap(cs::FAULT_EP, CapKind::Faults(FaultHandler::Reporter), Rights::Send),
];

/// The block driver: like FS, plus its device. The device caps are given
/// only when the root task's PCI scan found a disk; without one their
/// slots stay empty and the driver answers `ENXIO`.
const BLK_CAPS: &[Cap] = &[
    SELF[0],
    SELF[1],
    SELF[2],
    cap(cs::PM_EP, CapKind::Call(Role::Pm), Rights::Send),
    cap(cs::VM_EP, CapKind::Call(Role::Vm), Rights::Send),
    cap(cs::SERVICE_EP, CapKind::Service, Rights::All),
    cap(cs::FAULT_EP, CapKind::Faults(FaultHandler::Reporter), Rights::Send),
    cap(cs::blk::IO_PORT, CapKind::DevicePorts, Rights::All),
    cap(cs::blk::IRQ_HANDLER, CapKind::DeviceIrq, Rights::All),
    cap(cs::blk::IRQ_NTFN, CapKind::IrqNotification, Rights::All),
    cap_range(cs::blk::DMA_FRAME_BASE, cs::blk::DMA_PAGES, CapKind::DmaFrame, Rights::All),
];

/// The timer driver: its own caps, PM (to report ready), its devices
/// (the PIT and the CMOS clock's ports, the PIT's interrupt) and the
/// alarm clients' notifications, which it only signals. The root task
/// maps the clock page read-write into it at `cs::addr::CLOCK_PAGE`; it
/// holds no cap to the frame. It calls nobody else: it never copies, and
/// never maps memory.
const TIMER_CAPS: &[Cap] = &[
    SELF[0],
    SELF[1],
    SELF[2],
    cap(cs::PM_EP, CapKind::Call(Role::Pm), Rights::Send),
    cap(cs::SERVICE_EP, CapKind::Service, Rights::All),
    cap(cs::FAULT_EP, CapKind::Faults(FaultHandler::Reporter), Rights::Send),
    cap(cs::timer::PIT_PORTS, CapKind::PitPorts, Rights::All),
    cap(cs::timer::CMOS_PORTS, CapKind::CmosPorts, Rights::All),
    cap(cs::timer::IRQ_HANDLER, CapKind::PitIrq, Rights::All),
    cap(cs::timer::IRQ_NTFN, CapKind::PitIrqNotification, Rights::All),
    // Signal only: the driver tells an alarm client its deadline came.
    cap(cs::timer::PM_ALARM, CapKind::AlarmSignal(Role::Pm), Rights::Write),
    cap(cs::timer::VFS_ALARM, CapKind::AlarmSignal(Role::Vfs), Rights::Write),
];

/// What init holds beyond every user's caps: the block driver's
/// endpoint, for the in-guest tests of the driver (init alone; PM gives
/// it to no other process).
const INIT_EXTRA_CAPS: &[Cap] = &[cap(cs::BLK_EP, CapKind::Call(Role::Blk), Rights::Send)];

/// The caps PM gives init on top of [`caps`]`(Role::User)`.
pub const fn init_extra_caps() -> &'static [Cap] {
    INIT_EXTRA_CAPS
}

const USER_CAPS: &[Cap] = &[
    cap(cs::PM_EP, CapKind::Call(Role::Pm), Rights::Send),
    cap(cs::VM_EP, CapKind::Call(Role::Vm), Rights::Send),
    cap(cs::VFS_EP, CapKind::Call(Role::Vfs), Rights::Send),
    cap(cs::FAULT_EP, CapKind::Faults(FaultHandler::Vm), Rights::Send),
    cap(cs::TIMER_EP, CapKind::Call(Role::Timer), Rights::Send),
];

/// The caps a process of `role` starts with. PM (the root task) keeps its
/// whole initial CSpace and the original endpoints; bench threads live in
/// it.
pub const fn caps(role: Role) -> &'static [Cap] {
    match role {
        Role::Vm => VM_CAPS,
        Role::Vfs => VFS_CAPS,
        Role::Fs => FS_CAPS,
        Role::Blk => BLK_CAPS,
        Role::Timer => TIMER_CAPS,
        Role::User => USER_CAPS,
        Role::Pm | Role::Bench => &[],
    }
}

/// The CNode size (radix bits) of a process of `role`.
pub const fn cnode_bits(role: Role) -> u64 {
    match role {
        Role::Vm => cs::VM_CNODE_BITS,
        Role::Vfs | Role::Fs | Role::Blk | Role::Timer => cs::SERVER_CNODE_BITS,
        Role::User => cs::USER_CNODE_BITS,
        Role::Pm | Role::Bench => 0,
    }
}

/// The capability table of `docs/ARCHITECTURE.md`, rendered from
/// [`caps`]: one row per slot or range of slots any process uses, one
/// column per kind of process. A range shows as `first–last`, its name
/// as the first slot's constant plus *i*.
#[cfg(test)]
pub fn render_cap_table() -> std::string::String {
    use std::fmt::Write;
    let cols = [Role::Vm, Role::Vfs, Role::Fs, Role::Blk, Role::Timer, Role::User];
    let mut slots: std::vec::Vec<(u64, u64)> = std::vec::Vec::new();
    for r in cols {
        for c in caps(r) {
            if !slots.iter().any(|(s, _)| *s == c.slot) {
                slots.push((c.slot, c.count));
            }
        }
    }
    slots.sort();
    let mut out = std::string::String::from(
        "| slot | name | VM | VFS | FS | BLK | TIMER | init / user processes |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (slot, count) in slots {
        if count == 1 {
            let _ = write!(out, "| {} | `{}` |", slot, slot_name(slot));
        } else {
            let _ = write!(out, "| {}–{} | `{}` + *i* |", slot, slot + count - 1, slot_name(slot));
        }
        for r in cols {
            let cell = caps(r).iter().find(|c| c.slot == slot).map_or(std::string::String::from("–"), describe);
            let _ = write!(out, " {} |", cell);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
fn slot_name(slot: u64) -> &'static str {
    match slot {
        cs::SELF_TCB => "SELF_TCB",
        cs::SELF_CNODE => "SELF_CNODE",
        cs::SELF_VSPACE => "SELF_VSPACE",
        cs::PM_EP => "PM_EP",
        cs::VM_EP => "VM_EP",
        cs::VFS_EP => "VFS_EP",
        cs::FS_EP => "FS_EP",
        cs::SERVICE_EP => "SERVICE_EP",
        cs::FAULT_EP => "FAULT_EP",
        cs::ASID_POOL => "ASID_POOL",
        cs::PM_NOTIFY => "PM_NOTIFY",
        cs::BLK_EP => "BLK_EP",
        cs::TIMER_EP => "TIMER_EP",
        cs::CLOCK_FRAME => "CLOCK_FRAME",
        cs::timer::PM_ALARM => "timer::PM_ALARM",
        cs::timer::VFS_ALARM => "timer::VFS_ALARM",
        cs::vfs::ALARM_NTFN => "vfs::ALARM_NTFN",
        cs::timer::PIT_PORTS => "timer::PIT_PORTS",
        cs::timer::CMOS_PORTS => "timer::CMOS_PORTS",
        cs::timer::IRQ_HANDLER => "timer::IRQ_HANDLER",
        cs::timer::IRQ_NTFN => "timer::IRQ_NTFN",
        cs::blk::IO_PORT => "blk::IO_PORT",
        cs::blk::IRQ_HANDLER => "blk::IRQ_HANDLER",
        cs::blk::IRQ_NTFN => "blk::IRQ_NTFN",
        cs::vfs::WORKER_TCB_BASE => "vfs::WORKER_TCB_BASE",
        cs::vfs::NTFN_BASE => "vfs::NTFN_BASE",
        cs::blk::DMA_FRAME_BASE => "blk::DMA_FRAME_BASE",
        _ => "?",
    }
}

#[cfg(test)]
fn describe(c: &Cap) -> std::string::String {
    let rights = match c.rights {
        Rights::Send => "SEND",
        Rights::Write => "WRITE",
        Rights::All => "ALL",
        Rights::Read => "READ",
    };
    let name = |r: Role| PROCESSES.iter().find(|p| p.role == r).map_or("?", |p| p.name).to_uppercase();
    match c.kind {
        CapKind::SelfTcb => std::format!("own TCB, {}", rights),
        CapKind::SelfCnode => std::format!("own CNode (guarded), {}", rights),
        CapKind::SelfVspace => std::format!("own PML4, {}", rights),
        CapKind::Call(r) => std::format!("{} ep, {}, badge *own*", name(r), rights),
        CapKind::Service => std::format!("own ep, unbadged, {}", rights),
        CapKind::Faults(FaultHandler::Vm) => std::format!("**VM** ep, {}, badge *own*\\|F", rights),
        CapKind::Faults(FaultHandler::Reporter) => std::format!("**fault reporter** ep, {}, badge *own*\\|F", rights),
        CapKind::AsidPool => std::format!("initial ASID pool, {}", rights),
        CapKind::PmNotify => std::format!("PM's notification, {}, badge `VM_EVENT_BADGE` (0x800)", rights),
        CapKind::WorkerTcb => std::format!("TCB of worker *i*, not started, {}", rights),
        CapKind::Notification => std::format!("notification *i*, {}", rights),
        CapKind::DevicePorts => std::format!("its disk's I/O ports (BAR0 range), {}", rights),
        CapKind::DeviceIrq => std::format!("its disk's IRQ handler, {}", rights),
        CapKind::IrqNotification => std::format!("notification the IRQ signals, {}", rights),
        CapKind::DmaFrame => std::format!("DMA frame *i*, mapped at `blk::DMA_BASE` + 4 KiB × *i*, {}", rights),
        CapKind::PitPorts => std::format!("the PIT's I/O ports 0x40–0x43, {}", rights),
        CapKind::CmosPorts => std::format!("the CMOS clock's I/O ports 0x70–0x71, {}", rights),
        CapKind::PitIrq => std::format!("the PIT's IRQ handler (IOAPIC pin 2), {}", rights),
        CapKind::PitIrqNotification => std::format!("notification the PIT's IRQ signals (badge `timer::IRQ_BADGE`), {}", rights),
        CapKind::ClockFrame => std::format!("the clock page's frame, {}", rights),
        CapKind::AlarmNotification => std::format!("notification the timer signals for its alarm, {}", rights),
        CapKind::AlarmSignal(r) => std::format!("{}'s alarm notification, {}, badge `timer::ALARM_BADGE` (0x400)", name(r), rights),
    }
}

/// The priority of a role.
pub fn priority(role: Role) -> u8 {
    PROCESSES.iter().find(|p| p.role == role).map(|p| p.priority).unwrap_or(0)
}

/// seL4 5.0's fastpath conditions for a Call from `caller` to `callee` and
/// the ReplyRecv that answers it.
pub const fn fastpath_both_ways(caller: u8, callee: u8) -> bool {
    let call = callee >= caller;
    let reply = caller >= callee;
    call && reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_takes_the_fastpath_both_ways() {
        for &(a, b, _) in CALLS {
            assert!(fastpath_both_ways(priority(a), priority(b)), "{:?} -> {:?} leaves the fastpath", a, b);
        }
    }

    #[test]
    fn every_role_has_one_entry() {
        for p in PROCESSES {
            assert_eq!(PROCESSES.iter().filter(|q| q.role == p.role).count(), 1);
            assert!(p.priority > 0);
        }
    }

    #[test]
    fn every_endpoint_cap_is_a_listed_call() {
        for p in PROCESSES {
            for c in caps(p.role) {
                if let CapKind::Call(target) = c.kind {
                    // (init's extra caps are checked below.)
                    assert!(
                        CALLS.iter().any(|&(a, b, _)| a == p.role && b == target),
                        "{:?} holds a cap to {:?} that CALLS does not list",
                        p.role,
                        target
                    );
                }
            }
        }
    }

    #[test]
    fn nobody_but_vfs_reaches_fs() {
        for p in PROCESSES {
            let reaches = caps(p.role).iter().any(|c| c.kind == CapKind::Call(Role::Fs));
            assert_eq!(reaches, p.role == Role::Vfs, "{:?}", p.role);
        }
    }

    #[test]
    fn users_hold_no_kernel_object_caps() {
        for c in caps(Role::User) {
            assert!(matches!(c.kind, CapKind::Call(_) | CapKind::Faults(_)), "{:?}", c);
            assert_eq!(c.rights, Rights::Send);
        }
    }

    #[test]
    fn slots_fit_their_cnodes_and_never_repeat() {
        for p in PROCESSES {
            let list = caps(p.role);
            for (i, c) in list.iter().enumerate() {
                assert!(c.count > 0, "{:?} slot {} fills nothing", p.role, c.slot);
                assert!(c.slots().end <= (1 << cnode_bits(p.role)), "{:?} slot {}", p.role, c.slot);
                assert!(list[..i].iter().all(|d| d.slots().end <= c.slot || c.slots().end <= d.slot), "{:?} slot {} twice", p.role, c.slot);
                // The slots a process fills at run time stay empty.
                for free in [cs::RECV_SLOT, cs::FIRST_FREE] {
                    assert!(!c.slots().contains(&free), "{:?} slot {}", p.role, free);
                }
            }
        }
    }

    #[test]
    fn only_objects_of_their_own_come_in_ranges() {
        // The root task gives every other kind to one slot only.
        for p in PROCESSES {
            for c in caps(p.role) {
                assert!(
                    c.count == 1 || matches!(c.kind, CapKind::WorkerTcb | CapKind::Notification | CapKind::DmaFrame),
                    "{:?} {:?}",
                    p.role,
                    c
                );
            }
        }
    }

    #[test]
    fn vfs_gets_its_workers_and_notifications() {
        let vfs = caps(Role::Vfs);
        let workers = vfs.iter().find(|c| c.kind == CapKind::WorkerTcb).map(|c| c.slots());
        let ntfns = vfs.iter().find(|c| c.kind == CapKind::Notification).map(|c| c.slots());
        assert_eq!(workers, Some(cs::vfs::WORKER_TCB_BASE..cs::vfs::WORKER_TCB_BASE + cs::vfs::WORKERS));
        assert_eq!(ntfns, Some(cs::vfs::NTFN_BASE..cs::vfs::NTFN_BASE + cs::vfs::NTFNS));
        // Nobody else gets threads or notifications.
        for p in PROCESSES.iter().filter(|p| p.role != Role::Vfs) {
            assert!(caps(p.role).iter().all(|c| !matches!(c.kind, CapKind::WorkerTcb | CapKind::Notification)), "{:?}", p.role);
        }
    }

    #[test]
    fn worker_ipc_buffers_are_distinct_pages_of_the_server_area() {
        use cs::addr::{IPC_BUFFER, SERVER_IPC_AREA_PAGES};
        let end = IPC_BUFFER + SERVER_IPC_AREA_PAGES * 4096;
        for i in 0..cs::vfs::WORKERS {
            let b = cs::vfs::worker_ipc_buffer(i);
            assert!(b > IPC_BUFFER && b + 4096 <= end && b.is_multiple_of(4096), "worker {} at {:#x}", i, b);
        }
        assert_eq!(cs::vfs::worker_ipc_buffer(1) - cs::vfs::worker_ipc_buffer(0), 4096);
    }

    #[test]
    fn the_architecture_document_shows_this_table() {
        let doc = include_str!("../../../docs/ARCHITECTURE.md");
        let table = render_cap_table();
        assert!(doc.contains(&table), "docs/ARCHITECTURE.md's capability table is out of date; it must contain:\n{}", table);
    }

    #[test]
    fn only_fs_and_init_reach_the_block_driver() {
        for p in PROCESSES {
            let reaches = caps(p.role).iter().any(|c| c.kind == CapKind::Call(Role::Blk));
            assert_eq!(reaches, p.role == Role::Fs, "{:?}", p.role);
        }
        for c in init_extra_caps() {
            assert_eq!(c.kind, CapKind::Call(Role::Blk));
            assert!(CALLS.iter().any(|&(a, b, _)| a == Role::User && b == Role::Blk));
            assert!(c.slots().end <= 1 << cnode_bits(Role::User));
            assert!(caps(Role::User).iter().all(|u| u.slots().end <= c.slot || c.slots().end <= u.slot));
        }
    }

    #[test]
    fn only_the_driver_holds_device_caps() {
        for p in PROCESSES {
            let device = caps(p.role).iter().any(|c| matches!(c.kind, CapKind::DevicePorts | CapKind::DeviceIrq | CapKind::DmaFrame));
            assert_eq!(device, p.role == Role::Blk, "{:?}", p.role);
            let timer = caps(p.role)
                .iter()
                .any(|c| matches!(c.kind, CapKind::PitPorts | CapKind::CmosPorts | CapKind::PitIrq | CapKind::PitIrqNotification));
            assert_eq!(timer, p.role == Role::Timer, "{:?}", p.role);
        }
        let dma = caps(Role::Blk).iter().find(|c| c.kind == CapKind::DmaFrame).map(|c| c.slots());
        assert_eq!(dma, Some(cs::blk::DMA_FRAME_BASE..cs::blk::DMA_FRAME_BASE + cs::blk::DMA_PAGES));
    }

    #[test]
    fn only_vm_holds_the_clock_page_and_only_to_read() {
        for p in PROCESSES {
            for c in caps(p.role).iter().filter(|c| c.kind == CapKind::ClockFrame) {
                assert_eq!(c.slot, cs::CLOCK_FRAME);
                assert_eq!((p.role, c.rights), (Role::Vm, Rights::Read));
            }
        }
        // Every user can sleep; the timer driver reaches only PM.
        assert!(caps(Role::User).iter().any(|c| c.kind == CapKind::Call(Role::Timer)));
        assert!(caps(Role::Timer).iter().all(|c| !matches!(c.kind, CapKind::Call(r) if r != Role::Pm)));
    }

    #[test]
    fn the_timer_signals_exactly_its_alarm_clients() {
        // One signal cap per client, at the client's slot, write only;
        // nobody else holds one.
        for p in PROCESSES {
            let signals: std::vec::Vec<Cap> = caps(p.role).iter().copied().filter(|c| matches!(c.kind, CapKind::AlarmSignal(_))).collect();
            if p.role != Role::Timer {
                assert!(signals.is_empty(), "{:?}", p.role);
                continue;
            }
            assert_eq!(signals.len(), crate::timer::ALARM_CLIENTS.len());
            for (i, ep) in crate::timer::ALARM_CLIENTS.iter().enumerate() {
                let role = PROCESSES.iter().find(|q| q.endpoint == Some(*ep)).map(|q| q.role);
                let c = signals.iter().find(|c| Some(c.kind) == role.map(CapKind::AlarmSignal)).expect("a signal cap per client");
                assert_eq!((c.slot, c.rights), (cs::timer::ALARM_NTFN_BASE + i as u64, Rights::Write));
                // The client can call the driver to set its alarm.
                assert!(CALLS.iter().any(|&(a, b, _)| Some(a) == role && b == Role::Timer));
            }
        }
        // VFS waits on its own alarm notification.
        assert!(caps(Role::Vfs).iter().any(|c| c.kind == CapKind::AlarmNotification && c.slot == cs::vfs::ALARM_NTFN));
        assert!(caps(Role::Vfs).iter().any(|c| c.kind == CapKind::Call(Role::Timer)));
    }

    #[test]
    fn the_rule_catches_a_gap() {
        assert!(!fastpath_both_ways(100, 101));
        assert!(!fastpath_both_ways(101, 100));
    }
}
