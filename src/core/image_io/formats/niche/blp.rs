//! Blizzard textures (BLP1: JPEG or palette; BLP2: palette, DXT1/3/5 or BGRA), top mip level.

use super::{check_size, truncated, u32_le};
use crate::core::image_io::generic::decode_dynamic;
use crate::core::image_io::{DecodeError, PhotoFormat, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "blp";
const OFFSETS_BLP1: usize = 28;
const OFFSETS_BLP2: usize = 20;

/// Whether `head` starts like a BLP texture.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"BLP1") || head.starts_with(b"BLP2")
}

/// Decode the top mip level of a BLP texture.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let field = |at| u32_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (w, h) = (field(12)?, field(16)?);
    check_size(NAME, w, h)?;
    let blp1 = bytes.starts_with(b"BLP1");
    let tables = if blp1 { OFFSETS_BLP1 } else { OFFSETS_BLP2 };
    let (offset, len) = (field(tables)? as usize, field(tables + 64)? as usize);
    let mip = bytes
        .get(offset..offset.saturating_add(len).min(bytes.len()))
        .ok_or_else(|| truncated(NAME))?;
    let palette_at = tables + 128;
    if blp1 {
        let alpha_bits = field(8)?;
        match field(4)? {
            0 => {
                // A JPEG split in two: a shared header, then each mip level's data.
                let header_len = field(palette_at)? as usize;
                let header = bytes
                    .get(palette_at + 4..(palette_at + 4).saturating_add(header_len))
                    .ok_or_else(|| truncated(NAME))?;
                let jpeg = [header, mip].concat();
                let decoded = decode_dynamic(&jpeg, PhotoFormat::Jpeg)?.into_rgb8();
                // The colour channels are stored as BGR, and the texture's own size wins when
                // the JPEG's differs (its pixels are then read as rows of the texture's width).
                let raw = decoded.as_raw();
                let n = w as usize * h as usize;
                if raw.len() < n * 3 {
                    return Err(truncated(NAME));
                }
                let img = RgbaImage::from_fn(w, h, |x, y| {
                    let i = (y as usize * w as usize + x as usize) * 3;
                    image::Rgba([raw[i + 2], raw[i + 1], raw[i], 255])
                });
                Ok(DynamicImage::ImageRgba8(img))
            }
            1 => paletted(bytes, palette_at, mip, w, h, alpha_bits),
            other => Err(corrupt(NAME, format!("unknown compression {other}"))),
        }
    } else {
        let (encoding, alpha_depth, alpha_kind) = (bytes[8], bytes[9], bytes[10]);
        match encoding {
            1 => paletted(bytes, palette_at, mip, w, h, u32::from(alpha_depth)),
            2 => {
                let kind = match alpha_kind {
                    0 => 1,
                    1 => 2,
                    7 => 3,
                    other => return Err(corrupt(NAME, format!("unknown DXT alpha {other}"))),
                };
                dxt(mip, w, h, kind)
            }
            3 => {
                let n = w as usize * h as usize;
                let px = mip.get(..n * 4).ok_or_else(|| truncated(NAME))?;
                let img = RgbaImage::from_fn(w, h, |x, y| {
                    let i = (y as usize * w as usize + x as usize) * 4;
                    image::Rgba([px[i + 2], px[i + 1], px[i], px[i + 3]])
                });
                Ok(DynamicImage::ImageRgba8(img))
            }
            other => Err(corrupt(NAME, format!("unknown encoding {other}"))),
        }
    }
}

