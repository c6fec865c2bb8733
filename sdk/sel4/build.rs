// SPDX-License-Identifier: BSD-2-Clause
//! Generates `constants.rs` from the seL4 kernel tree that `kernel/build.sh`
//! prepared: invocation labels, object types, syscall numbers, bootinfo
//! offsets, initial cap slots and error codes come from the kernel's and
//! libsel4's headers (compiled and printed by `gen_constants.c`); fault tags
//! and the bit layouts of MessageInfo, CapRights, PrioProps and CNode guard
//! data from the kernel's bitfield specs. Nothing is typed in by hand.
use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let tree = env::var("SEL4_KERNEL_TREE").map(PathBuf::from).unwrap_or_else(|_| manifest.join("../../target/kernel/src"));
    println!("cargo:rerun-if-env-changed=SEL4_KERNEL_TREE");
    println!("cargo:rerun-if-changed=gen_constants.c");
    println!("cargo:rerun-if-changed=build.rs");
    let autoconf = tree.join("include/plat/pc99/autoconf.h");
    println!("cargo:rerun-if-changed={}", autoconf.display());
    if !autoconf.exists() {
        panic!("seL4 kernel tree not found at {}: run `make kernel` (kernel/build.sh) first", tree.display());
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let generated = libsel4_syscall_header(&tree, &out);
    let exe = out.join("gen_constants");
    let inc = |p: &str| format!("-I{}", tree.join(p).display());
    let status = Command::new(env::var("HOST_CC").unwrap_or_else(|_| "cc".into()))
        .args([
            inc("include/plat/pc99"),
            inc(""),
            inc("libsel4/include"),
            inc("libsel4/arch_include/x86"),
            inc("libsel4/sel4_arch_include/x86_64"),
            format!("-I{}", generated.display()),
            "-DHAVE_AUTOCONF".into(),
        ])
        .arg(manifest.join("gen_constants.c"))
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("running the host C compiler");
    assert!(status.success(), "compiling gen_constants.c failed");
    let output = Command::new(&exe).output().expect("running gen_constants");
    assert!(output.status.success());
    let mut text = String::from_utf8(output.stdout).unwrap();

    // Fault tags, from the seL4_Fault tagged union in the arch bitfield spec.
    let bf = tree.join("include/arch/x86/arch/api/shared_types.bf");
    println!("cargo:rerun-if-changed={}", bf.display());
    let spec = fs::read_to_string(&bf).expect("reading shared_types.bf");
    text.push_str("/// Fault message labels (seL4_Fault tags).\npub mod fault_tag {\n");
    let mut seen = 0;
    for line in spec.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 3 && words[0] == "tag" {
            let value: u64 = words[2].parse().expect("tag value");
            let upper = screaming_snake(words[1]);
            text.push_str(&format!("    pub const {upper}: u64 = {value};\n"));
            seen += 1;
        }
    }
    assert!(seen >= 5, "fault tags not found in {}", bf.display());
    text.push_str("}\n");

    // Bit layouts of the kernel's one-word structures, from the bitfield
    // specs libsel4 generates its C accessors from (`Guard` is the CNode
    // cap data that Mint takes as a CNode's guard).
    let shared = tree.join("libsel4/include/sel4/shared_types_64.bf");
    let types = tree.join("libsel4/include/sel4/types_64.bf");
    text.push_str("/// Bit layouts from the kernel's bitfield specs: each field's lowest\n/// bit (`_SHIFT`) and width (`_BITS`).\npub mod bitfield {\n");
    // `io_port_capdata` is the Mint data that narrows an I/O port cap to a
    // range of ports (the kernel's Arch_updateCapData).
    let x86_caps = tree.join("include/arch/x86/arch/64/mode/object/structures.bf");
    for (file, block) in [
        (&shared, "seL4_MessageInfo"),
        (&shared, "seL4_CapRights"),
        (&shared, "seL4_PrioProps"),
        (&types, "Guard"),
        (&x86_caps, "io_port_capdata"),
    ] {
        text.push_str(&bitfield_block(file, block));
    }
    text.push_str("}\n");
    let version = fs::read_to_string(tree.join("VERSION")).expect("reading VERSION");
    println!("cargo:rerun-if-changed={}", tree.join("VERSION").display());
    text.push_str(&format!(
        "/// The kernel version, from the kernel tree's VERSION file.\npub const KERNEL_VERSION: &str = {:?};\n",
        version.trim()
    ));
    fs::write(out.join("constants.rs"), text).unwrap();
}

