// SPDX-License-Identifier: BSD-2-Clause
//! Every request against a file system made by `minixfs::mkfs` on a RAM
//! disk, through the same decoding and sender checks the glue uses. A fake
//! [`GrantCopy`] stands in for VM's copy engine: a grant is a byte vector,
//! and a grant can be made to fault part-way, as a `CPF_TRY` copy into a
//! page that is not present does.

use super::*;
use minix_abi::endpoint::INIT;
use minix_abi::errno::{EEXIST, EFAULT, EISDIR, ENFILE, ENOSYS, ENOTDIR, ENOTEMPTY, ENXIO};
use minix_abi::fs::{decode_dirent, IO_MAX};
use minixfs::{mkfs, FormatOptions, RamDisk, ROOT_INO};
use std::collections::BTreeMap;

fn off(v: u64) -> Offset {
    Offset::new(v).unwrap()
}

/// VM's copy engine as FS sees it.
struct FakeCopies {
    buf: Vec<u8>,
    /// Grant id -> the granted bytes.
    mem: BTreeMap<i32, Vec<u8>>,
    /// A grant whose copies stop with EFAULT after this many bytes.
    fault: Option<(i32, usize)>,
    copies: usize,
    /// The cache window.
    window: Vec<u8>,
}

impl FakeCopies {
    fn new() -> Self {
        FakeCopies {
            buf: vec![0; IO_MAX as usize],
            mem: BTreeMap::new(),
            fault: None,
            copies: 0,
            window: vec![0; fs::PAGE_IN_MAX as usize * 4096],
        }
    }

    /// How far a copy of `len` bytes through `grant` gets: the whole of it,
    /// or up to the fault. EPERM for an unknown grant or out of range, as
    /// the grant verifier answers.
    fn reach(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(usize, bool), Errno> {
        assert_eq!(granter, VFS, "FS copies only through VFS's grants");
        self.copies += 1;
        let size = self.mem.get(&grant).ok_or(EPERM)?.len();
        if len > size {
            return Err(EPERM);
        }
        Ok(match self.fault {
            Some((g, at)) if g == grant && at < len => (at, true),
            _ => (len, false),
        })
    }
}

impl GrantCopy for FakeCopies {
    fn buffer(&mut self) -> Result<&mut [u8], Errno> {
        Ok(&mut self.buf)
    }
    fn copy_from(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
        let (n, faulted) = self.reach(granter, grant, len)?;
        self.buf[..n].copy_from_slice(&self.mem[&grant][..n]);
        if faulted {
            Err(EFAULT)
        } else {
            Ok(())
        }
    }
    fn copy_to(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
        let (n, faulted) = self.reach(granter, grant, len)?;
        let m = self.mem.get_mut(&grant).expect("checked");
        m[..n].copy_from_slice(&self.buf[..n]);
        if faulted {
            Err(EFAULT)
        } else {
            Ok(())
        }
    }
    fn window(&mut self) -> Result<&mut [u8], Errno> {
        Ok(&mut self.window)
    }
}

/// Directory entries as GETDENTS gave them: (inode, name).
type Entries = Vec<(u64, Vec<u8>)>;

struct T {
    srv: Server<RamDisk>,
    io: FakeCopies,
    next: i32,
}

fn image(kib: usize) -> RamDisk {
    let mut d = RamDisk::new(kib * 1024);
    mkfs(&mut d, &FormatOptions::default()).unwrap();
    d
}

impl T {
    fn new() -> T {
        T { srv: Server::new(FileSystem::mount(image(2048)).unwrap(), 0x301), io: FakeCopies::new(), next: 1 }
    }

    fn grant(&mut self, bytes: &[u8]) -> i32 {
        let g = self.next;
        self.next += 1;
        self.io.mem.insert(g, bytes.to_vec());
        g
    }

    fn from(&mut self, sender: Sender, req: Request) -> Reply {
        let (call, words, len) = req.encode();
        self.srv.handle(sender, &RawRequest { call, words, len }, &mut self.io)
    }

    fn call(&mut self, req: Request) -> Reply {
        self.from(Sender::Process(VFS), req)
    }

    fn status(&mut self, req: Request) -> Result<u64, Errno> {
        self.call(req).result()
    }

    fn name(&mut self, dir: u32, name: &[u8]) -> Name {
        Name { dir, grant: self.grant(name), len: name.len() as u16 }
    }

    fn lookup(&mut self, dir: u32, name: &[u8]) -> Result<Node, Errno> {
        let name = self.name(dir, name);
        Node::from_reply(&self.call(Request::Lookup { name }))
    }

