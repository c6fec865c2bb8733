// SPDX-License-Identifier: BSD-2-Clause
//! Random alloc/free sequences on the slot allocator against a model: the
//! set of allocated slots.
//!
//! The model needs no bitmap: `alloc` always gives the lowest slot not
//! allocated (freed slots lie below the bump range), the bump range starts
//! just above the highest allocated slot, and a free is accepted exactly
//! for an allocated slot.

use proptest::prelude::*;
use sel4_alloc::slots::{FreeError, SlotAllocator};
use std::collections::BTreeSet;

const START: u64 = 1000;

#[derive(Clone, Debug)]
enum Op {
    Alloc,
    Range(u64),
    /// Free the `i`-th allocated slot (mod their number).
    FreeLive(usize),
    /// Free any slot number near the range.
    FreeAny(u64),
    /// Free many live slots at once (makes long freed runs).
    FreeMany(usize, usize),
}

fn op(size: u64) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Alloc),
        1 => (1u64..=70).prop_map(Op::Range),
        5 => any::<usize>().prop_map(Op::FreeLive),
        1 => (START.saturating_sub(3)..START + size + 3).prop_map(Op::FreeAny),
        1 => (any::<usize>(), 1usize..100).prop_map(|(a, n)| Op::FreeMany(a, n)),
    ]
}

struct Model {
    end: u64,
    live: BTreeSet<u64>,
}

impl Model {
    fn next(&self) -> u64 {
        self.live.last().map_or(START, |x| x + 1)
    }
    fn lowest_free(&self) -> Option<u64> {
        (START..self.end).find(|x| !self.live.contains(x))
    }
    fn range(&self, n: u64) -> Option<u64> {
        let next = self.next();
        if next + n <= self.end {
            return Some(next);
        }
        let mut run = 0;
        for x in START..next {
            run = if self.live.contains(&x) { 0 } else { run + 1 };
            if run == n {
                return Some(x + 1 - n);
            }
        }
        None
    }
    fn free_answer(&self, x: u64) -> Result<(), FreeError> {
        if x < START || x >= self.end {
            Err(FreeError::OutOfRange)
        } else if x >= self.next() {
            Err(FreeError::NeverAllocated)
        } else if !self.live.contains(&x) {
            Err(FreeError::DoubleFree)
        } else {
            Ok(())
        }
    }
}

fn run(size: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let end = START + size;
    let mut s: SlotAllocator<16> = SlotAllocator::new(START, end);
    let mut m = Model { end, live: BTreeSet::new() };
    for op in ops {
        match op {
            Op::Alloc => {
                let want = m.lowest_free();
                prop_assert_eq!(s.alloc(), want);
                if let Some(x) = want {
                    m.live.insert(x);
                }
            }
            Op::Range(n) => {
                let want = m.range(n);
                prop_assert_eq!(s.alloc_range(n), want, "range of {}", n);
                if let Some(x) = want {
                    for y in x..x + n {
                        prop_assert!(m.live.insert(y), "slot {} handed out twice", y);
                    }
                }
            }
            Op::FreeLive(i) | Op::FreeMany(i, _) if m.live.is_empty() => {
                let _ = i;
                prop_assert_eq!(s.try_free(START), m.free_answer(START));
            }
            Op::FreeLive(i) => {
                let x = *m.live.iter().nth(i % m.live.len()).unwrap();
                prop_assert_eq!(s.try_free(x), Ok(()));
                m.live.remove(&x);
                // Freeing it again is refused.
                prop_assert_eq!(s.try_free(x), m.free_answer(x));
            }
            Op::FreeMany(i, n) => {
                let from = *m.live.iter().nth(i % m.live.len()).unwrap();
                let xs: Vec<u64> = m.live.range(from..).take(n).copied().collect();
                for x in xs {
                    prop_assert_eq!(s.try_free(x), Ok(()));
                    m.live.remove(&x);
                }
            }
            Op::FreeAny(x) => {
                let want = m.free_answer(x);
                prop_assert_eq!(s.try_free(x), want);
                if want.is_ok() {
                    m.live.remove(&x);
                }
            }
        }
        prop_assert_eq!(s.remaining(), size - m.live.len() as u64);
        prop_assert_eq!(s.in_use(), m.live.len() as u64);
    }
    for x in START.saturating_sub(2)..end + 2 {
        prop_assert_eq!(s.is_allocated(x), m.live.contains(&x));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Small CNodes, so that the range fills up and the freed runs matter.
    #[test]
    fn small_cnodes_agree_with_the_model(size in 0u64..300, ops in prop::collection::vec(op(300), 1..400)) {
        run(size, ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    /// Sizes past one and two summary levels (64 and 4096 slots).
    #[test]
    fn large_cnodes_agree_with_the_model(size in prop::sample::select(vec![4095u64, 4096, 4097, 70_000]), ops in prop::collection::vec(op(70_000), 1..600)) {
        run(size, ops)?;
    }
}
