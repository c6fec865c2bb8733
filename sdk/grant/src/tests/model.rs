// SPDX-License-Identifier: BSD-2-Clause
//! Property tests: random create/revoke/verify sequences checked against a
//! reference model, and `verify` on arbitrary table contents.

use std::collections::HashMap;

use minix_abi::errno::{Errno, EINVAL, ELOOP, ENOSPC, EPERM};
use proptest::prelude::*;

use super::world::*;
use crate::verify::{verify, Access, Verified, VerifyRequest};
use crate::{
    Endpoint, GrantEntry, GrantId, ANY, CPF_ACCESS_MASK, CPF_READ, CPF_TRY, CPF_USED, CPF_WRITE, GRANT_INVALID, MAX_INDIRECT_DEPTH,
};

/// Small enough that tables fill up.
const MAX: usize = 6;
pub(super) const TABLED: [Endpoint; 4] = [VFS, FS, USER, DRIVER];
const ANYONE: [Endpoint; 7] = [VFS, FS, USER, DRIVER, NO_TABLE, UNKNOWN, ANY];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    Direct { to: Endpoint, start: u64, len: u64 },
    Indirect { to: Endpoint, from: Endpoint, id: i32 },
    Magic { owner: Endpoint, to: Endpoint, start: u64, len: u64 },
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Grant {
    pub(super) kind: Kind,
    pub(super) access: u32,
    pub(super) marked: bool,
}

/// Live grants by (granter, id): the whole reference model.
pub(super) type Model = HashMap<(Endpoint, i32), Grant>;

#[derive(Clone, Debug)]
enum Pick {
    /// One of the ids handed out so far (live or not), with its granter.
    Issued(usize),
    /// One of the live grants, with its granter.
    Live(usize),
    /// Any granter, any id.
    Raw(usize, i32),
}

#[derive(Clone, Debug)]
enum Op {
    /// `granter: None` makes an indirect grant's granter the grantee of
    /// the grant it passes on, so that chains form.
    Create {
        granter: Option<usize>,
        kind: Kind,
        orig: Pick,
        access: u32,
    },
    Revoke(Pick),
    /// `caller: None` asks as the grant's grantee, so that copies succeed.
    Verify {
        caller: Option<usize>,
        pick: Pick,
        offset: u64,
        bytes: u64,
        write: bool,
        mark: bool,
    },
}

fn pick(issued: &[(Endpoint, GrantId)], m: &Model, p: &Pick) -> (Endpoint, GrantId) {
    match *p {
        Pick::Live(i) if !m.is_empty() => {
            let mut live: Vec<_> = m.keys().copied().collect();
            live.sort_unstable();
            let (g, id) = live[i % live.len()];
            (g, GrantId(id))
        }
        Pick::Live(i) => pick(issued, m, &Pick::Issued(i)),
        Pick::Issued(i) if !issued.is_empty() => issued[i % issued.len()],
        Pick::Issued(_) => (USER, GRANT_INVALID),
        Pick::Raw(g, id) => (ANYONE[g % ANYONE.len()], GrantId(id)),
    }
}

/// The reference: MINIX's checks over the live grants, with wide
/// arithmetic. Granters known to it are the world's tabled ones and
/// NO_TABLE.
pub(super) fn model_verify(m: &Model, r: &VerifyRequest) -> Result<Verified, Errno> {
    let (mut granter, mut asking, mut id, mut hops) = (r.granter, r.caller, r.grant.0, 0);
    let mut access = CPF_READ | CPF_WRITE;
    let known = |p: Endpoint| TABLED.contains(&p) || p == NO_TABLE;
    let may = |to: Endpoint, who: Endpoint| to == who || to == ANY;
    let g = loop {
        if !known(granter) || id < 0 {
            return Err(EINVAL);
        }
        let g = *m.get(&(granter, id)).ok_or(EPERM)?;
        access &= g.access;
        match g.kind {
            Kind::Indirect { to, from, id: orig } => {
                if hops == MAX_INDIRECT_DEPTH {
                    return Err(ELOOP);
                }
                if !may(to, asking) {
                    return Err(EPERM);
                }
                hops += 1;
                asking = granter;
                granter = from;
                id = orig;
            }
            _ => break g,
        }
    };
    let need = match r.access {
        Access::Read => CPF_READ,
        Access::Write => CPF_WRITE,
    };
    if access & need == 0 {
        return Err(EPERM);
    }
    let (owner, to, start, len) = match g.kind {
        Kind::Direct { to, start, len } => (granter, to, start, len),
        Kind::Magic { owner, to, start, len } if granter == VFS => (owner, to, start, len),
        _ => return Err(EPERM),
    };
    // Wide arithmetic: no overflow question at all.
    let fits = (start as u128 + len as u128) <= u64::MAX as u128 && (r.offset as u128 + r.bytes as u128) <= len as u128;
    if !may(to, asking) || !fits {
        return Err(EPERM);
    }
    Ok(Verified {
        owner,
        addr: start + r.offset,
        bytes: r.bytes,
        try_copy: g.access & CPF_TRY != 0,
        final_granter: granter,
        final_grant: GrantId(id),
        hops,
    })
}

