// SPDX-License-Identifier: BSD-2-Clause
//! Kernel object invocations. Labels come from the generated constants;
//! argument order follows the kernel's interface XML.
use crate::bitfield::{cap_rights as rights_bits, guard, prio_props};
use crate::{
    call,
    cap::*,
    error::Error,
    ipc_buffer::{set_cap, set_mr},
    label, MessageInfo, Received, Result,
};

// Each right is one bit, as the constants below assume.
const _: () =
    assert!(rights_bits::CAP_ALLOW_WRITE_BITS == 1 && rights_bits::CAP_ALLOW_READ_BITS == 1 && rights_bits::CAP_ALLOW_GRANT_BITS == 1);
// Priorities are u8 here; the fields must hold one.
const _: () = assert!(prio_props::PRIO_BITS == 8 && prio_props::MCP_BITS == 8);

/// Access rights on a capability (seL4_CapRights; the bit positions come
/// from the kernel's bitfield spec).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct CapRights(pub u64);

impl CapRights {
    pub const NONE: CapRights = CapRights(0);
    pub const WRITE: CapRights = CapRights(1 << rights_bits::CAP_ALLOW_WRITE_SHIFT);
    pub const READ: CapRights = CapRights(1 << rights_bits::CAP_ALLOW_READ_SHIFT);
    pub const GRANT: CapRights = CapRights(1 << rights_bits::CAP_ALLOW_GRANT_SHIFT);
    pub const READ_WRITE: CapRights = CapRights::READ.union(CapRights::WRITE);
    pub const ALL: CapRights = CapRights::READ_WRITE.union(CapRights::GRANT);
    pub const fn union(self, other: CapRights) -> CapRights {
        CapRights(self.0 | other.0)
    }
}

/// x86 page attributes; 0 is write-back, the default.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct VmAttributes(pub u64);

/// Registers for TCB_WriteRegisters, in the kernel's order.
#[derive(Copy, Clone, Debug, Default)]
#[repr(C)]
pub struct UserContext {
    pub rip: u64,
    pub rsp: u64,
    pub rflags: u64,
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub fs_base: u64,
}

impl UserContext {
    /// The kernel's seL4_UserContext size: a mismatch with the fields
    /// listed below fails to compile (the arrays would not match).
    const COUNT: usize = crate::USER_CONTEXT_WORDS;
    fn from_words(w: &[u64; Self::COUNT]) -> UserContext {
        UserContext {
            rip: w[0],
            rsp: w[1],
            rflags: w[2],
            rax: w[3],
            rbx: w[4],
            rcx: w[5],
            rdx: w[6],
            rsi: w[7],
            rdi: w[8],
            rbp: w[9],
            r8: w[10],
            r9: w[11],
            r10: w[12],
            r11: w[13],
            r12: w[14],
            r13: w[15],
            r14: w[16],
            r15: w[17],
            fs_base: w[18],
        }
    }

    fn words(&self) -> [u64; Self::COUNT] {
        [
            self.rip,
            self.rsp,
            self.rflags,
            self.rax,
            self.rbx,
            self.rcx,
            self.rdx,
            self.rsi,
            self.rdi,
            self.rbp,
            self.r8,
            self.r9,
            self.r10,
            self.r11,
            self.r12,
            self.r13,
            self.r14,
            self.r15,
            self.fs_base,
        ]
    }
}

/// Performs an invocation: `args` as message words, `caps` as extra caps.
fn invoke(target: CPtr, label: u64, args: &[u64], caps: &[CPtr]) -> Result<Received> {
    let mut mrs = [0u64; 4];
    for (i, a) in args.iter().enumerate() {
        if i < 4 {
            mrs[i] = *a;
        } else {
            set_mr(i, *a);
        }
    }
    for (i, c) in caps.iter().enumerate() {
        set_cap(i, *c);
    }
    let info = MessageInfo::new(label, 0, caps.len() as u64, args.len() as u64);
    let r = call(target, info, mrs);
    match Error::from_label(r.info.label()) {
        None => Ok(r),
        Some(e) => Err(e),
    }
}

