//! Kernel invocation errors (seL4_Error).
use crate::NUM_ERRORS;

/// An error returned by a kernel invocation, as the reply label.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Error {
    InvalidArgument,
    InvalidCapability,
    IllegalOperation,
    RangeError,
    AlignmentError,
    FailedLookup,
    TruncatedMessage,
    DeleteFirst,
    RevokeFirst,
    NotEnoughMemory,
    /// A label the kernel should never produce.
    Unknown(u64),
}

pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// Decodes a reply label; 0 (seL4_NoError) is `None`.
    pub fn from_label(label: u64) -> Option<Error> {
        Some(match label {
            0 => return None,
            1 => Error::InvalidArgument,
            2 => Error::InvalidCapability,
            3 => Error::IllegalOperation,
            4 => Error::RangeError,
            5 => Error::AlignmentError,
            6 => Error::FailedLookup,
            7 => Error::TruncatedMessage,
            8 => Error::DeleteFirst,
            9 => Error::RevokeFirst,
            10 => Error::NotEnoughMemory,
            other => Error::Unknown(other),
        })
    }
}

// The enum above lists the kernel's seL4_Error values 1..NUM_ERRORS-1.
const _: () = assert!(NUM_ERRORS == 11);

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn labels() {
        assert_eq!(Error::from_label(0), None);
        assert_eq!(Error::from_label(8), Some(Error::DeleteFirst));
        assert_eq!(Error::from_label(10), Some(Error::NotEnoughMemory));
        assert_eq!(Error::from_label(NUM_ERRORS), Some(Error::Unknown(NUM_ERRORS)));
    }
}
