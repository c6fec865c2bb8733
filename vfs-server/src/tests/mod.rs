// SPDX-License-Identifier: BSD-2-Clause
//! VFS over the real FS request handling (`fs_server::Server` on a RAM
//! disk made by `minixfs::mkfs`), with a fake VM: user memory is a byte
//! vector per process whose pages are present or not, grants are a table,
//! and a TRY copy through a grant on a page that is not present fails
//! with EFAULT and marks the grant, as VM's copy engine does. So the
//! retry path runs exactly as in the system: FS fails, the revoke reports
//! the mark, VFS has the range fixed and repeats.

mod calls;
mod creat_symlink;
mod exec;
mod fifo;
mod limits;
mod mmap;
mod offsets;
mod pipes;
mod poll;
mod trailing_slash;

use crate::env::{Env, NameSlot, SCRATCH};
use crate::{Outcome, Vfs, STRIPES};
use fs_server::{GrantCopy, Server};
use minix_abi::endpoint::{Endpoint, VFS};
use minix_abi::errno::{Errno, EFAULT, EPERM};
use minix_abi::fs::{self, IO_MAX};
use minix_abi::message::{RawRequest, Reply};
pub use minix_abi::offset::Offset;
use minix_abi::vfs::Request;
use minixfs::{mkfs, FileSystem, FormatOptions, RamDisk};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

pub const PAGE: u64 = 4096;

/// A position the test knows to be one.
pub fn off(v: u64) -> Offset {
    Offset::new(v).unwrap()
}
/// Where every fake process's memory starts.
pub const BASE: u64 = 0x10_0000;
/// Bytes of memory per fake process.
pub const MEM: usize = 4 << 20;

pub struct UserMem {
    pub bytes: Vec<u8>,
    pub present: Vec<bool>,
    /// Next free byte for `put`/`alloc`.
    pub brk: u64,
}

#[derive(Copy, Clone, Debug)]
enum G {
    User { who: u32, addr: u64, len: u64, write: bool },
    Name(usize),
    Scratch,
}

#[derive(Default)]
pub struct Mem {
    pub users: BTreeMap<u32, UserMem>,
    grants: BTreeMap<i32, (G, bool)>,
    next: i32,
    names: [Vec<u8>; 2],
    scratch: Vec<u8>,
    pub saved: BTreeSet<u32>,
    pub replies: Vec<(Endpoint, Reply)>,
    pub fixes: usize,
    /// What VFS told VM: mappings made, cache writes (ino, pos, len, bytes)
    /// and truncations (ino, size).
    pub vm_maps: Vec<(minix_abi::vm::FileMapWord, u64, u64)>,
    pub vm_writes: Vec<(u32, u64, u64, Vec<u8>)>,
    pub vm_truncs: Vec<(u32, u64)>,
    /// Asked at each truncation, when set: whether VFS's state lock is
    /// held (the test's answer goes in `truncs_locked`).
    pub trunc_probe: Option<Box<dyn Fn() -> bool>>,
    pub truncs_locked: Vec<bool>,
    /// VM EXEC calls: (who, description, inode).
    pub vm_execs: Vec<(u32, Vec<u8>, u32)>,
    /// What VM answers the next EXECs (`None`: the entry point).
    pub vm_exec_fails: Option<Errno>,
    /// The monotonic clock (ns), which the test moves.
    pub now: u64,
    /// Every alarm VFS asked the timer driver for, in order.
    pub alarms: Vec<u64>,
    /// The fake random source's last byte (each byte steps it).
    pub random_counter: u8,
}

const NAME_GRANT: [i32; 2] = [1_000_000, 1_000_001];
const SCRATCH_GRANT: i32 = 2_000_000;

impl Mem {
    pub fn user(&mut self, who: Endpoint) -> &mut UserMem {
        self.users.entry(who.0).or_insert_with(|| UserMem { bytes: vec![0; MEM], present: vec![false; MEM / PAGE as usize], brk: BASE })
    }

    /// The byte range of `who`'s memory, if all of it is memory.
    fn range(&mut self, who: u32, addr: u64, len: u64) -> Option<(usize, usize)> {
        let off = addr.checked_sub(BASE)?;
        let end = off.checked_add(len)?;
        self.users.get(&who)?;
        if end > MEM as u64 {
            return None;
        }
        Some((off as usize, end as usize))
    }

    fn all_present(&self, who: u32, a: usize, b: usize) -> bool {
        let u = &self.users[&who];
        (a / PAGE as usize..b.div_ceil(PAGE as usize)).all(|p| u.present[p])
    }

