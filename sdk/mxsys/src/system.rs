// SPDX-License-Identifier: BSD-2-Clause
//! `uname`, `prlimit64`, and waiting on descriptors (`poll`, `ppoll`,
//! `select`, `pselect6`) in Linux's layouts.
use crate::calls::{Args, Outcome};
use crate::errno::{mx, Lx, EBADF, EINVAL, EPERM, ESRCH};
use crate::user;
use minix_abi::signal::MaskHow;
use minix_abi::vfs::poll::{PollFd, POLLIN, POLLOUT, POLL_MAX};
use mxrt::{fs, posix, signal};

/// `struct utsname`: six fields of 65 bytes.
const UTS_FIELD: usize = 65;

/// What `uname` tells: this is MINIX on seL4, on x86_64.
pub const UTSNAME: [&[u8]; 6] = [b"MINIX", b"minix", b"3.4.0-sel4", b"seL4 5.0.0", b"x86_64", b"(none)"];

pub fn utsname() -> [u8; 6 * UTS_FIELD] {
    let mut out = [0u8; 6 * UTS_FIELD];
    for (i, f) in UTSNAME.iter().enumerate() {
        out[i * UTS_FIELD..i * UTS_FIELD + f.len()].copy_from_slice(f);
    }
    out
}

/// getrandom(buf, len, flags): bytes from `/dev/urandom`, which VFS
/// serves from its generator (seeded at its first use, so never
/// blocking: `GRND_NONBLOCK`, `GRND_RANDOM` and `GRND_INSECURE` change
/// nothing). One read, so a large request may come back short, as
/// Linux's may; the descriptor is the layer's for the call only.
pub fn getrandom(a: &Args) -> Outcome {
    const KNOWN_FLAGS: u64 = 1 | 2 | 4;
    if a[2] & !KNOWN_FLAGS != 0 || a[2] & 6 == 6 {
        return Err(EINVAL);
    }
    let len = usize::try_from(a[1].min(32 << 20)).map_err(|_| EINVAL)?;
    let buf = user::bytes_mut(a[0], len)?;
    if buf.is_empty() {
        return Ok(0);
    }
    use minix_abi::vfs::flags::{O_CLOEXEC, O_RDONLY};
    let fd = mx(fs::open(b"/dev/urandom", O_RDONLY | O_CLOEXEC, 0))?;
    let n = fs::read(fd, buf);
    let _ = fs::close(fd);
    mx(n).map(|n| n as u64)
}

/// times(buf): Linux's `struct tms` (four `clock_t`s in 1/100 s): the
/// caller's and its waited-for children's CPU time as user time (the
/// kernel counts both kinds together), the system times 0; answers the
/// monotonic clock in ticks. A null buffer only answers the clock.
pub fn times(a: &Args) -> Outcome {
    let (own, children, now) = mx(mxrt::time::times())?;
    if a[0] != 0 {
        let mut out = [0u8; 32];
        out[0..8].copy_from_slice(&own.to_le_bytes());
        out[16..24].copy_from_slice(&children.to_le_bytes());
        user::put(a[0], &out)?;
    }
    Ok(now)
}

/// getrusage(who, buf): Linux's `struct rusage` (144 bytes): the user
/// time of the caller (`RUSAGE_SELF` 0, `RUSAGE_THREAD` 1: its threads
/// are counted with it) or its waited-for children (`RUSAGE_CHILDREN`
/// -1); every other field 0.
pub fn getrusage(a: &Args) -> Outcome {
    use mxrt::time::Rusage;
    let who = match a[0] as u32 as i32 {
        0 | 1 => Rusage::SelfProcess,
        -1 => Rusage::Children,
        _ => return Err(EINVAL),
    };
    user::bytes_mut(a[1], 144)?;
    let (sec, usec) = mx(mxrt::time::getrusage_user(who))?;
    let mut out = [0u8; 144];
    out[0..8].copy_from_slice(&sec.to_le_bytes());
    out[8..16].copy_from_slice(&(usec as u64).to_le_bytes());
    user::put(a[1], &out)?;
    Ok(0)
}

