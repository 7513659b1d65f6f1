//! GIMP brushes (`.gbr`, version 2): 8-bit gray or RGBA pixels after a header.

use super::{check_size, truncated, u32_be};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage, RgbaImage};

const NAME: &str = "gbr";

/// Whether `head` starts like a version-2 GIMP brush.
pub fn sniff(head: &[u8]) -> bool {
    head.get(20..24) == Some(b"GIMP") && u32_be(head, 4) == Some(2)
}

/// Decode a GIMP brush.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let field = |at| u32_be(bytes, at).ok_or_else(|| truncated(NAME));
    let header = field(0)? as usize;
    let (w, h, depth) = (field(8)?, field(12)?, field(16)?);
    check_size(NAME, w, h)?;
    let n = w as usize * h as usize;
    match depth {
        1 => {
            let px = bytes
                .get(header..header.saturating_add(n))
                .ok_or_else(|| truncated(NAME))?;
            GrayImage::from_raw(w, h, px.to_vec())
                .map(DynamicImage::ImageLuma8)
                .ok_or_else(|| truncated(NAME))
        }
        4 => {
            let px = bytes
                .get(header..header.saturating_add(n * 4))
                .ok_or_else(|| truncated(NAME))?;
            RgbaImage::from_raw(w, h, px.to_vec())
                .map(DynamicImage::ImageRgba8)
                .ok_or_else(|| truncated(NAME))
        }
        other => Err(corrupt(NAME, format!("{other} bytes per pixel"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbr(w: u32, h: u32, depth: u32, px: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [29, 2, w, h, depth] {
            b.extend(v.to_be_bytes());
        }
        b.extend(b"GIMP");
        b.extend(10u32.to_be_bytes());
        b.push(0); // empty name
        b.extend(px);
        b
    }

    #[test]
    fn rgba_brush() {
        let img = decode(&gbr(1, 1, 4, &[1, 2, 3, 4]))
            .expect("decode")
            .to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [1, 2, 3, 4]);
        assert!(sniff(&gbr(1, 1, 4, &[])));
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&gbr(1 << 20, 1 << 20, 1, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&gbr(8, 8, 4, &[0; 7])).is_err());
        assert!(decode(&gbr(1, 1, 3, &[0; 3])).is_err());
    }
}
