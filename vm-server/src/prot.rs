// SPDX-License-Identifier: BSD-2-Clause
//! Protection bits, with MINIX's `PROT_*` values.

use minix_abi::errno::{Errno, EINVAL};

/// A region's protection: any combination of read, write and execute.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct Prot(u8);

impl Prot {
    /// No access: every fault in the region kills.
    pub const NONE: Prot = Prot(0);
    /// `PROT_READ`.
    pub const READ: Prot = Prot(1);
    /// `PROT_WRITE`.
    pub const WRITE: Prot = Prot(2);
    /// `PROT_EXEC`.
    pub const EXEC: Prot = Prot(4);
    /// Read and write, the usual data protection.
    pub const RW: Prot = Prot(3);
    /// Read and execute, the usual text protection.
    pub const RX: Prot = Prot(5);

    /// Decodes the `prot` argument of mmap: unknown bits are `EINVAL`.
    pub const fn from_bits(bits: u32) -> Result<Prot, Errno> {
        if bits & !7 != 0 {
            Err(EINVAL)
        } else {
            Ok(Prot(bits as u8))
        }
    }

    /// The `PROT_*` bits.
    pub const fn bits(self) -> u32 {
        self.0 as u32
    }

    /// Both sets of bits.
    pub const fn union(self, other: Prot) -> Prot {
        Prot(self.0 | other.0)
    }

    /// Readable (on x86 any access implies read).
    pub const fn read(self) -> bool {
        self.0 != 0
    }

    /// Writable.
    pub const fn write(self) -> bool {
        self.0 & 2 != 0
    }

    /// Executable.
    pub const fn exec(self) -> bool {
        self.0 & 4 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits() {
        assert_eq!(Prot::from_bits(3), Ok(Prot::RW));
        assert_eq!(Prot::from_bits(8), Err(EINVAL));
        assert!(Prot::READ.union(Prot::WRITE).write());
        assert!(!Prot::NONE.read());
        assert!(Prot::EXEC.read());
        assert!(Prot::RX.exec() && !Prot::RX.write());
    }
}
