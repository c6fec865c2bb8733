// SPDX-License-Identifier: BSD-2-Clause
//! VM's interface: PM's process calls, the memory calls of every process,
//! and (with grants) the copy engine.
use crate::endpoint::Endpoint;
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::word::{at_most, bits_of, endpoint_of, u32_of, u8_of};

pub const BASE: u64 = 0x300;
/// PM: build the address space of a new process that holds nothing but
/// its IPC buffer, the clock page and one page with an exec argument
/// block ([`crate::exec`]): w0 the process, w1 the block's bytes (at most
/// [`SPAWN_BLOCK_MAX`]), then the block, 4 bytes a word (little-endian,
/// in the word's low 32 bits, so the same on a 32-bit port). PM then has
/// the process exec that block, as any exec goes: init at boot, from the
/// file system. Cap: the process's IPC buffer frame. Reply: status = the
/// block's address ([`SPAWN_BLOCK_AT`]), cap = the new VSpace.
pub const SPAWN: u64 = BASE + 1;
/// PM: give a new process a copy-on-write copy of its parent's memory.
/// Cap: the child's IPC buffer frame. Reply: cap = the child's VSpace.
pub const FORK: u64 = BASE + 2;
/// Most bytes of a SPAWN's argument block (it fills at most 66 words of
/// the message).
pub const SPAWN_BLOCK_MAX: u64 = 256;
/// Where SPAWN puts the argument block: the page below the top of the
/// stack an exec builds (the exec replaces it with the rest).
pub const SPAWN_BLOCK_AT: u64 = crate::exec::STACK_TOP as u64 - 4096;
/// Message words a SPAWN of a `len`-byte block needs.
pub const fn spawn_words(len: u64) -> u64 {
    2 + len.div_ceil(4)
}

/// A SPAWN's argument block from its words past the first two (`words`:
/// the message's words 2 onwards, as many as `spawn_words(len) - 2`):
/// `EINVAL` for a word with bits above 32 or too few words.
pub fn spawn_block(words: &[u64], len: u64, out: &mut [u8; SPAWN_BLOCK_MAX as usize]) -> Result<usize, Errno> {
    let len = at_most(len, SPAWN_BLOCK_MAX)? as usize;
    let need = len.div_ceil(4);
    if words.len() < need {
        return Err(EINVAL);
    }
    for (i, w) in words[..need].iter().enumerate() {
        let bytes = u32_of(*w)?.to_le_bytes();
        let n = (len - 4 * i).min(4);
        out[4 * i..4 * i + n].copy_from_slice(&bytes[..n]);
    }
    Ok(len)
}

/// The words (past the first two) that carry `block` in a SPAWN.
pub fn spawn_words_of(block: &[u8], out: &mut [u64; SPAWN_BLOCK_MAX as usize / 4]) -> Result<usize, Errno> {
    if block.len() as u64 > SPAWN_BLOCK_MAX {
        return Err(crate::errno::E2BIG);
    }
    for (i, chunk) in block.chunks(4).enumerate() {
        let mut b = [0u8; 4];
        b[..chunk.len()].copy_from_slice(chunk);
        out[i] = u32::from_le_bytes(b) as u64;
    }
    Ok(block.len().div_ceil(4))
}
/// PM: free everything a process had.
pub const EXIT: u64 = BASE + 3;
/// PM: fetch one pending event (a process killed by a fault).
pub const EVENTS: u64 = BASE + 4;
/// VFS only: rebuild `who`'s memory for exec from a description in VFS's
/// memory (see [`crate::exec`]): w0 `who`, w1 the description's address,
/// w2 its bytes (at most `exec::DESC_MAX`), w3 the program's inode (on
/// [`ROOT_DEV`]). VFS holds the file once for the call, as for
/// MMAP_FILE. Reply: status 0 and vals\[0] the entry point, or an errno
/// with `who` unchanged: `ENOEXEC` for a program VM will not load,
/// `EINVAL` for a malformed description, `ENOMEM`, `ESRCH`.
pub const EXEC: u64 = BASE + 6;
/// PM: read 8 bytes of a process's memory, present pages only: w0 the
/// process, w1 the address (below 4 GiB). Reply: status 0 and vals\[0]
/// the bytes (little-endian), or `EFAULT` (nothing present there),
/// `ESRCH`. PM looks at the instruction a stopped thread stands on.
pub const PEEK: u64 = BASE + 7;
/// PM: a new thread of a process: w0 the thread's endpoint, w1 the
/// process's (its first thread's). Cap: the thread's IPC-buffer frame,
/// which VM maps (pinned) in the process's memory at a free page from
/// [`THREAD_IPC_BASE`]. Reply: status the page's address, cap: the
/// process's VSpace. From then on the thread's endpoint names the
/// process's memory (its faults, mmap, brk, copies); EXIT of the thread's
/// endpoint unmaps its page and forgets it, leaving the memory alone.
pub const THREAD: u64 = BASE + 8;
/// PM: write a 32-bit value into a process's memory (a thread's cleared
/// thread id at its exit): w0 the process (or one of its threads), w1 the
/// address (4-aligned, below 4 GiB), w2 the value. Only a page present
/// and the process's to write (a copy-on-write page is copied first).
/// Reply: 0, `EFAULT` or `ESRCH`.
pub const POKE: u64 = BASE + 9;
/// Where threads' IPC buffers go: pages from here up, one per thread,
/// after the first thread's IPC buffer and the clock page.
pub const THREAD_IPC_BASE: u64 = crate::cspace::addr::IPC_BUFFER + 2 * 4096;
/// Most threads a process may have besides its first.
pub const THREAD_IPC_PAGES: u64 = 254;
/// PM: let VM manage dynamic memory of a server whose image the root task
/// loaded. Cap: the server's VSpace.
pub const ADOPT: u64 = BASE + 5;
pub const BRK: u64 = BASE + 0x10;
/// Change the protection of the caller's pages: w0 the address (page
/// aligned, below 4 GiB), w1 the length (below 4 GiB), w2 `PROT_*` bits.
/// Reply: 0, `EINVAL`, `ENOMEM` (a part is not mapped, or too many
/// regions), `EACCES` (a shared file mapping or physical memory).
pub const MPROTECT: u64 = BASE + 0x1a;
/// Advice about the caller's pages (madvise): w0 the address (page
/// aligned, below 4 GiB), w1 the length (below 4 GiB), w2 the advice
/// ([`MADV_NORMAL`] ..= [`MADV_WILLNEED`] change nothing; [`MADV_DONTNEED`]
/// and [`MADV_FREE`] let the range's private pages go). Reply: 0,
/// `EINVAL` (a bad address or advice, the IPC buffer, physical memory),
/// `ENOMEM` (a part of the range is not mapped; the rest is done).
pub const MADVISE: u64 = BASE + 0x1b;
pub const MADV_NORMAL: u32 = 0;
pub const MADV_WILLNEED: u32 = 3;
pub const MADV_DONTNEED: u32 = 4;
pub const MADV_FREE: u32 = 8;
pub const MMAP: u64 = BASE + 0x11;
pub const MUNMAP: u64 = BASE + 0x12;
/// Memory statistics. With no words, or word 0 = [`INFO_CALLER`]: status =
/// free frames, vals = (total frames, resident pages of the caller). With
/// word 0 = [`INFO_VM`]: VM's own use, see [`VmMemory`]. With word 0 =
/// [`INFO_SERVERS`]: status = free frames, vals = the pages VM has mapped
/// for VFS, FS and BLK. Anything else in word 0 is `EINVAL`.
pub const INFO: u64 = BASE + 0x13;
/// INFO about the caller (the default).
pub const INFO_CALLER: u64 = 0;
/// INFO about VM itself.
pub const INFO_VM: u64 = 1;
/// INFO about the servers VM adopted.
pub const INFO_SERVERS: u64 = 2;

