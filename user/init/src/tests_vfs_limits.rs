// SPDX-License-Identifier: BSD-2-Clause
//! The hostile tester's attacks on VFS's memory, each of which once
//! stopped the whole system (VFS's fixed heap gone, VFS faulted): many
//! full pipes held by several children, and files kept alive by mappings
//! whose descriptors were closed. Now a user reaching a limit gets an
//! errno (or, for pipes, smaller pipes), VFS and FS go on serving others,
//! and everything comes back when the hog exits.
extern crate alloc;
use crate::harness::{ensure, ok, Test};
use crate::tests_mmap::watched_for;
use alloc::format;
use alloc::vec::Vec;
use minix_abi::common::PING;
use minix_abi::cspace::{PM_EP, VFS_EP, VM_EP};
use minix_abi::errno::{Errno, EAGAIN, EMFILE, ENFILE};
use minix_abi::pm;
use minix_abi::vfs::flags::{O_CREAT, O_NONBLOCK, O_RDONLY, O_RDWR};
use minix_abi::vm::{MAP_ANON, PROT_WRITE};
use minix_abi::vm::{MAP_PRIVATE, PROT_READ};
use mxrt::fs::{self, Fd};
use mxrt::posix;

type R = Result<(), &'static str>;

/// Children holding full pipes, and pipes each of them fills.
const HOGS: usize = 8;
const PIPES_EACH: usize = 20;
/// The system's pipe limits (vfs-server `limits`, `pipe`).
const PIPE_SIZE: usize = 32 * 1024;
const PIPE_STEP: usize = 4096;
const PIPE_POOL: usize = 4 << 20;
/// Files one process may keep by mapping them (vfs-server `limits`).
const MAPPED_FILES: usize = 256;
/// Pipes in the system (vfs-server `limits`).
const PIPES: usize = 1024;

fn servers_answer() -> R {
    for ep in [PM_EP, VM_EP, VFS_EP] {
        ensure(mxrt::ipc::sendrec(ep, PING, [0; 4], 0).result().is_ok(), "a server does not answer PING")?;
    }
    Ok(())
}

/// Writes 4 KiB pieces into a nonblocking pipe until it is full; the
/// bytes that went in.
fn fill(w: Fd) -> Result<usize, Errno> {
    let chunk = [0x5au8; 4096];
    let mut n = 0;
    loop {
        match fs::write(w, &chunk) {
            Ok(k) => n += k,
            Err(e) if e == EAGAIN => return Ok(n),
            Err(e) => return Err(e),
        }
    }
}

/// Another process's pipe, made and used while the hogs hold theirs: it
/// carries bytes both ways and holds at least its own step.
fn a_pipe_works(min_room: usize) -> R {
    let (r, w) = ok(fs::pipe(O_NONBLOCK), "pipe for another process")?;
    let room = ok(fill(w), "filling another process's pipe")?;
    ensure(room >= min_room, "another process's pipe held too little")?;
    let mut buf = [0u8; 4096];
    let mut got = 0;
    while got < room {
        got += ok(fs::read(r, &mut buf), "reading another process's pipe")?;
        ensure(buf[0] == 0x5a, "another process's pipe lost its bytes")?;
    }
    ok(fs::close(r), "close")?;
    ok(fs::close(w), "close")
}

