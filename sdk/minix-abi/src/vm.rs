//! VM's interface: PM's process calls, the memory calls of every process,
//! and (with grants) the copy engine.
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::endpoint::Endpoint;

pub const BASE: u64 = 0x300;
/// PM: build the address space of a new process from a boot image.
/// Cap: the process's IPC buffer frame. Reply: status = entry point, cap =
/// the new VSpace.
pub const SPAWN: u64 = BASE + 1;
/// PM: give a new process a copy-on-write copy of its parent's memory.
/// Cap: the child's IPC buffer frame. Reply: cap = the child's VSpace.
pub const FORK: u64 = BASE + 2;
/// PM: free everything a process had.
pub const EXIT: u64 = BASE + 3;
/// PM: fetch one pending event (a process killed by a fault).
pub const EVENTS: u64 = BASE + 4;
/// PM: let VM manage dynamic memory of a server whose image the root task
/// loaded. Cap: the server's VSpace.
pub const ADOPT: u64 = BASE + 5;
pub const BRK: u64 = BASE + 0x10;
pub const MMAP: u64 = BASE + 0x11;
pub const MUNMAP: u64 = BASE + 0x12;
/// Memory statistics: status = free frames, vals = (total frames, resident
/// pages of the caller).
pub const INFO: u64 = BASE + 0x13;

/// Register the caller's grant table: words (base address, entries).
pub const GRANT_TABLE: u64 = BASE + 0x20;
/// Copy from a grant into the caller's memory: words (granter and grant,
/// offset, caller's address, bytes). See [`grant_word`].
pub const SAFECOPY_FROM: u64 = BASE + 0x21;
/// Copy from the caller's memory into a grant; words as SAFECOPY_FROM.
pub const SAFECOPY_TO: u64 = BASE + 0x22;
/// Fill granted memory with a byte: words (granter and grant, offset,
/// byte, bytes).
pub const SAFEMEMSET: u64 = BASE + 0x23;
/// Vector copy: words (address of the element array in the caller's
/// memory, element count). At most MAX_VEC_ELEMENTS elements.
pub const VSAFECOPY: u64 = BASE + 0x24;

/// Packs a granter endpoint and a grant id into one message word.
pub const fn grant_word(granter: Endpoint, grant: i32) -> u64 {
    granter.0 as u64 | ((grant as u32 as u64) << 32)
}

/// Unpacks [`grant_word`].
pub const fn split_grant_word(w: u64) -> (Endpoint, i32) {
    (Endpoint(w as u32), (w >> 32) as u32 as i32)
}

/// Protection bits for mmap.
pub const PROT_READ: u64 = 1;
pub const PROT_WRITE: u64 = 2;
pub const PROT_EXEC: u64 = 4;
/// mmap flags.
pub const MAP_FIXED: u64 = 0x10;
pub const MAP_ANON: u64 = 0x1000;
pub const MAP_PRIVATE: u64 = 0x0002;
pub const MAP_SHARED: u64 = 0x0001;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    Spawn { child: Endpoint, image: u64 },
    Fork { child: Endpoint, parent: Endpoint },
    Exit { proc_: Endpoint },
    Events,
    Brk { addr: u64 },
    Mmap { addr: u64, len: u64, prot: u64, flags: u64 },
    Munmap { addr: u64, len: u64 },
    Info,
    Adopt { server: Endpoint },
    GrantTable { base: u64, entries: u64 },
    /// `to_granter`: SAFECOPY_TO (caller -> grant), else SAFECOPY_FROM.
    SafeCopy { to_granter: bool, granter: Endpoint, grant: i32, offset: u64, addr: u64, bytes: u64 },
    SafeMemset { granter: Endpoint, grant: i32, offset: u64, byte: u8, bytes: u64 },
    VSafeCopy { addr: u64, count: u64 },
}

/// Whether only PM may make this call.
pub fn pm_only(call: u64) -> bool {
    matches!(call, SPAWN | FORK | EXIT | EVENTS | ADOPT)
}

