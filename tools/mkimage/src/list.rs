// SPDX-License-Identifier: BSD-2-Clause
//! `--list`: the tree of an image, one line per name, depth first in name
//! order, for comparing with what a guest prints:
//!
//! ```text
//! <type> <mode> <links> <uid>:<gid> <size> <fnv1a64|-> <path>[ -> <target>]
//! ```
//!
//! `type` is d, f, l, c, b, p or s; `mode` the permission bits in octal;
//! the checksum is FNV-1a 64 of a regular file's contents in hex, `-`
//! otherwise. A last line counts everything: `total: F files, D dirs,
//! L symlinks, B bytes`.

use minixfs::inode::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG};
use minixfs::{BlockDevice, FileSystem, ROOT_INO};
use std::io::Write;

const MAX_DEPTH: u32 = 256;

/// FNV-1a, 64-bit: small enough to write again in the guest.
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    pub fn new() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
    pub fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
struct Totals {
    files: u64,
    dirs: u64,
    symlinks: u64,
    bytes: u64,
}

pub fn list<D: BlockDevice>(fs: &mut FileSystem<D>, out: &mut impl Write) -> std::io::Result<()> {
    let mut t = Totals::default();
    walk(fs, ROOT_INO, "/", out, &mut t, 0)?;
    writeln!(out, "total: {} files, {} dirs, {} symlinks, {} bytes", t.files, t.dirs, t.symlinks, t.bytes)
}

fn io(e: minixfs::Errno) -> std::io::Error {
    std::io::Error::other(format!("image: {}", e.name()))
}

fn walk<D: BlockDevice>(
    fs: &mut FileSystem<D>,
    ino: u32,
    path: &str,
    out: &mut impl Write,
    t: &mut Totals,
    depth: u32,
) -> std::io::Result<()> {
    // Directories cannot be hard linked, so only a corrupt image is this deep.
    if depth > MAX_DEPTH {
        return Err(std::io::Error::other(format!("{path}: deeper than {MAX_DEPTH} levels")));
    }
    let st = fs.stat(ino).map_err(io)?;
    let kind = match st.mode & S_IFMT {
        S_IFDIR => 'd',
        S_IFREG => 'f',
        S_IFLNK => 'l',
        S_IFCHR => 'c',
        S_IFBLK => 'b',
        S_IFIFO => 'p',
        _ => 's',
    };
    let mut sum = String::from("-");
    let mut tail = String::new();
    match kind {
        'f' => {
            let mut h = Fnv1a64::new();
            let mut buf = vec![0u8; 64 * 1024];
            let mut off = 0u64;
            loop {
                let n = fs.read(ino, off, &mut buf).map_err(io)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                off += n as u64;
            }
            sum = format!("{:016x}", h.finish());
            t.files += 1;
            t.bytes += st.size as u64;
        }
        'l' => {
            let mut buf = vec![0u8; 4096];
            let n = fs.readlink(ino, &mut buf).map_err(io)?;
            tail = format!(" -> {}", String::from_utf8_lossy(&buf[..n]));
            t.symlinks += 1;
        }
        'd' => t.dirs += 1,
        _ => {}
    }
    writeln!(out, "{kind} {:04o} {} {}:{} {} {sum} {path}{tail}", st.mode & 0o7777, st.nlinks, st.uid, st.gid, st.size)?;
    if kind == 'd' {
        let mut entries: Vec<_> = fs.list_dir(ino).map_err(io)?;
        entries.retain(|e| e.name() != b"." && e.name() != b"..");
        entries.sort_by(|a, b| a.name().cmp(b.name()));
        for e in entries {
            let name = String::from_utf8_lossy(e.name());
            let child = if path == "/" { format!("/{name}") } else { format!("{path}/{name}") };
            walk(fs, e.ino, &child, out, t, depth + 1)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Fnv1a64;

    #[test]
    fn fnv1a64_known_values() {
        let h = |s: &[u8]| {
            let mut f = Fnv1a64::new();
            f.update(s);
            f.finish()
        };
        assert_eq!(h(b""), 0xcbf29ce484222325);
        assert_eq!(h(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(h(b"foobar"), 0x85944171f73967e8);
    }
}
