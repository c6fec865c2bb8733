// SPDX-License-Identifier: BSD-2-Clause
//! `/bin/mtest <group>`: runs one group of the in-guest suite
//! (`init::suite::GROUPS`), one line per test, and exits with the number
//! of tests that failed; init, its parent, adds that up.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use init::harness::{self, Harness};
    use init::suite;

    sel4_root_task::declare_main!("mtest", main);

    fn main(me: u64) -> ! {
        harness::set_self(me);
        warm_stack();
        warm_heap();
        let Some(tests) = mxrt::args::arg(1).and_then(suite::group) else {
            sel4_root_task::println!("mtest: no such group");
            mxrt::posix::exit(suite::NO_SUCH_GROUP)
        };
        let mut h = Harness::default();
        h.run(&[tests]);
        mxrt::posix::exit(h.failed.min(suite::MAX_FAILED) as u8)
    }

    /// Touches 1 MiB of heap and gives it back, and maps, touches and
    /// unmaps a page, for the same reason as `warm_stack`: the heap's
    /// first pages and the runtime's mapping bookkeeping are resident
    /// before any test counts.
    fn warm_heap() {
        extern crate alloc;
        let v = alloc::vec![1u8; 1 << 20];
        core::hint::black_box(&v);
        drop(v);
        if let Ok(mut m) = mxrt::posix::mmap_region(4096, minix_abi::vm::PROT_READ | minix_abi::vm::PROT_WRITE) {
            m.write_u64(0, 1);
            let _ = m.unmap();
        }
    }

    /// Touches 192 KiB of the 256 KiB stack (`sel4`'s static one), so
    /// that tests which count
    /// this process's resident pages before and after their work do not
    /// see its stack grow under them (init had grown its own by the time
    /// those tests ran in it).
    #[inline(never)]
    fn warm_stack() {
        let mut page = [0u8; 192 * 1024];
        core::hint::black_box(&mut page);
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
