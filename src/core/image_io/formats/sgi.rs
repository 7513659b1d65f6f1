//! SGI images (`.rgb`, `.bw`, `.sgi`): verbatim or run-length encoded channel planes, 8 or 16
//! bits per sample, stored bottom row first.

use super::{check_data_size, check_size, truncated, u16_be, u32_be};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "sgi";
const HEADER_BYTES: usize = 512;

/// Whether `head` starts like an SGI image (magic 474, a known storage and sample size).
pub fn sniff(head: &[u8]) -> bool {
    head.len() >= 4 && head[..2] == [0x01, 0xda] && head[2] <= 1 && matches!(head[3], 1 | 2)
}

/// Decode an SGI image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the SGI signature"));
    }
    let rle = bytes[2] == 1;
    let bpc = usize::from(bytes[3]);
    let field = |at| u16_be(bytes, at).ok_or_else(|| truncated(NAME));
    let dimension = field(4)?;
    let w = u32::from(field(6)?);
    let h = if dimension < 2 {
        1
    } else {
        u32::from(field(8)?)
    };
    let channels = if dimension < 3 {
        1
    } else {
        usize::from(field(10)?)
    };
    check_size(NAME, w, h)?;
    if channels == 0 {
        return Err(corrupt(NAME, "no channels"));
    }
    let (wu, hu) = (w as usize, h as usize);
    // The first four channels are the picture (gray, gray+alpha, RGB, RGBA); extra ones are
    // ignored.
    let used = channels.min(4);
    let stored = bytes.len().saturating_sub(HEADER_BYTES);
    check_data_size(NAME, stored, wu * hu * used * bpc, if rle { 64 } else { 1 })?;
    let mut planes = vec![vec![0u8; wu * hu]; used];
    for (c, plane) in planes.iter_mut().enumerate() {
        for row in 0..hu {
            let out = &mut plane[row * wu..(row + 1) * wu];
            if rle {
                let index = c * hu + row;
                let table = |base: usize| {
                    u32_be(bytes, base + index * 4)
                        .map(|v| v as usize)
                        .ok_or_else(|| truncated(NAME))
                };
                let start = table(HEADER_BYTES)?;
                let len = table(HEADER_BYTES + hu * channels * 4)?;
                let end = start.saturating_add(len).min(bytes.len());
                let src = bytes.get(start..end).ok_or_else(|| truncated(NAME))?;
                unpack_rle_row(src, bpc, out)?;
            } else {
                let at = HEADER_BYTES + ((c * hu + row) * wu) * bpc;
                let src = bytes
                    .get(at..at + wu * bpc)
                    .ok_or_else(|| truncated(NAME))?;
                for (o, s) in out.iter_mut().zip(src.chunks_exact(bpc)) {
                    *o = s[0]; // the high byte of 16-bit samples
                }
            }
        }
    }
    let mut img = RgbaImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        // Rows are stored bottom first.
        let i = (hu - 1 - y as usize) * wu + x as usize;
        let s = |c: usize| planes[c][i];
        px.0 = match used {
            1 => [s(0), s(0), s(0), 255],
            2 => [s(0), s(0), s(0), s(1)],
            3 => [s(0), s(1), s(2), 255],
            _ => [s(0), s(1), s(2), s(3)],
        };
    }
    Ok(DynamicImage::ImageRgba8(img))
}

/// One run-length encoded row: a count byte (high bit: literal run), then samples.
fn unpack_rle_row(src: &[u8], bpc: usize, out: &mut [u8]) -> Result<(), DecodeError> {
    let mut at = 0;
    let mut x = 0;
    let sample = |at: usize| src.get(at).copied().ok_or_else(|| truncated(NAME));
    while x < out.len() {
        // With 16-bit samples the count is the low byte of a 16-bit word.
        let count_byte = sample(at + bpc - 1)?;
        at += bpc;
        let count = usize::from(count_byte & 0x7f);
        if count == 0 {
            break;
        }
        if count_byte & 0x80 != 0 {
            for _ in 0..count {
                let v = sample(at)?;
                at += bpc;
                if let Some(o) = out.get_mut(x) {
                    *o = v;
                }
                x += 1;
            }
        } else {
            let v = sample(at)?;
            at += bpc;
            for _ in 0..count {
                if let Some(o) = out.get_mut(x) {
                    *o = v;
                }
                x += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(storage: u8, w: u16, h: u16, z: u16) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_BYTES];
        b[..4].copy_from_slice(&[0x01, 0xda, storage, 1]);
        b[4..6].copy_from_slice(&3u16.to_be_bytes());
        b[6..8].copy_from_slice(&w.to_be_bytes());
        b[8..10].copy_from_slice(&h.to_be_bytes());
        b[10..12].copy_from_slice(&z.to_be_bytes());
        b
    }

    #[test]
    fn verbatim_rgb_rows_are_bottom_up() {
        // 2x2: bottom row red, top row blue (planes R, G, B; rows bottom first).
        let mut b = header(0, 2, 2, 3);
        b.extend([255, 255, 0, 0]); // R: bottom row, top row
        b.extend([0, 0, 0, 0]); // G
        b.extend([0, 0, 255, 255]); // B
        let img = decode(&b).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 255, 255]);
        assert_eq!(img.get_pixel(1, 1).0, [255, 0, 0, 255]);
    }

    #[test]
    fn rle_gray_decodes() {
        let mut b = header(1, 4, 1, 1);
        let start = (HEADER_BYTES + 8) as u32;
        b.extend(start.to_be_bytes());
        b.extend(3u32.to_be_bytes());
        b.extend([0x04, 200, 0x00]); // run of 4 x 200, end
        let img = decode(&b).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(3, 0).0, [200, 200, 200, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let mut huge = header(0, 65_535, 65_535, 3);
        huge.extend([0; 16]);
        assert!(matches!(decode(&huge), Err(DecodeError::TooManyPixels(..))));
        // A few bytes declaring a 4000x4000 run-length picture: refused before allocating.
        let mut tiny = header(1, 4000, 4000, 3);
        tiny.extend([0; 64]);
        assert!(
            matches!(decode(&tiny), Err(DecodeError::Corrupt { reason, .. }) if reason.contains("too short"))
        );
        let short = header(0, 64, 64, 3);
        assert!(matches!(decode(&short), Err(DecodeError::Corrupt { .. })));
        assert!(decode(&short[..10]).is_err());
        let mut bad_rle = header(1, 4, 4, 1);
        bad_rle.extend(u32::MAX.to_be_bytes());
        assert!(decode(&bad_rle).is_err());
    }
}
