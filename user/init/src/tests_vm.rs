// SPDX-License-Identifier: BSD-2-Clause
//! Tests of the VM server: demand paging, copy-on-write fork, munmap,
//! memory accounting across fork/exit, and ENOMEM.
use crate::harness::{ensure, Test};
use minix_abi::errno::ENOMEM;
use minix_abi::pm;
use minix_abi::vm::{MAP_ANON, MAP_PRIVATE, PROT_READ, PROT_WRITE};
use mxrt::posix;

const PAGE: u64 = 4096;
const RW: u64 = PROT_READ | PROT_WRITE;
const ANON: u64 = MAP_ANON | MAP_PRIVATE;

fn pattern(i: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed
}

pub const TESTS: &[Test] = &[
    Test { name: "vm.demand_paging_16mib", run: |_| demand_paging() },
    Test { name: "vm.cow_child_writes_invisible_to_parent", run: |_| cow_child_writes() },
    Test { name: "vm.cow_parent_writes_invisible_to_child", run: |_| cow_parent_writes() },
    Test { name: "vm.munmap_middle_splits_region", run: |_| munmap_middle() },
    Test { name: "vm.prot_read_mapping_refuses_writes", run: |_| prot_read() },
    Test { name: "vm.fork_exit_100_cycles_frees_memory", run: |_| fork_cycles() },
    Test { name: "vm.enomem_and_system_goes_on", run: |_| enomem() },
];

/// Wait for `child` and require that it exited with code 0.
fn child_ok(child: u32) -> Result<(), &'static str> {
    let (pid, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
    ensure(pid == child, "wait returned another pid")?;
    ensure(pm::wifexited(status), "child was killed")?;
    ensure(pm::wexitstatus(status) == 0, "child reported a mismatch")
}

/// Wait for `child` and require that it was killed by SIGSEGV.
fn child_segv(child: u32) -> Result<(), &'static str> {
    let (_, status) = posix::waitpid(child as i64, 0).map_err(|_| "wait failed")?;
    ensure(!pm::wifexited(status) && pm::wtermsig(status) == pm::SIGSEGV, "child not killed by SIGSEGV")
}

fn demand_paging() -> Result<(), &'static str> {
    // A first round of 4 pages runs every instruction the measured round
    // runs, so that each code, stack or data page of this program the
    // round needs is resident before the count. (The extra page CI saw
    // once was the code of the checking loop: this function's second
    // page, first executed after the count of touched pages.)
    demand_paging_round(4 * PAGE, false)?;
    demand_paging_round(16 << 20, true)
}

/// Maps `len` bytes, touches every page, checks them, unmaps them, and
/// requires VM's count of this process's resident pages to follow: none
/// at the mmap, one per page touched, all of them gone after the unmap.
/// `exact`: the count after must equal the count before (the warm-up
/// round only runs the code). Never inlined: both rounds must run the
/// same instructions.
#[inline(never)]
fn demand_paging_round(len: u64, exact: bool) -> Result<(), &'static str> {
    let (_, _, before) = posix::vm_info().map_err(|_| "info")?;
    let mut m = posix::mmap_region(len, RW).map_err(|_| "mmap failed")?;
    let (_, _, mapped) = posix::vm_info().map_err(|_| "info")?;
    let pages = len / PAGE;
    for i in 0..pages {
        m.write_u64(i * PAGE + (i % 500) * 8, pattern(i));
    }
    let (_, _, touched) = posix::vm_info().map_err(|_| "info")?;
    for i in 0..pages {
        if m.read_u64(i * PAGE + (i % 500) * 8) != pattern(i) {
            return Err("a page lost its contents");
        }
        // The next word on the page was never written: it must read zero.
        if m.read_u64(i * PAGE + ((i % 500) + 1) * 8) != 0 {
            return Err("a fresh page was not zero");
        }
    }
    m.unmap().map_err(|_| "munmap failed")?;
    let (_, _, after) = posix::vm_info().map_err(|_| "info")?;
    if !exact {
        return Ok(());
    }
    if mapped != before || touched < before + pages || after != before {
        sel4_root_task::println!("  resident pages: {} before, {} mapped, {} touched, {} after", before, mapped, touched, after);
    }
    ensure(mapped == before, "mmap allocated pages before they were touched")?;
    ensure(touched >= before + pages, "pages not resident after touching")?;
    ensure(after == before, "munmap did not release the pages")
}

fn cow_child_writes() -> Result<(), &'static str> {
    let mut m = posix::mmap_region(PAGE, RW).map_err(|_| "mmap")?;
    m.write_u64(0, 111);
    match posix::fork() {
        Err(_) => Err("fork"),
        Ok(0) => {
            let before = m.read_u64(0);
            m.write_u64(0, 222);
            let ok = before == 111 && m.read_u64(0) == 222;
            posix::exit(if ok { 0 } else { 1 })
        }
        Ok(child) => {
            child_ok(child)?;
            let v = m.read_u64(0);
            m.unmap().map_err(|_| "munmap")?;
            ensure(v == 111, "the child's write reached the parent")
        }
    }
}

