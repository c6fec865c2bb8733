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
}

/// The initial caps the kernel gives the root task (seL4_CapInitThread*).
pub mod init {
    use super::*;
    pub const TCB: Tcb = Tcb::from_bits(1);
    pub const CNODE: CNode = CNode::from_bits(2);
    pub const VSPACE: VSpace = VSpace::from_bits(3);
    pub const IRQ_CONTROL: IrqControl = IrqControl::from_bits(4);
    pub const ASID_CONTROL: AsidControl = AsidControl::from_bits(5);
    pub const ASID_POOL: AsidPool = AsidPool::from_bits(6);
    pub const IO_PORT: IoPort = IoPort::from_bits(7);
    pub const BOOTINFO_FRAME: Frame = Frame::from_bits(9);
    pub const IPC_BUFFER: Frame = Frame::from_bits(10);
}

/// Depth of a full CPtr lookup. Every CSpace we build resolves a whole
/// machine word (its root CNode carries a guard for the unused high bits).
pub const WORD_BITS: u64 = 64;
