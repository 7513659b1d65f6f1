//! Guarded photo decoding: magic-byte sniffing, size limits, panics caught, EXIF orientation
//! applied, JPEG DCT-domain downscaling so a 12 MP photo is never fully decoded for a 224 px input.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Largest file we read into memory (bytes).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Largest image side (px) we accept; anything larger is treated as a decompression bomb.
pub const MAX_SIDE_PX: u32 = 30_000;
/// Largest decoded allocation (bytes).
pub const MAX_ALLOC_BYTES: u64 = 1024 * 1024 * 1024;

/// Why a photo could not be decoded, worded for a person.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum DecodeError {
    /// The file is empty.
    #[error("empty file")]
    Empty,
    /// The bytes are not an image format we know.
    #[error("not an image (unknown format)")]
    UnknownFormat,
    /// The file is larger than we are willing to read.
    #[error("file too large ({0} bytes)")]
    TooLarge(u64),
    /// The declared dimensions exceed the limits (possible decompression bomb).
    #[error("image dimensions {0}x{1} exceed the limit of {MAX_SIDE_PX} px per side")]
    TooManyPixels(u32, u32),
    /// The decoder reported corrupt or truncated data.
    #[error("corrupt or truncated {format} data: {reason}")]
    Corrupt {
        /// Detected format.
        format: String,
        /// Decoder message.
        reason: String,
    },
    /// The decoder panicked (a bug in it, triggered by this file).
    #[error("the {0} decoder crashed on this file")]
    Panicked(String),
    /// The file could not be read.
    #[error("cannot read file: {0}")]
    Read(String),
    /// Decoding took longer than the per-file time bound.
    #[error("decoding took longer than {0} s; skipped")]
    TimedOut(u64),
}

/// Per-file decode time bound used by the indexer.
pub const DECODE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// [`decode`] on a helper thread with a time bound: a decoder stuck on a hostile file costs one
/// [`DecodeError::TimedOut`] for that file (the helper thread finishes on its own later).
pub fn decode_bounded(
    bytes: Vec<u8>,
    min_side_px: u32,
    timeout: std::time::Duration,
) -> Result<Decoded, DecodeError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let _ = tx.send(decode(&bytes, min_side_px));
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

/// Sniff the image format from the first bytes. `None` when it is not an image we decode.
pub fn sniff_format(head: &[u8]) -> Option<ImageFormat> {
    let f = image::guess_format(head).ok()?;
    match f {
        ImageFormat::Jpeg
        | ImageFormat::Png
        | ImageFormat::Gif
        | ImageFormat::WebP
        | ImageFormat::Tiff
        | ImageFormat::Bmp => Some(f),
        _ => None,
    }
}

/// Short lowercase name of a format.
pub fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::Gif => "gif",
        ImageFormat::WebP => "webp",
        ImageFormat::Tiff => "tiff",
        ImageFormat::Bmp => "bmp",
        _ => "other",
    }
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
    let format = sniff_format(bytes).ok_or(DecodeError::UnknownFormat)?;
    let name = format_name(format);
    let result = catch_unwind(AssertUnwindSafe(|| {
        if format == ImageFormat::Jpeg {
            match decode_jpeg_scaled(bytes, min_side_px) {
                Ok(Some(d)) => return Ok(d),
                Ok(None) => {} // a layout the fast path does not take: use the general decoder
                // The general decoder is more lenient with damaged files; keep the first
                // error when it fails too.
                Err(e) => return decode_generic(bytes, format).map_err(|_| e),
            }
        }
        decode_generic(bytes, format)
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err(DecodeError::Panicked(name.to_string())),
    }
}

fn corrupt(format: &str, reason: impl ToString) -> DecodeError {
    DecodeError::Corrupt {
        format: format.to_string(),
        reason: reason.to_string(),
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE_PX);
    l.max_image_height = Some(MAX_SIDE_PX);
    l.max_alloc = Some(MAX_ALLOC_BYTES);
    l
}

/// JPEG through jpeg-decoder with DCT-domain downscaling. `Ok(None)` for CMYK, which the general
/// decoder converts more faithfully.
fn decode_jpeg_scaled(bytes: &[u8], min_side_px: u32) -> Result<Option<Decoded>, DecodeError> {
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    dec.read_info().map_err(|e| corrupt("jpeg", e))?;
    let info = dec
        .info()
        .ok_or_else(|| corrupt("jpeg", "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w == 0 || h == 0 {
        return Err(corrupt("jpeg", "zero dimensions"));
    }
    if w > MAX_SIDE_PX || h > MAX_SIDE_PX {
        return Err(DecodeError::TooManyPixels(w, h));
    }
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

fn decode_generic(bytes: &[u8], format: ImageFormat) -> Result<Decoded, DecodeError> {
    let name = format_name(format);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| map_image_err(name, e))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(corrupt(name, "zero dimensions"));
    }
    if w > MAX_SIDE_PX || h > MAX_SIDE_PX {
        return Err(DecodeError::TooManyPixels(w, h));
    }
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

fn map_image_err(name: &str, e: image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Limits(l) => corrupt(name, format!("exceeds decoding limits ({l})")),
        other => corrupt(name, other),
    }
}

/// Composite transparent pixels over white so alpha never leaks garbage colours into embeddings.
fn to_rgb_over_white(img: DynamicImage) -> RgbImage {
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

/// Orientation tag value from a raw EXIF block (APP1 payload without the "Exif\0\0" header).
fn exif_orientation(raw: &[u8]) -> u8 {
    let Ok(exif) = exif::Reader::new().read_raw(raw.to_vec()) else {
        return 1;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u8)
}

fn orientation_from_exif(v: u8) -> image::metadata::Orientation {
    image::metadata::Orientation::from_exif(v).unwrap_or(image::metadata::Orientation::NoTransforms)
}

fn orientation_to_exif(o: image::metadata::Orientation) -> u8 {
    o.to_exif()
}

/// Resize to exactly `w`x`h` (aspect ignored) with a box/area filter; used by embedders and tests.
pub fn resize_exact(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    use fast_image_resize as fr;
    let (sw, sh) = img.dimensions();
    if (sw, sh) == (w, h) {
        return img.clone();
    }
    let mut dst = RgbImage::new(w, h);
    let src = fr::images::ImageRef::new(sw, sh, img.as_raw(), fr::PixelType::U8x3);
    let filter = if sw >= w * 2 && sh >= h * 2 {
        fr::FilterType::Box
    } else {
        fr::FilterType::Bilinear
    };
    let ok = src.ok().and_then(|src| {
        let mut dst_img =
            fr::images::Image::from_slice_u8(w, h, dst.as_mut(), fr::PixelType::U8x3).ok()?;
        let mut resizer = fr::Resizer::new();
        let opts = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(filter));
        resizer.resize(&src, &mut dst_img, &opts).ok()
    });
    if ok.is_none() {
        return image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle);
    }
    dst
}

/// Downscale so the longer side is at most `max_side_px`, keeping the aspect ratio.
pub fn fit_within(img: &RgbImage, max_side_px: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    if w.max(h) <= max_side_px {
        return img.clone();
    }
    let scale = f64::from(max_side_px) / f64::from(w.max(h));
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    resize_exact(img, nw, nh)
}