impl Untyped {
    /// Untyped_Retype: creates `num` objects of `object_type` into
    /// `root` at `node_index`/`node_depth`, starting at slot `offset`.
    // Mirrors seL4's Untyped_Retype arguments one for one; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn retype(
        self,
        object_type: u64,
        size_bits: u64,
        root: CNode,
        node_index: u64,
        node_depth: u64,
        offset: u64,
        num: u64,
    ) -> Result<()> {
        invoke(self.0, label::UNTYPED_RETYPE, &[object_type, size_bits, node_index, node_depth, offset, num], &[root.0]).map(|_| ())
    }
}

impl Tcb {
    /// TCB_Configure. All three caps are required even when `buffer` is 0.
    // Mirrors seL4's TCB_Configure arguments one for one; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn configure(
        self,
        fault_ep: CPtr,
        prio: u8,
        mcp: u8,
        cspace: CNode,
        cspace_data: u64,
        vspace: VSpace,
        buffer: u64,
        buffer_frame: Frame,
    ) -> Result<()> {
        let props = ((prio as u64) << prio_props::PRIO_SHIFT) | ((mcp as u64) << prio_props::MCP_SHIFT);
        invoke(self.0, label::TCB_CONFIGURE, &[fault_ep.0, props, cspace_data, 0, buffer], &[cspace.0, vspace.0, buffer_frame.0])
            .map(|_| ())
    }

    /// TCB_WriteRegisters, optionally resuming the thread.
    pub fn write_registers(self, resume: bool, regs: &UserContext) -> Result<()> {
        let words = regs.words();
        let mut args = [0u64; 2 + UserContext::COUNT];
        args[0] = resume as u64;
        args[1] = UserContext::COUNT as u64;
        args[2..].copy_from_slice(&words);
        invoke(self.0, label::TCB_WRITE_REGISTERS, &args, &[]).map(|_| ())
    }

    /// TCB_ReadRegisters: the whole user context, optionally suspending.
    pub fn read_registers(self, suspend: bool) -> Result<UserContext> {
        let r = invoke(self.0, label::TCB_READ_REGISTERS, &[suspend as u64, UserContext::COUNT as u64], &[])?;
        let mut w = [0u64; UserContext::COUNT];
        for (i, v) in w.iter_mut().enumerate() {
            *v = if i < 4 { r.mrs[i] } else { crate::get_mr(i) };
        }
        Ok(UserContext::from_words(&w))
    }

    pub fn set_priority(self, prio: u8) -> Result<()> {
        invoke(self.0, label::TCB_SET_PRIORITY, &[prio as u64], &[]).map(|_| ())
    }

    pub fn suspend(self) -> Result<()> {
        invoke(self.0, label::TCB_SUSPEND, &[], &[]).map(|_| ())
    }

    pub fn resume(self) -> Result<()> {
        invoke(self.0, label::TCB_RESUME, &[], &[]).map(|_| ())
    }

    pub fn bind_notification(self, ntfn: Notification) -> Result<()> {
        invoke(self.0, label::TCB_BIND_NOTIFICATION, &[], &[ntfn.0]).map(|_| ())
    }

    pub fn unbind_notification(self) -> Result<()> {
        invoke(self.0, label::TCB_UNBIND_NOTIFICATION, &[], &[]).map(|_| ())
    }

    /// Starts this thread, made but never run, at `entry(arg)` on the stack
    /// that ends at `stack_top`, with the registers
    /// [`crate::spawn_thread_entry`] sets up (the stack as a `call` leaves
    /// it: `rsp + 8` 16-byte aligned), and resumes it.
    ///
    /// # Safety
    ///
    /// - The thread runs in the caller's VSpace (`entry` is an address of
    ///   the caller's image), with its own IPC buffer.
    /// - The stack below `stack_top` is mapped read-write, large enough for
    ///   everything `entry` does, and used by this thread alone for the
    ///   thread's whole life: nothing else reads, writes, unmaps or frees
    ///   it while the thread may still run.
    /// - The thread is not running: rewriting a running thread's registers
    ///   would tear it away from whatever it was doing.
    pub unsafe fn start(self, entry: extern "C" fn(u64) -> !, stack_top: u64, arg: u64) -> Result<()> {
        self.write_registers(true, &crate::spawn_thread_entry(entry, arg, stack_top))
    }
}

impl CNode {
    /// CNode_Copy from `src_root`/`src` into this CNode at `dest`.
    pub fn copy(self, dest: u64, depth: u64, src_root: CNode, src: u64, src_depth: u64, rights: CapRights) -> Result<()> {
        invoke(self.0, label::CNODE_COPY, &[dest, depth, src, src_depth, rights.0], &[src_root.0]).map(|_| ())
    }

