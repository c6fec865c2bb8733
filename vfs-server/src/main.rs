// SPDX-License-Identifier: BSD-2-Clause
//! VFS's seL4 glue: report ready to PM, get a copy buffer from VM, serve.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use grant::GrantId;
    use minix_abi::endpoint::{Endpoint, VFS};
    use minix_abi::errno::{Errno, EINVAL};
    use minix_abi::message::Reply;
    use minix_abi::vm::{PROT_READ, PROT_WRITE};
    use minix_abi::{cspace, pm, vfs::EXERCISE_MAX};
    use mxrt::grants::{safecopy_from, safecopy_to};
    use mxrt::posix::Mapping;
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
        let mut buf: Option<Mapping> = None;
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
    fn buffer(buf: &mut Option<Mapping>) -> Result<&mut Mapping, Errno> {
        if buf.is_none() {
            *buf = Some(mxrt::posix::mmap_region(2 * EXERCISE_MAX, PROT_READ | PROT_WRITE)?);
        }
        buf.as_mut().ok_or(EINVAL)
    }

    fn exercise(buf: &mut Mapping, caller: Endpoint, grant: GrantId, len: u64, delta: u8) -> Result<(), Errno> {
        // VM writes the first buffer while this thread waits in the call.
        safecopy_from(caller, grant, 0, buf.base(), len)?;
        vfs_server::transform(buf.as_mut_slice().get_mut(..len as usize).ok_or(EINVAL)?, delta);
        safecopy_to(caller, grant, 0, buf.base(), len)
    }

    /// Medians of `rounds` timed safecopies of `len` bytes from the
    /// caller's grant, and of as many in-process memcpys of the same size.
    fn bench(buf: &mut Mapping, caller: Endpoint, grant: GrantId, len: u64, rounds: u64) -> Result<(u64, u64), Errno> {
        use bench_spec::{per_iteration, FnClock, Samples};
        extern crate alloc;
        let at = buf.base();
        safecopy_from(caller, grant, 0, at, len)?;
        let clock = &mut FnClock(sel4::rdtsc_fenced);
        // Samples is 32 KiB: keep it off the server's stack.
        let s = &mut *alloc::boxed::Box::<Samples>::default();
        let mut failed = None;
        let copy = per_iteration(clock, s, 16, rounds as usize, |_, _| {
            if let Err(e) = safecopy_from(caller, grant, 0, at, len) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        // The in-process floor: the same bytes from the first buffer into
        // the second.
        let (src, dst) = buf.as_mut_slice().split_at_mut(EXERCISE_MAX as usize);
        let (src, dst) = (src.get(..len as usize).ok_or(EINVAL)?, dst.get_mut(..len as usize).ok_or(EINVAL)?);
        let memcpy = per_iteration(clock, s, 16, rounds as usize, |_, _| dst.copy_from_slice(src));
        Ok((copy, memcpy))
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
