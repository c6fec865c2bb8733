// SPDX-License-Identifier: BSD-2-Clause
//! Process identities. As in MINIX, an endpoint combines a process-table
//! slot with a generation number, so a reused slot gets a new endpoint and
//! a stale one is never mistaken for the new process.
//!
//! The kernel delivers the identity of a sender as the badge of the
//! endpoint cap it used; the sender never writes it. seL4 5.0 badges have
//! 28 bits on x86_64. Layout: bits 0-11 the slot, bits 12-26 the
//! generation, bit 27 the fault flag (the message is a fault delivered by
//! the kernel, not a request).

/// A MINIX endpoint: `generation << 12 | slot`, 27 bits. Never has
/// generation 0 for a real process.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct Endpoint(pub u32);

pub const SLOT_BITS: u32 = 12;
pub const GEN_BITS: u32 = 15;
pub const MAX_SLOTS: usize = 1 << SLOT_BITS;
const FAULT_FLAG: u64 = 1 << (SLOT_BITS + GEN_BITS);
/// Width of a badge in seL4 5.0 on x86_64.
pub const BADGE_BITS: u32 = 28;

impl Endpoint {
    /// Slot and generation are truncated to their widths.
    pub const fn new(slot: u16, generation: u16) -> Endpoint {
        let g = generation as u32 & ((1 << GEN_BITS) - 1);
        let s = slot as u32 & ((1 << SLOT_BITS) - 1);
        Endpoint((g << SLOT_BITS) | s)
    }
    pub const fn slot(self) -> usize {
        (self.0 & ((1 << SLOT_BITS) - 1)) as usize
    }
    pub const fn generation(self) -> u16 {
        ((self.0 >> SLOT_BITS) & ((1 << GEN_BITS) - 1)) as u16
    }
    /// Whether this is a well-formed endpoint of a process.
    pub const fn is_valid(self) -> bool {
        self.0 >> (SLOT_BITS + GEN_BITS) == 0 && self.generation() != 0
    }
    /// The badge for request endpoint caps held by this process.
    pub const fn badge(self) -> u64 {
        self.0 as u64
    }
    /// The badge for this process's fault endpoint cap.
    pub const fn fault_badge(self) -> u64 {
        self.0 as u64 | FAULT_FLAG
    }
}

/// What a received badge says about the sender.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Sender {
    /// A request from a process.
    Process(Endpoint),
    /// A fault of a thread of this process, delivered by the kernel.
    Fault(Endpoint),
    /// Badge 0: the unbadged cap (only the root task holds those) or a
    /// notification wake-up.
    Unbadged,
    /// A badge no cap of ours carries.
    Unknown(u64),
}

impl Sender {
    pub fn from_badge(badge: u64) -> Sender {
        if badge == 0 {
            return Sender::Unbadged;
        }
        if badge >> BADGE_BITS != 0 {
            return Sender::Unknown(badge);
        }
        let ep = Endpoint((badge & (FAULT_FLAG - 1)) as u32);
        if ep.generation() == 0 {
            return Sender::Unknown(badge);
        }
        if badge & FAULT_FLAG != 0 {
            Sender::Fault(ep)
        } else {
            Sender::Process(ep)
        }
    }
}

/// The system processes, started by the root task at boot with fixed slots
/// and generation 1.
pub const PM: Endpoint = Endpoint::new(0, 1);
pub const VM: Endpoint = Endpoint::new(1, 1);
pub const VFS: Endpoint = Endpoint::new(2, 1);
pub const FS: Endpoint = Endpoint::new(3, 1);
/// The block driver (`drivers/virtio-blk`).
pub const BLK: Endpoint = Endpoint::new(4, 1);
/// The timer driver (`drivers/timer`).
pub const TIMER: Endpoint = Endpoint::new(5, 1);
/// The first user process.
pub const INIT: Endpoint = Endpoint::new(6, 1);
/// Slots below this are system processes.
pub const FIRST_USER_SLOT: usize = 6;

/// Whether `ep` is one of the system servers.
pub fn is_server(ep: Endpoint) -> bool {
    ep.slot() < FIRST_USER_SLOT && ep.generation() == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn badges_decode() {
        let e = Endpoint::new(7, 3);
        assert_eq!((e.slot(), e.generation()), (7, 3));
        assert_eq!(Sender::from_badge(e.badge()), Sender::Process(e));
        assert_eq!(Sender::from_badge(e.fault_badge()), Sender::Fault(e));
        assert_eq!(Sender::from_badge(0), Sender::Unbadged);
        assert_eq!(Sender::from_badge(7), Sender::Unknown(7)); // generation 0
        assert_eq!(Sender::from_badge(e.badge() | 1 << 40), Sender::Unknown(e.badge() | 1 << 40));
        assert!(e.fault_badge() >> BADGE_BITS == 0);
        let max = Endpoint::new(u16::MAX, u16::MAX);
        assert!(max.is_valid() && max.fault_badge() >> BADGE_BITS == 0);
        assert_eq!(Sender::from_badge(max.fault_badge()), Sender::Fault(max));
        // A generation of 0 after truncation is not a process.
        assert!(!Endpoint::new(1, 1 << 15).is_valid());
        assert!(is_server(VFS) && is_server(BLK) && is_server(TIMER) && !is_server(INIT) && !is_server(Endpoint::new(2, 2)));
    }
}