/// What INFO reports on.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum InfoOf {
    Caller,
    Vm,
    Servers,
}
/// VFS only (anyone else: `EPERM`): make a user's range present, after a
/// `CPF_TRY` copy through a grant on it faulted. Words (`who`, address,
/// length, write: 0 or 1); the length at most [`FIX_RANGE_MAX`]. VM
/// answers at once and never kills `who`: 0 when every page of the range
/// is present (and writable when `write`), `EFAULT` where a fault by
/// `who` would have killed it, `ESRCH` for a process VM does not know or
/// that is dying, `ENOMEM` when out of memory.
pub const FIX_RANGE: u64 = BASE + 0x14;
/// VFS only: map a file into `who` (see [`FileMapWord`]): w1 the address
/// hint, w2 the length. Reply: the address.
pub const MMAP_FILE: u64 = BASE + 0x15;
/// VFS only, from a pager thread: w0 the token of the page-in it finished
/// (0: none), w1 the bytes the FS read into the run's frames (at most
/// [`PAGER_MAX`]; [`PAGE_FAILED`]: the page-in failed), w2 the run's
/// holes (bit `i`: page `i` had no block, see [`HOLES_MAX`]). The bytes
/// themselves are already in VM's frames: the FS wrote them there through
/// its cache window ([`CACHE_WINDOW`]). Answered when there
/// is work: status the next token, vals\[0] the inode, vals\[1] the first
/// page index (bits 0-31) and the page count (32-63), vals\[2] 0; or, for
/// a release, status 1, vals\[0] the inode, vals\[1] the MMAP_FILE count,
/// vals\[2] 1.
pub const PAGER: u64 = BASE + 0x16;
/// VFS only: `who` wrote w2 bytes from its address w1 to a file at w3
/// (inode in bits 0-31, position in 32-63): VM copies them into the
/// file's cached pages, so every mapping sees the write.
pub const CACHE_WRITE: u64 = BASE + 0x17;
/// VFS only: a file (w0 inode) was truncated to w1 bytes: cached pages
/// past the end go, the tail of the last one reads zero.
pub const CACHE_TRUNC: u64 = BASE + 0x18;
/// The FS only (anyone else: `EPERM`), no words: VM makes the FS's cache
/// window, [`PAGER_MAX`] bytes of address space where VM maps the frames
/// of the page-in under way, so that the FS reads a file's blocks straight
/// into the page-cache pages that mappings will show. Reply: its address
/// (the same on every call).
pub const CACHE_WINDOW: u64 = BASE + 0x19;

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

