//! X BitMap: C source text with `#define NAME_width`/`_height` and a byte array of bits, least
//! significant bit first, 1 = black.

use super::{check_data_size, check_size};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, GrayImage};

const NAME: &str = "xbm";

/// Whether `head` starts like an XBM file (a `#define ..._width`, maybe after a comment).
pub fn sniff(head: &[u8]) -> bool {
    let head = &head[..head.len().min(512)];
    let text = String::from_utf8_lossy(head);
    let body = text.trim_start();
    let body = if body.starts_with("/*") {
        body.find("*/").map_or("", |p| body[p + 2..].trim_start())
    } else {
        body
    };
    body.starts_with("#define") && body.lines().next().is_some_and(|l| l.contains("_width"))
}

/// Decode an XBM image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let text = String::from_utf8_lossy(bytes);
    let define = |suffix: &str| -> Option<u32> {
        text.lines().find_map(|l| {
            let mut t = l.split_whitespace();
            if t.next()? != "#define" || !t.next()?.ends_with(suffix) {
                return None;
            }
            t.next()?.parse().ok()
        })
    };
    let w = define("_width").ok_or_else(|| corrupt(NAME, "no width"))?;
    let h = define("_height").ok_or_else(|| corrupt(NAME, "no height"))?;
    check_size(NAME, w, h)?;
    let open = text
        .find('{')
        .ok_or_else(|| corrupt(NAME, "no bits array"))?;
    let body = &text[open + 1..];
    let body = &body[..body.find('}').unwrap_or(body.len())];
    let row_bytes = w.div_ceil(8) as usize;
    let needed = row_bytes * h as usize;
    check_data_size(NAME, bytes.len(), needed * 4, 1)?;
    let mut bits = Vec::with_capacity(needed);
    for token in body.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if bits.len() == needed {
            break;
        }
        let hex = token
            .strip_prefix("0x")
            .or_else(|| token.strip_prefix("0X"))
            .ok_or_else(|| corrupt(NAME, format!("bad value {token:.16}")))?;
        // X10 files use 16-bit words; keep the low byte order (rare; first byte only).
        let v = u16::from_str_radix(hex, 16)
            .map_err(|_| corrupt(NAME, format!("bad value {token:.16}")))?;
        bits.push((v & 0xff) as u8);
    }
    if bits.len() < needed {
        return Err(corrupt(NAME, "the bits array ends early (truncated)"));
    }
    let img = GrayImage::from_fn(w, h, |x, y| {
        let byte = bits[y as usize * row_bytes + x as usize / 8];
        let set = byte & (1 << (x % 8)) != 0;
        image::Luma([if set { 0 } else { 255 }])
    });
    Ok(DynamicImage::ImageLuma8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_lsb_first_and_black() {
        let src = "#define t_width 10\n#define t_height 2\nstatic char t_bits[] = {\n 0x01, 0x02, 0xff, 0x03 };\n";
        assert!(sniff(src.as_bytes()));
        let img = decode(src.as_bytes()).expect("decode").to_luma8();
        assert_eq!(img.dimensions(), (10, 2));
        assert_eq!(img.get_pixel(0, 0).0, [0]);
        assert_eq!(img.get_pixel(1, 0).0, [255]);
        assert_eq!(img.get_pixel(9, 0).0, [0]);
        assert_eq!(img.get_pixel(8, 0).0, [255]);
        assert_eq!(img.get_pixel(9, 1).0, [0]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let huge = "#define t_width 99999999\n#define t_height 99999999\n{ 0x00 }";
        assert!(matches!(
            decode(huge.as_bytes()),
            Err(DecodeError::TooManyPixels(..))
        ));
        let short = "#define t_width 16\n#define t_height 16\n{ 0x00, 0x01 }";
        assert!(matches!(
            decode(short.as_bytes()),
            Err(DecodeError::Corrupt { .. })
        ));
        assert!(decode(b"#define t_width 4\n").is_err());
        assert!(!sniff(b"int main() {}"));
    }
}
