// SPDX-License-Identifier: BSD-2-Clause
//! A C program on the real system: `/bin/ctest` (user/c/ctest.c) is built
//! against Debian's musl, patched so that every system call goes to our
//! layer (sdk/mxsys), which turns them into our servers' messages. Each
//! test runs one of its cases with descriptor 1 a pipe to this process
//! and checks what it printed and how it exited (a case prints a line for
//! each check that failed, which the test shows). `/bin/sh` is Debian's
//! dash, built from its source package against the same library, and the
//! other commands are Debian's toybox (a link per command).
extern crate alloc;
use crate::harness::{ensure, ok, Test};
use crate::tests_exec::run_probe;
use alloc::borrow::ToOwned;
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
    Test {
        name: "libc.sigaction_handlers_masks_eintr_restart",
        run: |_| case("signals", "raise\nsiginfo\nmask\nalarm\nsigchld\neintr\nrestart\n"),
    },
    Test { name: "libc.ucontext_registers_changed_by_a_handler", run: |_| clib("context", &[], "context ok\n") },
    Test { name: "libc.setjmp_siglongjmp_out_of_sigsegv", run: |_| clib("jumps", &[], "jumps ok\n") },
    Test { name: "libc.getopt_and_getopt_long", run: |_| clib("getopt", &[], "getopt ok\n") },
    Test {
        name: "libc.environment_setenv_and_exec",
        run: |_| {
            clib("environment", &[b"CLIB_GIVEN=given value"], "child: CLIB_NEW=replaced CLIB_PUT=put CLIB_GIVEN=(none)\nenvironment ok\n")
        },
    },
    Test { name: "libc.file_call_errnos", run: |_| clib("errnos", &[], "errnos ok\n") },
    Test { name: "libc.mmap_of_files_and_shared_anonymous", run: |_| clib("mappings", &[], "mappings ok\n") },
    Test { name: "libc.dev_urandom_and_getrandom", run: |_| clib("random", &[], "random ok\n") },
    Test { name: "libc.chown_fchmod_utimensat", run: |_| clib("owners", &[], "owners ok\n") },
    Test { name: "libc.times_and_getrusage", run: |_| clib("cpu", &[], "cpu ok\n") },
    Test { name: "libc.mkfifo_mknod_and_named_pipes", run: |_| clib("fifos", &[], "fifos ok\n") },
    Test { name: "libc.statx_faccessat2_sched_getaffinity", run: |_| clib("newer", &[], "newer ok\n") },
    Test { name: "libc.madvise_dontneed_and_free", run: |_| clib("advice", &[], "advice ok\n") },
    Test { name: "libc.threads_mutex_counter_tls_join", run: |_| cthread("counter", "counter 80000\n") },
    Test { name: "libc.threads_condvar_and_timedwait", run: |_| cthread("condvar", "condvar 500500\n") },
    Test { name: "libc.threads_exit_fault_detach", run: |_| cthread("endings", "endings ok\n") },
    Test { name: "libc.posix_spawn_and_system", run: |_| cthread("spawn", "from system\nspawn ok\n") },
    Test {
        name: "libc.zlib_minigzip_and_example",
        // zlib's `make teststatic`: a round trip through minigzip, then
        // its example program (deflate, inflate, gz files, dictionaries).
        run: |_| {
            sh(
                "echo hello world | /usr/src/zlib/minigzip | /usr/src/zlib/minigzip -d && /usr/src/zlib/example /tmp/zlib-test",
                "hello world\nzlib version 1.2.13 = 0x12d0, compile flags = 0xa9\nuncompress(): hello, hello!\n\
                 gzread(): hello, hello!\ngzgets() after gzseek:  hello!\ninflate(): hello, hello!\nlarge_inflate(): OK\n\
                 after inflateSync(): hello, hello!\ninflate with dictionary: hello, hello!\n",
                0,
            )
        },
    },
    Test {
        name: "libc.bzip2_samples",
        // bzip2's `make test`: its three samples compressed at levels 1 to
        // 3 and decompressed (the last with -s), each compared with the
        // files the source ships.
        run: |_| {
            sh(
                "cd /usr/src/bzip2 && ./bzip2 -1 < sample1.ref > /tmp/sample1.rb2 && ./bzip2 -2 < sample2.ref > /tmp/sample2.rb2 \
                 && ./bzip2 -3 < sample3.ref > /tmp/sample3.rb2 && ./bzip2 -d < sample1.bz2 > /tmp/sample1.tst \
                 && ./bzip2 -d < sample2.bz2 > /tmp/sample2.tst && ./bzip2 -ds < sample3.bz2 > /tmp/sample3.tst \
                 && cmp sample1.bz2 /tmp/sample1.rb2 && cmp sample2.bz2 /tmp/sample2.rb2 && cmp sample3.bz2 /tmp/sample3.rb2 \
                 && cmp /tmp/sample1.tst sample1.ref && cmp /tmp/sample2.tst sample2.ref && cmp /tmp/sample3.tst sample3.ref \
                 && rm /tmp/sample?.rb2 /tmp/sample?.tst && echo bzip2 ok",
                "bzip2 ok\n",
                0,
            )
        },
    },
    Test { name: "libc.exit_codes", run: |_| exit_codes() },
    Test { name: "libc.uname_rlimits_poll_select", run: |_| case("system", "system ok\n") },
    Test { name: "libc.dev_null_zero_full", run: |_| case("devices", "devices ok\n") },
    Test { name: "libc.dash_builtins_and_arithmetic", run: |_| dash_builtins() },
    Test { name: "libc.dash_runs_programs_pipes_redirections", run: |_| dash_programs() },
    Test { name: "libc.dash_script_with_shebang", run: |_| dash_script() },
    Test { name: "libc.bash_arrays_and_tests", run: |_| bash() },
    Test { name: "libc.command_substitution_output_survives_sigchld", run: |_| comsub_sigchld() },
    Test {
        name: "libc.dash_trap",
        run: |_| {
            sh("trap 'echo caught USR1' USR1; kill -USR1 $$; echo after; trap - USR1; trap 'echo bye' EXIT", "caught USR1\nafter\nbye\n", 0)
        },
    },
    Test {
        name: "libc.awk_fields_and_groups",
        // Debian's mawk as /bin/awk; /etc/group names Debian's base groups.
        run: |_| {
            sh(
                "printf 'a 1\\nb 2\\nc 3\\n' | awk '{ s += $2 } END { print NR, s }'; awk -F: '$1 == \"sys\" { print $3 }' /etc/group 2>&1; echo $?",
                "3 6\n3\n0\n",
                0,
            )
        },
    },
    Test {
        name: "libc.gzip_and_toybox_gunzip",
        // Debian's gzip compresses, toybox's gunzip and zcat read it back.
        run: |_| {
            sh(
                "seq 1000 > /tmp/gz-in && gzip -9 -c /tmp/gz-in > /tmp/gz-in.gz && gunzip -c /tmp/gz-in.gz | cmp - /tmp/gz-in \
                 && zcat /tmp/gz-in.gz | wc -l && rm /tmp/gz-in /tmp/gz-in.gz",
                "1000\n",
                0,
            )
        },
    },
    Test { name: "libc.toybox_files_mkdir_cp_find_rm", run: |_| toybox_files() },
    Test { name: "libc.toybox_text_pipeline", run: |_| toybox_text() },
];