/// Every call number of this interface.
pub const CALLS: &[u64] = &[
    SPAWN,
    FORK,
    EXIT,
    EVENTS,
    ADOPT,
    EXEC,
    PEEK,
    THREAD,
    POKE,
    BRK,
    MPROTECT,
    MADVISE,
    MMAP,
    MUNMAP,
    INFO,
    FIX_RANGE,
    MMAP_FILE,
    PAGER,
    CACHE_WRITE,
    CACHE_TRUNC,
    CACHE_WINDOW,
    GRANT_TABLE,
    SAFECOPY_FROM,
    SAFECOPY_TO,
    SAFEMEMSET,
    VSAFECOPY,
];

/// Most bytes one page-in brings: 16 pages (the page a fault wants and
/// the ones read ahead after it).
pub const PAGER_MAX: u64 = 16 * 4096;
/// PAGER's hole mask has one bit per page of a run.
pub const HOLES_MAX: u64 = (1 << (PAGER_MAX / 4096)) - 1;
/// A PAGER result meaning the page-in failed (EIO for the waiters).
pub const PAGE_FAILED: u64 = u64::MAX;
/// The one file-system device there is today.
pub const ROOT_DEV: u64 = 1;
/// MMAP_FILE flag: map exactly the faulting page (no fault-around).
pub const MAP_NO_AROUND: u64 = 0x4;

/// What INFO with [`INFO_VM`] answers: status = `free_frames`, vals =
/// (`heap_used`, `heap_size`, `paging`). Tests read it to check that
/// VM's memory comes back once the processes that made it busy are gone.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct VmMemory {
    /// Frames processes could still get (as INFO about the caller says).
    pub free_frames: u64,
    /// Bytes of VM's heap in use.
    pub heap_used: u64,
    /// Bytes VM's heap holds, in use or not.
    pub heap_size: u64,
    /// Paging structures VM holds for processes (tables, directories,
    /// PDPTs; PML4s are not counted).
    pub paging: u64,
}

impl VmMemory {
    /// The reply's status and values.
    pub fn to_reply(&self) -> (u64, [u64; 3]) {
        (self.free_frames, [self.heap_used, self.heap_size, self.paging])
    }

    /// Back from a reply's status and values.
    pub fn from_reply(status: u64, vals: [u64; 3]) -> VmMemory {
        VmMemory { free_frames: status, heap_used: vals[0], heap_size: vals[1], paging: vals[2] }
    }
}

/// MMAP_FILE's first and last words.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct FileMapWord {
    pub who: Endpoint,
    /// PROT_* bits.
    pub prot: u64,
    /// MAP_SHARED or MAP_PRIVATE, MAP_FIXED, MAP_NO_AROUND.
    pub flags: u64,
    pub ino: u32,
    /// Page index of the mapping's first page in the file.
    pub page: u32,
}

impl FileMapWord {
    fn words(&self) -> (u64, u64) {
        (self.who.0 as u64 | self.prot << 32 | self.flags << 40, self.ino as u64 | (self.page as u64) << 32)
    }
    fn decode(w0: u64, w3: u64) -> Result<FileMapWord, Errno> {
        let prot = bits_of((w0 >> 32) & 0xff, PROT_MASK)?;
        let flags = bits_of(w0 >> 40, MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_NO_AROUND)?;
        if (flags & MAP_SHARED != 0) == (flags & MAP_PRIVATE != 0) {
            return Err(EINVAL);
        }
        Ok(FileMapWord { who: endpoint_of(w0 & 0xffff_ffff)?, prot, flags, ino: w3 as u32, page: (w3 >> 32) as u32 })
    }
}

/// Packs a granter endpoint and a grant id into one message word.
pub const fn grant_word(granter: Endpoint, grant: i32) -> u64 {
    granter.0 as u64 | ((grant as u32 as u64) << 32)
}

/// Unpacks [`grant_word`] without checking the granter (the low 32 bits
/// and the high 32 bits; every bit of the word is used). Decoders use
/// [`decode_grant_word`].
pub const fn split_grant_word(w: u64) -> (Endpoint, i32) {
    (Endpoint(w as u32), (w >> 32) as u32 as i32)
}

/// Unpacks [`grant_word`]: `EINVAL` unless the low half is a well-formed
/// endpoint. An ill-formed granter can name no process, and the copy
/// engine's first check (unknown granter) answers `EINVAL` too, so
/// refusing it here keeps MINIX's order. The grant id is any `i32`: a
/// negative one is the verifier's `EINVAL`, not the decoder's.
pub fn decode_grant_word(w: u64) -> Result<(Endpoint, i32), Errno> {
    let (granter, grant) = split_grant_word(w);
    endpoint_of(granter.0 as u64)?;
    Ok((granter, grant))
}

/// The end of user memory: seL4 5.0 reports 32-bit fault addresses, so
/// every user address lies below 4 GiB.
pub const USER_TOP: u64 = 1 << 32;

/// Protection bits for mmap.
pub const PROT_READ: u64 = 1;
pub const PROT_WRITE: u64 = 2;
pub const PROT_EXEC: u64 = 4;
/// Every protection bit VM knows; any other bit is `EINVAL`.
pub const PROT_MASK: u64 = PROT_READ | PROT_WRITE | PROT_EXEC;
/// mmap flags (MINIX's, that is NetBSD's, values).
pub const MAP_FIXED: u64 = 0x10;
pub const MAP_ANON: u64 = 0x1000;
pub const MAP_PRIVATE: u64 = 0x0002;
pub const MAP_SHARED: u64 = 0x0001;
/// Every mmap flag VM knows; any other bit is `EINVAL`, and so is asking
/// for both MAP_SHARED and MAP_PRIVATE (as NetBSD's mmap answers).
pub const MAP_KNOWN: u64 = MAP_FIXED | MAP_ANON | MAP_PRIVATE | MAP_SHARED;

