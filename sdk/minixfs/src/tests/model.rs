// SPDX-License-Identifier: BSD-2-Clause
//! A randomised workload checked against an in-memory model: every call's
//! result (value or errno) must match, and the whole tree must match after
//! the run. 1 KiB images then go through fsck.minix.

use super::check::verify;
use super::util::unmount_and_fsck;
use crate::*;
use minix_abi::errno::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

const NAMES: [&str; 6] = ["a", "b", "c", "d", "e", "a-name-of-exactly-sixty-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"];

#[derive(Clone, Debug)]
enum Op {
    Create(usize, usize),
    Write { file: usize, off: u32, len: u16, byte: u8 },
    Truncate(usize, u32),
    Rename(usize, usize, usize, usize),
    Unlink(usize, usize),
    Mkdir(usize, usize),
    Rmdir(usize, usize),
    Link(usize, usize, usize),
    Symlink(usize, usize, u8),
    Open(usize),
    Close(usize),
    Remount,
}

fn op() -> impl Strategy<Value = Op> {
    let ix = 0..64usize;
    let name = 0..NAMES.len();
    prop_oneof![
        3 => (ix.clone(), name.clone()).prop_map(|(d, n)| Op::Create(d, n)),
        4 => (ix.clone(), prop_oneof![0..4096u32, 0..400_000u32], 1..5000u16, any::<u8>())
            .prop_map(|(file, off, len, byte)| Op::Write { file, off, len, byte }),
        1 => (ix.clone(), prop_oneof![0..2048u32, 0..400_000u32]).prop_map(|(f, s)| Op::Truncate(f, s)),
        3 => (ix.clone(), name.clone(), ix.clone(), name.clone()).prop_map(|(a, b, c, d)| Op::Rename(a, b, c, d)),
        2 => (ix.clone(), name.clone()).prop_map(|(d, n)| Op::Unlink(d, n)),
        2 => (ix.clone(), name.clone()).prop_map(|(d, n)| Op::Mkdir(d, n)),
        1 => (ix.clone(), name.clone()).prop_map(|(d, n)| Op::Rmdir(d, n)),
        1 => (ix.clone(), ix.clone(), name.clone()).prop_map(|(f, d, n)| Op::Link(f, d, n)),
        1 => (ix.clone(), name.clone(), 1..200u8).prop_map(|(d, n, l)| Op::Symlink(d, n, l)),
        1 => ix.clone().prop_map(Op::Open),
        1 => ix.clone().prop_map(Op::Close),
        1 => Just(Op::Remount),
    ]
}

#[derive(Clone, Debug)]
enum Node {
    File { data: Vec<u8>, links: u16 },
    Dir { entries: BTreeMap<Vec<u8>, u32>, parent: u32 },
    Link(Vec<u8>),
}

#[derive(Default)]
struct Model {
    nodes: BTreeMap<u32, Node>,
    /// Open references per inode (files only).
    open: BTreeMap<u32, u32>,
}

impl Model {
    fn dirs(&self) -> Vec<u32> {
        self.nodes.iter().filter(|(_, n)| matches!(n, Node::Dir { .. })).map(|(&i, _)| i).collect()
    }
    fn files(&self) -> Vec<u32> {
        self.nodes.iter().filter(|(_, n)| matches!(n, Node::File { .. })).map(|(&i, _)| i).collect()
    }
    fn entries(&mut self, d: u32) -> &mut BTreeMap<Vec<u8>, u32> {
        match self.nodes.get_mut(&d) {
            Some(Node::Dir { entries, .. }) => entries,
            _ => unreachable!(),
        }
    }
    fn get(&self, d: u32, name: &[u8]) -> Option<u32> {
        match &self.nodes[&d] {
            Node::Dir { entries, .. } => entries.get(name).copied(),
            _ => None,
        }
    }
    fn is_dir(&self, i: u32) -> bool {
        matches!(self.nodes[&i], Node::Dir { .. })
    }
    fn parent(&self, i: u32) -> u32 {
        match &self.nodes[&i] {
            Node::Dir { parent, .. } => *parent,
            _ => unreachable!(),
        }
    }
    /// Whether `anc` is `d` or one of its ancestors.
    fn is_ancestor(&self, anc: u32, mut d: u32) -> bool {
        loop {
            if d == anc {
                return true;
            }
            if d == ROOT_INO {
                return false;
            }
            d = self.parent(d);
        }
    }
    /// Drops a name; the node goes with its last link unless it is open.
    fn drop_link(&mut self, i: u32) {
        if let Some(Node::File { links, .. }) = self.nodes.get_mut(&i) {
            *links -= 1;
            if *links > 0 || self.open.contains_key(&i) {
                return;
            }
        }
        self.nodes.remove(&i);
    }
    fn links(&self, i: u32) -> u16 {
        match self.nodes[&i] {
            Node::File { links, .. } => links,
            _ => 1,
        }
    }
    fn new_dir(&mut self, i: u32, parent: u32) {
        self.nodes.insert(i, Node::Dir { entries: BTreeMap::new(), parent });
    }
}

