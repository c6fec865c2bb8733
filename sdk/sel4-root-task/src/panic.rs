// SPDX-License-Identifier: BSD-2-Clause
//! Panic handling: print where, then stop the system.
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

static NAME_PTR: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static NAME_LEN: AtomicUsize = AtomicUsize::new(0);
static HOOK: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn set_component_name(name: &'static str) {
    NAME_LEN.store(name.len(), Ordering::Relaxed);
    NAME_PTR.store(name.as_ptr() as *mut u8, Ordering::Release);
}

/// The name given to `declare_main!`.
pub fn component_name() -> &'static str {
    let p = NAME_PTR.load(Ordering::Acquire);
    if p.is_null() {
        return "?";
    }
    let len = NAME_LEN.load(Ordering::Relaxed);
    core::str::from_utf8(sel4::slice_at(p as u64, len)).unwrap_or("?")
}

/// Installs what a panic does after printing. The root task ends QEMU with
/// a failure status; the default, for every other process, is a deliberate
/// fault (`ud2`), which its fault handler sees and reports.
pub fn set_panic_hook(hook: fn() -> !) {
    HOOK.store(hook as usize, Ordering::Release);
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    let mut w = sel4::DebugWriter;
    let _ = write!(w, "\n*** panic in {}", component_name());
    if let Some(loc) = info.location() {
        let _ = write!(w, " at {}:{}", loc.file(), loc.line());
    }
    let _ = writeln!(w, ": {}", info.message());
    let hook = HOOK.load(Ordering::Acquire);
    if hook != 0 {
        let f: fn() -> ! = fn_from_hook(hook);
        f()
    }
    sel4::abort_by_fault()
}

#[cfg(target_os = "none")]
fn fn_from_hook(v: usize) -> fn() -> ! {
    sel4::fn_from_addr(v)
}
