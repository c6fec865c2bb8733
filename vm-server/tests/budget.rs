// SPDX-License-Identifier: BSD-2-Clause
//! VM's budget over a model machine: processes take frames and paging
//! structures, VM's heap grows, processes exit, in any order. Whatever
//! happens, the heap never takes more than its part, page tables are
//! never starved by frames, and once every process is gone the free
//! frames processes see are exactly back where they started.

use proptest::prelude::*;
use vm_server::budget::{Budget, PagingSource};

/// A machine of pages as VM's glue keeps them: spare (not made into
/// anything), frames on the free list, frames and paging structures that
/// processes hold.
struct Machine {
    budget: Budget,
    spare: u64,
    free_list: u64,
    frames_held: u64,
    paging_held: u64,
    heap: u64,
}

#[derive(Clone, Debug)]
enum Op {
    Frame,
    Paging,
    Heap(u64),
    ExitAll,
}

impl Machine {
    fn new(total: u64) -> Machine {
        Machine { budget: Budget::new(total), spare: total, free_list: 0, frames_held: 0, paging_held: 0, heap: 0 }
    }

    fn free_frames(&self) -> u64 {
        self.budget.free_frames(self.free_list, self.spare)
    }

    /// A frame for a process, as a refill takes it: the free list first.
    fn frame(&mut self) -> bool {
        if self.free_list > 0 {
            self.free_list -= 1;
        } else if self.budget.for_frames(self.spare) > 0 {
            self.spare -= 1;
        } else {
            return false;
        }
        self.frames_held += 1;
        true
    }

    /// A paging structure, from where the budget says: spare pages, or a
    /// frame taken off the free list (its unit then counts as the paging
    /// structure's, and goes back to the spare pages when it is deleted).
    fn paging(&mut self) -> bool {
        match self.budget.paging_source(self.spare, self.free_list) {
            Some(PagingSource::Spare) => self.spare -= 1,
            Some(PagingSource::FreeFrame) => self.free_list -= 1,
            None => return false,
        }
        self.paging_held += 1;
        true
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Frame => {
                self.frame();
            }
            Op::Paging => {
                self.paging();
            }
            Op::Heap(want) => {
                let n = self.budget.for_heap(self.spare, want);
                self.spare -= n;
                self.budget.heap_took(n);
                self.heap += n;
            }
            Op::ExitAll => {
                // Frames go to the free list, paging structures back to
                // spare units.
                self.free_list += self.frames_held;
                self.spare += self.paging_held;
                self.frames_held = 0;
                self.paging_held = 0;
            }
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Frame),
        4 => Just(Op::Paging),
        1 => (0u64..300).prop_map(Op::Heap),
        1 => Just(Op::ExitAll),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn memory_comes_back_and_page_tables_are_never_starved(total in 64u64..4096, ops in prop::collection::vec(op(), 0..3000)) {
        let mut m = Machine::new(total);
        let start = m.free_frames();
        let heap_part = m.budget.heap_left();
        for o in &ops {
            m.apply(o);
            prop_assert!(m.spare >= m.budget.heap_left(), "the heap's part is always there");
            prop_assert!(m.heap <= heap_part, "the heap took more than its part");
            // Fewer paging structures than the reserve held, or frames on
            // the free list: one more can always be made, whatever frames
            // took.
            if m.paging_held < m.budget.paging_reserve() || m.free_list > 0 {
                prop_assert!(m.budget.paging_source(m.spare, m.free_list).is_some());
            }
        }
        m.apply(&Op::ExitAll);
        prop_assert_eq!(m.free_frames(), start, "free frames are not back where they were");
    }
}

#[test]
fn frames_fill_memory_then_the_paging_reserve_is_left() {
    let mut m = Machine::new(8192);
    while m.frame() {}
    assert_eq!(m.free_frames(), 0);
    let mut made = 0;
    while m.paging() {
        made += 1;
    }
    assert_eq!(made, m.budget.paging_reserve());
    // The heap's part is untouched by both.
    assert_eq!(m.budget.for_heap(m.spare, u64::MAX), m.budget.heap_left());
    // Everyone exits: a fresh process gets every page table it needs again.
    m.apply(&Op::ExitAll);
    assert_eq!(m.free_frames(), 8192 - (8192 >> 3));
    assert!((0..m.budget.paging_reserve()).all(|_| m.paging()));
}

#[test]
fn frames_freed_by_a_dense_process_become_page_tables() {
    let mut m = Machine::new(8192);
    // A dense process takes every frame it may, then exits: its frames
    // wait on the free list and the spare pages are down to the reserves.
    while m.frame() {}
    m.apply(&Op::ExitAll);
    let free = m.free_frames();
    // A sparse one: a page table per page, far more than the reserve.
    let mut pages = 0;
    while m.paging() && m.frame() {
        pages += 1;
    }
    assert!(pages > 2 * m.budget.paging_reserve(), "page tables were starved by free frames: {pages}");
    assert!(m.spare >= m.budget.heap_left());
    m.apply(&Op::ExitAll);
    assert_eq!(m.free_frames(), free);
}

#[test]
fn paging_structures_of_exited_processes_become_frames() {
    let mut m = Machine::new(8192);
    // A sparse process: as many page tables as frames, until no more.
    while m.paging() && m.frame() {}
    let frames_then = m.frames_held;
    m.apply(&Op::ExitAll);
    // A dense one afterwards gets every page back, page tables' included.
    let mut dense = 0;
    while m.frame() {
        dense += 1;
    }
    assert!(dense > frames_then, "the page tables' memory did not become frames");
    assert_eq!(dense, 8192 - (8192 >> 3));
}
