//! Independence War 2 textures (FTEX: `.ftc` DXT1, `.ftu` uncompressed RGB), top mip level.

use super::{check_size, truncated, u32_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage, RgbaImage};

const NAME: &str = "ftex";

/// Whether `head` starts like an FTEX file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"FTEX")
}

/// Decode the top mip level of an FTEX texture.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let field = |at| u32_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (w, h) = (field(8)?, field(12)?);
    check_size(NAME, w, h)?;
    let (format, at) = (field(24)?, field(28)? as usize);
    let len = field(at)? as usize;
    let data = bytes
        .get(at + 4..(at + 4).saturating_add(len))
        .ok_or_else(|| truncated(NAME))?;
    let (wu, hu) = (w as usize, h as usize);
    match format {
        0 => {
            let (bw, bh) = (wu.div_ceil(4), hu.div_ceil(4));
            let blocks = data.get(..bw * bh * 8).ok_or_else(|| truncated(NAME))?;
            let mut padded = vec![0u8; bw * 4 * bh * 4 * 4];
            let pitch = bw * 4 * 4;
            for (i, block) in blocks.chunks_exact(8).enumerate() {
                let origin = (i / bw) * 4 * pitch + (i % bw) * 16;
                if let Some(dst) = padded.get_mut(origin..) {
                    bcdec_rs::bc1(block, dst, pitch);
                }
            }
            let img = RgbaImage::from_fn(w, h, |x, y| {
                let at = y as usize * pitch + x as usize * 4;
                image::Rgba([padded[at], padded[at + 1], padded[at + 2], padded[at + 3]])
            });
            Ok(DynamicImage::ImageRgba8(img))
        }
        1 => {
            let px = data.get(..wu * hu * 3).ok_or_else(|| truncated(NAME))?;
            RgbImage::from_raw(w, h, px.to_vec())
                .map(DynamicImage::ImageRgb8)
                .ok_or_else(|| truncated(NAME))
        }
        other => Err(corrupt(NAME, format!("unknown texture format {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftex(w: u32, h: u32, format: u32, data: &[u8]) -> Vec<u8> {
        let mut b = b"FTEX".to_vec();
        for v in [1, w, h, 1, 1, format, 32] {
            b.extend(v.to_le_bytes());
        }
        b.resize(32, 0);
        b.extend((data.len() as u32).to_le_bytes());
        b.extend(data);
        b
    }

    #[test]
    fn uncompressed_and_dxt1() {
        let img = decode(&ftex(1, 1, 1, &[9, 8, 7])).expect("rgb").to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [9, 8, 7]);
        let img = decode(&ftex(4, 4, 0, &[0x1f, 0, 0, 0, 0, 0, 0, 0]))
            .expect("dxt1")
            .to_rgba8();
        assert_eq!(img.get_pixel(3, 3).0, [0, 0, 255, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&ftex(1 << 20, 1 << 20, 1, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&ftex(8, 8, 1, &[1, 2, 3])).is_err());
        assert!(decode(&ftex(8, 8, 9, &[0; 192])).is_err());
        assert!(decode(b"FTEX\x01\0\0\0").is_err());
    }
}
