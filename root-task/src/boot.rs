// SPDX-License-Identifier: BSD-2-Clause
//! Boot: create the endpoints, build and start VM, VFS, FS, the block
//! driver and the timer driver as isolated processes with only the caps their roles need
//! (VFS's include worker threads it starts itself and notifications; the
//! driver's its disk, when the PCI scan finds one), wait until each
//! reports ready, then ask VM for init.
use crate::images;
use crate::kobj::Kernel;
use crate::process::{self, Built};
use minix_abi::cspace as cs;
use minix_abi::endpoint::{Endpoint, BLK, FS, PM, TIMER, VFS, VM};
use minix_abi::system::{caps, cnode_bits, priority, CapKind, FaultHandler, Rights, Role};
use root_task::pci::BlkDevice;
use root_task::proctab::{ProcCaps, ProcTable};
use root_task::tally::Tally;
use sel4::{init, object, CPtr, CapRights, Endpoint as Ep, Frame, Notification, VSpace};
use sel4_root_task::println;

/// Badge on PM's notification when VM has events for PM: generation 0,
/// so no endpoint badge can ever equal it.
pub use root_task::pm_policy::VM_EVENT_BADGE;
/// Size of PM's process table.
pub const PROC_TABLE_SLOTS: usize = 256;
// The timer driver keeps one sleeper per slot of this table.
const _: () = assert!(
    PROC_TABLE_SLOTS <= cs::timer::SLEEPERS && root_task::threads::FIRST_SLOT + root_task::threads::MAX_THREADS <= cs::timer::SLEEPERS
);
/// RAM the root task keeps for itself: the VFS and FS images (about 41 MiB
/// with FS's 32 MiB disk image, built after VM takes its share; VFS's worker
/// threads and notifications add a few pages), VM's CNode (2^18 slots,
/// 8 MiB), and a TCB, CNode and IPC frame for each of PM's 256 processes
/// (about 2 MiB), with room to spare.
const ROOT_RESERVE: u64 = 64 << 20;

/// Send rights for request endpoints: write plus grant (caps may travel).
const SEND: CapRights = CapRights(CapRights::WRITE.0 | CapRights::GRANT.0);

/// The endpoints and what the PM loop needs afterwards.
pub struct System {
    pub pm_ep: Ep,
    pub vm_ep: Ep,
    /// PM's own cap to VM, badged as PM (with grant, to pass caps).
    pub vm_call: Ep,
    pub vfs_ep: Ep,
    /// PM's own cap to VFS, badged as PM (fork and exit notices).
    pub vfs_call: Ep,
    /// PM's own cap to FS, badged as PM (FS is reachable by no user).
    pub fs_call: Ep,
    /// The block driver's endpoint (PM mints init's cap from it).
    pub blk_ep: Ep,
    /// The timer driver's endpoint (PM mints every user's cap from it).
    pub timer_ep: Ep,
    /// PM's own cap to the timer driver, badged as PM (its alarms).
    pub timer_call: Ep,
    pub procs: ProcTable,
    /// Where servers' faults go (see `fault_reporter`).
    pub fault_ep: Ep,
}

fn ep(k: &mut Kernel) -> Result<Ep, &'static str> {
    k.alloc(object::ENDPOINT, 0).map(Ep).map_err(|_| "endpoint")
}

