// SPDX-License-Identifier: BSD-2-Clause
//! Vector copies (MINIX `do_vsafecopy`): several grant copies in one call.
//!
//! Each element copies between the caller and one granter: exactly one of
//! its two sides must be the caller, otherwise EINVAL. MINIX does not bound
//! the element count; here more than [`MAX_VEC_ELEMENTS`] gives EINVAL.
//!
//! [`check_vector`] checks the count and every element's shape before any
//! copy, so a malformed vector fails with no side effect. The copies then
//! run in order and stop at the first error, without undoing the elements
//! already copied (as in MINIX). The copy engine reads the elements out of
//! the caller's memory with [`VecElement::from_bytes`], which accepts any
//! bytes; a non-zero `pad` is refused by [`check_vector`] with EINVAL, so
//! that every accepted element has exactly one byte image.

use core::mem::{offset_of, size_of};

use minix_abi::errno::{Errno, EINVAL};

use crate::verify::Access;
use crate::{Endpoint, GrantId};

/// Most elements in one vector copy.
pub const MAX_VEC_ELEMENTS: usize = 64;

const _: () = assert!(MAX_VEC_ELEMENTS as u64 == minix_abi::vm::VSAFECOPY_MAX);

/// One element of a vector copy (MINIX `struct vscp_vec`).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct VecElement {
    /// Source process.
    pub from: Endpoint,
    /// Destination process.
    pub to: Endpoint,
    /// The granter's grant.
    pub grant: GrantId,
    /// Reserved; keeps the 64-bit fields aligned.
    pub pad: u32,
    /// Offset into the grant.
    pub offset: u64,
    /// Address in the caller's own memory.
    pub addr: u64,
    /// Number of bytes.
    pub bytes: u64,
}

/// What one element does.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct VecStep {
    /// The granter: the side that is not the caller.
    pub granter: Endpoint,
    /// READ when copying from the granter, WRITE when copying to it.
    pub access: Access,
}

/// Size of one element in the caller's memory.
pub const VEC_ELEMENT_SIZE: usize = 40;

const _: () = assert!(size_of::<VecElement>() == VEC_ELEMENT_SIZE);
const _: () = assert!(offset_of!(VecElement, from) == 0);
const _: () = assert!(offset_of!(VecElement, to) == 4);
const _: () = assert!(offset_of!(VecElement, grant) == 8);
const _: () = assert!(offset_of!(VecElement, pad) == 12);
const _: () = assert!(offset_of!(VecElement, offset) == 16);
const _: () = assert!(offset_of!(VecElement, addr) == 24);
const _: () = assert!(offset_of!(VecElement, bytes) == 32);

impl VecElement {
    /// Decodes an element read out of the caller's memory (native byte
    /// order, the `#[repr(C)]` layout). Total: any bytes give an element.
    pub fn from_bytes(b: &[u8; VEC_ELEMENT_SIZE]) -> Self {
        let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u64_at = |o: usize| u64::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]]);
        VecElement {
            from: u32_at(0),
            to: u32_at(4),
            grant: GrantId(u32_at(8) as i32),
            pad: u32_at(12),
            offset: u64_at(16),
            addr: u64_at(24),
            bytes: u64_at(32),
        }
    }

    /// The element's bytes, as a caller lays it out in memory.
    pub fn to_bytes(&self) -> [u8; VEC_ELEMENT_SIZE] {
        let mut b = [0u8; VEC_ELEMENT_SIZE];
        b[0..4].copy_from_slice(&self.from.to_ne_bytes());
        b[4..8].copy_from_slice(&self.to.to_ne_bytes());
        b[8..12].copy_from_slice(&self.grant.0.to_ne_bytes());
        b[12..16].copy_from_slice(&self.pad.to_ne_bytes());
        b[16..24].copy_from_slice(&self.offset.to_ne_bytes());
        b[24..32].copy_from_slice(&self.addr.to_ne_bytes());
        b[32..40].copy_from_slice(&self.bytes.to_ne_bytes());
        b
    }

    /// The element's granter and direction, given who is asking: exactly
    /// one side must be `caller`, otherwise EINVAL.
    pub fn step(&self, caller: Endpoint) -> Result<VecStep, Errno> {
        match (self.from == caller, self.to == caller) {
            (true, false) => Ok(VecStep { granter: self.to, access: Access::Write }),
            (false, true) => Ok(VecStep { granter: self.from, access: Access::Read }),
            _ => Err(EINVAL),
        }
    }
}

/// Checks a whole vector before copying: at most [`MAX_VEC_ELEMENTS`]
/// elements, each with exactly one side equal to `caller` and a zero
/// `pad`; EINVAL if not.
pub fn check_vector(caller: Endpoint, elements: &[VecElement]) -> Result<(), Errno> {
    if elements.len() > MAX_VEC_ELEMENTS {
        return Err(EINVAL);
    }
    elements.iter().try_for_each(|e| {
        if e.pad != 0 {
            return Err(EINVAL);
        }
        e.step(caller).map(|_| ())
    })
}
