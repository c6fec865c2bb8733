// SPDX-License-Identifier: BSD-2-Clause
//! VM's decisions that need no kernel: which requests only PM (or only
//! VFS) may make, which ones build bookkeeping, the commit check, what a
//! fault becomes, whose range FIX_RANGE may fix, and the queue of killed
//! processes PM collects. The glue only carries them out.
use crate::space::FaultOutcome;
use minix_abi::endpoint::{Endpoint, FS, PM, VFS};
use minix_abi::errno::{Errno, ENOMEM, EPERM, ESRCH};
use minix_abi::pm::{SIGILL, SIGSEGV};
use minix_abi::vm::{self, Request};

/// PM-only calls (spawn, fork, exit, events, adopt) from anyone but PM,
/// VFS-only calls (fix-range, the pager's) from anyone but VFS, and the
/// FS-only cache window from anyone but the FS, are `EPERM`.
#[inline]
pub fn allowed(who: Endpoint, call: u64) -> Result<(), Errno> {
    if (vm::pm_only(call) && who != PM) || (vm::vfs_only(call) && who != VFS) || (vm::fs_only(call) && who != FS) {
        Err(EPERM)
    } else {
        Ok(())
    }
}

/// Requests that make new bookkeeping in VM's heap. When the heap cannot
/// be grown to its mark, these are refused with `ENOMEM` rather than risk
/// an allocation VM cannot satisfy. FIX_RANGE is one: the pages it makes
/// present are new entries in the process's page maps. So is EXEC: the
/// new program's regions, and a copy of its description.
#[inline]
pub fn builds_bookkeeping(r: &Request) -> bool {
    matches!(
        r,
        Request::Spawn { .. }
            | Request::Fork { .. }
            | Request::Brk { .. }
            | Request::Mmap { .. }
            | Request::Mprotect { .. }
            | Request::Adopt { .. }
            | Request::FixRange { .. }
            | Request::MmapFile { .. }
            | Request::CacheWindow
            | Request::Exec { .. }
    )
}

/// Whether FIX_RANGE may touch a process: `dead` is `None` when VM does
/// not know it, else whether a fault has killed it (PM will tear it down).
/// Either way there is no one whose memory to fix: `ESRCH`. Checked before
/// the range, so even a zero length names a live process.
#[inline]
pub fn fix_range_target(dead: Option<bool>) -> Result<(), Errno> {
    match dead {
        Some(false) => Ok(()),
        _ => Err(ESRCH),
    }
}

/// Memory is committed on first touch, so a request for more pages than
/// VM could ever hand out is refused now (`ENOMEM`) instead of killing the
/// process later.
#[inline]
pub fn check_commit(bytes: u64, page_size: u64, free_frames: u64) -> Result<(), Errno> {
    if bytes.div_ceil(page_size.max(1)) > free_frames {
        Err(ENOMEM)
    } else {
        Ok(())
    }
}

/// A fault as the kernel reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A page fault at an address.
    Memory,
    /// A CPU exception (the `ud2` of a panic, a division by zero...).
    Exception,
    /// Anything else the kernel can report.
    Other,
}

/// What VM does about a user thread's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Map the page the address space produced and resume the thread.
    Map,
    /// Kill the process with this signal and tell PM.
    Kill(u64),
}

/// Free heap below which, when the heap cannot grow, page faults kill
/// rather than risk an allocation. Between this and the low-water mark
/// the heap serves faults and exits only: calls that build bookkeeping
/// are refused first (`builds_bookkeeping`), so one user's storm of
/// regions or forks meets `ENOMEM` while everyone's faults still map.
pub const HEAP_CRITICAL: usize = 1 << 20;

/// Whether a short heap (one that could not be grown to its low-water
/// mark) is critical: less than [`HEAP_CRITICAL`] bytes free. A heap that
/// reached its mark never is, and the glue asks only about a short one,
/// so the common message pays nothing for the question.
#[inline]
pub fn heap_critical(free_bytes: usize) -> bool {
    free_bytes < HEAP_CRITICAL
}

/// The action for a fault: page faults are resolved by the address space
/// (`outcome`), unless VM's heap is critical, in which case only the
/// faulting process pays; exceptions are SIGILL; anything else SIGSEGV. A
/// page fault that would wait for a file page is SIGSEGV until file
/// mappings exist.
#[inline]
pub fn fault_action(kind: FaultKind, heap_critical: bool, outcome: Option<&FaultOutcome>) -> FaultAction {
    match kind {
        FaultKind::Exception => FaultAction::Kill(SIGILL),
        FaultKind::Other => FaultAction::Kill(SIGSEGV),
        FaultKind::Memory if heap_critical => FaultAction::Kill(SIGSEGV),
        FaultKind::Memory => match outcome {
            Some(FaultOutcome::Map(_)) => FaultAction::Map,
            _ => FaultAction::Kill(SIGSEGV),
        },
    }
}

/// Processes killed by faults, or whose fault PM is to turn into a
/// signal, oldest first, until PM collects them: (process, signal, fault
/// address). A process is queued at most once while its thread waits (it
/// cannot fault again until PM acts), so the queue never holds more
/// entries than there are processes.
#[derive(Default, Debug)]
pub struct Events {
    queue: alloc::collections::VecDeque<(Endpoint, u64, u64)>,
}

