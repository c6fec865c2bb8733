// SPDX-License-Identifier: BSD-2-Clause
//! VM's kernel resources: its untyped caps and CSpace slots, in the
//! system's one object allocator (`sel4_alloc::objects`), which also maps
//! frames into a VSpace (its own or a process's) with the paging
//! structures created on demand.
use minix_abi::cspace as cs;
use sel4::{CNode, VSpace};

/// VM's allocator: the untyped caps the root task moved to it, and the
/// free slots of its own CNode.
pub type Res = sel4_alloc::objects::ObjectAllocator<{ sel4::MSG_MAX_LENGTH }>;

pub const SELF_CNODE: CNode = CNode::from_bits(cs::SELF_CNODE);
pub const SELF_VSPACE: VSpace = VSpace::from_bits(cs::SELF_VSPACE);
