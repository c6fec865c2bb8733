//! Vector copies (MINIX `do_vsafecopy`): several grant copies in one call.
//!
//! Each element copies between the caller and one granter: exactly one of
//! its two sides must be the caller, otherwise EINVAL. MINIX does not bound
//! the element count; here more than [`MAX_VEC_ELEMENTS`] gives EINVAL.
//!
//! [`check_vector`] checks the count and every element's shape before any
//! copy, so a malformed vector fails with no side effect. The copies then
//! run in order and stop at the first error, without undoing the elements
//! already copied (as in MINIX).

use minix_abi::errno::{Errno, EINVAL};

use crate::verify::Access;
use crate::{Endpoint, GrantId};

/// Most elements in one vector copy.
pub const MAX_VEC_ELEMENTS: usize = 64;

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

impl VecElement {
    /// The element's granter and direction, given who is asking: exactly
    /// one side must be `caller`, otherwise EINVAL.
    pub fn step(&self, caller: Endpoint) -> Result<VecStep, Errno> {
        match (self.from == caller, self.to == caller) {
            (true, false) => Ok(VecStep {
                granter: self.to,
                access: Access::Write,
            }),
            (false, true) => Ok(VecStep {
                granter: self.from,
                access: Access::Read,
            }),
            _ => Err(EINVAL),
        }
    }
}

/// Checks a whole vector before copying: at most [`MAX_VEC_ELEMENTS`]
/// elements, each with exactly one side equal to `caller`; EINVAL if not.
pub fn check_vector(caller: Endpoint, elements: &[VecElement]) -> Result<(), Errno> {
    if elements.len() > MAX_VEC_ELEMENTS {
        return Err(EINVAL);
    }
    elements.iter().try_for_each(|e| e.step(caller).map(|_| ()))
}
