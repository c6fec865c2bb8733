// SPDX-License-Identifier: BSD-2-Clause
//! VFS's random numbers: `/dev/random`, `/dev/urandom` and exec's
//! `AT_RANDOM`. A ChaCha20 generator (RustCrypto's `chacha20`) keyed
//! from the glue's entropy (the CPU's `RDRAND` where it has one, and
//! time-stamp counter readings). Every request adds its own counter
//! reading to a pool word, and after every [`REKEY_BYTES`] of output the
//! generator is keyed again from its own stream mixed with that word: an
//! output then never helps to find earlier ones, and the timing of the
//! requests, which nobody outside sees exactly, keeps adding to the key.
//! (Keying again on every request cost an exec about 15,000 instructions:
//! ChaCha20 makes 256 bytes a refill.) As Linux's since 5.18,
//! `/dev/random` is the same source and never blocks once seeded.
use chacha20::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// Output after which the generator is keyed again.
pub const REKEY_BYTES: usize = 4096;

pub struct Pool {
    rng: ChaCha20Rng,
    /// The requests' counter readings, mixed.
    entropy: u64,
    /// Bytes given since the last keying.
    given: usize,
}

impl Pool {
    /// A pool keyed with `seed` (32 bytes of the best entropy there is).
    pub fn new(seed: [u8; 32]) -> Pool {
        Pool { rng: ChaCha20Rng::from_seed(seed), entropy: 0, given: 0 }
    }

    /// Fills `out`, adding `entropy` (a counter reading taken for this
    /// request) to the pool word; keys the generator again when due.
    pub fn fill(&mut self, out: &mut [u8], entropy: u64) {
        self.rng.fill_bytes(out);
        self.entropy = self.entropy.rotate_left(23) ^ entropy;
        self.given += out.len();
        if self.given >= REKEY_BYTES {
            self.rekey();
        }
    }

    fn rekey(&mut self) {
        let mut key = [0u8; 32];
        self.rng.fill_bytes(&mut key);
        for (k, e) in key.iter_mut().zip(self.entropy.to_le_bytes()) {
            *k ^= e;
        }
        self.rng = ChaCha20Rng::from_seed(key);
        self.given = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_differ_and_follow_the_seed() {
        let mut a = Pool::new([7; 32]);
        let mut b = Pool::new([7; 32]);
        let (mut x, mut y) = ([0u8; 64], [0u8; 64]);
        a.fill(&mut x, 1);
        b.fill(&mut y, 2);
        assert_eq!(x, y, "the same seed gives the same stream until a keying");
        assert_ne!(x, [0; 64]);
        let first = x;
        a.fill(&mut x, 1);
        assert_ne!(x, first, "the stream goes on");
        // Past REKEY_BYTES the requests' readings make the keys differ.
        let mut big = [0u8; REKEY_BYTES];
        a.fill(&mut big, 5);
        b.fill(&mut y, 2);
        b.fill(&mut big, 6);
        a.fill(&mut x, 0);
        b.fill(&mut y, 0);
        assert_ne!(x, y);
        let mut c = Pool::new([8; 32]);
        let mut z = [0u8; 64];
        c.fill(&mut z, 1);
        assert_ne!(z, first, "another seed, other bytes");
    }

    #[test]
    fn bytes_look_uniform() {
        // 64 KiB: every byte value about 256 times (a gross check that
        // the stream is used, not a statistical test of ChaCha20).
        let mut p = Pool::new([1; 32]);
        let mut counts = [0u32; 256];
        let mut buf = [0u8; 4096];
        for i in 0..16 {
            p.fill(&mut buf, i);
            for b in buf {
                counts[b as usize] += 1;
            }
        }
        assert!(counts.iter().all(|&c| (150..370).contains(&c)), "{:?}", counts);
    }
}
