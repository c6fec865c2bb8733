// SPDX-License-Identifier: BSD-2-Clause
//! exec, VFS's part: the checks, what VM is handed, `#!` scripts,
//! close-on-exec, and that a failed exec changes nothing.

use super::*;
use minix_abi::endpoint::PM;
use minix_abi::errno::*;
use minix_abi::exec::{self, Description, BLOCK_MAX, STACK_TOP};
use minix_abi::vfs::flags::*;

const A: u32 = 0x1004;

/// A small static program: text (RX) at 0x40_0000 with the headers in
/// its first page, data (RW) whose last file page has a tail.
fn program() -> Vec<u8> {
    let mut f = vec![0u8; 0x2400];
    for (i, b) in f.iter_mut().enumerate().skip(0x1000) {
        *b = i as u8;
    }
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2;
    f[5] = 1;
    f[6] = 1;
    let mut put = |at: usize, v: &[u8]| f[at..at + v.len()].copy_from_slice(v);
    put(16, &2u16.to_le_bytes());
    put(18, &62u16.to_le_bytes());
    put(24, &0x40_0100u64.to_le_bytes());
    put(32, &64u64.to_le_bytes());
    put(54, &56u16.to_le_bytes());
    put(56, &2u16.to_le_bytes());
    // (flags, offset, vaddr, filesz, memsz)
    for (i, (flags, off, va, fsz, msz)) in
        [(5u32, 0u64, 0x40_0000u64, 0x1200u64, 0x1200u64), (6, 0x2100, 0x40_3100, 0x300, 0x5000)].into_iter().enumerate()
    {
        let at = 64 + 56 * i;
        put(at, &1u32.to_le_bytes());
        put(at + 4, &flags.to_le_bytes());
        put(at + 8, &off.to_le_bytes());
        put(at + 16, &va.to_le_bytes());
        put(at + 32, &fsz.to_le_bytes());
        put(at + 40, &msz.to_le_bytes());
    }
    f
}

fn install(p: &P, path: &str, bytes: &[u8], mode: u32) -> u32 {
    let fd = p.open(path, O_CREAT | O_RDWR | O_TRUNC, mode).unwrap();
    assert_eq!(p.write(fd, bytes), Ok(bytes.len() as u64));
    p.close(fd).unwrap();
    p.res(Request::Chmod { path: p.path(path), mode }).unwrap();
    p.stat(path).unwrap().ino as u32
}

fn block(p: &P, path: &str, args: &[&str], env: &[&str]) -> (u32, u32) {
    let mut b = vec![0u8; BLOCK_MAX as usize];
    let n = exec::write_block(&mut b, path.as_bytes(), args.iter().map(|s| s.as_bytes()), env.iter().map(|s| s.as_bytes())).unwrap();
    (p.put(&b[..n]) as u32, n as u32)
}

fn exec_as_pm(v: &TestVfs, w: &World, who: u32, (block, len): (u32, u32)) -> Result<(u64, u64), Errno> {
    let pm = P::new(v, w, PM.0);
    let r = pm.reply(Request::ProcExec { who: Endpoint(who), block, len });
    r.result().map(|_| (r.vals[0], r.vals[1]))
}

/// The argv and envp the stack image VM got holds.
fn stack_strings(desc: &[u8]) -> (Vec<String>, Vec<String>) {
    let d = Description::parse(desc).unwrap();
    let word = |addr: u64| u64::from_le_bytes(d.stack[(addr - d.sp as u64) as usize..][..8].try_into().unwrap());
    let s = |addr: u64| {
        let at = (addr - d.sp as u64) as usize;
        String::from_utf8(d.stack[at..].iter().take_while(|&&c| c != 0).copied().collect()).unwrap()
    };
    let argc = word(d.sp as u64);
    let mut at = d.sp as u64 + 8;
    let argv = (0..argc).map(|i| s(word(at + 8 * i))).collect();
    at += 8 * (argc + 1);
    let mut envp = Vec::new();
    while word(at) != 0 {
        envp.push(s(word(at)));
        at += 8;
    }
    (argv, envp)
}

