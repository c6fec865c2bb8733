// SPDX-License-Identifier: BSD-2-Clause
//! exec of programs from the root file system: `/bin/probe` (user/probe)
//! reports what it was given on descriptor 1, a pipe to this process.
extern crate alloc;
use crate::harness::{ensure, expect_err, ok, Test};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use minix_abi::cspace::PM_EP;
use minix_abi::errno::{Errno, E2BIG, EACCES, EFAULT, ELOOP, ENAMETOOLONG, ENOENT, ENOEXEC, ENOTDIR};
use minix_abi::exec::{self, ARG_MAX};
use minix_abi::pm;
use minix_abi::vfs::flags::{O_CLOEXEC, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY};
use mxrt::args::execve;
use mxrt::fs::{self, Fd};
use mxrt::posix;

type R = Result<(), &'static str>;

pub const TESTS: &[Test] = &[
    Test { name: "exec.args_env_and_auxv", run: |_| args_env_and_auxv() },
    Test { name: "exec.script_with_argument", run: |_| script_with_argument() },
    Test { name: "exec.close_on_exec", run: |_| close_on_exec() },
    Test { name: "exec.100k_arguments_and_e2big", run: |_| big_arguments() },
    Test { name: "exec.errors_leave_the_caller_as_it_was", run: |_| errors_leave_caller() },
    Test { name: "exec.hostile_programs_enoexec", run: |_| hostile_programs() },
    Test { name: "exec.text_shared_with_the_page_cache", run: |_| text_shared() },
];

/// Forks a child that makes `out` (a pipe's write end) its descriptor 1,
/// runs `prepare`, then execs `path`; returns everything the child wrote
/// and its wait status. A child whose exec fails exits with 100 + errno.
pub(crate) fn run_probe(path: &[u8], argv: &[&[u8]], envp: &[&[u8]], prepare: fn()) -> Result<(String, u64), &'static str> {
    run_probe_quiet_for(path, argv, envp, prepare, 60)
}

/// [`run_probe`] for a program that may rightly write nothing for up to
/// `silence` seconds before it is taken to hang.
pub(crate) fn run_probe_quiet_for(
    path: &[u8],
    argv: &[&[u8]],
    envp: &[&[u8]],
    prepare: fn(),
    silence: u32,
) -> Result<(String, u64), &'static str> {
    let (r, w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::close(r);
        if w.0 != 1 {
            let _ = fs::dup2(w, Fd(1));
            let _ = fs::close(w);
        }
        prepare();
        let e = execve(path, argv, envp);
        posix::exit(100u8.saturating_add(e.0 as u8));
    }
    ok(fs::close(w), "close the write end")?;
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        // A program that hangs fails its test, not the whole run: after
        // `silence` seconds with nothing to read it is killed.
        let mut p = [fs::PollFd { fd: r.0 as i32, events: fs::POLLIN, revents: 0 }];
        if ok(fs::poll(&mut p, silence as i32 * 1000), "poll the child's report")? == 0 {
            let _ = mxrt::signal::kill(pid as i32, 9);
            let _ = posix::waitpid(pid as i64, 0);
            let _ = fs::close(r);
            sel4_root_task::println!(
                "  {}: killed after {} s, having written {:?}",
                core::str::from_utf8(path).unwrap_or("?"),
                silence,
                String::from_utf8_lossy(&out)
            );
            return Err("the program hung");
        }
        match ok(fs::read(r, &mut buf), "read the child's report")? {
            0 => break,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
    let _ = fs::close(r);
    let (got, status) = ok(posix::waitpid(pid as i64, 0), "waitpid")?;
    ensure(got == pid, "waitpid answered another child")?;
    if status != 0 {
        sel4_root_task::println!("  {}: wait status {:#x}, wrote {:?}", core::str::from_utf8(path).unwrap_or("?"), status, out.len());
    }
    Ok((String::from_utf8(out).map_err(|_| "the report is not text")?, status))
}

fn same(got: &str, want: &str, why: &'static str) -> R {
    if got != want {
        sel4_root_task::println!("  got:\n{}  want:\n{}", got, want);
        return Err(why);
    }
    Ok(())
}

