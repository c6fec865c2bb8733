// SPDX-License-Identifier: BSD-2-Clause
//! The explorer: breadth-first search over every interleaving, then a
//! backward pass for liveness.
//!
//! * **Safety.** Every state reached is checked for a recorded violation
//!   (wrong bytes, wrong status, a moved offset), and every state where no
//!   thread can move is checked to be finished and quiescent. A state where
//!   no thread can move and work remains is a **deadlock**.
//! * **Liveness.** After the search, the reversed transition graph is walked
//!   from the finished states. A state that cannot reach any finished state
//!   is **stuck**: a deadlock in the making or a livelock. Under fair
//!   scheduling, "every reachable state can reach completion" is what makes
//!   every request complete.
//!
//! Breadth-first order makes every reported trace a shortest one. States are
//! numbered in discovery order; per state the explorer keeps only its parent
//! and which successor it was, and rebuilds a trace by replaying those
//! choices from the initial state with labels switched on.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A transition out of a state.
pub struct Succ<S> {
    /// The state reached.
    pub state: S,
    /// Whether some thread moved. Steps that can always happen and never
    /// unblock anyone (VM evicting a page) are not progress, so a state
    /// where only they are enabled still counts as a deadlock.
    pub progress: bool,
}

/// What the explorer needs from a system.
pub trait System {
    /// A state: small, `Copy`, hashable.
    type State: Copy + Eq + Hash;
    /// The one initial state.
    fn init(&self) -> Self::State;
    /// Every transition enabled in `s`, in a fixed order (traces replay by
    /// index). With `log`, also one label per transition, in the same order.
    fn successors(&self, s: &Self::State, out: &mut Vec<Succ<Self::State>>, log: Option<&mut Vec<String>>);
    /// All work has completed.
    fn all_done(&self, s: &Self::State) -> bool;
    /// Nothing is held or pending: what a finished run must leave.
    fn quiescent(&self, s: &Self::State) -> bool;
    /// The property `s` violates, if any.
    fn violation(&self, s: &Self::State) -> Option<&'static str>;
    /// Who waits for whom in `s`.
    fn describe(&self, s: &Self::State) -> String;
}

/// Reported when a finished run leaves something held.
const NOT_QUIESCENT: &str = "work finished but the system is not quiescent";

/// A fast non-cryptographic hasher for the visited set (FxHash's mixing
/// step): states are adversary-free, and SipHash would dominate the run.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// What the checker found wrong, with the shortest trace to it.
#[derive(Debug)]
pub enum Finding {
    /// A request completed with the wrong result, or a finished run left
    /// something held.
    Violation(&'static str),
    /// No thread can move, and some request has not completed.
    Deadlock,
    /// Threads can still move, but no path leads to completion.
    Stuck,
}

/// A finding with its trace.
#[derive(Debug)]
pub struct Failure<S> {
    /// What kind.
    pub finding: Finding,
    /// One line per transition from the initial state.
    pub trace: Vec<String>,
    /// Who waits for whom in the last state.
    pub last: String,
    /// The last state itself, for tests that check the cause.
    pub state: S,
}

impl<S> std::fmt::Display for Failure<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:?} after {} steps:", self.finding, self.trace.len())?;
        for (i, l) in self.trace.iter().enumerate() {
            writeln!(f, "  {:>3}. {l}", i + 1)?;
        }
        writeln!(f, "state:")?;
        write!(f, "{}", self.last)
    }
}

/// The result of one exhaustive check.
#[derive(Debug)]
pub struct Report<S> {
    /// Distinct states reached (all of them when there is no failure).
    pub states: usize,
    /// Transitions explored.
    pub transitions: usize,
    /// Longest shortest path from the initial state.
    pub depth: usize,
    /// States in which every request has completed.
    pub finished: usize,
    /// The first problem found, if any. The search stops at a safety
    /// problem; liveness runs only when safety held everywhere.
    pub failure: Option<Failure<S>>,
}

/// Refuse to go past this many states: a model that large no longer fits
/// the test budget and needs smaller scenarios, not more memory.
pub const STATE_LIMIT: usize = 20_000_000;