    /// A copy through user memory: EFAULT when not memory, or when a
    /// page is not present (then the grant, if any, is marked).
    fn user_bytes(&mut self, who: u32, addr: u64, len: u64, grant: Option<i32>) -> Result<(usize, usize), Errno> {
        let (a, b) = self.range(who, addr, len).ok_or(EFAULT)?;
        if !self.all_present(who, a, b) {
            if let Some(g) = grant {
                self.grants.get_mut(&g).unwrap().1 = true;
            }
            return Err(EFAULT);
        }
        Ok((a, b))
    }
}

/// FS's view: its copies go through the fake grants.
struct FsCopies<'a> {
    mem: &'a RefCell<Mem>,
    buf: Vec<u8>,
}

impl FsCopies<'_> {
    fn resolve(&mut self, grant: i32, len: usize, write: bool) -> Result<G, Errno> {
        let m = self.mem.borrow();
        let (g, _) = *m.grants.get(&grant).or(if grant == SCRATCH_GRANT { Some(&(G::Scratch, false)) } else { None }).ok_or(EPERM)?;
        match g {
            G::User { len: glen, write: w, .. } if len as u64 > glen || (write && !w) => Err(EPERM),
            _ => Ok(g),
        }
    }
}

impl GrantCopy for FsCopies<'_> {
    fn buffer(&mut self) -> Result<&mut [u8], Errno> {
        Ok(&mut self.buf)
    }
    fn window(&mut self) -> Result<&mut [u8], Errno> {
        // The pager lives in the glue; these tests never page in.
        Err(EPERM)
    }
    fn copy_from(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
        assert_eq!(granter, VFS);
        match self.resolve(grant, len, false)? {
            G::User { who, addr, .. } => {
                let mut m = self.mem.borrow_mut();
                let (a, b) = m.user_bytes(who, addr, len as u64, Some(grant))?;
                self.buf[..len].copy_from_slice(&m.users[&who].bytes[a..b]);
            }
            G::Name(i) => {
                let m = self.mem.borrow();
                let src = m.names[i].get(..len).ok_or(EPERM)?;
                self.buf[..len].copy_from_slice(src);
            }
            G::Scratch => return Err(EPERM),
        }
        Ok(())
    }
    fn copy_to(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
        assert_eq!(granter, VFS);
        match self.resolve(grant, len, true)? {
            G::User { who, addr, .. } => {
                let mut m = self.mem.borrow_mut();
                let (a, b) = m.user_bytes(who, addr, len as u64, Some(grant))?;
                m.users.get_mut(&who).unwrap().bytes[a..b].copy_from_slice(&self.buf[..len]);
            }
            G::Scratch if len <= SCRATCH => self.mem.borrow_mut().scratch[..len].copy_from_slice(&self.buf[..len]),
            _ => return Err(EPERM),
        }
        Ok(())
    }
}

pub struct World {
    pub mem: RefCell<Mem>,
    pub fs: RefCell<Server<RamDisk>>,
}

pub type TestVfs = Vfs<spin::Mutex<()>>;

pub fn new_vfs() -> TestVfs {
    use lock_api::RawMutex;
    Vfs::new(spin::Mutex::<()>::INIT, core::array::from_fn::<_, STRIPES, _>(|_| spin::Mutex::<()>::INIT), spin::Mutex::<()>::INIT)
}

impl World {
    pub fn new(kib: usize) -> World {
        let mut d = RamDisk::new(kib * 1024);
        mkfs(&mut d, &FormatOptions::default()).unwrap();
        let fs = Server::new(FileSystem::mount(d).unwrap(), 1);
        let mem = Mem { scratch: vec![0; SCRATCH], next: 1, ..Default::default() };
        World { mem: RefCell::new(mem), fs: RefCell::new(fs) }
    }

    /// A world whose disk has `/dev` with null (1, 3), zero (1, 5), full
    /// (1, 7) and a device no driver serves (9, 9).
    pub fn with_devices(kib: usize) -> World {
        let mut d = RamDisk::new(kib * 1024);
        mkfs(&mut d, &FormatOptions::default()).unwrap();
        let mut f = FileSystem::mount(d).unwrap();
        let dev = f.mkdir(1, b"dev", 0o755, 0, 0).unwrap();
        for (name, num) in [(&b"null"[..], 0x103), (b"zero", 0x105), (b"full", 0x107), (b"urandom", 0x109), (b"nodriver", 0x909)] {
            f.mknod(dev, name, 0o020666, num, 0, 0).unwrap();
        }
        let fs = Server::new(f, 1);
        let mem = Mem { scratch: vec![0; SCRATCH], next: 1, ..Default::default() };
        World { mem: RefCell::new(mem), fs: RefCell::new(fs) }
    }
}