fn args_env_and_auxv() -> R {
    let (out, status) = run_probe(b"/bin/probe", &[b"probe", b"report", b"two words", b""], &[b"A=1", b"EMPTY="], || {})?;
    ensure(status == 0, "the probe did not exit 0")?;
    same(
        &out,
        "argc=4\narg=probe\narg=report\narg=two words\narg=\nenv=A=1\nenv=EMPTY=\nexecfn=/bin/probe\naux=ok\n",
        "the probe saw other arguments",
    )?;
    // A relative path, from the working directory, and a code back.
    let (_, status) = run_probe(b"probe", &[b"probe", b"exit", b"42"], &[], || {
        let _ = fs::chdir(b"/bin");
    })?;
    ensure(pm::wifexited(status) && pm::wexitstatus(status) == 42, "the exit code did not come back through exec")?;
    // The bench's tiny program: 24 bytes of code that send PM's EXIT.
    let (_, status) = run_probe(b"/bin/exit0", &[b"exit0"], &[], || {})?;
    ensure(status == 0, "/bin/exit0 did not exit 0")
}

fn script_with_argument() -> R {
    // /bin/probe-script is `#!/bin/probe report`.
    let (out, status) = run_probe(b"/bin/probe-script", &[b"probe-script", b"x y"], &[b"S=1"], || {})?;
    ensure(status == 0, "the interpreter did not exit 0")?;
    same(
        &out,
        "argc=4\narg=/bin/probe\narg=report\narg=/bin/probe-script\narg=x y\nenv=S=1\nexecfn=/bin/probe-script\naux=ok\n",
        "the interpreter got other arguments",
    )
}

fn close_on_exec() -> R {
    let (out, status) = run_probe(b"/bin/probe", &[b"probe", b"fds"], &[], || {
        // Descriptor 1 is the pipe; these two land at 3 and 4 (0 and 2
        // are free, so take them first).
        for fd in [Fd(0), Fd(2)] {
            let _ = fs::dup2(Fd(1), fd);
        }
        let _ = fs::open(b"/etc/motd", O_RDONLY, 0);
        let _ = fs::open(b"/etc/motd", O_RDONLY | O_CLOEXEC, 0);
        let _ = fs::fcntl(Fd(0), minix_abi::vfs::flags::F_SETFD, minix_abi::vfs::flags::FD_CLOEXEC);
    })?;
    ensure(status == 0, "the probe did not exit 0")?;
    same(&out, "fds=1,2,3,\n", "close-on-exec descriptors stayed open, or others went")
}

fn big_arguments() -> R {
    // 100 arguments of 1 KiB: 100 KiB of arguments.
    let big = vec![b'z'; 1023];
    let mut argv: Vec<&[u8]> = vec![b"probe", b"size"];
    argv.extend(core::iter::repeat_n(&big[..], 100));
    let (out, status) = run_probe(b"/bin/probe", &argv, &[], || {})?;
    ensure(status == 0, "the probe did not exit 0")?;
    same(&out, &format!("argc=102 bytes={}\n", 5 + 4 + 100 * 1023), "the probe saw other arguments")?;
    // Just past ARG_MAX: E2BIG from the library, and from the server for
    // a block the library would not have sent.
    let fill = vec![b'a'; ARG_MAX as usize - 8 * 3];
    expect_err(Err::<(), Errno>(execve(b"/bin/probe", &[&fill], &[])), E2BIG, "execve past ARG_MAX")?;
    let mut block = vec![0u8; exec::BLOCK_HEADER as usize + 10 + fill.len() + 1];
    block[..4].copy_from_slice(&exec::MAGIC);
    block[4..8].copy_from_slice(&1u32.to_le_bytes());
    block[12..16].copy_from_slice(&10u32.to_le_bytes());
    block[16..26].copy_from_slice(b"/bin/probe");
    block[26..26 + fill.len()].copy_from_slice(&fill);
    expect_err(raw_exec(block.as_ptr() as u64, block.len() as u64), E2BIG, "a block past ARG_MAX")?;
    expect_err(raw_exec(block.as_ptr() as u64, exec::BLOCK_MAX as u64 + 1), E2BIG, "a block past BLOCK_MAX")
}

/// PM's EXEC with any words.
fn raw_exec(block: u64, len: u64) -> Result<(), Errno> {
    let r = mxrt::ipc::sendrec(PM_EP, pm::EXEC, [block, len, 0, 0], 2);
    r.result().map(|_| ())
}

