// SPDX-License-Identifier: BSD-2-Clause
//! File names built without an allocator (the seL4 side has none in its
//! benchmarks). Names are built before timing, so only the system call is
//! measured.

const CAP: usize = 128;

/// `dir/name` or `dir/name<n>`, at most 128 bytes.
#[derive(Clone, Copy)]
pub struct Path {
    buf: [u8; CAP],
    len: usize,
}

impl Path {
    pub fn new(dir: &str, name: &str) -> Path {
        let mut p = Path { buf: [0; CAP], len: 0 };
        p.push(dir.as_bytes());
        if !dir.ends_with('/') {
            p.push(b"/");
        }
        p.push(name.as_bytes());
        p
    }

    /// `dir/name<n>`, `n` in decimal: the entries of a directory.
    pub fn numbered(dir: &str, name: &str, n: usize) -> Path {
        let mut p = Path::new(dir, name);
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut v = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        p.push(&digits[at..]);
        p
    }

    fn push(&mut self, bytes: &[u8]) {
        assert!(self.len + bytes.len() <= CAP, "bench path too long");
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: the bytes are whole `&str`s and ASCII digits, appended
        // without truncation, so they are UTF-8. Unchecked because the
        // check would be timed along with the call that takes the path.
        unsafe { core::str::from_utf8_unchecked(&self.buf[..self.len]) }
    }
}

#[cfg(test)]
mod tests {
    use super::Path;

    #[test]
    fn joins_and_numbers() {
        assert_eq!(Path::new("/tmp", "f").as_str(), "/tmp/f");
        assert_eq!(Path::new("/", "f").as_str(), "/f");
        assert_eq!(Path::numbered("/tmp/d", "f", 0).as_str(), "/tmp/d/f0");
        assert_eq!(Path::numbered("/tmp/d", "f", 99).as_str(), "/tmp/d/f99");
        assert_eq!(Path::numbered("d", "f", 1234567).as_str(), "d/f1234567");
    }

    #[test]
    #[should_panic]
    fn refuses_to_truncate() {
        let long = core::str::from_utf8(&[b'a'; 200]).unwrap();
        let _ = Path::new("/tmp", long);
    }
}
