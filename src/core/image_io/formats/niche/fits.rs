//! FITS (astronomy): the primary data unit as a gray picture, stretched from its darkest to
//! its brightest value, first plane of a cube, bottom row first.

use super::{Stretch, check_size};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage};

const NAME: &str = "fits";
const BLOCK: usize = 2880;
const CARD: usize = 80;

/// Whether `head` starts like a FITS file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"SIMPLE  =")
}

/// Decode the primary image of a FITS file.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let mut cards = Vec::new();
    let mut end = None;
    for (i, card) in bytes.chunks(CARD).enumerate() {
        let key = String::from_utf8_lossy(&card[..card.len().min(8)])
            .trim_end()
            .to_string();
        if key == "END" {
            end = Some((i + 1) * CARD);
            break;
        }
        let value = card
            .get(10..)
            .map(|v| String::from_utf8_lossy(v).to_string())
            .unwrap_or_default();
        let value = value.split('/').next().unwrap_or("").trim().to_string();
        cards.push((key, value));
    }
    let end = end.ok_or_else(|| corrupt(NAME, "header has no END card"))?;
    let num = |k: &str| -> Option<f64> {
        cards
            .iter()
            .find(|(key, _)| key == k)
            .and_then(|(_, v)| v.parse().ok())
    };
    let bitpix = num("BITPIX").ok_or_else(|| corrupt(NAME, "no BITPIX"))? as i64;
    let naxis = num("NAXIS").unwrap_or(0.0) as i64;
    if naxis < 2 {
        return Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: "no image in the primary unit (tables or compressed extensions)".into(),
        });
    }
    let dim = |k: &str| -> Result<u32, DecodeError> {
        let v = num(k).ok_or_else(|| corrupt(NAME, format!("no {k}")))?;
        if !(0.0..=f64::from(u32::MAX)).contains(&v) {
            return Err(corrupt(NAME, format!("bad {k}")));
        }
        Ok(v as u32)
    };
    let (w, h) = (dim("NAXIS1")?, dim("NAXIS2")?);
    check_size(NAME, w, h)?;
    let bzero = num("BZERO").unwrap_or(0.0);
    let bscale = num("BSCALE").unwrap_or(1.0);
    let sample_bytes = match bitpix {
        8 => 1,
        16 => 2,
        32 | -32 => 4,
        64 | -64 => 8,
        other => return Err(corrupt(NAME, format!("BITPIX {other}"))),
    };
    let n = w as usize * h as usize;
    let data_at = end.div_ceil(BLOCK) * BLOCK;
    let data = bytes
        .get(data_at..data_at + n * sample_bytes)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    let values: Vec<f64> = data
        .chunks_exact(sample_bytes)
        .map(|s| {
            let raw = match bitpix {
                8 => f64::from(s[0]),
                16 => f64::from(i16::from_be_bytes([s[0], s[1]])),
                32 => f64::from(i32::from_be_bytes([s[0], s[1], s[2], s[3]])),
                -32 => f64::from(f32::from_be_bytes([s[0], s[1], s[2], s[3]])),
                64 => i64::from_be_bytes(s.try_into().unwrap_or([0; 8])) as f64,
                _ => f64::from_be_bytes(s.try_into().unwrap_or([0; 8])),
            };
            bzero + bscale * raw
        })
        .collect();
    let stretch = Stretch::full(values.iter().copied());
    let img = GrayImage::from_fn(w, h, |x, y| {
        let v = values[(h - 1 - y) as usize * w as usize + x as usize];
        image::Luma([stretch.level(v)])
    });
    Ok(DynamicImage::ImageLuma8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fits(w: u32, h: u32, data: &[u8]) -> Vec<u8> {
        let cards = [
            "SIMPLE  =                    T".to_string(),
            "BITPIX  =                    8".to_string(),
            "NAXIS   =                    2".to_string(),
            format!("NAXIS1  = {w:>20}"),
            format!("NAXIS2  = {h:>20}"),
            "END".to_string(),
        ];
        let mut b = Vec::new();
        for c in cards {
            b.extend(format!("{c:<80}").bytes());
        }
        b.resize(BLOCK, b' ');
        b.extend(data);
        b
    }

    #[test]
    fn stretched_and_bottom_up() {
        // 2x2: bottom row 10, 20; top row 30, 40 → top-left is 30, stretched between 10 and 40.
        let img = decode(&fits(2, 2, &[10, 20, 30, 40]))
            .expect("decode")
            .to_luma8();
        assert_eq!(img.get_pixel(0, 0).0, [170]);
        assert_eq!(img.get_pixel(1, 0).0, [255]);
        assert_eq!(img.get_pixel(0, 1).0, [0]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&fits(100_000, 100_000, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(matches!(
            decode(&fits(8, 8, &[1, 2])),
            Err(DecodeError::Corrupt { .. })
        ));
        assert!(decode(b"SIMPLE  =   T").is_err());
    }
}