fn pick<T: Copy>(v: &[T], i: usize) -> Option<T> {
    if v.is_empty() {
        None
    } else {
        Some(v[i % v.len()])
    }
}

/// Applies one op to both; panics (fails the case) on any disagreement.
fn step(fs: &mut FileSystem<RamDisk>, m: &mut Model, op: &Op) {
    let dirs = m.dirs();
    let files = m.files();
    let nm = |n: usize| NAMES[n].as_bytes();
    match *op {
        Op::Create(d, n) => {
            let d = pick(&dirs, d).unwrap();
            let want = m.get(d, nm(n)).map_or(Ok(()), |_| Err(EEXIST));
            let got = fs.create(d, nm(n), 0o644, 1, 2);
            assert_eq!(got.map(|_| ()), want, "{op:?}");
            if let Ok(i) = got {
                m.entries(d).insert(nm(n).to_vec(), i);
                m.nodes.insert(i, Node::File { data: vec![], links: 1 });
            }
        }
        Op::Write { file, off, len, byte } => {
            let Some(f) = pick(&files, file) else { return };
            let buf = vec![byte; len as usize];
            assert_eq!(fs.write(f, off as u64, &buf), Ok(len as usize), "{op:?}");
            if let Some(Node::File { data, .. }) = m.nodes.get_mut(&f) {
                let end = off as usize + len as usize;
                if data.len() < end {
                    data.resize(end, 0);
                }
                data[off as usize..end].copy_from_slice(&buf);
            }
        }
        Op::Truncate(file, size) => {
            let Some(f) = pick(&files, file) else { return };
            assert_eq!(fs.truncate(f, size as u64), Ok(()), "{op:?}");
            if let Some(Node::File { data, .. }) = m.nodes.get_mut(&f) {
                data.resize(size as usize, 0);
            }
        }
        Op::Unlink(d, n) => {
            let d = pick(&dirs, d).unwrap();
            let want = match m.get(d, nm(n)) {
                None => Err(ENOENT),
                Some(i) if m.is_dir(i) => Err(EPERM),
                Some(_) => Ok(()),
            };
            assert_eq!(fs.unlink(d, nm(n)), want, "{op:?}");
            if want.is_ok() {
                let i = m.entries(d).remove(nm(n)).unwrap();
                m.drop_link(i);
            }
        }
        Op::Mkdir(d, n) => {
            let d = pick(&dirs, d).unwrap();
            let want = m.get(d, nm(n)).map_or(Ok(()), |_| Err(EEXIST));
            let got = fs.mkdir(d, nm(n), 0o755, 0, 0);
            assert_eq!(got.map(|_| ()), want, "{op:?}");
            if let Ok(i) = got {
                m.entries(d).insert(nm(n).to_vec(), i);
                m.new_dir(i, d);
            }
        }
        Op::Rmdir(d, n) => {
            let d = pick(&dirs, d).unwrap();
            let want = match m.get(d, nm(n)) {
                None => Err(ENOENT),
                Some(i) if !m.is_dir(i) => Err(ENOTDIR),
                Some(i) if !m.clone_entries(i).is_empty() => Err(ENOTEMPTY),
                Some(_) => Ok(()),
            };
            assert_eq!(fs.rmdir(d, nm(n)), want, "{op:?}");
            if want.is_ok() {
                let i = m.entries(d).remove(nm(n)).unwrap();
                m.nodes.remove(&i);
            }
        }
        Op::Link(f, d, n) => {
            let Some(f) = pick(&files, f) else { return };
            let d = pick(&dirs, d).unwrap();
            let want = if m.links(f) == 0 { Err(ENOENT) } else { m.get(d, nm(n)).map_or(Ok(()), |_| Err(EEXIST)) };
            assert_eq!(fs.link(d, nm(n), f), want, "{op:?}");
            if want.is_ok() {
                m.entries(d).insert(nm(n).to_vec(), f);
                if let Some(Node::File { links, .. }) = m.nodes.get_mut(&f) {
                    *links += 1;
                }
            }
        }
        Op::Symlink(d, n, len) => {
            let d = pick(&dirs, d).unwrap();
            let target: Vec<u8> = (0..len).map(|i| b'a' + i % 26).collect();
            let want = m.get(d, nm(n)).map_or(Ok(()), |_| Err(EEXIST));
            let got = fs.symlink(d, nm(n), &target, 0, 0);
            assert_eq!(got.map(|_| ()), want, "{op:?}");
            if let Ok(i) = got {
                m.entries(d).insert(nm(n).to_vec(), i);
                m.nodes.insert(i, Node::Link(target));
            }
        }
        Op::Rename(od, on, nd, nn) => {
            let od = pick(&dirs, od).unwrap();
            let nd = pick(&dirs, nd).unwrap();
            let (on, nn) = (nm(on), nm(nn));
            let want = match m.get(od, on) {
                None => Err(ENOENT),
                Some(i) if m.is_dir(i) && od != nd && m.is_ancestor(i, nd) => Err(EINVAL),
                Some(i) => match m.get(nd, nn) {
                    Some(j) if j == i => Ok(()),
                    Some(j) if m.is_dir(i) && !m.is_dir(j) => Err(ENOTDIR),
                    Some(j) if !m.is_dir(i) && m.is_dir(j) => Err(EISDIR),
                    Some(j) if m.is_dir(j) && !m.clone_entries(j).is_empty() => Err(ENOTEMPTY),
                    _ => Ok(()),
                },
            };
            assert_eq!(fs.rename(od, on, nd, nn), want, "{op:?}");
            let i = m.get(od, on);
            if want.is_ok() && m.get(nd, nn) != i {
                let i = i.unwrap();
                if let Some(j) = m.entries(nd).insert(nn.to_vec(), i) {
                    m.drop_link(j);
                }
                m.entries(od).remove(on);
                if let Some(Node::Dir { parent, .. }) = m.nodes.get_mut(&i) {
                    *parent = nd;
                }
            }
        }
        Op::Open(f) => {
            let Some(f) = pick(&files, f) else { return };
            assert_eq!(fs.open(f), Ok(()));
            *m.open.entry(f).or_default() += 1;
        }
        Op::Close(i) => {
            let opened: Vec<u32> = m.open.keys().copied().collect();
            let Some(f) = pick(&opened, i) else { return };
            assert_eq!(fs.release(f, 1), Ok(()));
            let c = m.open.get_mut(&f).unwrap();
            *c -= 1;
            if *c == 0 {
                m.open.remove(&f);
                if m.links(f) == 0 {
                    m.nodes.remove(&f);
                    assert_eq!(fs.stat(f), Err(EINVAL), "freed on last close");
                }
            }
        }
        Op::Remount => {
            m.forget_open();
            let dev = std::mem::replace(fs, super::util::fresh(1024, 64)).unmount().unwrap();
            *fs = FileSystem::mount(dev).unwrap();
            assert!(fs.was_clean());
        }
    }
}

