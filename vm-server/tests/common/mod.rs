// SPDX-License-Identifier: BSD-2-Clause
//! Helpers shared by the integration tests: a process "touching" memory
//! through faults, with frame contents standing for bytes.
// Each integration test uses only some of these helpers.
#![allow(dead_code)]

use vm_server::host_frames::HostFrames;
use vm_server::page::{Mapping, PageFrame, Released};
use vm_server::{AddressSpace, FaultOutcome, FrameAllocator, FrameId, PAGE_SIZE};

pub const P: u64 = PAGE_SIZE;

/// Faults `addr` in and expects a mapping.
pub fn map(space: &mut AddressSpace, frames: &mut HostFrames, addr: u64, write: bool) -> Mapping {
    match space.handle_fault(addr, write, frames) {
        FaultOutcome::Map(m) => m,
        other => panic!("fault at {addr:#x} (write {write}): {other:?}"),
    }
}

fn pool(m: &Mapping) -> FrameId {
    match m.frame {
        PageFrame::Pool(f) => f,
        PageFrame::Phys(p) => panic!("physical page {p:#x}"),
    }
}

/// A store of `value` at `addr`, as the process would do it: the page is
/// used directly if present and writable, else faulted in for writing.
pub fn store(space: &mut AddressSpace, frames: &mut HostFrames, addr: u64, value: u64) {
    let frame = match space.present_page(addr, true, frames) {
        Some(PageFrame::Pool(f)) => f,
        _ => {
            let m = map(space, frames, addr, true);
            assert!(m.writable);
            pool(&m)
        }
    };
    frames.write(frame, value);
}

/// A load from `addr`: the content of the page's frame.
pub fn load(space: &mut AddressSpace, frames: &mut HostFrames, addr: u64) -> u64 {
    let frame = match space.present_page(addr, false, frames) {
        Some(PageFrame::Pool(f)) => f,
        _ => pool(&map(space, frames, addr, false)),
    };
    frames.content(frame).expect("mapped frame is live")
}

/// Frees what a release reports, checking every freed frame was unmapped.
pub fn reclaim(released: Released, frames: &mut HostFrames) {
    for f in &released.to_free {
        assert!(released.unmapped.iter().any(|(_, pf)| *pf == PageFrame::Pool(*f)), "frame {f:?} freed without being unmapped");
        assert_eq!(frames.refcount(*f), 0);
    }
    released.free_all(frames);
    assert_eq!(frames.bad_frees(), 0);
}
