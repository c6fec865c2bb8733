// SPDX-License-Identifier: BSD-2-Clause
//! The calling program's memory, as its system calls name it: C strings,
//! buffers, arrays of pointers. This library runs inside the program, so
//! these are the program's own pointers; a wild one faults the program
//! (as its own `strlen` would), never a server. Servers that reach a
//! buffer themselves (VFS, through grants) check it and answer `EFAULT`.
use crate::errno::{Lx, EFAULT, ENAMETOOLONG};

/// The longest path a call takes, its NUL included (Linux's `PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// No valid pointer lies in the first page or at or above 4 GiB here
/// (every user address is below `USER_TOP`); such a pointer is `EFAULT`
/// without a touch.
fn plausible(addr: u64, len: usize) -> Result<(), Lx> {
    const USER_TOP: u64 = 1 << 32;
    let end = addr.checked_add(len as u64).ok_or(EFAULT)?;
    if addr < 4096 || end > USER_TOP {
        return Err(EFAULT);
    }
    Ok(())
}

/// The bytes of the C string at `addr`, without its NUL; `ENAMETOOLONG`
/// past `max` bytes.
pub fn c_str(addr: u64, max: usize) -> Result<&'static [u8], Lx> {
    plausible(addr, 1)?;
    let mut n = 0usize;
    loop {
        if n >= max {
            return Err(ENAMETOOLONG);
        }
        plausible(addr + n as u64, 1)?;
        // SAFETY: the program passed this as a C string; bytes up to its
        // NUL are its own memory (a wrong pointer faults the program
        // itself, which the module's docs accept).
        if unsafe { sel4::read_u8_at(addr + n as u64) } == 0 {
            break;
        }
        n += 1;
    }
    // SAFETY: the n bytes just read are readable.
    Ok(unsafe { sel4::slice_at(addr, n) })
}

/// A path argument.
pub fn path(addr: u64) -> Result<&'static [u8], Lx> {
    c_str(addr, PATH_MAX)
}

/// `len` bytes the program hands the call to read.
pub fn bytes(addr: u64, len: usize) -> Result<&'static [u8], Lx> {
    if len == 0 {
        return Ok(&[]);
    }
    plausible(addr, len)?;
    // SAFETY: the program names these bytes as a buffer of its own.
    Ok(unsafe { sel4::slice_at(addr, len) })
}

/// `len` bytes the program hands the call to fill.
pub fn bytes_mut(addr: u64, len: usize) -> Result<&'static mut [u8], Lx> {
    if len == 0 {
        return Ok(&mut []);
    }
    plausible(addr, len)?;
    // SAFETY: the program names these bytes as a buffer of its own, and
    // nothing else in the call holds them.
    Ok(unsafe { sel4::slice_at_mut(addr, len) })
}

/// Copies `src` to the program's `addr`.
pub fn put(addr: u64, src: &[u8]) -> Result<(), Lx> {
    bytes_mut(addr, src.len())?.copy_from_slice(src);
    Ok(())
}

/// The `u64` at `addr`.
pub fn read_u64(addr: u64) -> Result<u64, Lx> {
    let b = bytes(addr, 8)?;
    Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// The strings of a NULL-ended array of C strings (`argv`, `envp`), at
/// most `max` of them, each at most `each` bytes.
pub fn c_str_array(addr: u64, max: usize, each: usize, mut f: impl FnMut(&'static [u8]) -> Result<(), Lx>) -> Result<(), Lx> {
    if addr == 0 {
        return Ok(());
    }
    for i in 0..=max {
        let p = read_u64(addr + 8 * i as u64)?;
        if p == 0 {
            return Ok(());
        }
        if i == max {
            return Err(crate::errno::E2BIG);
        }
        f(c_str(p, each)?)?;
    }
    Ok(())
}
