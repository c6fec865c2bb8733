// SPDX-License-Identifier: BSD-2-Clause
//! The shared clock page in every user process: the timer driver's frame
//! (VM holds a read-only cap to it, `cs::CLOCK_FRAME`), mapped read-only
//! at `cs::addr::CLOCK_PAGE`, right after the IPC buffer, as a
//! direct-physical page of the region model, and pinned with the IPC
//! buffer so that no munmap or MAP_FIXED of the process's own can take it
//! away. Spawn and fork map it (`map_ipc` calls in here); exit unmaps it
//! with everything else.
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
    /// Maps the clock page read-only into a process being built (before
    /// its pin is set).
    pub(super) fn map_clock_page(&mut self, space: &mut AddressSpace, vs: &mut UserVSpace) -> Result<(), Errno> {
        let paddr = paddr()?;
        let (_, rel) = space.map_phys(cs::addr::CLOCK_PAGE, PAGE_SIZE as u64, paddr, Prot::READ, true, &mut self.frames)?;
        self.apply(vs, rel);
        let m = Mapping { vaddr: cs::addr::CLOCK_PAGE, frame: PageFrame::Phys(paddr), writable: false, flags: Default::default() };
        // The mapping's cap is a copy of VM's read-only one, so it maps
        // read-only whatever it is asked.
        vs.install(&mut self.frames, &m, Some(cs::CLOCK_FRAME))
    }
}