/// Eight children each fill 20 pipes (5 MiB asked for, more than VFS's
/// old 4 MiB heap, which six children with 3.8 MiB once exhausted) and
/// hold them. The pipes hold what the pool gives, VFS's heap grows to
/// hold that, and meanwhile another process's pipe and files still work;
/// once the children exit, a pipe holds its full 32 KiB again.
fn full_pipes_held_by_children() -> R {
    let (ready_r, ready_w) = ok(fs::pipe(0), "ready pipe")?;
    let (go_r, go_w) = ok(fs::pipe(0), "go pipe")?;
    let mut kids = Vec::new();
    for _ in 0..HOGS {
        match ok(posix::fork(), "fork")? {
            0 => {
                let _ = fs::close(ready_r);
                let _ = fs::close(go_w);
                let mut held = 0u64;
                for _ in 0..PIPES_EACH {
                    // A pipe refused, or not filled, is reported as a
                    // count that cannot be right.
                    let Ok((_, w)) = fs::pipe(O_NONBLOCK) else { break };
                    match fill(w) {
                        Ok(n) => held += n as u64,
                        Err(_) => break,
                    }
                }
                let _ = fs::write(ready_w, &held.to_le_bytes());
                // Hold the pipes until the parent says go (EOF).
                let mut b = [0u8; 1];
                let _ = fs::read(go_r, &mut b);
                posix::exit(0)
            }
            pid => kids.push(pid),
        }
    }
    ok(fs::close(go_r), "close")?;
    let mut total = 0usize;
    for _ in 0..HOGS {
        let mut b = [0u8; 8];
        let n = ok(fs::read(ready_r, &mut b), "reading a child's count")?;
        ensure(n == 8, "a child's count came in pieces")?;
        let held = u64::from_le_bytes(b) as usize;
        ensure(held >= PIPES_EACH * PIPE_STEP, "a child's pipes held less than a step each")?;
        total += held;
    }
    let pipes = HOGS * PIPES_EACH;
    sel4_root_task::println!("  {} pipes hold {} KiB", pipes, total / 1024);
    ensure(total <= PIPE_POOL + pipes * PIPE_STEP, "the pipes held more than the pool allows")?;
    ensure(total >= PIPE_POOL, "the pipes did not get the pool: VFS's heap did not grow")?;
    // While the children hold their pipes, others go on.
    servers_answer()?;
    a_pipe_works(PIPE_STEP)?;
    let f = ok(fs::open(b"/tmp/vl_pipes", O_CREAT | O_RDWR, 0o644), "a file opened meanwhile")?;
    ensure(ok(fs::write(f, b"still here"), "write")? == 10, "short write")?;
    ok(fs::close(f), "close")?;
    ok(fs::unlink(b"/tmp/vl_pipes"), "unlink")?;
    // Let them go: their pipes and the pool come back.
    ok(fs::close(go_w), "close")?;
    for pid in kids {
        let (_, s) = ok(posix::waitpid(pid as i64, 0), "wait")?;
        ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "a child failed")?;
    }
    ok(fs::close(ready_r), "close")?;
    ok(fs::close(ready_w), "close")?;
    servers_answer()?;
    a_pipe_works(PIPE_SIZE)
}

/// Children make pipes until the system has its 1024: the one that
/// reaches the limit gets ENFILE (not a fault in VFS), and so does anyone
/// else's pipe() meanwhile, while files still open (the pipes' ends take
/// half the filps at most). Once the children exit, pipes can be made
/// again.
fn pipes_to_the_system_limit() -> R {
    let (ready_r, ready_w) = ok(fs::pipe(0), "ready pipe")?;
    let (go_r, go_w) = ok(fs::pipe(0), "go pipe")?;
    let mut kids = Vec::new();
    let mut made = 0usize;
    let mut reached = false;
    // Each child holds at most 31 pipes (64 descriptors), so about 33
    // children reach the limit; 60 is far more than enough.
    for _ in 0..60 {
        match ok(posix::fork(), "fork")? {
            0 => {
                let _ = fs::close(ready_r);
                let _ = fs::close(go_w);
                let mut n = 0u32;
                let err = loop {
                    match fs::pipe(0) {
                        Ok(_) => n += 1,
                        Err(e) => break e,
                    }
                };
                let mut report = [0u8; 8];
                report[..4].copy_from_slice(&n.to_le_bytes());
                report[4..].copy_from_slice(&err.0.to_le_bytes());
                let _ = fs::write(ready_w, &report);
                let mut b = [0u8; 1];
                let _ = fs::read(go_r, &mut b);
                posix::exit(0)
            }
            pid => kids.push(pid),
        }
        let mut b = [0u8; 8];
        ensure(ok(fs::read(ready_r, &mut b), "a child's report")? == 8, "a child's report came in pieces")?;
        made += u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let err = Errno(i32::from_le_bytes([b[4], b[5], b[6], b[7]]));
        if err == ENFILE {
            reached = true;
            break;
        }
        ensure(err == EMFILE, "a child's pipe() failed with neither EMFILE nor ENFILE")?;
    }
    ensure(reached, "no child reached the system's pipe limit")?;
    sel4_root_task::println!("  children made {} pipes", made);
    // Two pipes are the parent's, and earlier suites may hold a few.
    ensure(made <= PIPES - 2 && made + 16 >= PIPES, "the children's pipes do not add up to the limit")?;
    let refused = fs::pipe(0);
    ensure(refused == Err(ENFILE), "another process's pipe() at the limit was not ENFILE")?;
    servers_answer()?;
    let f = ok(fs::open(b"/tmp/vl_enfile", O_CREAT | O_RDWR, 0o644), "a file opened at the pipe limit")?;
    ok(fs::close(f), "close")?;
    ok(fs::unlink(b"/tmp/vl_enfile"), "unlink")?;
    ok(fs::close(go_w), "close")?;
    ok(fs::close(go_r), "close")?;
    for pid in kids {
        let (_, s) = ok(posix::waitpid(pid as i64, 0), "wait")?;
        ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "a child failed")?;
    }
    ok(fs::close(ready_r), "close")?;
    ok(fs::close(ready_w), "close")?;
    a_pipe_works(PIPE_SIZE)
}

