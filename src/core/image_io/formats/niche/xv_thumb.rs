//! XV thumbnails (`P7 332`): 8-bit pixels of 3 bits red, 3 green, 2 blue.

use super::check_size;
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbImage};

const NAME: &str = "xvthumb";

/// Whether `head` starts like an XV thumbnail (before the netpbm `P7` check).
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"P7 332")
}

/// Decode an XV thumbnail.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    // Header lines: the signature, comments, then "width height maxval".
    let mut at = 0;
    let mut size_line = None;
    for index in 0..1024 {
        let end = bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| at + p)
            .ok_or_else(|| corrupt(NAME, "header ends early"))?;
        let line = String::from_utf8_lossy(&bytes[at..end]).to_string();
        at = end + 1;
        if index > 0 && !line.starts_with('#') {
            size_line = Some(line);
            break;
        }
    }
    let line = size_line.ok_or_else(|| corrupt(NAME, "no size line"))?;
    let nums: Vec<u32> = line
        .split_whitespace()
        .map(|t| t.parse().map_err(|_| corrupt(NAME, "bad size")))
        .collect::<Result<_, _>>()?;
    let [w, h, ..] = nums[..] else {
        return Err(corrupt(NAME, "bad size"));
    };
    check_size(NAME, w, h)?;
    let px = bytes
        .get(at..at + w as usize * h as usize)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    let img = RgbImage::from_fn(w, h, |x, y| {
        let v = px[y as usize * w as usize + x as usize];
        let scale = |bits: u8, max: u8| {
            ((u16::from(bits) * 255 + u16::from(max) / 2) / u16::from(max)) as u8
        };
        image::Rgb([scale(v >> 5, 7), scale((v >> 2) & 7, 7), scale(v & 3, 3)])
    });
    Ok(DynamicImage::ImageRgb8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_three_two_pixels() {
        let mut b = b"P7 332\n#XVVERSION:Version 2.28\n#END_OF_COMMENTS\n2 1 255\n".to_vec();
        b.extend([0b1110_0000, 0b0000_0011]); // RRRGGGBB: red, blue
        let img = decode(&b).expect("decode").to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(1, 0).0, [0, 0, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(b"P7 332\n99999 99999 255\n"),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(b"P7 332\n4 4 255\n\x01").is_err());
        assert!(decode(b"P7 332").is_err());
    }
}
