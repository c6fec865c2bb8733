// SPDX-License-Identifier: BSD-2-Clause
//! Capability pointers and typed capabilities.

/// A capability pointer: an address in the caller's CSpace.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash, PartialOrd, Ord)]
pub struct CPtr(pub u64);

macro_rules! cap_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
        pub struct $name(pub CPtr);
        impl $name {
            pub const fn from_bits(bits: u64) -> Self { $name(CPtr(bits)) }
            pub const fn cptr(self) -> CPtr { self.0 }
            pub const fn bits(self) -> u64 { self.0 .0 }
        }
    )*};
}

cap_types! {
    /// Untyped memory.
    Untyped;
    /// A thread control block.
    Tcb;
    /// A CNode.
    CNode;
    /// An IPC endpoint.
    Endpoint;
    /// A notification object.
    Notification;
    /// A 4 KiB frame (seL4_X86_Page).
    Frame;
    /// A page table.
    PageTable;
    /// A page directory.
    PageDirectory;
    /// A page-directory-pointer table.
    Pdpt;
    /// A PML4: the root of a VSpace.
    VSpace;
    /// An ASID pool.
    AsidPool;
    /// The ASID control cap.
    AsidControl;
    /// The I/O port cap.
    IoPort;
    /// The IRQ control cap.
    IrqControl;
    /// The handler of one interrupt: acknowledges it and names the
    /// notification it signals.
    IrqHandler;
}

/// The initial caps the kernel gives the root task (seL4_CapInitThread*),
/// at the slots libsel4's bootinfo header names.
pub mod init {
    use super::*;
    use crate::init_slot;
    pub const TCB: Tcb = Tcb::from_bits(init_slot::TCB);
    pub const CNODE: CNode = CNode::from_bits(init_slot::CNODE);
    pub const VSPACE: VSpace = VSpace::from_bits(init_slot::VSPACE);
    pub const IRQ_CONTROL: IrqControl = IrqControl::from_bits(init_slot::IRQ_CONTROL);
    pub const ASID_CONTROL: AsidControl = AsidControl::from_bits(init_slot::ASID_CONTROL);
    pub const ASID_POOL: AsidPool = AsidPool::from_bits(init_slot::ASID_POOL);
    pub const IO_PORT: IoPort = IoPort::from_bits(init_slot::IO_PORT);
    pub const BOOTINFO_FRAME: Frame = Frame::from_bits(init_slot::BOOTINFO_FRAME);
    pub const IPC_BUFFER: Frame = Frame::from_bits(init_slot::IPC_BUFFER);
}

/// The depth to pass with every CPtr we resolve (CNode copy, mint, move,
/// delete, save_caller, a receive path): a whole machine word. Every CNode
/// cap we install as a CSpace root is a guarded one (see
/// [`crate::cnode_guard_data`]) whose guard covers the bits above its
/// radix, so a plain slot number used as a CPtr resolves only at the full
/// word; any other depth would be a lookup failure.
pub const CNODE_DEPTH: u64 = crate::WORD_BITS;
