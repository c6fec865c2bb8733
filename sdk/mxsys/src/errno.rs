// SPDX-License-Identifier: BSD-2-Clause
//! Linux's errno values, and MINIX's (NetBSD's numbering) turned into them.
//!
//! Our servers answer MINIX error numbers; a C program compiled for Linux
//! compares `errno` with Linux's. The two agree from 1 to 34 but for
//! `EDEADLK` and `EAGAIN`, which trade places, and part ways above.
use minix_abi::errno::Errno;

/// A Linux error number (positive; a call answers it negated).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Lx(pub u16);

pub const EPERM: Lx = Lx(1);
pub const ENOENT: Lx = Lx(2);
pub const ESRCH: Lx = Lx(3);
pub const EINTR: Lx = Lx(4);
pub const EIO: Lx = Lx(5);
pub const E2BIG: Lx = Lx(7);
pub const EBADF: Lx = Lx(9);
pub const ECHILD: Lx = Lx(10);
pub const EAGAIN: Lx = Lx(11);
pub const ENOMEM: Lx = Lx(12);
pub const EACCES: Lx = Lx(13);
pub const EFAULT: Lx = Lx(14);
pub const EISDIR: Lx = Lx(21);
pub const EINVAL: Lx = Lx(22);
pub const ENOTTY: Lx = Lx(25);
pub const ERANGE: Lx = Lx(34);
pub const ENAMETOOLONG: Lx = Lx(36);
pub const ENOSYS: Lx = Lx(38);
pub const ETIMEDOUT: Lx = Lx(110);
pub const EAFNOSUPPORT: Lx = Lx(97);

/// NetBSD's numbers from 35 on (index `n - 35`), as Linux numbers; 0
/// where Linux has no such error (those become `EIO`).
const FROM_35: [u16; 62] = [
    11,  // 35 EAGAIN
    115, // 36 EINPROGRESS
    114, // 37 EALREADY
    88,  // 38 ENOTSOCK
    89,  // 39 EDESTADDRREQ
    90,  // 40 EMSGSIZE
    91,  // 41 EPROTOTYPE
    92,  // 42 ENOPROTOOPT
    93,  // 43 EPROTONOSUPPORT
    94,  // 44 ESOCKTNOSUPPORT
    95,  // 45 EOPNOTSUPP
    96,  // 46 EPFNOSUPPORT
    97,  // 47 EAFNOSUPPORT
    98,  // 48 EADDRINUSE
    99,  // 49 EADDRNOTAVAIL
    100, // 50 ENETDOWN
    101, // 51 ENETUNREACH
    102, // 52 ENETRESET
    103, // 53 ECONNABORTED
    104, // 54 ECONNRESET
    105, // 55 ENOBUFS
    106, // 56 EISCONN
    107, // 57 ENOTCONN
    108, // 58 ESHUTDOWN
    109, // 59 ETOOMANYREFS
    110, // 60 ETIMEDOUT
    111, // 61 ECONNREFUSED
    40,  // 62 ELOOP
    36,  // 63 ENAMETOOLONG
    112, // 64 EHOSTDOWN
    113, // 65 EHOSTUNREACH
    39,  // 66 ENOTEMPTY
    11,  // 67 EPROCLIM: Linux says EAGAIN when a process limit is hit
    87,  // 68 EUSERS
    122, // 69 EDQUOT
    116, // 70 ESTALE
    66,  // 71 EREMOTE
    0,   // 72 EBADRPC
    0,   // 73 ERPCMISMATCH
    0,   // 74 EPROGUNAVAIL
    0,   // 75 EPROGMISMATCH
    0,   // 76 EPROCUNAVAIL
    37,  // 77 ENOLCK
    38,  // 78 ENOSYS
    22,  // 79 EFTYPE: Linux answers EINVAL where NetBSD has this
    0,   // 80 EAUTH
    0,   // 81 ENEEDAUTH
    43,  // 82 EIDRM
    42,  // 83 ENOMSG
    75,  // 84 EOVERFLOW
    84,  // 85 EILSEQ
    95,  // 86 ENOTSUP
    125, // 87 ECANCELED
    74,  // 88 EBADMSG
    61,  // 89 ENODATA
    63,  // 90 ENOSR
    60,  // 91 ENOSTR
    62,  // 92 ETIME
    61,  // 93 ENOATTR
    72,  // 94 EMULTIHOP
    67,  // 95 ENOLINK
    71,  // 96 EPROTO
];

/// The Linux number for a MINIX error; `EIO` for one Linux lacks (or a
/// number no server should send).
pub fn linux(e: Errno) -> Lx {
    match e.0 {
        11 => Lx(35), // EDEADLK
        n @ 1..=34 => Lx(n as u16),
        n @ 35..=96 => match FROM_35[(n - 35) as usize] {
            0 => EIO,
            l => Lx(l),
        },
        _ => EIO,
    }
}

/// A result of `mxrt`'s, its error as Linux's.
pub fn mx<T>(r: Result<T, Errno>) -> Result<T, Lx> {
    r.map_err(linux)
}

impl From<Errno> for Lx {
    fn from(e: Errno) -> Lx {
        linux(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minix_abi::errno as mx;

    #[test]
    fn every_minix_error_we_send_has_its_linux_number() {
        let pairs = [
            (mx::EPERM, 1),
            (mx::ENOENT, 2),
            (mx::EINTR, 4),
            (mx::E2BIG, 7),
            (mx::ENOEXEC, 8),
            (mx::EBADF, 9),
            (mx::ECHILD, 10),
            (mx::EDEADLK, 35),
            (mx::ENOMEM, 12),
            (mx::EACCES, 13),
            (mx::EFAULT, 14),
            (mx::EBUSY, 16),
            (mx::EEXIST, 17),
            (mx::EXDEV, 18),
            (mx::ENOTDIR, 20),
            (mx::EISDIR, 21),
            (mx::EINVAL, 22),
            (mx::ENFILE, 23),
            (mx::EMFILE, 24),
            (mx::ENOTTY, 25),
            (mx::ETXTBSY, 26),
            (mx::EFBIG, 27),
            (mx::ENOSPC, 28),
            (mx::ESPIPE, 29),
            (mx::EROFS, 30),
            (mx::EMLINK, 31),
            (mx::EPIPE, 32),
            (mx::ERANGE, 34),
            (mx::EAGAIN, 11),
            (mx::ELOOP, 40),
            (mx::ENAMETOOLONG, 36),
            (mx::ENOTEMPTY, 39),
            (mx::ENOSYS, 38),
            (mx::EGENERIC, 5),
        ];
        for (m, l) in pairs {
            assert_eq!(linux(m), Lx(l), "{}", m.name());
        }
    }

    #[test]
    fn any_number_maps_to_a_linux_error() {
        for n in -5..200 {
            let l = linux(Errno(n));
            assert!(l.0 >= 1 && l.0 <= 133, "{} -> {}", n, l.0);
        }
        assert_eq!(linux(Errno(0)), EIO);
        assert_eq!(linux(Errno(72)), EIO);
        assert_eq!(linux(Errno(47)), EAFNOSUPPORT);
    }
}
