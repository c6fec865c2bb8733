// SPDX-License-Identifier: BSD-2-Clause
//! A C program on the real system: `/bin/ctest` (user/c/ctest.c) is built
//! against Debian's musl, patched so that every system call goes to our
//! layer (sdk/mxsys), which turns them into our servers' messages. Each
//! test runs one of its cases with descriptor 1 a pipe to this process
//! and checks what it printed and how it exited (a case prints why it
//! failed on descriptor 2, the console).
extern crate alloc;
use crate::harness::{ensure, Test};
use crate::tests_exec::run_probe;
use minix_abi::pm;

type R = Result<(), &'static str>;

pub const TESTS: &[Test] = &[
    Test { name: "libc.printf_from_c", run: |_| printf_from_c() },
    Test { name: "libc.tls_errno_enosys_eafnosupport", run: |_| case("tls", "tls ok\n") },
    Test { name: "libc.malloc_brk_mmap_realloc", run: |_| case("memory", "memory ok\n") },
    Test { name: "libc.stdio_files_stat_seek_rename", run: |_| case("files", "files ok\n") },
    Test { name: "libc.readdir_getdents64", run: |_| case("dirs", "dirs ok: 40 entries\n") },
    Test { name: "libc.fork_pipe_waitpid_kill", run: |_| case("processes", "processes ok\n") },
    Test { name: "libc.execve_from_c", run: |_| execve_from_c() },
    Test { name: "libc.clocks_and_nanosleep", run: |_| case("clocks", "clocks ok\n") },
    Test { name: "libc.exit_codes", run: |_| exit_codes() },
];

fn show(got: &str, want: &str) {
    sel4_root_task::println!("  got: {:?}\n  want: {:?}", got, want);
}

/// Runs `ctest <name>` and wants `want` on its output and exit status 0.
fn case(name: &str, want: &str) -> R {
    let (out, status) = run_probe(b"/bin/ctest", &[b"ctest", name.as_bytes()], &[], || {})?;
    if out != want {
        show(&out, want);
        return Err("ctest printed something else");
    }
    ensure(status == 0, "ctest did not exit 0")
}

fn printf_from_c() -> R {
    let (out, status) = run_probe(b"/bin/ctest", &[b"ctest", b"hello"], &[b"HOME=/"], || {})?;
    let want = "hello from C: argc=2 argv[1]=hello  3.14 beef\n";
    if out != want {
        show(&out, want);
        return Err("printf printed something else");
    }
    ensure(status == 0, "ctest hello did not exit 0")
}

/// A C program execs a Rust one, which reports what it was given.
fn execve_from_c() -> R {
    let (out, status) = run_probe(b"/bin/ctest", &[b"ctest", b"exec"], &[], || {})?;
    let want = "argc=3\narg=probe\narg=report\narg=from-c\nenv=WHO=ctest\nexecfn=/bin/probe\naux=ok\n";
    if out != want {
        show(&out, want);
        return Err("the program the C program ran saw other arguments");
    }
    ensure(status == 0, "the exec'd probe did not exit 0")
}

fn exit_codes() -> R {
    for code in [0u8, 1, 42, 255] {
        let arg = alloc::format!("{}", code);
        let (_, status) = run_probe(b"/bin/ctest", &[b"ctest", b"exit", arg.as_bytes()], &[], || {})?;
        ensure(pm::wifexited(status) && pm::wexitstatus(status) as u8 == code, "main's return value is not the exit code")?;
    }
    Ok(())
}