pub fn uname(a: &Args) -> Outcome {
    user::put(a[0], &utsname())?;
    Ok(0)
}

/// `RLIM_INFINITY`.
const INFINITY: u64 = u64::MAX;

/// The limits this system has, as (soft, hard): a process's descriptors
/// (VFS's table), an exec'd program's stack; nothing else is limited by
/// a number a process could read. `None` for a resource Linux lacks.
pub fn limit(resource: u64) -> Option<(u64, u64)> {
    const RLIMIT_STACK: u64 = 3;
    const RLIMIT_NOFILE: u64 = 7;
    const RLIM_NLIMITS: u64 = 16;
    match resource {
        RLIMIT_STACK => Some((minix_abi::exec::STACK_SIZE as u64, minix_abi::exec::STACK_SIZE as u64)),
        RLIMIT_NOFILE => Some((POLL_MAX as u64, POLL_MAX as u64)),
        r if r < RLIM_NLIMITS => Some((INFINITY, INFINITY)),
        _ => None,
    }
}

/// `prlimit64(pid, resource, new, old)` for the caller (pid 0 or its
/// own). The limits are the system's, not settable: a new value equal
/// to the current one is accepted, any other is `EPERM` (what Linux
/// answers a process without the privilege to raise it; lowering one is
/// not carried out yet, so it is refused rather than ignored).
pub fn prlimit64(a: &Args) -> Outcome {
    let pid = a[0] as u32 as i32;
    if pid != 0 && pid != posix::getpid() as i32 {
        return Err(ESRCH);
    }
    let (soft, hard) = limit(a[1] & 0xffff_ffff).ok_or(EINVAL)?;
    if a[2] != 0 {
        let (s, h) = (user::read_u64(a[2])?, user::read_u64(a[2] + 8)?);
        if s > h {
            return Err(EINVAL);
        }
        if (s, h) != (soft, hard) {
            return Err(EPERM);
        }
    }
    if a[3] != 0 {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&soft.to_le_bytes());
        out[8..].copy_from_slice(&hard.to_le_bytes());
        user::put(a[3], &out)?;
    }
    Ok(0)
}

/// Linux's poll bits that differ from ours: `POLLWRNORM` (ours is
/// `POLLOUT`), `POLLRDBAND` and `POLLWRBAND` (no band data here).
const LX_POLLWRNORM: u16 = 0x100;

/// Events a Linux `pollfd` asks for, as ours.
pub fn events_in(linux: u16) -> u16 {
    let mut e = linux & 0x7f & !0x38; // IN, PRI, OUT, RDNORM; ERR/HUP/NVAL are never asked
    if linux & LX_POLLWRNORM != 0 {
        e |= POLLOUT;
    }
    e
}

/// What VFS answered, in Linux's bits for what was asked.
pub fn revents_out(asked: u16, ours: u16) -> u16 {
    let mut r = ours & 0x7f;
    if ours & POLLOUT != 0 {
        r &= !POLLOUT;
        if asked & POLLOUT != 0 {
            r |= POLLOUT;
        }
        if asked & LX_POLLWRNORM != 0 {
            r |= LX_POLLWRNORM;
        }
    }
    r
}

