//! The process manager's interface (served by the root task).
use crate::errno::{Errno, EINVAL, ENOSYS};
use crate::message::{need_words, RawRequest};

pub const BASE: u64 = 0x100;
pub const GETPID: u64 = BASE + 1;
pub const GETPPID: u64 = BASE + 2;
pub const EXIT: u64 = BASE + 3;
pub const WAIT: u64 = BASE + 4;
pub const FORK: u64 = BASE + 5;
pub const SPAWN: u64 = BASE + 6;
/// A server reports that it is ready (servers only).
pub const SRV_READY: u64 = BASE + 0x80;
/// init hands over its test tally and asks for shutdown (init only).
pub const SHUTDOWN: u64 = BASE + 0x81;

/// `wait` option: do not block.
pub const WNOHANG: u64 = 1;

/// Signal numbers PM reports in wait statuses.
pub const SIGILL: u64 = 4;
pub const SIGKILL: u64 = 9;
pub const SIGSEGV: u64 = 11;

/// A PM request.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    GetPid,
    GetPpid,
    Exit { code: u8 },
    /// `pid` -1 waits for any child.
    Wait { pid: i64, options: u64 },
    Fork,
    Spawn { image: u64 },
    SrvReady,
    Shutdown { passed: u64, failed: u64 },
}

impl Request {
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        Ok(match r.call {
            GETPID => Request::GetPid,
            GETPPID => Request::GetPpid,
            EXIT => {
                need_words(r, 1)?;
                Request::Exit { code: (r.words[0] & 0xff) as u8 }
            }
            WAIT => {
                need_words(r, 2)?;
                let pid = r.words[0] as i64;
                if pid < -1 || pid == 0 || r.words[1] & !WNOHANG != 0 {
                    return Err(EINVAL);
                }
                Request::Wait { pid, options: r.words[1] }
            }
            FORK => Request::Fork,
            SPAWN => {
                need_words(r, 1)?;
                Request::Spawn { image: r.words[0] }
            }
            SRV_READY => Request::SrvReady,
            SHUTDOWN => {
                need_words(r, 2)?;
                Request::Shutdown { passed: r.words[0], failed: r.words[1] }
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
    fn statuses() {
        assert!(wifexited(exit_status(3)) && wexitstatus(exit_status(3)) == 3);
        assert!(!wifexited(signal_status(SIGSEGV)) && wtermsig(signal_status(SIGSEGV)) == SIGSEGV);
    }
}
