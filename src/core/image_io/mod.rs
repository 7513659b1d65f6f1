//! Guarded photo decoding: magic-byte sniffing, size limits, panics caught, EXIF orientation
//! applied, JPEG DCT-domain downscaling so a 12 MP photo is never fully decoded for a 224 px input.
//!
//! [`PhotoFormat`] is the format key. Formats the `image` crate reads go through it (with a
//! lenient second reading for files it refuses over a quirk); the others have our own
//! decoders in [`formats`], one file each. Every decoder runs inside the same panic guard, and
//! [`decode_bounded_as`] adds the time bound.

mod error;
mod format;
pub mod formats;
pub(crate) mod generic;
pub(crate) mod jpeg;
mod resize;
mod sniff;
mod tiff_fallback;

pub use error::DecodeError;
pub use format::{PHOTO_EXTENSIONS, PhotoFormat, is_photo_extension, photo_extensions_any_case};
pub use resize::{fit_within, resize_exact};
pub use sniff::{known_unsupported, sniff_file, sniff_format, unknown};

use crate::core::guard::catch_any;
use image::{DynamicImage, RgbImage};
use std::path::Path;

/// Largest file we read into memory (bytes).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Largest image area (pixels) we decode; anything larger is treated as a decompression bomb.
/// The same bound as Pillow's `DecompressionBombError` (2 x 89 478 485 px).
pub const MAX_PIXELS: u64 = 178_956_970;
/// Largest image side (px) we accept (long thin images are fine up to this).
pub const MAX_SIDE_PX: u32 = 65_535;
/// Largest decoded allocation (bytes).
pub const MAX_ALLOC_BYTES: u64 = 1024 * 1024 * 1024;

/// Per-file decode time bound used by the indexer.
pub const DECODE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// [`decode`] on a helper thread with a time bound: a decoder stuck on a hostile file costs one
/// [`DecodeError::TimedOut`] for that file (the helper thread finishes on its own later).
pub fn decode_bounded(
    bytes: Vec<u8>,
    min_side_px: u32,
    timeout: std::time::Duration,
) -> Result<Decoded, DecodeError> {
    let format = sniff_format(&bytes).ok_or_else(|| unknown(&bytes))?;
    decode_bounded_as(bytes, format, min_side_px, timeout)
}

/// [`decode_bounded`] for a format already sniffed (e.g. by [`sniff_file`]).
pub fn decode_bounded_as(
    bytes: Vec<u8>,
    format: PhotoFormat,
    min_side_px: u32,
    timeout: std::time::Duration,
) -> Result<Decoded, DecodeError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let _ = tx.send(decode_as(&bytes, format, min_side_px));
        });
    if spawned.is_err() {
        return Err(DecodeError::Read("cannot start a decoder thread".into()));
    }
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Err(DecodeError::TimedOut(timeout.as_secs()))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(DecodeError::Panicked("image".into()))
        }
    }
}

/// A decoded, upright photo, reduced to roughly the size the embedders need.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Upright RGB pixels (EXIF orientation applied, alpha composited over white).
    pub image: RgbImage,
    /// Full-resolution width of the upright photo.
    pub width: u32,
    /// Full-resolution height of the upright photo.
    pub height: u32,
    /// Detected container format, e.g. "jpeg".
    pub format: &'static str,
    /// EXIF orientation tag value (1 = upright).
    pub orientation: u8,
}

/// Read a whole file with the size limit applied.
pub fn read_file(path: &Path) -> Result<Vec<u8>, DecodeError> {
    let meta = std::fs::metadata(path).map_err(|e| DecodeError::Read(e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(DecodeError::TooLarge(meta.len()));
    }
    std::fs::read(path).map_err(|e| DecodeError::Read(e.to_string()))
}

/// Decode `bytes` into an upright RGB photo whose shorter side is at least `min_side_px`
/// (or the full size when smaller). Never panics: decoder panics become [`DecodeError::Panicked`].
pub fn decode(bytes: &[u8], min_side_px: u32) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let format = sniff_format(bytes).ok_or_else(|| unknown(bytes))?;
    decode_as(bytes, format, min_side_px)
}

/// [`decode`] for the bytes of the file at `path`: also decodes formats recognised only by
/// their name (TGA).
pub fn decode_named(bytes: &[u8], path: &Path, min_side_px: u32) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let format = sniff_file(bytes, path).ok_or_else(|| unknown(bytes))?;
    decode_as(bytes, format, min_side_px)
}

/// Decode `bytes` as `format` (see [`decode`]).
pub fn decode_as(
    bytes: &[u8],
    format: PhotoFormat,
    min_side_px: u32,
) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let name = format.name();
    let result = catch_any(|| decode_unguarded(bytes, format, min_side_px));
    match result {
        Ok(r) => r,
        Err(_) => Err(DecodeError::Panicked(name.to_string())),
    }
}

