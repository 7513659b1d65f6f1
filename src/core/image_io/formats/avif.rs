//! AVIF: the primary image.

use crate::core::image_io::{DecodeError, Decoded};

/// Whether `head` starts an AVIF file (an `ftyp` box with an AVIF brand).
pub fn sniff(_head: &[u8]) -> bool {
    false
}

/// Decode the primary image, upright.
pub fn decode(_bytes: &[u8], _min_side_px: u32) -> Result<Decoded, DecodeError> {
    Err(DecodeError::Unsupported("AVIF"))
}