/// Size of one grant-table entry in the granter's memory (the `grant`
/// crate's `GrantEntry`, which asserts that it matches).
pub const GRANT_ENTRY_SIZE: u64 = 48;
/// Alignment every grant-table base must have: the entry's own alignment
/// (its widest field is 8 bytes). With it, every field of every entry,
/// the 4-byte fault mark included, lies inside one page, so the copy
/// engine's write of the mark never touches the next page.
pub const GRANT_TABLE_ALIGN: u64 = 8;
/// Most entries a grant table may have (2^20 slots, the grant id's slot
/// field).
pub const GRANT_TABLE_MAX_ENTRIES: u64 = 1 << 20;
/// Most elements one VSAFECOPY may carry.
pub const VSAFECOPY_MAX: u64 = 64;
/// Most bytes one FIX_RANGE may cover (1 MiB: 256 pages, well above the
/// 128 KiB a single FS transfer moves).
pub const FIX_RANGE_MAX: u64 = 1 << 20;

/// Checks a grant table's place: `base` aligned to
/// [`GRANT_TABLE_ALIGN`], at most [`GRANT_TABLE_MAX_ENTRIES`] entries,
/// and the table's end representable. Any violation is `EINVAL`. (An
/// empty table unregisters; its base must still be aligned.)
pub fn check_grant_table(base: u64, entries: u64) -> Result<(), Errno> {
    if !base.is_multiple_of(GRANT_TABLE_ALIGN) || entries > GRANT_TABLE_MAX_ENTRIES {
        return Err(EINVAL);
    }
    // entries <= 2^20, so the product fits; the sum may not.
    base.checked_add(entries * GRANT_ENTRY_SIZE).map(|_| ()).ok_or(EINVAL)
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    /// The block's words are read from the message by the server
    /// ([`spawn_block`]): a request holds the first four words only.
    Spawn {
        child: Endpoint,
        block_len: u32,
    },
    Fork {
        child: Endpoint,
        parent: Endpoint,
    },
    Exit {
        proc_: Endpoint,
    },
    Events,
    Brk {
        addr: u64,
    },
    Mmap {
        addr: u64,
        len: u64,
        prot: u64,
        flags: u64,
    },
    Munmap {
        addr: u64,
        len: u64,
    },
    Mprotect {
        addr: u32,
        len: u32,
        prot: u64,
    },
    Madvise {
        addr: u32,
        len: u32,
        advice: u32,
    },
    Info {
        of: InfoOf,
    },
    Adopt {
        server: Endpoint,
    },
    /// PM: 8 bytes of `who`'s memory at `addr`.
    Peek {
        who: Endpoint,
        addr: u32,
    },
    Thread {
        thread: Endpoint,
        leader: Endpoint,
    },
    Poke {
        who: Endpoint,
        addr: u32,
        value: u32,
    },
    /// VFS: exec `who` from the description at `desc` (`len` bytes, in
    /// VFS's memory), the program being inode `ino`.
    Exec {
        who: Endpoint,
        desc: u32,
        len: u32,
        ino: u32,
    },
    /// VFS: make `[addr, addr + len)` of `who` present, writable if
    /// `write`.
    FixRange {
        who: Endpoint,
        addr: u64,
        len: u64,
        write: bool,
    },
    MmapFile {
        map: FileMapWord,
        addr: u64,
        len: u64,
    },
    Pager {
        done: u64,
        bytes: u64,
        holes: u64,
    },
    /// The FS: its cache window.
    CacheWindow,
    CacheWrite {
        who: Endpoint,
        addr: u64,
        len: u64,
        ino: u32,
        pos: u32,
    },
    CacheTrunc {
        ino: u32,
        size: u64,
    },
    GrantTable {
        base: u64,
        entries: u64,
    },
    /// `to_granter`: SAFECOPY_TO (caller -> grant), else SAFECOPY_FROM.
    SafeCopy {
        to_granter: bool,
        granter: Endpoint,
        grant: i32,
        offset: u64,
        addr: u64,
        bytes: u64,
    },
    SafeMemset {
        granter: Endpoint,
        grant: i32,
        offset: u64,
        byte: u8,
        bytes: u64,
    },
    VSafeCopy {
        addr: u64,
        count: u64,
    },
}

/// Whether only PM may make this call.
pub fn pm_only(call: u64) -> bool {
    matches!(call, SPAWN | FORK | EXIT | EVENTS | ADOPT | PEEK | THREAD | POKE)
}

/// Whether only the FS may make this call.
pub fn fs_only(call: u64) -> bool {
    call == CACHE_WINDOW
}

/// Whether only VFS may make this call.
pub fn vfs_only(call: u64) -> bool {
    matches!(call, FIX_RANGE | MMAP_FILE | PAGER | CACHE_WRITE | CACHE_TRUNC | EXEC)
}

