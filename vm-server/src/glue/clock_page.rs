// SPDX-License-Identifier: BSD-2-Clause
//! The shared clock page in every user process: the timer driver's frame
//! (VM holds a read-only cap to it, `cs::CLOCK_FRAME`), mapped read-only
//! at `cs::addr::CLOCK_PAGE`, right after the IPC buffer. The region
//! model holds it as a read-only direct-physical page, pinned with the IPC
//! buffer, so that no munmap or MAP_FIXED of the process's own can take
//! it away and a write kills; spawn adds it, a forked child inherits it.
//! The kernel mapping is installed like the IPC buffer's (`map_ipc` calls
//! in here), with a cap copy of its own that the VSpace's `unmap_all`
//! takes back at exit with the rest.
use super::uspace::UserVSpace;
use super::Vm;
use core::sync::atomic::{AtomicU64, Ordering};
use minix_abi::cspace as cs;
use minix_abi::errno::{Errno, EINVAL};
use sel4::{Frame, PAGE_SIZE};
use vm_server::page::{Mapping, PageFrame};
use vm_server::{AddressSpace, Prot};

/// What VM pins in every user process: the IPC buffer and the clock page.
pub const PINNED_LEN: u64 = 2 * PAGE_SIZE as u64;
const _: () = assert!(cs::addr::CLOCK_PAGE == cs::addr::IPC_BUFFER + PAGE_SIZE as u64);

/// The frame's physical address, asked of the kernel once (0: not yet).
static PADDR: AtomicU64 = AtomicU64::new(0);

fn paddr() -> Result<u64, Errno> {
    match PADDR.load(Ordering::Relaxed) {
        0 => {
            let p = Frame::from_bits(cs::CLOCK_FRAME).physical_address().map_err(|_| EINVAL)?;
            PADDR.store(p, Ordering::Relaxed);
            Ok(p)
        }
        p => Ok(p),
    }
}

impl Vm {
    /// Gives a process being built (before its pin is set) the clock page:
    /// the model's read-only page unless it inherited one, and the kernel
    /// mapping in its VSpace.
    pub(super) fn map_clock_page(&mut self, space: &mut AddressSpace, vs: &mut UserVSpace) -> Result<(), Errno> {
        let paddr = paddr()?;
        // A forked child has its parent's (the same page, read-only and
        // pinned since the parent's spawn).
        if !space.allows(cs::addr::CLOCK_PAGE, false) {
            let (_, rel) = space.map_phys(cs::addr::CLOCK_PAGE, PAGE_SIZE as u64, paddr, Prot::READ, true, &mut self.frames)?;
            self.apply(vs, rel);
        }
        let m = Mapping { vaddr: cs::addr::CLOCK_PAGE, frame: PageFrame::Phys(paddr), writable: false, flags: Default::default() };
        // The mapping's cap is a copy of VM's read-only one, so it maps
        // read-only whatever it is asked.
        vs.install(&mut self.frames, &m, Some(cs::CLOCK_FRAME))
    }
}
