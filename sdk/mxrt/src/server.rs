//! The server loop. Every server answers with ReplyRecv; a handler that
//! returns `None` defers its answer (it saved the reply cap or the caller
//! must stay blocked), and the loop then waits with a plain Recv.
use minix_abi::endpoint::Sender;
use minix_abi::message::{RawRequest, Reply};
use sel4::{CPtr, MessageInfo, Received};

/// One received message, decoded as far as the transport goes.
pub struct Incoming {
    pub sender: Sender,
    pub req: RawRequest,
    pub raw: Received,
}

/// Runs the loop on endpoint `ep` forever.
pub fn serve(ep: CPtr, mut handler: impl FnMut(&Incoming) -> Option<Reply>) -> ! {
    let mut msg = sel4::recv(ep);
    loop {
        let inc = Incoming {
            sender: Sender::from_badge(msg.badge),
            req: RawRequest { call: msg.info.label(), words: msg.mrs, len: msg.info.length() },
            raw: msg,
        };
        msg = match handler(&inc) {
            Some(reply) => sel4::reply_recv(ep, MessageInfo::new(0, 0, 0, reply.len()), reply.to_words()),
            None => sel4::recv(ep),
        };
    }
}

/// Answers a caller whose reply cap was saved in `slot` earlier.
pub fn reply_saved(slot: CPtr, reply: Reply) {
    sel4::send(slot, MessageInfo::new(0, 0, 0, reply.len()), reply.to_words());
}
