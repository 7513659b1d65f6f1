//! JPEG through jpeg-decoder with DCT-domain downscaling, and EXIF orientation helpers.

use super::{DecodeError, Decoded, MAX_ALLOC_BYTES, check_dimensions, corrupt};
use image::{DynamicImage, RgbImage};
use std::io::Cursor;

/// JPEG through jpeg-decoder with DCT-domain downscaling. `Ok(None)` for CMYK, which the general
/// decoder converts more faithfully.
pub(crate) fn decode_jpeg_scaled(
    bytes: &[u8],
    min_side_px: u32,
) -> Result<Option<Decoded>, DecodeError> {
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    dec.read_info().map_err(|e| corrupt("jpeg", e))?;
    let info = dec
        .info()
        .ok_or_else(|| corrupt("jpeg", "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w == 0 || h == 0 {
        return Err(corrupt("jpeg", "zero dimensions"));
    }
    check_dimensions(w, h)?;
    if info.pixel_format == jpeg_decoder::PixelFormat::CMYK32 {
        return Ok(None);
    }
    let orientation = dec.exif_data().map(exif_orientation).unwrap_or(1);
    let req = min_side_px.max(1);
    let (rw, rh) = (w.min(req) as u16, h.min(req) as u16);
    dec.scale(rw, rh).map_err(|e| corrupt("jpeg", e))?;
    dec.set_max_decoding_buffer_size(MAX_ALLOC_BYTES as usize);
    let pixels = dec.decode().map_err(|e| corrupt("jpeg", e))?;
    let info = dec
        .info()
        .ok_or_else(|| corrupt("jpeg", "no frame header"))?;
    let (sw, sh) = (u32::from(info.width), u32::from(info.height));
    let img = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(sw, sh, pixels),
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(sw, sh, pixels)
            .map(|g| DynamicImage::ImageLuma8(g).to_rgb8()),
        jpeg_decoder::PixelFormat::L16 => {
            let px: Vec<u16> = pixels
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            image::ImageBuffer::<image::Luma<u16>, _>::from_raw(sw, sh, px)
                .map(|g| DynamicImage::ImageLuma16(g).to_rgb8())
        }
        jpeg_decoder::PixelFormat::CMYK32 => None,
    };
    let img = img.ok_or_else(|| corrupt("jpeg", "decoded buffer has the wrong size"))?;
    let mut dynimg = DynamicImage::ImageRgb8(img);
    dynimg.apply_orientation(orientation_from_exif(orientation));
    let (width, height) = if orientation >= 5 { (h, w) } else { (w, h) };
    Ok(Some(Decoded {
        image: dynimg.into_rgb8(),
        width,
        height,
        format: "jpeg",
        orientation,
    }))
}

/// Orientation tag value from a raw EXIF block (APP1 payload without the "Exif\0\0" header).
pub(crate) fn exif_orientation(raw: &[u8]) -> u8 {
    let Ok(exif) = exif::Reader::new().read_raw(raw.to_vec()) else {
        return 1;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u8)
}

pub(crate) fn orientation_from_exif(v: u8) -> image::metadata::Orientation {
    image::metadata::Orientation::from_exif(v).unwrap_or(image::metadata::Orientation::NoTransforms)
}

pub(super) fn orientation_to_exif(o: image::metadata::Orientation) -> u8 {
    o.to_exif()
}