/// Builds and starts the servers. `tally` gets the boot test that checks
/// VFS's worker caps, which must run before VFS does.
pub fn boot(k: &mut Kernel, tally: &mut Tally, tsc_mhz: u64) -> Result<System, &'static str> {
    let pm_ep = ep(k)?;
    let vm_ep = ep(k)?;
    let vfs_ep = ep(k)?;
    let fs_ep = ep(k)?;
    let blk_ep = ep(k)?;
    let timer_ep = ep(k)?;
    // The shared clock page (zeroed, as all new memory: no MAGIC until the
    // timer driver publishes).
    let clock = Frame(k.alloc(object::FRAME_4K, 0).map_err(|_| "clock page")?);
    let fault_ep = crate::fault_reporter::endpoint(k)?;
    let ntfn = Notification(k.alloc(object::NOTIFICATION, 0).map_err(|_| "notification")?);
    init::TCB.bind_notification(ntfn).map_err(|_| "bind notification")?;
    // VFS's alarm thread waits on this one; the timer driver signals it.
    let vfs_alarm = Notification(k.alloc(object::NOTIFICATION, 0).map_err(|_| "notification")?);
    let mut procs = ProcTable::new(PROC_TABLE_SLOTS);
    procs.add_at(PM.slot(), PM.slot(), ProcCaps::default());

    // Each server gets the caps `minix_abi::system::caps` lists for its
    // role. VM comes first: it also takes most of the RAM.
    let eps = Endpoints {
        pm: pm_ep,
        vm: vm_ep,
        vfs: vfs_ep,
        fs: fs_ep,
        blk: blk_ep,
        timer: timer_ep,
        faults: fault_ep,
        notify: ntfn,
        vfs_alarm,
        clock,
    };
    let vm = server(k, images::VM, Role::Vm, VM, &eps, None)?;
    let untypeds = give_untyped(k, &vm)?;
    let vfs = server(k, images::VFS, Role::Vfs, VFS, &eps, None)?;
    // VFS reads the time for poll's timeouts; PM for alarms.
    crate::timer_dev::map_clock(k, VSpace::from_bits(vfs.caps.vspace), clock, cs::addr::SERVER_CLOCK_PAGE)?;
    crate::timer_dev::map_clock(k, init::VSPACE, clock, crate::timer_dev::ROOT_CLOCK_PAGE)?;
    let fs = server(k, images::FS, Role::Fs, FS, &eps, None)?;
    // FS stamps inodes with the time it reads there.
    crate::timer_dev::map_clock(k, VSpace::from_bits(fs.caps.vspace), clock, cs::addr::SERVER_CLOCK_PAGE)?;
    let disk = crate::disk::find();
    let blk = server(k, images::BLK, Role::Blk, BLK, &eps, disk)?;
    let timer = server(k, images::TIMER, Role::Timer, TIMER, &eps, None)?;
    crate::selftest::report(tally, "boot.vfs_worker_caps", crate::selftest::vfs_worker_caps(k, &vfs));
    let root = init::CNODE;

    for (ep, b) in [(VM, &vm), (VFS, &vfs), (FS, &fs), (BLK, &blk), (TIMER, &timer)] {
        procs.add_at(ep.slot(), PM.slot(), b.caps);
    }
    vm.start(process::startup_word(VM, untypeds))?;
    vfs.start(process::startup_word(VFS, 0))?;
    fs.start(process::startup_word(FS, 0))?;
    // The driver learns its ports' base (the cap does not say) and
    // whether it has a disk at all.
    let disk_word = disk.map_or(0, |d| 1 << 16 | d.port as u64);
    blk.start(process::startup_word(BLK, disk_word))?;
    // The timer driver learns the kernel's TSC figure, which bounds its
    // own measurement's steps.
    timer.start(process::startup_word(TIMER, tsc_mhz))?;
    println!(
        "boot: VM ({} pages, {} untyped caps), VFS ({} pages), FS ({} pages), BLK ({} pages), TIMER ({} pages) started",
        vm.pages, untypeds, vfs.pages, fs.pages, blk.pages, timer.pages
    );
    let vm_call = k.slot().map_err(|_| "slot")?;
    root.mint(vm_call.0, sel4::CNODE_DEPTH, root, vm_ep.bits(), sel4::CNODE_DEPTH, SEND, PM.badge()).map_err(|_| "mint vm cap")?;
    let vfs_call = k.slot().map_err(|_| "slot")?;
    root.mint(vfs_call.0, sel4::CNODE_DEPTH, root, vfs_ep.bits(), sel4::CNODE_DEPTH, SEND, PM.badge()).map_err(|_| "mint vfs cap")?;
    let fs_call = k.slot().map_err(|_| "slot")?;
    root.mint(fs_call.0, sel4::CNODE_DEPTH, root, fs_ep.bits(), sel4::CNODE_DEPTH, SEND, PM.badge()).map_err(|_| "mint fs cap")?;
    let timer_call = k.slot().map_err(|_| "slot")?;
    root.mint(timer_call.0, sel4::CNODE_DEPTH, root, timer_ep.bits(), sel4::CNODE_DEPTH, SEND, PM.badge()).map_err(|_| "mint timer cap")?;
    Ok(System {
        pm_ep,
        vm_ep,
        vm_call: Ep(vm_call),
        vfs_ep,
        vfs_call: Ep(vfs_call),
        fs_call: Ep(fs_call),
        blk_ep,
        timer_ep,
        timer_call: Ep(timer_call),
        procs,
        fault_ep,
    })
}

