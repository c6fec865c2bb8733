// SPDX-License-Identifier: BSD-2-Clause
//! The server loop. Every server answers with ReplyRecv; a handler that
//! returns `None` defers its answer (it saved the reply cap or the caller
//! must stay blocked), and the loop then waits with a plain Recv. The loop
//! answers the calls every server answers (PING) itself, so no handler
//! sees them.
use minix_abi::common;
use minix_abi::cspace;
use minix_abi::endpoint::{Endpoint, Sender};
use minix_abi::message::{RawRequest, Reply};
use sel4::{CPtr, MessageInfo, Received};

/// One received message, decoded as far as the transport goes.
pub struct Incoming {
    pub sender: Sender,
    pub req: RawRequest,
    pub raw: Received,
}

/// Runs the loop on endpoint `ep` forever, as server `me` (the endpoint
/// number PING answers with).
pub fn serve(ep: CPtr, me: Endpoint, mut handler: impl FnMut(&Incoming) -> Option<Reply>) -> ! {
    let mut msg = sel4::recv(ep);
    loop {
        let inc = Incoming { sender: Sender::from_badge(msg.badge), req: RawRequest::from_tag(msg.info.0, msg.mrs), raw: msg };
        // Only processes get the common answers; faults and forged or
        // missing badges go to the handler, which refuses them its way.
        let common = match inc.sender {
            Sender::Process(_) => common::answer(me, &inc.req),
            _ => None,
        };
        let reply = common.or_else(|| handler(&inc));
        if inc.raw.info.extra_caps() > 0 {
            drop_received_cap();
        }
        msg = match reply {
            Some(reply) => sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, reply.len()), reply.to_words()),
            None => sel4::recv(ep),
        };
    }
}

/// Empties the server's receive slot: a server that sets a receive path
/// takes a cap out of [`cspace::RECV_SLOT`] in its handler if it wants it;
/// whatever is left there is deleted, so no sender can fill the slot and
/// make the next cap transfer fail.
fn drop_received_cap() {
    let _ = sel4::CNode::from_bits(cspace::SELF_CNODE).delete(cspace::RECV_SLOT, sel4::CNODE_DEPTH);
}

/// Answers a caller whose reply cap was saved in `slot` earlier.
pub fn reply_saved(slot: CPtr, reply: Reply) {
    sel4::send(slot, MessageInfo::new(0, 0, 0, reply.len()), reply.to_words());
}
