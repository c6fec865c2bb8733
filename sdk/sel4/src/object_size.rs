// SPDX-License-Identifier: BSD-2-Clause
//! How much untyped memory an object takes.
use crate::{object, size_bits};

/// log2 of the bytes an object of type `ty` takes in its untyped, where
/// `size_param` is Untyped_Retype's size argument (CNode radix, untyped
/// size; ignored for fixed-size objects).
pub fn object_size_bits(ty: u64, size_param: u64) -> u32 {
    (match ty {
        object::TCB => size_bits::TCB,
        object::ENDPOINT => size_bits::ENDPOINT,
        object::NOTIFICATION => size_bits::NOTIFICATION,
        object::CNODE => size_param + size_bits::SLOT,
        object::UNTYPED => size_param,
        object::LARGE_PAGE => size_bits::LARGE_PAGE,
        object::PAGE_TABLE => size_bits::PAGE_TABLE,
        object::PAGE_DIRECTORY => size_bits::PAGE_DIRECTORY,
        object::PDPT => size_bits::PDPT,
        object::PML4 => size_bits::PML4,
        _ => size_bits::PAGE,
    }) as u32
}
