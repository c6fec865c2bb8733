// SPDX-License-Identifier: BSD-2-Clause
//! Panic handling: print where, then stop the system. The component name
//! and the hook live in once-cells, so nothing here is unsafe.

/// The name given to `declare_main!`, set before `main` runs.
static NAME: spin::Once<&'static str> = spin::Once::new();
/// What a panic does after printing, if not the default fault.
static HOOK: spin::Once<fn() -> !> = spin::Once::new();

pub(crate) fn set_component_name(name: &'static str) {
    NAME.call_once(|| name);
}

/// The name given to `declare_main!` ("?" before it is known).
pub fn component_name() -> &'static str {
    NAME.get().copied().unwrap_or("?")
}

/// Installs what a panic does after printing. The root task ends QEMU with
/// a failure status; the default, for every other process, is a deliberate
/// fault (`ud2`), which its fault handler sees and reports. The first hook
/// installed stays.
pub fn set_panic_hook(hook: fn() -> !) {
    HOOK.call_once(|| hook);
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
    if let Some(hook) = HOOK.get() {
        hook()
    }
    sel4::abort_by_fault()
}