/// Polls Linux `pollfd`s at `addr` for `timeout_ms` (negative: no limit).
fn poll_linux(addr: u64, nfds: u64, timeout_ms: i32) -> Outcome {
    if nfds > POLL_MAX as u64 {
        return Err(EINVAL);
    }
    let n = nfds as usize;
    let user_fds = user::bytes_mut(addr, 8 * n)?;
    let mut fds = [PollFd { fd: -1, events: 0, revents: 0 }; POLL_MAX];
    let mut asked = [0u16; POLL_MAX];
    for i in 0..n {
        let b = &user_fds[8 * i..8 * i + 8];
        asked[i] = u16::from_le_bytes([b[4], b[5]]);
        fds[i] = PollFd { fd: i32::from_le_bytes([b[0], b[1], b[2], b[3]]), events: events_in(asked[i]), revents: 0 };
    }
    let ready = mx(fs::poll(&mut fds[..n], timeout_ms))?;
    for i in 0..n {
        let r = revents_out(asked[i], fds[i].revents);
        user_fds[8 * i + 6..8 * i + 8].copy_from_slice(&r.to_le_bytes());
    }
    Ok(ready as u64)
}

/// Milliseconds of a timeout, rounded up (a wait is never short), at
/// most `i32::MAX`.
fn ms_of(sec: u64, nsec: u64) -> i32 {
    let ms = sec.saturating_mul(1000).saturating_add(nsec.div_ceil(1_000_000));
    ms.min(i32::MAX as u64) as i32
}

pub fn poll(a: &Args) -> Outcome {
    poll_linux(a[0], a[1] & 0xffff_ffff, a[2] as u32 as i32)
}

/// A `timespec` timeout argument; NULL is no limit.
fn timespec_ms(addr: u64) -> Result<i32, Lx> {
    if addr == 0 {
        return Ok(-1);
    }
    let (sec, nsec) = (user::read_u64(addr)? as i64, user::read_u64(addr + 8)? as i64);
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    Ok(ms_of(sec as u64, nsec as u64))
}

/// Runs `f` with the signal mask at `mask_addr` in place (if any), then
/// puts the old one back. Not atomic as Linux's is: a signal the new mask
/// unblocks may run its handler just before the wait starts, and the wait
/// then lasts its whole time.
fn with_mask(mask_addr: u64, size: u64, f: impl FnOnce() -> Outcome) -> Outcome {
    if mask_addr == 0 {
        return f();
    }
    if size != 8 {
        return Err(EINVAL);
    }
    let bits = (user::read_u64(mask_addr)? & 0x7fff_ffff) as u32;
    let old = mx(signal::sigprocmask(MaskHow::SetMask, bits))?;
    let r = f();
    mx(signal::sigprocmask(MaskHow::SetMask, old))?;
    r
}

pub fn ppoll(a: &Args) -> Outcome {
    let ms = timespec_ms(a[2])?;
    with_mask(a[3], a[4], || poll_linux(a[0], a[1] & 0xffff_ffff, ms))
}

/// `select` on Linux's `fd_set`s (bit `fd` of an array of 64-bit
/// words), done with `poll`: a descriptor past this process's table
/// cannot be open, so naming one is `EBADF`.
fn select_linux(nfds: u64, sets: [u64; 3], ms: i32) -> Outcome {
    let nfds = nfds as u32 as i32;
    if nfds < 0 {
        return Err(EINVAL);
    }
    let words = (nfds as usize).div_ceil(64);
    let mut bits = [[0u64; 1]; 3];
    for (k, &addr) in sets.iter().enumerate() {
        if addr == 0 {
            continue;
        }
        for w in 0..words {
            let v = user::read_u64(addr + 8 * w as u64)?;
            let v = if w == words - 1 && nfds % 64 != 0 { v & ((1u64 << (nfds % 64)) - 1) } else { v };
            if w == 0 {
                bits[k][0] = v;
            } else if v != 0 {
                return Err(EBADF);
            }
        }
    }
    let mut fds = [PollFd { fd: -1, events: 0, revents: 0 }; POLL_MAX];
    let mut n = 0;
    for fd in 0..POLL_MAX.min(nfds.max(0) as usize) {
        let (r, w, e) = (bits[0][0] >> fd & 1, bits[1][0] >> fd & 1, bits[2][0] >> fd & 1);
        if r | w | e != 0 {
            let events = if r != 0 { POLLIN } else { 0 } | if w != 0 { POLLOUT } else { 0 } | if e != 0 { 0x2 } else { 0 };
            fds[n] = PollFd { fd: fd as i32, events, revents: 0 };
            n += 1;
        }
    }
    mx(fs::poll(&mut fds[..n], ms))?;
    let mut out = [0u64; 3];
    let mut count = 0u64;
    for f in &fds[..n] {
        if f.revents & 0x20 != 0 {
            return Err(EBADF);
        }
        let bit = 1u64 << f.fd;
        let checks = [
            (0, f.events & POLLIN != 0 && f.revents & (POLLIN | 0x8 | 0x10) != 0),
            (1, f.events & POLLOUT != 0 && f.revents & (POLLOUT | 0x8) != 0),
            (2, f.events & 0x2 != 0 && f.revents & 0x2 != 0),
        ];
        for (k, hit) in checks {
            if hit {
                out[k] |= bit;
                count += 1;
            }
        }
    }
    for (k, &addr) in sets.iter().enumerate() {
        if addr != 0 && words > 0 {
            user::put(addr, &out[k].to_le_bytes())?;
        }
    }
    Ok(count)
}

