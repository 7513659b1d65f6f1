//! IFUNC/LabEye `.im` images (as written by Pillow): a text header up to a Ctrl-Z, pixels from
//! byte 512 on, bottom row first; gray ("L"), and RGB stored line by line (a red row, a green
//! row, a blue row).

use super::check_size;
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage, RgbImage};

const NAME: &str = "im";
const DATA_AT: usize = 512;

/// Whether `head` starts like an IM header.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"Image type:")
}

/// Decode an IM image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let end = bytes
        .iter()
        .take(DATA_AT)
        .position(|&b| b == 0x1a)
        .ok_or_else(|| corrupt(NAME, "header has no end marker"))?;
    let header = String::from_utf8_lossy(&bytes[..end]).to_string();
    let value = |key: &str| {
        header
            .lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    let kind = value("Image type:").ok_or_else(|| corrupt(NAME, "no image type"))?;
    let size = value("Image size (x*y):").ok_or_else(|| corrupt(NAME, "no image size"))?;
    let (w, h) = size
        .split_once('*')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
        .ok_or_else(|| corrupt(NAME, "bad image size"))?;
    check_size(NAME, w, h)?;
    let (wu, hu) = (w as usize, h as usize);
    let channels = match kind.split_whitespace().next() {
        Some("RGB") => 3,
        Some("L" | "greyscale" | "grayscale") => 1,
        other => {
            return Err(DecodeError::UnsupportedVariant {
                format: NAME.into(),
                reason: format!("image type {}", other.unwrap_or("?")),
            });
        }
    };
    let px = bytes
        .get(DATA_AT..DATA_AT + wu * hu * channels)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    if channels == 1 {
        let img = GrayImage::from_fn(w, h, |x, y| {
            image::Luma([px[(hu - 1 - y as usize) * wu + x as usize]])
        });
        return Ok(DynamicImage::ImageLuma8(img));
    }
    // Rows are stored bottom first.
    let img = RgbImage::from_fn(w, h, |x, y| {
        let row = &px[(hu - 1 - y as usize) * wu * 3..];
        let x = x as usize;
        image::Rgb([row[x], row[wu + x], row[2 * wu + x]])
    });
    Ok(DynamicImage::ImageRgb8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn im(kind: &str, w: u32, h: u32, px: &[u8]) -> Vec<u8> {
        let mut b =
            format!("Image type: {kind} image\r\nImage size (x*y): {w}*{h}\r\n").into_bytes();
        b.push(0x1a);
        b.resize(DATA_AT, 0);
        b.extend(px);
        b
    }

    #[test]
    fn line_interleaved_rgb() {
        // 2x1: row R = 10 20, G = 30 40, B = 50 60.
        let img = decode(&im("RGB", 2, 1, &[10, 20, 30, 40, 50, 60]))
            .expect("decode")
            .to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [10, 30, 50]);
        assert_eq!(img.get_pixel(1, 0).0, [20, 40, 60]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(&im("RGB", 1 << 20, 1 << 20, &[])),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(&im("RGB", 8, 8, &[0; 10])).is_err());
        assert!(decode(&im("CMYK", 1, 1, &[0; 4])).is_err());
        assert!(decode(b"Image type: RGB image\r\n").is_err());
    }
}
