//! The ELF images of the servers, built by the workspace before the root
//! task and embedded here (QEMU loads only the root task).
#[cfg(target_os = "none")]
mod embedded {
    pub static VM: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/x86_64-unknown-none/release/vm-server"));
    pub static VFS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/x86_64-unknown-none/release/vfs-server"));
    pub static FS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/x86_64-unknown-none/release/fs-server"));
}
#[cfg(not(target_os = "none"))]
mod embedded {
    pub static VM: &[u8] = &[];
    pub static VFS: &[u8] = &[];
    pub static FS: &[u8] = &[];
}
pub use embedded::*;
