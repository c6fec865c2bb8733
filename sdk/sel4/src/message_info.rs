// SPDX-License-Identifier: BSD-2-Clause
//! The message tag: `label | capsUnwrapped | extraCaps | length`, with the
//! shifts and widths of the kernel's `seL4_MessageInfo` bitfield
//! (generated from `shared_types_64.bf`).
//!
//! The kernel's bitfield gives the label 20 bits, but its fastpath hands
//! the receiver the sender's word unchanged, upper 32 bits included. A
//! server must therefore read every bit above the label's shift as the
//! label: masking to 20 bits would answer a label like `0x100101` as if it
//! were `0x101`. (The slowpath does truncate to 20 bits; then the kernel
//! itself has delivered the shorter label.) So only the label's shift is
//! taken from the spec, not its width.
use crate::bitfield::message_info as layout;

const LABEL_SHIFT: u32 = layout::LABEL_SHIFT;
/// The widest label a 64-bit tag can carry: every bit above the shift.
const LABEL_MASK: u64 = u64::MAX >> LABEL_SHIFT;

/// The mask of a field `bits` wide, at bit 0.
const fn mask(bits: u32) -> u64 {
    (1 << bits) - 1
}

// What reading "every bit above the shift" relies on: the label is the
// topmost field of the spec's used bits, and the other fields sit below it
// without overlapping one another.
const _: () = {
    assert!(layout::CAPS_UNWRAPPED_SHIFT + layout::CAPS_UNWRAPPED_BITS <= LABEL_SHIFT);
    assert!(layout::EXTRA_CAPS_SHIFT + layout::EXTRA_CAPS_BITS <= LABEL_SHIFT);
    assert!(layout::LENGTH_SHIFT + layout::LENGTH_BITS <= LABEL_SHIFT);
    let fields = (mask(layout::CAPS_UNWRAPPED_BITS) << layout::CAPS_UNWRAPPED_SHIFT)
        ^ (mask(layout::EXTRA_CAPS_BITS) << layout::EXTRA_CAPS_SHIFT)
        ^ (mask(layout::LENGTH_BITS) << layout::LENGTH_SHIFT);
    let union = (mask(layout::CAPS_UNWRAPPED_BITS) << layout::CAPS_UNWRAPPED_SHIFT)
        | (mask(layout::EXTRA_CAPS_BITS) << layout::EXTRA_CAPS_SHIFT)
        | (mask(layout::LENGTH_BITS) << layout::LENGTH_SHIFT);
    assert!(fields == union);
};

/// A message tag.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct MessageInfo(pub u64);

impl MessageInfo {
    /// Builds a tag. Out-of-range fields are truncated to their widths.
    pub const fn new(label: u64, caps_unwrapped: u64, extra_caps: u64, length: u64) -> Self {
        MessageInfo(
            ((label & LABEL_MASK) << LABEL_SHIFT)
                | ((caps_unwrapped & mask(layout::CAPS_UNWRAPPED_BITS)) << layout::CAPS_UNWRAPPED_SHIFT)
                | ((extra_caps & mask(layout::EXTRA_CAPS_BITS)) << layout::EXTRA_CAPS_SHIFT)
                | ((length & mask(layout::LENGTH_BITS)) << layout::LENGTH_SHIFT),
        )
    }
    /// Every bit above the length and cap fields (see the module notes).
    pub const fn label(self) -> u64 {
        self.0 >> LABEL_SHIFT
    }
    pub const fn caps_unwrapped(self) -> u64 {
        (self.0 >> layout::CAPS_UNWRAPPED_SHIFT) & mask(layout::CAPS_UNWRAPPED_BITS)
    }
    pub const fn extra_caps(self) -> u64 {
        (self.0 >> layout::EXTRA_CAPS_SHIFT) & mask(layout::EXTRA_CAPS_BITS)
    }
    pub const fn length(self) -> u64 {
        (self.0 >> layout::LENGTH_SHIFT) & mask(layout::LENGTH_BITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH};

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

    /// The generated layout is the one the rest of the system relies on:
    /// the label starts at bit 12 (the badge and ABI docs, the fuzzers'
    /// "high label bits"), and every field can hold what the kernel may
    /// put there.
    #[test]
    fn generated_layout_holds_the_kernel_limits() {
        assert_eq!(LABEL_SHIFT, 12);
        assert_eq!(layout::LABEL_BITS, 20, "the slowpath's label width");
        assert!(mask(layout::LENGTH_BITS) >= MSG_MAX_LENGTH as u64);
        assert!(mask(layout::EXTRA_CAPS_BITS) >= MSG_MAX_EXTRA_CAPS as u64);
        assert!(mask(layout::CAPS_UNWRAPPED_BITS) >= (1 << MSG_MAX_EXTRA_CAPS) - 1, "one bit per extra cap");
    }

    /// Every field at its maximum, each alone and all together, reads back
    /// unchanged; a word built from raw bits at the generated shifts reads
    /// as the same fields; and the label takes everything above its shift.
    #[test]
    fn round_trip_with_the_generated_layout() {
        let max = |bits| mask(bits);
        let (cu, ec, len) = (max(layout::CAPS_UNWRAPPED_BITS), max(layout::EXTRA_CAPS_BITS), max(layout::LENGTH_BITS));
        for label in [0, 1, 0xfffff, 0x10_0000, LABEL_MASK] {
            for (c, e, l) in [(0, 0, 0), (cu, 0, 0), (0, ec, 0), (0, 0, len), (cu, ec, len), (1, 1, 1)] {
                let m = MessageInfo::new(label, c, e, l);
                assert_eq!((m.label(), m.caps_unwrapped(), m.extra_caps(), m.length()), (label, c, e, l));
                let raw = (label << LABEL_SHIFT)
                    | (c << layout::CAPS_UNWRAPPED_SHIFT)
                    | (e << layout::EXTRA_CAPS_SHIFT)
                    | (l << layout::LENGTH_SHIFT);
                assert_eq!(m.0, raw);
            }
        }
        // The fields below the label fill exactly the bits below its shift.
        let low = MessageInfo::new(0, cu, ec, len).0;
        assert_eq!(low, (1 << LABEL_SHIFT) - 1);
        // A field one past its maximum wraps within its own bits.
        let m = MessageInfo::new(0, cu + 1, ec + 1, len + 1);
        assert_eq!(m.0, 0);
    }
}
