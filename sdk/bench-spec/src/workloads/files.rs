// SPDX-License-Identifier: BSD-2-Clause
//! File-system figures. Every file is made (and its data written) before
//! timing, so the data is in the system's cache: these are the cached
//! paths a program sees when it re-reads what it just used.
use super::scratch::Scratch;
use super::{Open, Os, Path, FILE, GETDENTS, PAGE, SEQREAD};
use crate::measure::{per_iteration, Samples};

/// Writes `len` bytes of `buf`'s pattern to a new file at `path`.
pub(crate) fn make_file<O: Os>(os: &mut O, path: &Path, len: usize, buf: &mut Scratch) -> Option<()> {
    let fd = os.open(path.as_str(), Open::Create)?;
    let mut done = 0;
    let mut ok = true;
    while ok && done < len {
        let n = core::cmp::min(buf.bytes().len(), len - done);
        match os.write(fd, &buf.bytes()[..n]) {
            Some(w) if w > 0 => done += w,
            _ => ok = false,
        }
    }
    os.close(fd)?;
    ok.then_some(())
}

/// Reads the whole file once, untimed: a system that caches lazily has the
/// data cached before the timed reads.
fn read_all<O: Os>(os: &mut O, path: &Path, buf: &mut Scratch) -> Option<()> {
    let fd = os.open(path.as_str(), Open::Read)?;
    while os.read(fd, buf.bytes())? > 0 {}
    os.close(fd)
}

/// pread of 4 KiB from a cached 64 KiB file, cycling over its pages.
pub fn pread_4k<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    const PAGES: usize = 16;
    let path = Path::new(os.work_dir(), "bench_pread");
    let mut buf = Scratch::new(os, PAGES * PAGE)?;
    make_file(os, &path, PAGES * PAGE, &mut buf)?;
    read_all(os, &path, &mut buf)?;
    let fd = os.open(path.as_str(), Open::Read)?;
    let mut failed = false;
    let m = per_iteration(os, s, FILE.warmup, FILE.iters, |os, i| {
        let off = ((i % PAGES) * PAGE) as u64;
        failed |= os.pread(fd, &mut buf.bytes()[..PAGE], off) != Some(PAGE);
    });
    os.close(fd);
    os.unlink(path.as_str());
    buf.free(os);
    (!failed).then_some(m)
}

/// Sequential `read`s of 64 KiB through a cached 16 MiB file: the figure
/// is per call, and the report divides it by 65536 for a per-byte cost.
pub fn seqread_64k<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    const CHUNK: usize = 64 * 1024;
    const LEN: usize = (SEQREAD.warmup + SEQREAD.iters) * CHUNK;
    let path = Path::new(os.work_dir(), "bench_seqread");
    let mut buf = Scratch::new(os, CHUNK)?;
    make_file(os, &path, LEN, &mut buf)?;
    read_all(os, &path, &mut buf)?;
    let fd = os.open(path.as_str(), Open::Read)?;
    let mut failed = false;
    let m = per_iteration(os, s, SEQREAD.warmup, SEQREAD.iters, |os, _| {
        failed |= os.read(fd, buf.bytes()) != Some(CHUNK);
    });
    // The rounds cover the file exactly: the next read is at its end.
    failed |= os.read(fd, buf.bytes()) != Some(0);
    os.close(fd);
    os.unlink(path.as_str());
    buf.free(os);
    (!failed).then_some(m)
}

/// open + close of an existing 4 KiB file.
pub fn open_close<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let path = Path::new(os.work_dir(), "bench_open");
    let mut buf = Scratch::new(os, PAGE)?;
    make_file(os, &path, PAGE, &mut buf)?;
    buf.free(os);
    let mut failed = false;
    let m = per_iteration(os, s, FILE.warmup, FILE.iters, |os, _| match os.open(path.as_str(), Open::Read) {
        Some(fd) => failed |= os.close(fd).is_none(),
        None => failed = true,
    });
    os.unlink(path.as_str());
    (!failed).then_some(m)
}

/// stat of an existing 4 KiB file.
pub fn stat<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let path = Path::new(os.work_dir(), "bench_stat");
    let mut buf = Scratch::new(os, PAGE)?;
    make_file(os, &path, PAGE, &mut buf)?;
    buf.free(os);
    let mut failed = false;
    let m = per_iteration(os, s, FILE.warmup, FILE.iters, |os, _| {
        failed |= os.stat(path.as_str()) != Some(PAGE as u64);
    });
    os.unlink(path.as_str());
    (!failed).then_some(m)
}

/// creat + write 4 KiB + close + unlink of the same name each time.
pub fn create_write_unlink<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let path = Path::new(os.work_dir(), "bench_create");
    let mut buf = Scratch::new(os, PAGE)?;
    let mut failed = false;
    let m = per_iteration(os, s, FILE.warmup, FILE.iters, |os, _| match os.open(path.as_str(), Open::Create) {
        Some(fd) => {
            failed |= os.write(fd, buf.bytes()) != Some(PAGE);
            failed |= os.close(fd).is_none();
            failed |= os.unlink(path.as_str()).is_none();
        }
        None => failed = true,
    });
    buf.free(os);
    (!failed).then_some(m)
}

/// write of 4 KiB at the end of a growing file (into the cache).
pub fn write_4k_append<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let path = Path::new(os.work_dir(), "bench_append");
    let mut buf = Scratch::new(os, PAGE)?;
    let fd = os.open(path.as_str(), Open::Append)?;
    let mut failed = false;
    let m = per_iteration(os, s, FILE.warmup, FILE.iters, |os, _| {
        failed |= os.write(fd, buf.bytes()) != Some(PAGE);
    });
    os.close(fd);
    failed |= os.stat(path.as_str()) != Some(((FILE.warmup + FILE.iters) * PAGE) as u64);
    os.unlink(path.as_str());
    buf.free(os);
    (!failed).then_some(m)
}

/// open + getdents until the end + close, on a directory of 100 empty
/// files.
pub fn getdents_100<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    const ENTRIES: usize = 100;
    let dir = Path::new(os.work_dir(), "bench_dents");
    os.mkdir(dir.as_str())?;
    let mut failed = false;
    for n in 0..ENTRIES {
        let f = Path::numbered(dir.as_str(), "entry", n);
        match os.open(f.as_str(), Open::Create) {
            Some(fd) => failed |= os.close(fd).is_none(),
            None => failed = true,
        }
    }
    // Room for every entry in one call on either system.
    let mut buf = Scratch::new(os, 8 * PAGE)?;
    let m = per_iteration(os, s, GETDENTS.warmup, GETDENTS.iters, |os, _| match os.open(dir.as_str(), Open::Directory) {
        Some(fd) => {
            loop {
                match os.getdents(fd, buf.bytes()) {
                    Some(0) => break,
                    Some(_) => {}
                    None => {
                        failed = true;
                        break;
                    }
                }
            }
            failed |= os.close(fd).is_none();
        }
        None => failed = true,
    });
    buf.free(os);
    for n in 0..ENTRIES {
        failed |= os.unlink(Path::numbered(dir.as_str(), "entry", n).as_str()).is_none();
    }
    failed |= os.rmdir(dir.as_str()).is_none();
    (!failed).then_some(m)
}