/// PM's process table (`PROC_TABLE_SLOTS`).
const PROC_SLOTS: usize = 256;

/// Forks until PM's table is full: the fork that finds no slot gets
/// EAGAIN, and with every slot taken (each child also known to VFS, with
/// a descriptor table of its own) PM, VM and VFS still serve: a file and
/// a pipe work in the parent. Once the children exit, fork works again.
fn process_table_full() -> R {
    let (go_r, go_w) = ok(fs::pipe(0), "go pipe")?;
    let mut kids = Vec::new();
    let refused = loop {
        match posix::fork() {
            Ok(0) => {
                let _ = fs::close(go_w);
                let mut b = [0u8; 1];
                let _ = fs::read(go_r, &mut b);
                posix::exit(0)
            }
            Ok(pid) => kids.push(pid),
            Err(e) => break e,
        }
        if kids.len() > PROC_SLOTS {
            return Err("more children than PM has slots");
        }
    };
    sel4_root_task::println!("  {} children, then {}", kids.len(), refused.name());
    let result = (|| {
        ensure(refused == EAGAIN, "the fork past the table was not EAGAIN")?;
        ensure(kids.len() + 16 >= PROC_SLOTS, "the table filled far too soon")?;
        servers_answer()?;
        a_pipe_works(PIPE_STEP)?;
        let f = ok(fs::open(b"/tmp/vl_procs", O_CREAT | O_RDWR, 0o644), "a file opened with the table full")?;
        ok(fs::close(f), "close")?;
        ok(fs::unlink(b"/tmp/vl_procs"), "unlink")?;
        let m = ok(posix::mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE), "mmap with the table full")?;
        ok(posix::munmap(m, 4096), "munmap")
    })();
    // Whatever was found, let the children go.
    ok(fs::close(go_w), "close")?;
    ok(fs::close(go_r), "close")?;
    for pid in kids {
        let (_, s) = ok(posix::waitpid(pid as i64, 0), "wait")?;
        ensure(pm::wifexited(s) && pm::wexitstatus(s) == 0, "a child failed")?;
    }
    result?;
    in_child(|| 0)
}

/// The files the mapping test uses.
const MAP_FILES: usize = MAPPED_FILES + 20;

fn map_path(i: usize) -> alloc::string::String {
    format!("/tmp/vl_map/{i}")
}

/// Opens file `i`, maps its page and closes the descriptor: the hostile
/// tester's loop.
fn map_and_close(i: usize) -> Result<u64, Errno> {
    let fd = fs::open(map_path(i).as_bytes(), O_RDONLY, 0)?;
    let r = fs::mmap(fd, 0, 4096, PROT_READ, MAP_PRIVATE, 0);
    fs::close(fd)?;
    r
}

/// Runs `body` in a child; its exit status must be 0.
fn in_child(body: fn() -> u8) -> R {
    match ok(posix::fork(), "fork")? {
        0 => posix::exit(body()),
        pid => {
            let (_, s) = ok(posix::waitpid(pid as i64, 0), "wait")?;
            if !(pm::wifexited(s) && pm::wexitstatus(s) == 0) {
                sel4_root_task::println!("  the child's status: {:#x}", s);
                return Err("a child failed");
            }
            Ok(())
        }
    }
}

