// SPDX-License-Identifier: BSD-2-Clause
//! mkimage: MINIX v3 images from host directory trees, with the minixfs
//! crate the FS server runs.
//!
//! ```text
//! mkimage --size <KiB> [--block-size 1024] [--inodes N] [--node SPEC]... --out <image> <dir>
//! mkimage [--node SPEC]... --add <image> <dir>
//! mkimage --list <image>
//! mkimage --ino <image> <path>
//! ```
//!
//! `--out` formats a new image and copies `<dir>` into its root; `--add`
//! copies `<dir>` into the root of an existing image (one made by
//! `mkfs.minix -3`, say); `--list` prints the tree (format in `list.rs`).
//! `--node PATH:c:MAJOR:MINOR:MODE` (or `b` for a block device) makes a
//! device file after the copy (its directory must be in the tree; one
//! already there is left alone): device files need no root privilege on
//! the host this way, and none live in the repository.

mod copy;
mod filedev;
mod list;

use filedev::FileDevice;
use minixfs::{mkfs, FileSystem, FormatOptions, ROOT_INO};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  mkimage --size <KiB> [--block-size 1024|2048|4096] [--inodes N] [--node PATH:c|b:MAJOR:MINOR:MODE]... --out <image> <dir>
  mkimage [--node PATH:c|b:MAJOR:MINOR:MODE]... --add <image> <dir>
  mkimage --list <image>
  mkimage --ino <image> <path>";

enum Cmd {
    Build { size_kib: u64, block_size: u32, inodes: u32, out: PathBuf, dir: PathBuf, nodes: Vec<Node> },
    Add { image: PathBuf, dir: PathBuf, nodes: Vec<Node> },
    List { image: PathBuf },
    Ino { image: PathBuf, path: String },
}

/// A device file `--node` asks for.
#[derive(Debug, PartialEq)]
struct Node {
    path: String,
    mode: u16,
    dev: u32,
}

fn node(spec: &str) -> Result<Node, String> {
    let bad = || format!("--node {spec}: expected PATH:c|b:MAJOR:MINOR:MODE (mode in octal)");
    let parts: Vec<&str> = spec.split(':').collect();
    let [path, kind, major, minor, mode] = parts[..] else { return Err(bad()) };
    let ty = match kind {
        "c" => minixfs::inode::S_IFCHR,
        "b" => minixfs::inode::S_IFBLK,
        _ => return Err(bad()),
    };
    let major: u32 = major.parse().map_err(|_| bad())?;
    let minor: u32 = minor.parse().map_err(|_| bad())?;
    let mode = u16::from_str_radix(mode, 8).map_err(|_| bad())?;
    if major > 255 || minor > 255 || mode > 0o7777 || !path.starts_with('/') || path.ends_with('/') {
        return Err(bad());
    }
    Ok(Node { path: path.to_string(), mode: ty | mode, dev: major << 8 | minor })
}

fn parse(args: &[String]) -> Result<Cmd, String> {
    let mut nodes = Vec::new();
    let mut size = None;
    let mut block_size = 1024;
    let mut inodes = 0;
    let mut out = None;
    let mut add = None;
    let mut list = None;
    let mut ino = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{a} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{a}: not a number: {v}"));
        match a.as_str() {
            "--size" => size = Some(number(value()?)?),
            "--block-size" => block_size = number(value()?)? as u32,
            "--inodes" => inodes = number(value()?)? as u32,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--add" => add = Some(PathBuf::from(value()?)),
            "--list" => list = Some(PathBuf::from(value()?)),
            "--ino" => ino = Some(PathBuf::from(value()?)),
            "--node" => nodes.push(node(&value()?)?),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => rest.push(PathBuf::from(a)),
        }
    }
    if let Some(image) = ino {
        return match (size, out, add, list, rest.len()) {
            (None, None, None, None, 1) => Ok(Cmd::Ino { image, path: rest.remove(0).to_string_lossy().into_owned() }),
            _ => Err("--ino takes an image and one path".into()),
        };
    }
    match (size, out, add, list, rest.len()) {
        (Some(size_kib), Some(out), None, None, 1) => Ok(Cmd::Build { size_kib, block_size, inodes, out, dir: rest.remove(0), nodes }),
        (None, None, Some(image), None, 1) => Ok(Cmd::Add { image, dir: rest.remove(0), nodes }),
        (None, None, None, Some(image), 0) => Ok(Cmd::List { image }),
        _ => Err("expected exactly one of --out (with --size), --add or --list".into()),
    }
}

