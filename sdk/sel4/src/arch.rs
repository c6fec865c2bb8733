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

/// 64 random bits from the CPU's `RDRAND`, or `None` when the CPU has no
/// such instruction (CPUID leaf 1, ECX bit 30) or it gave nothing after
/// ten tries (Intel's advice for a momentarily drained generator).
pub fn rdrand64() -> Option<u64> {
    // CPUID leaf 1 exists on every x86_64 CPU.
    let leaf1 = core::arch::x86_64::__cpuid(1);
    if leaf1.ecx & (1 << 30) == 0 {
        return None;
    }
    for _ in 0..10 {
        let v: u64;
        let ok: u8;
        // SAFETY: the CPU has RDRAND (checked above); it writes only the
        // output register and the carry flag, read by setc.
        unsafe { core::arch::asm!("rdrand {v}", "setc {ok}", v = out(reg) v, ok = out(reg_byte) ok, options(nomem, nostack)) };
        if ok != 0 {
            return Some(v);
        }
    }
    None
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
