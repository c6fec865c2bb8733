// SPDX-License-Identifier: BSD-2-Clause
//! Random mmap/munmap/fault/fork sequences against a reference model: a
//! map from page address to (writable, content).

mod common;

use common::{reclaim, P};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use vm_server::host_frames::HostFrames;
use vm_server::page::PageFrame;
use vm_server::{AddressSpace, FaultOutcome, KillReason, Prot};

const BASE: u64 = 0x100_0000;
const WINDOW: u64 = 64;

#[derive(Clone, Debug)]
enum Op {
    MmapFixed { page: u64, pages: u64, write: bool },
    MmapAny { hint: u64, pages: u64, write: bool },
    Munmap { page: u64, pages: u64 },
    Write { page: u64, value: u64 },
    Read { page: u64 },
    ForkChildWrites { page: u64, value: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    let page = 0..WINDOW;
    let pages = 1..=16u64;
    prop_oneof![
        (page.clone(), pages.clone(), any::<bool>()).prop_map(|(page, pages, write)| Op::MmapFixed { page, pages, write }),
        (0..WINDOW + 8, pages.clone(), any::<bool>()).prop_map(|(hint, pages, write)| Op::MmapAny { hint, pages, write }),
        (page.clone(), pages).prop_map(|(page, pages)| Op::Munmap { page, pages }),
        (page.clone(), 1..u64::MAX).prop_map(|(page, value)| Op::Write { page, value }),
        page.clone().prop_map(|page| Op::Read { page }),
        (page, 1..u64::MAX).prop_map(|(page, value)| Op::ForkChildWrites { page, value }),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct ModelPage {
    write: bool,
    content: u64,
}

type Model = BTreeMap<u64, ModelPage>;

fn addr(page: u64) -> u64 {
    BASE + page * P
}

fn map_range(model: &mut Model, start: u64, pages: u64, write: bool) {
    for i in 0..pages {
        model.insert(start + i * P, ModelPage { write, content: 0 });
    }
}

fn frame(m: &vm_server::Mapping) -> vm_server::FrameId {
    match m.frame {
        PageFrame::Pool(f) => f,
        PageFrame::Phys(_) => panic!("anonymous memory mapped a physical page"),
    }
}

/// A write by the process; checks the outcome against the model.
fn write(s: &mut AddressSpace, f: &mut HostFrames, model: &mut Model, a: u64, value: u64) {
    match (s.handle_fault(a, true, f), model.get_mut(&a)) {
        (FaultOutcome::Map(m), Some(mp)) if mp.write => {
            assert!(m.writable);
            f.write(frame(&m), value);
            mp.content = value;
        }
        (FaultOutcome::Kill(KillReason::NoMemory), Some(mp)) if mp.write => {}
        (FaultOutcome::Kill(KillReason::Protection), Some(mp)) if !mp.write => {}
        (FaultOutcome::Kill(KillReason::Unmapped), None) => {}
        (out, mp) => panic!("write at {a:#x}: {out:?}, model {mp:?}"),
    }
}

/// A read by the process; checks the content against the model.
fn read(s: &mut AddressSpace, f: &mut HostFrames, model: &Model, a: u64) {
    match (s.handle_fault(a, false, f), model.get(&a)) {
        (FaultOutcome::Map(m), Some(mp)) => {
            assert!(!m.writable || !s.page(a).unwrap().cow, "copy-on-write page mapped writable");
            assert_eq!(f.content(frame(&m)), Some(mp.content), "read at {a:#x}");
        }
        (FaultOutcome::Kill(KillReason::NoMemory), Some(_)) => assert!(s.page(a).is_none()),
        (FaultOutcome::Kill(KillReason::Unmapped), None) => {}
        (out, mp) => panic!("read at {a:#x}: {out:?}, model {mp:?}"),
    }
}

fn check(s: &AddressSpace, f: &HostFrames, model: &Model) {
    let mut covered = BTreeSet::new();
    let mut last_end = 0;
    for r in s.regions().iter() {
        assert!(r.start() >= last_end, "regions overlap");
        last_end = r.end();
        let mut a = r.start();
        while a < r.end() {
            covered.insert(a);
            assert_eq!(model.get(&a).map(|mp| mp.write), Some(r.prot().write()), "prot at {a:#x}");
            a += P;
        }
        assert!(r.pages().keys().all(|a| r.contains(a)));
    }
    assert_eq!(covered, model.keys().copied().collect::<BTreeSet<_>>());
    assert_eq!(f.in_use(), s.resident_pages() as u64, "frames leaked or shared");
    assert_eq!(f.bad_frees(), 0);
}

fn run(ops: Vec<Op>, limit: u64) {
    let mut f = HostFrames::new(limit);
    let mut s = AddressSpace::new();
    s.set_mmap_base(BASE);
    let mut model = Model::new();
    for op in ops {
        match op {
            Op::MmapFixed { page, pages, write } => {
                let prot = if write { Prot::RW } else { Prot::READ };
                let (a, released) = s.mmap_anon(addr(page), pages * P, prot, true, &mut f).unwrap();
                assert_eq!(a, addr(page));
                reclaim(released, &mut f);
                map_range(&mut model, a, pages, write);
            }
            Op::MmapAny { hint, pages, write } => {
                let prot = if write { Prot::RW } else { Prot::READ };
                let (a, released) = s.mmap_anon(addr(hint), pages * P, prot, false, &mut f).unwrap();
                assert!(released.is_empty());
                assert!((0..pages).all(|i| !model.contains_key(&(a + i * P))), "mmap over a mapping");
                map_range(&mut model, a, pages, write);
            }
            Op::Munmap { page, pages } => {
                reclaim(s.munmap(addr(page), pages * P, &mut f).unwrap(), &mut f);
                for i in 0..pages {
                    model.remove(&(addr(page) + i * P));
                }
            }
            Op::Write { page, value } => write(&mut s, &mut f, &mut model, addr(page), value),
            Op::Read { page } => read(&mut s, &mut f, &model, addr(page)),
            Op::ForkChildWrites { page, value } => {
                let mut c = s.fork(&mut f).unwrap().child;
                let mut child_model = model.clone();
                write(&mut c, &mut f, &mut child_model, addr(page), value);
                read(&mut c, &mut f, &child_model, addr(page));
                read(&mut s, &mut f, &model, addr(page));
                reclaim(c.exit(&mut f), &mut f);
            }
        }
        check(&s, &f, &model);
    }
    reclaim(s.exit(&mut f), &mut f);
    assert_eq!(f.free_count(), limit);
    assert_eq!(f.bad_frees(), 0);
}

proptest! {
    #[test]
    fn mmap_munmap_against_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ops, 1024);
    }

    #[test]
    fn with_few_frames(ops in prop::collection::vec(op(), 1..60), limit in 0..12u64) {
        run(ops, limit);
    }
}
