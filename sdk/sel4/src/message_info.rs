//! The message tag: `label<<12 | capsUnwrapped<<9 | extraCaps<<7 | length`.

/// A message tag.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct MessageInfo(pub u64);

impl MessageInfo {
    /// Builds a tag. Out-of-range fields are truncated to their widths.
    pub const fn new(label: u64, caps_unwrapped: u64, extra_caps: u64, length: u64) -> Self {
        MessageInfo(
            ((label & 0xf_ffff) << 12)
                | ((caps_unwrapped & 0x7) << 9)
                | ((extra_caps & 0x3) << 7)
                | (length & 0x7f),
        )
    }
    pub const fn label(self) -> u64 {
        (self.0 >> 12) & 0xf_ffff
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
    }
}
