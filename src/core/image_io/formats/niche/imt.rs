//! IM Tools images (`.imt`): a text header of `width`, `height` and `pixel n8` lines ended
//! by a form feed, then 8-bit gray pixels.

use super::check_size;
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage};

const NAME: &str = "imt";
const MAX_HEADER: usize = 1024;

/// Whether `head` starts like an IM Tools header (a comment or a width line, a form feed).
pub fn sniff(head: &[u8]) -> bool {
    let head = &head[..head.len().min(MAX_HEADER)];
    (head.starts_with(b"*") || head.starts_with(b"width "))
        && head.contains(&0x0c)
        && head.windows(8).any(|w| w == b"\nheight ")
}

/// Decode an IM Tools image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let end = bytes
        .iter()
        .take(MAX_HEADER)
        .position(|&b| b == 0x0c)
        .ok_or_else(|| corrupt(NAME, "header has no end marker"))?;
    let header = String::from_utf8_lossy(&bytes[..end]).to_string();
    let value = |key: &str| {
        header.lines().find_map(|l| {
            let mut t = l.split_whitespace();
            (t.next()? == key).then(|| t.next().map(str::to_string))?
        })
    };
    let num = |key: &str| -> Result<u32, DecodeError> {
        value(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| corrupt(NAME, format!("no {key}")))
    };
    let (w, h) = (num("width")?, num("height")?);
    check_size(NAME, w, h)?;
    if value("pixel").is_some_and(|p| p != "n8") {
        return Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: "pixels other than 8-bit gray".into(),
        });
    }
    let at = end + 1;
    let px = bytes
        .get(at..at + w as usize * h as usize)
        .ok_or_else(|| corrupt(NAME, "the file ends early (truncated)"))?;
    GrayImage::from_raw(w, h, px.to_vec())
        .map(DynamicImage::ImageLuma8)
        .ok_or_else(|| corrupt(NAME, "bad size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gray_pixels() {
        let mut b = b"*comment\nwidth 2\nheight 1\npixel n8\n\x0c".to_vec();
        b.extend([10, 250]);
        assert!(sniff(&b));
        let img = decode(&b).expect("decode").to_luma8();
        assert_eq!(img.get_pixel(1, 0).0, [250]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        assert!(matches!(
            decode(b"width 99999\nheight 99999\n\x0c"),
            Err(DecodeError::TooManyPixels(..))
        ));
        assert!(decode(b"width 4\nheight 4\n\x0c\x01").is_err());
        assert!(decode(b"width 4\nheight 4\n").is_err());
        assert!(decode(b"width 1\nheight 1\npixel n16\n\x0c\0\0").is_err());
    }
}
