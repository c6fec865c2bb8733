//! The message tag: `label<<12 | capsUnwrapped<<9 | extraCaps<<7 | length`.
//!
//! The kernel's bitfield gives the label 20 bits, but the kernel keeps
//! the sender's whole tag word (`messageInfoFromWord` only clamps the
//! length) and hands it to the receiver unchanged, upper 32 bits included.
//! A server must therefore read every bit above 12 as the label: masking
//! to 20 bits would answer a label like `0x100101` as if it were `0x101`.

/// The widest label a 64-bit tag can carry.
const LABEL_MASK: u64 = (1 << 52) - 1;

/// A message tag.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct MessageInfo(pub u64);

impl MessageInfo {
    /// Builds a tag. Out-of-range fields are truncated to their widths.
    pub const fn new(label: u64, caps_unwrapped: u64, extra_caps: u64, length: u64) -> Self {
        MessageInfo(
            ((label & LABEL_MASK) << 12)
                | ((caps_unwrapped & 0x7) << 9)
                | ((extra_caps & 0x3) << 7)
                | (length & 0x7f),
        )
    }
    /// Every bit above the length and cap fields (see the module notes).
    pub const fn label(self) -> u64 {
        self.0 >> 12
    }
    pub const fn caps_unwrapped(self) -> u64 {
        (self.0 >> 9) & 0x7
    }
    pub const fn extra_caps(self) -> u64 {
        (self.0 >> 7) & 0x3
    }
    pub const fn length(self) -> u64 {
        self.0 & 0x7f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn fields_round_trip() {
        let m = MessageInfo::new(0xabcde, 5, 3, 120);
        assert_eq!((m.label(), m.caps_unwrapped(), m.extra_caps(), m.length()), (0xabcde, 5, 3, 120));
        assert_eq!(MessageInfo::new(1, 0, 0, 4).0, (1 << 12) | 4);
        // Truncation, never spill into neighbouring fields.
        assert_eq!(MessageInfo::new(0, 0, 0, 0xff).label(), 0);
        // High label bits are kept, not folded into a short label.
        assert_eq!(MessageInfo::new(0x10_0101, 0, 0, 0).label(), 0x10_0101);
        assert_eq!(MessageInfo(u64::MAX).label(), (1 << 52) - 1);
    }
}
