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

/// Zeroes one 4 KiB page with `rep stosq` (512 stores), which is what
/// VM does to every recycled frame. Safe: the reference says the page is
/// writable and that nothing else uses it; `rep stosq` needs no alignment.
pub fn zero_page(page: &mut [u8; PAGE_SIZE]) {
    // SAFETY: rep stosq stores RCX = 512 zero words from RDI upwards (the
    // direction flag is clear, as the ABI requires), exactly the 4 KiB
    // `page` covers, and `page` is a unique reference.
    unsafe {
        core::arch::asm!(
            "rep stosq",
            inout("rdi") page.as_mut_ptr() => _,
            inout("rcx") (PAGE_SIZE / 8) as u64 => _,
            in("rax") 0u64,
            options(nostack, preserves_flags)
        );
    }
}