    fn create(&mut self, dir: u32, name: &[u8]) -> Result<Node, Errno> {
        let name = self.name(dir, name);
        Node::from_reply(&self.call(Request::Create { name, mode: 0o100644, uid: 0, gid: 0 }))
    }

    fn mkdir(&mut self, dir: u32, name: &[u8]) -> Result<u64, Errno> {
        let name = self.name(dir, name);
        self.status(Request::Mkdir { name, mode: 0o755, uid: 0, gid: 0 })
    }

    fn write(&mut self, ino: u32, pos: u64, data: &[u8]) -> Result<Io, Errno> {
        let grant = self.grant(data);
        Io::from_reply(&self.call(Request::Write { ino, grant, pos: WritePos::At(off(pos)), bytes: data.len() as u64 }))
    }

    fn read(&mut self, ino: u32, pos: u64, n: usize) -> Result<Vec<u8>, Errno> {
        let grant = self.grant(&vec![0xee; n]);
        let io = Io::from_reply(&self.call(Request::Read { ino, grant, pos: off(pos), bytes: n as u64 }))?;
        assert_eq!(io.pos, pos + io.bytes);
        Ok(self.io.mem[&grant][..io.bytes as usize].to_vec())
    }

    fn stat(&mut self, ino: u32) -> Result<fs::Stat, Errno> {
        let grant = self.grant(&[0; STAT_SIZE]);
        self.status(Request::Stat { ino, grant })?;
        Ok(fs::Stat::decode(self.io.mem[&grant][..].try_into().unwrap()))
    }

    fn statvfs(&mut self) -> StatVfs {
        StatVfs::from_reply(&self.call(Request::Statvfs)).unwrap()
    }

    fn getdents(&mut self, ino: u32, pos: u64, bytes: usize) -> Result<(Entries, u64), Errno> {
        let grant = self.grant(&vec![0; bytes]);
        let io = Io::from_reply(&self.call(Request::Getdents { ino, grant, pos: off(pos), bytes: bytes as u64 }))?;
        let buf = &self.io.mem[&grant][..io.bytes as usize];
        let mut out = Vec::new();
        let mut at = 0;
        while at < buf.len() {
            let d = decode_dirent(&buf[at..]).expect("well-formed record");
            out.push((d.ino, d.name.to_vec()));
            at += d.reclen;
        }
        Ok((out, io.pos))
    }

    fn names(&mut self, dir: u32) -> Vec<Vec<u8>> {
        let (list, _) = self.getdents(dir, 0, 4096).unwrap();
        list.into_iter().map(|(_, n)| n).collect()
    }