    /// CNode_Mint: copy with reduced rights and a badge (or guard for CNodes).
    // Mirrors seL4's CNode_Mint arguments one for one; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn mint(self, dest: u64, depth: u64, src_root: CNode, src: u64, src_depth: u64, rights: CapRights, badge: u64) -> Result<()> {
        invoke(self.0, label::CNODE_MINT, &[dest, depth, src, src_depth, rights.0, badge], &[src_root.0]).map(|_| ())
    }

    pub fn move_(self, dest: u64, depth: u64, src_root: CNode, src: u64, src_depth: u64) -> Result<()> {
        invoke(self.0, label::CNODE_MOVE, &[dest, depth, src, src_depth], &[src_root.0]).map(|_| ())
    }

    pub fn mutate(self, dest: u64, depth: u64, src_root: CNode, src: u64, src_depth: u64, badge: u64) -> Result<()> {
        invoke(self.0, label::CNODE_MUTATE, &[dest, depth, src, src_depth, badge], &[src_root.0]).map(|_| ())
    }

    pub fn delete(self, index: u64, depth: u64) -> Result<()> {
        invoke(self.0, label::CNODE_DELETE, &[index, depth], &[]).map(|_| ())
    }

    pub fn revoke(self, index: u64, depth: u64) -> Result<()> {
        invoke(self.0, label::CNODE_REVOKE, &[index, depth], &[]).map(|_| ())
    }

    /// CNode_SaveCaller: moves the current reply cap into a slot, so the
    /// caller can be answered later.
    pub fn save_caller(self, index: u64, depth: u64) -> Result<()> {
        invoke(self.0, label::CNODE_SAVE_CALLER, &[index, depth], &[]).map(|_| ())
    }
}

/// Guard data for a CNode cap (the `Guard` cap data: a guard of value 0 and
/// `WORD_BITS - radix` bits), used with [`CNode::mint`] so a CNode of
/// `radix` bits resolves a whole word.
pub const fn cnode_guard_data(radix_bits: u64) -> u64 {
    (crate::WORD_BITS - radix_bits) << guard::GUARD_SIZE_SHIFT
}

impl Frame {
    pub fn map(self, vspace: VSpace, vaddr: u64, rights: CapRights, attr: VmAttributes) -> Result<()> {
        invoke(self.0, label::X86_PAGE_MAP, &[vaddr, rights.0, attr.0], &[vspace.0]).map(|_| ())
    }
    /// Changes the rights of an existing mapping.
    pub fn remap(self, vspace: VSpace, rights: CapRights, attr: VmAttributes) -> Result<()> {
        invoke(self.0, label::X86_PAGE_REMAP, &[rights.0, attr.0], &[vspace.0]).map(|_| ())
    }
    pub fn unmap(self) -> Result<()> {
        invoke(self.0, label::X86_PAGE_UNMAP, &[], &[]).map(|_| ())
    }
    pub fn physical_address(self) -> Result<u64> {
        invoke(self.0, label::X86_PAGE_GET_ADDRESS, &[], &[]).map(|r| r.mrs[0])
    }
}

impl PageTable {
    pub fn map(self, vspace: VSpace, vaddr: u64, attr: VmAttributes) -> Result<()> {
        invoke(self.0, label::X86_PAGE_TABLE_MAP, &[vaddr, attr.0], &[vspace.0]).map(|_| ())
    }
    pub fn unmap(self) -> Result<()> {
        invoke(self.0, label::X86_PAGE_TABLE_UNMAP, &[], &[]).map(|_| ())
    }
}

impl PageDirectory {
    pub fn map(self, vspace: VSpace, vaddr: u64, attr: VmAttributes) -> Result<()> {
        invoke(self.0, label::X86_PAGE_DIRECTORY_MAP, &[vaddr, attr.0], &[vspace.0]).map(|_| ())
    }
    pub fn unmap(self) -> Result<()> {
        invoke(self.0, label::X86_PAGE_DIRECTORY_UNMAP, &[], &[]).map(|_| ())
    }
}

impl Pdpt {
    pub fn map(self, vspace: VSpace, vaddr: u64, attr: VmAttributes) -> Result<()> {
        invoke(self.0, label::X86_PDPT_MAP, &[vaddr, attr.0], &[vspace.0]).map(|_| ())
    }
    pub fn unmap(self) -> Result<()> {
        invoke(self.0, label::X86_PDPT_UNMAP, &[], &[]).map(|_| ())
    }
}

