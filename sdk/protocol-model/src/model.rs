// SPDX-License-Identifier: BSD-2-Clause
//! The state machine: threads, endpoints, locks, the page cache and user
//! buffers, and every transition one thread can take from a state.
//!
//! A state is a small `Copy` value of byte arrays, so the explorer can hash
//! millions of them. Thread roles, buffer kinds and scripts live in the
//! [`Model`] (they never change), so the state holds only what moves.

use crate::explore::{Succ, System};
use std::fmt::Write as _;

/// Files in the model.
pub const FILES: usize = 2;
/// Pages per file.
pub const PAGES_PER_FILE: usize = 2;
/// File pages in the model; page `p` is page `p % PAGES_PER_FILE` of file
/// `p / PAGES_PER_FILE`.
pub const PAGES: usize = FILES * PAGES_PER_FILE;
/// User processes (single-threaded each): 2 or 3 per scenario.
pub const MAX_USERS: usize = 3;
/// Buffers (one page each) per user process.
pub const MAX_BUFS: usize = 2;
/// Longest user script.
pub const MAX_OPS: usize = 3;
/// VFS threads: pool workers plus reserved pagers.
pub const MAX_VFS: usize = 4;

/// Thread ids, used in endpoint queues and in VM's waiter sets: users
/// first, then VFS threads, then FS, then VM.
const FS_TID: u8 = (MAX_USERS + MAX_VFS) as u8;
const VM_TID: u8 = FS_TID + 1;
// VM's waiter sets are one byte: every thread that can wait on a page (all
// but VM) needs a bit.
const _: () = assert!(FS_TID < 8);
const fn vfs_tid(w: usize) -> u8 {
    (MAX_USERS + w) as u8
}

/// Replies carried back to a blocked caller.
const OK: u8 = 0;
const EFAULT: u8 = 1;
/// A read or write at or past the end of the file: zero bytes.
const EOF: u8 = 2;

/// How a page-in gets from VM to a VFS thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageIn {
    /// The design: `n` VFS threads reserved for page-ins each keep a Call
    /// to VM ("give me work") outstanding; VM queues page-ins and answers
    /// one of those saved reply caps when there is work.
    Reserved(u8),
    /// No reserved thread: VM signals VFS's notification and whichever pool
    /// worker is idle fetches the job (MINIX's shape, minus the spare).
    Pool,
    /// Broken on purpose: VM Calls VFS and blocks until the page is in.
    VmCallsVfs,
}

/// The switches. [`Config::DESIGN`] is the protocol as it is to be built;
/// every other setting exists to show the checker catching a broken one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// VFS pool workers that serve user requests (1..=3).
    pub workers: u8,
    /// Where page-ins are served.
    pub page_in: PageIn,
    /// The FS's user-buffer grants carry CPF_TRY.
    pub fs_try: bool,
    /// VFS repeats the FS request after a faulted revoke (and a fix-range).
    /// Off: it hands the FS's EFAULT to the user, as a VFS without the
    /// soft-fault retry would.
    pub vfs_retry: bool,
    /// The page-in takes the file's vnode lock (shared), as MINIX's FDIO
    /// job does (notes §4.9 case 2).
    pub pager_locks_vnode: bool,
    /// The page-in moves the offset of the descriptor the file was mapped
    /// through, as MINIX's FDIO lseek of the dup'd filp does (§4.9 case 9).
    pub pager_seeks_filp: bool,
    /// How many times VM may evict an unreferenced cached page (memory
    /// pressure), at any moment; bounded so the state space stays finite.
    pub evictions: u8,
}

impl Config {
    /// The protocol as designed: 2 pool workers, 1 reserved pager, TRY on
    /// every FS grant, retry after a faulted revoke, page-ins that take no
    /// VFS lock and touch no descriptor, and one eviction at any moment.
    pub const DESIGN: Config = Config {
        workers: 2,
        page_in: PageIn::Reserved(1),
        fs_try: true,
        vfs_retry: true,
        pager_locks_vnode: false,
        pager_seeks_filp: false,
        evictions: 1,
    };

    fn pagers(&self) -> usize {
        match self.page_in {
            PageIn::Reserved(n) => n as usize,
            _ => 0,
        }
    }
}

/// What a user buffer is, for its whole life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buf {
    /// Anonymous memory, already touched or not.
    Anon {
        /// Touched (present) at the start.
        present: bool,
    },
    /// A never-touched MAP_PRIVATE, PROT_READ|PROT_WRITE mapping of a file
    /// page: reads map the cache page, writes copy it.
    Map {
        /// The file page mapped.
        page: u8,
    },
    /// A never-touched PROT_READ mapping of a file page: a read() into it
    /// must fail with EFAULT (and must not loop).
    MapRo {
        /// The file page mapped.
        page: u8,
    },
}

/// One step of a user script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `read(fd of file, buf, PAGE)` at the descriptor's offset.
    Read {
        /// File read.
        file: u8,
        /// Buffer read into.
        buf: u8,
    },
    /// `write(fd of file, buf, PAGE)` at the descriptor's offset.
    Write {
        /// File written.
        file: u8,
        /// Buffer written from.
        buf: u8,
    },
    /// The process touches its buffer: a page fault if it is not present
    /// (or, for `write`, not privately writable).
    Touch {
        /// Buffer touched.
        buf: u8,
        /// A store (a load otherwise).
        write: bool,
    },
}

/// One user process: its buffers and its script.
#[derive(Clone, Debug)]
pub struct UserSpec {
    /// Buffers, at most [`MAX_BUFS`].
    pub bufs: Vec<Buf>,
    /// Script, at most [`MAX_OPS`].
    pub ops: Vec<Op>,
}

/// A workload: who does what, and which pages start in the cache.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Shown in test output.
    pub name: &'static str,
    /// 2 to [`MAX_USERS`] processes.
    pub users: Vec<UserSpec>,
    /// Pages cached at the start.
    pub cached: Vec<u8>,
}

// Buffer slot contents. A shared mapping names the cache page it maps, so a
// fault that maps the wrong page is visible to the checks.
const ABSENT: u8 = 0;
const fn shared(page: u8) -> u8 {
    0x10 | page
}
const fn private(val: u8) -> u8 {
    0x20 | val
}
const fn is_shared(slot: u8) -> bool {
    slot & 0xf0 == 0x10
}
const fn is_private(slot: u8) -> bool {
    slot & 0xf0 == 0x20
}
/// What a touched anonymous buffer holds before anything is read into it:
/// no file page ever holds this value, so a read that never copied shows.
const GARBAGE: u8 = 9;
/// A file page's bytes at the start: distinct per page, never zero.
const fn initial_content(page: usize) -> u8 {
    page as u8 + 1
}

