//! Photoshop documents (PSD and PSB): the merged composite image that follows the layers, raw
//! or PackBits-compressed, in bitmap, gray, indexed, RGB, CMYK, duotone or multichannel mode.

use super::{check_data_size, check_size, truncated, u16_be, u32_be};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "psd";

/// Whether `head` starts like a PSD or PSB file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"8BPS") && matches!(u16_be(head, 4), Some(1 | 2))
}

/// Decode the composite image of a Photoshop file.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the Photoshop signature"));
    }
    let big = u16_be(bytes, 4) == Some(2);
    let u16_at = |at| u16_be(bytes, at).ok_or_else(|| truncated(NAME));
    let u32_at = |at| u32_be(bytes, at).ok_or_else(|| truncated(NAME));
    let channels = usize::from(u16_at(12)?);
    let (h, w) = (u32_at(14)?, u32_at(18)?);
    let depth = u16_at(22)?;
    let mode = u16_at(24)?;
    check_size(NAME, w, h)?;
    if channels == 0 {
        return Err(corrupt(NAME, "no channels"));
    }
    if !matches!(depth, 1 | 8 | 16 | 32) {
        return Err(unsupported(format!("{depth} bits per channel")));
    }
    // Colour mode data (the palette of indexed images), image resources, layers: skip them.
    let mut at = 26usize;
    let mode_len = u32_at(at)? as usize;
    let palette = bytes
        .get(at + 4..(at + 4).saturating_add(mode_len))
        .ok_or_else(|| truncated(NAME))?;
    at = at + 4 + mode_len;
    at = at
        .checked_add(4 + u32_at(at)? as usize)
        .ok_or_else(|| truncated(NAME))?;
    let layers_len = if big {
        let hi = u64::from(u32_at(at)?);
        let lo = u64::from(u32_at(at + 4)?);
        at += 8;
        usize::try_from((hi << 32) | lo).map_err(|_| truncated(NAME))?
    } else {
        at += 4;
        u32_at(at - 4)? as usize
    };
    at = at.checked_add(layers_len).ok_or_else(|| truncated(NAME))?;
    let compression = u16_at(at)?;
    at += 2;
    let (wu, hu) = (w as usize, h as usize);
    let row_bytes = (wu * usize::from(depth)).div_ceil(8);
    // The channels the picture needs (colour + one alpha), not the extra spot channels.
    let wanted = match mode {
        0..=2 | 8 => 1,
        4 => 4,
        _ => 3,
    };
    let used = channels.min(wanted + 1);
    let plane_bytes = row_bytes * hu;
    // PackBits: two bytes unpack to at most 128.
    let stored = bytes.len().saturating_sub(at);
    check_data_size(
        NAME,
        stored,
        plane_bytes * used,
        if compression == 1 { 64 } else { 1 },
    )?;
    let mut planes: Vec<Vec<u8>> = Vec::with_capacity(used);
    match compression {
        0 => {
            for c in 0..used {
                let start = at + c * plane_bytes;
                let src = bytes
                    .get(start..start + plane_bytes)
                    .ok_or_else(|| truncated(NAME))?;
                planes.push(src.to_vec());
            }
        }
        1 => {
            let count_bytes = if big { 4 } else { 2 };
            let rows = channels * hu;
            let mut data_at = at + rows * count_bytes;
            let mut row = 0;
            for _ in 0..used {
                let mut plane = vec![0u8; plane_bytes];
                for y in 0..hu {
                    let n = if big {
                        u32_at(at + row * 4)? as usize
                    } else {
                        usize::from(u16_at(at + row * 2)?)
                    };
                    row += 1;
                    let src = bytes
                        .get(data_at..data_at.saturating_add(n))
                        .ok_or_else(|| truncated(NAME))?;
                    unpack_bits(src, &mut plane[y * row_bytes..(y + 1) * row_bytes]);
                    data_at += n;
                }
                planes.push(plane);
            }
        }
        other => return Err(unsupported(format!("compression method {other}"))),
    }
    let sample = |c: usize, x: usize, y: usize| -> u8 {
        let p = &planes[c.min(used - 1)];
        let row = &p[y * row_bytes..(y + 1) * row_bytes];
        match depth {
            1 => {
                // Bitmap mode: 1 is black.
                if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                    0
                } else {
                    255
                }
            }
            8 => row[x],
            16 => row[x * 2],
            _ => {
                let v = f32::from_be_bytes([
                    row[x * 4],
                    row[x * 4 + 1],
                    row[x * 4 + 2],
                    row[x * 4 + 3],
                ]);
                (v.clamp(0.0, 1.0) * 255.0).round() as u8
            }
        }
    };
    let has_alpha = used > wanted;
    let mut img = RgbaImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (x, y) = (x as usize, y as usize);
        let s = |c| sample(c, x, y);
        let alpha = if has_alpha { s(wanted) } else { 255 };
        px.0 = match mode {
            2 => {
                let i = usize::from(s(0));
                let p = |k: usize| palette.get(k * 256 + i).copied().unwrap_or(0);
                [p(0), p(1), p(2), alpha]
            }
            3 | 7 | 9 if used >= 3 => [s(0), s(1), s(2), alpha],
            4 if used >= 4 => {
                // Photoshop stores CMYK inverted (255 = no ink).
                let k = u32::from(s(3));
                let c = |v: u8| ((u32::from(v) * k + 127) / 255) as u8;
                [c(s(0)), c(s(1)), c(s(2)), alpha]
            }
            _ => [s(0), s(0), s(0), alpha],
        };
    }
    Ok(DynamicImage::ImageRgba8(img))
}

