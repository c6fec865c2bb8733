// SPDX-License-Identifier: BSD-2-Clause
//! Disk figures: the file system on a real (virtio) disk, where the block
//! driver, its interrupt and the copies are in the path.
use super::files::make_file;
use super::scratch::Scratch;
use super::{Open, Os, Path, PAGE};
use crate::measure::{per_iteration, per_iteration_prepared, Samples};

/// Bytes one round reads cold.
const COLD_LEN: usize = 16 << 20;
/// The file: three rounds' worth, more than the file system's cache (24 MiB
/// on ours), so each round finds its third evicted.
const COLD_FILE: usize = 3 * COLD_LEN;

/// A sequential read of 16 MiB that is not in the cache, in 64 KiB
/// `pread`s: the figure is per 16 MiB, and the report divides it for a
/// per-byte cost. A 48 MiB file is written first (and fsync'd); round `i`
/// reads its third `i mod 3`, which the two rounds (or the writes) since
/// it was last read have pushed out of our least-recently-used cache.
/// Linux's page cache would keep the whole file, so before each round,
/// untimed, [`Os::uncache`] drops what it holds.
pub fn disk_seqread_cold<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    const CHUNK: usize = 64 * 1024;
    if !os.on_disk() {
        return None;
    }
    let path = Path::new(os.work_dir(), "bench_disk_cold");
    let mut buf = Scratch::new(os, CHUNK)?;
    make_file(os, &path, COLD_FILE, &mut buf)?;
    let fd = os.open(path.as_str(), Open::Read)?;
    os.fsync(fd)?;
    let mut failed = false;
    let mut uncached = true;
    let m = per_iteration_prepared(
        os,
        s,
        1,
        5,
        |os, _| uncached &= os.uncache(fd).is_some(),
        |os, i| {
            let base = (i % 3) * COLD_LEN;
            let mut off = 0;
            while off < COLD_LEN {
                match os.pread(fd, buf.bytes(), (base + off) as u64) {
                    Some(n) if n > 0 => off += n,
                    _ => {
                        failed = true;
                        break;
                    }
                }
            }
        },
    );
    os.close(fd);
    os.unlink(path.as_str());
    buf.free(os);
    (!failed && uncached).then_some(m)
}

/// One 4 KiB `pwrite` and an `fsync` of it, cycling over the 64 pages of a
/// 256 KiB file: per operation, the write reaching the device included.
pub fn disk_write_fsync<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    const PAGES: usize = 64;
    if !os.on_disk() {
        return None;
    }
    let path = Path::new(os.work_dir(), "bench_disk_fsync");
    let mut buf = Scratch::new(os, PAGE)?;
    make_file(os, &path, PAGES * PAGE, &mut buf)?;
    let fd = os.open(path.as_str(), Open::Update)?;
    os.fsync(fd)?;
    let mut failed = false;
    let m = per_iteration(os, s, 4, 100, |os, i| {
        let off = ((i % PAGES) * PAGE) as u64;
        failed |= os.pwrite(fd, &buf.bytes()[..PAGE], off) != Some(PAGE);
        failed |= os.fsync(fd).is_none();
    });
    os.close(fd);
    os.unlink(path.as_str());
    buf.free(os);
    (!failed).then_some(m)
}