/// The kernel objects a server's caps are made from.
struct Endpoints {
    pm: Ep,
    vm: Ep,
    vfs: Ep,
    fs: Ep,
    blk: Ep,
    timer: Ep,
    faults: Ep,
    notify: Notification,
    /// VFS's alarm notification (its alarm thread waits on it).
    vfs_alarm: Notification,
    /// The clock page's frame (mapped in the timer driver; VM gets a
    /// read-only copy).
    clock: Frame,
}

impl Endpoints {
    fn of(&self, role: Role) -> Result<Ep, &'static str> {
        match role {
            Role::Pm => Ok(self.pm),
            Role::Vm => Ok(self.vm),
            Role::Vfs => Ok(self.vfs),
            Role::Fs => Ok(self.fs),
            Role::Blk => Ok(self.blk),
            Role::Timer => Ok(self.timer),
            Role::User | Role::Bench => Err("no endpoint for that role"),
        }
    }
}

/// The kernel rights for a table entry's rights.
pub fn rights(r: Rights) -> CapRights {
    match r {
        Rights::Send => SEND,
        Rights::Write => CapRights::WRITE,
        Rights::Read => CapRights::READ,
        Rights::All => CapRights::ALL,
    }
}

/// Builds a server of `role` at its priority and CNode size, and gives it
/// the caps the system table lists for the role. Only threads and
/// notifications come in ranges (a host test of the table checks it);
/// every other entry fills its one slot. The device caps are made from
/// `disk`; without one their slots stay empty.
fn server(k: &mut Kernel, image: &[u8], role: Role, me: Endpoint, eps: &Endpoints, disk: Option<BlkDevice>) -> Result<Built, &'static str> {
    let b = process::build(k, image, cnode_bits(role), priority(role))?;
    let objs = match disk {
        Some(d) => Some(crate::disk::objects(k, d, VSpace::from_bits(b.caps.vspace))?),
        None => None,
    };
    let timer = match role {
        Role::Timer => Some(crate::timer_dev::objects(k, VSpace::from_bits(b.caps.vspace), eps.clock)?),
        _ => None,
    };
    for c in caps(role) {
        let r = rights(c.rights);
        match c.kind {
            CapKind::SelfTcb => b.give(c.slot, CPtr(b.caps.tcb), r)?,
            CapKind::SelfCnode => b.give(c.slot, CPtr(b.caps.cnode), r)?,
            CapKind::SelfVspace => b.give(c.slot, CPtr(b.caps.vspace), r)?,
            CapKind::Call(target) => b.give_badged(c.slot, eps.of(target)?.cptr(), r, me.badge())?,
            CapKind::Service => b.give(c.slot, eps.of(role)?.cptr(), r)?,
            CapKind::Faults(FaultHandler::Reporter) => b.give_badged(c.slot, eps.faults.cptr(), r, me.fault_badge())?,
            // Servers are never paged by VM (see the table's comment).
            CapKind::Faults(FaultHandler::Vm) => return Err("a server's faults cannot go to VM"),
            CapKind::AsidPool => b.give(c.slot, init::ASID_POOL.cptr(), r)?,
            CapKind::PmNotify => b.give_badged(c.slot, eps.notify.cptr(), r, VM_EVENT_BADGE)?,
            // The root task keeps the originals, as of every server object.
            CapKind::WorkerTcb => {
                for (slot, i) in c.slots().zip(0..) {
                    let t = b.add_thread(k, cs::vfs::worker_ipc_buffer(i))?;
                    b.give(slot, t.cptr(), r)?;
                }
            }
            CapKind::Notification => {
                for slot in c.slots() {
                    let n = k.alloc(object::NOTIFICATION, 0).map_err(|_| "notification")?;
                    b.give(slot, n, r)?;
                }
            }
            // The device: nothing without a disk.
            CapKind::DevicePorts | CapKind::DeviceIrq | CapKind::IrqNotification | CapKind::DmaFrame if objs.is_none() => {}
            CapKind::DevicePorts => {
                let d = objs.as_ref().ok_or("no disk")?.dev;
                let last = d.port.checked_add(d.ports - 1).ok_or("port range")?;
                // Minted from the cap for every port, narrowed to BAR0.
                b.give_badged(c.slot, init::IO_PORT.cptr(), r, sel4::io_port_range_data(d.port, last))?
            }
            CapKind::DeviceIrq => b.give(c.slot, objs.as_ref().ok_or("no disk")?.irq.cptr(), r)?,
            CapKind::IrqNotification => b.give(c.slot, objs.as_ref().ok_or("no disk")?.ntfn.cptr(), r)?,
            CapKind::DmaFrame => {
                let first = objs.as_ref().ok_or("no disk")?.frames;
                for (slot, i) in c.slots().zip(0..) {
                    b.give(slot, CPtr(first + i), r)?;
                }
            }
            // Narrowed to exactly the PIT's and the CMOS clock's ports.
            CapKind::PitPorts => b.give_badged(c.slot, init::IO_PORT.cptr(), r, sel4::io_port_range_data(0x40, 0x43))?,
            CapKind::CmosPorts => b.give_badged(c.slot, init::IO_PORT.cptr(), r, sel4::io_port_range_data(0x70, 0x71))?,
            CapKind::PitIrq => b.give(c.slot, timer.as_ref().ok_or("not the timer")?.irq.cptr(), r)?,
            CapKind::PitIrqNotification => b.give(c.slot, timer.as_ref().ok_or("not the timer")?.ntfn.cptr(), r)?,
            CapKind::ClockFrame => b.give(c.slot, eps.clock.cptr(), r)?,
            CapKind::AlarmNotification => b.give(c.slot, eps.vfs_alarm.cptr(), r)?,
            // PM's alarms arrive on the notification bound to its thread,
            // told from VM's events by the badge.
            CapKind::AlarmSignal(Role::Pm) => b.give_badged(c.slot, eps.notify.cptr(), r, cs::timer::ALARM_BADGE)?,
            CapKind::AlarmSignal(Role::Vfs) => b.give_badged(c.slot, eps.vfs_alarm.cptr(), r, cs::timer::ALARM_BADGE)?,
            CapKind::AlarmSignal(_) => return Err("no alarm notification for that role"),
        }
    }
    Ok(b)
}

