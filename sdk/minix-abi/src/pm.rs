// SPDX-License-Identifier: BSD-2-Clause
//! The process manager's interface (served by the root task).
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest};
use crate::word::{at_most, bits_of, i32_sext_of, u8_of};

pub const BASE: u64 = 0x100;
pub const GETPID: u64 = BASE + 1;
pub const GETPPID: u64 = BASE + 2;
pub const EXIT: u64 = BASE + 3;
pub const WAIT: u64 = BASE + 4;
pub const FORK: u64 = BASE + 5;
pub const SPAWN: u64 = BASE + 6;
/// System information: status = the TSC's frequency in MHz, so a process
/// can turn `rdtsc` readings into time.
pub const GETSYSINFO: u64 = BASE + 7;
/// Replace the caller's program: words (argument block address, bytes);
/// see [`crate::exec`]. No reply on success: the new program starts.
/// `EFAULT` for a block address at or above 4 GiB, `E2BIG` for a block
/// over `exec::BLOCK_MAX`; VFS and VM answer the rest.
pub const EXEC: u64 = BASE + 8;
/// A server reports that it is ready (servers only).
pub const SRV_READY: u64 = BASE + 0x80;
/// init hands over its test tally and asks for shutdown (init only).
pub const SHUTDOWN: u64 = BASE + 0x81;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[GETPID, GETPPID, EXIT, WAIT, FORK, SPAWN, GETSYSINFO, EXEC, SRV_READY, SHUTDOWN];

/// `wait` option: do not block.
pub const WNOHANG: u64 = 1;
/// Every `wait` option PM knows.
pub const WAIT_OPTIONS: u64 = WNOHANG;

/// Largest image number a SPAWN may name (image ids are small indexes;
/// VM answers `EINVAL` for one it does not have).
pub const MAX_IMAGE: u64 = u32::MAX as u64;
/// Largest test count SHUTDOWN carries, so PM's tally cannot overflow.
pub const MAX_TALLY: u64 = u32::MAX as u64;

/// Signal numbers PM reports in wait statuses.
pub const SIGILL: u64 = 4;
pub const SIGKILL: u64 = 9;
/// A file mapping's page lies wholly past the end of the file.
pub const SIGBUS: u64 = 10;
pub const SIGSEGV: u64 = 11;

/// A PM request.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    GetPid,
    GetPpid,
    Exit {
        code: u8,
    },
    /// `pid` -1 waits for any child.
    Wait {
        pid: i64,
        options: u64,
    },
    Fork,
    Spawn {
        image: u64,
    },
    GetSysInfo,
    /// The argument block's address and bytes.
    Exec {
        block: u32,
        len: u32,
    },
    SrvReady,
    Shutdown {
        passed: u64,
        failed: u64,
    },
}

impl Request {
    /// Decodes a request. Unknown call numbers are `ENOSYS`; too few words
    /// (or more than four on a call with arguments) and any word out of its
    /// argument's range are `EINVAL`:
    ///
    /// * EXIT: the code is one byte;
    /// * WAIT: the pid is -1 or a positive `pid_t` (a 32-bit int, written
    ///   sign-extended), the options only [`WAIT_OPTIONS`];
    /// * SPAWN: the image number at most [`MAX_IMAGE`];
    /// * SHUTDOWN: each count at most [`MAX_TALLY`];
    /// * EXEC answers as the call would: a block at or above 4 GiB is
    ///   `EFAULT`, one over `exec::BLOCK_MAX` bytes `E2BIG`.
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        Ok(match r.call {
            GETPID => Request::GetPid,
            GETPPID => Request::GetPpid,
            EXIT => {
                need_words(r, 1)?;
                Request::Exit { code: u8_of(r.words[0])? }
            }
            WAIT => {
                need_words(r, 2)?;
                let pid = i32_sext_of(r.words[0])?;
                if pid < -1 || pid == 0 {
                    return Err(EINVAL);
                }
                Request::Wait { pid: pid as i64, options: bits_of(r.words[1], WAIT_OPTIONS)? }
            }
            FORK => Request::Fork,
            SPAWN => {
                need_words(r, 1)?;
                Request::Spawn { image: at_most(r.words[0], MAX_IMAGE)? }
            }
            GETSYSINFO => Request::GetSysInfo,
            EXEC => {
                need_words(r, 2)?;
                let block = u32::try_from(r.words[0]).map_err(|_| crate::errno::EFAULT)?;
                let len = u32::try_from(r.words[1]).ok().filter(|&l| l <= crate::exec::BLOCK_MAX).ok_or(crate::errno::E2BIG)?;
                Request::Exec { block, len }
            }
            SRV_READY => Request::SrvReady,
            SHUTDOWN => {
                need_words(r, 2)?;
                Request::Shutdown { passed: at_most(r.words[0], MAX_TALLY)?, failed: at_most(r.words[1], MAX_TALLY)? }
            }
            _ => return Err(ENOSYS),
        })
    }

    /// Call number, words and word count.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            Request::GetPid => (GETPID, [0; 4], 0),
            Request::GetPpid => (GETPPID, [0; 4], 0),
            Request::Exit { code } => (EXIT, [code as u64, 0, 0, 0], 1),
            Request::Wait { pid, options } => (WAIT, [pid as u64, options, 0, 0], 2),
            Request::Fork => (FORK, [0; 4], 0),
            Request::Spawn { image } => (SPAWN, [image, 0, 0, 0], 1),
            Request::GetSysInfo => (GETSYSINFO, [0; 4], 0),
            Request::Exec { block, len } => (EXEC, [block as u64, len as u64, 0, 0], 2),
            Request::SrvReady => (SRV_READY, [0; 4], 0),
            Request::Shutdown { passed, failed } => (SHUTDOWN, [passed, failed, 0, 0], 2),
        }
    }
}