/// The parent's write after fork must not reach the child. The order is
/// made certain without timing: a middle process P writes 333, forks C,
/// writes 444 and exits. C waits until its parent is no longer P (PM
/// moves an exited process's children to init), which can only happen
/// after P's write, then reads its copy and reports on a pipe (init, its
/// parent by then, reaps it).
fn cow_parent_writes() -> Result<(), &'static str> {
    let (r, w) = mxrt::fs::pipe(0).map_err(|_| "pipe")?;
    let p = match posix::fork() {
        Err(_) => return Err("fork"),
        Ok(0) => {
            let _ = mxrt::fs::close(r);
            let Ok(mut m) = posix::mmap_region(PAGE, RW) else { posix::exit(2) };
            m.write_u64(0, 333);
            let me = posix::getpid();
            match posix::fork() {
                Err(_) => posix::exit(3),
                Ok(0) => {
                    while posix::getppid() == me {}
                    let _ = mxrt::fs::write(w, if m.read_u64(0) == 333 { b"k" } else { b"x" });
                    posix::exit(0)
                }
                Ok(_) => {
                    m.write_u64(0, 444);
                    posix::exit(if m.read_u64(0) == 444 { 0 } else { 4 })
                }
            }
        }
        Ok(p) => p,
    };
    let _ = mxrt::fs::close(w);
    let waited = child_ok(p).map_err(|_| "the parent lost its own write");
    let mut b = [0u8; 1];
    let got = mxrt::fs::read(r, &mut b);
    let _ = mxrt::fs::close(r);
    waited?;
    ensure(got == Ok(1), "the grandchild did not report")?;
    ensure(b[0] == b'k', "the parent's write reached the child")
}

fn munmap_middle() -> Result<(), &'static str> {
    let mut first = posix::mmap_region(3 * PAGE, RW).map_err(|_| "mmap")?;
    for i in 0..3 {
        first.write_u64(i * PAGE, 10 + i);
    }
    // One region of three pages; unmapping the middle one splits it in VM.
    let mut middle = first.split_off(PAGE);
    let mut last = middle.split_off(PAGE);
    let hole = middle.base();
    middle.unmap().map_err(|_| "munmap middle")?;
    first.write_u64(8, 1);
    last.write_u64(8, 1);
    ensure(first.read_u64(0) == 10 && last.read_u64(0) == 12, "the ends lost data")?;
    match posix::fork() {
        Err(_) => Err("fork"),
        Ok(0) => {
            // SAFETY: the read faults on purpose: `hole` is the page
            // unmapped above, and nothing in this child maps it again, so
            // VM kills this child (only it) with SIGSEGV; no Rust value
            // refers to the page.
            let v = unsafe { sel4::read_u64_at(hole) };
            posix::exit((v & 0x7f) as u8 | 0x80)
        }
        Ok(child) => {
            child_segv(child)?;
            first.unmap().map_err(|_| "munmap")?;
            last.unmap().map_err(|_| "munmap")?;
            Ok(())
        }
    }
}

fn prot_read() -> Result<(), &'static str> {
    let m = posix::mmap_region(PAGE, PROT_READ).map_err(|_| "mmap")?;
    ensure(m.read_u64(0) == 0, "fresh read-only page not zero")?;
    match posix::fork() {
        Err(_) => Err("fork"),
        Ok(0) => {
            // SAFETY: the write faults on purpose: the page is mapped
            // read-only, so VM kills this child (only it) with SIGSEGV
            // before anything is stored; no reference into `m` is live.
            unsafe { sel4::write_u64_at(m.base(), 1) };
            posix::exit(0)
        }
        Ok(child) => {
            child_segv(child)?;
            m.unmap().map_err(|_| "munmap")?;
            Ok(())
        }
    }
}

fn fork_exit_once() -> Result<(), &'static str> {
    match posix::fork() {
        Err(_) => Err("fork"),
        Ok(0) => posix::exit(0),
        Ok(child) => child_ok(child),
    }
}

fn fork_cycles() -> Result<(), &'static str> {
    // One warm-up cycle: the first fork may create a VSpace and paging
    // structures that later forks reuse.
    fork_exit_once()?;
    // Memory also comes back on its own while the cycles run: a previous
    // group's orphans end, and VM lets go of the cached pages of a file
    // once VFS's pager has handled its release. So up to three rounds:
    // one that ends exactly where it began shows that the cycles keep
    // nothing; a leak shows in every round.
    for _ in 0..3 {
        let (free_before, _, _) = posix::vm_info().map_err(|_| "info")?;
        for _ in 0..100 {
            fork_exit_once()?;
        }
        let (free_after, _, _) = posix::vm_info().map_err(|_| "info")?;
        if free_after == free_before {
            return Ok(());
        }
        sel4_root_task::println!("  free pages before {}, after {}", free_before, free_after);
    }
    Err("free memory did not return to its starting value")
}

fn enomem() -> Result<(), &'static str> {
    let (free, total, _) = posix::vm_info().map_err(|_| "info")?;
    let too_much = (total + 1) * PAGE;
    ensure(posix::mmap(0, too_much, RW, ANON) == Err(ENOMEM), "oversized mmap did not give ENOMEM")?;
    let brk = posix::brk(0).map_err(|_| "brk query")?;
    ensure(posix::brk(brk + too_much) == Err(ENOMEM), "oversized brk did not give ENOMEM")?;
    // The refused requests took nothing.
    ensure(posix::vm_info().map_err(|_| "info")?.0 == free, "a refused request changed the free memory")?;
    // The system goes on: a normal allocation and a fork still work.
    let mut m = posix::mmap_region(PAGE, RW).map_err(|_| "small mmap after ENOMEM")?;
    m.write_u64(0, 7);
    m.unmap().map_err(|_| "munmap")?;
    fork_exit_once()
}
