// SPDX-License-Identifier: BSD-2-Clause
//! The report's text: one machine-readable `bench` line per figure, then
//! an aligned table for people.
use crate::rows::{Mark, Row};

/// A value in the figure's unit: whole instructions, or per-unit with three
/// decimals for a divided figure (per byte, say).
fn value(v: Option<u64>, divisor: u64) -> String {
    match v {
        None => "-".into(),
        Some(n) if divisor > 1 => format!("{:.3}", n as f64 / divisor as f64),
        Some(n) => n.to_string(),
    }
}

fn ratio(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.2}", r))
}

/// `bench name=<id> instr=<n> floor=<f> ratio=<r> linux=<n> vs_linux=<r>`
pub fn bench_line(r: &Row) -> String {
    format!(
        "bench name={} instr={} floor={} ratio={} linux={} vs_linux={}",
        r.fig.name,
        value(r.ours, r.fig.divisor),
        r.floor_name.as_deref().unwrap_or("-"),
        ratio(r.ratio),
        value(r.linux, r.fig.divisor),
        ratio(r.vs_linux),
    )
}

fn target(t: Option<u32>, m: Mark) -> String {
    let Some(t) = t else { return String::new() };
    let mark = match m {
        Mark::None => "",
        Mark::Met => " met",
        Mark::Missed => " MISSED",
    };
    format!("<={:.2}{}", t as f64 / 100.0, mark)
}

/// The table: a header and one line per row, every column aligned.
pub fn table(rows: &[Row]) -> Vec<String> {
    let head = ["figure", "ours", "floor", "x floor", "target", "linux", "x linux", "target"];
    let mut cells: Vec<[String; 8]> = vec![head.map(String::from)];
    for r in rows {
        cells.push([
            r.fig.name.to_string(),
            value(r.ours, r.fig.divisor),
            r.floor_name.clone().unwrap_or_else(|| "-".into()),
            ratio(r.ratio),
            target(r.fig.floor_target, r.floor_mark),
            value(r.linux, r.fig.divisor),
            ratio(r.vs_linux),
            target(r.fig.linux_target, r.linux_mark),
        ]);
    }
    let mut width = [0; 8];
    for c in &cells {
        for (w, s) in width.iter_mut().zip(c) {
            *w = (*w).max(s.len());
        }
    }
    // Names and floors read left to right; numbers line up on the right.
    let left = [true, false, true, false, true, false, false, true];
    cells
        .iter()
        .map(|c| {
            let parts: Vec<String> = (0..8)
                .map(|i| if left[i] { format!("{:<w$}", c[i], w = width[i]) } else { format!("{:>w$}", c[i], w = width[i]) })
                .collect();
            parts.join("  ").trim_end().to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{rows, Measures};
    use bench_spec::figures::FIGURES;

    fn m(pairs: &[(&str, u64)]) -> Measures {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn bench_lines() {
        let ours = m(&[("ipc_thread", 651), ("ipc_process", 689), ("getpid", 700), ("memcpy_4k", 300), ("safecopy_4k", 1200)]);
        let linux = m(&[("getpid", 342), ("seqread_64k", 16974)]);
        let lines: Vec<_> = rows(FIGURES, &ours, &linux).iter().map(bench_line).collect();
        assert_eq!(
            lines,
            [
                "bench name=ipc_thread instr=651 floor=- ratio=- linux=- vs_linux=-",
                "bench name=ipc_process instr=689 floor=ipc_thread ratio=1.06 linux=- vs_linux=-",
                "bench name=getpid instr=700 floor=ipc_process ratio=1.02 linux=342 vs_linux=2.05",
                "bench name=memcpy_4k instr=300 floor=- ratio=- linux=- vs_linux=-",
                "bench name=safecopy_4k instr=1200 floor=ipc_process+memcpy_4k ratio=1.21 linux=- vs_linux=-",
                "bench name=seqread_64k instr=- floor=- ratio=- linux=0.259 vs_linux=-",
            ]
        );
    }

    #[test]
    fn table_is_aligned() {
        let ours = m(&[("ipc_thread", 651), ("ipc_process", 689), ("getpid", 800)]);
        let t = table(&rows(FIGURES, &ours, &m(&[("getpid", 342)])));
        assert_eq!(t.len(), 4);
        assert!(t[0].starts_with("figure       "));
        assert!(t[3].contains("<=1.10 MISSED"));
        assert!(t[2].contains("<=1.10 met"));
        // The ours column ends at the same place on every line.
        let end = t[0].find("ours").unwrap() + 4;
        assert!(t[1..].iter().all(|l| l.as_bytes()[end - 1].is_ascii_digit()));
    }
}
