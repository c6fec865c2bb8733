// SPDX-License-Identifier: BSD-2-Clause
//! Finding the virtio block device on the PCI bus, through configuration
//! mechanism #1 (ports 0xcf8/0xcfc), which only the root task can reach:
//! it holds the I/O port cap for every port. The scan reads, decodes and
//! prepares the device (I/O decoding and bus mastering on, memory
//! decoding untouched); the driver then gets a cap for exactly the ports
//! of BAR0 and the interrupt, never the configuration ports.
//!
//! The decisions are here over a [`ConfigSpace`] so the host tests can
//! feed a model bus; the glue implements it with port I/O.

/// Reading and writing 32-bit configuration registers.
pub trait ConfigSpace {
    fn read32(&mut self, bus: u8, dev: u8, func: u8, offset: u8) -> u32;
    fn write32(&mut self, bus: u8, dev: u8, func: u8, offset: u8, value: u32);
}

/// The configuration address for mechanism #1: enable bit, bus, device,
/// function and the register's dword.
pub const fn config_address(bus: u8, dev: u8, func: u8, offset: u8) -> u32 {
    0x8000_0000 | (bus as u32) << 16 | ((dev as u32) & 0x1f) << 11 | ((func as u32) & 7) << 8 | (offset as u32 & 0xfc)
}

/// The configuration ports.
pub const CONFIG_ADDRESS: u16 = 0xcf8;
pub const CONFIG_DATA: u16 = 0xcfc;

/// Red Hat's virtio vendor id and the transitional (legacy-capable) block
/// device id.
pub const VIRTIO_VENDOR: u16 = 0x1af4;
pub const VIRTIO_BLK_LEGACY: u16 = 0x1001;

const REG_ID: u8 = 0x00;
const REG_COMMAND: u8 = 0x04;
const REG_HEADER: u8 = 0x0c;
const REG_BAR0: u8 = 0x10;
const REG_INTERRUPT: u8 = 0x3c;
const COMMAND_IO: u32 = 1;
const COMMAND_BUS_MASTER: u32 = 4;

/// A virtio block device the driver can use.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BlkDevice {
    pub bus: u8,
    pub dev: u8,
    pub func: u8,
    /// First port of BAR0 and how many ports it spans.
    pub port: u16,
    pub ports: u16,
    /// The interrupt line the firmware routed INTx to: on QEMU's pc
    /// machine, a pin of IOAPIC 0.
    pub irq_line: u8,
}

/// Why a device that matched could not be used.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// BAR0 is not an I/O BAR, or is unassigned, or sized oddly.
    NoIoBar,
    /// No interrupt pin, or no line routed.
    NoInterrupt,
}

/// Scans bus 0 (QEMU's pc machine puts every device there) for a legacy
/// virtio block device, and prepares the first one found: sizes BAR0,
/// turns on I/O decoding and bus mastering. `None` when there is none.
pub fn find_blk(cfg: &mut impl ConfigSpace) -> Option<Result<BlkDevice, Unusable>> {
    for dev in 0..32u8 {
        let header = (cfg.read32(0, dev, 0, REG_HEADER) >> 16) as u8;
        let funcs = if header & 0x80 != 0 { 8 } else { 1 };
        for func in 0..funcs {
            let id = cfg.read32(0, dev, func, REG_ID);
            if id as u16 == VIRTIO_VENDOR && (id >> 16) as u16 == VIRTIO_BLK_LEGACY {
                return Some(prepare(cfg, 0, dev, func));
            }
        }
    }
    None
}

