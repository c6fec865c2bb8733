// SPDX-License-Identifier: BSD-2-Clause
//! Vector-copy checks.

use minix_abi::errno::EINVAL;

use super::world::*;
use crate::verify::Access;
use crate::{check_vector, GrantId, VecElement, VecStep, MAX_VEC_ELEMENTS};

fn el(from: u32, to: u32) -> VecElement {
    VecElement { from, to, grant: GrantId(0), pad: 0, offset: 0, addr: 0, bytes: 1 }
}

#[test]
fn element_direction() {
    assert_eq!(el(FS, USER).step(FS), Ok(VecStep { granter: USER, access: Access::Write }));
    assert_eq!(el(USER, FS).step(FS), Ok(VecStep { granter: USER, access: Access::Read }));
    assert_eq!(el(FS, FS).step(FS), Err(EINVAL));
    assert_eq!(el(USER, DRIVER).step(FS), Err(EINVAL));
}

#[test]
fn vector_bound() {
    let ok = vec![el(FS, USER); MAX_VEC_ELEMENTS];
    assert_eq!(check_vector(FS, &ok), Ok(()));
    assert_eq!(check_vector(FS, &[]), Ok(()));
    let long = vec![el(FS, USER); MAX_VEC_ELEMENTS + 1];
    assert_eq!(check_vector(FS, &long), Err(EINVAL));
}

#[test]
fn every_element_needs_exactly_one_caller_side() {
    let mut v = vec![el(FS, USER), el(USER, FS), el(DRIVER, FS)];
    assert_eq!(check_vector(FS, &v), Ok(()));
    v.push(el(FS, FS));
    assert_eq!(check_vector(FS, &v), Err(EINVAL));
    v.pop();
    v.insert(0, el(USER, DRIVER));
    assert_eq!(check_vector(FS, &v), Err(EINVAL));
}
