// SPDX-License-Identifier: BSD-2-Clause
//! Host fuzzing of the copy engine's side: `verify` on random table
//! contents and random requests never panics and gives exactly the
//! reference model's answer (`model.rs`); the byte decoders of entries and
//! vector elements are total and exact; a fault mark never straddles a
//! page. `FUZZ_SCALE=n` multiplies the cases (`make fuzz`).

use minix_abi::errno::EINVAL;
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::model::{model_verify, Grant, Kind, Model, TABLED};
use super::world::*;
use crate::entry::GrantKind;
use crate::location::{fault_mark_location, TableBase, MARK_LEN};
use crate::verify::{verify, Access, VerifyRequest};
use crate::{
    check_vector, Endpoint, GrantEntry, GrantId, VecElement, ANY, CPF_DIRECT, CPF_INDIRECT, CPF_MAGIC, CPF_READ, CPF_TRY, CPF_USED,
    CPF_VALID, CPF_WRITE, ENTRY_SIZE, MAX_SLOTS, MAX_VEC_ELEMENTS, NONE, VEC_ELEMENT_SIZE,
};

fn cases(n: u32) -> Config {
    let scale = std::env::var("FUZZ_SCALE").ok().and_then(|s| s.parse::<u32>().ok()).unwrap_or(1).max(1);
    Config { cases: n.saturating_mul(scale), failure_persistence: None, ..Config::default() }
}

const WHO: [Endpoint; 8] = [VFS, FS, USER, DRIVER, NO_TABLE, UNKNOWN, ANY, NONE];

/// Any process, tabled ones most often, so that requests get far.
fn who() -> impl Strategy<Value = Endpoint> {
    prop_oneof![
        6 => prop::sample::select(TABLED.to_vec()),
        2 => prop::sample::select(WHO.to_vec()),
        1 => any::<u32>(),
    ]
}

fn grantee() -> impl Strategy<Value = Endpoint> {
    prop_oneof![3 => Just(ANY), 5 => who()]
}

fn number() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => 0u64..64,
        1 => prop::sample::select(vec![u64::MAX, u64::MAX - 16, 1 << 63, u32::MAX as u64]),
        1 => any::<u64>(),
    ]
}

/// Ids that name the small tables' slots most of the time.
fn id() -> impl Strategy<Value = i32> {
    prop_oneof![
        8 => (0u32..6, 0u32..2).prop_map(|(slot, seq)| GrantId::new(slot, seq).0),
        1 => prop::sample::select(vec![-1, i32::MIN, i32::MAX, 1 << 20]),
        1 => any::<i32>(),
    ]
}

fn flags() -> impl Strategy<Value = u32> {
    let kind = prop::sample::select(vec![CPF_DIRECT, CPF_INDIRECT, CPF_MAGIC]);
    let access = prop::sample::select(vec![
        0,
        CPF_READ,
        CPF_WRITE,
        CPF_READ | CPF_WRITE,
        CPF_READ | CPF_TRY,
        CPF_WRITE | CPF_TRY,
        CPF_READ | CPF_WRITE | CPF_TRY,
    ]);
    prop_oneof![
        8 => (kind, access).prop_map(|(k, a)| k | a | CPF_USED | CPF_VALID),
        1 => Just(CPF_USED | CPF_DIRECT | CPF_READ),
        1 => Just(CPF_USED | CPF_VALID | CPF_DIRECT | CPF_MAGIC | CPF_READ),
        1 => any::<u32>(),
    ]
}

fn entry() -> impl Strategy<Value = GrantEntry> {
    (flags(), prop_oneof![8 => 0u32..2, 1 => any::<u32>()], grantee(), who(), number(), number(), id(), any::<(i32, u32, u32)>()).prop_map(
        |(flags, seq, grantee, who, start, len, orig_id, (fault_mark, next_free, reserved))| GrantEntry {
            flags,
            seq,
            grantee,
            who,
            start,
            len,
            orig_id,
            fault_mark,
            next_free,
            reserved,
        },
    )
}

/// The live grants the reference model sees in raw tables: entries that
/// are USED|VALID with exactly one kind, keyed by the id that names them.
fn model_of(tables: &[Vec<GrantEntry>; 4]) -> Model {
    let mut m = Model::new();
    for (g, table) in TABLED.iter().zip(tables) {
        for (slot, e) in table.iter().enumerate() {
            if !e.is_valid() || e.seq > GrantId::SEQ_MASK {
                continue;
            }
            let kind = match e.kind() {
                Some(GrantKind::Direct { grantee, start, len }) => Kind::Direct { to: grantee, start, len },
                Some(GrantKind::Indirect { grantee, orig_granter, orig_id }) => {
                    Kind::Indirect { to: grantee, from: orig_granter, id: orig_id.0 }
                }
                Some(GrantKind::Magic { owner, grantee, start, len }) => Kind::Magic { owner, to: grantee, start, len },
                None => continue,
            };
            let grant = Grant { kind, access: e.flags & (CPF_READ | CPF_WRITE | CPF_TRY), marked: false };
            m.insert((*g, GrantId::new(slot as u32, e.seq).0), grant);
        }
    }
    m
}

fn world_of(tables: &[Vec<GrantEntry>; 4]) -> World {
    let mut w = World::default();
    for (g, table) in TABLED.iter().zip(tables) {
        w.tables.insert(*g, Tbl::Raw(table.clone()));
    }
    w.tables.insert(NO_TABLE, Tbl::Missing);
    w
}

