// SPDX-License-Identifier: BSD-2-Clause
//! The legacy (virtio 0.9.5) PCI interface of a virtio block device: its
//! registers in I/O space, counted from BAR0, and the constants of the
//! block device's requests. QEMU offers it with
//! `-device virtio-blk-pci,disable-modern=on`.

/// u32, read-only: the features the device offers.
pub const DEVICE_FEATURES: u16 = 0x00;
/// u32: the features the driver accepted.
pub const GUEST_FEATURES: u16 = 0x04;
/// u32: the physical page number of the selected queue's ring (0 stops
/// the queue).
pub const QUEUE_PFN: u16 = 0x08;
/// u16, read-only: entries in the selected queue (0: no such queue).
pub const QUEUE_SIZE: u16 = 0x0c;
/// u16: which queue the queue registers name.
pub const QUEUE_SELECT: u16 = 0x0e;
/// u16: writing a queue's number tells the device it has new requests.
pub const QUEUE_NOTIFY: u16 = 0x10;
/// u8: the driver's progress ([`STATUS_ACKNOWLEDGE`] ...); 0 resets.
pub const DEVICE_STATUS: u16 = 0x12;
/// u8: reading it returns and clears the interrupt cause, which also
/// lowers the device's interrupt line.
pub const ISR_STATUS: u16 = 0x13;
/// The device-specific configuration without MSI-X (we never enable it):
/// for a block device, the capacity in 512-byte sectors as a u64.
pub const BLK_CAPACITY: u16 = 0x14;
/// Registers from BAR0 the driver touches: its port range must cover them.
pub const REGISTERS_END: u16 = BLK_CAPACITY + 8;

pub const STATUS_ACKNOWLEDGE: u8 = 1;
pub const STATUS_DRIVER: u8 = 2;
pub const STATUS_DRIVER_OK: u8 = 4;
pub const STATUS_FAILED: u8 = 0x80;

/// ISR bit 0: a queue has used buffers.
pub const ISR_QUEUE: u8 = 1;

/// Feature bit: the device takes `T_FLUSH` requests (and caches writes
/// until one).
pub const BLK_F_FLUSH: u32 = 1 << 9;

/// Request types (the `type` field of the request header).
pub const T_IN: u32 = 0;
pub const T_OUT: u32 = 1;
pub const T_FLUSH: u32 = 4;

/// Request status bytes the device writes last.
pub const S_OK: u8 = 0;
pub const S_IOERR: u8 = 1;
pub const S_UNSUPP: u8 = 2;

/// The features this driver accepts out of `offered`: only FLUSH. Every
/// other feature changes the layout or the protocol (event indexes,
/// indirect descriptors, ...) and stays off.
pub const fn accepted_features(offered: u32) -> u32 {
    offered & BLK_F_FLUSH
}

/// The 16-byte request header: type, a reserved word, the first sector.
pub fn header(kind: u32, sector: u64) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..4].copy_from_slice(&kind.to_le_bytes());
    h[8..].copy_from_slice(&sector.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_flush_is_accepted() {
        assert_eq!(accepted_features(u32::MAX), BLK_F_FLUSH);
        assert_eq!(accepted_features(0), 0);
        assert_eq!(accepted_features(!BLK_F_FLUSH), 0);
    }

    #[test]
    fn header_layout() {
        let h = header(T_OUT, 0x0102_0304_0506_0708);
        assert_eq!(&h[..4], &[1, 0, 0, 0]);
        assert_eq!(&h[4..8], &[0; 4]);
        assert_eq!(&h[8..], &[8, 7, 6, 5, 4, 3, 2, 1]);
    }
}
