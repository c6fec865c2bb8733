// SPDX-License-Identifier: BSD-2-Clause
//! Every figure `make bench` reports: its floor, its targets, and whether
//! Linux measures it too. Both systems print `measure name=<id> instr=<n>`
//! lines; the host report joins them with this table.

/// What a figure is divided by. `Sum` floors add two figures (a copy is
/// compared with an IPC round trip plus a memcpy of the same size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floor {
    None,
    One(&'static str),
    Sum(&'static str, &'static str),
}

#[derive(Clone, Copy, Debug)]
pub struct Figure {
    pub name: &'static str,
    pub floor: Floor,
    /// Target ratio to the floor, in hundredths (130 = at most 1.30x).
    pub floor_target: Option<u32>,
    /// Whether the Linux peer measures the same workload.
    pub linux: bool,
    /// Target ratio to Linux, in hundredths.
    pub linux_target: Option<u32>,
    /// The measured value is per `divisor` units (65536 for a per-byte
    /// figure timed per 64 KiB call); the report divides.
    pub divisor: u64,
    /// Hard limit on the floor ratio: the report fails the run past it.
    /// Used to catch a priority regression in the IPC floor.
    pub floor_limit: Option<u32>,
}

const fn fig(name: &'static str, floor: Floor, floor_target: Option<u32>, linux: bool, linux_target: Option<u32>) -> Figure {
    Figure { name, floor, floor_target, linux, linux_target, divisor: 1, floor_limit: None }
}

use Floor::{One, Sum};

pub const FIGURES: &[Figure] = &[
    fig("ipc_thread", Floor::None, None, false, None),
    Figure { floor_limit: Some(110), ..fig("ipc_process", One("ipc_thread"), Some(110), false, None) },
    fig("fault_raw", Floor::None, None, false, None),
    fig("getpid", One("ipc_process"), Some(110), true, None),
    fig("memcpy_4k", Floor::None, None, false, None),
    fig("memcpy_64k", Floor::None, None, false, None),
    fig("safecopy_4k", Sum("ipc_process", "memcpy_4k"), Some(130), false, None),
    fig("safecopy_64k", Sum("ipc_process", "memcpy_64k"), Some(115), false, None),
    fig("fault_anon_warm", One("fault_raw"), Some(130), true, None),
    fig("fault_anon_cold", One("fault_raw"), Some(160), true, None),
    fig("fork_exit_wait_small", One("ipc_process"), None, true, Some(100)),
    fig("fork_exit_wait_1m", One("ipc_process"), None, true, Some(100)),
    fig("mmap_munmap_64k", One("ipc_process"), None, true, None),
    // The file system (issue 11).
    fig("pread_4k", One("ipc_process"), None, true, Some(200)),
    Figure { divisor: 65536, ..fig("seqread_64k", Floor::None, None, true, Some(100)) },
    fig("open_close", One("ipc_process"), None, true, Some(100)),
    fig("stat", One("ipc_process"), None, true, Some(100)),
    fig("create_write_unlink", One("ipc_process"), None, true, Some(100)),
    fig("write_4k_append", One("ipc_process"), None, true, None),
    fig("getdents_100", One("ipc_process"), None, true, Some(100)),
    fig("pipe_rtt", One("ipc_process"), None, true, Some(50)),
    // File-mapped memory (issue 12).
    fig("fault_file_cached", One("fault_raw"), None, true, Some(100)),
    fig("fault_file_around", One("fault_raw"), None, true, Some(100)),
    fig("fault_file_cow", One("fault_raw"), None, true, Some(100)),
    // The disk (issue 13): both on a virtio disk made by the same image
    // builder, Linux through its own minix file system.
    // The driver alone: 64 KiB READs straight from init (the cold read's
    // floor), and of that the driver's wait for each completion.
    Figure { divisor: 16 << 20, ..fig("disk_raw_read", Floor::None, None, false, None) },
    Figure { divisor: 16 << 20, ..fig("disk_raw_wait", Floor::None, None, false, None) },
    Figure { divisor: 16 << 20, ..fig("disk_seqread_cold", One("disk_raw_read"), None, true, None) },
    fig("disk_write_fsync", Floor::None, None, true, None),
    // The clock (issue 20): a reading takes no message on either system.
    fig("clock_gettime", Floor::None, None, true, Some(100)),
    // exec (issue 20): a tiny static program from the file system.
    fig("exec_small", One("fork_exit_wait_small"), None, true, Some(100)),
    // Signals (issue 20): a handler run for a kill to oneself.
    fig("signal_rtt", One("ipc_process"), None, true, Some(150)),
    // C programs (issue 21): user/c/cbench.c on both systems, with
    // Debian's dash and toybox, built against our musl and stock musl.
    fig("exec_c_hello", One("exec_small"), None, true, Some(100)),
    fig("sh_loop", Floor::None, None, true, Some(100)),
    fig("sh_pipeline", Floor::None, None, true, Some(150)),
    fig("thread_create_join", One("ipc_process"), None, true, Some(150)),
    fig("futex_pingpong", One("ipc_process"), None, true, Some(100)),
];

/// The figure called `name`.
pub fn find(name: &str) -> Option<&'static Figure> {
    FIGURES.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_floors_exist() {
        for (i, f) in FIGURES.iter().enumerate() {
            assert!(FIGURES[..i].iter().all(|g| g.name != f.name), "{} twice", f.name);
            let floors: &[&str] = match f.floor {
                Floor::None => &[],
                One(a) => &[a],
                Sum(a, b) => &[a, b],
            };
            for fl in floors {
                let at = FIGURES.iter().position(|g| g.name == *fl);
                assert!(matches!(at, Some(j) if j < i), "{}: floor {} must come earlier", f.name, fl);
            }
        }
    }

    #[test]
    fn the_ipc_floor_is_guarded() {
        assert_eq!(find("ipc_process").unwrap().floor_limit, Some(110));
    }
}