/// `VMFault` -> `VM_FAULT`, `capsUnwrapped` -> `CAPS_UNWRAPPED`.
fn screaming_snake(name: &str) -> String {
    let mut upper = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // A word starts at an upper-case letter that follows a lower-case
        // one, or that ends an acronym ("VMFault" -> VM_FAULT).
        let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
        let ends_acronym = i > 0 && chars[i - 1].is_ascii_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
        if c.is_ascii_uppercase() && (prev_lower || ends_acronym) {
            upper.push('_');
        }
        upper.push(c.to_ascii_uppercase());
    }
    upper
}

/// libsel4's `sel4/syscall.h` (the `seL4_Syscall_ID` enum) is made by
/// libsel4's own build, which the kernel build does not run: run the same
/// generator on the same XML into `out`. Returns the include directory.
fn libsel4_syscall_header(tree: &Path, out: &Path) -> PathBuf {
    let tool = tree.join("libsel4/tools/syscall_header_gen.py");
    let xml = tree.join("libsel4/include/api/syscall.xml");
    println!("cargo:rerun-if-changed={}", tool.display());
    println!("cargo:rerun-if-changed={}", xml.display());
    println!("cargo:rerun-if-env-changed=PYTHON");
    let dir = out.join("include");
    fs::create_dir_all(dir.join("sel4")).unwrap();
    let python = env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .arg(&tool)
        .arg("--xml")
        .arg(&xml)
        .arg("--libsel4_header")
        .arg(dir.join("sel4/syscall.h"))
        .status()
        .unwrap_or_else(|e| panic!("running {python} (needed, with tempita, as for the kernel build): {e}"));
    assert!(status.success(), "libsel4's syscall_header_gen.py failed (is tempita installed? tools/setup.sh)");
    dir
}

/// One `block` of a bitfield spec as a Rust module of `<FIELD>_SHIFT` and
/// `<FIELD>_BITS` constants. Entries are listed from the most significant
/// bit down, and must fill the spec's base (one word) exactly.
fn bitfield_block(file: &Path, block: &str) -> String {
    println!("cargo:rerun-if-changed={}", file.display());
    let spec = fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let mut base = None;
    let mut entries: Option<Vec<(Option<String>, u32)>> = None;
    let mut done = None;
    for line in spec.lines() {
        let line = line.split("--").next().unwrap_or("").trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match (words.as_slice(), entries.as_mut()) {
            // `base 64`, or `base 64(48,1)` with canonical-address details.
            (["base", b], None) => base = Some(b.split('(').next().unwrap_or(b).parse::<u32>().expect("base")),
            (["block", name, "{"], None) if *name == block => entries = Some(Vec::new()),
            (["padding", n], Some(e)) => e.push((None, n.parse().expect("padding width"))),
            (["field", name, n], Some(e)) => e.push((Some(name.to_string()), n.parse().expect("field width"))),
            (["}"], Some(_)) => {
                done = entries.take();
                break;
            }
            (_, Some(_)) if !words.is_empty() => panic!("{}: block {block}: unexpected line {line:?}", file.display()),
            _ => {}
        }
    }
    let entries = done.unwrap_or_else(|| panic!("block {block} not found in {}", file.display()));
    let base = base.expect("no base in the bitfield spec");
    let total: u32 = entries.iter().map(|e| e.1).sum();
    assert_eq!(total, base, "block {block} does not fill one {base}-bit word");
    let module = screaming_snake(block.trim_start_matches("seL4_")).to_ascii_lowercase();
    let mut text = format!("    /// `{block}`, from {}.\n    pub mod {module} {{\n", file.file_name().unwrap().to_string_lossy());
    let mut top = base;
    for (name, bits) in entries {
        top -= bits;
        if let Some(name) = name {
            let upper = screaming_snake(&name);
            text.push_str(&format!("        pub const {upper}_SHIFT: u32 = {top};\n        pub const {upper}_BITS: u32 = {bits};\n"));
        }
    }
    text.push_str("    }\n");
    text
}