/// 8-bit indices into a 256-entry BGRA palette, then an alpha plane of `alpha_bits` bits.
fn paletted(
    bytes: &[u8],
    palette_at: usize,
    mip: &[u8],
    w: u32,
    h: u32,
    alpha_bits: u32,
) -> Result<DynamicImage, DecodeError> {
    let palette = bytes
        .get(palette_at..palette_at + 1024)
        .ok_or_else(|| truncated(NAME))?;
    let n = w as usize * h as usize;
    let indices = mip.get(..n).ok_or_else(|| truncated(NAME))?;
    let alpha = &mip[n..];
    let alpha_of = |i: usize| -> u8 {
        match alpha_bits {
            8 => alpha.get(i).copied().unwrap_or(255),
            4 => alpha
                .get(i / 2)
                .map_or(255, |b| ((b >> ((i % 2) * 4)) & 0xf) * 17),
            1 => alpha
                .get(i / 8)
                .map_or(255, |b| if b & (1 << (i % 8)) != 0 { 255 } else { 0 }),
            _ => 255,
        }
    };
    let img = RgbaImage::from_fn(w, h, |x, y| {
        let i = y as usize * w as usize + x as usize;
        let p = usize::from(indices[i]) * 4;
        image::Rgba([palette[p + 2], palette[p + 1], palette[p], alpha_of(i)])
    });
    Ok(DynamicImage::ImageRgba8(img))
}

/// DXT1/3/5 (`kind` 1, 2, 3) blocks.
fn dxt(data: &[u8], w: u32, h: u32, kind: u8) -> Result<DynamicImage, DecodeError> {
    let block_bytes = if kind == 1 { 8 } else { 16 };
    let (bw, bh) = ((w as usize).div_ceil(4), (h as usize).div_ceil(4));
    let blocks = data
        .get(..bw * bh * block_bytes)
        .ok_or_else(|| truncated(NAME))?;
    let pitch = bw * 16;
    let mut padded = vec![0u8; pitch * bh * 4];
    for (i, block) in blocks.chunks_exact(block_bytes).enumerate() {
        let origin = (i / bw) * 4 * pitch + (i % bw) * 16;
        if let Some(dst) = padded.get_mut(origin..) {
            match kind {
                1 => bcdec_rs::bc1(block, dst, pitch),
                2 => bcdec_rs::bc2(block, dst, pitch),
                _ => bcdec_rs::bc3(block, dst, pitch),
            }
        }
    }
    let img = RgbaImage::from_fn(w, h, |x, y| {
        let at = y as usize * pitch + x as usize * 4;
        image::Rgba([padded[at], padded[at + 1], padded[at + 2], padded[at + 3]])
    });
    Ok(DynamicImage::ImageRgba8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blp2(w: u32, h: u32, encoding: u8, alpha: (u8, u8), data: &[u8]) -> Vec<u8> {
        let mut b = b"BLP2".to_vec();
        b.extend(1u32.to_le_bytes());
        b.extend([encoding, alpha.0, alpha.1, 0]);
        b.extend(w.to_le_bytes());
        b.extend(h.to_le_bytes());
        let data_at = (OFFSETS_BLP2 + 128 + 1024) as u32;
        b.extend(data_at.to_le_bytes());
        b.extend([0; 60]);
        b.extend((data.len() as u32).to_le_bytes());
        b.extend([0; 60]);
        let mut palette = vec![0u8; 1024];
        palette[4..8].copy_from_slice(&[10, 20, 30, 0]); // entry 1, BGRA
        b.extend(palette);
        b.extend(data);
        b
    }

    #[test]
    fn palette_with_alpha_plane() {
        let img = decode(&blp2(2, 1, 1, (8, 8), &[1, 0, 200, 255]))
            .expect("decode")
            .to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [30, 20, 10, 200]);
        assert_eq!(img.get_pixel(1, 0).0, [0, 0, 0, 255]);
    }

    #[test]
    fn dxt1_blocks() {
        let img = decode(&blp2(4, 4, 2, (0, 0), &[0x00, 0xf8, 0, 0, 0, 0, 0, 0]))
            .expect("decode")
            .to_rgba8();
        assert_eq!(img.get_pixel(2, 2).0, [255, 0, 0, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&blp2(1 << 20, 1 << 20, 1, (0, 0), &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&blp2(64, 64, 1, (0, 0), &[1, 2])).is_err());
        assert!(decode(&blp2(64, 64, 2, (0, 0), &[1, 2])).is_err());
        assert!(decode(&blp2(4, 4, 9, (0, 0), &[0; 64])).is_err());
        assert!(decode(b"BLP2\x01\0\0\0").is_err());
    }
}
