// SPDX-License-Identifier: BSD-2-Clause
//! mkimage: MINIX v3 images from host directory trees, with the minixfs
//! crate the FS server runs.
//!
//! ```text
//! mkimage --size <KiB> [--block-size 1024] [--inodes N] --out <image> <dir>
//! mkimage --add <image> <dir>
//! mkimage --list <image>
//! mkimage --ino <image> <path>
//! ```
//!
//! `--out` formats a new image and copies `<dir>` into its root; `--add`
//! copies `<dir>` into the root of an existing image (one made by
//! `mkfs.minix -3`, say); `--list` prints the tree (format in `list.rs`).

mod copy;
mod filedev;
mod list;

use filedev::FileDevice;
use minixfs::{mkfs, FileSystem, FormatOptions, ROOT_INO};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  mkimage --size <KiB> [--block-size 1024|2048|4096] [--inodes N] --out <image> <dir>
  mkimage --add <image> <dir>
  mkimage --list <image>
  mkimage --ino <image> <path>";

enum Cmd {
    Build { size_kib: u64, block_size: u32, inodes: u32, out: PathBuf, dir: PathBuf },
    Add { image: PathBuf, dir: PathBuf },
    List { image: PathBuf },
    Ino { image: PathBuf, path: String },
}

fn parse(args: &[String]) -> Result<Cmd, String> {
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
        (Some(size_kib), Some(out), None, None, 1) => Ok(Cmd::Build { size_kib, block_size, inodes, out, dir: rest.remove(0) }),
        (None, None, Some(image), None, 1) => Ok(Cmd::Add { image, dir: rest.remove(0) }),
        (None, None, None, Some(image), 0) => Ok(Cmd::List { image }),
        _ => Err("expected exactly one of --out (with --size), --add or --list".into()),
    }
}

fn run(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Build { size_kib, block_size, inodes, out, dir } => {
            let mut dev = FileDevice::create(&out, size_kib * 1024).map_err(|e| format!("{}: {e}", out.display()))?;
            let opts = FormatOptions { block_size, inodes, ..Default::default() };
            mkfs(&mut dev, &opts).map_err(|e| format!("mkfs: {}", e.name()))?;
            fill(dev, &dir)
        }
        Cmd::Add { image, dir } => {
            let dev = FileDevice::open(&image, true).map_err(|e| format!("{}: {e}", image.display()))?;
            fill(dev, &dir)
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

fn fill(dev: FileDevice, dir: &std::path::Path) -> Result<(), String> {
    let mut fs = FileSystem::mount(dev).map_err(|e| format!("mount: {}", e.name()))?;
    copy::copy_tree(&mut fs, dir, ROOT_INO)?;
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