#[test]
fn exec_hands_vm_the_program_and_closes_cloexec_descriptors() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/bin"), mode: 0o755 }).unwrap();
    let ino = install(&p, "/bin/prog", &program(), 0o755);
    let keep = p.open("/bin/prog", O_RDONLY, 0).unwrap();
    let gone = p.open("/bin/prog", O_RDONLY | O_CLOEXEC, 0).unwrap();
    let before = v.counts();
    let (entry, sp) = exec_as_pm(&v, &w, A, block(&p, "/bin/prog", &["prog", "one"], &["K=V"])).unwrap();
    assert_eq!(entry, 0x40_0100);
    let (who, desc, got_ino) = w.mem.borrow().vm_execs[0].clone();
    assert_eq!((who, got_ino), (A, ino));
    let d = Description::parse(&desc).unwrap();
    assert_eq!(d.sp as u64, sp);
    assert_eq!(d.file_size, 0x2400);
    assert_eq!(d.head, &program()[..4096]);
    // The data segment's tail: file bytes 0x2000..0x2400.
    assert_eq!(d.tails, &program()[0x2000..0x2400]);
    assert_eq!(d.sp as usize + d.stack.len(), STACK_TOP as usize);
    assert_eq!(stack_strings(&desc), (vec!["prog".into(), "one".into()], vec!["K=V".into()]));
    // The close-on-exec descriptor went; the other stays.
    assert_eq!(p.res(Request::Fcntl { fd: keep, cmd: F_GETFD, arg: 0 }), Ok(0));
    assert_eq!(p.res(Request::Fcntl { fd: gone, cmd: F_GETFD, arg: 0 }), Err(EBADF));
    assert_eq!(v.counts().0, before.0 - 1);
    // VM holds the program until it reports it unmapped.
    p.close(keep).unwrap();
    let held = v.counts().1;
    v.vm_released(&mut &w, ino, 1);
    assert_eq!(v.counts().1, held - 1);
}

#[test]
fn exec_errors_change_nothing() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/bin"), mode: 0o755 }).unwrap();
    install(&p, "/bin/prog", &program(), 0o755);
    install(&p, "/bin/noexec", &program(), 0o644);
    install(&p, "/bin/junk", b"this is no program at all, but it is executable.......................", 0o755);
    install(&p, "/bin/empty", b"", 0o755);
    let mut bad = program();
    bad[64 + 56 + 32..64 + 56 + 40].copy_from_slice(&0x10_0000u64.to_le_bytes()); // filesz past the file
    install(&p, "/bin/hostile", &bad, 0o755);
    install(&p, "/bin/loop", b"#!/bin/loop\n", 0o755);
    install(&p, "/bin/script-of-script", b"#!/bin/loop\n", 0o755);
    let cloexec = p.open("/bin/prog", O_RDONLY | O_CLOEXEC, 0).unwrap();
    let counts = v.counts();
    let cases: &[(&str, Errno)] = &[
        ("/bin/none", ENOENT),
        ("/bin/prog/x", ENOTDIR),
        ("/bin/noexec", EACCES),
        ("/bin", EACCES),
        ("/bin/junk", ENOEXEC),
        ("/bin/empty", ENOEXEC),
        ("/bin/hostile", ENOEXEC),
        ("/bin/script-of-script", ENOEXEC),
    ];
    for &(path, e) in cases {
        assert_eq!(exec_as_pm(&v, &w, A, block(&p, path, &["x"], &[])), Err(e), "{path}");
    }
    let long = "/".repeat(1025);
    let mut b = vec![0u8; 2048];
    b[..4].copy_from_slice(b"Xarg");
    b[12..16].copy_from_slice(&(long.len() as u32).to_le_bytes());
    b[16..16 + long.len()].copy_from_slice(long.as_bytes());
    let at = p.put(&b[..16 + long.len()]) as u32;
    assert_eq!(exec_as_pm(&v, &w, A, (at, 16 + long.len() as u32)), Err(ENAMETOOLONG));
    // Arguments past ARG_MAX; a block past BLOCK_MAX; a block not in memory.
    let big = "a".repeat(exec::ARG_MAX as usize);
    let mut b = vec![0u8; BLOCK_MAX as usize + 100];
    b[..4].copy_from_slice(b"Xarg");
    b[4..8].copy_from_slice(&1u32.to_le_bytes());
    b[12..16].copy_from_slice(&9u32.to_le_bytes());
    b[16..25].copy_from_slice(b"/bin/prog");
    b[25..25 + big.len()].copy_from_slice(big.as_bytes());
    let n = 25 + big.len() + 1;
    let at = p.put(&b[..n]) as u32;
    assert_eq!(exec_as_pm(&v, &w, A, (at, n as u32)), Err(E2BIG));
    assert_eq!(exec_as_pm(&v, &w, A, (0x10, 64)), Err(EFAULT));
    // VM refusing the program changes nothing either.
    w.mem.borrow_mut().vm_exec_fails = Some(ENOMEM);
    assert_eq!(exec_as_pm(&v, &w, A, block(&p, "/bin/prog", &["x"], &[])), Err(ENOMEM));
    w.mem.borrow_mut().vm_exec_fails = None;
    assert_eq!(v.counts(), counts, "no filp, vnode or pipe more or less");
    assert_eq!(p.res(Request::Fcntl { fd: cloexec, cmd: F_GETFD, arg: 0 }), Ok(FD_CLOEXEC));
    // Only PM may ask.
    let (at, len) = block(&p, "/bin/prog", &["x"], &[]);
    assert_eq!(p.res(Request::ProcExec { who: Endpoint(A), block: at, len }), Err(EPERM));
}

