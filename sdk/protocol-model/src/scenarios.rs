// SPDX-License-Identifier: BSD-2-Clause
//! The workloads the tests explore. Each has two or three processes whose
//! scripts overlap in every way the protocol cares about. No two processes
//! race a write that changes a page against a read of it, so every result
//! has exactly one right value.
//!
//! Pages: `F0p0` = 0, `F0p1` = 1, `F1p0` = 2, `F1p1` = 3. Reads and writes
//! move through a file from page 0.

use crate::model::{Buf, Op, Scenario, UserSpec};

const F0P0: u8 = 0;
const F0P1: u8 = 1;
const F1P0: u8 = 2;
const F1P1: u8 = 3;

fn read(file: u8, buf: u8) -> Op {
    Op::Read { file, buf }
}
fn write(file: u8, buf: u8) -> Op {
    Op::Write { file, buf }
}
fn load(buf: u8) -> Op {
    Op::Touch { buf, write: false }
}
fn store(buf: u8) -> Op {
    Op::Touch { buf, write: true }
}
fn user(bufs: &[Buf], ops: &[Op]) -> UserSpec {
    UserSpec { bufs: bufs.to_vec(), ops: ops.to_vec() }
}

/// MINIX's §4.9 cases 1 and 2: `read()` into a never-touched mapping of
/// the file being read, and `write()` from a never-touched mapping of the
/// file being written (whose vnode lock the writer holds), while the other
/// process faults on the page the first read is loading.
pub fn same_file() -> Scenario {
    Scenario {
        name: "same-file",
        users: vec![
            user(&[Buf::Map { page: F0P1 }, Buf::Anon { present: false }], &[read(0, 0), read(0, 1)]),
            user(&[Buf::Map { page: F1P1 }, Buf::Map { page: F0P0 }], &[write(1, 0), load(1)]),
        ],
        cached: vec![],
    }
}

/// Each process reads one file into a never-touched mapping of the other:
/// both workers need a page-in at once, each for the other's file. Then a
/// write from a mapping of a page the other process is faulting on.
pub fn cross_file() -> Scenario {
    Scenario {
        name: "cross-file",
        users: vec![
            user(&[Buf::Map { page: F1P0 }, Buf::Map { page: F1P1 }], &[read(0, 0), write(0, 1)]),
            user(&[Buf::Map { page: F0P0 }, Buf::Map { page: F1P1 }], &[read(1, 0), load(1)]),
        ],
        cached: vec![],
    }
}

/// Page faults: both processes fault on the same uncached page at once (one
/// page-in serves both), a store to a cached page (copy on write at once),
/// then a read into a page mapped read-only by an earlier fault (the copy
/// engine refuses, the fix-range copies it, the retry succeeds).
pub fn faults() -> Scenario {
    Scenario {
        name: "faults",
        users: vec![
            user(&[Buf::Map { page: F0P0 }, Buf::Map { page: F1P1 }], &[load(0), store(1), read(1, 0)]),
            user(&[Buf::Map { page: F0P0 }, Buf::Anon { present: true }], &[load(0), read(0, 1), write(0, 1)]),
        ],
        cached: vec![F1P1],
    }
}

/// Anonymous and read-only buffers: a read into a never-touched anonymous
/// page, a read into a read-only mapping (EFAULT, once, no loop), a write
/// from that read-only mapping, and a write of zeros from a never-touched
/// anonymous page.
pub fn anon_and_readonly() -> Scenario {
    Scenario {
        name: "anon-and-readonly",
        users: vec![
            user(&[Buf::Anon { present: false }, Buf::MapRo { page: F1P0 }], &[read(0, 0), read(1, 1), write(1, 1)]),
            user(&[Buf::Anon { present: false }], &[write(1, 0), read(0, 0)]),
        ],
        cached: vec![F0P0],
    }
}

