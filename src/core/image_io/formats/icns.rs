//! Apple icon files (ICNS): the largest icon, whether stored as PNG, JPEG 2000 or the classic
//! run-length RGB with a separate mask (through the `icns` crate).

use super::{jpeg2000, truncated, u32_be};
use crate::core::image_io::generic::decode_dynamic;
use crate::core::image_io::{DecodeError, PhotoFormat, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "icns";
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Whether `head` starts like an ICNS file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"icns")
}

/// Decode the largest icon of an ICNS file.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let elements = elements(bytes)?;
    // Modern icons hold a whole PNG or JPEG 2000 file: the longest is the largest.
    let mut embedded: Vec<&[u8]> = elements
        .into_iter()
        .filter(|d| d.starts_with(PNG_MAGIC) || jpeg2000::sniff(d))
        .collect();
    embedded.sort_by_key(|d| std::cmp::Reverse(d.len()));
    let mut first_error = None;
    for data in embedded {
        let decoded = if data.starts_with(PNG_MAGIC) {
            decode_dynamic(data, PhotoFormat::Png)
        } else {
            jpeg2000::decode(data)
        };
        match decoded {
            Ok(img) => return Ok(img),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    // Classic icons: run-length RGB plus a mask element.
    let family = icns::IconFamily::read(bytes).map_err(|e| corrupt(NAME, e))?;
    let mut types = family.available_icons();
    types.sort_by_key(|t| std::cmp::Reverse(t.pixel_width()));
    for t in types {
        match family.get_icon_with_type(t) {
            Ok(icon) => {
                let rgba = icon.convert_to(icns::PixelFormat::RGBA);
                let (w, h) = (rgba.width(), rgba.height());
                if let Some(img) = RgbaImage::from_raw(w, h, rgba.into_data().into_vec()) {
                    return Ok(DynamicImage::ImageRgba8(img));
                }
            }
            Err(e) => {
                first_error.get_or_insert(corrupt(NAME, e));
            }
        }
    }
    Err(first_error.unwrap_or_else(|| corrupt(NAME, "no icon we can read in the file")))
}

/// The elements' data, with every length checked against the file (the `icns` crate
/// allocates what an element claims before reading it).
fn elements(bytes: &[u8]) -> Result<Vec<&[u8]>, DecodeError> {
    if !sniff(bytes) {
        return Err(corrupt(NAME, "missing the ICNS signature"));
    }
    let total = (u32_be(bytes, 4).ok_or_else(|| truncated(NAME))? as usize).min(bytes.len());
    let mut out = Vec::new();
    let mut at = 8;
    while at + 8 <= total {
        let len = u32_be(bytes, at + 4).ok_or_else(|| truncated(NAME))? as usize;
        if len < 8 || at + len > bytes.len() {
            return Err(corrupt(NAME, "an icon element is longer than the file"));
        }
        out.push(&bytes[at + 8..at + len]);
        at += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icns_with(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut b = b"icns".to_vec();
        b.extend(((16 + data.len()) as u32).to_be_bytes());
        b.extend(kind);
        b.extend(((8 + data.len()) as u32).to_be_bytes());
        b.extend(data);
        b
    }

    #[test]
    fn embedded_png_icon() {
        let img = RgbaImage::from_pixel(32, 32, image::Rgba([0, 128, 255, 255]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        let out = decode(&icns_with(b"ic05", &png))
            .expect("decode")
            .to_rgba8();
        assert_eq!(out.dimensions(), (32, 32));
        assert_eq!(out.get_pixel(5, 5).0, [0, 128, 255, 255]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let mut lying = icns_with(b"ic05", &[1, 2, 3]);
        lying[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(decode(&lying), Err(DecodeError::Corrupt { .. })));
        assert!(decode(b"icns").is_err());
        assert!(decode(&icns_with(b"ic05", b"\x89PNG\r\n\x1a\nbroken")).is_err());
        assert!(decode(&icns_with(b"is32", &[0; 4])).is_err());
    }
}
