// SPDX-License-Identifier: BSD-2-Clause
//! Boot images of user programs that VM can build a process from (VM's
//! part of MINIX's boot image): image 0 is init.
use minix_abi::errno::{Errno, EINVAL, ENOEXEC};

static INIT: &[u8] = include_bytes!(concat!(env!("SEL4M_IMAGES"), "/init"));

pub fn image(id: u64) -> Result<&'static [u8], Errno> {
    match id {
        0 => Ok(INIT),
        _ => Err(EINVAL),
    }
}

/// Parses and validates an image with the loader checks the root task
/// uses too; any refusal is `ENOEXEC`, as MINIX's exec answers.
pub fn parse(image: &[u8]) -> Result<elf_load::Image<'_>, Errno> {
    elf_load::parse(image).map_err(|_| ENOEXEC)
}
