// SPDX-License-Identifier: BSD-2-Clause
//! Reading `measure name=<id> instr=<n>` lines out of a serial log.
use std::collections::BTreeMap;

/// Figures by name. A serial log may carry carriage returns and terminal
/// escapes before a line's text, so a line counts if it ends with exactly
/// one well-formed measure record; a name measured twice keeps its last
/// value.
pub fn measures(log: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in log.lines() {
        if let Some((name, n)) = measure(line.trim_end_matches('\r')) {
            out.insert(name.to_string(), n);
        }
    }
    out
}

fn measure(line: &str) -> Option<(&str, u64)> {
    let rest = &line[line.find("measure name=")? + "measure name=".len()..];
    let (name, instr) = rest.split_once(" instr=")?;
    let good_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let good_instr = !instr.is_empty() && instr.bytes().all(|b| b.is_ascii_digit());
    (good_name && good_instr).then(|| instr.parse().ok().map(|n| (name, n)))?
}

#[cfg(test)]
mod tests {
    use super::measures;

    #[test]
    fn reads_measure_lines_only() {
        let log = "boot: VM ready\r\n\
                   measure name=ipc_thread instr=651\r\n\
                   \x1b[2Jmeasure name=getpid instr=700\n\
                   bench: x could not run\n\
                   measure name=bad instr=\n\
                   measure name=Bad instr=5\n\
                   measure name=trailing instr=5 junk\n\
                   measure name=getpid instr=710\n";
        let m = measures(log);
        assert_eq!(m.len(), 2);
        assert_eq!(m["ipc_thread"], 651);
        assert_eq!(m["getpid"], 710);
    }

    #[test]
    fn an_empty_log_has_no_figures() {
        assert!(measures("").is_empty());
    }
}