// User phases.
const U_READY: u8 = 0;
/// Blocked in a Call to VFS (queued on its endpoint or being served).
const U_VFS: u8 = 1;
/// Blocked in a page fault: queued at VM or its reply cap saved by VM.
const U_FAULT: u8 = 2;

// VFS thread phases. `arg` is the user served, or the page being paged in.
/// Worker in Recv on VFS's endpoint (pool mode: or on its notification).
const V_IDLE: u8 = 0;
/// Worker holds a user request and waits for the vnode lock.
const V_LOCK: u8 = 1;
/// Worker blocked in a Call to FS (READ/WRITE).
const V_FS: u8 = 2;
/// FS replied (`res`); the worker revokes its grant next.
const V_FS_DONE: u8 = 3;
/// Worker blocked in a Call to VM: fix this range of the user's memory.
const V_FIX: u8 = 4;
/// VM replied to the fix-range (`res`).
const V_FIX_DONE: u8 = 5;
/// Reserved pager: its "give me work" Call is saved by VM.
const P_PARKED: u8 = 6;
/// Reserved pager: "give me work" queued at VM; `arg` is the page it just
/// finished plus one, or 0.
const P_CALL: u8 = 7;
/// Reserved pager: VM answered with page `arg`.
const P_GOT: u8 = 8;
/// Page-in (any role) waiting for the vnode lock (`pager_locks_vnode`).
const N_LOCK: u8 = 9;
/// Page-in blocked in a Call to FS: PEEK page `arg` into the cache.
const N_FS: u8 = 10;
/// FS answered the PEEK.
const N_FS_DONE: u8 = 11;
/// Pool worker blocked in a Call to VM: page-in `arg` done.
const N_DONE: u8 = 12;

// VFS thread flags.
const F_MARKED: u8 = 1;
const F_LOCKED: u8 = 2;
/// Set once a worker has sent its request to the FS a second time.
const F_RETRIED: u8 = 4;

// FS phases.
const FS_IDLE: u8 = 0;
/// Blocked in a Call to VM: "this block is in the cache" (VM registers it).
const FS_CACHE: u8 = 1;
/// VM answered; the FS holds the cache page until it replies.
const FS_CACHE_DONE: u8 = 2;
/// Blocked in a Call to VM's copy engine (safecopy through the grant).
const FS_COPY: u8 = 3;
/// The copy engine answered (`res`).
const FS_COPY_DONE: u8 = 4;

// Page-in state of a page in VM.
const PIN_NONE: u8 = 0;
const PIN_QUEUED: u8 = 1;
const PIN_FLIGHT: u8 = 2;

/// Lock word of an exclusive holder.
const EXCL: u8 = 0xff;

/// A FIFO of thread ids (or pages), as an seL4 endpoint queues its callers.
/// Unused entries stay zero so equal queues hash equally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Fifo<const N: usize> {
    len: u8,
    q: [u8; N],
}

impl<const N: usize> Fifo<N> {
    const EMPTY: Self = Fifo { len: 0, q: [0; N] };
    fn push(&mut self, x: u8) {
        assert!((self.len as usize) < N, "endpoint queue overflow");
        self.q[self.len as usize] = x;
        self.len += 1;
    }
    fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let x = self.q[0];
        self.q.copy_within(1..N, 0);
        self.q[N - 1] = 0;
        self.len -= 1;
        Some(x)
    }
    fn is_empty(&self) -> bool {
        self.len == 0
    }
    fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        self.q[..self.len as usize].iter().copied()
    }
}

/// One reachable configuration of the whole system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// Per user: phase and script position.
    u_phase: [u8; MAX_USERS],
    u_pc: [u8; MAX_USERS],
    /// Per user and buffer: ABSENT, shared(page) or private(value).
    u_slot: [[u8; MAX_BUFS]; MAX_USERS],
    /// Per user and file: the descriptor offset, in pages.
    u_off: [[u8; FILES]; MAX_USERS],
    /// Per VFS thread: phase, argument, last reply, flags.
    v_phase: [u8; MAX_VFS],
    v_arg: [u8; MAX_VFS],
    v_res: [u8; MAX_VFS],
    v_flags: [u8; MAX_VFS],
    /// FS: phase, client (VFS thread index), last reply from VM.
    fs: [u8; 3],
    /// VmCallsVfs: page + 1 while VM is blocked in its Call to VFS.
    vm_blocked: u8,
    /// Per page: in VM's cache; page-in state; bytes; VM's saved callers.
    cached: [bool; PAGES],
    pin: [u8; PAGES],
    content: [u8; PAGES],
    waiters: [u8; PAGES],
    /// VM's page-in queue (pages), first in first out.
    pin_q: Fifo<PAGES>,
    /// Endpoints: callers queued and not yet received.
    vfs_ep: Fifo<{ MAX_USERS + 1 }>,
    fs_ep: Fifo<MAX_VFS>,
    vm_ep: Fifo<{ MAX_USERS + MAX_VFS + 1 }>,
    /// Per file: VFS vnode lock word (0 free, EXCL, else readers).
    locks: [u8; FILES],
    evictions_left: u8,
    /// First property violated on the way here (0: none).
    violation: u8,
}

impl State {
    /// VM is blocked in a Call to VFS (only possible with
    /// [`PageIn::VmCallsVfs`]).
    pub fn vm_blocked_on_vfs(&self) -> bool {
        self.vm_blocked != 0
    }

    /// The FS is blocked in a safecopy whose reply cap VM saved until a
    /// page-in completes (only possible without TRY).
    pub fn fs_waits_on_page(&self) -> bool {
        self.fs[0] == FS_COPY && self.waiters.iter().any(|&w| w & (1 << FS_TID) != 0)
    }

    /// Some page-in waits for a vnode lock.
    pub fn pagein_waits_on_lock(&self) -> bool {
        self.v_phase.contains(&N_LOCK)
    }

    /// Page-ins are queued in VM and no VFS thread is parked there to be
    /// handed one.
    pub fn pageins_stranded(&self) -> bool {
        !self.pin_q.is_empty() && !self.v_phase.contains(&P_PARKED)
    }

    /// How many VFS threads are blocked in a fix-range Call to VM.
    pub fn workers_in_fix_range(&self) -> usize {
        self.v_phase.iter().filter(|&&p| p == V_FIX).count()
    }
}

/// What went wrong, as recorded in [`State`]'s violation byte.
pub const VIOLATIONS: &[&str] = &[
    "none",
    "read returned the wrong status or count",
    "read left the wrong bytes in the buffer",
    "write returned the wrong status or count",
    "write put the wrong bytes in the file",
    "a fault left the buffer unmapped or mapped the wrong page",
    "a descriptor offset is not what the completed reads and writes make it",
    "a request went to the FS a third time",
];
const V_READ_STATUS: u8 = 1;
const V_READ_DATA: u8 = 2;
const V_WRITE_STATUS: u8 = 3;
const V_WRITE_DATA: u8 = 4;
const V_FAULT_MAP: u8 = 5;
const V_OFFSET: u8 = 6;
const V_RETRIES: u8 = 7;

