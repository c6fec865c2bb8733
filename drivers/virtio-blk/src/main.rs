// SPDX-License-Identifier: BSD-2-Clause
//! The block driver's seL4 glue: bring up the legacy virtio-blk device
//! through the ports the root task gave it, report ready to PM, then
//! serve. The decisions are the library's (`blk_driver::server` answers
//! every message); the glue only does port I/O, waits for the interrupt,
//! and copies through grants with VM's safecopy.
//!
//! The start-up word holds the endpoint in its low half and, in bits
//! 32-47, BAR0's first port, with bit 48 set when the root task found a
//! disk (the port cap itself does not tell its range).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use blk_driver::dma::{self, PhysMap};
    use blk_driver::legacy::{self as reg, accepted_features};
    use blk_driver::server::{Copier, Device, Server, Stats};
    use blk_driver::vring::{Buffer, Layout, Queue};
    use grant::GrantId;
    use minix_abi::blk::{Extent, MAX_TRANSFER, SECTOR};
    use minix_abi::cspace::{self, blk as slots};
    use minix_abi::endpoint::{Endpoint, BLK};
    use minix_abi::errno::{Errno, EINVAL, EIO, ENOMEM};
    use minix_abi::pm;
    use minix_abi::vm::{PROT_READ, PROT_WRITE};
    use mxrt::grants::{safecopy_from, safecopy_to};
    use mxrt::posix::Mapping;
    use sel4::{CPtr, Frame, IoPort, IrqHandler, MappedRegion};
    use sel4_root_task::println;

    sel4_root_task::declare_main!("blk", main);

    fn main(arg: u64) -> ! {
        let word = arg >> 32;
        let dev = if word & (1 << 16) != 0 {
            match Virtio::start(word as u16) {
                Ok(d) => {
                    println!(
                        "blk: virtio-blk ready: {} sectors, queue of {}, flush {}",
                        d.capacity / SECTOR,
                        d.queue.layout().size,
                        if d.flush { "offered" } else { "not offered" }
                    );
                    Some(d)
                }
                Err(why) => {
                    println!("blk: the disk did not start ({}); answering ENXIO", why);
                    None
                }
            }
        } else {
            println!("blk: no disk; answering ENXIO");
            None
        };
        let mut server = Server::new(dev);
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("blk: PM refused the ready report");
        }
        // A receive path, so that a cap attached to a request arrives and
        // the request is refused (the protocol carries none) instead of
        // the kernel dropping the cap silently; the loop then empties the
        // slot.
        sel4::set_receive_path(CPtr(cspace::SELF_CNODE), cspace::RECV_SLOT, sel4::CNODE_DEPTH);
        let mut copies = Copies { buf: None };
        mxrt::server::serve(CPtr(cspace::SERVICE_EP), BLK, |inc| {
            let caps = inc.raw.info.extra_caps() != 0 || inc.raw.info.caps_unwrapped() != 0;
            Some(server.handle(inc.sender, &inc.req, caps, &mut copies))
        })
    }

    /// The device: its ports, its interrupt, the DMA area and the queue.
    struct Virtio {
        io: IoPort,
        base: u16,
        irq: IrqHandler,
        ntfn: CPtr,
        /// The DMA area, mapped by the root task; the device writes it
        /// only between a notify and the interrupt that follows, while
        /// this (only) thread waits on the notification and no slice of
        /// it is borrowed.
        mem: MappedRegion,
        phys: PhysMap,
        queue: Queue,
        /// Bytes.
        capacity: u64,
        flush: bool,
        stats: Stats,
    }

    impl Virtio {
        /// The legacy initialisation: reset, acknowledge, accept only
        /// FLUSH, give queue 0 its ring, DRIVER_OK; then unmask the
        /// interrupt (the kernel routes an IOAPIC pin masked).
        fn start(base: u16) -> Result<Virtio, &'static str> {
            let io = IoPort::from_bits(slots::IO_PORT);
            let port = |r: u16| base.checked_add(r).ok_or("port range");
            let mut pages = [0u64; dma::PAGES];
            for (i, p) in pages.iter_mut().enumerate() {
                *p = Frame::from_bits(slots::DMA_FRAME_BASE + i as u64).physical_address().map_err(|_| "a DMA frame's address")?;
            }
            let phys = PhysMap::new(pages).ok_or("the ring's frames are not contiguous")?;
            // SAFETY: the root task mapped DMA_PAGES frames read-write at
            // DMA_BASE in this VSpace, inside the server area VM keeps its
            // mmap out of, and nothing else here names that range. The
            // device writes it only while this thread waits for its
            // interrupt (`Virtio::run`), when no slice of it is borrowed.
            let mut mem = unsafe { MappedRegion::new(slots::DMA_BASE, dma::PAGES as u64 * 4096, true) };
            io.out8(port(reg::DEVICE_STATUS)?, 0).map_err(|_| "reset: port refused")?;
            io.out8(port(reg::DEVICE_STATUS)?, reg::STATUS_ACKNOWLEDGE).map_err(|_| "status")?;
            io.out8(port(reg::DEVICE_STATUS)?, reg::STATUS_ACKNOWLEDGE | reg::STATUS_DRIVER).map_err(|_| "status")?;
            let offered = io.in32(port(reg::DEVICE_FEATURES)?).map_err(|_| "features")?;
            let features = accepted_features(offered);
            io.out32(port(reg::GUEST_FEATURES)?, features).map_err(|_| "features")?;
            io.out16(port(reg::QUEUE_SELECT)?, 0).map_err(|_| "queue select")?;
            let size = io.in16(port(reg::QUEUE_SIZE)?).map_err(|_| "queue size")?;
            let layout = Layout::new(size, dma::RING_PAGES * dma::PAGE).map_err(|_| "queue size unusable")?;
            let queue = Queue::new(layout, mem.as_mut_slice());
            let pfn = phys.ring_pfn().ok_or("ring above 2^44")?;
            io.out32(port(reg::QUEUE_PFN)?, pfn).map_err(|_| "queue address")?;
            let lo = io.in32(port(reg::BLK_CAPACITY)?).map_err(|_| "capacity")? as u64;
            let hi = io.in32(port(reg::BLK_CAPACITY + 4)?).map_err(|_| "capacity")? as u64;
            let capacity = (hi << 32 | lo).checked_mul(SECTOR).ok_or("capacity")?;
            let ok = reg::STATUS_ACKNOWLEDGE | reg::STATUS_DRIVER | reg::STATUS_DRIVER_OK;
            io.out8(port(reg::DEVICE_STATUS)?, ok).map_err(|_| "status")?;
            let irq = IrqHandler::from_bits(slots::IRQ_HANDLER);
            irq.ack().map_err(|_| "unmasking the interrupt")?;
            Ok(Virtio {
                io,
                base,
                irq,
                ntfn: CPtr(slots::IRQ_NTFN),
                mem,
                phys,
                queue,
                capacity,
                flush: features & reg::BLK_F_FLUSH != 0,
                stats: Stats::default(),
            })
        }

        /// One request: the header, `data` bytes of the data buffer (the
        /// device writes them when `device_writes`), the status byte.
        /// Submits it, notifies, and waits for the interrupt that says it
        /// is done; never polls.
        fn run(&mut self, kind: u32, sector: u64, data: usize, device_writes: bool) -> Result<(), Errno> {
            let m = self.mem.as_mut_slice();
            m[dma::HEADER_OFFSET..dma::HEADER_OFFSET + 16].copy_from_slice(&reg::header(kind, sector));
            m[dma::STATUS_OFFSET] = 0xff;
            let mut chain = [Buffer::default(); dma::MAX_DATA_BUFFERS + 2];
            chain[0] = Buffer { addr: self.phys.addr(dma::HEADER_OFFSET), len: 16, device_writes: false };
            let mut bufs = [Buffer::default(); dma::MAX_DATA_BUFFERS];
            let n = if data > 0 { self.phys.data_buffers(data, device_writes, &mut bufs) } else { 0 };
            chain[1..1 + n].copy_from_slice(&bufs[..n]);
            chain[1 + n] = Buffer { addr: self.phys.addr(dma::STATUS_OFFSET), len: 1, device_writes: true };
            let head = self.queue.submit(m, &chain[..n + 2]).map_err(|_| EIO)?;
            let notified = sel4::rdtsc();
            self.io.out16(self.base + reg::QUEUE_NOTIFY, 0).map_err(|_| EIO)?;
            let used = loop {
                sel4::wait(self.ntfn);
                // Reading the ISR lowers the line; then the kernel may
                // unmask the pin.
                let _ = self.io.in8(self.base + reg::ISR_STATUS);
                self.stats.interrupts += 1;
                let _ = self.irq.ack();
                match self.queue.take_used(self.mem.as_slice()) {
                    Some(u) => break u,
                    None => self.stats.spurious += 1,
                }
            };
            self.stats.completed += 1;
            self.stats.wait_ticks += sel4::rdtsc().wrapping_sub(notified);
            if used.id != head as u32 {
                println!("blk: the device completed descriptor {} for {}", used.id, head);
                return Err(EIO);
            }
            match self.mem.as_slice()[dma::STATUS_OFFSET] {
                reg::S_OK => Ok(()),
                _ => Err(EIO),
            }
        }
    }

    impl Device for Virtio {
        fn capacity(&self) -> u64 {
            self.capacity
        }

        fn read(&mut self, e: Extent, out: &mut [u8]) -> Result<(), Errno> {
            let n = out.len();
            self.run(reg::T_IN, e.sector(), n, true)?;
            out.copy_from_slice(&self.mem.as_slice()[dma::DATA_OFFSET..dma::DATA_OFFSET + n]);
            Ok(())
        }

        fn write(&mut self, e: Extent, data: &[u8]) -> Result<(), Errno> {
            let n = data.len();
            self.mem.as_mut_slice()[dma::DATA_OFFSET..dma::DATA_OFFSET + n].copy_from_slice(data);
            self.run(reg::T_OUT, e.sector(), n, false)
        }

        /// With FLUSH negotiated, a `T_FLUSH` request: the device answers
        /// it once every completed write is durable. Without it the
        /// device has no write cache to flush (the feature is how a
        /// device says it has one), so there is nothing to do.
        fn flush(&mut self) -> Result<(), Errno> {
            if !self.flush {
                return Ok(());
            }
            self.run(reg::T_FLUSH, 0, 0, false)
        }

        fn stats(&self) -> Stats {
            self.stats
        }
    }

    /// Copies through the client's grants with VM's copy engine. The
    /// buffer must be memory VM manages, so it comes from VM's mmap,
    /// mapped on the first request (VM adopts the driver only after every
    /// server is ready).
    struct Copies {
        buf: Option<Mapping>,
    }

    impl Copies {
        fn mapping(&mut self) -> Result<&mut Mapping, Errno> {
            if self.buf.is_none() {
                self.buf = Some(mxrt::posix::mmap_region(MAX_TRANSFER, PROT_READ | PROT_WRITE)?);
            }
            self.buf.as_mut().ok_or(ENOMEM)
        }

        /// The address of `len` bytes at `at` in the buffer. VM copies
        /// wherever it is told, so a copy outside the buffer is refused
        /// here.
        fn at(&mut self, at: usize, len: usize) -> Result<u64, Errno> {
            let buf = self.mapping()?;
            match at.checked_add(len) {
                Some(end) if end as u64 <= buf.len() => Ok(buf.base() + at as u64),
                _ => Err(EINVAL),
            }
        }
    }

    impl Copier for Copies {
        fn buffer(&mut self) -> Result<&mut [u8], Errno> {
            Ok(self.mapping()?.as_mut_slice())
        }

        fn copy_from(&mut self, granter: Endpoint, grant: i32, at: usize, len: usize) -> Result<(), Errno> {
            safecopy_from(granter, GrantId(grant), 0, self.at(at, len)?, len as u64)
        }

        fn copy_to(&mut self, granter: Endpoint, grant: i32, at: usize, len: usize) -> Result<(), Errno> {
            safecopy_to(granter, GrantId(grant), 0, self.at(at, len)?, len as u64)
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
