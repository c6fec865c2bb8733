// SPDX-License-Identifier: BSD-2-Clause
//! One legacy virtqueue (a "vring") in DMA memory the driver and the
//! device share: where its three parts lie, and the driver's side of the
//! ring protocol. Host-tested over a byte slice standing for that memory;
//! the glue passes the real ring memory.
//!
//! The layout (virtio 0.9.5, legacy, page alignment 4096), for a queue
//! of `Q` entries:
//!
//! | part | offset | bytes |
//! |---|---|---|
//! | descriptors: addr u64, len u32, flags u16, next u16 | 0 | 16 Q |
//! | available ring: flags u16, idx u16, ring[Q] u16, used_event u16 | 16 Q | 6 + 2 Q |
//! | used ring: flags u16, idx u16, ring[Q] {id u32, len u32}, avail_event u16 | the next 4096 boundary | 6 + 8 Q |
//!
//! Everything is little-endian. The two `idx` fields are free-running
//! u16 counters; an entry's place in its ring is `idx % Q`, so `Q` must
//! divide 2^16: a power of two.
//!
//! **Bookkeeping.** The driver has one request in flight at a time (it
//! waits for its completion before it takes the next message), so a
//! chain always takes descriptors `0..n` and every descriptor is free
//! again once the device has used the chain. [`Queue::submit`] refuses a
//! second chain while one is in flight, and a chain longer than the
//! queue.

/// The ring's alignment in the legacy interface.
pub const ALIGN: usize = 4096;
/// Descriptor flag: the chain continues at `next`.
pub const F_NEXT: u16 = 1;
/// Descriptor flag: the device writes this buffer (else it reads it).
pub const F_WRITE: u16 = 2;

const DESC_BYTES: usize = 16;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum RingError {
    /// The device's queue size is 0, not a power of two, or the ring
    /// would not fit the memory given for it.
    BadSize,
    /// A chain is already in flight.
    Busy,
    /// A chain of no buffers, or more than the queue has descriptors.
    BadChain,
}

/// Where the parts of a ring of `size` entries lie.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Layout {
    pub size: u16,
    pub avail: usize,
    pub used: usize,
    /// Bytes of the whole ring.
    pub total: usize,
}

impl Layout {
    /// The layout for `size` entries, if it fits in `room` bytes.
    pub fn new(size: u16, room: usize) -> Result<Layout, RingError> {
        if size == 0 || !size.is_power_of_two() {
            return Err(RingError::BadSize);
        }
        let q = size as usize;
        let avail = DESC_BYTES * q;
        let used = (avail + 6 + 2 * q).next_multiple_of(ALIGN);
        let total = used + 6 + 8 * q;
        if total > room {
            return Err(RingError::BadSize);
        }
        Ok(Layout { size, avail, used, total })
    }
}

/// One buffer of a chain: `len` bytes at physical address `addr`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Buffer {
    pub addr: u64,
    pub len: u32,
    /// The device writes it (read data, the status byte).
    pub device_writes: bool,
}

/// A chain the device has finished with.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Used {
    /// The chain's first descriptor.
    pub id: u32,
    /// Bytes the device wrote into the chain.
    pub len: u32,
}

/// The driver's side of one queue.
#[derive(Debug)]
pub struct Queue {
    layout: Layout,
    /// The next available-ring index the driver publishes.
    avail_idx: u16,
    /// The used-ring index up to which the driver has consumed.
    last_used: u16,
    /// The head of the chain in flight.
    in_flight: Option<u16>,
}