/// Labels for a trace: only built when the explorer replays a path.
type Log<'a> = Option<&'a mut Vec<String>>;

/// A configuration and a scenario, checked and laid out for the transition
/// function.
pub struct Model {
    /// The switches.
    pub cfg: Config,
    /// The workload.
    pub sc: Scenario,
    /// `exp_off[u][pc][f]`: the offset of user `u`'s descriptor for file
    /// `f` once its first `pc` operations have completed.
    exp_off: Vec<Vec<[u8; FILES]>>,
    /// For `pager_seeks_filp`: the user whose descriptor VM dup'd for each
    /// file (the first one that maps it).
    filp_owner: [Option<usize>; FILES],
}

fn page_name(p: u8) -> String {
    format!("F{}p{}", p as usize / PAGES_PER_FILE, p as usize % PAGES_PER_FILE)
}

fn slot_name(slot: u8) -> String {
    if slot == ABSENT {
        "absent".into()
    } else if is_shared(slot) {
        format!("maps cache page {}", page_name(slot & 0xf))
    } else {
        format!("private page holding {}", slot & 0xf)
    }
}

impl Model {
    /// Checks the scenario against the model's bounds.
    pub fn new(cfg: Config, sc: Scenario) -> Model {
        assert!((1..=3).contains(&cfg.workers), "1 to 3 workers");
        assert!(cfg.workers as usize + cfg.pagers() <= MAX_VFS, "too many VFS threads");
        assert!(cfg.pagers() > 0 || cfg.page_in != PageIn::Reserved(0), "Reserved(0): use Pool");
        assert!((2..=MAX_USERS).contains(&sc.users.len()), "2 to {MAX_USERS} users");
        let mut exp_off = Vec::new();
        let mut filp_owner = [None; FILES];
        for (u, us) in sc.users.iter().enumerate() {
            assert!(us.bufs.len() <= MAX_BUFS && us.ops.len() <= MAX_OPS);
            let mut off = [0u8; FILES];
            let mut per = vec![off];
            for b in &us.bufs {
                if let Buf::Map { page } | Buf::MapRo { page } = *b {
                    assert!((page as usize) < PAGES);
                    let f = page as usize / PAGES_PER_FILE;
                    filp_owner[f].get_or_insert(u);
                }
            }
            for op in &us.ops {
                match *op {
                    Op::Read { file, buf } | Op::Write { file, buf } => {
                        assert!((file as usize) < FILES && (buf as usize) < us.bufs.len());
                        // A read into a read-only mapping fails and moves nothing.
                        let fails = matches!(op, Op::Read { .. }) && matches!(us.bufs[buf as usize], Buf::MapRo { .. });
                        if !fails {
                            off[file as usize] += 1;
                        }
                        assert!(off[file as usize] as usize <= PAGES_PER_FILE, "script reads past EOF");
                    }
                    Op::Touch { buf, write } => {
                        assert!((buf as usize) < us.bufs.len());
                        assert!(
                            !(write && matches!(us.bufs[buf as usize], Buf::MapRo { .. })),
                            "a store to a read-only mapping is a SIGSEGV, not modelled"
                        );
                    }
                }
                per.push(off);
            }
            exp_off.push(per);
        }
        for &p in &sc.cached {
            assert!((p as usize) < PAGES);
        }
        Model { cfg, sc, exp_off, filp_owner }
    }

    fn n_vfs(&self) -> usize {
        self.cfg.workers as usize + self.cfg.pagers()
    }

    fn is_pager(&self, w: usize) -> bool {
        w >= self.cfg.workers as usize
    }

    fn op(&self, s: &State, u: usize) -> Op {
        self.sc.users[u].ops[s.u_pc[u] as usize]
    }

    fn buf(&self, u: usize, b: u8) -> Buf {
        self.sc.users[u].bufs[b as usize]
    }

    /// The initial state: everyone idle, pagers' Calls already saved by VM.
    pub fn init(&self) -> State {
        let mut s = State {
            u_phase: [U_READY; MAX_USERS],
            u_pc: [0; MAX_USERS],
            u_slot: [[ABSENT; MAX_BUFS]; MAX_USERS],
            u_off: [[0; FILES]; MAX_USERS],
            v_phase: [V_IDLE; MAX_VFS],
            v_arg: [0; MAX_VFS],
            v_res: [0; MAX_VFS],
            v_flags: [0; MAX_VFS],
            fs: [FS_IDLE, 0, 0],
            vm_blocked: 0,
            cached: [false; PAGES],
            pin: [PIN_NONE; PAGES],
            content: [0; PAGES],
            waiters: [0; PAGES],
            pin_q: Fifo::EMPTY,
            vfs_ep: Fifo::EMPTY,
            fs_ep: Fifo::EMPTY,
            vm_ep: Fifo::EMPTY,
            locks: [0; FILES],
            evictions_left: self.cfg.evictions,
            violation: 0,
        };
        for (u, us) in self.sc.users.iter().enumerate() {
            for (b, buf) in us.bufs.iter().enumerate() {
                if let Buf::Anon { present: true } = buf {
                    s.u_slot[u][b] = private(GARBAGE);
                }
            }
        }
        for w in 0..self.n_vfs() {
            if self.is_pager(w) {
                s.v_phase[w] = P_PARKED;
            }
        }
        for p in 0..PAGES {
            s.content[p] = initial_content(p);
        }
        for &p in &self.sc.cached {
            s.cached[p as usize] = true;
        }
        s
    }

    /// Every user has run its whole script.
    pub fn all_done(&self, s: &State) -> bool {
        (0..self.sc.users.len()).all(|u| s.u_phase[u] == U_READY && s.u_pc[u] as usize == self.sc.users[u].ops.len())
    }

    /// Nothing is held or pending anywhere: what a finished run must leave.
    pub fn quiescent(&self, s: &State) -> bool {
        let vfs_ok = (0..self.n_vfs()).all(|w| s.v_flags[w] == 0 && s.v_phase[w] == if self.is_pager(w) { P_PARKED } else { V_IDLE });
        vfs_ok
            && s.fs[0] == FS_IDLE
            && s.vm_blocked == 0
            && s.locks.iter().all(|&l| l == 0)
            && s.waiters.iter().all(|&w| w == 0)
            && s.pin.iter().all(|&p| p == PIN_NONE)
            && s.pin_q.is_empty()
            && s.vfs_ep.is_empty()
            && s.fs_ep.is_empty()
            && s.vm_ep.is_empty()
    }