/// Moves every untouched RAM untyped except the root task's reserve into
/// VM's CNode at UNTYPED_BASE, and writes their sizes (log2) into VM's
/// IPC buffer message words, where VM reads them before its first IPC.
fn give_untyped(k: &mut Kernel, vm: &Built) -> Result<u64, &'static str> {
    let mut sizes = [0u64; sel4::MSG_MAX_LENGTH];
    let mut n = 0u64;
    while (n as usize) < sizes.len() && k.ut.free_ram() > ROOT_RESERVE {
        let Some(u) = k.ut.take_whole(12) else { break };
        if k.ut.free_ram() < ROOT_RESERVE {
            // Taking it would cut into the reserve: the root keeps it.
            k.ut.add(u.cap, u.paddr, u.size_bits, false);
            break;
        }
        vm.give_move(cs::UNTYPED_BASE + n, CPtr(u.cap))?;
        sizes[n as usize] = u.size_bits as u64;
        n += 1;
    }
    // The IPC buffer frame is mapped in VM; map a second copy here to fill it.
    let copy = k.slot().map_err(|_| "slot")?;
    init::CNODE
        .copy(copy.0, sel4::CNODE_DEPTH, init::CNODE, vm.caps.ipc_frame, sel4::CNODE_DEPTH, CapRights::READ_WRITE)
        .map_err(|_| "copy ipc")?;
    // The message words start at byte 8 of the IPC buffer.
    let fill = |page: &mut [u8; sel4::PAGE_SIZE]| {
        for (i, s) in sizes.iter().enumerate().take(n as usize) {
            page[8 + 8 * i..16 + 8 * i].copy_from_slice(&s.to_ne_bytes());
        }
    };
    // SAFETY: `copy` is a new cap to VM's IPC-buffer frame, which is mapped
    // in VM's VSpace only, never in the root task's.
    unsafe { crate::scratch::with_frame(k, sel4::Frame(copy), fill) }.map_err(|_| "fill ipc")?;
    init::CNODE.delete(copy.0, sel4::CNODE_DEPTH).map_err(|_| "delete copy")?;
    k.slots.free(copy.0);
    Ok(n)
}