pub fn select(a: &Args) -> Outcome {
    let ms = if a[4] == 0 {
        -1
    } else {
        let (sec, usec) = (user::read_u64(a[4])? as i64, user::read_u64(a[4] + 8)? as i64);
        if sec < 0 || !(0..1_000_000).contains(&usec) {
            return Err(EINVAL);
        }
        ms_of(sec as u64, usec as u64 * 1000)
    };
    select_linux(a[0], [a[1], a[2], a[3]], ms)
}

/// `pselect6`'s sixth argument points at (mask address, mask size).
pub fn pselect6(a: &Args) -> Outcome {
    let ms = timespec_ms(a[4])?;
    let (mask, size) = if a[5] != 0 { (user::read_u64(a[5])?, user::read_u64(a[5] + 8)?) } else { (0, 0) };
    with_mask(mask, size, || select_linux(a[0], [a[1], a[2], a[3]], ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uname_fields() {
        let u = utsname();
        assert_eq!(&u[..6], b"MINIX\0");
        assert_eq!(&u[4 * UTS_FIELD..4 * UTS_FIELD + 7], b"x86_64\0");
        assert!(UTSNAME.iter().all(|f| f.len() < UTS_FIELD));
    }

    #[test]
    fn limits() {
        assert_eq!(limit(7), Some((64, 64)));
        assert_eq!(limit(3), Some((8 << 20, 8 << 20)));
        assert_eq!(limit(0), Some((INFINITY, INFINITY)));
        assert_eq!(limit(16), None);
        assert_eq!(prlimit64(&[0, 99, 0, 0, 0, 0]), Err(EINVAL));
    }

    #[test]
    fn poll_bits() {
        assert_eq!(events_in(0x1), POLLIN);
        assert_eq!(events_in(LX_POLLWRNORM), POLLOUT);
        assert_eq!(events_in(0x1 | 0x8 | 0x10), POLLIN);
        assert_eq!(revents_out(LX_POLLWRNORM, POLLOUT), LX_POLLWRNORM);
        assert_eq!(revents_out(POLLOUT | LX_POLLWRNORM, POLLOUT), POLLOUT | LX_POLLWRNORM);
        assert_eq!(revents_out(POLLIN, POLLIN | 0x10), POLLIN | 0x10);
        assert_eq!(ms_of(0, 1), 1);
        assert_eq!(ms_of(1, 500_000_000), 1500);
        assert_eq!(ms_of(u64::MAX, 0), i32::MAX);
    }

    #[test]
    fn bad_arguments() {
        assert_eq!(poll(&[0x1000, 65, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(select(&[(-1i64) as u64, 0, 0, 0, 0, 0]), Err(EINVAL));
        assert_eq!(ppoll(&[0x1000, 1, 8, 0, 0, 0]), Err(crate::errno::EFAULT));
    }
}