    /// Unmounts and checks the image: it mounts again, and util-linux's
    /// `fsck.minix -f` (where installed) finds nothing.
    fn check_consistent(self) {
        let disk = self.srv.into_fs().unmount().unwrap();
        let bytes = disk.into_vec();
        FileSystem::mount(RamDisk::from_vec(bytes.clone())).unwrap();
        let fsck = std::path::Path::new("/usr/sbin/fsck.minix");
        if !fsck.exists() {
            println!("note: fsck.minix is missing (util-linux); skipping that check");
            return;
        }
        let path = std::env::temp_dir().join(format!("fs-server-{}-{:?}.img", std::process::id(), std::thread::current().id()));
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new(fsck).arg("-f").arg(&path).output().unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(out.status.success(), "fsck.minix -f: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn lookup_create_write_read_unlink() {
    let mut t = T::new();
    let before = t.statvfs();
    assert_eq!(t.lookup(ROOT_INO, b"hello"), Err(ENOENT));
    let f = t.create(ROOT_INO, b"hello").unwrap();
    assert_eq!((f.mode, f.nlinks, f.size), (0o100644, 1, 0));
    assert_eq!(t.create(ROOT_INO, b"hello"), Err(EEXIST));
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(t.write(f.ino, 0, &data), Ok(Io { bytes: 5000, pos: 5000 }));
    let found = t.lookup(ROOT_INO, b"hello").unwrap();
    assert_eq!((found.ino, found.size), (f.ino, 5000));
    assert_eq!(t.read(f.ino, 0, 8192).unwrap(), data);
    assert_eq!(t.read(f.ino, 4000, 100).unwrap(), &data[4000..4100]);
    assert_eq!(t.read(f.ino, 5000, 100).unwrap(), b"");
    // Both LOOKUP and CREATE took a reference: the data outlives the name
    // until both are given back.
    let n = t.name(ROOT_INO, b"hello");
    assert_eq!(t.status(Request::Unlink { name: n }), Ok(0));
    assert_eq!(t.lookup(ROOT_INO, b"hello"), Err(ENOENT));
    assert_eq!(t.read(f.ino, 0, 10).unwrap(), &data[..10]);
    assert_eq!(t.status(Request::Putnode { ino: f.ino, count: 2 }), Ok(0));
    assert_eq!(t.read(f.ino, 0, 10), Err(EINVAL));
    assert_eq!(t.statvfs(), before);
    t.check_consistent();
}

#[test]
fn every_request() {
    let mut t = T::new();
    let sv = t.statvfs();
    assert_eq!((sv.block_size, sv.blocks, sv.name_max), (1024, 2048, 60));
    assert!(sv.free_blocks > 0 && sv.free_blocks < sv.blocks && sv.free_files + 1 == sv.files);

    // MKDIR, CREATE, LINK, STAT.
    assert_eq!(t.mkdir(ROOT_INO, b"d"), Ok(0));
    let d = t.lookup(ROOT_INO, b"d").unwrap();
    assert_eq!((d.mode & 0o170000, d.nlinks), (0o040000, 2));
    let f = t.create(d.ino, b"f").unwrap();
    t.write(f.ino, 0, b"0123456789").unwrap();
    let n = t.name(ROOT_INO, b"hard");
    assert_eq!(t.status(Request::Link { name: n, ino: f.ino }), Ok(0));
    let s = t.stat(f.ino).unwrap();
    assert_eq!((s.ino, s.mode, s.nlink, s.size, s.dev, s.blksize, s.blocks), (f.ino as u64, 0o100644, 2, 10, 0x301, 1024, 2));

    // CHMOD answers the new mode, keeping the type; UTIME sets both times.
    assert_eq!(t.status(Request::Chmod { ino: f.ino, mode: 0o4600 }), Ok(0o104600));
    assert_eq!(t.status(Request::Utime { ino: f.ino, atime: 1000, mtime: 2000 }), Ok(0));
    let s = t.stat(f.ino).unwrap();
    assert_eq!((s.mode, s.atime, s.mtime), (0o104600, 1000, 2000));
    // CHOWN sets either id or both, keeping the other, and answers the mode.
    assert_eq!(t.status(Request::Chown { ino: f.ino, uid: Some(1000), gid: None }), Ok(0o104600));
    let s = t.stat(f.ino).unwrap();
    assert_eq!((s.uid, s.gid), (1000, 0));
    assert_eq!(t.status(Request::Chown { ino: f.ino, uid: None, gid: Some(50) }), Ok(0o104600));
    let s = t.stat(f.ino).unwrap();
    assert_eq!((s.uid, s.gid), (1000, 50));
    assert!(t.status(Request::Chown { ino: 60000, uid: Some(1), gid: Some(1) }).is_err());

    // FTRUNC: a range freed reads zero, end 0 truncates.
    t.write(f.ino, 0, &[7; 3000]).unwrap();
    assert_eq!(t.status(Request::Ftrunc { ino: f.ino, start: off(1024), end: off(2048) }), Ok(0));
    // SEEK_DATA and SEEK_HOLE see the freed block (1 KiB blocks here):
    // data at 0, a hole from 1024, data again from 2048, the end a hole.
    let seek = |t: &mut T, pos: u64, hole: bool| t.status(Request::SeekData { ino: f.ino, pos: off(pos), hole });
    assert_eq!(seek(&mut t, 0, true), Ok(1024));
    assert_eq!(seek(&mut t, 1024, false), Ok(2048));
    assert_eq!(seek(&mut t, 1500, true), Ok(1500), "inside a hole: where it is");
    assert_eq!(seek(&mut t, 2048, true), Ok(3000), "the end counts as a hole");
    assert_eq!(seek(&mut t, 3000, false), Err(ENXIO), "at the end");
    let back = t.read(f.ino, 0, 3000).unwrap();
    assert!(back[..1024].iter().all(|&b| b == 7) && back[1024..2048].iter().all(|&b| b == 0) && back[2048..].iter().all(|&b| b == 7));
    assert_eq!(t.status(Request::Ftrunc { ino: f.ino, start: off(100), end: Offset::ZERO }), Ok(0));
    assert_eq!(t.stat(f.ino).unwrap().size, 100);

    // SYMLINK and RDLINK, cut to the buffer.
    let name = t.name(d.ino, b"ln");
    let target = t.grant(b"../hard");
    assert_eq!(t.status(Request::Symlink { name, uid: 3, gid: 4, target, target_len: 7 }), Ok(0));
    let l = t.lookup(d.ino, b"ln").unwrap();
    assert_eq!((l.mode, l.uid, l.gid, l.size), (0o120777, 3, 4, 7));
    let buf = t.grant(&[0; 64]);
    assert_eq!(t.status(Request::Rdlink { ino: l.ino, grant: buf, bytes: 64 }), Ok(7));
    assert_eq!(&t.io.mem[&buf][..7], b"../hard");
    let small = t.grant(&[0; 3]);
    assert_eq!(t.status(Request::Rdlink { ino: l.ino, grant: small, bytes: 3 }), Ok(3));
    assert_eq!(&t.io.mem[&small][..], b"../");
    assert_eq!(t.status(Request::Rdlink { ino: f.ino, grant: buf, bytes: 64 }), Err(EINVAL));

    // GETDENTS: every entry once, across small buffers.
    assert_eq!(t.names(d.ino), [&b"."[..], b"..", b"f", b"ln"]);
    let (first, pos) = t.getdents(d.ino, 0, 40).unwrap();
    assert_eq!(first.iter().map(|(_, n)| n.as_slice()).collect::<Vec<_>>(), [&b"."[..], b".."]);
    let (rest, pos) = t.getdents(d.ino, pos, 40).unwrap();
    assert_eq!(rest.iter().map(|(_, n)| n.as_slice()).collect::<Vec<_>>(), [&b"f"[..], b"ln"]);
    assert_eq!(rest[0].0, f.ino as u64);
    assert_eq!(t.getdents(d.ino, pos, 40).unwrap().0, []);
    assert_eq!(t.getdents(d.ino, 0, 8), Err(EINVAL), "no room for one record");
    assert_eq!(t.getdents(f.ino, 0, 4096), Err(ENOTDIR));

    // RENAME across directories, over an existing file.
    let other = t.create(ROOT_INO, b"other").unwrap();
    let (old, new) = (t.name(ROOT_INO, b"hard"), t.name(ROOT_INO, b"other"));
    assert_eq!(t.status(Request::Rename { old, new }), Ok(0));
    assert_eq!(t.lookup(ROOT_INO, b"other").unwrap().ino, f.ino);
    assert_eq!(t.status(Request::Putnode { ino: other.ino, count: 1 }), Ok(0));
    assert_eq!(t.stat(other.ino), Err(EINVAL), "replaced and released: freed");
    let (old, new) = (t.name(ROOT_INO, b"d"), t.name(ROOT_INO, b"e"));
    assert_eq!(t.status(Request::Rename { old, new }), Ok(0));

    // RMDIR refuses a full directory; UNLINK refuses a directory.
    let n = t.name(ROOT_INO, b"e");
    assert_eq!(t.status(Request::Rmdir { name: n }), Err(ENOTEMPTY));
    assert_eq!(t.status(Request::Unlink { name: n }), Err(EPERM));
    for name in [&b"f"[..], b"ln"] {
        let n = t.name(d.ino, name);
        assert_eq!(t.status(Request::Unlink { name: n }), Ok(0));
    }
    assert_eq!(t.status(Request::Rmdir { name: n }), Ok(0));
    // Removed, but VFS still holds d: it lives on, empty and nameless.
    assert_eq!(t.lookup(d.ino, b"."), Err(ENOENT));
    assert_eq!(t.stat(d.ino).map(|s| s.nlink), Ok(0));

    // READ of a directory, SYNC, PUTNODE of what is left.
    assert_eq!(t.read(ROOT_INO, 0, 10), Err(EISDIR));
    assert_eq!(t.status(Request::Sync), Ok(0));
    for ino in [d.ino, f.ino, f.ino, l.ino] {
        assert_eq!(t.status(Request::Putnode { ino, count: 1 }), Ok(0), "{ino}");
    }
    assert_eq!(t.stat(d.ino), Err(EINVAL), "the last reference freed d");
    assert_eq!(t.status(Request::Putnode { ino: f.ino, count: 1 }), Err(EINVAL), "no reference left");
    t.check_consistent();
}

#[test]
fn copy_faults_fail_fast_and_change_nothing() {
    let mut t = T::new();
    let f = t.create(ROOT_INO, b"f").unwrap();
    t.write(f.ino, 0, &[1; 3000]).unwrap();
    let before = t.statvfs();

    // WRITE whose source faults half-way: EFAULT, no byte written, no block
    // taken, the size unchanged. The grant extends the file past its end.
    let g = t.grant(&[2; 8000]);
    t.io.fault = Some((g, 4096));
    assert_eq!(t.status(Request::Write { ino: f.ino, grant: g, pos: WritePos::At(off(1000)), bytes: 8000 }), Err(EFAULT));
    assert_eq!(t.read(f.ino, 0, 10_000).unwrap(), vec![1; 3000]);
    assert_eq!(t.statvfs(), before);
    // VFS repeats the request once VM made the page present.
    t.io.fault = None;
    assert_eq!(t.status(Request::Write { ino: f.ino, grant: g, pos: WritePos::At(off(1000)), bytes: 8000 }), Ok(8000));
    assert_eq!(t.stat(f.ino).unwrap().size, 9000);

    // READ whose destination faults: EFAULT, never a partial count.
    let g = t.grant(&[0; 9000]);
    t.io.fault = Some((g, 100));
    assert_eq!(t.status(Request::Read { ino: f.ino, grant: g, pos: Offset::ZERO, bytes: 9000 }), Err(EFAULT));
    t.io.fault = Some((g, 0));
    assert_eq!(t.status(Request::Read { ino: f.ino, grant: g, pos: Offset::ZERO, bytes: 9000 }), Err(EFAULT));

    // STAT, GETDENTS and RDLINK into a faulting buffer.
    let g = t.grant(&[0; STAT_SIZE]);
    t.io.fault = Some((g, 8));
    assert_eq!(t.status(Request::Stat { ino: f.ino, grant: g }), Err(EFAULT));
    let g = t.grant(&[0; 512]);
    t.io.fault = Some((g, 0));
    assert_eq!(t.status(Request::Getdents { ino: ROOT_INO, grant: g, pos: Offset::ZERO, bytes: 512 }), Err(EFAULT));
    let name = t.name(ROOT_INO, b"l");
    let target = t.grant(b"f");
    t.io.fault = None;
    assert_eq!(t.status(Request::Symlink { name, uid: 0, gid: 0, target, target_len: 1 }), Ok(0));
    let l = t.lookup(ROOT_INO, b"l").unwrap();
    let g = t.grant(&[0; 16]);
    t.io.fault = Some((g, 0));
    assert_eq!(t.status(Request::Rdlink { ino: l.ino, grant: g, bytes: 16 }), Err(EFAULT));
    t.io.fault = None;
    let before = t.statvfs();

    // Names and a symlink's target that fault: nothing is created.
    for (i, req) in ["create", "mkdir", "symlink-name", "symlink-target", "link", "rename"].into_iter().enumerate() {
        let name = t.name(ROOT_INO, format!("n{i}").as_bytes());
        let target = t.grant(b"somewhere");
        t.io.fault = Some((if req == "symlink-target" { target } else { name.grant }, 1));
        let r = match req {
            "create" => Request::Create { name, mode: 0o644, uid: 0, gid: 0 },
            "mkdir" => Request::Mkdir { name, mode: 0o755, uid: 0, gid: 0 },
            "link" => Request::Link { name, ino: f.ino },
            "rename" => Request::Rename { old: t.name(ROOT_INO, b"f"), new: name },
            _ => Request::Symlink { name, uid: 0, gid: 0, target, target_len: 9 },
        };
        assert_eq!(t.status(r), Err(EFAULT), "{req}");
        t.io.fault = None;
        assert_eq!(t.lookup(ROOT_INO, format!("n{i}").as_bytes()), Err(ENOENT), "{req}");
    }
    assert_eq!(t.names(ROOT_INO), [&b"."[..], b"..", b"f", b"l"]);
    assert_eq!(t.statvfs(), before);
    assert_eq!(t.stat(f.ino).unwrap().nlink, 1);
    t.check_consistent();
}

#[test]
fn bad_inodes_and_long_names() {
    let mut t = T::new();
    let ninodes = t.statvfs().files;
    let g = t.grant(&[0; 64]);
    let f = t.create(ROOT_INO, b"f").unwrap();
    // 0, past the table, a free inode: EINVAL everywhere.
    for ino in [0, ninodes + 1, u32::MAX, f.ino + 1] {
        let name = Name { dir: ino, grant: g, len: 1 };
        for req in [
            Request::Read { ino, grant: g, pos: Offset::ZERO, bytes: 8 },
            Request::Write { ino, grant: g, pos: WritePos::At(Offset::ZERO), bytes: 8 },
            Request::Stat { ino, grant: g },
            Request::Getdents { ino, grant: g, pos: Offset::ZERO, bytes: 64 },
            Request::Rdlink { ino, grant: g, bytes: 8 },
            Request::Chmod { ino, mode: 0o644 },
            Request::Utime { ino, atime: 0, mtime: 0 },
            Request::Ftrunc { ino, start: Offset::ZERO, end: Offset::ZERO },
            Request::Putnode { ino, count: 1 },
            Request::Lookup { name },
            Request::Create { name, mode: 0o644, uid: 0, gid: 0 },
            Request::Mkdir { name, mode: 0o755, uid: 0, gid: 0 },
            Request::Unlink { name },
            Request::Rmdir { name },
            Request::Link { name: Name { dir: ROOT_INO, grant: g, len: 1 }, ino },
        ] {
            assert_eq!(t.status(req), Err(EINVAL), "{req:?}");
        }
    }
    // A count of 0, or more than are held.
    assert_eq!(t.status(Request::Putnode { ino: f.ino, count: 0 }), Err(EINVAL));
    assert_eq!(t.status(Request::Putnode { ino: f.ino, count: 2 }), Err(EINVAL));

    // 60 bytes is the longest name; 61 and more give ENAMETOOLONG (MINIX
    // would cut them), with no copy made. An empty name is ENOENT.
    let sixty = [b'x'; 60];
    assert_eq!(t.create(ROOT_INO, &sixty).map(|_| ()), Ok(()));
    assert_eq!(t.lookup(ROOT_INO, &sixty).map(|n| n.size), Ok(0));
    let copies = t.io.copies;
    for len in [61u16, 200, u16::MAX] {
        let name = Name { dir: ROOT_INO, grant: t.grant(&vec![b'y'; len as usize]), len };
        for req in [
            Request::Lookup { name },
            Request::Create { name, mode: 0o644, uid: 0, gid: 0 },
            Request::Mkdir { name, mode: 0o755, uid: 0, gid: 0 },
            Request::Unlink { name },
            Request::Rmdir { name },
            Request::Link { name, ino: f.ino },
            Request::Rename { old: name, new: name },
            Request::Symlink { name, uid: 0, gid: 0, target: g, target_len: 1 },
        ] {
            assert_eq!(t.status(req), Err(ENAMETOOLONG), "{req:?}");
        }
    }
    let empty = Name { dir: ROOT_INO, grant: g, len: 0 };
    assert_eq!(t.status(Request::Lookup { name: empty }), Err(ENOENT));
    assert_eq!(t.io.copies, copies, "refused names are never copied");
    // A symlink target as long as a block, or empty.
    let name = t.name(ROOT_INO, b"s");
    let long = t.grant(&[b'z'; 1024]);
    assert_eq!(t.status(Request::Symlink { name, uid: 0, gid: 0, target: long, target_len: 1024 }), Err(ENAMETOOLONG));
    assert_eq!(t.status(Request::Symlink { name, uid: 0, gid: 0, target: long, target_len: 0 }), Err(ENOENT));
    // Names with a slash or a NUL.
    assert_eq!(t.create(ROOT_INO, b"a/b"), Err(EINVAL));
    assert_eq!(t.create(ROOT_INO, b"a\0"), Err(EINVAL));
    // A grant shorter than the name: the copy engine's EPERM.
    let short = Name { dir: ROOT_INO, grant: t.grant(b"ab"), len: 5 };
    assert_eq!(t.status(Request::Lookup { name: short }), Err(EPERM));
    t.check_consistent();
}

#[test]
fn only_vfs_and_pm_statvfs() {
    let mut t = T::new();
    let g = t.grant(&[0; 8]);
    assert!(t.from(Sender::Process(PM), Request::Statvfs).result().is_ok());
    for req in [Request::Sync, Request::Stat { ino: ROOT_INO, grant: g }, Request::Putnode { ino: ROOT_INO, count: 1 }] {
        assert_eq!(t.from(Sender::Process(PM), req), Reply::err(EPERM), "{req:?}");
    }
    for sender in
        [Sender::Process(INIT), Sender::Process(minix_abi::endpoint::VM), Sender::Unbadged, Sender::Unknown(99), Sender::Fault(VFS)]
    {
        assert_eq!(t.from(sender, Request::Statvfs), Reply::err(EPERM), "{sender:?}");
        assert_eq!(t.from(sender, Request::Sync), Reply::err(EPERM), "{sender:?}");
    }
    // From VFS: unknown calls and malformed ones are the decoder's.
    let io = &mut t.io;
    let junk = RawRequest { call: 0xfffff, words: [u64::MAX; 4], len: 127 };
    assert_eq!(t.srv.handle(Sender::Process(VFS), &junk, io), Reply::err(ENOSYS));
    let short = RawRequest { call: fs::READ, words: [0; 4], len: 1 };
    assert_eq!(t.srv.handle(Sender::Process(VFS), &short, io), Reply::err(EINVAL));
    assert_eq!(t.srv.handle(Sender::Process(INIT), &junk, io), Reply::err(EPERM));
}

#[test]
fn large_transfers_and_holes() {
    let mut t = T::new();
    let f = t.create(ROOT_INO, b"big").unwrap();
    // A full bounce buffer at a time, leaving a hole between.
    let data: Vec<u8> = (0..IO_MAX as u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(t.write(f.ino, 0, &data), Ok(Io { bytes: IO_MAX, pos: IO_MAX }));
    assert_eq!(t.write(f.ino, 3 * IO_MAX, &data).map(|io| io.pos), Ok(4 * IO_MAX));
    assert_eq!(t.read(f.ino, 0, IO_MAX as usize).unwrap(), data);
    assert!(t.read(f.ino, IO_MAX, IO_MAX as usize).unwrap().iter().all(|&b| b == 0));
    assert_eq!(t.read(f.ino, 3 * IO_MAX, IO_MAX as usize).unwrap(), data);
    let raw = RawRequest { call: fs::READ, words: [fs::node_word(f.ino, 1), 0, IO_MAX + 1, 0], len: 3 };
    assert_eq!(t.srv.handle(Sender::Process(VFS), &raw, &mut t.io), Reply::err(EINVAL));
    // A write past the largest file size is EFBIG and writes nothing.
    let max = t.srv.fs().max_file_size() as u64;
    assert_eq!(t.write(f.ino, max, b"x"), Err(minix_abi::errno::EFBIG));
    t.check_consistent();
}

#[test]
fn mem_disk_serves_an_image_in_place() {
    let mut bytes = image(512).into_vec();
    {
        let fs = FileSystem::mount(MemDisk(&mut bytes)).unwrap();
        let mut srv = Server::new(fs, 0);
        let mut io = FakeCopies::new();
        io.mem.insert(1, b"kept".to_vec());
        let (call, words, len) = Request::Create { name: Name { dir: ROOT_INO, grant: 1, len: 4 }, mode: 0o644, uid: 0, gid: 0 }.encode();
        assert!(srv.handle(Sender::Process(VFS), &RawRequest { call, words, len }, &mut io).result().is_ok());
        srv.into_fs().unmount().unwrap();
    }
    let mut fs = FileSystem::mount(RamDisk::from_vec(bytes)).unwrap();
    assert!(fs.lookup(ROOT_INO, b"kept").is_ok());
    // Blocks outside the disk are EIO, not a panic.
    let mut small = [0u8; 100];
    let mut d = MemDisk(&mut small);
    assert_eq!(d.read_block(0, &mut [0; 1024]), Err(EIO));
    assert_eq!(d.write_block(u64::MAX, &[0; 1024]), Err(EIO));
}

#[test]
fn lookup_inline_finds_what_lookup_finds() {
    let mut t = T::new();
    let made = t.create(ROOT_INO, b"sixteen_bytes_ok").unwrap();
    let inline = |t: &mut T, name: &[u8]| {
        Node::from_reply(&t.call(Request::LookupInline { dir: ROOT_INO, len: name.len() as u16, bytes: fs::inline_name(name).unwrap() }))
    };
    let copies = t.io.copies;
    assert_eq!(inline(&mut t, b"sixteen_bytes_ok").unwrap().ino, made.ino);
    assert_eq!(t.io.copies, copies, "an inline name is never copied");
    assert_eq!(inline(&mut t, b".").unwrap().ino, ROOT_INO);
    assert_eq!(inline(&mut t, b"missing").err(), Some(ENOENT));
    assert_eq!(inline(&mut t, b"").err(), Some(ENOENT));
    // Seventeen bytes do not fit: the decoder refuses them.
    let (call, mut words, _) = Request::LookupInline { dir: ROOT_INO, len: 16, bytes: [0; 2] }.encode();
    words[1] = 17;
    assert_eq!(t.srv.handle(Sender::Process(VFS), &RawRequest { call, words, len: 4 }, &mut t.io).result(), Err(EINVAL));
    // Both references (made, and the inline lookup's) go back.
    t.status(Request::Putnode { ino: made.ino, count: 2 }).unwrap();
}

#[test]
fn page_in_reads_into_the_window_only() {
    let mut t = T::new();
    let f = t.create(ROOT_INO, b"mapped").unwrap();
    let data: Vec<u8> = (0..4096u32).map(|i| (i % 253) as u8).collect();
    t.write(f.ino, 0, &data).unwrap();
    t.write(f.ino, 2 * 4096, &data[..10]).unwrap();
    t.io.window.fill(0x55);
    let grants_before = t.io.copies;
    let r = t.call(Request::PageIn { ino: f.ino, page: 0, count: 4 });
    assert_eq!(r.result(), Ok(2 * 4096 + 10));
    assert_eq!(r.vals[0], 0b10, "page 1 is a hole");
    assert_eq!(&t.io.window[..4096], &data[..]);
    assert!(t.io.window[4096..2 * 4096].iter().all(|&b| b == 0));
    assert_eq!(&t.io.window[2 * 4096..2 * 4096 + 10], &data[..10]);
    assert!(t.io.window[2 * 4096 + 10..].iter().all(|&b| b == 0x55), "past the end stays as VM left it");
    assert_eq!(t.io.copies, grants_before, "no grant copy");
    // Past the end: nothing. Bad counts and directories are refused.
    assert_eq!(t.call(Request::PageIn { ino: f.ino, page: 9, count: 1 }).result(), Ok(0));
    let raw = RawRequest { call: fs::PAGE_IN, words: [f.ino as u64, 0, 17, 0], len: 3 };
    assert_eq!(t.srv.handle(Sender::Process(VFS), &raw, &mut t.io), Reply::err(EINVAL));
    let raw = RawRequest { call: fs::PAGE_IN, words: [f.ino as u64, 0, 0, 0], len: 3 };
    assert_eq!(t.srv.handle(Sender::Process(VFS), &raw, &mut t.io), Reply::err(EINVAL));
    assert_eq!(t.call(Request::PageIn { ino: ROOT_INO, page: 0, count: 1 }).result(), Err(EISDIR));
    // Only VFS.
    assert_eq!(t.from(Sender::Process(INIT), Request::PageIn { ino: f.ino, page: 0, count: 1 }).result(), Err(EPERM));
    t.check_consistent();
}

#[test]
fn unmount_is_pm_only_and_leaves_a_clean_read_only_fs() {
    let mut t = T::new();
    let f = t.create(ROOT_INO, b"kept").unwrap();
    t.write(f.ino, 0, b"durable").unwrap();
    for sender in [Sender::Process(VFS), Sender::Process(INIT)] {
        assert_eq!(t.from(sender, Request::Unmount), Reply::err(EPERM), "{sender:?}");
    }
    assert_eq!(t.from(Sender::Process(PM), Request::Unmount).result(), Ok(0));
    assert_eq!(t.write(f.ino, 0, b"x"), Err(minix_abi::errno::EROFS), "no change after shutdown");
    assert_eq!(t.read(f.ino, 0, 7).unwrap(), b"durable");
    // Behind the server's back: the device alone holds a clean image.
    let bytes = t.srv.fs().device_mut().as_bytes().to_vec();
    let again = FileSystem::mount_with(RamDisk::from_vec(bytes), minixfs::MountOptions { read_only: true, cache_blocks: 16 }).unwrap();
    assert!(again.was_clean(), "the clean flag is on the device");
}

/// The table of inodes held open is bounded: past its limit LOOKUP of an
/// inode not held and CREATE answer ENFILE, a create makes nothing, and
/// an inode already held is handed out again.
#[test]
fn inodes_held_open_are_bounded() {
    let mut t = T::new();
    t.srv.fs().set_open_max(2);
    let a = t.create(ROOT_INO, b"a").unwrap();
    let b = t.create(ROOT_INO, b"b").unwrap();
    let before = t.statvfs();
    assert_eq!(t.create(ROOT_INO, b"c"), Err(ENFILE));
    assert_eq!(t.statvfs(), before, "the refused create made no inode");
    assert_eq!(t.lookup(ROOT_INO, b"c"), Err(ENOENT));
    assert_eq!(t.lookup(ROOT_INO, b".."), Err(ENFILE), "the root is not held");
    assert_eq!(t.lookup(ROOT_INO, b"a").map(|n| n.ino), Ok(a.ino), "a held inode is handed out again");
    assert_eq!(t.status(Request::Putnode { ino: b.ino, count: 1 }), Ok(0));
    assert!(t.create(ROOT_INO, b"c").is_ok(), "room again once a reference went back");
    t.check_consistent();
}

#[test]
fn the_server_stamps_the_time_it_is_given() {
    let mut t = T::new();
    t.srv.set_time(1_700_000_000);
    let f = t.create(ROOT_INO, b"stamped").unwrap();
    let s = t.stat(f.ino).unwrap();
    assert_eq!((s.mtime, s.ctime, s.atime), (1_700_000_000, 1_700_000_000, 1_700_000_000));
    t.srv.set_time(1_700_000_100);
    t.write(f.ino, 0, b"x").unwrap();
    assert_eq!(t.stat(f.ino).unwrap().mtime, 1_700_000_100);
}
