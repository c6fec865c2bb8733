// SPDX-License-Identifier: BSD-2-Clause
//! FS's seL4 glue: mount the boot file system, report ready to PM, then
//! serve. The requests themselves are `fs_server::Server`'s; the glue only
//! receives, copies through VFS's grants with VM's safecopy, and replies.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use fs_server::{GrantCopy, MemDisk, Server};
    use grant::GrantId;
    use minix_abi::endpoint::{Endpoint, FS};
    use minix_abi::errno::{Errno, EINVAL, ENOMEM};
    use minix_abi::fs::IO_MAX;
    use minix_abi::vm::{PROT_READ, PROT_WRITE};
    use minix_abi::{cspace, pm};
    use minixfs::{FileSystem, MountOptions};
    use mxrt::grants::{safecopy_from, safecopy_to};
    use mxrt::posix::Mapping;
    use sel4_root_task::println;

    sel4_root_task::declare_main!("fs", main);

    /// Bytes of the boot file-system image (`target/rootfs.img`, which
    /// `tools/build-sel4.sh` makes with mkimage and names in SEL4M_ROOTFS).
    const IMAGE_LEN: usize = include_bytes!(env!("SEL4M_ROOTFS")).len();

    /// The RAM disk: the image, in FS's own writable data. The root task
    /// maps and fills every page of it when it loads FS, so the disk never
    /// faults. The lock is taken once, at start, and never let go; it is
    /// here only so that safe code may hold the one mutable reference.
    static DISK: spin::Mutex<[u8; IMAGE_LEN]> = spin::Mutex::new(*include_bytes!(env!("SEL4M_ROOTFS")));

    /// Bytes of FS's block cache: pages VM manages (so that a driver can
    /// reach them through grants), 2 MiB of 1 KiB blocks.
    const CACHE_BYTES: u64 = 2 << 20;

    fn main(_arg: u64) -> ! {
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("fs: PM refused the ready report");
        }
        // The file system mounts on the first request: by then VM has
        // adopted FS (PM has it adopt every server before anyone calls
        // one), so the cache can live in memory VM manages.
        let mut server: Option<Server<MemDisk<'static>>> = None;
        let mut copies = Copies { buf: None, window: None };
        mxrt::server::serve(sel4::CPtr(cspace::SERVICE_EP), FS, |inc| {
            let server = server.get_or_insert_with(mount);
            Some(server.handle(inc.sender, &inc.req, &mut copies))
        })
    }

    /// Mounts the boot file system, its block cache in a mapping from VM
    /// (on the heap if VM has none to give).
    fn mount() -> Server<MemDisk<'static>> {
        let disk: &'static mut [u8] = spin::MutexGuard::leak(DISK.lock()).as_mut_slice();
        let store = mxrt::posix::mmap_region(CACHE_BYTES, PROT_READ | PROT_WRITE).map(|m| m.leak());
        let fs = match store {
            Ok(store) => FileSystem::mount_in(MemDisk(disk), MountOptions::default(), store),
            Err(e) => {
                println!("fs: no cache memory from VM ({}); caching on the heap", e.name());
                FileSystem::mount_with(MemDisk(disk), MountOptions::default())
            }
        };
        // A boot image that does not mount is a broken build: the panic
        // reaches the root task's fault reporter, which fails the boot.
        match fs {
            Ok(fs) => Server::new(fs, minix_abi::fs::RAM_DEV),
            Err(e) => panic!("fs: the boot file system does not mount: {}", e.name()),
        }
    }

    /// Copies through VFS's grants with VM's copy engine. The bounce buffer
    /// must be memory VM manages, so it comes from VM's mmap; VM adopts FS
    /// only after every server is ready, so the first request that needs
    /// the buffer maps it. VM maps a server's pages at once: the buffer
    /// never faults.
    struct Copies {
        buf: Option<Mapping>,
        /// The cache window, asked of VM on the first PAGE_IN.
        window: Option<Mapping>,
    }

    impl GrantCopy for Copies {
        fn buffer(&mut self) -> Result<&mut [u8], Errno> {
            Ok(self.mapping()?.as_mut_slice())
        }

        fn copy_from(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
            safecopy_from(granter, GrantId(grant), 0, self.at(len)?, len as u64)
        }

        fn copy_to(&mut self, granter: Endpoint, grant: i32, len: usize) -> Result<(), Errno> {
            safecopy_to(granter, GrantId(grant), 0, self.at(len)?, len as u64)
        }

        fn window(&mut self) -> Result<&mut [u8], Errno> {
            if self.window.is_none() {
                self.window = Some(mxrt::posix::cache_window()?);
            }
            Ok(self.window.as_mut().ok_or(ENOMEM)?.as_mut_slice())
        }
    }

    impl Copies {
        /// The buffer (IO_MAX bytes, whole pages), mapped on first use.
        fn mapping(&mut self) -> Result<&mut Mapping, Errno> {
            if self.buf.is_none() {
                self.buf = Some(mxrt::posix::mmap_region(IO_MAX, PROT_READ | PROT_WRITE)?);
            }
            self.buf.as_mut().ok_or(ENOMEM)
        }

        /// The buffer's address, for a copy of `len` bytes. VM copies
        /// wherever it is told, so a copy longer than the buffer is refused
        /// here rather than let spill over whatever follows it.
        fn at(&mut self, len: usize) -> Result<u64, Errno> {
            let buf = self.mapping()?;
            if len as u64 > buf.len() {
                return Err(EINVAL);
            }
            Ok(buf.base())
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
