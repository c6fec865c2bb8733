// SPDX-License-Identifier: BSD-2-Clause
//! The driver's answer to every message: who may ask, what the words
//! mean, whether the stretch of disk is valid, and the copies through the
//! sender's grants, over a [`Device`] that moves sectors and a [`Copier`]
//! that moves bytes between grants and the driver's buffer. The glue
//! gives it the virtio device and VM's safecopy; the tests give it a RAM
//! disk and a model of the grants.
use minix_abi::blk::{Dir, Extent, IoVec, Request, IOV_ENTRY_BYTES, MAX_TRANSFER};
use minix_abi::endpoint::{Endpoint, Sender, FS, INIT};
use minix_abi::errno::{Errno, EINVAL, ENXIO, EPERM};
use minix_abi::message::{RawRequest, Reply};

/// What the driver counts, for `STATS`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests the device completed.
    pub completed: u64,
    /// Interrupts taken (each one acknowledged).
    pub interrupts: u64,
    /// Interrupts after which the device had completed nothing.
    pub spurious: u64,
    /// TSC ticks from each notify to the wake-up that found its
    /// completion: the device's time, the interrupt and the kernel's
    /// wake-up (where the driver's own work is not).
    pub wait_ticks: u64,
}

/// A disk that moves whole validated extents.
pub trait Device {
    /// Bytes on the device.
    fn capacity(&self) -> u64;
    /// Reads `e` into `out` (exactly `e.bytes()` long).
    fn read(&mut self, e: Extent, out: &mut [u8]) -> Result<(), Errno>;
    /// Writes `data` (exactly `e.bytes()` long) to `e`.
    fn write(&mut self, e: Extent, data: &[u8]) -> Result<(), Errno>;
    /// Makes every completed write durable.
    fn flush(&mut self) -> Result<(), Errno>;
    fn stats(&self) -> Stats;
}

/// Copies between the sender's grants and the driver's buffer.
pub trait Copier {
    /// The buffer: [`MAX_TRANSFER`] bytes.
    fn buffer(&mut self) -> Result<&mut [u8], Errno>;
    /// `len` bytes from the start of `granter`'s grant into the buffer at
    /// `at`.
    fn copy_from(&mut self, granter: Endpoint, grant: i32, at: usize, len: usize) -> Result<(), Errno>;
    /// `len` bytes of the buffer at `at` to the start of `granter`'s grant.
    fn copy_to(&mut self, granter: Endpoint, grant: i32, at: usize, len: usize) -> Result<(), Errno>;
}

/// Who may use the driver: FS, its client, and init, the in-guest test
/// client (as init alone may also shut the system down). Everyone else,
/// and anything that is not a plain request from a process, is refused.
pub fn allowed(sender: Sender) -> Option<Endpoint> {
    match sender {
        Sender::Process(ep) if ep == FS || ep == INIT => Some(ep),
        _ => None,
    }
}

/// The driver's state: its device (none when the machine has no disk)
/// and how many opens are outstanding.
pub struct Server<D> {
    dev: Option<D>,
    opens: u64,
}

impl<D: Device> Server<D> {
    pub fn new(dev: Option<D>) -> Server<D> {
        Server { dev, opens: 0 }
    }

    pub fn device(&self) -> Option<&D> {
        self.dev.as_ref()
    }

    #[cfg(test)]
    pub(crate) fn dev_mut_for_tests(&mut self) -> &mut D {
        self.dev.as_mut().expect("a device")
    }

    /// Answers one message. `carried_caps` is whether the message came
    /// with capabilities (transferred or unwrapped): the protocol has
    /// none, so such a message is refused.
    pub fn handle(&mut self, sender: Sender, req: &RawRequest, carried_caps: bool, io: &mut impl Copier) -> Reply {
        let Some(who) = allowed(sender) else { return Reply::err(EPERM) };
        if carried_caps {
            return Reply::err(EINVAL);
        }
        match Request::decode(req).and_then(|r| self.request(who, r, io)) {
            Ok(r) => r,
            Err(e) => Reply::err(e),
        }
    }

    fn request(&mut self, who: Endpoint, r: Request, io: &mut impl Copier) -> Result<Reply, Errno> {
        if let Request::Stats = r {
            let s = self.dev.as_ref().map(|d| d.stats()).unwrap_or_default();
            return Ok(Reply::ok_with(s.completed, [s.interrupts, s.spurious, s.wait_ticks]));
        }
        let minor = match r {
            Request::Open { minor, .. }
            | Request::Close { minor }
            | Request::Transfer { minor, .. }
            | Request::Vector { minor, .. }
            | Request::Flush { minor }
            | Request::GetSize { minor } => minor,
            Request::Stats => 0,
        };
        // One device, minor 0; none at all without a disk.
        let dev = match self.dev.as_mut() {
            Some(d) if minor == 0 => d,
            _ => return Err(ENXIO),
        };
        let done = match r {
            Request::Open { .. } => {
                self.opens += 1;
                0
            }
            Request::Close { .. } => {
                self.opens = self.opens.checked_sub(1).ok_or(EINVAL)?;
                0
            }
            Request::GetSize { .. } => dev.capacity(),
            Request::Flush { .. } => dev.flush().map(|_| 0)?,
            Request::Transfer { dir, position, grant, bytes, .. } => {
                let e = Extent::new(position, bytes, dev.capacity())?;
                let pieces = [minix_abi::blk::Piece { grant, len: e.bytes() }];
                move_data(dev, io, who, dir, e, &pieces)?
            }
            Request::Vector { dir, position, grant, count, .. } => {
                // The vector first, into the buffer, decoded into a copy of
                // its own; then the buffer is free for the data.
                let vlen = (count * IOV_ENTRY_BYTES) as usize;
                io.copy_from(who, grant, 0, vlen)?;
                let v = IoVec::decode(&io.buffer()?[..vlen], count)?;
                let e = Extent::new(position, v.total(), dev.capacity())?;
                move_data(dev, io, who, dir, e, v.pieces())?
            }
            Request::Stats => 0,
        };
        Ok(Reply::ok(done))
    }
}

/// Moves extent `e` between the device and the pieces of `who`'s grants
/// (together exactly `e.bytes()` long), through the buffer. A write takes
/// every piece in before the device is touched; a read gives nothing out
/// unless the device read it all. Returns the bytes moved.
fn move_data<D: Device>(
    dev: &mut D,
    io: &mut impl Copier,
    who: Endpoint,
    dir: Dir,
    e: Extent,
    pieces: &[minix_abi::blk::Piece],
) -> Result<u64, Errno> {
    let n = e.bytes() as usize;
    if n as u64 > MAX_TRANSFER || pieces.iter().map(|p| p.len).sum::<u64>() != e.bytes() {
        return Err(EINVAL);
    }
    match dir {
        Dir::Out => {
            let mut at = 0;
            for p in pieces {
                io.copy_from(who, p.grant, at, p.len as usize)?;
                at += p.len as usize;
            }
            dev.write(e, &io.buffer()?[..n])?;
        }
        Dir::In => {
            dev.read(e, &mut io.buffer()?[..n])?;
            let mut at = 0;
            for p in pieces {
                io.copy_to(who, p.grant, at, p.len as usize)?;
                at += p.len as usize;
            }
        }
    }
    Ok(e.bytes())
}
