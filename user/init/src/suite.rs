// SPDX-License-Identifier: BSD-2-Clause
//! The suite's groups, in the order init runs them, and how a group runs
//! as a program: `/bin/mtest <group>` prints each test's line and exits
//! with the number that failed, so that init, its parent, can add up the
//! tally it hands PM.
use crate::harness::Test;

/// A group: the name `/bin/mtest` takes, and its tests. `None`: the block
/// driver's tests, which init runs itself (only init holds the driver's
/// endpoint).
pub struct Group {
    pub name: &'static str,
    pub tests: Option<&'static [Test]>,
}

/// The groups init runs: the suite's, or in the conformance build
/// (`make conformance`) toybox's whole test suite alone.
pub const GROUPS: &[Group] = if cfg!(feature = "conformance") { CONFORMANCE } else { SUITE };

pub const CONFORMANCE: &[Group] = &[Group { name: "toybox-all", tests: Some(crate::tests_toybox::ALL) }];

pub const SUITE: &[Group] = &[
    Group { name: "proc", tests: Some(crate::tests_proc::TESTS) },
    Group { name: "vm", tests: Some(crate::tests_vm::TESTS) },
    Group { name: "grant", tests: Some(crate::tests_grant::TESTS) },
    Group { name: "hostile", tests: Some(crate::tests_hostile::TESTS) },
    Group { name: "fs", tests: Some(crate::tests_fs::TESTS) },
    Group { name: "posix", tests: Some(crate::tests_posix_edges::TESTS) },
    Group { name: "exec", tests: Some(crate::tests_exec::TESTS) },
    Group { name: "libc", tests: Some(crate::tests_libc::TESTS) },
    Group { name: "toybox", tests: Some(crate::tests_toybox::TESTS) },
    Group { name: "signals", tests: Some(crate::tests_signals::TESTS) },
    Group { name: "mmap", tests: Some(crate::tests_mmap::TESTS) },
    Group { name: "filehostile", tests: Some(crate::tests_file_hostile::TESTS) },
    Group { name: "blk", tests: None },
    Group { name: "clock", tests: Some(crate::tests_clock::TESTS) },
    Group { name: "cputime", tests: Some(crate::tests_cputime::TESTS) },
    Group { name: "timers", tests: Some(crate::tests_timers::TESTS) },
    Group { name: "exhaust", tests: Some(crate::tests_exhaust::TESTS) },
    Group { name: "vfslimits", tests: Some(crate::tests_vfs_limits::TESTS) },
    Group { name: "memory", tests: Some(crate::tests_memory::TESTS) },
    Group { name: "fuzz", tests: Some(crate::tests_fuzz::TESTS) },
    Group { name: "soak", tests: Some(crate::tests_soak::TESTS) },
];

/// The group `/bin/mtest` was asked for.
pub fn group(name: &[u8]) -> Option<&'static [Test]> {
    SUITE.iter().chain(CONFORMANCE).find(|g| g.name.as_bytes() == name).and_then(|g| g.tests)
}

/// `/bin/mtest`'s exit code for a group it does not have.
pub const NO_SUCH_GROUP: u8 = 255;
/// Most failures an exit code tells (more still fail the run: init counts
/// the group's every test as failed past this).
pub const MAX_FAILED: u64 = 254;