/// Visits every state reachable from the model's initial state.
pub fn explore<M: System>(m: &M) -> Report<M::State> {
    let init = m.init();
    let mut index: HashMap<M::State, u32, BuildHasherDefault<Fx>> = HashMap::default();
    // Per state: the state it was discovered from and which successor of
    // that state it was; plus its BFS depth.
    let mut parent: Vec<(u32, u16)> = vec![(u32::MAX, 0)];
    let mut depth: Vec<u16> = vec![0];
    // Successor lists in compressed rows, for the liveness pass.
    let mut row: Vec<u32> = vec![0];
    let mut edges: Vec<u32> = Vec::new();
    let mut finished: Vec<bool> = Vec::new();
    index.insert(init, 0);
    let mut frontier = VecDeque::from([init]);
    let mut succ: Vec<Succ<M::State>> = Vec::new();
    let mut i: u32 = 0;
    let mut failure = None;
    while let Some(s) = frontier.pop_front() {
        let done = m.all_done(&s);
        finished.push(done);
        let bad = if let Some(v) = m.violation(&s) {
            Some(Finding::Violation(v))
        } else {
            succ.clear();
            m.successors(&s, &mut succ, None);
            let progress = succ.iter().any(|x| x.progress);
            match (progress, done) {
                (false, false) => Some(Finding::Deadlock),
                (false, true) if !m.quiescent(&s) => Some(Finding::Violation(NOT_QUIESCENT)),
                _ => None,
            }
        };
        if let Some(finding) = bad {
            failure = Some(trace(m, &parent, i, finding));
            break;
        }
        for (k, x) in succ.iter().enumerate() {
            let next = index.len() as u32;
            let j = match index.entry(x.state) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    e.insert(next);
                    parent.push((i, k as u16));
                    depth.push(depth[i as usize] + 1);
                    frontier.push_back(x.state);
                    next
                }
            };
            edges.push(j);
        }
        row.push(edges.len() as u32);
        assert!(index.len() <= STATE_LIMIT, "state space beyond {STATE_LIMIT}: shrink the scenario");
        i += 1;
    }
    let states = index.len();
    drop(index);
    if failure.is_none() {
        failure = liveness(m, &parent, &row, &edges, &finished);
    }
    Report {
        states,
        transitions: edges.len(),
        depth: depth.iter().copied().max().unwrap_or(0) as usize,
        finished: finished.iter().filter(|&&d| d).count(),
        failure,
    }
}

/// Every state must be able to reach a finished state. Walk the reversed
/// graph from the finished states; report the first state (the one with the
/// shortest trace) left unmarked.
fn liveness<M: System>(m: &M, parent: &[(u32, u16)], row: &[u32], edges: &[u32], finished: &[bool]) -> Option<Failure<M::State>> {
    let n = finished.len();
    // Reverse edges in compressed rows.
    let mut rrow = vec![0u32; n + 1];
    for &j in edges {
        rrow[j as usize + 1] += 1;
    }
    for k in 0..n {
        rrow[k + 1] += rrow[k];
    }
    let mut fill = rrow.clone();
    let mut redges = vec![0u32; edges.len()];
    for i in 0..n {
        for &j in &edges[row[i] as usize..row[i + 1] as usize] {
            redges[fill[j as usize] as usize] = i as u32;
            fill[j as usize] += 1;
        }
    }
    let mut can = finished.to_vec();
    let mut work: Vec<u32> = (0..n as u32).filter(|&i| finished[i as usize]).collect();
    while let Some(j) = work.pop() {
        for &i in &redges[rrow[j as usize] as usize..rrow[j as usize + 1] as usize] {
            if !can[i as usize] {
                can[i as usize] = true;
                work.push(i);
            }
        }
    }
    let first = can.iter().position(|&c| !c)?;
    let mut f = trace(m, parent, first as u32, Finding::Stuck);
    // Every successor of a stuck state is stuck too. Follow first
    // successors until a state repeats (the livelock's cycle) or nothing
    // can move, and show that continuation.
    let mut seen = HashMap::new();
    let (mut at, mut s) = (first, f.state);
    let mut succ = Vec::new();
    while let std::collections::hash_map::Entry::Vacant(e) = seen.entry(at) {
        e.insert(f.trace.len());
        if row[at] == row[at + 1] {
            break;
        }
        succ.clear();
        let mut labels = Vec::new();
        m.successors(&s, &mut succ, Some(&mut labels));
        f.trace.push(labels[0].clone());
        s = succ[0].state;
        at = edges[row[at] as usize] as usize;
    }
    if let Some(&start) = seen.get(&at) {
        if row[at] != row[at + 1] {
            f.trace[start] = format!("(cycle from here) {}", f.trace[start]);
        }
    }
    f.last = m.describe(&s);
    f.state = s;
    Some(f)
}

