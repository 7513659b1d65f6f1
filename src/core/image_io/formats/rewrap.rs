//! Files that are one of the `image` crate's formats in other clothes: a headerless Windows
//! bitmap (`.dib`, as on the clipboard), a cursor (`.cur`, an icon with hot spots) and a QOI
//! file without its end marker. Each is rewrapped and handed to that decoder.

use super::{truncated, u16_le, u32_le};
use crate::core::image_io::generic::decode_dynamic;
use crate::core::image_io::{DecodeError, PhotoFormat};
use image::DynamicImage;

/// BITMAPINFOHEADER sizes a headerless bitmap can start with.
const DIB_HEADER_SIZES: [u32; 6] = [12, 40, 52, 56, 108, 124];
const BI_BITFIELDS: u32 = 3;
const QOI_END: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 1];

/// Whether `head` starts like a bitmap info header (used with the `.dib` name only).
pub fn sniff_dib(head: &[u8]) -> bool {
    u32_le(head, 0).is_some_and(|s| DIB_HEADER_SIZES.contains(&s)) && u16_le(head, 12) == Some(1)
}

/// Whether `head` starts like a Windows cursor.
pub fn sniff_cur(head: &[u8]) -> bool {
    head.starts_with(&[0, 0, 2, 0]) && u16_le(head, 4).is_some_and(|n| n > 0)
}

/// Decode a headerless bitmap by giving it the 14-byte file header it lacks.
pub fn decode_dib(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let header = u32_le(bytes, 0).ok_or_else(|| truncated("dib"))?;
    let pixels_at = if header == 12 {
        let bits = u16_le(bytes, 10).ok_or_else(|| truncated("dib"))?;
        12 + if bits <= 8 { 3u32 << bits } else { 0 }
    } else {
        let bits = u16_le(bytes, 14).ok_or_else(|| truncated("dib"))?;
        let compression = u32_le(bytes, 16).ok_or_else(|| truncated("dib"))?;
        let used = u32_le(bytes, 32).ok_or_else(|| truncated("dib"))?;
        let colours = match (used, bits) {
            (0, b) if b <= 8 => 1u32 << b,
            (n, _) => n.min(256),
        };
        let masks = if header == 40 && compression == BI_BITFIELDS {
            12
        } else {
            0
        };
        header + masks + colours * 4
    };
    let mut file = Vec::with_capacity(bytes.len() + 14);
    file.extend(b"BM");
    file.extend((bytes.len() as u32).saturating_add(14).to_le_bytes());
    file.extend([0; 4]);
    file.extend(pixels_at.saturating_add(14).to_le_bytes());
    file.extend(bytes);
    decode_dynamic(&file, PhotoFormat::Bmp)
}

/// Decode a cursor as the icon it is laid out like.
pub fn decode_cur(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let mut icon = bytes.to_vec();
    if let Some(kind) = icon.get_mut(2) {
        *kind = 1;
    }
    // Cursor directory entries hold hot-spot coordinates where icons hold planes and depth.
    let count = usize::from(u16_le(bytes, 4).ok_or_else(|| truncated("cur"))?);
    for i in 0..count {
        let entry = 6 + i * 16;
        if let Some(fields) = icon.get_mut(entry + 4..entry + 8) {
            fields.copy_from_slice(&[1, 0, 0, 0]);
        }
    }
    decode_dynamic(&icon, PhotoFormat::Ico)
}

/// Decode a QOI file, adding the end marker when the encoder left it out.
pub fn decode_qoi_unterminated(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let mut fixed = bytes.to_vec();
    fixed.extend(QOI_END);
    decode_dynamic(&fixed, PhotoFormat::Qoi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headerless_bitmap() {
        // 1x1 24-bit BITMAPINFOHEADER, one blue pixel (BGR) padded to 4 bytes.
        let mut b = Vec::new();
        b.extend(40u32.to_le_bytes());
        b.extend(1i32.to_le_bytes());
        b.extend(1i32.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(24u16.to_le_bytes());
        b.extend([0; 24]);
        b.extend([255, 0, 0, 0]);
        assert!(sniff_dib(&b));
        let img = decode_dib(&b).expect("decode").to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 255]);
    }

    #[test]
    fn unterminated_qoi() {
        // 1x1 RGB, QOI_OP_RGB (0xfe) red, no end marker.
        let mut b = b"qoif".to_vec();
        b.extend(1u32.to_be_bytes());
        b.extend(1u32.to_be_bytes());
        b.extend([3, 0, 0xfe, 255, 0, 0]);
        let img = decode_qoi_unterminated(&b).expect("decode").to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let mut huge = Vec::new();
        huge.extend(40u32.to_le_bytes());
        huge.extend(100_000i32.to_le_bytes());
        huge.extend(100_000i32.to_le_bytes());
        huge.extend(1u16.to_le_bytes());
        huge.extend(24u16.to_le_bytes());
        huge.extend([0; 24]);
        assert!(decode_dib(&huge).is_err());
        assert!(decode_dib(&[40, 0]).is_err());
        assert!(decode_cur(&[0, 0, 2, 0, 1, 0, 32, 32]).is_err());
        assert!(decode_qoi_unterminated(b"qoif\0\0\xff\xff\0\0\xff\xff\x03\0").is_err());
    }
}
