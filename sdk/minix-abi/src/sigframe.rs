// SPDX-License-Identifier: BSD-2-Clause
//! The signal frame: what PM writes on a process's stack when it starts a
//! signal handler, and reads back at SIGRETURN (x86_64).
//!
//! PM alone describes the frame: it saves the thread's registers and the
//! signal mask to restore in it, and SIGRETURN names the frame's address.
//! The frame is in the process's own memory, so the process may change it
//! (a handler may edit the saved registers or mask, as with Linux's
//! `ucontext`); PM therefore decodes it like any other untrusted input
//! ([`SigFrame::decode`] is total) and sanitises what it restores.
//!
//! At handler entry:
//!
//! | address | contents |
//! |---|---|
//! | `rsp` | the restorer's address (the handler's return address) |
//! | `rsp + 8` (16-aligned) | the frame, [`FRAME_BYTES`] bytes |
//!
//! and `rdi` = signal number, `rsi` = address of the frame's info block
//! (`frame + INFO_OFFSET`), `rdx` = address of the frame. The handler's
//! `ret` leaves `rsp` at the frame, so the restorer passes `rsp` to
//! SIGRETURN. Frame layout, little-endian:
//!
//! | offset | field |
//! |---|---|
//! | 0 | [`MAGIC`] (u32) |
//! | 4 | signal number (u32) |
//! | 8 | info: code (i32), pid, uid, addr (u32), status (i32) |
//! | 28 | the mask to restore (u32, a [`SigSet`]) |
//! | 32 | the registers, [`REGS`] u64 words in seL4's `UserContext` order |
//!
//! The FPU and SSE state is not in the frame: seL4's `TCB_ReadRegisters`
//! does not carry it. A handler written in C clobbers the SSE registers,
//! so the user-side entry that PM jumps to must save and restore them
//! (`fxsave` around the C handler) before returning to the restorer.
use crate::errno::{Errno, EINVAL};
use crate::signal::{SigInfo, SigSet, Signal};

/// Registers in a frame: seL4 x86_64's `UserContext`, in its order.
pub const REGS: usize = 20;
/// Indexes into the register array.
pub mod reg {
    pub const RIP: usize = 0;
    pub const RSP: usize = 1;
    pub const RFLAGS: usize = 2;
    pub const RAX: usize = 3;
    pub const RBX: usize = 4;
    pub const RCX: usize = 5;
    pub const RDX: usize = 6;
    pub const RSI: usize = 7;
    pub const RDI: usize = 8;
    pub const RBP: usize = 9;
    pub const R8: usize = 10;
    pub const R9: usize = 11;
    pub const R10: usize = 12;
    pub const R11: usize = 13;
    pub const R12: usize = 14;
    pub const R13: usize = 15;
    pub const R14: usize = 16;
    pub const R15: usize = 17;
    pub const FS_BASE: usize = 18;
    pub const GS_BASE: usize = 19;
}

/// "SIGF", version 1.
pub const MAGIC: u32 = 0x4647_4953;
pub const INFO_OFFSET: usize = 8;
pub const MASK_OFFSET: usize = 28;
pub const REGS_OFFSET: usize = 32;
/// Size of the frame (without the return address below it).
pub const FRAME_BYTES: usize = REGS_OFFSET + 8 * REGS;

/// A decoded frame.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct SigFrame {
    pub sig: Signal,
    pub info: SigInfo,
    /// The blocked set SIGRETURN restores.
    pub mask: SigSet,
    pub regs: [u64; REGS],
}

fn u32_at(b: &[u8; FRAME_BYTES], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn put_u32(b: &mut [u8; FRAME_BYTES], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

impl SigFrame {
    pub fn encode(&self) -> [u8; FRAME_BYTES] {
        let mut b = [0u8; FRAME_BYTES];
        put_u32(&mut b, 0, MAGIC);
        put_u32(&mut b, 4, self.sig.number());
        let i = &self.info;
        for (k, v) in [i.code as u32, i.pid, i.uid, i.addr, i.status as u32].into_iter().enumerate() {
            put_u32(&mut b, INFO_OFFSET + 4 * k, v);
        }
        put_u32(&mut b, MASK_OFFSET, self.mask.bits());
        for (k, r) in self.regs.iter().enumerate() {
            let off = REGS_OFFSET + 8 * k;
            b[off..off + 8].copy_from_slice(&r.to_le_bytes());
        }
        b
    }

    /// Reads a frame back: `EINVAL` unless the magic is there, the signal
    /// number names a signal and the mask holds only signals. Total: any
    /// bytes give a frame or `EINVAL`.
    pub fn decode(b: &[u8; FRAME_BYTES]) -> Result<SigFrame, Errno> {
        if u32_at(b, 0) != MAGIC {
            return Err(EINVAL);
        }
        let sig = Signal::new(u32_at(b, 4)).ok_or(EINVAL)?;
        let w = |k: usize| u32_at(b, INFO_OFFSET + 4 * k);
        let info = SigInfo { code: w(0) as i32, pid: w(1), uid: w(2), addr: w(3), status: w(4) as i32 };
        let mask = SigSet::from_bits(u32_at(b, MASK_OFFSET)).ok_or(EINVAL)?;
        let mut regs = [0u64; REGS];
        for (k, r) in regs.iter_mut().enumerate() {
            let off = REGS_OFFSET + 8 * k;
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[off..off + 8]);
            *r = u64::from_le_bytes(x);
        }
        Ok(SigFrame { sig, info, mask, regs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{code, SIGSEGV, SIGUSR1};

    #[test]
    fn round_trip() {
        let mut regs = [0u64; REGS];
        for (k, r) in regs.iter_mut().enumerate() {
            *r = 0x1111_1111_1111_1111u64.wrapping_mul(k as u64 + 1);
        }
        let f = SigFrame {
            sig: SIGSEGV,
            info: SigInfo { code: code::SEGV_ACCERR, pid: 0, uid: 0, addr: 0x7000_1000, status: -3 },
            mask: SigSet::of(SIGUSR1),
            regs,
        };
        let b = f.encode();
        assert_eq!(FRAME_BYTES % 16, 0);
        assert_eq!(SigFrame::decode(&b), Ok(f));
    }

    #[test]
    fn rejects_forgeries() {
        let f = SigFrame { sig: SIGUSR1, info: SigInfo::default(), mask: SigSet::EMPTY, regs: [0; REGS] };
        let good = f.encode();
        let mut b = good;
        b[0] ^= 1;
        assert_eq!(SigFrame::decode(&b), Err(EINVAL));
        let mut b = good;
        b[4] = 32;
        assert_eq!(SigFrame::decode(&b), Err(EINVAL));
        let mut b = good;
        b[MASK_OFFSET + 3] = 0x80;
        assert_eq!(SigFrame::decode(&b), Err(EINVAL));
        assert_eq!(SigFrame::decode(&[0; FRAME_BYTES]), Err(EINVAL));
    }
}