impl Request {
    /// Decodes a request. Unknown call numbers are `ENOSYS`; too few words
    /// (or more than four on a call with arguments, SPAWN's block aside:
    /// exactly its words) and any word out of its
    /// argument's range are `EINVAL`:
    ///
    /// * endpoints (SPAWN, FORK, EXIT, ADOPT, FIX_RANGE's `who`, and the
    ///   granter in a grant word) must be well formed, with no bit above 31;
    /// * MMAP's `prot` only [`PROT_MASK`] bits, its `flags` only
    ///   [`MAP_KNOWN`] bits and not both SHARED and PRIVATE;
    /// * GRANT_TABLE as [`check_grant_table`] says;
    /// * SAFEMEMSET's byte one byte;
    /// * VSAFECOPY's count at most [`VSAFECOPY_MAX`];
    /// * FIX_RANGE's length at most [`FIX_RANGE_MAX`], its write flag 0 or
    ///   1.
    ///
    /// Addresses, lengths and offsets stay full 64-bit words: their checks
    /// need the process's memory (VM answers `EINVAL`/`ENOMEM`) or the grant
    /// (the verifier answers in MINIX's order).
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        Ok(match r.call {
            SPAWN => {
                // The one call longer than four words: its block follows.
                let block_len = at_most(r.words[1], SPAWN_BLOCK_MAX)?;
                if r.len < 2 || r.len != spawn_words(block_len).max(2) {
                    return Err(EINVAL);
                }
                Request::Spawn { child: endpoint_of(r.words[0])?, block_len: block_len as u32 }
            }
            FORK => {
                need_words(r, 2)?;
                Request::Fork { child: endpoint_of(r.words[0])?, parent: endpoint_of(r.words[1])? }
            }
            EXIT => {
                need_words(r, 1)?;
                Request::Exit { proc_: endpoint_of(r.words[0])? }
            }
            EVENTS => Request::Events,
            BRK => {
                need_words(r, 1)?;
                Request::Brk { addr: r.words[0] }
            }
            MMAP => {
                need_words(r, 4)?;
                let prot = bits_of(r.words[2], PROT_MASK)?;
                let flags = bits_of(r.words[3], MAP_KNOWN)?;
                if flags & (MAP_SHARED | MAP_PRIVATE) == MAP_SHARED | MAP_PRIVATE {
                    return Err(EINVAL);
                }
                Request::Mmap { addr: r.words[0], len: r.words[1], prot, flags }
            }
            MPROTECT => {
                need_words(r, 3)?;
                Request::Mprotect { addr: u32_of(r.words[0])?, len: u32_of(r.words[1])?, prot: bits_of(r.words[2], PROT_MASK)? }
            }
            MADVISE => {
                need_words(r, 3)?;
                Request::Madvise { addr: u32_of(r.words[0])?, len: u32_of(r.words[1])?, advice: u32_of(r.words[2])? }
            }
            MUNMAP => {
                need_words(r, 2)?;
                Request::Munmap { addr: r.words[0], len: r.words[1] }
            }
            // No words at all is the caller's figures, as before there
            // was a choice.
            INFO if r.len == 0 => Request::Info { of: InfoOf::Caller },
            INFO => {
                need_words(r, 1)?;
                let of = match at_most(r.words[0], INFO_SERVERS)? {
                    INFO_CALLER => InfoOf::Caller,
                    INFO_VM => InfoOf::Vm,
                    _ => InfoOf::Servers,
                };
                Request::Info { of }
            }
            ADOPT => {
                need_words(r, 1)?;
                Request::Adopt { server: endpoint_of(r.words[0])? }
            }
            PEEK => {
                need_words(r, 2)?;
                Request::Peek { who: endpoint_of(r.words[0])?, addr: u32_of(r.words[1])? }
            }
            THREAD => {
                need_words(r, 2)?;
                Request::Thread { thread: endpoint_of(r.words[0])?, leader: endpoint_of(r.words[1])? }
            }
            POKE => {
                need_words(r, 3)?;
                let addr = u32_of(r.words[1])?;
                if addr % 4 != 0 {
                    return Err(EINVAL);
                }
                Request::Poke { who: endpoint_of(r.words[0])?, addr, value: u32_of(r.words[2])? }
            }
            EXEC => {
                need_words(r, 4)?;
                Request::Exec {
                    who: endpoint_of(r.words[0])?,
                    desc: u32_of(r.words[1])?,
                    len: at_most(r.words[2], crate::exec::DESC_MAX as u64)? as u32,
                    ino: u32_of(r.words[3])?,
                }
            }
            FIX_RANGE => {
                need_words(r, 4)?;
                Request::FixRange {
                    who: endpoint_of(r.words[0])?,
                    addr: r.words[1],
                    len: at_most(r.words[2], FIX_RANGE_MAX)?,
                    write: at_most(r.words[3], 1)? == 1,
                }
            }
            MMAP_FILE => {
                need_words(r, 4)?;
                Request::MmapFile { map: FileMapWord::decode(r.words[0], r.words[3])?, addr: r.words[1], len: r.words[2] }
            }
            PAGER => {
                need_words(r, 3)?;
                let bytes = r.words[1];
                if bytes != PAGE_FAILED && bytes > PAGER_MAX {
                    return Err(EINVAL);
                }
                Request::Pager { done: r.words[0], bytes, holes: at_most(r.words[2], HOLES_MAX)? }
            }
            CACHE_WRITE => {
                need_words(r, 4)?;
                Request::CacheWrite {
                    who: endpoint_of(r.words[0])?,
                    addr: r.words[1],
                    len: at_most(r.words[2], FIX_RANGE_MAX)?,
                    ino: r.words[3] as u32,
                    pos: (r.words[3] >> 32) as u32,
                }
            }
            CACHE_TRUNC => {
                need_words(r, 2)?;
                Request::CacheTrunc { ino: u32_of(r.words[0])?, size: r.words[1] }
            }
            CACHE_WINDOW => Request::CacheWindow,
            GRANT_TABLE => {
                need_words(r, 2)?;
                check_grant_table(r.words[0], r.words[1])?;
                Request::GrantTable { base: r.words[0], entries: r.words[1] }
            }
            SAFECOPY_FROM | SAFECOPY_TO => {
                need_words(r, 4)?;
                let (granter, grant) = decode_grant_word(r.words[0])?;
                Request::SafeCopy {
                    to_granter: r.call == SAFECOPY_TO,
                    granter,
                    grant,
                    offset: r.words[1],
                    addr: r.words[2],
                    bytes: r.words[3],
                }
            }
            SAFEMEMSET => {
                need_words(r, 4)?;
                let (granter, grant) = decode_grant_word(r.words[0])?;
                Request::SafeMemset { granter, grant, offset: r.words[1], byte: u8_of(r.words[2])?, bytes: r.words[3] }
            }
            VSAFECOPY => {
                need_words(r, 2)?;
                Request::VSafeCopy { addr: r.words[0], count: at_most(r.words[1], VSAFECOPY_MAX)? }
            }
            _ => return Err(ENOSYS),
        })
    }

    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            // The block's words follow (see `spawn_words_of`).
            Request::Spawn { child, block_len } => (SPAWN, [child.0 as u64, block_len as u64, 0, 0], spawn_words(block_len as u64)),
            Request::Fork { child, parent } => (FORK, [child.0 as u64, parent.0 as u64, 0, 0], 2),
            Request::Exit { proc_ } => (EXIT, [proc_.0 as u64, 0, 0, 0], 1),
            Request::Events => (EVENTS, [0; 4], 0),
            Request::Brk { addr } => (BRK, [addr, 0, 0, 0], 1),
            Request::Mmap { addr, len, prot, flags } => (MMAP, [addr, len, prot, flags], 4),
            Request::Munmap { addr, len } => (MUNMAP, [addr, len, 0, 0], 2),
            Request::Mprotect { addr, len, prot } => (MPROTECT, [addr as u64, len as u64, prot, 0], 3),
            Request::Madvise { addr, len, advice } => (MADVISE, [addr as u64, len as u64, advice as u64, 0], 3),
            Request::Info { of: InfoOf::Caller } => (INFO, [0; 4], 0),
            Request::Info { of: InfoOf::Vm } => (INFO, [INFO_VM, 0, 0, 0], 1),
            Request::Info { of: InfoOf::Servers } => (INFO, [INFO_SERVERS, 0, 0, 0], 1),
            Request::Adopt { server } => (ADOPT, [server.0 as u64, 0, 0, 0], 1),
            Request::Peek { who, addr } => (PEEK, [who.0 as u64, addr as u64, 0, 0], 2),
            Request::Thread { thread, leader } => (THREAD, [thread.0 as u64, leader.0 as u64, 0, 0], 2),
            Request::Poke { who, addr, value } => (POKE, [who.0 as u64, addr as u64, value as u64, 0], 3),
            Request::Exec { who, desc, len, ino } => (EXEC, [who.0 as u64, desc as u64, len as u64, ino as u64], 4),
            Request::FixRange { who, addr, len, write } => (FIX_RANGE, [who.0 as u64, addr, len, write as u64], 4),
            Request::MmapFile { map, addr, len } => {
                let (w0, w3) = map.words();
                (MMAP_FILE, [w0, addr, len, w3], 4)
            }
            Request::Pager { done, bytes, holes } => (PAGER, [done, bytes, holes, 0], 3),
            Request::CacheWindow => (CACHE_WINDOW, [0; 4], 0),
            Request::CacheWrite { who, addr, len, ino, pos } => {
                (CACHE_WRITE, [who.0 as u64, addr, len, ino as u64 | (pos as u64) << 32], 4)
            }
            Request::CacheTrunc { ino, size } => (CACHE_TRUNC, [ino as u64, size, 0, 0], 2),
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
            Request::Spawn { child: c, block_len: 0 },
            Request::Spawn { child: c, block_len: 7 },
            Request::Fork { child: c, parent: Endpoint::new(4, 1) },
            Request::Exit { proc_: c },
            Request::Thread { thread: Endpoint::new(300, 1), leader: c },
            Request::Poke { who: c, addr: 0x1004, value: u32::MAX },
            Request::Events,
            Request::Brk { addr: 0x1000 },
            Request::Mprotect { addr: 0x4000_0000, len: u32::MAX, prot: PROT_READ | PROT_WRITE },
            Request::Madvise { addr: 0x4000_0000, len: u32::MAX, advice: MADV_DONTNEED },
            Request::Mmap { addr: 0, len: 4096, prot: PROT_READ, flags: MAP_ANON | MAP_PRIVATE },
            Request::Munmap { addr: 0x1000, len: 4096 },
            Request::Info { of: InfoOf::Caller },
            Request::Info { of: InfoOf::Vm },
            Request::Info { of: InfoOf::Servers },
            Request::Adopt { server: c },
            Request::Exec { who: c, desc: 0x1234_5000, len: crate::exec::DESC_MAX, ino: 77 },
            Request::Peek { who: c, addr: 0x40_1000 },
            Request::GrantTable { base: 0x1000, entries: 16 },
            Request::SafeCopy { to_granter: true, granter: c, grant: -1, offset: 3, addr: 0x5000, bytes: 9 },
            Request::SafeCopy { to_granter: false, granter: c, grant: 1 << 20 | 5, offset: 0, addr: 0, bytes: 0 },
            Request::SafeMemset { granter: c, grant: 7, offset: 1, byte: 0xab, bytes: 4096 },
            Request::VSafeCopy { addr: 0x9000, count: 3 },
            Request::FixRange { who: c, addr: 0x40_0000, len: FIX_RANGE_MAX, write: true },
            Request::FixRange { who: c, addr: u64::MAX, len: 0, write: false },
        ] {
            let (call, words, len) = req.encode();
            assert_eq!(Request::decode(&RawRequest { call, words, len }), Ok(req));
        }
        let bad_ep = RawRequest { call: EXIT, words: [5, 0, 0, 0], len: 1 };
        assert_eq!(Request::decode(&bad_ep), Err(EINVAL));
        let short = RawRequest { call: MMAP, words: [0; 4], len: 3 };
        assert_eq!(Request::decode(&short), Err(EINVAL));
        assert_eq!(Request::decode(&RawRequest { call: 0x3ff, words: [0; 4], len: 0 }), Err(ENOSYS));
        assert!(pm_only(SPAWN) && pm_only(ADOPT) && !pm_only(BRK) && !pm_only(SAFECOPY_TO) && !pm_only(FIX_RANGE));
        assert!(vfs_only(FIX_RANGE) && !vfs_only(SAFECOPY_TO) && !vfs_only(FORK));
        let bad_byte = RawRequest { call: SAFEMEMSET, words: [grant_word(c, 1), 0, 256, 1], len: 4 };
        assert_eq!(Request::decode(&bad_byte), Err(EINVAL));
    }

    fn raw(call: u64, words: [u64; 4], len: u64) -> RawRequest {
        RawRequest { call, words, len }
    }

    #[test]
    fn labels_decoded_in_full() {
        for call in CALLS {
            for bit in [20, 31, 32, 51, 63] {
                assert_eq!(Request::decode(&raw(call | 1 << bit, [0; 4], 4)), Err(ENOSYS));
            }
        }
    }

    #[test]
    fn mmap_prot_and_flags_checked() {
        let ok = |prot, flags| Request::decode(&raw(MMAP, [0, 4096, prot, flags], 4));
        // F1: bit 32 of prot was dropped by a narrowing cast.
        assert_eq!(ok((1 << 32) | PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE), Err(EINVAL));
        assert_eq!(ok(8, MAP_ANON), Err(EINVAL));
        assert_eq!(ok(PROT_MASK, MAP_ANON | MAP_PRIVATE | MAP_FIXED).map(|_| ()), Ok(()));
        assert_eq!(ok(0, MAP_ANON).map(|_| ()), Ok(()));
        assert_eq!(ok(PROT_READ, MAP_ANON | 0x4), Err(EINVAL));
        assert_eq!(ok(PROT_READ, MAP_ANON | 1 << 40), Err(EINVAL));
        assert_eq!(ok(PROT_READ, MAP_ANON | MAP_SHARED | MAP_PRIVATE), Err(EINVAL));
    }

    #[test]
    fn info_kind_checked() {
        let info = |w0, len| Request::decode(&raw(INFO, [w0, 0, 0, 0], len));
        assert_eq!(info(7, 0), Ok(Request::Info { of: InfoOf::Caller }), "no words: the caller's, whatever the registers hold");
        assert_eq!(info(INFO_CALLER, 1), Ok(Request::Info { of: InfoOf::Caller }));
        assert_eq!(info(INFO_VM, 1), Ok(Request::Info { of: InfoOf::Vm }));
        assert_eq!(info(INFO_SERVERS, 1), Ok(Request::Info { of: InfoOf::Servers }));
        for w0 in [3, 1 << 32 | 1, 1 << 32 | 2, u64::MAX] {
            assert_eq!(info(w0, 1), Err(EINVAL));
        }
        assert_eq!(info(INFO_VM, 5), Err(EINVAL));
        let m = VmMemory { free_frames: 9, heap_used: 1 << 20, heap_size: 4 << 20, paging: 3 };
        let (status, vals) = m.to_reply();
        assert_eq!(VmMemory::from_reply(status, vals), m);
    }

    #[test]
    fn fix_range_checked() {
        let c = Endpoint::new(5, 2);
        let fr = |who: u64, len, write| Request::decode(&raw(FIX_RANGE, [who, 0x1000, len, write], 4));
        assert_eq!(fr(c.0 as u64, 4096, 1), Ok(Request::FixRange { who: c, addr: 0x1000, len: 4096, write: true }));
        assert_eq!(fr(c.0 as u64, 0, 0), Ok(Request::FixRange { who: c, addr: 0x1000, len: 0, write: false }));
        assert_eq!(fr(c.0 as u64, FIX_RANGE_MAX + 1, 0), Err(EINVAL));
        assert_eq!(fr(c.0 as u64, u64::MAX, 0), Err(EINVAL));
        for write in [2, 1 << 32 | 1, u64::MAX] {
            assert_eq!(fr(c.0 as u64, 1, write), Err(EINVAL));
        }
        assert_eq!(fr(c.0 as u64 | 1 << 32, 1, 0), Err(EINVAL));
        assert_eq!(fr(c.fault_badge(), 1, 0), Err(EINVAL));
        assert_eq!(fr(5, 1, 0), Err(EINVAL)); // generation 0
        let short = raw(FIX_RANGE, [c.0 as u64, 0x1000, 1, 0], 3);
        assert_eq!(Request::decode(&short), Err(EINVAL));
        let long = raw(FIX_RANGE, [c.0 as u64, 0x1000, 1, 0], 5);
        assert_eq!(Request::decode(&long), Err(EINVAL));
    }

    #[test]
    fn grant_table_checked() {
        let gt = |base, entries| Request::decode(&raw(GRANT_TABLE, [base, entries, 0, 0], 2));
        // Attack 3: a base 2 bytes before a page end put the mark across it.
        assert_eq!(gt(0x4000_0000 + 4094, 4), Err(EINVAL));
        for misalign in 1..GRANT_TABLE_ALIGN {
            assert_eq!(gt(0x1000 + misalign, 1), Err(EINVAL));
        }
        assert_eq!(gt(0x1008, 1), Ok(Request::GrantTable { base: 0x1008, entries: 1 }));
        assert_eq!(gt(0x1000, GRANT_TABLE_MAX_ENTRIES).map(|_| ()), Ok(()));
        assert_eq!(gt(0x1000, GRANT_TABLE_MAX_ENTRIES + 1), Err(EINVAL));
        assert_eq!(gt(0x1000, u64::MAX), Err(EINVAL));
        assert_eq!(gt(u64::MAX - 7, 1), Err(EINVAL));
        assert_eq!(gt(u64::MAX - 7, 0).map(|_| ()), Ok(()));
        assert_eq!(gt(u64::MAX - 7 - 48, 1).map(|_| ()), Ok(()));
    }

    #[test]
    fn spawn_block_round_trip() {
        let block: [u8; 11] = *b"Xarg\x01\x00\x00\x00abc";
        let mut words = [0u64; SPAWN_BLOCK_MAX as usize / 4];
        let n = spawn_words_of(&block, &mut words).unwrap();
        assert_eq!(n as u64, spawn_words(11) - 2);
        let mut out = [0u8; SPAWN_BLOCK_MAX as usize];
        assert_eq!(spawn_block(&words[..n], 11, &mut out), Ok(11));
        assert_eq!(&out[..11], &block);
        assert_eq!(spawn_block(&words[..n - 1], 11, &mut out), Err(EINVAL));
        words[0] |= 1 << 32;
        assert_eq!(spawn_block(&words[..n], 11, &mut out), Err(EINVAL));
        assert_eq!(spawn_block(&[], SPAWN_BLOCK_MAX + 1, &mut out), Err(EINVAL));
        assert_eq!(spawn_words_of(&[0; SPAWN_BLOCK_MAX as usize + 1], &mut words), Err(crate::errno::E2BIG));
    }

    #[test]
    fn endpoint_and_grant_words_checked() {
        let c = Endpoint::new(5, 2);
        // An endpoint with bits above 31 once narrowed to a valid one.
        assert_eq!(Request::decode(&raw(EXIT, [c.0 as u64 | 1 << 32, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(FORK, [c.0 as u64, c.fault_badge(), 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SPAWN, [c.0 as u64 | 1 << 32, 0, 0, 0], 2)), Err(EINVAL));
        // The block's length bounds it and needs its words.
        assert_eq!(Request::decode(&raw(SPAWN, [c.0 as u64, SPAWN_BLOCK_MAX + 1, 0, 0], 70)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SPAWN, [c.0 as u64, 9, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SPAWN, [c.0 as u64, 9, 0, 0], 5)), Ok(Request::Spawn { child: c, block_len: 9 }));
        let bad_granter = grant_word(Endpoint(5), 1); // generation 0
        assert_eq!(Request::decode(&raw(SAFECOPY_FROM, [bad_granter, 0, 0, 1], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SAFEMEMSET, [bad_granter, 0, 0, 1], 4)), Err(EINVAL));
        assert_eq!(decode_grant_word(grant_word(c, -1)), Ok((c, -1)));
        assert_eq!(decode_grant_word(grant_word(c, i32::MIN)), Ok((c, i32::MIN)));
        assert_eq!(Request::decode(&raw(VSAFECOPY, [0x1000, VSAFECOPY_MAX, 0, 0], 2)).map(|_| ()), Ok(()));
        assert_eq!(Request::decode(&raw(VSAFECOPY, [0x1000, VSAFECOPY_MAX + 1, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(VSAFECOPY, [0x1000, u64::MAX, 0, 0], 2)), Err(EINVAL));
    }
}
