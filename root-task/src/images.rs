// SPDX-License-Identifier: BSD-2-Clause
//! The ELF images of the servers, built by the workspace before the root
//! task and embedded here (QEMU loads only the root task).
#[cfg(target_os = "none")]
mod embedded {
    pub static VM: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/vm-server"));
    pub static VFS: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/vfs-server"));
    pub static FS: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/fs-server"));
    pub static BLK: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/blk-driver"));
    pub static TIMER: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/timer-driver"));
}
#[cfg(not(target_os = "none"))]
mod embedded {
    pub static VM: &[u8] = &[];
    pub static VFS: &[u8] = &[];
    pub static FS: &[u8] = &[];
    pub static BLK: &[u8] = &[];
    pub static TIMER: &[u8] = &[];
}
pub use embedded::*;
