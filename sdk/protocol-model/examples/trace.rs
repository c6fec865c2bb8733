// SPDX-License-Identifier: BSD-2-Clause
//! Prints what the checker finds for one configuration on one scenario:
//! `cargo run --release -p protocol-model --example trace -- notry cross-file`.
use protocol_model::{explore, scenarios, Config, Model, PageIn};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let d = Config::DESIGN;
    let cfg = match args.first().map(String::as_str) {
        Some("design") => d,
        Some("notry") => Config { fs_try: false, ..d },
        Some("sync") => Config { page_in: PageIn::VmCallsVfs, ..d },
        Some("pool") => Config { page_in: PageIn::Pool, ..d },
        Some("locks") => Config { pager_locks_vnode: true, ..d },
        Some("seeks") => Config { pager_seeks_filp: true, ..d },
        Some("noretry") => Config { vfs_retry: false, ..d },
        _ => return usage(),
    };
    let Some(sc) = scenarios::all().into_iter().find(|s| Some(&s.name.to_string()) == args.get(1)) else {
        return usage();
    };
    let r = explore(&Model::new(cfg, sc));
    println!("{} states, {} transitions", r.states, r.transitions);
    match r.failure {
        Some(f) => println!("{f}"),
        None => println!("no deadlock; every request completes correctly"),
    }
}

fn usage() {
    let names: Vec<_> = scenarios::all().iter().map(|s| s.name).collect();
    eprintln!("usage: trace design|notry|sync|pool|locks|seeks|noretry {}", names.join("|"));
}
