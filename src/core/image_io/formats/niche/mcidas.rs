//! McIDAS area files (weather satellite images): the first band of 8, 16 or 32-bit big-endian
//! samples, shown stretched from the darkest to the brightest value.

use super::{check_size, truncated, u32_be};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage};

const NAME: &str = "mcidas";
const HEADER_BYTES: usize = 256;

/// Whether `head` starts like a McIDAS area directory.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(&[0, 0, 0, 0, 0, 0, 0, 4]) && head.len() >= HEADER_BYTES
}

/// Decode a McIDAS area file.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the area directory"));
    }
    // Words are numbered from 1 in the format's documentation.
    let word = |i: usize| {
        u32_be(bytes, (i - 1) * 4)
            .map(|v| v as usize)
            .ok_or_else(|| truncated(NAME))
    };
    let (h, w, depth, bands, prefix) = (word(9)?, word(10)?, word(11)?, word(14)?, word(15)?);
    let (w32, h32) = (
        u32::try_from(w).unwrap_or(u32::MAX),
        u32::try_from(h).unwrap_or(u32::MAX),
    );
    check_size(NAME, w32, h32)?;
    if !matches!(depth, 1 | 2 | 4) || bands == 0 || bands > 64 {
        return Err(corrupt(
            NAME,
            format!("{depth} bytes per sample in {bands} bands"),
        ));
    }
    let offset = word(34)?.saturating_add(prefix);
    let stride = prefix + w * depth * bands;
    let needed = offset.saturating_add(stride * (h - 1) + w * depth);
    if needed > bytes.len() {
        return Err(corrupt(NAME, "the file ends early (truncated)"));
    }
    let sample = |x: usize, y: usize| -> u32 {
        let at = offset + y * stride + x * depth;
        match depth {
            1 => u32::from(bytes[at]),
            2 => u32::from(u16::from_be_bytes([bytes[at], bytes[at + 1]])),
            _ => u32_be(bytes, at).unwrap_or(0),
        }
    };
    let (mut lo, mut hi) = (u32::MAX, 0);
    for y in 0..h {
        for x in 0..w {
            let v = sample(x, y);
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let span = f64::from(hi.saturating_sub(lo).max(1));
    let img = GrayImage::from_fn(w32, h32, |x, y| {
        let v = f64::from(sample(x as usize, y as usize) - lo);
        image::Luma([(v / span * 255.0).round() as u8])
    });
    Ok(DynamicImage::ImageLuma8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(w: u32, h: u32, depth: u32, px: &[u8]) -> Vec<u8> {
        let mut words = [0u32; 64];
        words[1] = 4;
        words[8] = h;
        words[9] = w;
        words[10] = depth;
        words[13] = 1;
        words[33] = HEADER_BYTES as u32;
        let mut b: Vec<u8> = words.iter().flat_map(|v| v.to_be_bytes()).collect();
        b.extend(px);
        b
    }

    #[test]
    fn sixteen_bit_stretched() {
        let img = decode(&area(2, 1, 2, &[0, 100, 1, 0]))
            .expect("decode")
            .to_luma8();
        assert_eq!(img.get_pixel(0, 0).0, [0]);
        assert_eq!(img.get_pixel(1, 0).0, [255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(decode(&area(64, 64, 1, &[0; 10])).is_err());
        assert!(matches!(
            decode(&area(100_000, 100_000, 1, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&area(4, 4, 3, &[0; 48])).is_err());
        assert!(decode(&area(4, 4, 1, &[0; 16])[..100]).is_err());
    }
}