fn prepare(cfg: &mut impl ConfigSpace, bus: u8, dev: u8, func: u8) -> Result<BlkDevice, Unusable> {
    let command = cfg.read32(bus, dev, func, REG_COMMAND) & 0xffff;
    let bar = cfg.read32(bus, dev, func, REG_BAR0);
    if bar & 1 == 0 || bar & !3 == 0 || bar & !3 > 0xffff {
        return Err(Unusable::NoIoBar);
    }
    // Size the BAR with I/O decoding off, then put it back.
    cfg.write32(bus, dev, func, REG_COMMAND, command & !COMMAND_IO);
    cfg.write32(bus, dev, func, REG_BAR0, 0xffff_ffff);
    let mask = cfg.read32(bus, dev, func, REG_BAR0) & !3;
    cfg.write32(bus, dev, func, REG_BAR0, bar);
    // I/O BARs decode 16 address bits: the size is the lowest set bit.
    let size = (!(mask | 0xffff_0000)).wrapping_add(1) & 0xffff;
    let port = (bar & !3) as u16;
    let ok = size.is_power_of_two() && size >= 4 && (port as u32) + size <= 0x1_0000;
    let interrupt = cfg.read32(bus, dev, func, REG_INTERRUPT);
    let (line, pin) = (interrupt as u8, (interrupt >> 8) as u8);
    cfg.write32(bus, dev, func, REG_COMMAND, command | COMMAND_IO | COMMAND_BUS_MASTER);
    if !ok {
        return Err(Unusable::NoIoBar);
    }
    // Pin 0: no INTx; line 0xff: the firmware routed nothing; the IOAPIC
    // has 24 pins.
    if pin == 0 || line >= 24 {
        return Err(Unusable::NoInterrupt);
    }
    Ok(BlkDevice { bus, dev, func, port, ports: size as u16, irq_line: line })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A bus of devices, each a register file; BAR0 answers a sizing
    /// write with its size mask, as hardware does.
    #[derive(Default)]
    struct Bus {
        regs: HashMap<(u8, u8, u8), [u32; 64]>,
        bar_size: HashMap<(u8, u8, u8), u32>,
    }

    impl ConfigSpace for Bus {
        fn read32(&mut self, bus: u8, dev: u8, func: u8, offset: u8) -> u32 {
            self.regs.get(&(bus, dev, func)).map_or(0xffff_ffff, |r| r[offset as usize / 4])
        }
        fn write32(&mut self, bus: u8, dev: u8, func: u8, offset: u8, value: u32) {
            let size = self.bar_size.get(&(bus, dev, func)).copied();
            if let Some(r) = self.regs.get_mut(&(bus, dev, func)) {
                let v = if offset == REG_BAR0 { (value & !(size.unwrap_or(1) - 1)) | 1 } else { value };
                r[offset as usize / 4] = v;
            }
        }
    }

    fn device(bus: &mut Bus, dev: u8, id: u32, bar: u32, size: u32, interrupt: u32) {
        let mut r = [0u32; 64];
        r[0] = id;
        r[1] = 0x0001; // I/O on, as the firmware leaves it
        r[4] = bar;
        r[15] = interrupt;
        bus.regs.insert((0, dev, 0), r);
        bus.bar_size.insert((0, dev, 0), size);
    }

    #[test]
    fn finds_and_prepares_the_disk() {
        let mut bus = Bus::default();
        device(&mut bus, 1, 0x7000_8086, 0, 16, 0);
        device(&mut bus, 4, 0x1001_1af4, 0xc041, 0x40, 0x010b);
        let d = find_blk(&mut bus).unwrap().unwrap();
        assert_eq!(d, BlkDevice { bus: 0, dev: 4, func: 0, port: 0xc040, ports: 0x40, irq_line: 11 });
        let r = bus.regs[&(0, 4, 0)];
        assert_eq!(r[1] & 5, 5, "I/O and bus mastering on");
        assert_eq!(r[4], 0xc041, "BAR0 restored after sizing");
    }

    #[test]
    fn no_disk_and_unusable_disks() {
        let mut bus = Bus::default();
        device(&mut bus, 3, 0x1000_1af4, 0xc001, 0x20, 0x010a); // a virtio NIC
        assert_eq!(find_blk(&mut bus), None);
        device(&mut bus, 5, 0x1001_1af4, 0xfebf_0000, 0x1000, 0x010a); // memory BAR
        assert_eq!(find_blk(&mut bus), Some(Err(Unusable::NoIoBar)));
        device(&mut bus, 5, 0x1001_1af4, 0xc041, 0x40, 0x00ff); // no pin
        assert_eq!(find_blk(&mut bus), Some(Err(Unusable::NoInterrupt)));
        device(&mut bus, 5, 0x1001_1af4, 0xc041, 0x40, 0x01ff); // line unrouted
        assert_eq!(find_blk(&mut bus), Some(Err(Unusable::NoInterrupt)));
    }

    #[test]
    fn addresses() {
        assert_eq!(config_address(0, 4, 0, 0x3c), 0x8000_203c);
        assert_eq!(config_address(1, 31, 7, 0xff), 0x8001_fffc);
    }
}