fn errors_leave_caller() -> R {
    let marker = vec![0x5au8; 4096];
    let fd = ok(fs::open(b"/etc/motd", O_RDONLY | O_CLOEXEC, 0), "open")?;
    let fail = |path: &[u8], e: Errno, why: &'static str| expect_err(Err::<(), Errno>(execve(path, &[b"x"], &[])), e, why);
    fail(b"/bin/nothere", ENOENT, "a missing program")?;
    fail(b"/etc/motd/x", ENOTDIR, "a file as a directory")?;
    fail(b"/etc/motd", EACCES, "no execute bit")?;
    fail(b"/bin", EACCES, "a directory")?;
    let junk = ok(fs::open(b"/tmp/exec-junk", O_CREAT | O_WRONLY | O_TRUNC, 0o755), "create junk")?;
    ok(fs::write(junk, &[0x7f; 300]), "write junk")?;
    ok(fs::close(junk), "close junk")?;
    fail(b"/tmp/exec-junk", ENOEXEC, "junk")?;
    let _ = fs::unlink(b"/tmp/exec-l1");
    let _ = fs::unlink(b"/tmp/exec-l2");
    ok(fs::symlink(b"/tmp/exec-l2", b"/tmp/exec-l1"), "symlink")?;
    ok(fs::symlink(b"/tmp/exec-l1", b"/tmp/exec-l2"), "symlink")?;
    fail(b"/tmp/exec-l1", ELOOP, "a symlink loop")?;
    let long = vec![b'a'; 1100];
    fail(&long, ENAMETOOLONG, "a long path")?;
    // Blocks the caller does not have.
    expect_err(raw_exec(0x3800_0000, 64), EFAULT, "a block in no mapping")?;
    expect_err(raw_exec(1 << 40, 64), EFAULT, "a block above 4 GiB")?;
    // Still the same process, memory and descriptors.
    ensure(marker.iter().all(|&b| b == 0x5a), "the caller's memory changed")?;
    ensure(
        ok(fs::fcntl(fd, minix_abi::vfs::flags::F_GETFD, 0), "fcntl")? == minix_abi::vfs::flags::FD_CLOEXEC,
        "a failed exec closed a descriptor",
    )?;
    for p in [&b"/tmp/exec-junk"[..], b"/tmp/exec-l1", b"/tmp/exec-l2"] {
        let _ = fs::unlink(p);
    }
    ok(fs::close(fd), "close")
}

/// Reads a whole file.
fn slurp(path: &[u8]) -> Result<Vec<u8>, &'static str> {
    let fd = ok(fs::open(path, O_RDONLY, 0), "open")?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        match ok(fs::read(fd, &mut buf), "read")? {
            0 => break,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
    ok(fs::close(fd), "close")?;
    Ok(out)
}

fn put_file(path: &[u8], bytes: &[u8]) -> R {
    let fd = ok(fs::open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o755), "create")?;
    let mut done = 0;
    while done < bytes.len() {
        done += ok(fs::write(fd, &bytes[done..]), "write")?;
    }
    ok(fs::close(fd), "close")
}

fn hostile_programs() -> R {
    let good = slurp(b"/bin/probe")?;
    ensure(good.len() > 4096 && good[..4] == *b"\x7fELF", "/bin/probe is no ELF file")?;
    let phoff = u64::from_le_bytes(good[32..40].try_into().unwrap()) as usize;
    // Program header i, field at `off`.
    let set =
        |f: &mut Vec<u8>, i: usize, off: usize, v: u64| f[phoff + 56 * i + off..phoff + 56 * i + off + 8].copy_from_slice(&v.to_le_bytes());
    let first_load = (0..8).find(|&i| good[phoff + 56 * i] == 1).ok_or("no PT_LOAD")?;
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut f = good.clone();
    set(&mut f, first_load, 32, good.len() as u64 * 4); // filesz past the file
    set(&mut f, first_load, 40, good.len() as u64 * 4);
    cases.push(("file bytes past the end", f));
    let mut f = good.clone();
    set(&mut f, first_load, 32, 1 << 20); // filesz over memsz
    set(&mut f, first_load, 40, 1 << 12);
    cases.push(("filesz over memsz", f));
    let mut f = good.clone();
    set(&mut f, first_load, 16, 0); // at address 0
    cases.push(("address 0", f));
    let mut f = good.clone();
    set(&mut f, first_load, 16, 0xffff_8000_0000_0000); // the kernel half
    cases.push(("the kernel half", f));
    let mut f = good.clone();
    let second = (first_load + 1..16).find(|&i| f[phoff + 56 * i] == 1).ok_or("one PT_LOAD only")?;
    let va = u64::from_le_bytes(good[phoff + 56 * first_load + 16..][..8].try_into().unwrap());
    let off = u64::from_le_bytes(good[phoff + 56 * second + 8..][..8].try_into().unwrap());
    set(&mut f, second, 16, va + off % 4096); // overlapping the first
    cases.push(("overlapping segments", f));
    let mut f = good.clone();
    f[56..58].copy_from_slice(&0xffffu16.to_le_bytes()); // e_phnum
    cases.push(("65535 program headers", f));
    for (what, bytes) in &cases {
        put_file(b"/tmp/exec-hostile", bytes)?;
        if let Err(why) = expect_err(Err::<(), Errno>(execve(b"/tmp/exec-hostile", &[b"h"], &[])), ENOEXEC, "a hostile program ran") {
            sel4_root_task::println!("  case: {}", what);
            return Err(why);
        }
    }
    let _ = fs::unlink(b"/tmp/exec-hostile");
    // The system carries on: a good program still runs.
    let (_, status) = run_probe(b"/bin/probe", &[b"probe", b"exit", b"7"], &[], || {})?;
    ensure(pm::wexitstatus(status) == 7, "exec no longer works")
}

