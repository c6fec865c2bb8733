// SPDX-License-Identifier: BSD-2-Clause
//! A host frame pool for tests: a configurable number of frames, each with
//! a "content" number standing for its bytes, so copy-on-write isolation
//! can be checked without real memory.

use crate::frames::{FrameAllocator, FrameId, RefCounts};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use minix_abi::errno::{Errno, ENOMEM};

/// A pool of at most `limit` frames.
#[derive(Debug, Clone)]
pub struct HostFrames {
    limit: u64,
    next: u64,
    recycled: Vec<FrameId>,
    refs: RefCounts,
    /// Frames handed out and not yet freed, with their content.
    live: BTreeMap<FrameId, u64>,
    bad_frees: u64,
}

impl HostFrames {
    /// A pool of `limit` frames, all free.
    pub fn new(limit: u64) -> HostFrames {
        HostFrames { limit, next: 1, recycled: Vec::new(), refs: RefCounts::new(), live: BTreeMap::new(), bad_frees: 0 }
    }

    /// Frames that can still be allocated.
    pub fn free_count(&self) -> u64 {
        self.limit.saturating_sub(self.live.len() as u64)
    }

    /// Frames allocated and not yet freed (referenced or awaiting `free`).
    pub fn in_use(&self) -> u64 {
        self.live.len() as u64
    }

    /// Changes the limit (to exhaust or refill the pool in a test).
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// The content number of a live frame.
    pub fn content(&self, frame: FrameId) -> Option<u64> {
        self.live.get(&frame).copied()
    }

    /// Writes a content number into a live frame (a store by the process).
    pub fn write(&mut self, frame: FrameId, value: u64) {
        if let Some(c) = self.live.get_mut(&frame) {
            *c = value;
        }
    }

    /// Calls to `free` for a frame still referenced or not live: always 0
    /// in a correct program.
    pub fn bad_frees(&self) -> u64 {
        self.bad_frees
    }

    fn take(&mut self, content: u64) -> Result<FrameId, Errno> {
        if self.free_count() == 0 {
            return Err(ENOMEM);
        }
        let f = match self.recycled.pop() {
            Some(f) => f,
            None => {
                let f = FrameId(self.next);
                self.next = self.next.saturating_add(1);
                f
            }
        };
        self.refs.start(f);
        self.live.insert(f, content);
        Ok(f)
    }
}

impl FrameAllocator for HostFrames {
    fn alloc_zeroed(&mut self) -> Result<FrameId, Errno> {
        self.take(0)
    }

    fn alloc_copy(&mut self, src: FrameId) -> Result<FrameId, Errno> {
        let content = self.content(src).unwrap_or(0);
        self.take(content)
    }

    fn alloc_contig(&mut self, count: u64) -> Result<Vec<FrameId>, Errno> {
        if count > self.free_count() {
            return Err(ENOMEM);
        }
        let first = self.next;
        let end = first.checked_add(count).ok_or(ENOMEM)?;
        self.next = end;
        let mut out = Vec::new();
        for id in first..end {
            let f = FrameId(id);
            self.refs.start(f);
            self.live.insert(f, 0);
            out.push(f);
        }
        Ok(out)
    }

    fn add_ref(&mut self, frame: FrameId) {
        self.refs.add(frame);
    }

    fn drop_ref(&mut self, frame: FrameId) -> u32 {
        self.refs.drop_ref(frame)
    }

    fn refcount(&self, frame: FrameId) -> u32 {
        self.refs.get(frame)
    }

    fn free(&mut self, frame: FrameId) {
        if self.refs.get(frame) != 0 || self.live.remove(&frame).is_none() {
            self.bad_frees = self.bad_frees.saturating_add(1);
            return;
        }
        self.recycled.push(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_and_reuse() {
        let mut h = HostFrames::new(2);
        let a = h.alloc_zeroed().unwrap();
        h.write(a, 9);
        let b = h.alloc_copy(a).unwrap();
        assert_eq!(h.content(b), Some(9));
        assert_eq!(h.alloc_zeroed(), Err(ENOMEM));
        assert_eq!(h.alloc_contig(1), Err(ENOMEM));
        assert_eq!(h.drop_ref(a), 0);
        h.free(a);
        assert_eq!(h.free_count(), 1);
        h.free(a);
        assert_eq!(h.bad_frees(), 1);
        h.free(b);
        assert_eq!(h.bad_frees(), 2);
        let c = h.alloc_zeroed().unwrap();
        assert_eq!(h.content(c), Some(0));
    }
}
