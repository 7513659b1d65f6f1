//! Microsoft Paint (`.msp`) bitmaps: version 1 raw bits, version 2 run-length rows.

use super::{check_data_size, check_size, truncated, u16_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage};

const NAME: &str = "msp";
const HEADER_BYTES: usize = 32;

/// Whether `head` starts like an MSP file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"DanM") || head.starts_with(b"LinS")
}

/// Decode an MSP bitmap (1 = white).
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the MSP signature"));
    }
    let field = |at| u16_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (w, h) = (u32::from(field(4)?), u32::from(field(6)?));
    check_size(NAME, w, h)?;
    let row_bytes = (w as usize).div_ceil(8);
    let hu = h as usize;
    let bits = if bytes.starts_with(b"DanM") {
        bytes
            .get(HEADER_BYTES..HEADER_BYTES + row_bytes * hu)
            .ok_or_else(|| truncated(NAME))?
            .to_vec()
    } else {
        // A table of each row's encoded length, then the rows.
        check_data_size(NAME, bytes.len(), row_bytes * hu, 85)?;
        let mut out = vec![0xffu8; row_bytes * hu];
        let mut at = HEADER_BYTES + hu * 2;
        for y in 0..hu {
            let len = usize::from(field(HEADER_BYTES + y * 2)?);
            let row = &mut out[y * row_bytes..(y + 1) * row_bytes];
            let src = bytes.get(at..at + len).ok_or_else(|| truncated(NAME))?;
            at += len;
            unpack_row(src, row);
        }
        out
    };
    let img = GrayImage::from_fn(w, h, |x, y| {
        let b = bits[y as usize * row_bytes + x as usize / 8];
        image::Luma([if b & (0x80 >> (x % 8)) != 0 { 255 } else { 0 }])
    });
    Ok(DynamicImage::ImageLuma8(img))
}

/// One run-length row: 0, count, value repeats; n > 0 copies n literal bytes.
fn unpack_row(src: &[u8], row: &mut [u8]) {
    let (mut i, mut o) = (0, 0);
    while i < src.len() && o < row.len() {
        let kind = src[i];
        i += 1;
        if kind == 0 {
            let (Some(&n), Some(&v)) = (src.get(i), src.get(i + 1)) else {
                break;
            };
            i += 2;
            let end = (o + usize::from(n)).min(row.len());
            row[o..end].fill(v);
            o = end;
        } else {
            let n = usize::from(kind).min(src.len() - i).min(row.len() - o);
            row[o..o + n].copy_from_slice(&src[i..i + n]);
            i += n;
            o += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msp(magic: &[u8; 4], w: u16, h: u16, body: &[u8]) -> Vec<u8> {
        let mut b = magic.to_vec();
        b.extend(w.to_le_bytes());
        b.extend(h.to_le_bytes());
        b.resize(HEADER_BYTES, 0);
        b.extend(body);
        b
    }

    #[test]
    fn raw_and_run_length() {
        let img = decode(&msp(b"DanM", 8, 1, &[0x80])).expect("v1").to_luma8();
        assert_eq!(img.get_pixel(0, 0).0, [255]);
        assert_eq!(img.get_pixel(1, 0).0, [0]);
        // v2: row length 3: a run of 2 bytes of 0x0f.
        let img = decode(&msp(b"LinS", 16, 1, &[3, 0, 0, 2, 0x0f]))
            .expect("v2")
            .to_luma8();
        assert_eq!(img.get_pixel(0, 0).0, [0]);
        assert_eq!(img.get_pixel(15, 0).0, [255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(decode(&msp(b"DanM", 64, 64, &[0; 3])).is_err());
        assert!(decode(&msp(b"LinS", 64, 2, &[0xff, 0xff])).is_err());
        assert!(decode(b"DanM\x01").is_err());
    }
}
