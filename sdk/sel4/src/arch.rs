// SPDX-License-Identifier: BSD-2-Clause
//! x86_64 architecture details.

/// log2 of the base page size (seL4_PageBits).
pub const PAGE_BITS: u32 = crate::size_bits::PAGE as u32;
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

/// Reads the time-stamp counter between two `lfence`s, so the read waits
/// for every earlier instruction and no later one starts before it. This is
/// the clock of every benchmark (`bench_spec::Clock`).
#[inline(always)]
pub fn rdtsc_fenced() -> u64 {
    let lo: u32;
    let hi: u32;
    // SAFETY: lfence and rdtsc only order execution and read the counter
    // into edx:eax; no memory is touched.
    unsafe { core::arch::asm!("lfence", "rdtsc", "lfence", out("eax") lo, out("edx") hi, options(nomem, nostack)) };
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

/// Zeroes one 4 KiB page at a page-aligned, mapped, writable address with
/// `rep stosq` (512 stores).
pub fn zero_page(addr: u64) {
    if addr % PAGE_SIZE as u64 != 0 {
        crate::fill_addr(addr, 0, PAGE_SIZE);
        return;
    }
    // SAFETY: the caller guarantees the page is mapped and writable (as
    // for every raw_mem function); rep stosq writes exactly 4 KiB there.
    unsafe {
        core::arch::asm!(
            "rep stosq",
            inout("rdi") addr => _,
            inout("rcx") (PAGE_SIZE / 8) as u64 => _,
            in("rax") 0u64,
            options(nostack, preserves_flags)
        );
    }
}
