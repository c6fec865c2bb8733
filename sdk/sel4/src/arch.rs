//! x86_64 architecture details.

/// log2 of the base page size.
pub const PAGE_BITS: u32 = 12;
/// The base page size.
pub const PAGE_SIZE: usize = 1 << PAGE_BITS;

/// Reads the time-stamp counter. Under QEMU `-icount shift=0` one tick is one
/// guest instruction.
#[inline(always)]
pub fn rdtsc() -> u64 {
    let lo: u32;
    let hi: u32;
    // SAFETY: rdtsc only reads the counter into edx:eax.
    unsafe { core::arch::asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    ((hi as u64) << 32) | lo as u64
}

/// Stops this thread with an invalid-opcode exception, which its fault
/// handler receives.
pub fn abort_by_fault() -> ! {
    // SAFETY: ud2 raises #UD; control never continues past it.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}

/// Turns a code address stored as a word back into a function pointer.
/// Only for addresses produced from `fn() -> !` values in this program.
pub fn fn_from_addr(addr: usize) -> fn() -> ! {
    // SAFETY: callers store only addresses of `fn() -> !` items.
    unsafe { core::mem::transmute::<usize, fn() -> !>(addr) }
}
