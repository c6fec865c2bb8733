// SPDX-License-Identifier: BSD-2-Clause
//! One line per configuration and scenario: states, transitions, depth,
//! time, and what was found:
//! `cargo run --release -p protocol-model --example survey`.
use protocol_model::{explore, scenarios, Config, Model, PageIn};
use std::time::Instant;

fn main() {
    let d = Config::DESIGN;
    let cfgs = [
        ("design", d),
        ("1 worker", Config { workers: 1, ..d }),
        ("2 workers 2 pagers", Config { page_in: PageIn::Reserved(2), ..d }),
        ("no evictions", Config { evictions: 0, ..d }),
        ("2 evictions", Config { evictions: 2, ..d }),
        ("no TRY", Config { fs_try: false, ..d }),
        ("VM calls VFS", Config { page_in: PageIn::VmCallsVfs, ..d }),
        ("pool of 2", Config { page_in: PageIn::Pool, ..d }),
        ("pool of 3", Config { page_in: PageIn::Pool, workers: 3, ..d }),
        ("pager locks vnode", Config { pager_locks_vnode: true, ..d }),
        ("pager seeks filp", Config { pager_seeks_filp: true, ..d }),
        ("no retry", Config { vfs_retry: false, ..d }),
    ];
    for (name, cfg) in cfgs {
        for sc in scenarios::all() {
            let scn = sc.name;
            let t = Instant::now();
            let r = explore(&Model::new(cfg, sc));
            let found = r.failure.as_ref().map(|f| format!("{:?} in {} steps", f.finding, f.trace.len())).unwrap_or_else(|| "ok".into());
            println!(
                "{name:18} {scn:18} {:>8} states {:>8} transitions depth {:>3} {:>6.2}s  {found}",
                r.states,
                r.transitions,
                r.depth,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
