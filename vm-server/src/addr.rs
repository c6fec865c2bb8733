// SPDX-License-Identifier: BSD-2-Clause
//! Page arithmetic and range checks. Every function is total: overflow
//! gives an errno or `None`, never a panic.

use minix_abi::errno::{Errno, EINVAL};

/// Page size: 4 KiB.
pub const PAGE_SIZE: u64 = 4096;

/// First address above user space. The kernel reports fault addresses as
/// 32 bits, so user mappings stay below 4 GiB.
pub const USER_TOP: u64 = minix_abi::vm::USER_TOP;

/// Lowest mappable address: page 0 stays unmapped so that null pointers fault.
pub const USER_BOTTOM: u64 = PAGE_SIZE;

/// True when `x` is a multiple of [`PAGE_SIZE`].
pub const fn is_aligned(x: u64) -> bool {
    x.is_multiple_of(PAGE_SIZE)
}

/// Rounds down to a page boundary.
pub const fn page_floor(x: u64) -> u64 {
    x - x % PAGE_SIZE
}

/// Rounds up to a page boundary; `None` on overflow.
pub const fn page_ceil(x: u64) -> Option<u64> {
    match x % PAGE_SIZE {
        0 => Some(x),
        r => x.checked_add(PAGE_SIZE - r),
    }
}

/// Checks a range that must become (or already be) a mapping:
/// `addr` and `len` page aligned, `len > 0`, and
/// `[addr, addr + len)` inside `[USER_BOTTOM, USER_TOP]`.
/// Returns the end. Any violation is `EINVAL`.
pub fn check_map_range(addr: u64, len: u64) -> Result<u64, Errno> {
    let end = check_user_range(addr, len)?;
    if addr < USER_BOTTOM {
        return Err(EINVAL);
    }
    Ok(end)
}

/// Like [`check_map_range`] but page 0 is allowed (for munmap).
pub fn check_user_range(addr: u64, len: u64) -> Result<u64, Errno> {
    if len == 0 || !is_aligned(addr) || !is_aligned(len) {
        return Err(EINVAL);
    }
    match addr.checked_add(len) {
        Some(end) if end <= USER_TOP => Ok(end),
        _ => Err(EINVAL),
    }
}

/// Rounds a user-supplied length up to whole pages: zero or an overflowing
/// length is `EINVAL`.
pub fn round_len(len: u64) -> Result<u64, Errno> {
    match page_ceil(len) {
        Some(l) if l > 0 => Ok(l),
        _ => Err(EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(page_ceil(0), Some(0));
        assert_eq!(page_ceil(1), Some(PAGE_SIZE));
        assert_eq!(page_ceil(PAGE_SIZE), Some(PAGE_SIZE));
        assert_eq!(page_ceil(u64::MAX), None);
        assert_eq!(page_floor(PAGE_SIZE + 5), PAGE_SIZE);
        assert_eq!(round_len(0), Err(EINVAL));
        assert_eq!(round_len(u64::MAX), Err(EINVAL));
    }

    #[test]
    fn ranges() {
        assert_eq!(check_map_range(USER_TOP - PAGE_SIZE, PAGE_SIZE), Ok(USER_TOP));
        assert_eq!(check_map_range(USER_TOP, PAGE_SIZE), Err(EINVAL));
        assert_eq!(check_map_range(0, PAGE_SIZE), Err(EINVAL));
        assert_eq!(check_user_range(0, PAGE_SIZE), Ok(PAGE_SIZE));
        assert_eq!(check_map_range(PAGE_SIZE, 0), Err(EINVAL));
        assert_eq!(check_map_range(PAGE_SIZE + 1, PAGE_SIZE), Err(EINVAL));
        assert_eq!(check_map_range(PAGE_SIZE, 1), Err(EINVAL));
        assert_eq!(check_map_range(u64::MAX - 4095, 8192), Err(EINVAL));
        assert_eq!(check_map_range(PAGE_SIZE, u64::MAX - 4095), Err(EINVAL));
    }
}
