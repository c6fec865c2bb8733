//! Generates `constants.rs` from the seL4 kernel tree that `kernel/build.sh`
//! prepared: invocation labels and object types come from the kernel's own
//! generated headers (compiled and printed by `gen_constants.c`), fault tags
//! from the kernel's bitfield spec. Nothing is typed in by hand.
use std::{env, fs, path::PathBuf, process::Command};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let tree = env::var("SEL4_KERNEL_TREE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest.join("../../target/kernel/src"));
    println!("cargo:rerun-if-env-changed=SEL4_KERNEL_TREE");
    println!("cargo:rerun-if-changed=gen_constants.c");
    println!("cargo:rerun-if-changed=build.rs");
    let autoconf = tree.join("include/plat/pc99/autoconf.h");
    println!("cargo:rerun-if-changed={}", autoconf.display());
    if !autoconf.exists() {
        panic!(
            "seL4 kernel tree not found at {}: run `make kernel` (kernel/build.sh) first",
            tree.display()
        );
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let exe = out.join("gen_constants");
    let inc = |p: &str| format!("-I{}", tree.join(p).display());
    let status = Command::new(env::var("HOST_CC").unwrap_or_else(|_| "cc".into()))
        .args([
            inc("include/plat/pc99"),
            inc(""),
            inc("libsel4/include"),
            inc("libsel4/arch_include/x86"),
            inc("libsel4/sel4_arch_include/x86_64"),
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
            let name = words[1];
            let value: u64 = words[2].parse().expect("tag value");
            let mut upper = String::new();
            let chars: Vec<char> = name.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                // A word starts at an upper-case letter that follows a
                // lower-case one, or that ends an acronym ("VMFault" -> VM_FAULT).
                let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
                let ends_acronym = i > 0
                    && chars[i - 1].is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if c.is_ascii_uppercase() && (prev_lower || ends_acronym) {
                    upper.push('_');
                }
                upper.push(c.to_ascii_uppercase());
            }
            text.push_str(&format!("    pub const {upper}: u64 = {value};\n"));
            seen += 1;
        }
    }
    assert!(seen >= 5, "fault tags not found in {}", bf.display());
    text.push_str("}\n");
    let version = fs::read_to_string(tree.join("VERSION")).expect("reading VERSION");
    println!("cargo:rerun-if-changed={}", tree.join("VERSION").display());
    text.push_str(&format!(
        "/// The kernel version, from the kernel tree's VERSION file.\npub const KERNEL_VERSION: &str = {:?};\n",
        version.trim()
    ));
    fs::write(out.join("constants.rs"), text).unwrap();
}
