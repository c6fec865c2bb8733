// SPDX-License-Identifier: BSD-2-Clause
//! VFS's seL4 glue: report ready to PM, get a copy buffer from VM, serve.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use grant::GrantId;
    use minix_abi::endpoint::{Endpoint, VFS};
    use minix_abi::message::Reply;
    use minix_abi::vm::{MAP_ANON, MAP_PRIVATE, PROT_READ, PROT_WRITE};
    use minix_abi::{cspace, pm, vfs::EXERCISE_MAX};
    use mxrt::grants::{safecopy_from, safecopy_to};
    use sel4_root_task::println;
    use vfs_server::Op;

    sel4_root_task::declare_main!("vfs", main);

    fn main(_arg: u64) -> ! {
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("vfs: PM refused the ready report");
        }
        // VM adopts our VSpace only after every server is ready; the first
        // request that needs the buffer maps it.
        let mut buf: Option<u64> = None;
        mxrt::server::serve(sel4::CPtr(cspace::SERVICE_EP), VFS, |inc| {
            let op = match vfs_server::decode(inc.sender, &inc.req) {
                Ok(op) => op,
                Err(e) => return Some(Reply::err(e)),
            };
            Some(match op {
                Op::Exercise { caller, grant, len, delta } => match buffer(&mut buf) {
                    Ok(b) => Reply::from_result(exercise(b, caller, GrantId(grant), len, delta).map(|_| 0)),
                    Err(e) => Reply::err(e),
                },
                Op::Bench { caller, grant, len, rounds } => match buffer(&mut buf) {
                    Ok(b) => match bench(b, caller, GrantId(grant), len, rounds) {
                        Ok((copy, memcpy)) => Reply::ok_with(copy, [memcpy, 0, 0]),
                        Err(e) => Reply::err(e),
                    },
                    Err(e) => Reply::err(e),
                },
            })
        })
    }

    /// Two EXERCISE_MAX buffers from VM, mapped on first use.
    fn buffer(buf: &mut Option<u64>) -> Result<u64, minix_abi::errno::Errno> {
        if let Some(b) = *buf {
            return Ok(b);
        }
        let b = mxrt::posix::mmap(0, 2 * EXERCISE_MAX, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE)?;
        *buf = Some(b);
        Ok(b)
    }

    fn exercise(buf: u64, caller: Endpoint, grant: GrantId, len: u64, delta: u8) -> Result<(), minix_abi::errno::Errno> {
        safecopy_from(caller, grant, 0, buf, len)?;
        vfs_server::transform(sel4::slice_at_mut(buf, len as usize), delta);
        safecopy_to(caller, grant, 0, buf, len)
    }

    /// Medians of `rounds` timed safecopies of `len` bytes from the
    /// caller's grant, and of as many in-process memcpys of the same size.
    fn bench(buf: u64, caller: Endpoint, grant: GrantId, len: u64, rounds: u64) -> Result<(u64, u64), minix_abi::errno::Errno> {
        use bench_spec::{per_iteration, FnClock, Samples};
        extern crate alloc;
        safecopy_from(caller, grant, 0, buf, len)?;
        let clock = &mut FnClock(sel4::rdtsc_fenced);
        // Samples is 32 KiB: keep it off the server's stack.
        let s = &mut *alloc::boxed::Box::<Samples>::default();
        let mut failed = None;
        let copy = per_iteration(clock, s, 16, rounds as usize, |_, _| {
            if let Err(e) = safecopy_from(caller, grant, 0, buf, len) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let src = sel4::slice_at(buf, len as usize);
        let memcpy = per_iteration(clock, s, 16, rounds as usize, |_, _| sel4::copy_to_addr(buf + EXERCISE_MAX, src));
        Ok((copy, memcpy))
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