impl Model {
    /// Unmount drops every reference: unlinked open files go.
    fn forget_open(&mut self) {
        for (i, _) in std::mem::take(&mut self.open) {
            if self.links(i) == 0 {
                self.nodes.remove(&i);
            }
        }
    }
    fn clone_entries(&self, d: u32) -> BTreeMap<Vec<u8>, u32> {
        match &self.nodes[&d] {
            Node::Dir { entries, .. } => entries.clone(),
            _ => BTreeMap::new(),
        }
    }
}

/// Compares the whole tree with the model.
fn compare(fs: &mut FileSystem<RamDisk>, m: &Model) {
    let mut links: BTreeMap<u32, u16> = BTreeMap::new();
    for (&i, node) in &m.nodes {
        let st = fs.stat(i).unwrap();
        match node {
            Node::Dir { entries, parent } => {
                let mut got = BTreeMap::new();
                for e in fs.list_dir(i).unwrap() {
                    got.insert(e.name().to_vec(), e.ino);
                }
                assert_eq!(got.remove(&b".."[..]), Some(*parent));
                assert_eq!(got.remove(&b"."[..]), Some(i));
                assert_eq!(&got, entries, "dir {i}");
                let subdirs = entries.values().filter(|&&j| m.is_dir(j)).count() as u16;
                assert_eq!(st.nlinks, 2 + subdirs, "dir {i}");
                for &j in entries.values() {
                    *links.entry(j).or_default() += 1;
                }
            }
            Node::File { data, .. } => {
                assert_eq!(st.size as usize, data.len(), "file {i}");
                let mut buf = vec![0xee; data.len()];
                assert_eq!(fs.read(i, 0, &mut buf), Ok(data.len()));
                assert!(&buf == data, "file {i} contents");
            }
            Node::Link(t) => {
                let mut buf = vec![0; 300];
                let n = fs.readlink(i, &mut buf).unwrap();
                assert_eq!(&buf[..n], &t[..]);
            }
        }
    }
    for (&i, node) in &m.nodes {
        if let Node::File { links: l, .. } = node {
            assert_eq!(links.get(&i).copied().unwrap_or(0), *l);
            assert_eq!(fs.stat(i).unwrap().nlinks, *l);
            assert_eq!(fs.open_count(i), m.open.get(&i).copied().unwrap_or(0));
        }
    }
    let free = fs.statvfs().unwrap().free_files;
    assert_eq!(free, fs.geometry().ninodes as u64 - m.nodes.len() as u64);
    // Unlinked open files are not named anywhere: a check would flag them.
    if m.nodes.keys().all(|&i| m.links(i) > 0) {
        verify(fs).unwrap();
    }
}