/// Three processes on two workers, so requests also queue on VFS's
/// endpoint: a writer holds F0's vnode lock exclusively while its buffer (a
/// mapping of the very page it writes) is paged in; a reader of F0 waits for
/// that lock with its buffer on F1; a reader of F1 reads into a mapping of
/// the page the writer needs; and a plain fault on a third page.
pub fn crowd() -> Scenario {
    Scenario {
        name: "crowd",
        users: vec![
            user(&[Buf::Map { page: F1P0 }, Buf::Map { page: F0P1 }], &[read(0, 0), load(1)]),
            user(&[Buf::Map { page: F0P0 }, Buf::Anon { present: false }], &[read(1, 0), read(1, 1)]),
            user(&[Buf::Map { page: F0P0 }], &[write(0, 0)]),
        ],
        cached: vec![],
    }
}

/// Every scenario the design is checked against.
pub fn all() -> Vec<Scenario> {
    vec![same_file(), cross_file(), faults(), anon_and_readonly(), crowd()]
}

/// A small deterministic generator (xorshift64*), so a sweep is the same
/// on every machine and a failing seed can be replayed.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (any value; 0 is remapped).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random scenario: 2 or 3 processes with 1 or 2 buffers of any kind and
/// 1 to 3 operations each, and random pages cached. `None` when the draw
/// breaks the one rule every scenario keeps (no process changes a page
/// that another process reads, maps or writes), so results stay exact.
pub fn random(rng: &mut Rng) -> Option<Scenario> {
    use crate::model::{FILES, PAGES, PAGES_PER_FILE};
    let nusers = 2 + rng.below(2) as usize;
    let mut users = Vec::new();
    // Per user: pages it changes, and pages it reads, maps or writes.
    let mut changes = vec![0u8; nusers];
    let mut touches = vec![0u8; nusers];
    for u in 0..nusers {
        let nbufs = 1 + rng.below(2) as usize;
        let bufs: Vec<Buf> = (0..nbufs)
            .map(|_| match rng.below(4) {
                0 => Buf::Anon { present: rng.below(2) == 0 },
                1 => Buf::MapRo { page: rng.below(PAGES as u64) as u8 },
                _ => Buf::Map { page: rng.below(PAGES as u64) as u8 },
            })
            .collect();
        let mut off = [0usize; FILES];
        let mut used = vec![false; nbufs];
        let mut ops = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let b = rng.below(nbufs as u64) as usize;
            let f = rng.below(FILES as u64) as usize;
            let bpage = match bufs[b] {
                Buf::Map { page } | Buf::MapRo { page } => Some(page),
                Buf::Anon { .. } => None,
            };
            if let Some(q) = bpage {
                touches[u] |= 1 << q;
            }
            let op = match rng.below(3) {
                0 if off[f] < PAGES_PER_FILE => {
                    let p = (f * PAGES_PER_FILE + off[f]) as u8;
                    touches[u] |= 1 << p;
                    if !matches!(bufs[b], Buf::MapRo { .. }) {
                        off[f] += 1;
                    }
                    read(f as u8, b as u8)
                }
                1 if off[f] < PAGES_PER_FILE => {
                    let p = (f * PAGES_PER_FILE + off[f]) as u8;
                    touches[u] |= 1 << p;
                    // Writing a page from an untouched mapping of that very
                    // page writes back the same bytes.
                    if used[b] || bpage != Some(p) {
                        changes[u] |= 1 << p;
                    }
                    off[f] += 1;
                    write(f as u8, b as u8)
                }
                _ => {
                    let w = rng.below(2) == 0 && !matches!(bufs[b], Buf::MapRo { .. });
                    Op::Touch { buf: b as u8, write: w }
                }
            };
            used[b] = true;
            ops.push(op);
        }
        users.push(UserSpec { bufs, ops });
    }
    for (u, &ch) in changes.iter().enumerate() {
        if touches.iter().enumerate().any(|(v, &t)| v != u && ch & t != 0) {
            return None;
        }
    }
    let cached = (0..PAGES as u8).filter(|_| rng.below(3) == 0).collect();
    Some(Scenario { name: "random", users, cached })
}