/// Rebuilds the shortest path to state `i` by replaying successor choices.
fn trace<M: System>(m: &M, parent: &[(u32, u16)], i: u32, finding: Finding) -> Failure<M::State> {
    let mut choices = Vec::new();
    let mut at = i;
    while parent[at as usize].0 != u32::MAX {
        let (p, k) = parent[at as usize];
        choices.push(k);
        at = p;
    }
    choices.reverse();
    let mut s = m.init();
    let mut lines = Vec::new();
    let mut succ = Vec::new();
    for k in choices {
        succ.clear();
        let mut labels = Vec::new();
        m.successors(&s, &mut succ, Some(&mut labels));
        lines.push(labels[k as usize].clone());
        s = succ[k as usize].state;
    }
    Failure { finding, trace: lines, last: m.describe(&s), state: s }
}

#[cfg(test)]
mod tests {
    //! The explorer on toy systems whose answers are known, so a model that
    //! passes is not passing because the explorer misses findings.
    use super::*;

    /// Two threads, each taking lock `a` then lock `b` (or `b` then `a`
    /// when `crossed`), then releasing both. State: per thread its step
    /// (0 = start, 1 = holds first, 2 = done), and lock owners (0 = free).
    struct Locks {
        crossed: bool,
    }

    impl System for Locks {
        type State = [u8; 4];
        fn init(&self) -> [u8; 4] {
            [0; 4]
        }
        fn successors(&self, s: &[u8; 4], out: &mut Vec<Succ<[u8; 4]>>, mut log: Option<&mut Vec<String>>) {
            for t in 0..2usize {
                let order = if self.crossed && t == 1 { [3, 2] } else { [2, 3] };
                let lock = match s[t] {
                    0 => order[0],
                    1 => order[1],
                    _ => continue,
                };
                if s[lock] != 0 {
                    continue;
                }
                let mut n = *s;
                n[t] += 1;
                n[lock] = t as u8 + 1;
                if n[t] == 2 {
                    n[2] = 0;
                    n[3] = 0;
                }
                if let Some(l) = log.as_deref_mut() {
                    l.push(format!("T{t} takes lock {lock}"));
                }
                out.push(Succ { state: n, progress: true });
            }
        }
        fn all_done(&self, s: &[u8; 4]) -> bool {
            s[0] == 2 && s[1] == 2
        }
        fn quiescent(&self, s: &[u8; 4]) -> bool {
            s[2] == 0 && s[3] == 0
        }
        fn violation(&self, _: &[u8; 4]) -> Option<&'static str> {
            None
        }
        fn describe(&self, s: &[u8; 4]) -> String {
            format!("{s:?}")
        }
    }

    #[test]
    fn ordered_locks_pass() {
        let r = explore(&Locks { crossed: false });
        assert!(r.failure.is_none());
        assert_eq!(r.finished, 1);
    }

    #[test]
    fn crossed_locks_deadlock_with_the_shortest_trace() {
        let r = explore(&Locks { crossed: true });
        let f = r.failure.expect("a lock-order deadlock");
        assert!(matches!(f.finding, Finding::Deadlock));
        assert_eq!(f.trace.len(), 2, "{f}");
        assert_eq!(f.state, [1, 1, 1, 2]);
    }

    /// A counter that may spin between 1 and 2 forever, or reach 3 (done)
    /// from 1; with `trap`, 1 can also go to 4, which only cycles with 5.
    struct Spin {
        trap: bool,
    }

    impl System for Spin {
        type State = u8;
        fn init(&self) -> u8 {
            1
        }
        fn successors(&self, s: &u8, out: &mut Vec<Succ<u8>>, mut log: Option<&mut Vec<String>>) {
            let next: &[u8] = match *s {
                1 if self.trap => &[2, 3, 4],
                1 => &[2, 3],
                2 => &[1],
                4 => &[5],
                5 => &[4],
                _ => &[],
            };
            for &n in next {
                if let Some(l) = log.as_deref_mut() {
                    l.push(format!("{s} -> {n}"));
                }
                out.push(Succ { state: n, progress: true });
            }
        }
        fn all_done(&self, s: &u8) -> bool {
            *s == 3
        }
        fn quiescent(&self, _: &u8) -> bool {
            true
        }
        fn violation(&self, _: &u8) -> Option<&'static str> {
            None
        }
        fn describe(&self, s: &u8) -> String {
            s.to_string()
        }
    }

    #[test]
    fn a_cycle_that_can_still_finish_is_live() {
        assert!(explore(&Spin { trap: false }).failure.is_none());
    }

    #[test]
    fn a_livelock_is_stuck_and_shows_its_cycle() {
        let f = explore(&Spin { trap: true }).failure.expect("a livelock");
        assert!(matches!(f.finding, Finding::Stuck));
        assert!(f.trace.iter().any(|l| l.starts_with("(cycle from here)")), "{f}");
    }
}
