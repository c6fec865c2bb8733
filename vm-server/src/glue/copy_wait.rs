// SPDX-License-Identifier: BSD-2-Clause
//! Copies without TRY that meet a file page nobody has touched yet.
//!
//! Without TRY a copy makes its pages present before it copies. Anonymous
//! memory is made at once, but a file page may have to come from the file
//! system: then the copy waits for it like a fault does. The caller's reply
//! cap is saved, the page-in is joined (or started) with a waiter that maps
//! the page into the process it belongs to, and when that waiter is served
//! the whole request runs again, from the start: each page it had already
//! reached is present by then, and a later missing file page waits again
//! under the same saved cap. VM still never Calls anyone.
//!
//! Who may wait: anyone but the FS and the block driver. A page-in is
//! served by the FS (through VFS's reserved pager), and the FS by the
//! driver, so a copy of theirs that waited on a page-in could wait on
//! itself; theirs answer EFAULT, as TRY copies do (the FS uses TRY on every
//! grant of user memory anyway).
extern crate alloc;
use super::Vm;
use minix_abi::endpoint::{Endpoint, BLK, FS};
use minix_abi::errno::{EFAULT, ENOMEM};
use minix_abi::message::Reply;
use minix_abi::vm::Request;
use sel4::PAGE_SIZE;
use vm_server::pagecache::{Key, Waiter};

const PAGE: u64 = PAGE_SIZE as u64;

/// Rounds of "map a cached page, run again" one request may take before
/// it must wait or give up: more than the pages of any copy (a vector
/// copy's elements each span at most a few), so it only stops a loop
/// that makes no progress.
const ROUNDS: usize = 4096;

/// A file page a copy without TRY needed and did not find present: in
/// `owner`'s memory at `vaddr`, written when `write`.
#[derive(Copy, Clone, Debug)]
pub(super) struct Needed {
    pub owner: Endpoint,
    pub vaddr: u64,
    pub write: bool,
}

/// Whether a copy by `caller` may wait for a page-in (see the module doc).
fn may_wait(caller: Endpoint) -> bool {
    caller != FS && caller != BLK
}

impl Vm {
    /// SAFECOPY, SAFEMEMSET or VSAFECOPY from `caller`, paging in the file
    /// pages it needs. `saved`: the slot of the caller's saved reply cap
    /// when this is a rerun after a page-in (the answer goes there), else
    /// `None` (the answer is returned, or the cap is saved now to wait).
    /// `None` back: the caller waits, or was answered through its cap.
    pub(super) fn copy_request(&mut self, caller: Endpoint, req: Request, saved: Option<u64>) -> Option<Reply> {
        for _ in 0..ROUNDS {
            self.copy_needs = None;
            let r = Reply::from_result(self.run_copy(caller, req).map(|_| 0));
            let need = self.copy_needs.take();
            match need {
                Some(n) if r.result() == Err(EFAULT) && may_wait(caller) => match self.bring_page(caller, req, n, saved) {
                    // Mapped from the cache: run again now.
                    Ok(true) => continue,
                    // Waiting on a page-in.
                    Ok(false) => return None,
                    Err(reply) => return self.finish_copy(saved, reply),
                },
                _ => return self.finish_copy(saved, r),
            }
        }
        self.finish_copy(saved, Reply::err(EFAULT))
    }

    fn run_copy(&mut self, caller: Endpoint, req: Request) -> Result<(), minix_abi::errno::Errno> {
        match req {
            Request::SafeCopy { to_granter, granter, grant, offset, addr, bytes } => {
                self.safecopy(caller, to_granter, granter, grant, offset, addr, bytes)
            }
            Request::SafeMemset { granter, grant, offset, byte, bytes } => self.safememset(caller, granter, grant, offset, byte, bytes),
            Request::VSafeCopy { addr, count } => self.vsafecopy(caller, addr, count),
            _ => Err(minix_abi::errno::EINVAL),
        }
    }

    /// The answer: returned, or sent through the saved cap.
    fn finish_copy(&mut self, saved: Option<u64>, r: Reply) -> Option<Reply> {
        match saved {
            Some(slot) => {
                self.answer(slot, r);
                None
            }
            None => Some(r),
        }
    }

    /// Makes the needed file page present: `Ok(true)` when it was cached
    /// and is mapped now, `Ok(false)` when the caller waits for its
    /// page-in, `Err(reply)` when the copy fails (not a file page the
    /// access may touch, or no room to wait).
    fn bring_page(&mut self, caller: Endpoint, req: Request, n: Needed, saved: Option<u64>) -> Result<bool, Reply> {
        let page = n.vaddr & !(PAGE - 1);
        let p = self.procs.get(&n.owner.0).ok_or(Reply::err(EFAULT))?;
        let Some((f, off, false, _)) = p.space.file_page(page) else { return Err(Reply::err(EFAULT)) };
        if off >= 1 << 32 || !p.space.allows(page, n.write) || p.dead {
            return Err(Reply::err(EFAULT));
        }
        let key: Key = (f, off / PAGE);
        if let Some(frame) = self.cache.lookup(key) {
            return if self.map_cached_or(n.owner, page, n.write, frame, false) { Ok(true) } else { Err(Reply::err(EFAULT)) };
        }
        let slot = match saved {
            Some(s) => s,
            None => self.save_reply().ok_or(Reply::err(ENOMEM))?,
        };
        let waiter = Waiter { who: n.owner.0, page: key.1, vaddr: page, write: n.write, slot, fix: true };
        self.copy_waits.insert(slot, (caller, req));
        if self.wait_for_page(n.owner, key, waiter).is_err() {
            self.copy_waits.remove(&slot);
            if saved.is_none() {
                self.answer(slot, Reply::err(ENOMEM));
                return Ok(false);
            }
            return Err(Reply::err(ENOMEM));
        }
        Ok(false)
    }

    /// Saves the current caller's reply cap in a fresh slot.
    fn save_reply(&mut self) -> Option<u64> {
        let slot = self.frames.res.slot().ok()?;
        if super::res::SELF_CNODE.save_caller(slot.0, sel4::CNODE_DEPTH).is_err() {
            self.frames.res.slots.free(slot.0);
            return None;
        }
        Some(slot.0)
    }

    /// A page-in a waiting copy asked for is done: `mapped` says whether
    /// the page is now present in its owner. The copy runs again, or fails.
    pub(super) fn copy_page_arrived(&mut self, slot: u64, mapped: bool) -> bool {
        let Some((caller, req)) = self.copy_waits.remove(&slot) else { return false };
        if mapped {
            self.copy_request(caller, req, Some(slot));
        } else {
            self.answer(slot, Reply::err(EFAULT));
        }
        true
    }
}
