// SPDX-License-Identifier: BSD-2-Clause
//! Decoding of fault messages delivered on a fault endpoint.
use crate::{fault_len, fault_mr, fault_tag, Received};

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
    UserException {
        ip: u64,
        number: u64,
        code: u64,
    },
    /// A syscall number the kernel does not know, or a cap fault, or
    /// anything else: the thread cannot go on.
    Other {
        label: u64,
        /// The message's first two words, for diagnostics (a cap fault's
        /// are its IP and the cap address).
        words: [u64; 2],
    },
}

/// Message register `i` of a received message: MR0-MR3 came in CPU
/// registers, the rest are in the IPC buffer.
fn mr(msg: &Received, i: u64) -> u64 {
    match msg.mrs.get(i as usize) {
        Some(&v) => v,
        None => crate::get_mr(i as usize),
    }
}

impl Fault {
    /// Decodes a message received on a fault endpoint. Needs the IPC buffer
    /// only for faults longer than four words.
    pub fn decode(msg: &Received) -> Fault {
        let label = msg.info.label();
        if label == fault_tag::VM_FAULT && msg.info.length() == fault_len::VM_FAULT {
            Fault::Vm(VmFault {
                ip: mr(msg, fault_mr::VM_FAULT_IP),
                addr: mr(msg, fault_mr::VM_FAULT_ADDR),
                instruction_fault: mr(msg, fault_mr::VM_FAULT_PREFETCH) != 0,
                fsr: mr(msg, fault_mr::VM_FAULT_FSR),
            })
        } else if label == fault_tag::USER_EXCEPTION {
            Fault::UserException {
                ip: mr(msg, fault_mr::USER_EXCEPTION_IP),
                number: mr(msg, fault_mr::USER_EXCEPTION_NUMBER),
                code: mr(msg, fault_mr::USER_EXCEPTION_CODE),
            }
        } else {
            Fault::Other { label, words: [mr(msg, 0), mr(msg, 1)] }
        }
    }
}