fn run(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Build { size_kib, block_size, inodes, out, dir, nodes } => {
            let mut dev = FileDevice::create(&out, size_kib * 1024).map_err(|e| format!("{}: {e}", out.display()))?;
            let opts = FormatOptions { block_size, inodes, ..Default::default() };
            mkfs(&mut dev, &opts).map_err(|e| format!("mkfs: {}", e.name()))?;
            fill(dev, &dir, &nodes)
        }
        Cmd::Add { image, dir, nodes } => {
            let dev = FileDevice::open(&image, true).map_err(|e| format!("{}: {e}", image.display()))?;
            fill(dev, &dir, &nodes)
        }
        Cmd::List { image } => {
            let dev = FileDevice::open(&image, false).map_err(|e| format!("{}: {e}", image.display()))?;
            let opts = minixfs::MountOptions { read_only: true, ..Default::default() };
            let mut fs = FileSystem::mount_with(dev, opts).map_err(|e| format!("mount: {}", e.name()))?;
            let mut out = std::io::stdout().lock();
            list::list(&mut fs, &mut out).map_err(|e| e.to_string())
        }
        Cmd::Ino { image, path } => {
            let dev = FileDevice::open(&image, false).map_err(|e| format!("{}: {e}", image.display()))?;
            let opts = minixfs::MountOptions { read_only: true, ..Default::default() };
            let mut fs = FileSystem::mount_with(dev, opts).map_err(|e| format!("mount: {}", e.name()))?;
            let mut ino = ROOT_INO;
            for name in path.split('/').filter(|n| !n.is_empty()) {
                ino = fs.lookup(ino, name.as_bytes()).map_err(|e| format!("{path}: {}", e.name()))?;
            }
            println!("{ino}");
            Ok(())
        }
    }
}

fn fill(dev: FileDevice, dir: &std::path::Path, nodes: &[Node]) -> Result<(), String> {
    let mut fs = FileSystem::mount(dev).map_err(|e| format!("mount: {}", e.name()))?;
    copy::copy_tree(&mut fs, dir, ROOT_INO)?;
    for n in nodes {
        let (parent, name) = n.path.rsplit_once('/').unwrap_or(("", &n.path));
        let mut at = ROOT_INO;
        for part in parent.split('/').filter(|p| !p.is_empty()) {
            at = fs.lookup(at, part.as_bytes()).map_err(|e| format!("--node {}: {}", n.path, e.name()))?;
        }
        if fs.lookup(at, name.as_bytes()).is_err() {
            fs.mknod(at, name.as_bytes(), n.mode, n.dev, 0, 0).map_err(|e| format!("--node {}: {}", n.path, e.name()))?;
        }
    }
    fs.unmount().map_err(|e| format!("unmount: {}", e.name()))?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = parse(&args).and_then(run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("mkimage: {e}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_specs() {
        assert_eq!(node("/dev/null:c:1:3:666"), Ok(Node { path: "/dev/null".into(), mode: minixfs::inode::S_IFCHR | 0o666, dev: 0x103 }));
        assert_eq!(node("/dev/sda:b:8:0:600").map(|n| n.mode), Ok(minixfs::inode::S_IFBLK | 0o600));
        for bad in [
            "dev/null:c:1:3:666",
            "/dev/null:x:1:3:666",
            "/dev/null:c:256:3:666",
            "/dev/null:c:1:3:9",
            "/dev/:c:1:3:666",
            "/dev/null:c:1:3",
        ] {
            assert!(node(bad).is_err(), "{bad}");
        }
    }
}
