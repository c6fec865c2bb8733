//! Decoding of fault messages delivered on a fault endpoint.
use crate::{fault_len, fault_tag, Received};

/// A page fault.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct VmFault {
    pub ip: u64,
    /// Faulting address. seL4 5.0 truncates it to 32 bits.
    pub addr: u64,
    pub instruction_fault: bool,
    /// x86 page-fault error code: bit 0 present, bit 1 write, bit 2 user.
    pub fsr: u64,
}

impl VmFault {
    /// Whether the access was a write.
    pub fn is_write(&self) -> bool {
        self.fsr & 2 != 0
    }
    /// Whether the page was present (a protection fault).
    pub fn is_protection(&self) -> bool {
        self.fsr & 1 != 0
    }
}

/// A fault message.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    Vm(VmFault),
    /// A CPU exception (divide by zero, general protection, ...).
    UserException { ip: u64, number: u64, code: u64 },
    /// A syscall number the kernel does not know, or a cap fault, or
    /// anything else: the thread cannot go on.
    Other { label: u64 },
}

impl Fault {
    /// Decodes a message received on a fault endpoint. Needs the IPC buffer
    /// only for faults longer than four words.
    pub fn decode(msg: &Received) -> Fault {
        let label = msg.info.label();
        if label == fault_tag::VM_FAULT && msg.info.length() == fault_len::VM_FAULT {
            Fault::Vm(VmFault {
                ip: msg.mrs[0],
                addr: msg.mrs[1],
                instruction_fault: msg.mrs[2] != 0,
                fsr: msg.mrs[3],
            })
        } else if label == fault_tag::USER_EXCEPTION {
            Fault::UserException { ip: msg.mrs[0], number: msg.mrs[3], code: crate::get_mr(4) }
        } else {
            Fault::Other { label }
        }
    }
}
