//! SPIDER (electron microscopy) images: a header of 32-bit floats, then 32-bit float pixels in
//! the same byte order, shown stretched from the darkest to the brightest value.

use super::{Stretch, check_size, f32_at, f32s};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage};

const NAME: &str = "spider";
/// Image kinds: 2-D, 3-D (first slice shown) and Fourier variants.
const IFORMS: [i64; 6] = [1, 3, -11, -12, -21, -22];

/// The header's byte length and byte order when `head` is a plausible SPIDER header.
fn header(head: &[u8]) -> Option<(usize, bool)> {
    for little in [false, true] {
        let int = |i: usize| {
            f32_at(head, (i - 1) * 4, little)
                .filter(|v| v.is_finite() && v.fract() == 0.0 && v.abs() < 1e9)
                .map(|v| v as i64)
        };
        let Some(ints) = [1, 2, 5, 12, 13, 22, 23]
            .iter()
            .map(|&i| int(i))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let (iform, labrec, labbyt, lenbyt) = (ints[2], ints[4], ints[5], ints[6]);
        if IFORMS.contains(&iform) && labbyt > 0 && labbyt == labrec * lenbyt {
            return Some((usize::try_from(labbyt).ok()?, little));
        }
    }
    None
}

/// Whether `head` starts like a SPIDER image.
pub fn sniff(head: &[u8]) -> bool {
    header(head).is_some()
}

/// Decode a SPIDER image (first slice).
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let (data_at, little) = header(bytes).ok_or_else(|| corrupt(NAME, "not a SPIDER header"))?;
    let value = |i: usize| f32_at(bytes, (i - 1) * 4, little).unwrap_or(0.0);
    let (rows, samples) = (value(2), value(12));
    if !(1.0..=f32::from(u16::MAX)).contains(&rows)
        || !(1.0..=f32::from(u16::MAX)).contains(&samples)
    {
        return Err(corrupt(NAME, "bad size"));
    }
    let (w, h) = (samples as u32, rows as u32);
    check_size(NAME, w, h)?;
    let n = w as usize * h as usize;
    let data = bytes
        .get(data_at..data_at + n * 4)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    let values = f32s(data, little);
    let stretch = Stretch::full(values.iter().map(|&v| f64::from(v)));
    let img = GrayImage::from_fn(w, h, |x, y| {
        let v = values[y as usize * w as usize + x as usize];
        image::Luma([stretch.level(f64::from(v))])
    });
    Ok(DynamicImage::ImageLuma8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spider(w: u32, h: u32, px: &[f32]) -> Vec<u8> {
        let lenbyt = 4 * 256;
        let mut head = [0f32; 256];
        head[0] = 1.0; // slices
        head[1] = h as f32; // rows
        head[4] = 1.0; // 2-D image
        head[11] = w as f32; // samples per row
        head[12] = 1.0; // header records
        head[21] = lenbyt as f32; // header bytes
        head[22] = lenbyt as f32; // record bytes
        let mut b: Vec<u8> = head.iter().flat_map(|v| v.to_be_bytes()).collect();
        b.extend(px.iter().flat_map(|v| v.to_be_bytes()));
        b
    }

    #[test]
    fn floats_are_stretched() {
        let b = spider(2, 1, &[-1.0, 3.0]);
        assert!(sniff(&b));
        let img = decode(&b).expect("decode").to_luma8();
        assert_eq!(img.get_pixel(0, 0).0, [0]);
        assert_eq!(img.get_pixel(1, 0).0, [255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(decode(&spider(64, 64, &[1.0])).is_err());
        assert!(matches!(
            decode(&spider(60_000, 60_000, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(!sniff(&[0; 40]));
        assert!(decode(&spider(2, 1, &[0.0, 1.0])[..100]).is_err());
    }
}
