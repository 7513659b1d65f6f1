//! Truevision TGA files the `image` crate refuses (16-bit pixels with an alpha bit, colour-map
//! indices past the end of a short map): colour-mapped, true-colour and gray, raw or
//! run-length encoded, either origin.

use super::{check_data_size, check_size, truncated, u16_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "tga";
const HEADER_BYTES: usize = 18;

/// Decode a TGA image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let header = bytes.get(..HEADER_BYTES).ok_or_else(|| truncated(NAME))?;
    let field = |at| u16_le(header, at).ok_or_else(|| truncated(NAME));
    let (id_len, map_type, kind) = (usize::from(header[0]), header[1], header[2]);
    let (map_first, map_len, map_bits) = (field(3)?, usize::from(field(5)?), header[7]);
    let (w, h) = (u32::from(field(12)?), u32::from(field(14)?));
    let (bits, descriptor) = (header[16], header[17]);
    check_size(NAME, w, h)?;
    let rle = kind & 8 != 0;
    let base = kind & 7;
    if !matches!(base, 1..=3) {
        return Err(corrupt(NAME, format!("image type {kind}")));
    }
    if !matches!(bits, 8 | 15 | 16 | 24 | 32) {
        return Err(corrupt(NAME, format!("{bits} bits per pixel")));
    }
    let alpha_bits = descriptor & 0x0f;
    let map_at = HEADER_BYTES + id_len;
    let map_entry = usize::from(map_bits).div_ceil(8);
    let map_bytes = if map_type == 1 {
        map_len * map_entry
    } else {
        0
    };
    let map = bytes
        .get(map_at..map_at + map_bytes)
        .ok_or_else(|| truncated(NAME))?;
    let pixel_bytes = usize::from(bits).div_ceil(8);
    let n = w as usize * h as usize;
    let src = &bytes[map_at + map_bytes..];
    check_data_size(NAME, src.len(), n * pixel_bytes, if rle { 64 } else { 1 })?;
    let raw = if rle {
        unpack(src, n * pixel_bytes, pixel_bytes)
    } else {
        src.get(..n * pixel_bytes)
            .ok_or_else(|| truncated(NAME))?
            .to_vec()
    };
    if raw.len() < n * pixel_bytes {
        return Err(truncated(NAME));
    }
    let colour = |px: &[u8], bits: u8, alpha_bits: u8| -> [u8; 4] {
        match bits {
            8 => [px[0], px[0], px[0], 255],
            15 | 16 => {
                let v = u16::from_le_bytes([px[0], px[1]]);
                let c = |shift: u16| {
                    (((v >> shift) & 0x1f) as u8) << 3 | (((v >> shift) & 0x1f) as u8) >> 2
                };
                let a = if bits == 16 && alpha_bits >= 1 && v & 0x8000 == 0 {
                    0
                } else {
                    255
                };
                [c(10), c(5), c(0), a]
            }
            24 => [px[2], px[1], px[0], 255],
            _ => [
                px[2],
                px[1],
                px[0],
                if alpha_bits > 0 { px[3] } else { 255 },
            ],
        }
    };
    let right_to_left = descriptor & 0x10 != 0;
    let top_down = descriptor & 0x20 != 0;
    let mut img = RgbaImage::new(w, h);
    for (i, px) in raw.chunks_exact(pixel_bytes).take(n).enumerate() {
        let (mut x, mut y) = ((i % w as usize) as u32, (i / w as usize) as u32);
        if right_to_left {
            x = w - 1 - x;
        }
        if !top_down {
            y = h - 1 - y;
        }
        let rgba = match base {
            1 => {
                let index = if pixel_bytes == 2 {
                    usize::from(u16::from_le_bytes([px[0], px[1]]))
                } else {
                    usize::from(px[0])
                };
                // Indices outside a short map show as black rather than failing the file.
                let entry = index
                    .checked_sub(usize::from(map_first))
                    .and_then(|k| map.get(k * map_entry..(k + 1) * map_entry));
                match entry {
                    Some(e) if map_entry >= 2 => colour(e, map_bits, alpha_bits),
                    _ => [0, 0, 0, 255],
                }
            }
            3 => [px[0], px[0], px[0], 255],
            _ => colour(px, bits, alpha_bits),
        };
        img.put_pixel(x, y, image::Rgba(rgba));
    }
    Ok(DynamicImage::ImageRgba8(img))
}

/// Run-length packets (high bit: repeat one pixel, else copy pixels) up to `limit` bytes.
fn unpack(src: &[u8], limit: usize, pixel: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(limit);
    let mut at = 0;
    while out.len() < limit {
        let Some(&head) = src.get(at) else { break };
        at += 1;
        let count = usize::from(head & 0x7f) + 1;
        if head & 0x80 != 0 {
            let Some(p) = src.get(at..at + pixel) else {
                break;
            };
            at += pixel;
            for _ in 0..count.min((limit - out.len()) / pixel) {
                out.extend_from_slice(p);
            }
        } else {
            let take = (count * pixel).min(limit - out.len());
            let Some(p) = src.get(at..at + take) else {
                break;
            };
            at += take;
            out.extend_from_slice(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tga(
        kind: u8,
        bits: u8,
        descriptor: u8,
        w: u16,
        h: u16,
        map: Option<(u16, &[u8])>,
        px: &[u8],
    ) -> Vec<u8> {
        let mut b = vec![0, u8::from(map.is_some()), kind];
        let (len, entries) = map.unwrap_or((0, &[]));
        b.extend(0u16.to_le_bytes());
        b.extend(len.to_le_bytes());
        b.push(if map.is_some() { 24 } else { 0 });
        b.extend([0; 4]);
        b.extend(w.to_le_bytes());
        b.extend(h.to_le_bytes());
        b.extend([bits, descriptor]);
        b.extend(entries);
        b.extend(px);
        b
    }

    #[test]
    fn sixteen_bit_with_alpha_bit_bottom_up() {
        // 1x2, bottom row first: opaque pure red (0x7c00 | 0x8000), then transparent.
        let img = decode(&tga(2, 16, 1, 1, 2, None, &[0x00, 0xfc, 0x00, 0x00]))
            .expect("decode")
            .to_rgba8();
        assert_eq!(img.get_pixel(0, 1).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(0, 0).0[3], 0);
    }

    #[test]
    fn short_colour_map_and_rle() {
        // Map of one BGR entry (blue); RLE run of 3 x index 0, then raw index 5 (past the map).
        let px = [0x82, 0, 0x00, 5];
        let img = decode(&tga(9, 8, 0x20, 4, 1, Some((1, &[255, 0, 0])), &px))
            .expect("decode")
            .to_rgba8();
        assert_eq!(img.get_pixel(2, 0).0, [0, 0, 255, 255]);
        assert_eq!(img.get_pixel(3, 0).0, [0, 0, 0, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(decode(&tga(2, 24, 0, 4, 4, None, &[0; 5])).is_err());
        assert!(decode(&tga(10, 24, 0, 4, 4, None, &[0x80])).is_err());
        assert!(decode(&tga(7, 24, 0, 1, 1, None, &[0; 3])).is_err());
        assert!(decode(&tga(2, 12, 0, 1, 1, None, &[0; 3])).is_err());
        assert!(decode(&[0; 10]).is_err());
    }
}
