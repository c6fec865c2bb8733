// SPDX-License-Identifier: BSD-2-Clause
//! The grant verifier on tables made of the input's bytes: the first 40
//! bytes are the request (caller, granter, grant, offset, bytes, access),
//! the rest 48-byte entries dealt round-robin to four processes' tables.
//! Whatever they hold, `verify` answers, and what it accepts lies inside
//! the final grant's range, with a chain no longer than allowed.
#![no_main]

use grant::verify::{verify, Access, GrantLookup, VerifyRequest};
use grant::{GrantEntry, GrantId, ENTRY_SIZE, MAX_INDIRECT_DEPTH};
use libfuzzer_sys::fuzz_target;

/// Process numbers small enough that random bytes hit them.
const PROCS: [u32; 4] = [1, 2, 3, 4];

struct World {
    tables: [Vec<GrantEntry>; 4],
}

impl GrantLookup for World {
    type Table<'a> = &'a [GrantEntry];
    fn table(&self, granter: u32) -> Option<&[GrantEntry]> {
        PROCS.iter().position(|p| *p == granter).map(|i| self.tables[i].as_slice())
    }
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    let mut x = [0u8; 4];
    for (j, v) in x.iter_mut().enumerate() {
        *v = b.get(o + j).copied().unwrap_or(0);
    }
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    u32_at(b, o) as u64 | (u32_at(b, o + 4) as u64) << 32
}

fuzz_target!(|data: &[u8]| {
    let head = data.get(..40).unwrap_or(data);
    let mut w = World { tables: Default::default() };
    for (i, chunk) in data.get(40..).unwrap_or(&[]).chunks_exact(ENTRY_SIZE).enumerate() {
        let b: [u8; ENTRY_SIZE] = chunk.try_into().unwrap();
        let mut e = GrantEntry::from_bytes(&b);
        // Fold the endpoints into the four known processes often enough.
        e.grantee %= 8;
        e.who %= 8;
        w.tables[i % 4].push(e);
    }
    let r = VerifyRequest {
        caller: u32_at(head, 0) % 8,
        granter: u32_at(head, 4) % 8,
        grant: GrantId(u32_at(head, 8) as i32),
        offset: u64_at(head, 16),
        bytes: u64_at(head, 24),
        access: if u32_at(head, 12) & 1 == 0 { Access::Read } else { Access::Write },
        vfs: 1,
    };
    if let Ok(v) = verify(&w, &r) {
        let t = w.table(v.final_granter).expect("final granter has a table");
        let e = t[v.final_grant.slot() as usize];
        assert!(v.addr >= e.start);
        assert!(v.addr as u128 + v.bytes as u128 <= e.start as u128 + e.len as u128);
        assert!(v.hops <= MAX_INDIRECT_DEPTH);
    }
});
