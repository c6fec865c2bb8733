// SPDX-License-Identifier: BSD-2-Clause
//! One row per figure: our value, its floor and ratio, Linux's value and
//! ratio, and whether the targets are met.
use bench_spec::figures::{Figure, Floor};
use std::collections::BTreeMap;

pub type Measures = BTreeMap<String, u64>;

/// Whether a ratio is within its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// No target, or a value the ratio needs is missing.
    None,
    Met,
    Missed,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub fig: Figure,
    /// Our value in instructions per measured operation (not divided).
    pub ours: Option<u64>,
    /// `a` or `a+b`; None for figures without a floor.
    pub floor_name: Option<String>,
    /// The floor's value, when every part of it was measured.
    pub floor: Option<u64>,
    pub ratio: Option<f64>,
    pub floor_mark: Mark,
    pub linux: Option<u64>,
    pub vs_linux: Option<f64>,
    pub linux_mark: Mark,
}

/// A value and what it is divided by to give one operation's figure.
type Per = (Option<u64>, u64);

fn mark((value, divisor): Per, (base, base_divisor): Per, target: Option<u32>) -> Mark {
    match (value, base, target) {
        // value / divisor <= (base / base_divisor) * target / 100, in
        // integers.
        (Some(v), Some(b), Some(t)) => {
            if v as u128 * 100 * base_divisor as u128 <= b as u128 * divisor as u128 * t as u128 {
                Mark::Met
            } else {
                Mark::Missed
            }
        }
        _ => Mark::None,
    }
}

fn ratio((value, divisor): Per, (base, base_divisor): Per) -> Option<f64> {
    match (value, base) {
        (Some(v), Some(b)) if b > 0 => Some((v as f64 / divisor as f64) / (b as f64 / base_divisor as f64)),
        _ => None,
    }
}

/// What a figure named `name` is divided by (1 for one not in `figs`).
fn divisor_of(figs: &[Figure], name: &str) -> u64 {
    figs.iter().find(|f| f.name == name).map_or(1, |f| f.divisor)
}

/// A figure's floor: its printed name, its value if measured, and that
/// value's divisor (a per-byte floor is measured per many bytes, as the
/// figure on it is).
fn floor(figs: &[Figure], fig: &Figure, ours: &Measures) -> (Option<String>, Per) {
    match fig.floor {
        Floor::None => (None, (None, 1)),
        Floor::One(a) => (Some(a.to_string()), (ours.get(a).copied(), divisor_of(figs, a))),
        Floor::Sum(a, b) => {
            // Sums are of per-operation floors (an IPC and a memcpy).
            let v = match (ours.get(a), ours.get(b)) {
                (Some(x), Some(y)) => Some(x + y),
                _ => None,
            };
            (Some(format!("{}+{}", a, b)), (v, 1))
        }
    }
}

/// A row for every figure in `figs` that either system measured, in the
/// table's order.
pub fn rows(figs: &[Figure], ours: &Measures, linux: &Measures) -> Vec<Row> {
    figs.iter()
        .filter(|f| ours.contains_key(f.name) || linux.contains_key(f.name))
        .map(|f| {
            let o = ours.get(f.name).copied();
            let l = linux.get(f.name).copied();
            let (floor_name, fl) = floor(figs, f, ours);
            Row {
                fig: *f,
                ours: o,
                floor_name,
                floor: fl.0,
                ratio: ratio((o, f.divisor), fl),
                floor_mark: mark((o, f.divisor), fl, f.floor_target),
                linux: l,
                // The divisor is common to both and cancels.
                vs_linux: ratio((o, 1), (l, 1)),
                linux_mark: mark((o, 1), (l, 1), f.linux_target),
            }
        })
        .collect()
}