impl Env for &World {
    fn fs(&mut self, req: fs::Request) -> Reply {
        let mut io = FsCopies { mem: &self.mem, buf: vec![0; IO_MAX as usize] };
        self.fs.borrow_mut().execute(VFS, &req, &mut io)
    }
    fn grant_user(&mut self, who: Endpoint, addr: u64, len: u64, write: bool) -> Result<i32, Errno> {
        let mut m = self.mem.borrow_mut();
        let g = m.next;
        m.next += 1;
        m.grants.insert(g, (G::User { who: who.0, addr, len, write }, false));
        Ok(g)
    }
    fn revoke(&mut self, grant: i32) -> Result<bool, Errno> {
        Ok(self.mem.borrow_mut().grants.remove(&grant).expect("revoking a live grant").1)
    }
    fn fix(&mut self, who: Endpoint, addr: u64, len: u64, _write: bool) -> Result<(), Errno> {
        let mut m = self.mem.borrow_mut();
        m.fixes += 1;
        let (a, b) = m.range(who.0, addr, len).ok_or(EFAULT)?;
        let u = m.users.get_mut(&who.0).unwrap();
        for p in a / PAGE as usize..b.div_ceil(PAGE as usize) {
            u.present[p] = true;
        }
        Ok(())
    }
    fn try_copy_in(&mut self, who: Endpoint, addr: u64, out: &mut [u8]) -> Result<(), Errno> {
        let mut m = self.mem.borrow_mut();
        let (a, b) = m.user_bytes(who.0, addr, out.len() as u64, None)?;
        out.copy_from_slice(&m.users[&who.0].bytes[a..b]);
        Ok(())
    }
    fn try_copy_out(&mut self, who: Endpoint, addr: u64, data: &[u8]) -> Result<(), Errno> {
        let mut m = self.mem.borrow_mut();
        let (a, b) = m.user_bytes(who.0, addr, data.len() as u64, None)?;
        m.users.get_mut(&who.0).unwrap().bytes[a..b].copy_from_slice(data);
        Ok(())
    }
    fn name_grant(&mut self, slot: NameSlot, name: &[u8]) -> Result<i32, Errno> {
        let i = slot as usize;
        let mut m = self.mem.borrow_mut();
        m.names[i] = name.to_vec();
        m.grants.insert(NAME_GRANT[i], (G::Name(i), false));
        Ok(NAME_GRANT[i])
    }
    fn scratch_grant(&mut self) -> Result<i32, Errno> {
        Ok(SCRATCH_GRANT)
    }
    fn scratch(&mut self, len: usize) -> &[u8] {
        // The tests read what the FS wrote; hand out a leaked copy so the
        // borrow ends here (test-only, small).
        let v = self.mem.borrow().scratch[..len].to_vec();
        Box::leak(v.into_boxed_slice())
    }
    fn save_reply(&mut self, who: Endpoint) -> Result<(), Errno> {
        assert!(self.mem.borrow_mut().saved.insert(who.0), "one saved reply per process");
        Ok(())
    }
    fn reply_saved(&mut self, who: Endpoint, reply: Reply) {
        let mut m = self.mem.borrow_mut();
        assert!(m.saved.remove(&who.0), "answering a process that was not waiting");
        m.replies.push((who, reply));
    }
    fn drop_saved(&mut self, who: Endpoint) {
        self.mem.borrow_mut().saved.remove(&who.0);
    }
    fn pause(&mut self) {
        std::thread::yield_now();
    }
    fn vm_mmap_file(&mut self, map: minix_abi::vm::FileMapWord, addr: u64, len: u64) -> Result<u64, Errno> {
        self.mem.borrow_mut().vm_maps.push((map, addr, len));
        Ok(0x4000_0000)
    }
    fn vm_cache_write(&mut self, src: crate::env::WriteSrc<'_>, ino: u32, pos: u64, len: u64) -> Result<(), Errno> {
        let bytes = match src {
            crate::env::WriteSrc::Bytes(b) => b.to_vec(),
            crate::env::WriteSrc::User { who, addr } => {
                let mut m = self.mem.borrow_mut();
                let (a, b) = m.range(who.0, addr, len).ok_or(EFAULT)?;
                m.users[&who.0].bytes[a..b].to_vec()
            }
        };
        self.mem.borrow_mut().vm_writes.push((ino, pos, len, bytes));
        Ok(())
    }
    fn vm_cache_trunc(&mut self, ino: u32, size: u64) -> Result<(), Errno> {
        let mut m = self.mem.borrow_mut();
        m.vm_truncs.push((ino, size));
        if let Some(locked) = m.trunc_probe.as_ref().map(|probe| probe()) {
            m.truncs_locked.push(locked);
        }
        Ok(())
    }
    fn vm_exec(&mut self, who: Endpoint, desc: &[u8], ino: u32) -> Result<u64, Errno> {
        let mut m = self.mem.borrow_mut();
        m.vm_execs.push((who.0, desc.to_vec(), ino));
        match m.vm_exec_fails {
            Some(e) => Err(e),
            None => {
                let d = minix_abi::exec::Description::parse(desc)?;
                let l =
                    elf_load::parse_head(d.head, d.file_size as u64, minix_abi::exec::IMAGE_LIMIT as u64, minix_abi::exec::PIE_BASE as u64)
                        .map_err(|_| minix_abi::errno::ENOEXEC)?;
                Ok(l.entry)
            }
        }
    }
    fn fill_random(&mut self, out: &mut [u8]) {
        let mut m = self.mem.borrow_mut();
        for b in out {
            m.random_counter = m.random_counter.wrapping_add(0x5b);
            *b = m.random_counter;
        }
    }
    fn now(&mut self) -> u64 {
        self.mem.borrow().now
    }
    fn set_alarm(&mut self, at: u64) -> Result<(), Errno> {
        self.mem.borrow_mut().alarms.push(at);
        Ok(())
    }
}

