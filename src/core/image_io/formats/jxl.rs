//! JPEG XL through the pure-Rust `jxl-oxide` decoder.

use crate::core::image_io::{DecodeError, Decoded};

/// Whether `head` starts a JPEG XL file (bare codestream or ISO-BMFF container).
pub fn sniff(_head: &[u8]) -> bool {
    false
}

/// Decode the image, upright.
pub fn decode(_bytes: &[u8], _min_side_px: u32) -> Result<Decoded, DecodeError> {
    Err(DecodeError::Unsupported("JPEG XL"))
}