impl Events {
    pub const fn new() -> Events {
        Events { queue: alloc::collections::VecDeque::new() }
    }

    #[inline]
    pub fn push(&mut self, ep: Endpoint, signal: u64, addr: u64) {
        self.queue.push_back((ep, signal, addr));
    }

    /// The next event for PM's EVENTS call.
    #[inline]
    pub fn pop(&mut self) -> Option<(Endpoint, u64, u64)> {
        self.queue.pop_front()
    }

    /// Forgets a process that PM has already torn down.
    pub fn forget(&mut self, ep: Endpoint) {
        self.queue.retain(|&(e, _, _)| e != ep);
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{Mapping, PageFrame, PtFlags};
    use crate::space::KillReason;
    use minix_abi::endpoint::{FS, INIT, VM};

    #[test]
    fn only_pm_makes_pm_calls() {
        assert_eq!(allowed(INIT, vm::FORK), Err(EPERM));
        assert_eq!(allowed(VFS, vm::ADOPT), Err(EPERM));
        assert_eq!(allowed(PM, vm::FORK), Ok(()));
        assert_eq!(allowed(INIT, vm::MMAP), Ok(()));
    }

    #[test]
    fn only_vfs_fixes_ranges() {
        assert_eq!(allowed(VFS, vm::FIX_RANGE), Ok(()));
        for who in [INIT, PM, VM, FS, Endpoint::new(5, 2), Endpoint::new(2, 2)] {
            assert_eq!(allowed(who, vm::FIX_RANGE), Err(EPERM), "{who:?}");
        }
        assert_eq!(allowed(VFS, vm::EXEC), Ok(()));
        for who in [INIT, PM, FS, Endpoint::new(5, 2)] {
            assert_eq!(allowed(who, vm::EXEC), Err(EPERM), "{who:?}");
        }
        // VFS gains nothing else.
        assert_eq!(allowed(VFS, vm::SPAWN), Err(EPERM));
        assert_eq!(allowed(VFS, vm::SAFECOPY_FROM), Ok(()));
    }

    #[test]
    fn fix_range_needs_a_live_process() {
        assert_eq!(fix_range_target(Some(false)), Ok(()));
        assert_eq!(fix_range_target(Some(true)), Err(ESRCH));
        assert_eq!(fix_range_target(None), Err(ESRCH));
    }

    #[test]
    fn commit_check() {
        assert_eq!(check_commit(0, 4096, 0), Ok(()));
        assert_eq!(check_commit(4096, 4096, 1), Ok(()));
        assert_eq!(check_commit(4097, 4096, 1), Err(ENOMEM));
        assert_eq!(check_commit(u64::MAX, 4096, u64::MAX / 4096), Err(ENOMEM));
    }

    #[test]
    fn a_short_heap_is_critical_only_near_empty() {
        assert!(!heap_critical(HEAP_CRITICAL), "short, but faults still map");
        assert!(heap_critical(HEAP_CRITICAL - 1));
        assert!(heap_critical(0));
    }

    #[test]
    fn faults_become_actions() {
        let map = FaultOutcome::Map(Mapping { vaddr: 0x1000, frame: PageFrame::Phys(0), writable: true, flags: PtFlags::default() });
        let kill = FaultOutcome::Kill(KillReason::Unmapped);
        assert_eq!(fault_action(FaultKind::Memory, false, Some(&map)), FaultAction::Map);
        assert_eq!(fault_action(FaultKind::Memory, true, Some(&map)), FaultAction::Kill(SIGSEGV));
        assert_eq!(fault_action(FaultKind::Memory, false, Some(&kill)), FaultAction::Kill(SIGSEGV));
        assert_eq!(fault_action(FaultKind::Memory, false, None), FaultAction::Kill(SIGSEGV));
        assert_eq!(fault_action(FaultKind::Exception, false, None), FaultAction::Kill(SIGILL));
        assert_eq!(fault_action(FaultKind::Other, false, None), FaultAction::Kill(SIGSEGV));
    }

    #[test]
    fn events_in_order_and_forgettable() {
        let mut e = Events::new();
        e.push(INIT, SIGSEGV, 0x1000);
        e.push(VFS, SIGILL, 0);
        e.forget(VFS);
        assert_eq!(e.pop(), Some((INIT, SIGSEGV, 0x1000)));
        assert_eq!(e.pop(), None);
        assert!(e.is_empty());
    }

    #[test]
    fn builders_are_the_allocating_calls() {
        assert!(builds_bookkeeping(&Request::Mmap { addr: 0, len: 1, prot: 3, flags: 0 }));
        assert!(!builds_bookkeeping(&Request::Info { of: vm::InfoOf::Caller }));
        assert!(!builds_bookkeeping(&Request::Munmap { addr: 0, len: 1 }));
        assert!(builds_bookkeeping(&Request::FixRange { who: INIT, addr: 0, len: 1, write: true }));
        assert!(builds_bookkeeping(&Request::Exec { who: INIT, desc: 0, len: 0, ino: 1 }));
    }
}