fn show(got: &str, want: &str) {
    sel4_root_task::println!("  got: {:?}\n  want: {:?}", got, want);
}

/// Runs `clib <name>` with environment `env` and wants `want` on its
/// output and exit status 0.
fn clib(name: &str, env: &[&[u8]], want: &str) -> R {
    let (out, status) = run_probe(b"/bin/clib", &[b"clib", name.as_bytes()], env, || {})?;
    if out != want {
        show(&out, want);
        return Err("clib printed something else");
    }
    ensure(status == 0, "clib did not exit 0")
}

/// Runs `cthread <name>` and wants `want` on its output and exit status 0.
fn cthread(name: &str, want: &str) -> R {
    let (out, status) = run_probe(b"/bin/cthread", &[b"cthread", name.as_bytes()], &[b"PATH=/bin"], || {})?;
    if out != want {
        show(&out, want);
        return Err("cthread printed something else");
    }
    ensure(status == 0, "cthread did not exit 0")
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

/// Runs `sh -c script` and wants `want` on its output and exit status
/// `code`.
fn sh(script: &str, want: &str, code: u8) -> R {
    let (out, status) = run_probe(b"/bin/sh", &[b"sh", b"-c", script.as_bytes()], &[b"PATH=/bin"], || {})?;
    if out != want {
        show(&out, want);
        return Err("dash printed something else");
    }
    ensure(pm::wifexited(status) && pm::wexitstatus(status) as u8 == code, "dash exited with another status")
}

fn dash_builtins() -> R {
    sh(
        "x=$((6 * 7)); echo \"x=$x\"; for i in 1 2 3; do printf '%s,' $i; done; echo; \
         test -d /tmp && echo dir; case abc in a*) echo matched;; esac; \
         f() { echo \"in f: $1\"; return 4; }; f arg; echo \"f said $?\"; exit 9",
        "x=42\n1,2,3,\ndir\nmatched\nin f: arg\nf said 4\n",
        9,
    )
}

fn dash_programs() -> R {
    sh(
        "ctest exit 3; echo \"status=$?\"; \
         echo piped | { read v; echo \"got $v\"; }; \
         ctest hello | { read a b c; echo \"$a $b\"; }; \
         echo kept > /tmp/dash-file; read w < /tmp/dash-file; echo \"$w\"; \
         echo more >> /tmp/dash-file; while read line; do echo \"line $line\"; done < /tmp/dash-file; \
         x=$(ctest exit 0; echo substituted); echo \"$x\"; \
         ( cd /tmp && pwd ); pwd",
        "status=3\ngot piped\nhello from\nkept\nline kept\nline more\nsubstituted\n/tmp\n/\n",
        0,
    )
}

fn dash_script() -> R {
    let script = b"#!/bin/sh\necho \"script $1 $#\"\nexit 5\n";
    let mut f = ok(mxrt::fs::File::create(b"/tmp/dash-script"), "create the script")?;
    embedded_io::Write::write_all(&mut f, script).map_err(|_| "write the script")?;
    ok(f.close(), "close the script")?;
    ok(mxrt::fs::chmod(b"/tmp/dash-script", 0o755), "chmod the script")?;
    let (out, status) = run_probe(b"/tmp/dash-script", &[b"dash-script", b"one"], &[], || {})?;
    if out != "script one 1\n" {
        show(&out, "script one 1\n");
        return Err("the script printed something else");
    }
    ensure(pm::wifexited(status) && pm::wexitstatus(status) == 5, "the script's exit status did not come back")?;
    ok(mxrt::fs::unlink(b"/tmp/dash-script"), "unlink the script")
}

/// The scripts' standard error is their output (so that errors show in
/// what the test compares). Their standard input stays closed: toybox
/// opens `/dev/null` on any of descriptors 0 to 2 that is, and dies if it
/// cannot.
const TOYBOX_FDS: &str = "exec 2>&1; ";

/// toybox's file commands, through dash: they walk directories with the
/// `*at` calls from directory descriptors (`AT_DIR` in VFS).
fn toybox_files() -> R {
    sh(
        &(TOYBOX_FDS.to_owned()
            + "mkdir -p /tmp/tb/a/b && echo hello > /tmp/tb/a/b/f && cat /tmp/tb/a/b/f && wc -c < /tmp/tb/a/b/f && \
         cp /tmp/tb/a/b/f /tmp/tb/g && ls /tmp/tb && find /tmp/tb | sort && cp -r /tmp/tb/a /tmp/tb/c && \
         find /tmp/tb/c -type f && rm -r /tmp/tb && test ! -e /tmp/tb && echo gone"),
        "hello\n6\na\ng\n/tmp/tb\n/tmp/tb/a\n/tmp/tb/a/b\n/tmp/tb/a/b/f\n/tmp/tb/g\n/tmp/tb/c/b/f\ngone\n",
        0,
    )
}

fn toybox_text() -> R {
    sh(
        &(TOYBOX_FDS.to_owned()
            + "seq 1 10 | sort -rn | head -3 | paste -s -d ' '; printf 'b\\na\\nc\\na\\n' | sort | uniq | wc -l; \
         printf 'x=1\\ny=2\\n' | sed 's/=/ is /' | grep y; echo abc | md5sum; basename /a/b/c.txt .txt"),
        "10 9 8\n3\ny is 2\n0bee89b07a248e27c83fc3d5951213c1  -\nc\n",
        0,
    )
}

/// Debian's bash, with what dash lacks: associative and indexed arrays,
/// `[[ ]]`, `**`, `$BASH_VERSION`, a here-string, a process's `$(...)`.
/// A command substitution's child writes four times and exits; its
/// SIGCHLD reaches bash while bash reads the pipe, closes it or waits,
/// and PM suspends bash to run the handler. Before VFS froze a process
/// PM was about to suspend (`PROC_CANCEL`), and before the kernel kept
/// a running thread's restart PC (kernel/patches/0003), about one in a
/// hundred of these lost output: a read or close VFS had answered was
/// made again. 500 rounds must all see every byte.
fn comsub_sigchld() -> R {
    let script = "bad=0; for i in $(seq 1 500); do x=$(printf a; printf b; printf c; echo d); \
                  [ \"$x\" = abcd ] || { bad=$((bad+1)); echo \"round $i: [$x]\"; }; done; echo bad=$bad";
    let (out, status) = run_probe(b"/bin/bash", &[b"bash", b"-c", script.as_bytes()], &[b"PATH=/bin"], || {})?;
    if out != "bad=0\n" {
        show(&out, "bad=0\n");
        return Err("a command substitution lost output");
    }
    ensure(status == 0, "bash did not exit 0")
}

fn bash() -> R {
    let script = "declare -A m; m[key]=val; echo ${m[key]} ${BASH_VERSION%%.*}; arr=(x y z); echo ${#arr[@]} ${arr[2]}; \
                  [[ abc == a* ]] && echo glob; echo $((2**10)); read -r w <<< 'here string'; echo \"$w\"; \
                  echo \"$(ctest exit 0; echo sub)\"; f() { local v=inner; echo $v; }; f; exit 3";
    let (out, status) = run_probe(b"/bin/bash", &[b"bash", b"-c", script.as_bytes()], &[b"PATH=/bin"], || {})?;
    let want = "val 5\n3 z\nglob\n1024\nhere string\nsub\ninner\n";
    if out != want {
        show(&out, want);
        return Err("bash printed something else");
    }
    ensure(pm::wifexited(status) && pm::wexitstatus(status) == 3, "bash exited with another status")
}