/// One test process's view: calls VFS as `who`.
pub struct P<'a> {
    pub vfs: &'a TestVfs,
    pub w: &'a World,
    pub who: Endpoint,
}

impl<'a> P<'a> {
    pub fn new(vfs: &'a TestVfs, w: &'a World, who: u32) -> P<'a> {
        w.mem.borrow_mut().user(Endpoint(who));
        P { vfs, w, who: Endpoint(who) }
    }

    pub fn call(&self, req: Request) -> Outcome {
        let (call, words, len) = req.encode();
        let mut env = self.w;
        self.vfs.handle(&mut env, minix_abi::endpoint::Sender::Process(self.who), &RawRequest { call, words, len })
    }

    pub fn reply(&self, req: Request) -> Reply {
        match self.call(req) {
            Outcome::Reply(r) => r,
            o => panic!("{req:?} gave {o:?}"),
        }
    }

    pub fn res(&self, req: Request) -> Result<u64, Errno> {
        self.reply(req).result()
    }

    /// `n` bytes of fresh memory, present or not.
    pub fn alloc(&self, n: usize, present: bool) -> u64 {
        let mut m = self.w.mem.borrow_mut();
        let u = m.user(self.who);
        let at = u.brk.next_multiple_of(PAGE);
        u.brk = at + n as u64;
        if present {
            let a = (at - BASE) as usize;
            for p in a / PAGE as usize..(a + n).div_ceil(PAGE as usize) {
                u.present[p] = true;
            }
        }
        at
    }

    /// Bytes placed in present memory.
    pub fn put(&self, bytes: &[u8]) -> u64 {
        let at = self.alloc(bytes.len().max(1), true);
        self.poke(at, bytes);
        at
    }

    pub fn poke(&self, at: u64, bytes: &[u8]) {
        let mut m = self.w.mem.borrow_mut();
        let off = (at - BASE) as usize;
        m.user(self.who).bytes[off..off + bytes.len()].copy_from_slice(bytes);
    }

    pub fn peek(&self, at: u64, n: usize) -> Vec<u8> {
        let mut m = self.w.mem.borrow_mut();
        let off = (at - BASE) as usize;
        m.user(self.who).bytes[off..off + n].to_vec()
    }

    pub fn path(&self, s: &str) -> minix_abi::vfs::UserPath {
        minix_abi::vfs::UserPath { addr: self.put(s.as_bytes()), len: s.len() as u64 }
    }

    pub fn open(&self, s: &str, flags: u64, mode: u32) -> Result<u32, Errno> {
        self.res(Request::Open { path: self.path(s), flags, mode }).map(|fd| fd as u32)
    }

    pub fn write(&self, fd: u32, data: &[u8]) -> Result<u64, Errno> {
        let addr = self.put(data);
        self.res(Request::Write { fd, buf: minix_abi::vfs::UserBuf { addr, len: data.len() as u64 } })
    }

    pub fn read(&self, fd: u32, n: usize) -> Result<Vec<u8>, Errno> {
        let addr = self.alloc(n.max(1), true);
        let got = self.res(Request::Read { fd, buf: minix_abi::vfs::UserBuf { addr, len: n as u64 } })?;
        Ok(self.peek(addr, got as usize))
    }

    pub fn stat(&self, s: &str) -> Result<fs::Stat, Errno> {
        let buf = self.alloc(fs::STAT_SIZE, true);
        self.res(Request::Stat { path: self.path(s), buf, follow: minix_abi::vfs::Follow::Yes })?;
        Ok(fs::Stat::decode(&self.peek(buf, fs::STAT_SIZE).try_into().unwrap()))
    }

    pub fn close(&self, fd: u32) -> Result<u64, Errno> {
        self.res(Request::Close { fd })
    }
}