fn run(bs: u32, ops: &[Op], cache_blocks: usize) {
    let dev = super::util::format(bs, 16 << 10);
    let mut fs = FileSystem::mount_with(dev, MountOptions { read_only: false, cache_blocks }).unwrap();
    let mut m = Model::default();
    m.new_dir(ROOT_INO, ROOT_INO);
    for op in ops {
        step(&mut fs, &mut m, op);
    }
    compare(&mut fs, &m);
    for (&i, &n) in &m.open.clone() {
        fs.release(i, n).unwrap();
    }
    m.forget_open();
    compare(&mut fs, &m);
    let dev = unmount_and_fsck(fs);
    let mut fs = FileSystem::mount(dev).unwrap();
    compare(&mut fs, &m);
}

/// The case count, or `PROPTEST_CASES` for a longer soak.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]
    #[test]
    fn workload_1k_then_fsck(ops in proptest::collection::vec(op(), 1..60)) {
        run(1024, &ops, 256);
    }
    /// The smallest cache evicts all the time: write-back must not lose
    /// or mix up blocks.
    #[test]
    fn workload_1k_tiny_cache(ops in proptest::collection::vec(op(), 1..60)) {
        run(1024, &ops, 8);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(16), ..ProptestConfig::default() })]
    #[test]
    fn workload_2k(ops in proptest::collection::vec(op(), 1..60)) {
        run(2048, &ops, 64);
    }
    #[test]
    fn workload_4k(ops in proptest::collection::vec(op(), 1..60)) {
        run(4096, &ops, 256);
    }
}
