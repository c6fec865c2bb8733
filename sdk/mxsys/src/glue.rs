// SPDX-License-Identifier: BSD-2-Clause
//! The functions musl's patch calls, the allocator and the panic handler.
use crate::calls;
use crate::errno::ENOSYS;
use core::sync::atomic::{AtomicBool, Ordering};

/// Every system call of the C library: Linux's number and six argument
/// words; answers Linux's return word (`-errno` on failure).
#[no_mangle]
pub extern "C" fn __mx_syscall(n: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64, a6: i64) -> i64 {
    heap_ready();
    let args = [a1 as u64, a2 as u64, a3 as u64, a4 as u64, a5 as u64, a6 as u64];
    match calls::dispatch(n as u64, &args) {
        Some(r) => r,
        None => {
            if tracing() {
                let mut line = Line::new();
                line.push(b"mxsys: no system call ");
                line.number(n as u64);
                line.push(b"\n");
                sel4::debug_write_str(line.as_str());
            }
            -(ENOSYS.0 as i64)
        }
    }
}

/// Thread creation (musl's `__clone(fn, stack, flags, arg, ptid, tls,
/// ctid)`, which jumps here with its arguments): see `threads`.
#[no_mangle]
pub extern "C" fn __mx_clone(func: u64, stack: u64, flags: u64, arg: u64, ptid: u64, tls: u64, ctid: u64) -> i64 {
    heap_ready();
    match crate::threads::clone(func, stack, flags, arg, ptid, tls, ctid) {
        Ok(tid) => tid as i64,
        Err(e) => -(e.0 as i64),
    }
}

/// A detached thread's last act (musl's `__unmapself`): its stack
/// unmapped and the thread ended, with no use of the stack between.
#[no_mangle]
pub extern "C" fn __mx_unmapself(base: u64, len: u64) -> ! {
    crate::threads::unmap_self(base, len)
}

/// A handler's return (musl's `__restore_rt`): C handlers return to the
/// layer (see `signals`), never through the restorer, so a frame here is
/// none of ours; the process ends as Linux ends one with a bad frame.
#[no_mangle]
pub extern "C" fn __mx_rt_sigreturn(_frame: u64) -> ! {
    let _ = mxrt::signal::kill(mxrt::posix::getpid() as i32, 11);
    mxrt::posix::exit(139)
}

extern "C" {
    /// musl's environment (`environ`).
    static __environ: *const *const u8;
}

/// Whether the program's environment has `MXSYS_TRACE` (any value):
/// then calls the layer lacks are named on the console.
fn tracing() -> bool {
    // SAFETY: musl sets __environ before main and only the program
    // changes it; reading the pointer is a plain load.
    let env = unsafe { core::ptr::addr_of!(__environ).read() } as u64;
    let mut found = false;
    let _ = crate::user::c_str_array(env, 4096, 4096, |s| {
        if s.starts_with(b"MXSYS_TRACE=") {
            found = true;
        }
        Ok(())
    });
    found
}

/// A console line built without allocating.
struct Line {
    buf: [u8; 96],
    len: usize,
}

impl Line {
    fn new() -> Line {
        Line { buf: [0; 96], len: 0 }
    }

    fn push(&mut self, s: &[u8]) {
        for &b in s {
            if self.len < self.buf.len() {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
    }

    fn number(&mut self, mut n: u64) {
        let mut d = [0u8; 20];
        let mut i = d.len();
        loop {
            i -= 1;
            d[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&d[i..]);
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("mxsys: ?\n")
    }
}

/// The heap `mxrt` allocates from (an exec's argument list): its own,
/// apart from musl's malloc, over `sel4`'s static heap area (demand-zero
/// `.bss`: its pages cost nothing until used). First fit, so that it
/// touches only the pages it hands out (see `give_heap_area_first_fit`).
#[global_allocator]
static HEAP: linked_list_allocator::LockedHeap = linked_list_allocator::LockedHeap::empty();

static HEAP_READY: AtomicBool = AtomicBool::new(false);

/// Gives the heap its area on the first call: a C program has no Rust
/// start code to do it. One thread per process, so no race; a fork's
/// child inherits the heap as it was.
fn heap_ready() {
    if !HEAP_READY.load(Ordering::Relaxed) {
        HEAP_READY.store(true, Ordering::Relaxed);
        sel4::give_heap_area_first_fit(&HEAP);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    sel4::debug_write_str("mxsys: panic in the system-call layer\n");
    mxrt::posix::exit(134)
}
