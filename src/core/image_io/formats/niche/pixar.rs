//! Pixar image computer files (`.pxr`): 8-bit RGB after a 1024-byte header.

use super::{check_size, truncated, u16_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage};

const NAME: &str = "pixar";
const DATA_AT: usize = 1024;

/// Whether `head` starts like a Pixar file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(&[0x80, 0xe8, 0, 0])
}

/// Decode a Pixar RGB image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let field = |at| u16_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (h, w) = (u32::from(field(416)?), u32::from(field(418)?));
    check_size(NAME, w, h)?;
    let (storage, channels) = (field(424)?, field(426)?);
    if (storage, channels) != (14, 2) {
        return Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: format!("pixel layout {storage}/{channels}"),
        });
    }
    let n = w as usize * h as usize * 3;
    let px = bytes
        .get(DATA_AT..DATA_AT + n)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    RgbImage::from_raw(w, h, px.to_vec())
        .map(DynamicImage::ImageRgb8)
        .ok_or_else(|| truncated(NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pxr(w: u16, h: u16, px: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; DATA_AT];
        b[..4].copy_from_slice(&[0x80, 0xe8, 0, 0]);
        b[416..418].copy_from_slice(&h.to_le_bytes());
        b[418..420].copy_from_slice(&w.to_le_bytes());
        b[424..426].copy_from_slice(&14u16.to_le_bytes());
        b[426..428].copy_from_slice(&2u16.to_le_bytes());
        b.extend(px);
        b
    }

    #[test]
    fn rgb_pixels() {
        let img = decode(&pxr(1, 1, &[5, 6, 7])).expect("decode").to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [5, 6, 7]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(decode(&pxr(64, 64, &[1])).is_err());
        assert!(matches!(
            decode(&pxr(65_535, 65_535, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&[0x80, 0xe8, 0, 0]).is_err());
    }
}