/// Wait-status encoding, as POSIX's W* macros read it.
pub const fn exit_status(code: u8) -> u64 {
    (code as u64) << 8
}
pub const fn signal_status(sig: u64) -> u64 {
    sig & 0x7f
}
pub const fn wifexited(status: u64) -> bool {
    status & 0x7f == 0
}
pub const fn wexitstatus(status: u64) -> u8 {
    (status >> 8) as u8
}
pub const fn wtermsig(status: u64) -> u64 {
    status & 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;
    fn raw(call: u64, words: [u64; 4], len: u64) -> RawRequest {
        RawRequest { call, words, len }
    }
    #[test]
    fn round_trip() {
        for req in [
            Request::GetPid,
            Request::GetPpid,
            Request::Exit { code: 7 },
            Request::Wait { pid: -1, options: WNOHANG },
            Request::Fork,
            Request::Spawn { image: 3 },
            Request::GetSysInfo,
            Request::SrvReady,
            Request::Shutdown { passed: 4, failed: 1 },
        ] {
            let (c, w, l) = req.encode();
            assert_eq!(Request::decode(&raw(c, w, l)), Ok(req));
        }
    }
    #[test]
    fn malformed_and_unknown() {
        assert_eq!(Request::decode(&raw(EXIT, [0; 4], 0)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [(-5i64) as u64, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [1, 2, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(GETPID, [0; 4], 9)), Ok(Request::GetPid));
        assert_eq!(Request::decode(&raw(SPAWN, [0; 4], 99)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(0x1ff, [0; 4], 0)), Err(ENOSYS));
    }
    #[test]
    fn labels_decoded_in_full() {
        // F4: 0x100101 is not GETPID, nor is GETPID with any higher bit.
        assert_eq!(Request::decode(&raw(0x10_0101, [0; 4], 0)), Err(ENOSYS));
        for call in CALLS {
            for bit in [20, 31, 32, 51, 63] {
                assert_eq!(Request::decode(&raw(call | 1 << bit, [1; 4], 2)), Err(ENOSYS));
            }
        }
    }
    #[test]
    fn words_are_range_checked_not_narrowed() {
        // An exit code with bits above the byte was once cut to the byte.
        assert_eq!(Request::decode(&raw(EXIT, [0x107, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(EXIT, [255, 0, 0, 0], 1)), Ok(Request::Exit { code: 255 }));
        // pid: -1 and positive 32-bit pids only, written sign-extended.
        assert_eq!(Request::decode(&raw(WAIT, [u64::MAX, 0, 0, 0], 2)), Ok(Request::Wait { pid: -1, options: 0 }));
        assert_eq!(Request::decode(&raw(WAIT, [0xffff_ffff, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [1 << 32 | 5, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [i32::MAX as u64, 0, 0, 0], 2)), Ok(Request::Wait { pid: i32::MAX as i64, options: 0 }));
        assert_eq!(Request::decode(&raw(WAIT, [0, 0, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WAIT, [5, 1 << 32 | WNOHANG, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SPAWN, [1 << 32, 0, 0, 0], 1)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SHUTDOWN, [1, 1 << 32, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SHUTDOWN, [MAX_TALLY, 0, 0, 0], 2)), Ok(Request::Shutdown { passed: MAX_TALLY, failed: 0 }));
    }
    #[test]
    fn statuses() {
        assert!(wifexited(exit_status(3)) && wexitstatus(exit_status(3)) == 3);
        assert!(!wifexited(signal_status(SIGSEGV)) && wtermsig(signal_status(SIGSEGV)) == SIGSEGV);
    }
}