#[test]
fn scripts_run_their_interpreter() {
    let (v, w) = (new_vfs(), World::new(1024));
    let p = P::new(&v, &w, A);
    p.res(Request::Mkdir { path: p.path("/bin"), mode: 0o755 }).unwrap();
    let prog = install(&p, "/bin/prog", &program(), 0o755);
    install(&p, "/bin/script", b"#!  /bin/prog   -x y  \necho hi\n", 0o755);
    install(&p, "/bin/bare", b"#!/bin/prog", 0o755);
    install(&p, "/bin/missing", b"#!/bin/nothere\n", 0o755);
    exec_as_pm(&v, &w, A, block(&p, "/bin/script", &["script", "a1", "a2"], &["E=1"])).unwrap();
    let (_, desc, ino) = w.mem.borrow().vm_execs.last().unwrap().clone();
    assert_eq!(ino, prog);
    let want: Vec<String> = ["/bin/prog", "-x y", "/bin/script", "a1", "a2"].map(String::from).into();
    assert_eq!(stack_strings(&desc), (want, vec!["E=1".into()]));
    exec_as_pm(&v, &w, A, block(&p, "/bin/bare", &[], &[])).unwrap();
    let (_, desc, _) = w.mem.borrow().vm_execs.last().unwrap().clone();
    assert_eq!(stack_strings(&desc).0, ["/bin/prog", "/bin/bare"]);
    assert_eq!(exec_as_pm(&v, &w, A, block(&p, "/bin/missing", &["m"], &[])), Err(ENOENT));
}

#[test]
fn shebang_lines() {
    use crate::exec::shebang;
    assert_eq!(shebang(b"\x7fELF"), Ok(None));
    assert_eq!(shebang(b"#!/bin/sh\n"), Ok(Some((&b"/bin/sh"[..], None))));
    assert_eq!(shebang(b"#!/bin/sh -e\nrest"), Ok(Some((&b"/bin/sh"[..], Some(&b"-e"[..])))));
    assert_eq!(shebang(b"#!\t/x\t a b \t\n"), Ok(Some((&b"/x"[..], Some(&b"a b"[..])))));
    assert_eq!(shebang(b"#!\n"), Err(ENOEXEC));
    assert_eq!(shebang(b"#!   \n"), Err(ENOEXEC));
    let long = [b"#!/".as_slice(), &[b'a'; 300]].concat();
    assert_eq!(shebang(&long), Err(ENOEXEC));
}