fn put16(mem: &mut [u8], at: usize, v: u16) {
    mem[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn get16(mem: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([mem[at], mem[at + 1]])
}

fn get32(mem: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([mem[at], mem[at + 1], mem[at + 2], mem[at + 3]])
}

impl Queue {
    /// A queue over `mem` (at least `layout.total` bytes), which this
    /// clears: no descriptors, both rings empty, interrupts wanted.
    pub fn new(layout: Layout, mem: &mut [u8]) -> Queue {
        mem[..layout.total].fill(0);
        Queue { layout, avail_idx: 0, last_used: 0, in_flight: None }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Writes `chain` into descriptors `0..n`, linked in order, and
    /// publishes it in the available ring. The caller then notifies the
    /// device. Returns the head's id.
    pub fn submit(&mut self, mem: &mut [u8], chain: &[Buffer]) -> Result<u16, RingError> {
        if self.in_flight.is_some() {
            return Err(RingError::Busy);
        }
        if chain.is_empty() || chain.len() > self.layout.size as usize {
            return Err(RingError::BadChain);
        }
        for (i, b) in chain.iter().enumerate() {
            let d = i * DESC_BYTES;
            let last = i + 1 == chain.len();
            let flags = if last { 0 } else { F_NEXT } | if b.device_writes { F_WRITE } else { 0 };
            mem[d..d + 8].copy_from_slice(&b.addr.to_le_bytes());
            mem[d + 8..d + 12].copy_from_slice(&b.len.to_le_bytes());
            put16(mem, d + 12, flags);
            put16(mem, d + 14, if last { 0 } else { i as u16 + 1 });
        }
        let head = 0u16;
        let slot = self.layout.avail + 4 + 2 * (self.avail_idx % self.layout.size) as usize;
        put16(mem, slot, head);
        // The entry before the index: the device reads the index first and
        // trusts every entry below it. (x86 keeps stores in order; the
        // notify that follows is a system call, which the compiler does
        // not move these stores past.)
        self.avail_idx = self.avail_idx.wrapping_add(1);
        put16(mem, self.layout.avail + 2, self.avail_idx);
        self.in_flight = Some(head);
        Ok(head)
    }

    /// The next chain the device has used, if any: consumes it from the
    /// used ring and frees the descriptors when it is the one in flight.
    /// An entry naming any other head (a device gone wrong) is consumed
    /// and returned too; the caller treats it as an error.
    pub fn take_used(&mut self, mem: &[u8]) -> Option<Used> {
        let published = get16(mem, self.layout.used + 2);
        if published == self.last_used {
            return None;
        }
        let e = self.layout.used + 4 + 8 * (self.last_used % self.layout.size) as usize;
        let used = Used { id: get32(mem, e), len: get32(mem, e + 4) };
        self.last_used = self.last_used.wrapping_add(1);
        if self.in_flight.map(u32::from) == Some(used.id) {
            self.in_flight = None;
        }
        Some(used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The device's side, as the spec describes it, for the tests: reads
    /// a published chain and marks it used.
    fn device_complete(layout: &Layout, mem: &mut [u8], seen: &mut u16, written: u32) -> Vec<Buffer> {
        let idx = get16(mem, layout.avail + 2);
        assert_ne!(idx, *seen, "nothing published");
        let head = get16(mem, layout.avail + 4 + 2 * (*seen % layout.size) as usize);
        *seen = seen.wrapping_add(1);
        let mut chain = Vec::new();
        let mut d = head as usize;
        loop {
            let at = d * 16;
            let addr = u64::from_le_bytes(mem[at..at + 8].try_into().unwrap());
            let len = get32(mem, at + 8);
            let flags = get16(mem, at + 12);
            chain.push(Buffer { addr, len, device_writes: flags & F_WRITE != 0 });
            if flags & F_NEXT == 0 {
                break;
            }
            d = get16(mem, at + 14) as usize;
        }
        let used_idx = get16(mem, layout.used + 2);
        let e = layout.used + 4 + 8 * (used_idx % layout.size) as usize;
        mem[e..e + 4].copy_from_slice(&(head as u32).to_le_bytes());
        mem[e + 4..e + 8].copy_from_slice(&written.to_le_bytes());
        put16(mem, layout.used + 2, used_idx.wrapping_add(1));
        chain
    }

    #[test]
    fn layouts_of_the_usual_sizes() {
        // QEMU's legacy virtio-blk offers 256 (older versions 128).
        let l = Layout::new(256, 3 * 4096).unwrap();
        assert_eq!((l.avail, l.used, l.total), (4096, 8192, 8192 + 6 + 2048));
        let l = Layout::new(128, 2 * 4096).unwrap();
        assert_eq!((l.avail, l.used, l.total), (2048, 4096, 4096 + 6 + 1024));
        assert_eq!(Layout::new(256, 3 * 4096 - 1).map(|_| ()), Ok(()));
        assert_eq!(Layout::new(256, 8192 + 6 + 2047), Err(RingError::BadSize));
        for bad in [0, 3, 100, 0xffff] {
            assert_eq!(Layout::new(bad, 1 << 20), Err(RingError::BadSize), "{bad}");
        }
        assert!(Layout::new(1 << 15, usize::MAX).is_ok());
    }

    #[test]
    fn a_chain_goes_round_and_comes_back() {
        let l = Layout::new(8, 2 * 4096).unwrap();
        let mut mem = vec![0xeeu8; l.total];
        let mut q = Queue::new(l, &mut mem);
        let chain = [
            Buffer { addr: 0x1000, len: 16, device_writes: false },
            Buffer { addr: 0x2000, len: 4096, device_writes: true },
            Buffer { addr: 0x3000, len: 1, device_writes: true },
        ];
        let mut seen = 0u16;
        // Around the u16 counters several times: indexes wrap cleanly.
        for round in 0..70_000u32 {
            assert_eq!(q.take_used(&mem), None);
            let head = q.submit(&mut mem, &chain).unwrap();
            assert_eq!(q.submit(&mut mem, &chain), Err(RingError::Busy));
            if round % 10_000 == 0 {
                assert_eq!(device_complete(&l, &mut mem, &mut seen, 4097), chain.to_vec());
            } else {
                device_complete(&l, &mut mem, &mut seen, 4097);
            }
            assert_eq!(q.take_used(&mem), Some(Used { id: head as u32, len: 4097 }));
            assert!(!q.in_flight());
        }
    }

    #[test]
    fn chains_must_fit_the_queue() {
        let l = Layout::new(2, 4096 * 2).unwrap();
        let mut mem = vec![0u8; l.total];
        let mut q = Queue::new(l, &mut mem);
        let b = Buffer::default();
        assert_eq!(q.submit(&mut mem, &[]), Err(RingError::BadChain));
        assert_eq!(q.submit(&mut mem, &[b, b, b]), Err(RingError::BadChain));
        assert!(q.submit(&mut mem, &[b, b]).is_ok());
    }

    #[test]
    fn a_stray_used_entry_does_not_free_the_chain() {
        let l = Layout::new(4, 4096 * 2).unwrap();
        let mut mem = vec![0u8; l.total];
        let mut q = Queue::new(l, &mut mem);
        q.submit(&mut mem, &[Buffer::default()]).unwrap();
        // The device reports a head that was never submitted.
        let e = l.used + 4;
        mem[e..e + 4].copy_from_slice(&3u32.to_le_bytes());
        put16(&mut mem, l.used + 2, 1);
        assert_eq!(q.take_used(&mem), Some(Used { id: 3, len: 0 }));
        assert!(q.in_flight());
        assert_eq!(q.take_used(&mem), None);
    }
}
