//! Portable float maps (`.pfm`): 32-bit float gray (`Pf`) or RGB (`PF`) rows, bottom row
//! first, little-endian when the scale is negative; shown stretched over their value range.

use super::{Stretch, check_size, f32s};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage};

const NAME: &str = "pfm";

/// Whether `head` starts like a PFM file.
pub fn sniff(head: &[u8]) -> bool {
    (head.starts_with(b"PF") || head.starts_with(b"Pf"))
        && head.get(2).is_some_and(u8::is_ascii_whitespace)
}

/// Decode a PFM image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the PF/Pf signature"));
    }
    let channels = if bytes[1] == b'F' { 3 } else { 1 };
    // Three tokens after the signature: width, height, scale; one whitespace byte ends them.
    let mut tokens = Vec::new();
    let mut at = 2;
    while tokens.len() < 3 {
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        let start = at;
        while bytes.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
            at += 1;
        }
        if start == at || at - start > 32 {
            return Err(corrupt(NAME, "incomplete header"));
        }
        tokens.push(String::from_utf8_lossy(&bytes[start..at]).to_string());
    }
    at += 1;
    let parse = |s: &str| s.parse::<u32>().map_err(|_| corrupt(NAME, "bad size"));
    let (w, h) = (parse(&tokens[0])?, parse(&tokens[1])?);
    let scale: f32 = tokens[2].parse().map_err(|_| corrupt(NAME, "bad scale"))?;
    check_size(NAME, w, h)?;
    let little = scale < 0.0;
    let n = w as usize * h as usize * channels;
    let data = bytes
        .get(at..at + n * 4)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    let values = f32s(data, little);
    // Most files hold 0..1 values: keep those as they are, stretch anything else.
    let stretch = match Stretch::range(values.iter().map(|&v| f64::from(v))) {
        Some((lo, hi)) if (lo < 0.0 || hi > 1.0) && hi > lo => Stretch::new(lo, hi),
        _ => Stretch::new(0.0, 1.0),
    };
    let img = RgbImage::from_fn(w, h, |x, y| {
        let i = ((h - 1 - y) as usize * w as usize + x as usize) * channels;
        let c = |k: usize| stretch.level(f64::from(values[i + k.min(channels - 1)]));
        image::Rgb([c(0), c(1), c(2)])
    });
    Ok(DynamicImage::ImageRgb8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_rows_bottom_up() {
        let mut b = b"PF\n1 2\n-1.0\n".to_vec();
        for v in [1.0f32, 0.0, 0.0, 0.0, 0.0, 1.0] {
            b.extend(v.to_le_bytes()); // bottom row red, top row blue
        }
        let img = decode(&b).expect("decode").to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(0, 1).0, [255, 0, 0]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(b"Pf\n100000 100000\n1.0\n"),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(b"Pf\n4 4\n1.0\n\0\0").is_err());
        assert!(decode(b"Pf\n4").is_err());
        assert!(decode(b"Pf\nx y z\n").is_err());
    }
}
