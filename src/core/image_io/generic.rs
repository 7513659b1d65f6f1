//! Formats read by the `image` crate, with our limits, orientation and alpha handling.

use super::jpeg::orientation_to_exif;
use super::{DecodeError, Decoded, MAX_ALLOC_BYTES, PhotoFormat, check_dimensions, corrupt};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};
use std::io::Cursor;

fn limits() -> Limits {
    let mut l = Limits::default();
    // Dimensions are checked by `check_dimensions` (for a message that names the problem);
    // `max_alloc` is raised from its default so that large legitimate photos (100 MP+) decode.
    l.max_image_width = None;
    l.max_image_height = None;
    l.max_alloc = Some(MAX_ALLOC_BYTES);
    l
}

/// Decode with the `image` crate into its own pixel type (for containers such as ICNS that
/// embed whole files), with our limits and dimension checks.
pub(super) fn decode_dynamic(
    bytes: &[u8],
    format: PhotoFormat,
) -> Result<DynamicImage, DecodeError> {
    let name = format.name();
    let Some(image_format) = format.image_format() else {
        return Err(DecodeError::Unsupported(name));
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(|e| map_image_err(name, e))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(corrupt(name, "zero dimensions"));
    }
    check_dimensions(w, h)?;
    DynamicImage::from_decoder(decoder).map_err(|e| map_image_err(name, e))
}

/// Decode with the `image` crate (`format` must have an [`PhotoFormat::image_format`]).
pub(super) fn decode_generic(bytes: &[u8], format: PhotoFormat) -> Result<Decoded, DecodeError> {
    let name = format.name();
    let Some(image_format) = format.image_format() else {
        return Err(DecodeError::Unsupported(name));
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| map_image_err(name, e))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(corrupt(name, "zero dimensions"));
    }
    check_dimensions(w, h)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| map_image_err(name, e))?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    Ok(Decoded {
        image: to_rgb_over_white(img),
        width,
        height,
        format: name,
        orientation: orientation_to_exif(orientation),
    })
}

pub(super) fn map_image_err(name: &str, e: image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => DecodeError::OverMemoryLimit,
        image::ImageError::Unsupported(u) => DecodeError::UnsupportedVariant {
            format: name.to_string(),
            reason: u.to_string(),
        },
        other => corrupt(name, other),
    }
}

/// Composite transparent pixels over white so alpha never leaks garbage colours into embeddings.
pub(crate) fn to_rgb_over_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(src[3]);
        for c in 0..3 {
            dst[c] = ((u32::from(src[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}
