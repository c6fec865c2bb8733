// SPDX-License-Identifier: BSD-2-Clause
//! The byte decoders the copy engine runs on another process's memory:
//! grant entries and vector elements decode from any bytes and back to the
//! same bytes; a table registration from any two words is either refused
//! or gives marks that never straddle a page.
#![no_main]

use grant::{GrantEntry, TableBase, VecElement, ENTRY_SIZE, VEC_ELEMENT_SIZE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(b) = data.get(..ENTRY_SIZE) {
        let b: [u8; ENTRY_SIZE] = b.try_into().unwrap();
        assert_eq!(GrantEntry::from_bytes(&b).to_bytes(), b);
    }
    if let Some(b) = data.get(..VEC_ELEMENT_SIZE) {
        let b: [u8; VEC_ELEMENT_SIZE] = b.try_into().unwrap();
        assert_eq!(VecElement::from_bytes(&b).to_bytes(), b);
    }
    let w = |i: usize| {
        let mut x = [0u8; 8];
        for (j, v) in x.iter_mut().enumerate() {
            *v = data.get(i * 8 + j).copied().unwrap_or(0);
        }
        u64::from_le_bytes(x)
    };
    if let Ok(t) = TableBase::new(w(0), w(1)) {
        let slot = w(2) as u32;
        match t.mark_location(slot) {
            Some(loc) => {
                assert!((slot as u64) < t.entries());
                assert!(loc.within_page(4096) && loc.within_page(8));
            }
            None => assert!(slot as u64 >= t.entries()),
        }
    }
});
