//! Autodesk FLI/FLC animations: the first frame (palette chunks, byte-run, copy and black
//! chunks), 8-bit indexed.

use super::{check_data_size, check_size, truncated, u16_le, u32_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage};

const NAME: &str = "fli";
const HEADER_BYTES: usize = 128;
const FRAME_TYPE: u16 = 0xf1fa;
const PREFIX_TYPE: u16 = 0xf100;
const COLOR_256: u16 = 4;
const COLOR_64: u16 = 11;
const BLACK: u16 = 13;
const BYTE_RUN: u16 = 15;
const COPY: u16 = 16;

/// Whether `head` starts like an FLI or FLC file.
pub fn sniff(head: &[u8]) -> bool {
    matches!(u16_le(head, 4), Some(0xaf11 | 0xaf12))
        && u16_le(head, 12) == Some(8)
        && head.len() >= HEADER_BYTES
}

/// Decode the first frame of an animation.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the FLI/FLC signature"));
    }
    let field16 = |at| u16_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (w, h) = (u32::from(field16(8)?), u32::from(field16(10)?));
    check_size(NAME, w, h)?;
    let (wu, hu) = (w as usize, h as usize);
    let mut at = HEADER_BYTES;
    // Skip prefix chunks (FLC settings) before the first frame.
    loop {
        let size = u32_le(bytes, at).ok_or_else(|| truncated(NAME))? as usize;
        let kind = field16(at + 4)?;
        if kind == FRAME_TYPE {
            break;
        }
        if kind != PREFIX_TYPE || size < 6 {
            return Err(corrupt(NAME, "no frame"));
        }
        at += size;
    }
    let chunks = field16(at + 6)?;
    let mut palette: Vec<[u8; 3]> = (0..=255u8).map(|v| [v, v, v]).collect();
    check_data_size(NAME, bytes.len(), wu * hu, 64)?;
    let mut pixels = vec![0u8; wu * hu];
    let mut any = false;
    at += 16;
    for _ in 0..chunks {
        let Some(size) = u32_le(bytes, at).map(|s| s as usize) else {
            break;
        };
        let kind = field16(at + 4)?;
        let end = at.saturating_add(size).min(bytes.len());
        let Some(data) = bytes.get(at + 6..end) else {
            break;
        };
        if size < 6 {
            break;
        }
        match kind {
            COLOR_256 | COLOR_64 => read_palette(data, &mut palette, kind == COLOR_64),
            BLACK => {
                pixels.fill(0);
                any = true;
            }
            BYTE_RUN => {
                byte_run(data, wu, &mut pixels);
                any = true;
            }
            COPY => {
                let n = pixels.len().min(data.len());
                pixels[..n].copy_from_slice(&data[..n]);
                any = true;
            }
            _ => {} // delta chunks only change later frames
        }
        at += size;
    }
    if !any {
        return Err(corrupt(NAME, "the first frame has no picture"));
    }
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb(palette[usize::from(pixels[y as usize * wu + x as usize])])
    });
    Ok(DynamicImage::ImageRgb8(img))
}

/// Palette packets: skip a number of entries, then set `count` (0 = 256) of them.
fn read_palette(data: &[u8], palette: &mut [[u8; 3]], six_bit: bool) {
    let packets = u16_le(data, 0).unwrap_or(0);
    let (mut at, mut index) = (2, 0usize);
    for _ in 0..packets {
        let (Some(&skip), Some(&count)) = (data.get(at), data.get(at + 1)) else {
            return;
        };
        at += 2;
        index += usize::from(skip);
        let count = if count == 0 { 256 } else { usize::from(count) };
        for _ in 0..count {
            let (Some(rgb), Some(slot)) = (data.get(at..at + 3), palette.get_mut(index)) else {
                return;
            };
            *slot = if six_bit {
                [rgb[0] << 2, rgb[1] << 2, rgb[2] << 2]
            } else {
                [rgb[0], rgb[1], rgb[2]]
            };
            at += 3;
            index += 1;
        }
    }
}

/// Byte-run lines: a packet count byte (ignored), then signed counts: positive repeats the
/// next byte, negative copies that many bytes.
fn byte_run(data: &[u8], width: usize, pixels: &mut [u8]) {
    let mut at = 0;
    for row in pixels.chunks_mut(width) {
        at += 1;
        let mut x = 0;
        while x < width {
            let Some(&count) = data.get(at) else { return };
            at += 1;
            let count = count as i8;
            if count >= 0 {
                let Some(&v) = data.get(at) else { return };
                at += 1;
                let end = (x + count as usize).min(width);
                row[x..end].fill(v);
                x = end;
                if count == 0 {
                    x = width; // a zero count would never advance
                }
            } else {
                let n = usize::from(count.unsigned_abs()).min(width - x);
                let Some(src) = data.get(at..at + n) else {
                    return;
                };
                row[x..x + n].copy_from_slice(src);
                at += n;
                x += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fli(w: u16, h: u16, chunks: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_BYTES];
        b[4..6].copy_from_slice(&0xaf11u16.to_le_bytes());
        b[6..8].copy_from_slice(&1u16.to_le_bytes());
        b[8..10].copy_from_slice(&w.to_le_bytes());
        b[10..12].copy_from_slice(&h.to_le_bytes());
        b[12..14].copy_from_slice(&8u16.to_le_bytes());
        let body: Vec<u8> = chunks
            .iter()
            .flat_map(|(kind, data)| {
                let mut c = ((data.len() + 6) as u32).to_le_bytes().to_vec();
                c.extend(kind.to_le_bytes());
                c.extend(data);
                c
            })
            .collect();
        b.extend(((body.len() + 16) as u32).to_le_bytes());
        b.extend(FRAME_TYPE.to_le_bytes());
        b.extend((chunks.len() as u16).to_le_bytes());
        b.extend([0; 8]);
        b.extend(body);
        b
    }

    #[test]
    fn palette_and_byte_run() {
        // Colour 1 = 6-bit (63, 0, 0) → red; one 3-pixel line: run of 2 x 1, then literal 0.
        let palette = vec![1, 0, 1, 1, 63, 0, 0];
        let run = vec![2, 2, 1, 0xff, 0];
        let img = decode(&fli(3, 1, &[(COLOR_64, palette), (BYTE_RUN, run)]))
            .expect("decode")
            .to_rgb8();
        assert_eq!(img.get_pixel(1, 0).0, [252, 0, 0]);
        assert_eq!(img.get_pixel(2, 0).0, [0, 0, 0]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(matches!(
            decode(&fli(65_535, 65_535, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&fli(4, 4, &[])).is_err());
        let cut = fli(4, 4, &[(BYTE_RUN, vec![1, 127])]);
        assert!(decode(&cut[..HEADER_BYTES + 4]).is_err());
        // A run that claims more than the line holds stays within it.
        assert!(decode(&cut).is_ok());
    }
}
