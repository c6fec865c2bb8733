// SPDX-License-Identifier: BSD-2-Clause
//! CPU time, for `times` and `getrusage`: the kernel counts the TSC ticks
//! each thread runs (kernel/patches/0002); PM keeps, per process, the
//! ticks of its ended and waited-for children, and the process's own
//! once it has ended (its TCB then goes to another process).
use crate::proctab::ProcTable;

/// A process's CPU time in TSC ticks.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// Its own, recorded when it ended (while it lives, its TCB's count).
    pub own: u64,
    /// Its children's that it waited for (theirs and their children's).
    pub children: u64,
}

/// Microseconds in `ticks` of a TSC at `hz` (`hz` 0 counts as 1).
pub fn micros(ticks: u64, hz: u64) -> u64 {
    (ticks as u128 * 1_000_000 / hz.max(1) as u128).min(u64::MAX as u128) as u64
}

impl ProcTable {
    /// Records the ticks of the process in `slot` as it ends.
    pub fn set_cpu_at_exit(&mut self, slot: usize, ticks: u64) {
        if let Some(p) = self.get_mut(slot) {
            p.cpu.own = ticks;
        }
    }

    /// Removes the zombie in `child` as its parent waits for it, adding
    /// its time and its waited-for children's to the parent's children
    /// time (POSIX `tms_cutime`).
    pub fn reap(&mut self, child: usize) {
        let Some(c) = self.remove(child) else { return };
        if let Some(p) = self.get_mut(c.parent) {
            p.cpu.children = p.cpu.children.saturating_add(c.cpu.own).saturating_add(c.cpu.children);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proctab::ProcCaps;
    use minix_abi::endpoint::INIT;

    #[test]
    fn micros_from_ticks() {
        assert_eq!(micros(2_596_000_000, 2_596_000_000), 1_000_000);
        assert_eq!(micros(1, 0), 1_000_000);
        assert_eq!(micros(u64::MAX, 1), u64::MAX);
        assert_eq!(micros(0, 3_000_000_000), 0);
    }

    #[test]
    fn a_waited_child_adds_its_time_and_its_childrens() {
        let mut t = ProcTable::new(16);
        let init = t.add_at(INIT.slot(), INIT.slot(), ProcCaps::default()).unwrap().slot();
        let a = t.add_user(init, ProcCaps::default()).unwrap().slot();
        let b = t.add_user(a, ProcCaps::default()).unwrap().slot();
        t.set_cpu_at_exit(b, 30);
        t.exit(b, 0, init);
        t.reap(b);
        assert_eq!(t.get(a).unwrap().cpu, CpuTime { own: 0, children: 30 });
        t.set_cpu_at_exit(a, 100);
        t.exit(a, 0, init);
        t.reap(a);
        assert_eq!(t.get(init).unwrap().cpu.children, 130);
        // A zombie nobody waits for adds nothing.
        let c = t.add_user(init, ProcCaps::default()).unwrap().slot();
        t.set_cpu_at_exit(c, 7);
        t.exit(c, 0, init);
        assert_eq!(t.get(init).unwrap().cpu.children, 130);
    }
}