fn grantee(k: Kind) -> Endpoint {
    match k {
        Kind::Direct { to, .. } | Kind::Indirect { to, .. } | Kind::Magic { to, .. } => to,
    }
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    prop_oneof![
        6 => prop::sample::select(vec![VFS, FS, USER, DRIVER, ANY]),
        1 => prop::sample::select(ANYONE.to_vec()),
    ]
}

fn length() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 16u64..64, 1 => number()]
}

fn small() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 0u64..12, 1 => number()]
}

fn number() -> impl Strategy<Value = u64> {
    prop_oneof![4 => 0u64..40, 1 => Just(u64::MAX), 1 => Just(u64::MAX - 16), 1 => any::<u64>()]
}

fn access() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => Just(CPF_READ | CPF_WRITE),
        6 => prop::sample::select(vec![0, CPF_READ, CPF_WRITE, CPF_READ | CPF_WRITE]),
        4 => prop::sample::select(vec![CPF_READ | CPF_TRY, CPF_WRITE | CPF_TRY, CPF_ACCESS_MASK]),
        1 => prop::sample::select(vec![0x4, CPF_USED, CPF_READ | 0x8000]),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        1 => (endpoint(), small(), length()).prop_map(|(to, start, len)| Kind::Direct { to, start, len }),
        2 => endpoint().prop_map(|to| Kind::Indirect { to, from: 0, id: 0 }),
        1 => (endpoint(), endpoint(), small(), length())
            .prop_map(|(owner, to, start, len)| Kind::Magic { owner, to, start, len }),
    ]
}