impl Request {
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        let ep = |w: u64| -> Result<Endpoint, Errno> {
            let e = Endpoint(w as u32);
            if w >> 32 != 0 || !e.is_valid() {
                Err(EINVAL)
            } else {
                Ok(e)
            }
        };
        Ok(match r.call {
            SPAWN => {
                need_words(r, 2)?;
                Request::Spawn { child: ep(r.words[0])?, image: r.words[1] }
            }
            FORK => {
                need_words(r, 2)?;
                Request::Fork { child: ep(r.words[0])?, parent: ep(r.words[1])? }
            }
            EXIT => {
                need_words(r, 1)?;
                Request::Exit { proc_: ep(r.words[0])? }
            }
            EVENTS => Request::Events,
            BRK => {
                need_words(r, 1)?;
                Request::Brk { addr: r.words[0] }
            }
            MMAP => {
                need_words(r, 4)?;
                Request::Mmap { addr: r.words[0], len: r.words[1], prot: r.words[2], flags: r.words[3] }
            }
            MUNMAP => {
                need_words(r, 2)?;
                Request::Munmap { addr: r.words[0], len: r.words[1] }
            }
            INFO => Request::Info,
            ADOPT => {
                need_words(r, 1)?;
                Request::Adopt { server: ep(r.words[0])? }
            }
            GRANT_TABLE => {
                need_words(r, 2)?;
                Request::GrantTable { base: r.words[0], entries: r.words[1] }
            }
            SAFECOPY_FROM | SAFECOPY_TO => {
                need_words(r, 4)?;
                let (granter, grant) = split_grant_word(r.words[0]);
                Request::SafeCopy { to_granter: r.call == SAFECOPY_TO, granter, grant, offset: r.words[1], addr: r.words[2], bytes: r.words[3] }
            }
            SAFEMEMSET => {
                need_words(r, 4)?;
                if r.words[2] > 0xff {
                    return Err(EINVAL);
                }
                let (granter, grant) = split_grant_word(r.words[0]);
                Request::SafeMemset { granter, grant, offset: r.words[1], byte: r.words[2] as u8, bytes: r.words[3] }
            }
            VSAFECOPY => {
                need_words(r, 2)?;
                Request::VSafeCopy { addr: r.words[0], count: r.words[1] }
            }
            _ => return Err(ENOSYS),
        })
    }

    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            Request::Spawn { child, image } => (SPAWN, [child.0 as u64, image, 0, 0], 2),
            Request::Fork { child, parent } => (FORK, [child.0 as u64, parent.0 as u64, 0, 0], 2),
            Request::Exit { proc_ } => (EXIT, [proc_.0 as u64, 0, 0, 0], 1),
            Request::Events => (EVENTS, [0; 4], 0),
            Request::Brk { addr } => (BRK, [addr, 0, 0, 0], 1),
            Request::Mmap { addr, len, prot, flags } => (MMAP, [addr, len, prot, flags], 4),
            Request::Munmap { addr, len } => (MUNMAP, [addr, len, 0, 0], 2),
            Request::Info => (INFO, [0; 4], 0),
            Request::Adopt { server } => (ADOPT, [server.0 as u64, 0, 0, 0], 1),
            Request::GrantTable { base, entries } => (GRANT_TABLE, [base, entries, 0, 0], 2),
            Request::SafeCopy { to_granter, granter, grant, offset, addr, bytes } => {
                (if to_granter { SAFECOPY_TO } else { SAFECOPY_FROM }, [grant_word(granter, grant), offset, addr, bytes], 4)
            }
            Request::SafeMemset { granter, grant, offset, byte, bytes } => {
                (SAFEMEMSET, [grant_word(granter, grant), offset, byte as u64, bytes], 4)
            }
            Request::VSafeCopy { addr, count } => (VSAFECOPY, [addr, count, 0, 0], 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip_and_errors() {
        let c = Endpoint::new(5, 2);
        for req in [
            Request::Spawn { child: c, image: 1 },
            Request::Fork { child: c, parent: Endpoint::new(4, 1) },
            Request::Exit { proc_: c },
            Request::Events,
            Request::Brk { addr: 0x1000 },
            Request::Mmap { addr: 0, len: 4096, prot: PROT_READ, flags: MAP_ANON | MAP_PRIVATE },
            Request::Munmap { addr: 0x1000, len: 4096 },
            Request::Info,
            Request::Adopt { server: c },
            Request::GrantTable { base: 0x1000, entries: 16 },
            Request::SafeCopy { to_granter: true, granter: c, grant: -1, offset: 3, addr: 0x5000, bytes: 9 },
            Request::SafeCopy { to_granter: false, granter: c, grant: 1 << 20 | 5, offset: 0, addr: 0, bytes: 0 },
            Request::SafeMemset { granter: c, grant: 7, offset: 1, byte: 0xab, bytes: 4096 },
            Request::VSafeCopy { addr: 0x9000, count: 3 },
        ] {
            let (call, words, len) = req.encode();
            assert_eq!(Request::decode(&RawRequest { call, words, len }), Ok(req));
        }
        let bad_ep = RawRequest { call: EXIT, words: [5, 0, 0, 0], len: 1 };
        assert_eq!(Request::decode(&bad_ep), Err(EINVAL));
        let short = RawRequest { call: MMAP, words: [0; 4], len: 3 };
        assert_eq!(Request::decode(&short), Err(EINVAL));
        assert_eq!(Request::decode(&RawRequest { call: 0x3ff, words: [0; 4], len: 0 }), Err(ENOSYS));
        assert!(pm_only(SPAWN) && pm_only(ADOPT) && !pm_only(BRK) && !pm_only(SAFECOPY_TO));
        let bad_byte = RawRequest { call: SAFEMEMSET, words: [0, 0, 256, 1], len: 4 };
        assert_eq!(Request::decode(&bad_byte), Err(EINVAL));
    }
}
