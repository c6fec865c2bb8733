// SPDX-License-Identifier: BSD-2-Clause
//! FS's seL4 glue: report ready to PM, then serve.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use minix_abi::{cspace, pm};
    use sel4_root_task::println;

    sel4_root_task::declare_main!("fs", main);

    fn main(_arg: u64) -> ! {
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("fs: PM refused the ready report");
        }
        mxrt::server::serve(sel4::CPtr(cspace::SERVICE_EP), minix_abi::endpoint::FS, |inc| fs_server::dispatch(inc.sender, &inc.req))
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
