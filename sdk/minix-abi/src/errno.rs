// SPDX-License-Identifier: BSD-2-Clause
//! MINIX 3 error numbers.
//!
//! MINIX 3.3 and later use the NetBSD numbering. Inside the system MINIX
//! carries errors negated (`_SIGN`); on our wire a reply carries the
//! negative value in its status word, and user programs see the positive one.

/// A MINIX error number, always the positive value.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $val:expr, $text:expr;)*) => {
        $(#[doc = $text] pub const $name: Errno = Errno($val);)*

        impl Errno {
            /// The symbolic name, for logs and test output.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($val => stringify!($name),)*
                    _ => "E?",
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "Device not configured";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EDEADLK = 11, "Resource deadlock avoided";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Cross-device link";
    ENODEV = 19, "Operation not supported by device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Result too large";
    EAGAIN = 35, "Resource temporarily unavailable";
    ETIMEDOUT = 60, "Operation timed out";
    ELOOP = 62, "Too many levels of symbolic links";
    ENAMETOOLONG = 63, "File name too long";
    ENOTEMPTY = 66, "Directory not empty";
    ENOSYS = 78, "Function not implemented";
    EGENERIC = 99, "Generic error";
}

impl Errno {
    /// The value as carried in a reply's status word: negative.
    pub const fn wire(self) -> i64 {
        -(self.0 as i64)
    }

    /// Reads a reply status word: `Ok(value)` for a non-negative status,
    /// `Err(errno)` for a negative one.
    pub const fn from_wire(status: i64) -> Result<u64, Errno> {
        if status >= 0 {
            Ok(status as u64)
        } else if status < -(i32::MAX as i64) {
            Err(EGENERIC)
        } else {
            Err(Errno((-status) as i32))
        }
    }
}

/// Result type used across the personality.
pub type MxResult<T> = Result<T, Errno>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_round_trip() {
        for e in [EPERM, EFAULT, ELOOP, ENOSYS, ENOSPC] {
            assert_eq!(Errno::from_wire(e.wire()), Err(e));
        }
        assert_eq!(Errno::from_wire(0), Ok(0));
        assert_eq!(Errno::from_wire(4096), Ok(4096));
        assert_eq!(Errno::from_wire(i64::MIN), Err(EGENERIC));
    }

    #[test]
    fn names() {
        assert_eq!(ELOOP.name(), "ELOOP");
        assert_eq!(Errno(1234).name(), "E?");
    }
}
