// SPDX-License-Identifier: BSD-2-Clause
//! `/bin/probe`: the program exec tests run from the root file system.
//!
//! * `probe report`: writes to descriptor 1 what exec gave it, a line
//!   each: `argc=N`, `arg=...` per argument, `env=...` per environment
//!   string, `execfn=...`, and `aux=ok` or `aux=bad <what>` after
//!   checking the auxiliary vector against itself;
//! * `probe fds`: writes `fds=` and the open descriptors below 64;
//! * `probe size`: writes `argc=N bytes=M` (the arguments' bytes);
//! * `probe exit N`: exits with code N;
//! * `probe sleep MS`: sleeps MS milliseconds, then exits with code 0;
//! * anything else: exits with code 3.
#![cfg_attr(target_os = "none", no_std)]
#![cfg_attr(target_os = "none", no_main)]

#[cfg(target_os = "none")]
extern crate alloc;

#[cfg(target_os = "none")]
mod glue {
    use alloc::vec::Vec;
    use minix_abi::exec::{self, STACK_TOP};
    use minix_abi::vfs::flags::F_GETFD;
    use mxrt::args;
    use mxrt::fs::{self, Fd};

    sel4_root_task::declare_main!("probe", main);

    extern "C" {
        fn _start();
    }

    fn line(out: &mut Vec<u8>, key: &str, value: &[u8]) {
        out.extend_from_slice(key.as_bytes());
        out.push(b'=');
        out.extend_from_slice(value);
        out.push(b'\n');
    }

    fn number(out: &mut Vec<u8>, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
    }

    /// What is wrong with the auxiliary vector, if anything.
    fn aux_problem() -> Option<&'static str> {
        let sp = sel4::initial_sp();
        if args::aux(exec::AT_PAGESZ) != Some(4096) {
            return Some("pagesz");
        }
        if args::aux(exec::AT_ENTRY) != Some(_start as *const () as usize as u64) {
            return Some("entry");
        }
        // Our link script loads no page that holds the program headers,
        // so exec has no address for them (0), as it tells.
        if args::aux(exec::AT_PHDR) != Some(0) || args::aux(exec::AT_PHENT) != Some(56) {
            return Some("phdr");
        }
        if args::aux(exec::AT_PHNUM).is_none_or(|n| n < 2) {
            return Some("phnum");
        }
        match args::aux(exec::AT_RANDOM) {
            Some(r) if r >= sp && r + 16 <= STACK_TOP as u64 => {}
            _ => return Some("random"),
        }
        for key in [exec::AT_UID, exec::AT_EUID, exec::AT_GID, exec::AT_EGID, exec::AT_SECURE] {
            if args::aux(key) != Some(0) {
                return Some("ids");
            }
        }
        if args::aux(exec::AT_HWCAP).is_none() {
            return Some("hwcap");
        }
        None
    }

    fn main(_endpoint: u64) -> ! {
        let mut out = Vec::new();
        let code = match args::arg(1) {
            Some(b"report") => {
                out.extend_from_slice(b"argc=");
                number(&mut out, args::argc() as u64);
                out.push(b'\n');
                for a in args::args() {
                    line(&mut out, "arg", a);
                }
                for e in args::env() {
                    line(&mut out, "env", e);
                }
                line(&mut out, "execfn", args::aux_string(exec::AT_EXECFN).unwrap_or(b"?"));
                match aux_problem() {
                    None => line(&mut out, "aux", b"ok"),
                    Some(what) => line(&mut out, "aux", [b"bad ", what.as_bytes()].concat().as_slice()),
                }
                0
            }
            Some(b"fds") => {
                out.extend_from_slice(b"fds=");
                for fd in 0..64u32 {
                    if fs::fcntl(Fd(fd), F_GETFD, 0).is_ok() {
                        number(&mut out, fd as u64);
                        out.push(b',');
                    }
                }
                out.push(b'\n');
                0
            }
            Some(b"size") => {
                out.extend_from_slice(b"argc=");
                number(&mut out, args::argc() as u64);
                out.extend_from_slice(b" bytes=");
                number(&mut out, args::args().map(|a| a.len() as u64).sum());
                out.push(b'\n');
                0
            }
            Some(b"sleep") => {
                let ms = args::arg(2).and_then(|s| core::str::from_utf8(s).ok()?.parse::<u64>().ok()).unwrap_or(0);
                let _ = mxrt::time::nanosleep(mxrt::time::Timespec::from_nanos(ms * 1_000_000));
                0
            }
            Some(b"exit") => args::arg(2).and_then(|s| core::str::from_utf8(s).ok()?.parse::<u8>().ok()).unwrap_or(255),
            _ => 3,
        };
        let mut done = 0;
        while done < out.len() {
            match fs::write(Fd(1), &out[done..]) {
                Ok(n) if n > 0 => done += n,
                _ => mxrt::posix::exit(4),
            }
        }
        mxrt::posix::exit(code)
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