fn unsupported(reason: String) -> DecodeError {
    DecodeError::UnsupportedVariant {
        format: NAME.into(),
        reason,
    }
}

/// Macintosh PackBits into `out` (short input leaves the rest of `out` as it was).
pub(super) fn unpack_bits(src: &[u8], out: &mut [u8]) {
    let (mut i, mut o) = (0, 0);
    while i < src.len() && o < out.len() {
        let n = src[i] as i8;
        i += 1;
        if n >= 0 {
            let len = n as usize + 1;
            let end = (i + len).min(src.len());
            for &b in &src[i..end] {
                if let Some(slot) = out.get_mut(o) {
                    *slot = b;
                }
                o += 1;
            }
            i = end;
        } else if n != -128 {
            let len = (1 - i32::from(n)) as usize;
            let Some(&b) = src.get(i) else { break };
            i += 1;
            for _ in 0..len {
                if let Some(slot) = out.get_mut(o) {
                    *slot = b;
                }
                o += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn psd(channels: u16, w: u32, h: u32, mode: u16, compression: u16, data: &[u8]) -> Vec<u8> {
        let mut b = b"8BPS".to_vec();
        b.extend(1u16.to_be_bytes());
        b.extend([0; 6]);
        b.extend(channels.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend(w.to_be_bytes());
        b.extend(8u16.to_be_bytes());
        b.extend(mode.to_be_bytes());
        b.extend([0; 12]); // empty mode data, resources, layers
        b.extend(compression.to_be_bytes());
        b.extend(data);
        b
    }

    #[test]
    fn raw_rgb_composite() {
        // 2x1: red, green.
        let b = psd(3, 2, 1, 3, 0, &[255, 0, 0, 255, 0, 0]);
        let img = decode(&b).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(1, 0).0, [0, 255, 0, 255]);
    }

    #[test]
    fn packbits_gray_composite() {
        // One channel, 4x1: byte counts (u16 per row), then a run of 4 x 90.
        let b = psd(1, 4, 1, 1, 1, &[0, 2, 0xfd, 90]);
        let img = decode(&b).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(3, 0).0, [90, 90, 90, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let huge = psd(3, 1 << 20, 1 << 20, 3, 0, &[]);
        assert!(matches!(decode(&huge), Err(DecodeError::TooManyPixels(..))));
        let short = psd(3, 64, 64, 3, 0, &[1, 2, 3]);
        assert!(matches!(decode(&short), Err(DecodeError::Corrupt { .. })));
        let lying_counts = psd(1, 4, 4, 1, 1, &[0xff, 0xff, 0xff, 0xff]);
        assert!(decode(&lying_counts).is_err());
        assert!(decode(&huge[..20]).is_err());
    }
}
