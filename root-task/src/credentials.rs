// SPDX-License-Identifier: BSD-2-Clause
//! A process's user and group ids (real, effective, saved), the POSIX
//! rules for changing them, and who may signal whom.
//!
//! Every process starts as root (uid and gid 0) and keeps its ids across
//! fork. Nothing else checks them yet; they are kept so that `setuid`
//! and `kill` already behave as POSIX says once processes drop root.
use minix_abi::errno::{Errno, EPERM};

#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Credentials {
    pub ruid: u32,
    pub euid: u32,
    pub suid: u32,
    pub rgid: u32,
    pub egid: u32,
    pub sgid: u32,
}

impl Credentials {
    pub const ROOT: Credentials = Credentials { ruid: 0, euid: 0, suid: 0, rgid: 0, egid: 0, sgid: 0 };

    /// "Appropriate privileges": an effective uid of 0.
    pub fn privileged(&self) -> bool {
        self.euid == 0
    }

    /// `setuid`: a privileged process sets all three uids; another may
    /// set its effective uid to its real or saved one; `EPERM` otherwise.
    pub fn setuid(&mut self, uid: u32) -> Result<(), Errno> {
        if self.privileged() {
            (self.ruid, self.euid, self.suid) = (uid, uid, uid);
        } else if uid == self.ruid || uid == self.suid {
            self.euid = uid;
        } else {
            return Err(EPERM);
        }
        Ok(())
    }

    /// `setgid`, by the same rules (privilege is still the effective uid).
    pub fn setgid(&mut self, gid: u32) -> Result<(), Errno> {
        if self.privileged() {
            (self.rgid, self.egid, self.sgid) = (gid, gid, gid);
        } else if gid == self.rgid || gid == self.sgid {
            self.egid = gid;
        } else {
            return Err(EPERM);
        }
        Ok(())
    }

    /// POSIX `kill`: a privileged sender, or the sender's real or
    /// effective uid equals the target's real or saved uid. (SIGCONT
    /// within a session is allowed regardless; the caller checks that.)
    pub fn may_signal(&self, target: &Credentials) -> bool {
        self.privileged() || [self.ruid, self.euid].iter().any(|u| *u == target.ruid || *u == target.suid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_sets_anything_then_is_bound_by_it() {
        let mut c = Credentials::ROOT;
        c.setgid(100).unwrap();
        assert_eq!((c.rgid, c.egid, c.sgid), (100, 100, 100));
        c.setuid(1000).unwrap();
        assert_eq!((c.ruid, c.euid, c.suid), (1000, 1000, 1000));
        assert!(!c.privileged());
        assert_eq!(c.setuid(0), Err(EPERM));
        assert_eq!(c.setgid(0), Err(EPERM));
        assert_eq!(c.setuid(1000), Ok(()));
        assert_eq!(c.setgid(100), Ok(()));
    }

    #[test]
    fn unprivileged_switch_between_real_and_saved() {
        let mut c = Credentials { ruid: 1, euid: 2, suid: 3, rgid: 4, egid: 5, sgid: 6 };
        c.setuid(3).unwrap();
        assert_eq!((c.ruid, c.euid, c.suid), (1, 3, 3));
        c.setuid(1).unwrap();
        assert_eq!(c.euid, 1);
        assert_eq!(c.setuid(2), Err(EPERM));
        c.setgid(6).unwrap();
        assert_eq!(c.egid, 6);
        assert_eq!(c.setgid(5), Err(EPERM));
    }

    #[test]
    fn who_may_signal() {
        let root = Credentials::ROOT;
        let a = Credentials { ruid: 10, euid: 10, suid: 10, ..Credentials::ROOT };
        let b = Credentials { ruid: 20, euid: 20, suid: 10, ..Credentials::ROOT };
        let c = Credentials { ruid: 30, euid: 30, suid: 30, ..Credentials::ROOT };
        assert!(root.may_signal(&c));
        assert!(a.may_signal(&b)); // b's saved uid is a's
        assert!(!b.may_signal(&a));
        assert!(!a.may_signal(&c) && !c.may_signal(&a) && !c.may_signal(&root));
    }
}