/// One process opens, maps and closes file after file: the 257th new file
/// is EMFILE (before, every one left a record in VFS until its heap was
/// gone), while another process maps the same files and opens others. The
/// files are unlinked while mapped; when the hog exits, VM lets go and
/// every inode comes back, so VFS kept nothing of it.
fn mapped_files_per_process() -> R {
    let before = ok(fs::statvfs(b"/"), "statvfs")?.free_files;
    ok(fs::mkdir(b"/tmp/vl_map", 0o755), "mkdir")?;
    for i in 0..MAP_FILES {
        let fd = ok(fs::open(map_path(i).as_bytes(), O_CREAT | O_RDWR, 0o644), "creating a file to map")?;
        ok(fs::write(fd, b"m"), "write")?;
        ok(fs::close(fd), "close")?;
    }
    let (ready_r, ready_w) = ok(fs::pipe(0), "ready pipe")?;
    let (go_r, go_w) = ok(fs::pipe(0), "go pipe")?;
    let hog = match ok(posix::fork(), "fork")? {
        0 => {
            let _ = fs::close(ready_r);
            let _ = fs::close(go_w);
            let mut status = 0u8;
            for i in 0..MAP_FILES {
                let r = map_and_close(i);
                let want_ok = i < MAPPED_FILES;
                match r {
                    Ok(_) if want_ok => {}
                    Err(e) if !want_ok && e == EMFILE => {}
                    Ok(_) => {
                        status = 2;
                        break;
                    }
                    Err(e) => {
                        sel4_root_task::println!("  mapping file {}: {}", i, e.name());
                        status = 3;
                        break;
                    }
                }
            }
            // Opening is not limited by the mappings' share.
            if status == 0 && fs::open(b"/", O_RDONLY, 0).and_then(fs::close).is_err() {
                status = 4;
            }
            let _ = fs::write(ready_w, &[status]);
            let mut b = [0u8; 1];
            let _ = fs::read(go_r, &mut b);
            posix::exit(0)
        }
        pid => pid,
    };
    ok(fs::close(go_r), "close")?;
    let mut st = [9u8; 1];
    ok(fs::read(ready_r, &mut st), "the hog's report")?;
    match st[0] {
        0 => {}
        2 => return Err("the hog mapped more files than its share"),
        3 => return Err("the hog's mapping failed with the wrong errno"),
        _ => return Err("the hog could not open a file after its share"),
    }
    // Meanwhile: servers answer, another process maps the files the hog
    // keeps and those it was refused, and makes new files.
    servers_answer()?;
    in_child(|| {
        for i in MAPPED_FILES - 10..MAP_FILES {
            if map_and_close(i).is_err() {
                return 5;
            }
        }
        match fs::open(b"/tmp/vl_map/new", O_CREAT | O_RDWR, 0o644) {
            Ok(fd) if fs::close(fd).is_ok() && fs::unlink(b"/tmp/vl_map/new").is_ok() => 0,
            _ => 6,
        }
    })?;
    // The names go while the hog still maps the files.
    for i in 0..MAP_FILES {
        ok(fs::unlink(map_path(i).as_bytes()), "unlink")?;
    }
    ok(fs::rmdir(b"/tmp/vl_map"), "rmdir")?;
    ensure(ok(fs::statvfs(b"/"), "statvfs")?.free_files < before, "inodes freed while mapped")?;
    ok(fs::close(go_w), "close")?;
    let (_, s) = ok(posix::waitpid(hog as i64, 0), "wait")?;
    ensure(pm::wifexited(s), "the hog did not exit")?;
    ok(fs::close(ready_r), "close")?;
    ok(fs::close(ready_w), "close")?;
    // VM reports the mappings gone through VFS's pager, a little later.
    for _ in 0..20_000 {
        if ok(fs::statvfs(b"/"), "statvfs")?.free_files == before {
            return servers_answer();
        }
        sel4::yield_now();
    }
    Err("the mapped files' inodes did not come back after the hog exited")
}

pub const TESTS: &[Test] = &[
    Test { name: "vfslimits.full_pipes_held_by_8_children", run: |_| watched_for(20, full_pipes_held_by_children) },
    Test { name: "vfslimits.pipes_past_the_system_limit_enfile", run: |_| watched_for(20, pipes_to_the_system_limit) },
    Test { name: "vfslimits.process_table_full_eagain", run: |_| watched_for(20, process_table_full) },
    Test { name: "vfslimits.mapped_files_per_process_emfile", run: |_| watched_for(20, mapped_files_per_process) },
];