    /// The property violated in `s`, if any.
    pub fn violation(&self, s: &State) -> Option<&'static str> {
        (s.violation != 0).then(|| VIOLATIONS[s.violation as usize])
    }

    fn violate(s: &mut State, code: u8) {
        if s.violation == 0 {
            s.violation = code;
        }
    }

    /// The file page a worker's request touches now: VFS reads the
    /// descriptor's offset for every attempt, so anything that moves it
    /// between attempts shows up.
    fn req_page(&self, s: &State, u: usize) -> Option<u8> {
        let (Op::Read { file, .. } | Op::Write { file, .. }) = self.op(s, u) else { unreachable!("a VFS request is a read or a write") };
        let off = s.u_off[u][file as usize] as usize;
        (off < PAGES_PER_FILE).then(|| (file as usize * PAGES_PER_FILE + off) as u8)
    }

    /// The page the FS works on for its current client.
    fn fs_page(&self, s: &State) -> Option<u8> {
        let w = s.fs[1] as usize;
        match s.v_phase[w] {
            N_FS => Some(s.v_arg[w]),
            _ => self.req_page(s, s.v_arg[w] as usize),
        }
    }

    /// A user's operation ends with `res`: check everything the POSIX
    /// caller can see, then move the script on. A touch gets here only
    /// through a fault.
    fn finish(&self, s: &mut State, u: usize, res: u8) {
        let pc = s.u_pc[u] as usize;
        let exp = self.exp_off[u][pc + 1];
        match self.op(s, u) {
            Op::Read { file, buf } => {
                let start = self.exp_off[u][pc][file as usize] as usize;
                let p = file as usize * PAGES_PER_FILE + start;
                if let Buf::MapRo { .. } = self.buf(u, buf) {
                    if res != EFAULT {
                        Self::violate(s, V_READ_STATUS);
                    }
                } else if res != OK {
                    Self::violate(s, V_READ_STATUS);
                } else if s.u_slot[u][buf as usize] != private(s.content[p]) {
                    Self::violate(s, V_READ_DATA);
                }
            }
            Op::Write { file, buf } => {
                let start = self.exp_off[u][pc][file as usize] as usize;
                let p = file as usize * PAGES_PER_FILE + start;
                let slot = s.u_slot[u][buf as usize];
                let val = if is_private(slot) {
                    Some(slot & 0xf)
                } else if is_shared(slot) {
                    Some(s.content[(slot & 0xf) as usize])
                } else {
                    None
                };
                if res != OK {
                    Self::violate(s, V_WRITE_STATUS);
                } else if val != Some(s.content[p]) {
                    Self::violate(s, V_WRITE_DATA);
                }
            }
            Op::Touch { buf, write } => {
                let slot = s.u_slot[u][buf as usize];
                let ok = match self.buf(u, buf) {
                    Buf::Anon { .. } => is_private(slot),
                    Buf::Map { page } | Buf::MapRo { page } => {
                        if write {
                            slot == private(s.content[page as usize])
                        } else {
                            slot == shared(page) || is_private(slot)
                        }
                    }
                };
                if res != OK || !ok {
                    Self::violate(s, V_FAULT_MAP);
                }
            }
        }
        if s.u_off[u] != exp {
            Self::violate(s, V_OFFSET);
        }
        s.u_pc[u] += 1;
        s.u_phase[u] = U_READY;
    }

    /// Whether a touch needs no fault: the page is there with the access.
    fn touch_is_free(slot: u8, write: bool) -> bool {
        if write {
            is_private(slot)
        } else {
            slot != ABSENT
        }
    }

    // ---- VM -------------------------------------------------------------

    /// VM serves caller `t`'s request as far as it can without blocking.
    /// `Some(page)`: the request needs that page in the cache first; the
    /// caller stays blocked and VM keeps its reply cap.
    fn vm_serve(&self, s: &mut State, t: u8, n: &mut Option<String>) -> Option<u8> {
        let t_us = t as usize;
        if t_us < MAX_USERS {
            let u = t_us;
            let Op::Touch { buf, write } = self.op(s, u) else { unreachable!() };
            let b = buf as usize;
            match self.buf(u, buf) {
                Buf::Anon { .. } => {
                    s.u_slot[u][b] = private(0);
                    note(n, || "anonymous page: zero page mapped, fault answered".into());
                }
                Buf::Map { page: q } | Buf::MapRo { page: q } => {
                    if !s.cached[q as usize] {
                        note(n, || format!("{} not cached: reply cap saved", page_name(q)));
                        return Some(q);
                    }
                    s.u_slot[u][b] = if write { private(s.content[q as usize]) } else { shared(q) };
                    note(n, || {
                        format!("{} cached: {}, fault answered", page_name(q), if write { "copied (COW)" } else { "mapped read-only" })
                    });
                }
            }
            self.finish(s, u, OK);
            return None;
        }
        if t == FS_TID {
            return self.vm_serve_fs(s, n);
        }
        let w = t_us - MAX_USERS;
        match s.v_phase[w] {
            V_FIX => self.vm_fix_range(s, w, n),
            P_CALL => {
                if s.v_arg[w] != 0 {
                    self.pagein_done(s, s.v_arg[w] - 1, n);
                }
                s.v_phase[w] = P_PARKED;
                s.v_arg[w] = 0;
                self.dispatch(s, n);
                None
            }
            N_DONE => {
                self.pagein_done(s, s.v_arg[w], n);
                s.v_phase[w] = V_IDLE;
                s.v_arg[w] = 0;
                None
            }
            ph => unreachable!("VFS thread {w} at VM in phase {ph}"),
        }
    }

    /// VM serves the FS: registering a cache block, or a safecopy.
    fn vm_serve_fs(&self, s: &mut State, n: &mut Option<String>) -> Option<u8> {
        let p = self.fs_page(s).expect("the FS calls VM only for a page inside the file") as usize;
        if s.fs[0] == FS_CACHE {
            s.cached[p] = true;
            s.fs[0] = FS_CACHE_DONE;
            note(n, || format!("{} registered in the cache", page_name(p as u8)));
            return None;
        }
        assert_eq!(s.fs[0], FS_COPY);
        let w = s.fs[1] as usize;
        let u = s.v_arg[w] as usize;
        let (Op::Read { buf, .. } | Op::Write { buf, .. }) = self.op(s, u) else { unreachable!() };
        let b = buf as usize;
        let kind = self.buf(u, buf);
        let slot = s.u_slot[u][b];
        let to_user = matches!(self.op(s, u), Op::Read { .. });
        let ready = if to_user { is_private(slot) } else { slot != ABSENT };
        let res = if ready {
            if to_user {
                s.u_slot[u][b] = private(s.content[p]);
            } else {
                s.content[p] = if is_private(slot) { slot & 0xf } else { s.content[(slot & 0xf) as usize] };
            }
            note(n, || format!("copy {} U{u}'s buffer: done", if to_user { "to" } else { "from" }));
            OK
        } else if self.cfg.fs_try {
            s.v_flags[w] |= F_MARKED;
            note(n, || format!("TRY copy: U{u}'s buffer {}: grant marked, EFAULT", slot_name(slot)));
            EFAULT
        } else {
            // Without TRY the copy engine makes the page present first,
            // keeping the FS's reply cap meanwhile.
            match kind {
                Buf::Anon { .. } => {
                    let v = if to_user { s.content[p] } else { 0 };
                    s.u_slot[u][b] = private(v);
                    if !to_user {
                        s.content[p] = 0;
                    }
                    note(n, || "anonymous page made present, copy done".into());
                    OK
                }
                Buf::MapRo { .. } if to_user => {
                    note(n, || "copy into a read-only mapping: EFAULT".into());
                    EFAULT
                }
                Buf::Map { page: q } | Buf::MapRo { page: q } => {
                    if !s.cached[q as usize] {
                        note(n, || format!("no TRY: U{u}'s buffer needs {}: FS's reply cap saved", page_name(q)));
                        return Some(q);
                    }
                    if to_user {
                        s.u_slot[u][b] = private(s.content[p]);
                    } else {
                        if slot == ABSENT {
                            s.u_slot[u][b] = shared(q);
                        }
                        s.content[p] = s.content[q as usize];
                    }
                    note(n, || "buffer page made present, copy done".into());
                    OK
                }
            }
        };
        s.fs[0] = FS_COPY_DONE;
        s.fs[2] = res;
        None
    }

    /// The fix-range call only VFS may make: make the user's buffer present
    /// (writable for a read), answering once any page-in is done.
    fn vm_fix_range(&self, s: &mut State, w: usize, n: &mut Option<String>) -> Option<u8> {
        let u = s.v_arg[w] as usize;
        let (writable, buf) = match self.op(s, u) {
            Op::Read { buf, .. } => (true, buf),
            Op::Write { buf, .. } => (false, buf),
            Op::Touch { .. } => unreachable!(),
        };
        let b = buf as usize;
        let slot = s.u_slot[u][b];
        let res = match self.buf(u, buf) {
            Buf::Anon { .. } => {
                if slot == ABSENT {
                    s.u_slot[u][b] = private(0);
                }
                OK
            }
            Buf::MapRo { .. } if writable => EFAULT,
            Buf::Map { page: q } | Buf::MapRo { page: q } => {
                let done = if writable { is_private(slot) } else { slot != ABSENT };
                if !done {
                    if !s.cached[q as usize] {
                        note(n, || format!("fix-range needs {}: {}'s reply cap saved", page_name(q), self.vname(w)));
                        return Some(q);
                    }
                    s.u_slot[u][b] = if writable { private(s.content[q as usize]) } else { shared(q) };
                }
                OK
            }
        };
        note(n, || format!("fix-range of U{u}'s buffer answered {}", if res == OK { "OK" } else { "EFAULT" }));
        s.v_phase[w] = V_FIX_DONE;
        s.v_res[w] = res;
        None
    }

    /// VM has a request that needs page `q`: start a page-in unless one is
    /// already queued or in flight.
    fn request_pagein(&self, s: &mut State, q: u8, n: &mut Option<String>) {
        let qi = q as usize;
        if s.pin[qi] != PIN_NONE {
            note(n, || format!("; page-in of {} already under way", page_name(q)));
            return;
        }
        match self.cfg.page_in {
            PageIn::VmCallsVfs => {
                s.pin[qi] = PIN_FLIGHT;
                s.vm_blocked = q + 1;
                s.vfs_ep.push(VM_TID);
                note(n, || format!("; VM Calls VFS to page in {} and blocks", page_name(q)));
            }
            PageIn::Reserved(_) | PageIn::Pool => {
                s.pin[qi] = PIN_QUEUED;
                s.pin_q.push(q);
                note(n, || format!("; page-in of {} queued", page_name(q)));
                self.dispatch(s, n);
            }
        }
    }

    /// Hand queued page-ins to parked pagers, through their saved reply caps.
    fn dispatch(&self, s: &mut State, n: &mut Option<String>) {
        for w in 0..self.n_vfs() {
            if s.pin_q.is_empty() {
                return;
            }
            if s.v_phase[w] == P_PARKED {
                let q = s.pin_q.pop().unwrap_or_default();
                s.pin[q as usize] = PIN_FLIGHT;
                s.v_phase[w] = P_GOT;
                s.v_arg[w] = q;
                note(n, || format!("; P{} handed page-in of {}", w - self.cfg.workers as usize, page_name(q)));
            }
        }
    }

    /// A page-in of `p` finished: answer every saved caller that waited for
    /// it, or start again if VM evicted the page meanwhile.
    fn pagein_done(&self, s: &mut State, p: u8, n: &mut Option<String>) {
        let pi = p as usize;
        let ws = s.waiters[pi];
        s.pin[pi] = PIN_NONE;
        if !s.cached[pi] {
            note(n, || format!("page-in of {} done but the page was evicted", page_name(p)));
            if ws != 0 {
                self.request_pagein(s, p, n);
            }
            return;
        }
        note(n, || format!("page-in of {} done", page_name(p)));
        s.waiters[pi] = 0;
        for t in 0..=FS_TID {
            if ws & (1 << t) != 0 {
                note(n, || format!("; {} resumed: ", self.tname(t)));
                if let Some(q) = self.vm_serve(s, t, n) {
                    s.waiters[q as usize] |= 1 << t;
                    self.request_pagein(s, q, n);
                }
            }
        }
    }

    /// Whether VM may drop `p` from the cache now: nothing maps it and the
    /// FS is not holding it.
    fn evictable(&self, s: &State, p: usize) -> bool {
        if !s.cached[p] || s.evictions_left == 0 || s.vm_blocked != 0 {
            return false;
        }
        let mapped = s.u_slot.iter().flatten().any(|&slot| slot == shared(p as u8));
        let held = matches!(s.fs[0], FS_CACHE_DONE | FS_COPY | FS_COPY_DONE) && self.fs_page(s) == Some(p as u8);
        !mapped && !held
    }

    // ---- VFS ------------------------------------------------------------

    fn try_lock(s: &mut State, f: usize, excl: bool) -> bool {
        let l = s.locks[f];
        if excl && l == 0 {
            s.locks[f] = EXCL;
            true
        } else if !excl && l != EXCL {
            s.locks[f] = l + 1;
            true
        } else {
            false
        }
    }

    fn unlock(s: &mut State, f: usize) {
        if s.locks[f] == EXCL {
            s.locks[f] = 0;
        } else {
            s.locks[f] -= 1;
        }
    }

    /// The file and mode of the vnode lock a worker's request takes: reads
    /// shared, writes exclusive.
    fn req_lock(&self, s: &State, u: usize) -> (usize, bool) {
        match self.op(s, u) {
            Op::Read { file, .. } => (file as usize, false),
            Op::Write { file, .. } => (file as usize, true),
            Op::Touch { .. } => unreachable!(),
        }
    }

    /// A page-in thread with page `arg` goes on to lock (if modelled) and
    /// PEEK.
    fn start_peek(&self, s: &mut State, w: usize) {
        s.v_phase[w] = if self.cfg.pager_locks_vnode { N_LOCK } else { N_FS };
        if s.v_phase[w] == N_FS {
            s.fs_ep.push(vfs_tid(w));
        }
    }

    // ---- transitions ----------------------------------------------------

    /// Every transition enabled in `s`, in a fixed order (traces replay by
    /// index). With `log`, also a label per transition.
    pub fn successors(&self, s: &State, out: &mut Vec<Succ<State>>, mut log: Log<'_>) {
        let want = log.is_some();
        let mut push = |state: State, progress: bool, label: Option<String>| {
            if let (Some(l), Some(label)) = (log.as_deref_mut(), label) {
                l.push(label);
            }
            out.push(Succ { state, progress });
        };
        let lbl = |f: &dyn Fn() -> String| want.then(f);

        // Users.
        for u in 0..self.sc.users.len() {
            if s.u_phase[u] != U_READY || s.u_pc[u] as usize >= self.sc.users[u].ops.len() {
                continue;
            }
            let mut t = *s;
            let op = self.op(s, u);
            let label = lbl(&|| format!("U{u} {}", self.op_name(u, op)));
            match op {
                Op::Read { .. } | Op::Write { .. } => {
                    t.u_phase[u] = U_VFS;
                    t.vfs_ep.push(u as u8);
                }
                Op::Touch { buf, write } => {
                    if Self::touch_is_free(s.u_slot[u][buf as usize], write) {
                        // No fault: nothing to check but the offsets.
                        t.u_pc[u] += 1;
                        if t.u_off[u] != self.exp_off[u][t.u_pc[u] as usize] {
                            Self::violate(&mut t, V_OFFSET);
                        }
                    } else {
                        t.u_phase[u] = U_FAULT;
                        t.vm_ep.push(u as u8);
                    }
                }
            }
            push(t, true, label.map(|l| l + if t.u_phase[u] == U_READY { ": no fault" } else { "" }));
        }

        // VFS threads. Idle workers are interchangeable, so only the first
        // idle one receives (a symmetry reduction: which one does is
        // irrelevant to every property).
        let first_idle = (0..self.cfg.workers as usize).find(|&w| s.v_phase[w] == V_IDLE);
        for w in 0..self.n_vfs() {
            let name = self.vname(w);
            match s.v_phase[w] {
                V_IDLE if Some(w) == first_idle => {
                    if let Some(c) = s.vfs_ep.iter().next() {
                        let mut t = *s;
                        t.vfs_ep.pop();
                        if c == VM_TID {
                            t.v_arg[w] = s.vm_blocked - 1;
                            self.start_peek(&mut t, w);
                            push(t, true, lbl(&|| format!("{name} receives VM's Call: page in {}", page_name(s.vm_blocked - 1))));
                        } else {
                            t.v_phase[w] = V_LOCK;
                            t.v_arg[w] = c;
                            push(t, true, lbl(&|| format!("{name} receives U{c}'s request")));
                        }
                    }
                    if self.cfg.page_in == PageIn::Pool && !s.pin_q.is_empty() {
                        let mut t = *s;
                        let q = t.pin_q.pop().unwrap_or_default();
                        t.pin[q as usize] = PIN_FLIGHT;
                        t.v_arg[w] = q;
                        self.start_peek(&mut t, w);
                        push(t, true, lbl(&|| format!("{name} takes VM's notification: page-in of {}", page_name(q))));
                    }
                }
                V_LOCK => {
                    let u = s.v_arg[w] as usize;
                    let (f, excl) = self.req_lock(s, u);
                    let mut t = *s;
                    if Self::try_lock(&mut t, f, excl) {
                        t.v_flags[w] |= F_LOCKED;
                        t.v_phase[w] = V_FS;
                        t.fs_ep.push(vfs_tid(w));
                        push(
                            t,
                            true,
                            lbl(&|| {
                                format!(
                                    "{name} locks F{f} vnode ({}), makes a {}grant on U{u}'s buffer, Calls FS {}",
                                    if excl { "exclusive" } else { "shared" },
                                    if self.cfg.fs_try { "TRY " } else { "" },
                                    if excl { "WRITE" } else { "READ" }
                                )
                            }),
                        );
                    }
                }
                V_FS_DONE => {
                    let u = s.v_arg[w] as usize;
                    let mut t = *s;
                    let res = s.v_res[w];
                    let marked = s.v_flags[w] & F_MARKED != 0;
                    t.v_flags[w] &= !F_MARKED;
                    if marked && self.cfg.vfs_retry {
                        t.v_phase[w] = V_FIX;
                        t.vm_ep.push(vfs_tid(w));
                        push(t, true, lbl(&|| format!("{name} revokes: grant faulted; Calls VM fix-range for U{u}'s buffer")));
                    } else {
                        let (f, _) = self.req_lock(s, u);
                        if res == OK {
                            t.u_off[u][f] += 1;
                        }
                        Self::unlock(&mut t, f);
                        t.v_flags[w] = 0;
                        t.v_phase[w] = V_IDLE;
                        t.v_arg[w] = 0;
                        t.v_res[w] = 0;
                        self.finish(&mut t, u, res);
                        push(t, true, lbl(&|| format!("{name} revokes (not faulted), unlocks F{f}, replies {} to U{u}", res_name(res))));
                    }
                }
                V_FIX_DONE => {
                    let u = s.v_arg[w] as usize;
                    let mut t = *s;
                    if s.v_res[w] == OK {
                        // After a fix-range the buffer is present and
                        // nothing can take it away (mapped pages are not
                        // evicted, anonymous ones are never paged out), so
                        // one retry must always be enough.
                        if s.v_flags[w] & F_RETRIED != 0 {
                            Self::violate(&mut t, V_RETRIES);
                        }
                        t.v_flags[w] |= F_RETRIED;
                        t.v_phase[w] = V_FS;
                        t.fs_ep.push(vfs_tid(w));
                        push(t, true, lbl(&|| format!("{name} repeats the FS request for U{u}")));
                    } else {
                        let (f, _) = self.req_lock(s, u);
                        Self::unlock(&mut t, f);
                        t.v_flags[w] = 0;
                        t.v_phase[w] = V_IDLE;
                        t.v_arg[w] = 0;
                        t.v_res[w] = 0;
                        self.finish(&mut t, u, EFAULT);
                        push(t, true, lbl(&|| format!("{name} unlocks F{f}, replies EFAULT to U{u}")));
                    }
                }
                P_GOT => {
                    let mut t = *s;
                    self.start_peek(&mut t, w);
                    push(t, true, lbl(&|| format!("{name} got page-in {} from VM", page_name(s.v_arg[w]))));
                }
                N_LOCK => {
                    let f = s.v_arg[w] as usize / PAGES_PER_FILE;
                    let mut t = *s;
                    if Self::try_lock(&mut t, f, false) {
                        t.v_flags[w] |= F_LOCKED;
                        t.v_phase[w] = N_FS;
                        t.fs_ep.push(vfs_tid(w));
                        push(t, true, lbl(&|| format!("{name} locks F{f} vnode (shared) for the page-in, Calls FS PEEK")));
                    }
                }
                N_FS_DONE => {
                    let p = s.v_arg[w];
                    let f = p as usize / PAGES_PER_FILE;
                    let mut t = *s;
                    if t.v_flags[w] & F_LOCKED != 0 {
                        Self::unlock(&mut t, f);
                        t.v_flags[w] = 0;
                    }
                    if self.cfg.pager_seeks_filp {
                        if let Some(owner) = self.filp_owner[f] {
                            t.u_off[owner][f] = (p as usize % PAGES_PER_FILE + 1) as u8;
                        }
                    }
                    let what = if self.is_pager(w) {
                        t.v_phase[w] = P_CALL;
                        t.v_arg[w] = p + 1;
                        t.vm_ep.push(vfs_tid(w));
                        "Calls VM: done, give me work".to_string()
                    } else if self.cfg.page_in == PageIn::Pool {
                        t.v_phase[w] = N_DONE;
                        t.vm_ep.push(vfs_tid(w));
                        "Calls VM: page-in done".to_string()
                    } else {
                        // VmCallsVfs: the reply resumes VM, which finishes the
                        // page-in at once.
                        t.v_phase[w] = V_IDLE;
                        t.v_arg[w] = 0;
                        t.vm_blocked = 0;
                        let mut n = want.then(String::new);
                        self.pagein_done(&mut t, p, &mut n);
                        format!("replies to VM: {}", n.unwrap_or_default())
                    };
                    push(t, true, lbl(&|| format!("{name}: PEEK of {} answered; {what}", page_name(p))));
                }
                _ => {}
            }
        }

        // FS: single-threaded; it receives in FIFO order.
        match s.fs[0] {
            FS_IDLE => {
                if let Some(c) = s.fs_ep.iter().next() {
                    let w = c as usize - MAX_USERS;
                    let mut t = *s;
                    t.fs_ep.pop();
                    t.fs[1] = w as u8;
                    let kind = match s.v_phase[w] {
                        N_FS => "PEEK",
                        _ if matches!(self.op(s, s.v_arg[w] as usize), Op::Read { .. }) => "READ",
                        _ => "WRITE",
                    };
                    match self.fs_page(&t) {
                        Some(p) => {
                            t.fs[0] = FS_CACHE;
                            t.vm_ep.push(FS_TID);
                            push(
                                t,
                                true,
                                lbl(&|| format!("FS receives {kind} of {} from {}; Calls VM: block in cache", page_name(p), self.tname(c))),
                            );
                        }
                        None => {
                            t.fs[0] = FS_IDLE;
                            t.v_phase[w] = V_FS_DONE;
                            t.v_res[w] = EOF;
                            push(t, true, lbl(&|| format!("FS receives {kind} from {} at EOF: 0 bytes", self.tname(c))));
                        }
                    }
                }
            }
            FS_CACHE_DONE => {
                let w = s.fs[1] as usize;
                let mut t = *s;
                if s.v_phase[w] == N_FS {
                    t.fs[0] = FS_IDLE;
                    t.v_phase[w] = N_FS_DONE;
                    push(t, true, lbl(&|| format!("FS replies to {}: PEEK done", self.tname(vfs_tid(w)))));
                } else {
                    t.fs[0] = FS_COPY;
                    t.vm_ep.push(FS_TID);
                    push(t, true, lbl(&|| format!("FS Calls VM: safecopy through {}'s grant", self.tname(vfs_tid(w)))));
                }
            }
            FS_COPY_DONE => {
                let w = s.fs[1] as usize;
                let mut t = *s;
                t.fs[0] = FS_IDLE;
                t.v_phase[w] = V_FS_DONE;
                t.v_res[w] = s.fs[2];
                t.fs[2] = 0;
                push(t, true, lbl(&|| format!("FS replies {} to {}", res_name(s.fs[2]), self.tname(vfs_tid(w)))));
            }
            _ => {}
        }

        // VM: single-threaded, receives in FIFO order, never blocks except
        // in the broken VmCallsVfs configuration.
        if s.vm_blocked == 0 {
            if let Some(c) = s.vm_ep.iter().next() {
                let mut t = *s;
                t.vm_ep.pop();
                let mut n = want.then(String::new);
                if let Some(q) = self.vm_serve(&mut t, c, &mut n) {
                    t.waiters[q as usize] |= 1 << c;
                    self.request_pagein(&mut t, q, &mut n);
                }
                push(
                    t,
                    true,
                    lbl(&|| format!("VM receives {}'s {}: {}", self.tname(c), self.vm_req_name(s, c), n.clone().unwrap_or_default())),
                );
            }
            for p in 0..PAGES {
                if self.evictable(s, p) {
                    let mut t = *s;
                    t.cached[p] = false;
                    t.evictions_left -= 1;
                    push(t, false, lbl(&|| format!("VM evicts {} (memory pressure)", page_name(p as u8))));
                }
            }
        }
    }

    /// A thread's name in traces: U (users), W (pool workers), P (reserved
    /// pagers), FS, VM.
    fn tname(&self, t: u8) -> String {
        let t_us = t as usize;
        if t_us < MAX_USERS {
            format!("U{t}")
        } else if t == FS_TID {
            "FS".into()
        } else if t == VM_TID {
            "VM".into()
        } else {
            self.vname(t_us - MAX_USERS)
        }
    }

    fn vname(&self, w: usize) -> String {
        if self.is_pager(w) {
            format!("P{}", w - self.cfg.workers as usize)
        } else {
            format!("W{w}")
        }
    }

    fn op_name(&self, u: usize, op: Op) -> String {
        let bname = |b: u8| match self.buf(u, b) {
            Buf::Anon { present: true } => "a touched anonymous buffer".to_string(),
            Buf::Anon { present: false } => "an anonymous buffer".to_string(),
            Buf::Map { page } => format!("its private mapping of {}", page_name(page)),
            Buf::MapRo { page } => format!("its read-only mapping of {}", page_name(page)),
        };
        match op {
            Op::Read { file, buf } => format!("Calls VFS: read(F{file}) into {}", bname(buf)),
            Op::Write { file, buf } => format!("Calls VFS: write(F{file}) from {}", bname(buf)),
            Op::Touch { buf, write } => format!("{} {}", if write { "stores to" } else { "loads from" }, bname(buf)),
        }
    }

    fn vm_req_name(&self, s: &State, c: u8) -> &'static str {
        if (c as usize) < MAX_USERS {
            return "page fault";
        }
        if c == FS_TID {
            return if s.fs[0] == FS_CACHE { "cache-block call" } else { "safecopy" };
        }
        match s.v_phase[c as usize - MAX_USERS] {
            V_FIX => "fix-range",
            P_CALL => "give-me-work",
            N_DONE => "page-in-done",
            _ => "call",
        }
    }

    /// Who waits for whom in `s`: the picture printed with a trace.
    pub fn describe(&self, s: &State) -> String {
        let mut o = String::new();
        for u in 0..self.sc.users.len() {
            let ops = &self.sc.users[u].ops;
            let pc = s.u_pc[u] as usize;
            let what = match s.u_phase[u] {
                U_READY if pc >= ops.len() => "finished".to_string(),
                U_READY => "ready".to_string(),
                U_VFS => format!("blocked in Call to VFS ({})", self.op_name(u, ops[pc])),
                _ => format!("blocked in page fault ({})", self.op_name(u, ops[pc])),
            };
            let bufs: Vec<String> = (0..self.sc.users[u].bufs.len()).map(|b| slot_name(s.u_slot[u][b])).collect();
            let _ = writeln!(o, "  U{u}: {what}; offsets {:?}; buffers [{}]", s.u_off[u], bufs.join(", "));
        }
        for w in 0..self.n_vfs() {
            let name = self.vname(w);
            let a = s.v_arg[w];
            let what = match s.v_phase[w] {
                V_IDLE => "idle in Recv".to_string(),
                V_LOCK => format!("has U{a}'s request, waits for the vnode lock"),
                V_FS => format!("blocked in Call to FS for U{a}"),
                V_FS_DONE => format!("FS answered for U{a}"),
                V_FIX => format!("blocked in Call to VM (fix-range for U{a})"),
                V_FIX_DONE => format!("VM answered fix-range for U{a}"),
                P_PARKED => "parked in VM (give-me-work saved)".to_string(),
                P_CALL => "blocked in Call to VM (give-me-work)".to_string(),
                P_GOT => format!("got page-in {}", page_name(a)),
                N_LOCK => format!("page-in {} waits for the F{} vnode lock", page_name(a), a as usize / PAGES_PER_FILE),
                N_FS => format!("blocked in Call to FS (PEEK {})", page_name(a)),
                N_FS_DONE => format!("PEEK {} answered", page_name(a)),
                N_DONE => format!("blocked in Call to VM (page-in {} done)", page_name(a)),
                _ => "?".to_string(),
            };
            let lock = if s.v_flags[w] & F_LOCKED != 0 { " [holds a vnode lock]" } else { "" };
            let _ = writeln!(o, "  {name}: {what}{lock}");
        }
        let fsw = match s.fs[0] {
            FS_IDLE => "idle in Recv".to_string(),
            FS_CACHE => format!("serving {}: blocked in Call to VM (cache block)", self.tname(vfs_tid(s.fs[1] as usize))),
            FS_CACHE_DONE => format!("serving {}: block cached", self.tname(vfs_tid(s.fs[1] as usize))),
            FS_COPY => format!("serving {}: blocked in Call to VM (safecopy)", self.tname(vfs_tid(s.fs[1] as usize))),
            _ => format!("serving {}: copy answered", self.tname(vfs_tid(s.fs[1] as usize))),
        };
        let _ = writeln!(o, "  FS: {fsw}");
        let vm = if s.vm_blocked != 0 {
            format!("BLOCKED in Call to VFS (page-in {})", page_name(s.vm_blocked - 1))
        } else {
            "serving (never blocks)".to_string()
        };
        let _ = writeln!(o, "  VM: {vm}");
        let q = |it: &mut dyn Iterator<Item = u8>| it.map(|t| self.tname(t)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            o,
            "  queues: VFS [{}], FS [{}], VM [{}], page-ins [{}]",
            q(&mut s.vfs_ep.iter()),
            q(&mut s.fs_ep.iter()),
            q(&mut s.vm_ep.iter()),
            s.pin_q.iter().map(page_name).collect::<Vec<_>>().join(", ")
        );
        for p in 0..PAGES {
            let ws = s.waiters[p];
            let who: Vec<String> = (0..=FS_TID).filter(|t| ws & (1 << t) != 0).map(|t| self.tname(t)).collect();
            let _ = writeln!(
                o,
                "  {}: {}{}, holds {}{}",
                page_name(p as u8),
                if s.cached[p] { "cached" } else { "not cached" },
                match s.pin[p] {
                    PIN_QUEUED => ", page-in queued",
                    PIN_FLIGHT => ", page-in in flight",
                    _ => "",
                },
                s.content[p],
                if who.is_empty() { String::new() } else { format!("; VM saved reply caps of {}", who.join(", ")) }
            );
        }
        o
    }
}

impl System for Model {
    type State = State;
    fn init(&self) -> State {
        Model::init(self)
    }
    fn successors(&self, s: &State, out: &mut Vec<Succ<State>>, log: Option<&mut Vec<String>>) {
        Model::successors(self, s, out, log)
    }
    fn all_done(&self, s: &State) -> bool {
        Model::all_done(self, s)
    }
    fn quiescent(&self, s: &State) -> bool {
        Model::quiescent(self, s)
    }
    fn violation(&self, s: &State) -> Option<&'static str> {
        Model::violation(self, s)
    }
    fn describe(&self, s: &State) -> String {
        Model::describe(self, s)
    }
}

fn note(n: &mut Option<String>, f: impl FnOnce() -> String) {
    if let Some(s) = n.as_mut() {
        s.push_str(&f());
    }
}

fn res_name(r: u8) -> &'static str {
    match r {
        OK => "OK",
        EFAULT => "EFAULT",
        _ => "0 bytes (EOF)",
    }
}
