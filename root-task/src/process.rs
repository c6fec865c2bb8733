// SPDX-License-Identifier: BSD-2-Clause
//! Building the system processes: a VSpace, a CNode, a TCB, an IPC buffer
//! and the caps of the role, then starting the first thread. A server may
//! also get threads that it starts itself (VFS's workers).
use crate::kobj::Kernel;
use crate::loader;
use crate::vspace::map_frame;
use minix_abi::cspace;
use minix_abi::endpoint::Endpoint;
use root_task::proctab::ProcCaps;
use sel4::{cnode_guard_data, init, object, CNode, CPtr, CapRights, Frame, Tcb, UserContext, VSpace};

/// A process under construction.
pub struct Built {
    pub caps: ProcCaps,
    pub cnode: CNode,
    pub cnode_bits: u64,
    pub tcb: Tcb,
    pub prio: u8,
    pub entry: u64,
    pub pages: u64,
}

fn err<E: core::fmt::Debug>(what: &'static str) -> impl FnOnce(E) -> &'static str {
    move |_| what
}

/// Creates the VSpace (with an ASID), loads `image`, creates a CNode of
/// `cnode_bits` radix that resolves a whole word, and a TCB configured
/// with its fault endpoint at [`cspace::FAULT_EP`].
pub fn build(k: &mut Kernel, image: &[u8], cnode_bits: u64, prio: u8) -> Result<Built, &'static str> {
    let vspace = VSpace(k.alloc(object::PML4, 0).map_err(err("pml4"))?);
    init::ASID_POOL.assign(vspace).map_err(err("asid"))?;
    let loaded = loader::load(k, image, vspace).map_err(err("elf load"))?;

    let raw_cnode = CNode(k.alloc(object::CNODE, cnode_bits).map_err(err("cnode"))?);
    // A copy with a guard, so the process's lookups resolve 64 bits.
    let cnode = CNode(k.slot().map_err(err("slot"))?);
    let root: CNode = init::CNODE;
    root.mint(cnode.bits(), sel4::CNODE_DEPTH, root, raw_cnode.bits(), sel4::CNODE_DEPTH, CapRights::ALL, cnode_guard_data(cnode_bits))
        .map_err(err("mint cnode"))?;

    let ipc = Frame(k.alloc(object::FRAME_4K, 0).map_err(err("ipc frame"))?);
    map_frame(k, vspace, ipc, cspace::addr::IPC_BUFFER, CapRights::READ_WRITE).map_err(err("map ipc"))?;
    let tcb = Tcb(k.alloc(object::TCB, 0).map_err(err("tcb"))?);
    tcb.configure(CPtr(cspace::FAULT_EP), prio, 0, cnode, 0, vspace, cspace::addr::IPC_BUFFER, ipc).map_err(err("configure"))?;
    Ok(Built {
        caps: ProcCaps { tcb: tcb.bits(), cnode: cnode.bits(), ipc_frame: ipc.bits(), vspace: vspace.bits(), ..ProcCaps::default() },
        cnode: raw_cnode,
        cnode_bits,
        tcb,
        prio,
        entry: loaded.entry,
        pages: loaded.pages,
    })
}

impl Built {
    /// Copies a cap of the root CNode into the process's CNode.
    pub fn give(&self, dest: u64, src: CPtr, rights: CapRights) -> Result<(), &'static str> {
        let root: CNode = init::CNODE;
        self.cnode.copy(dest, self.cnode_bits, root, src.0, sel4::CNODE_DEPTH, rights).map_err(err("copy cap"))
    }

    /// Mints a badged copy of an endpoint into the process's CNode.
    pub fn give_badged(&self, dest: u64, ep: CPtr, rights: CapRights, badge: u64) -> Result<(), &'static str> {
        let root: CNode = init::CNODE;
        self.cnode.mint(dest, self.cnode_bits, root, ep.0, sel4::CNODE_DEPTH, rights, badge).map_err(err("mint cap"))
    }

    /// Moves a cap of the root CNode into the process's CNode.
    pub fn give_move(&self, dest: u64, src: CPtr) -> Result<(), &'static str> {
        let root: CNode = init::CNODE;
        self.cnode.move_(dest, self.cnode_bits, root, src.0, sel4::CNODE_DEPTH).map_err(err("move cap"))
    }

    /// Makes another thread of the process, configured as the first one
    /// (CNode, VSpace, fault endpoint slot, priority), with a new IPC
    /// buffer frame mapped at `ipc_buffer`. It is not started: the
    /// process itself writes its registers.
    pub fn add_thread(&self, k: &mut Kernel, ipc_buffer: u64) -> Result<Tcb, &'static str> {
        let vspace = VSpace::from_bits(self.caps.vspace);
        let ipc = Frame(k.alloc(object::FRAME_4K, 0).map_err(err("worker ipc frame"))?);
        map_frame(k, vspace, ipc, ipc_buffer, CapRights::READ_WRITE).map_err(err("map worker ipc"))?;
        let tcb = Tcb(k.alloc(object::TCB, 0).map_err(err("worker tcb"))?);
        let cnode = CNode::from_bits(self.caps.cnode);
        tcb.configure(CPtr(cspace::FAULT_EP), self.prio, 0, cnode, 0, vspace, ipc_buffer, ipc).map_err(err("configure worker"))?;
        Ok(tcb)
    }

    /// Starts the first thread at the ELF entry with `arg` in rdi.
    pub fn start(&self, arg: u64) -> Result<(), &'static str> {
        let regs = UserContext { rip: self.entry, rdi: arg, rflags: 0x202, ..Default::default() };
        self.tcb.write_registers(true, &regs).map_err(err("start"))
    }
}

/// The start-up word for a server: its endpoint, plus a count in the high
/// half (VM: how many untyped caps it got).
pub fn startup_word(ep: Endpoint, count: u64) -> u64 {
    ep.0 as u64 | (count << 32)
}
