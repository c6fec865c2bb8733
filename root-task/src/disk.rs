// SPDX-License-Identifier: BSD-2-Clause
//! The block driver's device, set up by the root task: the PCI scan
//! (`root_task::pci`, through the configuration ports only the root task
//! holds), then the kernel objects the driver gets: an I/O port cap for
//! exactly BAR0's ports, the interrupt routed through the IOAPIC to a
//! notification, and DMA frames of known physical address mapped in the
//! driver.
use crate::kobj::Kernel;
use minix_abi::cspace::blk::{DMA_BASE, DMA_PAGES};
use root_task::pci::{self, BlkDevice, ConfigSpace};
use sel4::{init, object, CapRights, Frame, IrqHandler, Notification, VSpace};
use sel4_root_task::println;

/// How the IOAPIC pin of a PCI interrupt is programmed: level-triggered
/// (PCI INTx is), active high. QEMU's pc machine drives its IOAPIC's
/// PIRQ pins active high (its ACPI tables say so in their interrupt
/// source overrides), unlike real PCI wiring, which is active low.
const LEVEL: u64 = 1;
const ACTIVE_LOW: u64 = 0;

/// Configuration mechanism #1 through the root task's cap for every port.
struct Ports;

impl ConfigSpace for Ports {
    fn read32(&mut self, bus: u8, dev: u8, func: u8, offset: u8) -> u32 {
        let io = init::IO_PORT;
        // A failed port access (never, with the cap for every port) reads
        // as nothing there.
        if io.out32(pci::CONFIG_ADDRESS, pci::config_address(bus, dev, func, offset)).is_err() {
            return 0xffff_ffff;
        }
        io.in32(pci::CONFIG_DATA).unwrap_or(0xffff_ffff)
    }
    fn write32(&mut self, bus: u8, dev: u8, func: u8, offset: u8, value: u32) {
        let io = init::IO_PORT;
        if io.out32(pci::CONFIG_ADDRESS, pci::config_address(bus, dev, func, offset)).is_ok() {
            let _ = io.out32(pci::CONFIG_DATA, value);
        }
    }
}

/// The disk, if the machine has a usable one (printed either way).
pub fn find() -> Option<BlkDevice> {
    match pci::find_blk(&mut Ports) {
        None => {
            println!("boot: no virtio-blk disk (PCI bus 0); the block driver will answer ENXIO");
            None
        }
        Some(Err(why)) => {
            println!("boot: virtio-blk disk unusable ({:?}); the block driver will answer ENXIO", why);
            None
        }
        Some(Ok(d)) => {
            println!(
                "boot: virtio-blk disk at PCI 00:{:02x}.{}, ports {:#x}-{:#x}, IOAPIC pin {} (level, active {})",
                d.dev,
                d.func,
                d.port,
                d.port as u32 + d.ports as u32 - 1,
                d.irq_line,
                if ACTIVE_LOW == 1 { "low" } else { "high" }
            );
            Some(d)
        }
    }
}

/// The kernel objects made for the driver's device; the root task keeps
/// these originals and gives the driver copies.
pub struct DiskObjects {
    pub dev: BlkDevice,
    pub irq: IrqHandler,
    pub ntfn: Notification,
    /// First of `DMA_PAGES` frame caps in consecutive slots.
    pub frames: u64,
}

/// Routes the interrupt to a new notification and allocates and maps the
/// DMA frames in the driver's `vspace`.
pub fn objects(k: &mut Kernel, dev: BlkDevice, vspace: VSpace) -> Result<DiskObjects, &'static str> {
    let ntfn = Notification(k.alloc(object::NOTIFICATION, 0).map_err(|_| "irq notification")?);
    let slot = k.slot().map_err(|_| "slot")?;
    // The kernel's interrupt number: the pin's number among the user
    // interrupts (the kernel adds its own offset to make the vector).
    let irq = dev.irq_line as u64;
    init::IRQ_CONTROL
        .get_ioapic(init::CNODE, slot.0, sel4::CNODE_DEPTH, 0, dev.irq_line as u64, LEVEL, ACTIVE_LOW, irq)
        .map_err(|_| "IRQControl_GetIOAPIC")?;
    let irq = IrqHandler(slot);
    irq.set_notification(ntfn).map_err(|_| "IRQHandler_SetNotification")?;
    // The ring must be physically contiguous, and contiguous data pages
    // make one DMA buffer: one retype of all the frames gives both.
    let frames = k.alloc_frames_contig(DMA_PAGES).map_err(|_| "dma frames")?;
    for i in 0..DMA_PAGES {
        k.map(vspace, Frame::from_bits(frames + i), DMA_BASE + i * sel4::PAGE_SIZE as u64, CapRights::READ_WRITE)
            .map_err(|_| "map dma frame")?;
    }
    Ok(DiskObjects { dev, irq, ntfn, frames })
}