impl AsidPool {
    pub fn assign(self, vspace: VSpace) -> Result<()> {
        invoke(self.0, label::X86_ASID_POOL_ASSIGN, &[], &[vspace.0]).map(|_| ())
    }
}

/// Port I/O through an I/O port cap. The kernel performs the access and
/// refuses (IllegalOperation) any port outside the cap's range, so a
/// driver holding a cap narrowed to its device's ports (see
/// [`io_port_range_data`]) reaches nothing else.
impl IoPort {
    pub fn in8(self, port: u16) -> Result<u8> {
        invoke(self.0, label::X86_IO_PORT_IN8, &[port as u64], &[]).map(|r| r.mrs[0] as u8)
    }
    pub fn in16(self, port: u16) -> Result<u16> {
        invoke(self.0, label::X86_IO_PORT_IN16, &[port as u64], &[]).map(|r| r.mrs[0] as u16)
    }
    pub fn in32(self, port: u16) -> Result<u32> {
        invoke(self.0, label::X86_IO_PORT_IN32, &[port as u64], &[]).map(|r| r.mrs[0] as u32)
    }
    pub fn out8(self, port: u16, value: u8) -> Result<()> {
        invoke(self.0, label::X86_IO_PORT_OUT8, &[port as u64, value as u64], &[]).map(|_| ())
    }
    pub fn out16(self, port: u16, value: u16) -> Result<()> {
        invoke(self.0, label::X86_IO_PORT_OUT16, &[port as u64, value as u64], &[]).map(|_| ())
    }
    pub fn out32(self, port: u16, value: u32) -> Result<()> {
        invoke(self.0, label::X86_IO_PORT_OUT32, &[port as u64, value as u64], &[]).map(|_| ())
    }
}

/// The Mint data that narrows an I/O port cap to ports `first..=last`.
/// seL4 5.0 has no IOPortControl: a narrower cap is a [`CNode::mint`] of
/// the root task's cap with this as its badge (the kernel's
/// `Arch_updateCapData`), which yields a null cap unless the range is
/// ordered and inside the source cap's.
pub const fn io_port_range_data(first: u16, last: u16) -> u64 {
    use crate::bitfield::io_port_capdata as d;
    ((first as u64) << d::FIRST_PORT_SHIFT) | ((last as u64) << d::LAST_PORT_SHIFT)
}

impl IrqControl {
    /// IRQControl_GetIOAPIC: a handler cap for `irq` (0-based, a user
    /// interrupt number: the kernel adds its offset to make the vector) in
    /// `root` at `index`/`depth`, after routing IOAPIC `ioapic`'s `pin` to
    /// it with the given trigger (`level`: 1 level, 0 edge) and polarity
    /// (`active_low`: 1 active low, 0 active high).
    // Mirrors seL4's IRQControl_GetIOAPIC arguments one for one.
    #[allow(clippy::too_many_arguments)]
    pub fn get_ioapic(
        self,
        root: CNode,
        index: u64,
        depth: u64,
        ioapic: u64,
        pin: u64,
        level: u64,
        active_low: u64,
        irq: u64,
    ) -> Result<()> {
        invoke(self.0, label::X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC, &[index, depth, ioapic, pin, level, active_low, irq], &[root.0]).map(|_| ())
    }
}

impl IrqHandler {
    /// IRQHandler_Ack: the interrupt was handled; the kernel unmasks it.
    /// Until then the kernel keeps it masked after signalling.
    pub fn ack(self) -> Result<()> {
        invoke(self.0, label::IRQ_ACK_IRQ, &[], &[]).map(|_| ())
    }

    /// IRQHandler_SetNotification: the interrupt signals `ntfn` (a cap
    /// with write right; its badge is what the waiter receives).
    pub fn set_notification(self, ntfn: Notification) -> Result<()> {
        invoke(self.0, label::IRQ_SET_IRQ_HANDLER, &[], &[ntfn.0]).map(|_| ())
    }

    /// IRQHandler_Clear: the interrupt signals nothing any more.
    pub fn clear(self) -> Result<()> {
        invoke(self.0, label::IRQ_CLEAR_IRQ_HANDLER, &[], &[]).map(|_| ())
    }
}
