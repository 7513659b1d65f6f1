//! Files that are one of the `image` crate's formats in other clothes: a headerless Windows
//! bitmap (`.dib`, as on the clipboard), a cursor (`.cur`, an icon with hot spots), a QOI
//! file without its end marker, bitmaps with header quirks and icons whose directory
//! disagrees with the picture. Each is repaired and handed to that decoder.

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

/// Decode a bitmap the `image` crate refuses for a header quirk: a plane count other than 1,
/// an OS/2 2.x header (64 bytes, read as the 40-byte Windows one it starts with) or a
/// run-length bitmap stored top-down.
pub fn decode_bmp_repaired(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    const INFO_AT: usize = 14;
    let mut b = bytes.to_vec();
    let header = u32_le(&b, INFO_AT).ok_or_else(|| truncated("bmp"))?;
    if header == 64 {
        if b.len() < INFO_AT + 64 {
            return Err(truncated("bmp"));
        }
        let offset = u32_le(&b, 10).ok_or_else(|| truncated("bmp"))?;
        b.drain(INFO_AT + 40..INFO_AT + 64);
        b[10..14].copy_from_slice(&offset.saturating_sub(24).to_le_bytes());
        b[INFO_AT..INFO_AT + 4].copy_from_slice(&40u32.to_le_bytes());
    }
    if header < 40 {
        return decode_dynamic(&b, PhotoFormat::Bmp);
    }
    if let Some(planes) = b.get_mut(INFO_AT + 12..INFO_AT + 14) {
        planes.copy_from_slice(&1u16.to_le_bytes());
    }
    let height = u32_le(&b, INFO_AT + 8).ok_or_else(|| truncated("bmp"))? as i32;
    let compression = u32_le(&b, INFO_AT + 16).ok_or_else(|| truncated("bmp"))?;
    let flip = height < 0 && matches!(compression, 1 | 2);
    if flip {
        b[INFO_AT + 8..INFO_AT + 12].copy_from_slice(&height.unsigned_abs().to_le_bytes());
    }
    let img = decode_dynamic(&b, PhotoFormat::Bmp)?;
    Ok(if flip { img.flipv() } else { img })
}

/// Decode an icon whose directory gives other dimensions than its bitmap: the directory is
/// corrected from the bitmap headers.
pub fn decode_ico_repaired(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let mut b = bytes.to_vec();
    let count = usize::from(u16_le(bytes, 4).ok_or_else(|| truncated("ico"))?);
    for i in 0..count.min(256) {
        let entry = 6 + i * 16;
        let Some(at) = u32_le(bytes, entry + 12).map(|v| v as usize) else {
            break;
        };
        // Only bitmap entries (PNG entries carry their own size).
        if !u32_le(bytes, at).is_some_and(|s| s >= 40 && DIB_HEADER_SIZES.contains(&s)) {
            continue;
        }
        let (Some(w), Some(h)) = (u32_le(bytes, at + 4), u32_le(bytes, at + 8)) else {
            continue;
        };
        // A bitmap in an icon is twice as tall (picture + mask); 256 is stored as 0.
        let side = |v: u32| if v >= 256 { 0 } else { v as u8 };
        b[entry] = side(w);
        b[entry + 1] = side(h / 2);
    }
    decode_dynamic(&b, PhotoFormat::Ico)
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

    fn encoded(format: image::ImageFormat) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(16, 16, image::Rgba([200, 30, 40, 255]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), format)
            .expect("encode");
        out
    }

    #[test]
    fn bitmap_with_two_planes() {
        let mut bmp = encoded(image::ImageFormat::Bmp);
        bmp[26] = 2; // planes
        assert!(decode_dynamic(&bmp, PhotoFormat::Bmp).is_err());
        let img = decode_bmp_repaired(&bmp).expect("repaired").to_rgba8();
        assert_eq!(img.get_pixel(3, 3).0, [200, 30, 40, 255]);
    }

    #[test]
    fn icon_directory_disagreeing_with_its_bitmap() {
        // A 16x16 24-bit bitmap entry (height doubled for the mask) listed as 16x32.
        let mut info = Vec::new();
        info.extend(40u32.to_le_bytes());
        info.extend(16u32.to_le_bytes());
        info.extend(32u32.to_le_bytes());
        info.extend(1u16.to_le_bytes());
        info.extend(24u16.to_le_bytes());
        info.extend([0; 24]);
        for _ in 0..16 * 16 {
            info.extend([40, 30, 200]); // BGR
        }
        info.extend(vec![0u8; 16 * 4]); // the AND mask: 16 rows of 4 bytes
        let mut ico = vec![0, 0, 1, 0, 1, 0, 16, 32, 0, 0, 1, 0, 32, 0];
        ico.extend((info.len() as u32).to_le_bytes());
        ico.extend(22u32.to_le_bytes());
        ico.extend(&info);
        assert!(decode_dynamic(&ico, PhotoFormat::Ico).is_err());
        let img = decode_ico_repaired(&ico).expect("repaired").to_rgba8();
        assert_eq!(img.dimensions(), (16, 16));
        assert_eq!(img.get_pixel(3, 3).0[..3], [200, 30, 40]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(decode_bmp_repaired(b"BM\0\0").is_err());
        let mut os2 = encoded(image::ImageFormat::Bmp)[..60].to_vec();
        os2[14..18].copy_from_slice(&64u32.to_le_bytes());
        assert!(decode_bmp_repaired(&os2).is_err());
        assert!(decode_ico_repaired(&[0, 0, 1, 0, 9, 0]).is_err());
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