/// Why the run fails: a missing IPC floor, or a figure past its hard
/// limit on the floor ratio.
pub fn problems(figs: &[Figure], ours: &Measures) -> Vec<String> {
    let mut out = Vec::new();
    for floor in ["ipc_thread", "ipc_process"] {
        if !ours.contains_key(floor) {
            out.push(format!("{} was not measured on our system", floor));
        }
    }
    for f in figs {
        let Some(limit) = f.floor_limit else { continue };
        let (name, fl) = floor(figs, f, ours);
        if let (Some(v), (Some(b), bd)) = (ours.get(f.name), fl) {
            if mark((Some(*v), f.divisor), (Some(b), bd), Some(limit)) == Mark::Missed {
                out.push(format!(
                    "{} is {:.2}x {}, over its limit of {:.2}x",
                    f.name,
                    ratio((Some(*v), f.divisor), (Some(b), bd)).unwrap_or(0.0),
                    name.unwrap_or_default(),
                    limit as f64 / 100.0
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bench_spec::figures::{find, FIGURES};

    fn m(pairs: &[(&str, u64)]) -> Measures {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn row<'a>(rows: &'a [Row], name: &str) -> &'a Row {
        rows.iter().find(|r| r.fig.name == name).unwrap()
    }

    #[test]
    fn only_measured_figures_get_rows_in_table_order() {
        let ours = m(&[("getpid", 700), ("ipc_thread", 650)]);
        let linux = m(&[("pread_4k", 1844), ("getpid", 342)]);
        let names: Vec<_> = rows(FIGURES, &ours, &linux).iter().map(|r| r.fig.name).collect();
        assert_eq!(names, ["ipc_thread", "getpid", "pread_4k"]);
    }

    #[test]
    fn ratios_and_marks() {
        let ours = m(&[("ipc_thread", 651), ("ipc_process", 689), ("getpid", 760), ("fork_exit_wait_small", 100_000)]);
        let linux = m(&[("getpid", 342), ("fork_exit_wait_small", 150_809)]);
        let r = rows(FIGURES, &ours, &linux);
        let g = row(&r, "getpid");
        assert_eq!(g.floor_name.as_deref(), Some("ipc_process"));
        assert!((g.ratio.unwrap() - 760.0 / 689.0).abs() < 1e-9);
        // 760 / 689 = 1.103 > 1.10.
        assert_eq!(g.floor_mark, Mark::Missed);
        assert_eq!(g.linux_mark, Mark::None, "getpid has no Linux target");
        let f = row(&r, "fork_exit_wait_small");
        assert_eq!(f.linux_mark, Mark::Met);
        assert!((f.vs_linux.unwrap() - 100_000.0 / 150_809.0).abs() < 1e-9);
        assert_eq!(row(&r, "ipc_process").floor_mark, Mark::Met);
    }

    #[test]
    fn a_target_met_exactly_is_met() {
        let ours = m(&[("ipc_thread", 100), ("ipc_process", 110)]);
        assert_eq!(row(&rows(FIGURES, &ours, &m(&[])), "ipc_process").floor_mark, Mark::Met);
        assert!(problems(FIGURES, &ours).is_empty());
        let ours = m(&[("ipc_thread", 100), ("ipc_process", 111)]);
        assert_eq!(problems(FIGURES, &ours).len(), 1);
    }

    #[test]
    fn sum_floors_add_both_parts() {
        let ours = m(&[("ipc_process", 700), ("memcpy_4k", 300), ("safecopy_4k", 1200)]);
        let s = row(&rows(FIGURES, &ours, &m(&[])), "safecopy_4k").clone();
        assert_eq!(s.floor_name.as_deref(), Some("ipc_process+memcpy_4k"));
        assert_eq!(s.floor, Some(1000));
        assert!((s.ratio.unwrap() - 1.2).abs() < 1e-9);
        assert_eq!(s.floor_mark, Mark::Met);
        // Half a floor missing: no ratio, no mark.
        let ours = m(&[("ipc_process", 700), ("safecopy_4k", 1200)]);
        let s = row(&rows(FIGURES, &ours, &m(&[])), "safecopy_4k").clone();
        assert_eq!((s.floor, s.ratio, s.floor_mark), (None, None, Mark::None));
    }

    #[test]
    fn divided_figures_compare_per_unit() {
        // 16,974 per 64 KiB call is 0.259 per byte on either side.
        let ours = m(&[("seqread_64k", 16_974)]);
        let linux = m(&[("seqread_64k", 16_974)]);
        let s = row(&rows(FIGURES, &ours, &linux), "seqread_64k").clone();
        assert_eq!(s.linux_mark, Mark::Met);
        assert!((s.vs_linux.unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_divided_floor_is_divided_too() {
        // Both per 16 MiB: the ratio is of the per-byte figures, 4.5 / 0.4.
        let mib16 = 16u64 << 20;
        let ours = m(&[("disk_raw_read", mib16 * 4 / 10), ("disk_seqread_cold", mib16 * 45 / 10)]);
        let s = row(&rows(FIGURES, &ours, &m(&[])), "disk_seqread_cold").clone();
        assert_eq!(s.floor_name.as_deref(), Some("disk_raw_read"));
        assert!((s.ratio.unwrap() - 11.25).abs() < 1e-5, "{:?}", s.ratio);
        let fig = Figure { floor_target: Some(1200), ..s.fig };
        assert_eq!(rows(&[*find("disk_raw_read").unwrap(), fig], &ours, &m(&[]))[1].floor_mark, Mark::Met);
        let fig = Figure { floor_target: Some(1100), ..fig };
        assert_eq!(rows(&[*find("disk_raw_read").unwrap(), fig], &ours, &m(&[]))[1].floor_mark, Mark::Missed);
    }

    #[test]
    fn missing_floors_fail_the_run() {
        let p = problems(FIGURES, &m(&[("getpid", 1)]));
        assert_eq!(p.len(), 2);
        assert!(p[0].contains("ipc_thread") && p[1].contains("ipc_process"));
    }
}
