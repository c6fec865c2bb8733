// SPDX-License-Identifier: BSD-2-Clause
//! Kernel invocation errors (seL4_Error), numbered as libsel4 numbers them.
use crate::error_code as code;
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
            code::NO_ERROR => return None,
            code::INVALID_ARGUMENT => Error::InvalidArgument,
            code::INVALID_CAPABILITY => Error::InvalidCapability,
            code::ILLEGAL_OPERATION => Error::IllegalOperation,
            code::RANGE_ERROR => Error::RangeError,
            code::ALIGNMENT_ERROR => Error::AlignmentError,
            code::FAILED_LOOKUP => Error::FailedLookup,
            code::TRUNCATED_MESSAGE => Error::TruncatedMessage,
            code::DELETE_FIRST => Error::DeleteFirst,
            code::REVOKE_FIRST => Error::RevokeFirst,
            code::NOT_ENOUGH_MEMORY => Error::NotEnoughMemory,
            other => Error::Unknown(other),
        })
    }

    /// The kernel's code for this error (the reverse of [`Error::from_label`]).
    pub fn code(self) -> u64 {
        match self {
            Error::InvalidArgument => code::INVALID_ARGUMENT,
            Error::InvalidCapability => code::INVALID_CAPABILITY,
            Error::IllegalOperation => code::ILLEGAL_OPERATION,
            Error::RangeError => code::RANGE_ERROR,
            Error::AlignmentError => code::ALIGNMENT_ERROR,
            Error::FailedLookup => code::FAILED_LOOKUP,
            Error::TruncatedMessage => code::TRUNCATED_MESSAGE,
            Error::DeleteFirst => code::DELETE_FIRST,
            Error::RevokeFirst => code::REVOKE_FIRST,
            Error::NotEnoughMemory => code::NOT_ENOUGH_MEMORY,
            Error::Unknown(label) => label,
        }
    }
}

// The enum above lists every seL4_Error after seL4_NoError: a kernel with
// another count of errors fails the build here.
const _: () = assert!(NUM_ERRORS == 11);

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn labels() {
        assert_eq!(Error::from_label(code::NO_ERROR), None);
        assert_eq!(Error::from_label(code::DELETE_FIRST), Some(Error::DeleteFirst));
        assert_eq!(Error::from_label(code::NOT_ENOUGH_MEMORY), Some(Error::NotEnoughMemory));
        assert_eq!(Error::from_label(NUM_ERRORS), Some(Error::Unknown(NUM_ERRORS)));
    }

    /// Every code 1..NUM_ERRORS decodes to a distinct known error that
    /// encodes back to the same code: the generated numbering is the one
    /// the enum relies on, with no gap and no error missing.
    #[test]
    fn every_kernel_error_round_trips() {
        let mut seen = Vec::new();
        for label in 1..NUM_ERRORS {
            let e = Error::from_label(label).expect("an error");
            assert!(!matches!(e, Error::Unknown(_)), "code {label} unknown");
            assert_eq!(e.code(), label);
            assert!(!seen.contains(&e), "code {label} decodes to a repeated {e:?}");
            seen.push(e);
        }
        assert_eq!(code::NO_ERROR, 0, "the kernel's success label");
    }
}
