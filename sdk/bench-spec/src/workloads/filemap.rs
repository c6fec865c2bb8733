// SPDX-License-Identifier: BSD-2-Clause
//! Faults on file mappings. The file is written (so cached) before it is
//! mapped; the faults map cached pages and never wait for a disk.
use super::files::make_file;
use super::scratch::Scratch;
use super::{FileMap, Open, Os, Path, AROUND, FAULT, PAGE};
use crate::measure::{per_iteration, Samples};

/// One fault per page of a mapping made with `how`; `write` touches with a
/// store, otherwise with a load. Like the anonymous figure, the first page
/// is faulted before timing so the range's page tables exist.
fn per_page<O: Os>(os: &mut O, s: &mut Samples, name: &str, how: FileMap, write: bool) -> Option<u64> {
    let pages = 1 + FAULT.warmup + FAULT.iters;
    let len = pages * PAGE;
    let path = Path::new(os.work_dir(), name);
    let mut buf = Scratch::new(os, 16 * PAGE)?;
    make_file(os, &path, len, &mut buf)?;
    buf.free(os);
    let fd = os.open(path.as_str(), Open::Read)?;
    let base = os.mmap_file(fd, len, how)?;
    // Only ever called with the start of a page of the file mapping made
    // above (`len` bytes, writable for the write figure), before the unmap.
    let touch = |os: &mut O, addr: usize| {
        if write {
            // SAFETY: `addr` starts a page of the mapping, which is
            // writable (FileMap::PrivateWrite) when `write` is asked for.
            unsafe { os.touch(addr) };
        } else {
            // SAFETY: `addr` starts a page of the readable mapping.
            unsafe { os.peek(addr) };
        }
    };
    touch(os, base);
    let m = per_iteration(os, s, FAULT.warmup, FAULT.iters, |os, i| touch(os, base + (i + 1) * PAGE));
    os.munmap(base, len);
    os.close(fd);
    os.unlink(path.as_str());
    Some(m)
}

/// A read fault on a cached file page, one page mapped per fault.
pub fn fault_file_cached<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    per_page(os, s, "bench_fault_cached", FileMap::SharedOnePagePerFault, false)
}

/// A write fault on a private file mapping: the cached page is copied.
pub fn fault_file_cow<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    per_page(os, s, "bench_fault_cow", FileMap::PrivateWrite, true)
}

/// Read faults over a 16 MiB cached file with the system's fault-around:
/// each pass maps the file, loads one word of every page (timed), and
/// unmaps it. The figure is the median pass divided by its pages.
pub fn fault_file_around<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    const LEN: usize = 16 << 20;
    const PAGES: usize = LEN / PAGE;
    let path = Path::new(os.work_dir(), "bench_fault_around");
    let mut buf = Scratch::new(os, 16 * PAGE)?;
    make_file(os, &path, LEN, &mut buf)?;
    buf.free(os);
    let fd = os.open(path.as_str(), Open::Read)?;
    let mut failed = false;
    s.clear();
    for pass in 0..AROUND.warmup + AROUND.iters {
        let Some(base) = os.mmap_file(fd, LEN, FileMap::Shared) else {
            failed = true;
            break;
        };
        let t0 = os.now();
        for p in 0..PAGES {
            // SAFETY: page p of the readable LEN-byte mapping just made.
            unsafe { os.peek(base + p * PAGE) };
        }
        let t1 = os.now();
        os.munmap(base, LEN);
        if pass >= AROUND.warmup {
            s.push(t1.wrapping_sub(t0));
        }
    }
    os.close(fd);
    os.unlink(path.as_str());
    (!failed).then(|| s.median() / PAGES as u64)
}