/// A copy of /sbin/init run with `hold` (see its `main`): it touches
/// every page of its read-only data, writes one byte to descriptor 1, then reads descriptor
/// 0 until end of file. Returns its pid, the write end of its input and
/// the read end of its output.
fn start_holder() -> Result<(u32, Fd, Fd), &'static str> {
    let (in_r, in_w) = ok(fs::pipe(0), "pipe")?;
    let (out_r, out_w) = ok(fs::pipe(0), "pipe")?;
    let pid = ok(posix::fork(), "fork")?;
    if pid == 0 {
        let _ = fs::dup2(in_r, Fd(0));
        let _ = fs::dup2(out_w, Fd(1));
        for fd in [in_r, in_w, out_r, out_w] {
            if fd.0 > 1 {
                let _ = fs::close(fd);
            }
        }
        let e = execve(b"/sbin/init", &[b"init", b"hold"], &[]);
        posix::exit(100u8.saturating_add(e.0 as u8));
    }
    let _ = fs::close(in_r);
    let _ = fs::close(out_w);
    let mut b = [0u8; 1];
    ensure(ok(fs::read(out_r, &mut b), "read the holder's byte")? == 1, "the holder did not start")?;
    ensure(b[0] == b'h', "the holder read other bytes than its file's")?;
    Ok((pid, in_w, out_r))
}

/// Pages of /sbin/init's read-only loadable segments (text and read-only
/// data: the pages exec maps from the page cache), from its program
/// headers.
fn init_read_only_pages() -> Result<u64, &'static str> {
    let fd = ok(fs::open(b"/sbin/init", O_RDONLY, 0), "open /sbin/init")?;
    let mut head = vec![0u8; 4096];
    let n = ok(fs::read(fd, &mut head), "read /sbin/init")?;
    let _ = fs::close(fd);
    let word = |at: usize, len: usize| head.get(at..at + len).map(|b| b.iter().rev().fold(0u64, |v, &x| v << 8 | x as u64));
    let (phoff, phnum) = (word(32, 8).ok_or("short")? as usize, word(56, 2).ok_or("short")? as usize);
    let mut pages = 0;
    for i in 0..phnum {
        let ph = phoff + 56 * i;
        ensure(ph + 56 <= n, "program headers past the first page")?;
        // PT_LOAD without PF_W.
        if word(ph, 4) == Some(1) && word(ph + 4, 4).is_some_and(|f| f & 2 == 0) {
            pages += word(ph + 32, 8).ok_or("short")?.div_ceil(4096);
        }
    }
    Ok(pages)
}

/// Two copies of /sbin/init at once, each with all its read-only pages
/// touched: the second costs VM fewer frames than those pages number,
/// because they map the page cache's frames (which the first brought
/// in) rather than copies.
fn text_shared() -> R {
    let shared = init_read_only_pages()?;
    ensure(shared >= 128, "/sbin/init has too few read-only pages to tell sharing from copying")?;
    let free = || posix::vm_info().map(|i| i.0).map_err(|_| "vm_info");
    let f0 = free()?;
    let a = start_holder()?;
    let f1 = free()?;
    let b = start_holder();
    let f2 = free()?;
    let mut statuses = vec![];
    for (pid, w, r) in [Ok(a), b].into_iter().flatten() {
        let _ = fs::close(w);
        let _ = fs::close(r);
        statuses.push(ok(posix::waitpid(pid as i64, 0), "waitpid")?.1);
    }
    ensure(statuses.len() == 2, "the second holder did not start")?;
    ensure(statuses.iter().all(|&s| s == 0), "a holder did not exit 0")?;
    let (first, second) = (f0.saturating_sub(f1), f1.saturating_sub(f2));
    sel4_root_task::println!("  /sbin/init: {} read-only pages; frames taken by the first copy {}, the second {}", shared, first, second);
    ensure(second < shared / 4, "the second exec took a frame for a quarter of its read-only pages or more: they were copied")
}
