// SPDX-License-Identifier: BSD-2-Clause
//! FS's seL4 glue: mount the boot file system, report ready to PM, then
//! serve. The requests themselves are `fs_server::Server`'s; the glue only
//! receives, copies through VFS's grants with VM's safecopy, and replies.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod driver_disk;

#[cfg(target_os = "none")]
mod glue {
    use crate::driver_disk::DriverDisk;
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
    /// reach them through grants), 24 MiB of 1 KiB blocks: a 16 MiB file stays
    /// cached. Its books (about 40 bytes a block) are on FS's 4 MiB heap.
    const CACHE_BYTES: u64 = 24 << 20;

    // SAFETY: the root task maps the clock frame read-only at
    // SERVER_CLOCK_PAGE (page-aligned, inside the server area VM keeps its
    // mmap out of) before FS runs, for FS's life; the timer driver writes
    // it only with aligned atomic stores, and FS only loads.
    const CLOCK: mxrt::time::ClockPage =
        mxrt::time::ClockPage::new(unsafe { sel4::SharedWords::new(cspace::addr::SERVER_CLOCK_PAGE, minix_abi::clock::WORDS, false) });

    fn main(_arg: u64) -> ! {
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("fs: PM refused the ready report");
        }
        // The file system mounts on the first request: by then VM has
        // adopted FS (PM has it adopt every server before anyone calls
        // one), so the cache can live in memory VM manages.
        let mut server: Option<Server<RootDisk>> = None;
        let mut copies = Copies { buf: None, window: None };
        mxrt::server::serve(sel4::CPtr(cspace::SERVICE_EP), FS, |inc| {
            let server = server.get_or_insert_with(mount);
            // The times an inode gets are the realtime clock's (whole
            // seconds, as MINIX's inode keeps them), read per request: the
            // page costs one read, and no message.
            if let Ok(ns) = CLOCK.realtime_ns() {
                server.set_time((ns.max(0) / 1_000_000_000).min(u32::MAX as i64) as u32);
            }
            Some(server.handle(inc.sender, &inc.req, &mut copies))
        })
    }

    /// The root file system's device: the block driver's disk when there
    /// is one that mounts, else the boot RAM disk.
    enum RootDisk {
        Ram(MemDisk<'static>),
        Driver(DriverDisk),
    }

    impl minixfs::BlockDevice for RootDisk {
        fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), Errno> {
            match self {
                RootDisk::Ram(d) => d.read_block(block, buf),
                RootDisk::Driver(d) => d.read_block(block, buf),
            }
        }
        fn write_block(&mut self, block: u64, buf: &[u8]) -> Result<(), Errno> {
            match self {
                RootDisk::Ram(d) => d.write_block(block, buf),
                RootDisk::Driver(d) => d.write_block(block, buf),
            }
        }
        fn flush(&mut self) -> Result<(), Errno> {
            match self {
                RootDisk::Ram(d) => d.flush(),
                RootDisk::Driver(d) => d.flush(),
            }
        }
        fn size_bytes(&self) -> u64 {
            match self {
                RootDisk::Ram(d) => d.size_bytes(),
                RootDisk::Driver(d) => d.size_bytes(),
            }
        }
        fn run_bytes(&self) -> usize {
            match self {
                RootDisk::Ram(d) => d.run_bytes(),
                RootDisk::Driver(d) => d.run_bytes(),
            }
        }
        fn read_run(&mut self, first: u64, count: usize, len: usize, put: &mut dyn FnMut(usize, &[u8])) -> Result<(), Errno> {
            match self {
                RootDisk::Ram(d) => d.read_run(first, count, len, put),
                RootDisk::Driver(d) => d.read_run(first, count, len, put),
            }
        }
        fn write_run(&mut self, first: u64, count: usize, len: usize, get: &mut dyn FnMut(usize, &mut [u8])) -> Result<(), Errno> {
            match self {
                RootDisk::Ram(d) => d.write_run(first, count, len, get),
                RootDisk::Driver(d) => d.write_run(first, count, len, get),
            }
        }
    }

    /// A block cache in a mapping from VM, and its address range (`None`:
    /// VM had none to give, and the cache goes on the heap).
    fn cache_store() -> Option<(&'static mut [u8], (u64, u64))> {
        match mxrt::posix::mmap_region(CACHE_BYTES, PROT_READ | PROT_WRITE) {
            Ok(m) => {
                let range = (m.base(), m.base() + m.len());
                Some((m.leak(), range))
            }
            Err(e) => {
                println!("fs: no cache memory from VM ({}); caching on the heap", e.name());
                None
            }
        }
    }

    fn mount_on(disk: RootDisk, store: Option<&'static mut [u8]>) -> Result<FileSystem<RootDisk>, Errno> {
        match store {
            Some(store) => FileSystem::mount_in(disk, MountOptions::default(), store),
            None => FileSystem::mount_with(disk, MountOptions::default()),
        }
    }

    /// Mounts the root file system: the disk behind the block driver if
    /// it has one and it mounts, else the boot RAM disk. A disk that does
    /// not mount is said so, plainly, and left alone.
    fn mount() -> Server<RootDisk> {
        let mut store = cache_store();
        let range = store.as_ref().map_or((0, 0), |s| s.1);
        match DriverDisk::open(range) {
            Ok(disk) => match mount_on(RootDisk::Driver(disk), store.take().map(|s| s.0)) {
                Ok(fs) => {
                    println!(
                        "fs: root is the disk ({} KiB){}",
                        fs.superblock().zones as u64 * fs.block_size() as u64 / 1024,
                        if fs.was_clean() { "" } else { "; it was not shut down cleanly" }
                    );
                    return Server::new(fs, minix_abi::fs::DISK_DEV);
                }
                Err(e) => println!("fs: the disk does not mount ({}); root is the boot RAM disk", e.name()),
            },
            Err(minix_abi::errno::ENXIO) => {}
            Err(e) => println!("fs: the disk does not open ({}); root is the boot RAM disk", e.name()),
        }
        let disk: &'static mut [u8] = spin::MutexGuard::leak(DISK.lock()).as_mut_slice();
        // A disk that did not mount took the store with it: ask again.
        let store = match store {
            Some(s) => Some(s.0),
            None if range != (0, 0) => cache_store().map(|s| s.0),
            None => None,
        };
        // A boot image that does not mount is a broken build: the panic
        // reaches the root task's fault reporter, which fails the boot.
        match mount_on(RootDisk::Ram(MemDisk(disk)), store) {
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
