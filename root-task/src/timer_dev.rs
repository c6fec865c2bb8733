// SPDX-License-Identifier: BSD-2-Clause
//! The timer driver's devices and the clock page, set up by the root task:
//! the PIT's interrupt routed through the IOAPIC to a notification, and
//! the clock page mapped read-write in the driver. (Its port caps are
//! minted in `boot::server` from the cap for every port.)
use crate::kobj::Kernel;
use minix_abi::cspace::{addr::CLOCK_PAGE, timer::IRQ_BADGE};
use sel4::{init, object, CapRights, Frame, IrqHandler, Notification, VSpace};

/// Where the root task (PM) sees the clock page, read-only: past its
/// threads' stacks (0x1000_0000) and the self-test's fault page
/// (0x1200_0000), below its scratch page (0x2000_0000).
pub const ROOT_CLOCK_PAGE: u64 = 0x1300_0000;

/// The PIT's interrupt: ISA IRQ 0, on IOAPIC 0's pin 2 (QEMU's MADT
/// says so with an interrupt source override), edge-triggered, active
/// high, as ISA interrupts are.
const PIN: u64 = 2;
const EDGE: u64 = 0;
const ACTIVE_HIGH: u64 = 0;
/// The kernel's interrupt number for it (the pin's own number, as for
/// the disk's pin).
const IRQ: u64 = PIN;

/// The kernel objects made for the driver; the root task keeps these
/// originals and gives the driver copies.
pub struct TimerObjects {
    pub irq: IrqHandler,
    pub ntfn: Notification,
}

/// Routes the PIT's interrupt to a new notification (through a copy
/// badged `IRQ_BADGE`, so that the driver, which binds the notification
/// to its thread, tells it from a request) and maps the clock page
/// read-write at `CLOCK_PAGE` in the driver's `vspace`.
pub fn objects(k: &mut Kernel, vspace: VSpace, clock: Frame) -> Result<TimerObjects, &'static str> {
    let ntfn = Notification(k.alloc(object::NOTIFICATION, 0).map_err(|_| "timer notification")?);
    let badged = k.slot().map_err(|_| "slot")?;
    init::CNODE
        .mint(badged.0, sel4::CNODE_DEPTH, init::CNODE, ntfn.bits(), sel4::CNODE_DEPTH, CapRights::WRITE, IRQ_BADGE)
        .map_err(|_| "badge the timer notification")?;
    let slot = k.slot().map_err(|_| "slot")?;
    init::IRQ_CONTROL
        .get_ioapic(init::CNODE, slot.0, sel4::CNODE_DEPTH, 0, PIN, EDGE, ACTIVE_HIGH, IRQ)
        .map_err(|_| "IRQControl_GetIOAPIC (PIT)")?;
    let irq = IrqHandler(slot);
    irq.set_notification(Notification(badged)).map_err(|_| "IRQHandler_SetNotification (PIT)")?;
    k.map(vspace, clock, CLOCK_PAGE, CapRights::READ_WRITE).map_err(|_| "map the clock page")?;
    Ok(TimerObjects { irq, ntfn })
}

/// Maps the clock page read-only at `vaddr` in `vspace` through a copy of
/// its cap of its own (a frame cap maps at one place only). For the
/// servers that read the time themselves: PM (the root task) and VFS.
pub fn map_clock(k: &mut Kernel, vspace: VSpace, clock: Frame, vaddr: u64) -> Result<(), &'static str> {
    let copy = k.slot().map_err(|_| "slot")?;
    init::CNODE
        .copy(copy.0, sel4::CNODE_DEPTH, init::CNODE, clock.bits(), sel4::CNODE_DEPTH, CapRights::READ)
        .map_err(|_| "copy the clock page's cap")?;
    k.map(vspace, Frame(copy), vaddr, CapRights::READ).map_err(|_| "map the clock page read-only")
}
