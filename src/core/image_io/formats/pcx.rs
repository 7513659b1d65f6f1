//! ZSoft PCX (and the first page of a DCX multi-page file): run-length encoded scanlines of 1,
//! 2, 4 or 8 bits in one or more planes, with EGA, VGA (256-colour) or no palette.

use super::{check_data_size, check_size, truncated, u16_le, u32_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage};

const NAME: &str = "pcx";
const HEADER_BYTES: usize = 128;
const DCX_MAGIC: u32 = 0x3ADE_68B1;

/// Whether `head` starts like a PCX file (the signature byte is weak, so the header's
/// version, encoding and depth must be plausible too).
pub fn sniff(head: &[u8]) -> bool {
    head.len() >= HEADER_BYTES
        && head[0] == 0x0a
        && matches!(head[1], 0 | 2..=5)
        && head[2] <= 1
        && matches!(head[3], 1 | 2 | 4 | 8)
}

/// Whether `head` starts like a DCX file (PCX pages).
pub fn sniff_dcx(head: &[u8]) -> bool {
    u32_le(head, 0) == Some(DCX_MAGIC)
}

/// Decode the first page of a DCX file.
pub fn decode_dcx(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let first = u32_le(bytes, 4).ok_or_else(|| truncated("dcx"))? as usize;
    let page = bytes.get(first..).ok_or_else(|| truncated("dcx"))?;
    decode(page)
}

/// Decode a PCX image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the PCX signature"));
    }
    let field = |at| u16_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (x0, y0, x1, y1) = (field(4)?, field(6)?, field(8)?, field(10)?);
    if x1 < x0 || y1 < y0 {
        return Err(corrupt(NAME, "negative dimensions"));
    }
    let (w, h) = (u32::from(x1 - x0) + 1, u32::from(y1 - y0) + 1);
    check_size(NAME, w, h)?;
    let bits = usize::from(bytes[3]);
    let planes = usize::from(bytes[65]);
    let line = usize::from(field(66)?);
    if planes == 0 || planes > 4 || line * 8 < w as usize * bits {
        return Err(corrupt(NAME, "inconsistent planes or line length"));
    }
    let scan = line * planes;
    let rle = bytes[2] == 1;
    check_data_size(
        NAME,
        bytes.len() - HEADER_BYTES,
        scan * h as usize,
        if rle { 32 } else { 1 },
    )?;
    let mut data = vec![0u8; scan * h as usize];
    let src = &bytes[HEADER_BYTES..];
    let used = if rle {
        unpack(src, &mut data)
    } else {
        let n = data.len().min(src.len());
        data[..n].copy_from_slice(&src[..n]);
        n
    };
    if used == 0 {
        return Err(truncated(NAME));
    }
    // A 256-colour palette trails 8-bit single-plane images after a 0x0C marker.
    let vga = (bits == 8 && planes == 1)
        .then(|| {
            let at = bytes.len().checked_sub(769)?;
            (bytes[at] == 0x0c).then(|| &bytes[at + 1..])
        })
        .flatten();
    let ega = &bytes[16..64];
    let mut img = RgbImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let row = &data[y as usize * scan..(y as usize + 1) * scan];
        let x = x as usize;
        let sample = |plane: usize| -> usize {
            let p = &row[plane * line..(plane + 1) * line];
            let bit = x * bits;
            let byte = p[bit / 8];
            usize::from((byte >> (8 - bits - bit % 8)) & ((1u16 << bits) - 1) as u8)
        };
        px.0 = match (bits, planes) {
            (8, 3) | (8, 4) => [row[x], row[line + x], row[2 * line + x]],
            (8, 1) => match vga {
                Some(p) => {
                    let i = usize::from(row[x]) * 3;
                    [p[i], p[i + 1], p[i + 2]]
                }
                None => [row[x]; 3],
            },
            (1, 1) => {
                if sample(0) == 1 {
                    [255; 3]
                } else {
                    [0; 3]
                }
            }
            _ => {
                // EGA: the index is the planes' bits together (or one 2/4-bit sample).
                let index = (0..planes).fold(0, |acc, p| acc | (sample(p) << (p * bits)));
                let i = (index % 16) * 3;
                [ega[i], ega[i + 1], ega[i + 2]]
            }
        };
    }
    Ok(DynamicImage::ImageRgb8(img))
}

/// PCX run-length decoding into `out`; returns how many bytes were produced.
fn unpack(src: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut o) = (0, 0);
    while i < src.len() && o < out.len() {
        let b = src[i];
        i += 1;
        if b >= 0xc0 {
            let count = usize::from(b & 0x3f);
            let Some(&v) = src.get(i) else { break };
            i += 1;
            let end = (o + count).min(out.len());
            out[o..end].fill(v);
            o = end;
        } else {
            out[o] = b;
            o += 1;
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcx_rgb(w: u16, h: u16, body: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_BYTES];
        b[..4].copy_from_slice(&[0x0a, 5, 1, 8]);
        b[8..10].copy_from_slice(&(w - 1).to_le_bytes());
        b[10..12].copy_from_slice(&(h - 1).to_le_bytes());
        b[65] = 3;
        b[66..68].copy_from_slice(&w.to_le_bytes());
        b.extend(body);
        b
    }

    #[test]
    fn rle_rgb_planes() {
        // 2x1, planes R, G, B: R = run of 2 x 200, G = 0 0, B = 10 10.
        let b = pcx_rgb(2, 1, &[0xc2, 200, 0xc2, 0, 0xc2, 10]);
        let img = decode(&b).expect("decode").to_rgb8();
        assert_eq!(img.get_pixel(1, 0).0, [200, 0, 10]);
        let mut dcx = DCX_MAGIC.to_le_bytes().to_vec();
        dcx.extend(12u32.to_le_bytes());
        dcx.extend(0u32.to_le_bytes());
        dcx.extend(&b);
        assert!(sniff_dcx(&dcx));
        assert_eq!(
            decode_dcx(&dcx).expect("dcx").to_rgb8().get_pixel(0, 0).0,
            [200, 0, 10]
        );
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&pcx_rgb(65_535, 65_535, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&pcx_rgb(4, 4, &[])).is_err());
        let mut bad = pcx_rgb(4, 4, &[0xc1]);
        bad[66] = 0; // line length shorter than the width
        assert!(decode(&bad).is_err());
        assert!(decode_dcx(&DCX_MAGIC.to_le_bytes()).is_err());
    }
}