proptest! {
    #![proptest_config(cases(150_000))]

    /// Any table contents and any request: the verifier and the reference
    /// model agree, errno for errno; and the mark of an accepted TRY copy
    /// lies where the verifier says, inside one page.
    #[test]
    fn verify_agrees_with_the_model_on_any_tables(
        tables in prop::array::uniform4(prop::collection::vec(entry(), 0..6)),
        caller in who(),
        granter in who(),
        grant in id(),
        offset in number(),
        bytes in number(),
        write in any::<bool>(),
        base in any::<u64>(),
        aim in prop::option::weighted(0.6, (0usize..4, any::<usize>(), any::<u64>(), any::<u64>())),
    ) {
        let w = world_of(&tables);
        let m = model_of(&tables);
        let (mut caller, mut granter, mut grant, mut offset, mut bytes) = (caller, granter, grant, offset, bytes);
        // Most requests aim at an entry that exists, as its grantee, inside
        // its range, so that many get past the early checks.
        if let Some((t, slot, o, b)) = aim {
            if let Some(e) = tables[t].get(slot % tables[t].len().max(1)) {
                granter = TABLED[t];
                grant = GrantId::new((slot % tables[t].len()) as u32, e.seq).0;
                if e.grantee != ANY {
                    caller = e.grantee;
                }
                offset = o % e.len.saturating_add(1);
                bytes = b % (e.len - offset).saturating_add(1);
            }
        }
        let r = VerifyRequest {
            caller,
            granter,
            grant: GrantId(grant),
            offset,
            bytes,
            access: if write { Access::Write } else { Access::Read },
            vfs: VFS,
        };
        let got = verify(&w, &r);
        prop_assert_eq!(got, model_verify(&m, &r), "request {:?}", r);
        if let Ok(v) = got {
            let i = TABLED.iter().position(|g| *g == v.final_granter).unwrap();
            let entries = tables[i].len() as u64;
            let base = (base % (1 << 47)) & !7;
            let t = TableBase::new(base, entries).unwrap();
            let fm = v.fault_mark();
            let loc = fault_mark_location(&t, &fm).unwrap();
            prop_assert_eq!(loc.addr, base + fm.table_offset as u64);
            prop_assert!(loc.within_page(4096));
        }
    }

}

proptest! {
    #![proptest_config(cases(20_000))]

    #[test]
    fn entry_bytes_decode_exactly(b in prop::collection::vec(any::<u8>(), ENTRY_SIZE)) {
        let b: [u8; ENTRY_SIZE] = b.try_into().unwrap();
        prop_assert_eq!(GrantEntry::from_bytes(&b).to_bytes(), b);
    }

    #[test]
    fn vector_elements_decode_exactly_and_check_totally(
        raw in prop::collection::vec(prop::collection::vec(any::<u8>(), VEC_ELEMENT_SIZE), 0..70),
        sides in prop::collection::vec((who(), who(), prop_oneof![4 => Just(0u32), 1 => any::<u32>()]), 0..70),
        caller in who(),
    ) {
        let mut els: Vec<VecElement> = raw.iter().map(|b| {
            let b: [u8; VEC_ELEMENT_SIZE] = b.as_slice().try_into().unwrap();
            let e = VecElement::from_bytes(&b);
            assert_eq!(e.to_bytes(), b);
            e
        }).collect();
        // Give most elements plausible sides, so that the check passes
        // sometimes.
        for (e, (from, to, pad)) in els.iter_mut().zip(sides) {
            e.from = from;
            e.to = to;
            e.pad = pad;
        }
        let want_ok = els.len() <= MAX_VEC_ELEMENTS
            && els.iter().all(|e| e.pad == 0 && ((e.from == caller) != (e.to == caller)));
        let got = check_vector(caller, &els);
        prop_assert_eq!(got.is_ok(), want_ok);
        if let Err(e) = got {
            prop_assert_eq!(e, EINVAL);
        }
    }

    /// Whatever the base and the slot: a registered (aligned) table's
    /// marks lie inside one page, for pages of 4 KiB, 2 MiB and even 8
    /// bytes; an unaligned base is refused.
    #[test]
    fn marks_never_straddle_a_page(
        base in prop_oneof![
            any::<u64>(),
            (1u64..(1 << 40), 0u64..96).prop_map(|(p, back)| (p << 12) - back),
            (0u64..8).prop_map(|x| u64::MAX - x),
        ],
        entries in prop_oneof![0u64..300, Just(MAX_SLOTS as u64), Just(MAX_SLOTS as u64 + 1), any::<u64>()],
        slot in prop_oneof![0u32..300, any::<u32>()],
    ) {
        let fits = entries <= MAX_SLOTS as u64 && base.checked_add(entries * ENTRY_SIZE as u64).is_some();
        match TableBase::new(base, entries) {
            Err(e) => {
                prop_assert_eq!(e, EINVAL);
                prop_assert!(base % 8 != 0 || !fits);
            }
            Ok(t) => {
                prop_assert!(base % 8 == 0 && fits);
                match t.mark_location(slot) {
                    None => prop_assert!(slot as u64 >= entries),
                    Some(loc) => {
                        prop_assert!((slot as u64) < entries);
                        prop_assert_eq!(loc.addr, base + slot as u64 * 48 + 36);
                        prop_assert_eq!(loc.len, MARK_LEN);
                        prop_assert!(loc.within_page(8) && loc.within_page(4096) && loc.within_page(1 << 21));
                    }
                }
            }
        }
    }
}