fn id_pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        6 => any::<usize>().prop_map(Pick::Live),
        3 => any::<usize>().prop_map(Pick::Issued),
        1 => (any::<usize>(), prop_oneof![-2i32..8, any::<i32>()]).prop_map(|(g, id)| Pick::Raw(g, id)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (prop::option::weighted(0.5, 0..TABLED.len()), kind(), id_pick(), access())
            .prop_map(|(granter, kind, orig, access)| Op::Create { granter, kind, orig, access }),
        2 => id_pick().prop_map(Op::Revoke),
        5 => (prop::option::weighted(0.2, 0..ANYONE.len()), id_pick(), small(), small(), any::<bool>(), any::<bool>())
            .prop_map(|(caller, pick, offset, bytes, write, mark)| Op::Verify {
                caller, pick, offset, bytes, write, mark
            }),
    ]
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut w = World::new(MAX);
    let mut m = Model::new();
    let mut issued: Vec<(Endpoint, GrantId)> = Vec::new();
    for op in ops {
        match op {
            Op::Create { granter, mut kind, orig, access } => {
                let (from, orig_id) = pick(&issued, &m, &orig);
                let g = match granter {
                    Some(i) => TABLED[i],
                    None => m.get(&(from, orig_id.0)).map(|gr| grantee(gr.kind)).filter(|p| TABLED.contains(p)).unwrap_or(FS),
                };
                let t = w.t(g);
                let got = match kind {
                    Kind::Direct { to, start, len } => t.grant_direct(to, start, len, access),
                    Kind::Indirect { to, .. } => {
                        kind = Kind::Indirect { to, from, id: orig_id.0 };
                        t.grant_indirect(to, from, orig_id, access)
                    }
                    Kind::Magic { owner, to, start, len } => t.grant_magic(owner, to, start, len, access),
                };
                let live = m.keys().filter(|(p, _)| *p == g).count();
                if access & !CPF_ACCESS_MASK != 0 {
                    prop_assert_eq!(got, Err(EINVAL));
                } else if live == MAX {
                    prop_assert_eq!(got, Err(ENOSPC));
                } else {
                    let id = got.map_err(|e| TestCaseError::fail(format!("create: {e:?}")))?;
                    prop_assert!(id.is_valid());
                    prop_assert!((id.slot() as usize) < MAX);
                    prop_assert!(!m.contains_key(&(g, id.0)), "id {:?} handed out twice", id);
                    m.insert((g, id.0), Grant { kind, access, marked: false });
                    issued.push((g, id));
                }
            }
            Op::Revoke(p) => {
                let (g, id) = pick(&issued, &m, &p);
                let got = match w.tables.get_mut(&g) {
                    Some(Tbl::Grants(t)) => t.revoke(id),
                    _ => continue,
                };
                let want = match m.remove(&(g, id.0)) {
                    Some(gr) => Ok(gr.marked && gr.access & CPF_TRY != 0),
                    None => Err(EINVAL),
                };
                prop_assert_eq!(got, want);
            }
            Op::Verify { caller, pick: p, offset, bytes, write, mark } => {
                let (granter, grant) = pick(&issued, &m, &p);
                let caller = match caller {
                    Some(i) => ANYONE[i],
                    None => m.get(&(granter, grant.0)).map(|gr| grantee(gr.kind)).filter(|&p| p != ANY).unwrap_or(DRIVER),
                };
                let r = VerifyRequest {
                    caller,
                    granter,
                    grant,
                    offset,
                    bytes,
                    access: if write { Access::Write } else { Access::Read },
                    vfs: VFS,
                };
                let got = verify(&w, &r);
                prop_assert_eq!(got, model_verify(&m, &r), "request {:?}", r);
                if let (true, Ok(v)) = (mark, got) {
                    if v.try_copy {
                        let fm = v.fault_mark();
                        prop_assert!(w.t(fm.granter).mark_fault(GrantId(fm.value)));
                        if let Some(gr) = m.get_mut(&(fm.granter, fm.value)) {
                            gr.marked = true;
                        }
                    }
                }
            }
        }
        for &g in &TABLED {
            let live = m.keys().filter(|(p, _)| *p == g).count();
            prop_assert_eq!(w.t(g).live(), live);
        }
    }
    for &(g, id) in &issued {
        prop_assert_eq!(w.t(g).is_valid(id), m.contains_key(&(g, id.0)));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn table_and_verify_agree_with_the_model(ops in prop::collection::vec(op(), 1..120)) {
        run(ops)?;
    }

    /// Whatever a granter's memory holds, `verify` answers without
    /// panicking, and what it accepts lies inside the grant it names.
    #[test]
    fn verify_is_total_on_arbitrary_tables(
        raw in prop::collection::vec(
            (prop_oneof![any::<u32>(), (0u32..0x2000)], 0u32..3, 0usize..4, 0u32..4, number(), number(), 0i32..4),
            0..6),
        caller in 0usize..4,
        granter in 0usize..4,
        id in prop_oneof![0i32..4, any::<i32>()],
        offset in number(),
        bytes in number(),
        write in any::<bool>(),
    ) {
        let mut w = World::default();
        let eps = [VFS, FS, USER, DRIVER];
        let mut tables: HashMap<Endpoint, Vec<GrantEntry>> = HashMap::new();
        for (n, (flags, seq, who, to, start, len, orig)) in raw.into_iter().enumerate() {
            let e = GrantEntry {
                flags: flags | CPF_USED,
                seq: seq & 1,
                grantee: [ANY, VFS, FS, USER][to as usize],
                who: eps[who],
                start,
                len,
                orig_id: orig,
                ..GrantEntry::FREE
            };
            tables.entry(eps[n % 4]).or_default().push(e);
        }
        for (p, t) in tables {
            w.tables.insert(p, Tbl::Raw(t));
        }
        let r = VerifyRequest {
            caller: eps[caller],
            granter: eps[granter],
            grant: GrantId(id),
            offset,
            bytes,
            access: if write { Access::Write } else { Access::Read },
            vfs: VFS,
        };
        if let Ok(v) = verify(&w, &r) {
            let Some(Tbl::Raw(t)) = w.tables.get(&v.final_granter) else {
                return Err(TestCaseError::fail("final granter has no table"));
            };
            let e = t[v.final_grant.slot() as usize];
            prop_assert!(v.addr >= e.start);
            prop_assert!(v.addr as u128 + v.bytes as u128 <= e.start as u128 + e.len as u128);
            prop_assert!(v.hops <= MAX_INDIRECT_DEPTH);
        }
    }

    #[test]
    fn entry_bytes_round_trip(b in prop::array::uniform32(any::<u8>()), c in prop::array::uniform16(any::<u8>())) {
        let mut bytes = [0u8; 48];
        bytes[..32].copy_from_slice(&b);
        bytes[32..].copy_from_slice(&c);
        prop_assert_eq!(GrantEntry::from_bytes(&bytes).to_bytes(), bytes);
    }
}
