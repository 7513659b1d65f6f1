//! Sun raster images: 1, 8, 24 or 32 bits per pixel, raw or byte-run encoded, with an
//! optional RGB colour map.

use super::{check_data_size, check_size, truncated, u32_be};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage};

const NAME: &str = "sun";
const MAGIC: u32 = 0x59a6_6a95;
const TYPE_RLE: u32 = 2;
const TYPE_RGB: u32 = 3;

/// Whether `head` starts like a Sun raster file.
pub fn sniff(head: &[u8]) -> bool {
    u32_be(head, 0) == Some(MAGIC)
}

/// Decode a Sun raster image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let field = |i: usize| u32_be(bytes, i * 4).ok_or_else(|| truncated(NAME));
    if field(0)? != MAGIC {
        return Err(corrupt(NAME, "missing the Sun raster signature"));
    }
    let (w, h, depth) = (field(1)?, field(2)?, field(3)?);
    let (kind, map_type, map_len) = (field(5)?, field(6)?, field(7)? as usize);
    check_size(NAME, w, h)?;
    if !matches!(depth, 1 | 8 | 24 | 32) {
        return Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: format!("{depth} bits per pixel"),
        });
    }
    let map = bytes
        .get(32..32usize.saturating_add(map_len))
        .ok_or_else(|| truncated(NAME))?;
    let colours = if map_type == 1 { map.len() / 3 } else { 0 };
    // Rows are padded to 16 bits.
    let row = ((w as usize * depth as usize).div_ceil(8) + 1) & !1;
    let needed = row * h as usize;
    let src = &bytes[32 + map_len..];
    check_data_size(
        NAME,
        src.len(),
        needed,
        if kind == TYPE_RLE { 86 } else { 1 },
    )?;
    let data = if kind == TYPE_RLE {
        unpack(src, needed)
    } else {
        src.get(..needed).ok_or_else(|| truncated(NAME))?.to_vec()
    };
    if data.len() < needed {
        return Err(truncated(NAME));
    }
    let mut img = RgbImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let r = &data[y as usize * row..(y as usize + 1) * row];
        let x = x as usize;
        px.0 = match depth {
            1 => {
                // A set bit is black.
                if r[x / 8] & (0x80 >> (x % 8)) != 0 {
                    [0; 3]
                } else {
                    [255; 3]
                }
            }
            8 if colours > 0 => {
                let i = usize::from(r[x]).min(colours - 1);
                [map[i], map[colours + i], map[2 * colours + i]]
            }
            8 => [r[x]; 3],
            24 if kind == TYPE_RGB => [r[x * 3], r[x * 3 + 1], r[x * 3 + 2]],
            24 => [r[x * 3 + 2], r[x * 3 + 1], r[x * 3]],
            _ if kind == TYPE_RGB => [r[x * 4 + 1], r[x * 4 + 2], r[x * 4 + 3]],
            _ => [r[x * 4 + 3], r[x * 4 + 2], r[x * 4 + 1]],
        };
    }
    Ok(DynamicImage::ImageRgb8(img))
}

/// Sun byte-run decoding (0x80 escapes) up to `limit` bytes.
fn unpack(src: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(limit);
    let mut i = 0;
    while i < src.len() && out.len() < limit {
        let b = src[i];
        i += 1;
        if b != 0x80 {
            out.push(b);
            continue;
        }
        match src.get(i) {
            Some(0) => {
                out.push(0x80);
                i += 1;
            }
            Some(&n) => {
                let Some(&v) = src.get(i + 1) else { break };
                let run = (usize::from(n) + 1).min(limit - out.len());
                out.resize(out.len() + run, v);
                i += 2;
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sun(w: u32, h: u32, depth: u32, kind: u32, body: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [MAGIC, w, h, depth, 0, kind, 0, 0] {
            b.extend(v.to_be_bytes());
        }
        b.extend(body);
        b
    }

    #[test]
    fn bgr_and_rle() {
        // 1x1 24-bit BGR, row padded to 4 bytes.
        let img = decode(&sun(1, 1, 24, 1, &[10, 20, 30, 0]))
            .expect("decode")
            .to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [30, 20, 10]);
        // 4x1 8-bit gray, RLE: 0x80 3 77 → four 77s.
        let img = decode(&sun(4, 1, 8, TYPE_RLE, &[0x80, 3, 77]))
            .expect("rle")
            .to_rgb8();
        assert_eq!(img.get_pixel(3, 0).0, [77, 77, 77]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&sun(1 << 20, 1 << 20, 8, 1, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&sun(8, 8, 8, 1, &[1])).is_err());
        assert!(decode(&sun(8, 8, 8, TYPE_RLE, &[0x80, 255])).is_err());
        assert!(decode(&sun(8, 8, 7, 1, &[0; 64])).is_err());
        assert!(decode(&MAGIC.to_be_bytes()).is_err());
    }
}