/// Pick the decoder for `format`; [`decode_as`] catches its panics.
fn decode_unguarded(
    bytes: &[u8],
    format: PhotoFormat,
    min_side_px: u32,
) -> Result<Decoded, DecodeError> {
    match format {
        PhotoFormat::Jpeg => match jpeg::decode_jpeg_scaled(bytes, min_side_px) {
            Ok(Some(d)) => Ok(d),
            // A layout the fast path does not take: use the general decoder.
            Ok(None) => generic::decode_generic(bytes, format),
            // The general decoder is more lenient with damaged files; keep the first
            // error when it fails too.
            Err(e) => generic::decode_generic(bytes, format).map_err(|_| e),
        },
        PhotoFormat::Tiff => {
            let generic = catch_any(|| generic::decode_generic(bytes, format))
                .unwrap_or_else(|_| Err(DecodeError::Panicked(format.name().to_string())));
            if let Err(
                DecodeError::UnsupportedVariant { .. }
                | DecodeError::Corrupt { .. }
                | DecodeError::Panicked(_),
            ) = &generic
            {
                let fallback = catch_any(|| tiff_fallback::decode_tiff_fallback(bytes))
                    .unwrap_or(Err(DecodeError::Panicked("tiff".into())));
                if let Ok(d) = fallback {
                    return Ok(d);
                }
                // Layouts both crates refuse (CIELab, 1-bit palettes, fax fill orders...).
                if let Ok(Ok(img)) = catch_any(|| formats::tiff_strips::decode(bytes)) {
                    return Ok(finish(img, format));
                }
            }
            generic
        }
        // Files the `image` crate refuses for a quirk get a second, more lenient reading; the
        // first error is the one reported when both fail.
        PhotoFormat::Gif => with_fallback(bytes, format, formats::gif_lenient::decode),
        PhotoFormat::Qoi => with_fallback(bytes, format, formats::rewrap::decode_qoi_unterminated),
        PhotoFormat::Bmp => with_fallback(bytes, format, formats::rewrap::decode_bmp_repaired),
        PhotoFormat::Ico => with_fallback(bytes, format, formats::rewrap::decode_ico_repaired),
        PhotoFormat::Tga => with_fallback(bytes, format, formats::tga::decode),
        PhotoFormat::Eps => {
            let preview = formats::eps::tiff_preview(bytes)?;
            decode_unguarded(preview, PhotoFormat::Tiff, min_side_px).map(|d| Decoded {
                format: format.name(),
                ..d
            })
        }
        PhotoFormat::Heic => formats::heic::decode(bytes, min_side_px),
        PhotoFormat::Avif => formats::avif::decode(bytes, min_side_px),
        PhotoFormat::Jxl => formats::jxl::decode(bytes, min_side_px),
        PhotoFormat::Raw(kind) => formats::raw::decode(bytes, kind, min_side_px),
        // The `image` crate reads a few DDS layouts too: try it when ours fails.
        PhotoFormat::Dds => own(formats::niche::dds::decode(bytes), format)
            .or_else(|e| generic::decode_generic(bytes, format).map_err(|_| e)),
        _ => match formats::decode(bytes, format) {
            Some(result) => own(result, format),
            None => generic::decode_generic(bytes, format),
        },
    }
}

/// The `image` crate's reading of `bytes`, else `fallback`'s.
fn with_fallback(
    bytes: &[u8],
    format: PhotoFormat,
    fallback: fn(&[u8]) -> Result<DynamicImage, DecodeError>,
) -> Result<Decoded, DecodeError> {
    generic::decode_generic(bytes, format).or_else(|e| {
        catch_any(|| fallback(bytes)).map_or(Err(e.clone()), |r| own(r, format).map_err(|_| e))
    })
}

/// The result of one of our own decoders, as a [`Decoded`].
fn own(
    img: Result<DynamicImage, DecodeError>,
    format: PhotoFormat,
) -> Result<Decoded, DecodeError> {
    img.map(|img| finish(img, format))
}

/// An upright picture from one of our own decoders, as a [`Decoded`].
fn finish(img: DynamicImage, format: PhotoFormat) -> Decoded {
    let (width, height) = (img.width(), img.height());
    Decoded {
        image: generic::to_rgb_over_white(img),
        width,
        height,
        format: format.name(),
        orientation: 1,
    }
}

/// Refuse decompression bombs before any pixel is allocated.
pub(crate) fn check_dimensions(w: u32, h: u32) -> Result<(), DecodeError> {
    if w > MAX_SIDE_PX || h > MAX_SIDE_PX || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(DecodeError::TooManyPixels(w, h));
    }
    Ok(())
}

/// A [`DecodeError::Corrupt`] for `format`.
pub(crate) fn corrupt(format: &str, reason: impl ToString) -> DecodeError {
    DecodeError::Corrupt {
        format: format.to_string(),
        reason: reason.to_string(),
    }
}
