//! Guarded photo decoding: magic-byte sniffing, size limits, panics caught, EXIF orientation
//! applied, JPEG DCT-domain downscaling so a 12 MP photo is never fully decoded for a 224 px input.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
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
    #[error(
        "image dimensions {0}x{1} exceed the limit of {MAX_PIXELS} pixels (possible decompression bomb)"
    )]
    TooManyPixels(u32, u32),
    /// A known image format that we cannot decode (HEIC, RAW, JPEG 2000...).
    #[error("{0} images are not supported")]
    Unsupported(&'static str),
    /// The decoder reported corrupt or truncated data.
    #[error("corrupt or truncated {format} data: {reason}")]
    Corrupt {
        /// Detected format.
        format: String,
        /// Decoder message.
        reason: String,
    },
    /// A variant of a format we read that the decoder does not handle (e.g. a TIFF compression).
    #[error("unsupported kind of {format} file: {reason}")]
    UnsupportedVariant {
        /// Detected format.
        format: String,
        /// Decoder message.
        reason: String,
    },
    /// Decoding would take more memory than the per-file bound.
    #[error(
        "decoding needs more than {} MiB of memory (possible decompression bomb); skipped",
        MAX_ALLOC_BYTES >> 20
    )]
    OverMemoryLimit,
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
    let format = sniff_format(&bytes).ok_or_else(|| unknown(&bytes))?;
    decode_bounded_as(bytes, format, min_side_px, timeout)
}

/// [`decode_bounded`] for a format already sniffed (e.g. by [`sniff_file`]).
pub fn decode_bounded_as(
    bytes: Vec<u8>,
    format: ImageFormat,
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

/// Sniff the image format from the first bytes. `None` when it is not an image we decode.
pub fn sniff_format(head: &[u8]) -> Option<ImageFormat> {
    let f = image::guess_format(head).ok()?;
    match f {
        ImageFormat::Jpeg
        | ImageFormat::Png
        | ImageFormat::Gif
        | ImageFormat::WebP
        | ImageFormat::Tiff
        | ImageFormat::Bmp
        | ImageFormat::Ico
        | ImageFormat::Pnm
        | ImageFormat::Dds => Some(f),
        _ => None,
    }
}

/// Sniff the format of a file's bytes, falling back to its name for formats without a magic
/// number (TGA). `None` when it is not an image we decode.
pub fn sniff_file(bytes: &[u8], path: &Path) -> Option<ImageFormat> {
    if let Some(f) = sniff_format(bytes) {
        return Some(f);
    }
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "tga" | "icb" | "vda" | "vst" if !bytes.is_empty() => Some(ImageFormat::Tga),
        _ => None,
    }
}

/// Name a known image format that we do not decode (so a person is told why a photo is
/// missing), from its magic bytes.
pub fn known_unsupported(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return match &head[8..12] {
            b"avif" | b"avis" => Some("AVIF"),
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                Some("HEIC/HEIF")
            }
            b"crx " => Some("Canon CR3 raw"),
            b"jp2 " | b"jpx " => Some("JPEG 2000"),
            _ => None,
        };
    }
    if starts(b"\0\0\0\x0cjP  \r\n\x87\n") || starts(&[0xff, 0x4f, 0xff, 0x51]) {
        Some("JPEG 2000")
    } else if starts(&[0xff, 0x0a]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        Some("JPEG XL")
    } else if starts(b"8BPS") {
        Some("Photoshop (PSD)")
    } else if starts(b"%!PS") || starts(&[0xc5, 0xd0, 0xd3, 0xc6]) {
        Some("PostScript (EPS)")
    } else if starts(b"%PDF") {
        Some("PDF")
    } else if starts(b"icns") {
        Some("Apple icon (ICNS)")
    } else if starts(b"qoif") {
        Some("QOI")
    } else if starts(&[0x76, 0x2f, 0x31, 0x01]) {
        Some("OpenEXR")
    } else if starts(b"#?RADIANCE") || starts(b"#?RGBE") {
        Some("Radiance HDR")
    } else if starts(b"FUJIFILMCCD-RAW") {
        Some("Fujifilm RAF raw")
    } else if starts(b"IIRO") || starts(b"IIRS") || starts(b"MMOR") {
        Some("Olympus ORF raw")
    } else if starts(b"IIU\0") {
        Some("Panasonic RW2 raw")
    } else if starts(&[0x01, 0xda]) {
        Some("SGI")
    } else if starts(b"SIMPLE  =") {
        Some("FITS")
    } else if starts(b"/* XPM */") {
        Some("XPM")
    } else if starts(b"DDS ") {
        Some("DirectDraw Surface (DDS)")
    } else {
        None
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
        ImageFormat::Ico => "ico",
        ImageFormat::Pnm => "pnm",
        ImageFormat::Dds => "dds",
        ImageFormat::Tga => "tga",
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

/// Why bytes that no decoder of ours recognises are not a photo we can read.
pub fn unknown(bytes: &[u8]) -> DecodeError {
    if bytes.is_empty() {
        DecodeError::Empty
    } else if let Some(kind) = known_unsupported(bytes) {
        DecodeError::Unsupported(kind)
    } else {
        DecodeError::UnknownFormat
    }
}

/// Decode `bytes` as `format` (see [`decode`]).
pub fn decode_as(
    bytes: &[u8],
    format: ImageFormat,
    min_side_px: u32,
) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
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
        let generic = catch_unwind(AssertUnwindSafe(|| decode_generic(bytes, format)))
            .unwrap_or_else(|_| Err(DecodeError::Panicked(name.to_string())));
        if format == ImageFormat::Tiff
            && let Err(
                DecodeError::UnsupportedVariant { .. }
                | DecodeError::Corrupt { .. }
                | DecodeError::Panicked(_),
            ) = &generic
            && let Ok(d) = catch_unwind(AssertUnwindSafe(|| decode_tiff_fallback(bytes)))
                .unwrap_or(Err(DecodeError::Panicked("tiff".into())))
        {
            return Ok(d);
        }
        generic
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err(DecodeError::Panicked(name.to_string())),
    }
}

/// Refuse decompression bombs before any pixel is allocated.
fn check_dimensions(w: u32, h: u32) -> Result<(), DecodeError> {
    if w > MAX_SIDE_PX || h > MAX_SIDE_PX || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(DecodeError::TooManyPixels(w, h));
    }
    Ok(())
}

fn corrupt(format: &str, reason: impl ToString) -> DecodeError {
    DecodeError::Corrupt {
        format: format.to_string(),
        reason: reason.to_string(),
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    // Dimensions are checked by `check_dimensions` (for a message that names the problem);
    // `max_alloc` is raised from its default so that large legitimate photos (100 MP+) decode.
    l.max_image_width = None;
    l.max_image_height = None;
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

fn decode_generic(bytes: &[u8], format: ImageFormat) -> Result<Decoded, DecodeError> {
    let name = format_name(format);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
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

/// TIFF layouts the general decoder refuses (palette, 1/2/4/12-bit gray, signed samples, planar
/// tiles), read with the `tiff` crate directly and converted to 8-bit RGB.
fn decode_tiff_fallback(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::Tag;
    let err = |e: tiff::TiffError| corrupt("tiff", e);
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = MAX_ALLOC_BYTES as usize / 2;
    let mut d = Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(limits.clone());
    let (w, h) = d.dimensions().map_err(err)?;
    if w == 0 || h == 0 {
        return Err(corrupt("tiff", "zero dimensions"));
    }
    check_dimensions(w, h)?;
    let ct = d.colortype().map_err(err)?;
    let photometric: u16 = d
        .find_tag_unsigned(Tag::PhotometricInterpretation)
        .ok()
        .flatten()
        .unwrap_or(1);
    let colormap = match ct {
        tiff::ColorType::Palette(_) => Some(d.get_tag_u16_vec(Tag::ColorMap).map_err(err)?),
        _ => None,
    };
    let mut buf = DecodingResult::U8(Vec::new());
    // All planes at once; the crate asserts on some tiled planar layouts, then read the first
    // plane alone (a gray picture of the red channel beats no picture).
    let all = catch_unwind(AssertUnwindSafe(|| d.read_image_to_buffer(&mut buf)));
    let (row_stride, planes) = match all {
        Ok(layout) => {
            let layout = layout.map_err(err)?;
            (layout.row_stride.map(|s| s.get()), layout.planes)
        }
        Err(_) => {
            let mut d = Decoder::new(Cursor::new(bytes))
                .map_err(err)?
                .with_limits(limits);
            buf = d.read_image().map_err(err)?;
            (None, 1)
        }
    };
    let bits = u32::from(ct.bit_depth());
    let spp: usize = match ct {
        tiff::ColorType::Gray(_) | tiff::ColorType::Palette(_) => 1,
        tiff::ColorType::GrayA(_) => 2,
        tiff::ColorType::RGB(_) | tiff::ColorType::YCbCr(_) | tiff::ColorType::Lab(_) => 3,
        tiff::ColorType::RGBA(_) | tiff::ColorType::CMYK(_) => 4,
        tiff::ColorType::CMYKA(_) => 5,
        tiff::ColorType::Multiband { num_samples, .. } => usize::from(num_samples.max(1)),
        _ => return Err(corrupt("tiff", "unknown colour type")),
    };
    // Every sample as a value in 0..=1 (palette: the raw index).
    let max = if bits >= 32 {
        u32::MAX as f32
    } else {
        ((1u64 << bits) - 1) as f32
    };
    let samples: Vec<f32> = match buf {
        DecodingResult::U8(v) if bits < 8 => {
            let row_bits = w as usize * spp * bits as usize;
            let stride = row_stride.unwrap_or(row_bits.div_ceil(8));
            let mut out = Vec::with_capacity(w as usize * h as usize * spp);
            for row in v.chunks(stride.max(1)).take(h as usize) {
                for i in 0..(w as usize * spp) {
                    let bit = i * bits as usize;
                    let byte = row.get(bit / 8).copied().unwrap_or(0);
                    let shift = 8 - bits as usize - (bit % 8);
                    out.push(f32::from((byte >> shift) & ((1u8 << bits) - 1)));
                }
            }
            out
        }
        DecodingResult::U8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::U64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I8(v) => v.into_iter().map(|x| f32::from(x) + 128.0).collect(),
        DecodingResult::I16(v) => v.into_iter().map(|x| f32::from(x) + 32768.0).collect(),
        DecodingResult::I32(v) => v.into_iter().map(|x| x as f32 + 2_147_483_648.0).collect(),
        DecodingResult::I64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::F16(v) => v.into_iter().map(|x| f32::from(x) * max).collect(),
        DecodingResult::F32(v) => v.into_iter().map(|x| x * max).collect(),
        DecodingResult::F64(v) => v.into_iter().map(|x| x as f32 * max).collect(),
    };
    let n = w as usize * h as usize;
    if samples.len() < n {
        return Err(corrupt("tiff", "not enough pixel data"));
    }
    // Planar files store one plane after the other; when only one plane was read, use it.
    let planar = planes > 1;
    let chans = if planar {
        (samples.len() / n).min(spp)
    } else {
        spp
    };
    let chans = chans.max(1);
    let at = |i: usize, c: usize| -> f32 {
        let c = c.min(chans - 1);
        let idx = if planar { c * n + i } else { i * spp + c };
        samples.get(idx).copied().unwrap_or(0.0)
    };
    let to8 = |v: f32| (v / max * 255.0).round().clamp(0.0, 255.0) as u8;
    let mut img = RgbImage::new(w, h);
    for (i, px) in img.pixels_mut().enumerate() {
        *px = match (&colormap, ct) {
            (Some(map), _) => {
                let k = at(i, 0) as usize;
                let third = map.len() / 3;
                let get = |j: usize| map.get(j).map_or(0, |v| (v >> 8) as u8);
                image::Rgb([get(k), get(third + k), get(2 * third + k)])
            }
            (None, tiff::ColorType::CMYK(_) | tiff::ColorType::CMYKA(_)) if chans >= 4 => {
                let k = 1.0 - at(i, 3) / max;
                let c = |j| {
                    ((1.0 - at(i, j) / max) * k * 255.0)
                        .round()
                        .clamp(0.0, 255.0) as u8
                };
                image::Rgb([c(0), c(1), c(2)])
            }
            _ if chans >= 3 && !matches!(ct, tiff::ColorType::GrayA(_)) => {
                image::Rgb([to8(at(i, 0)), to8(at(i, 1)), to8(at(i, 2))])
            }
            _ => {
                let g = to8(at(i, 0));
                let g = if photometric == 0 { 255 - g } else { g };
                image::Rgb([g, g, g])
            }
        };
    }
    Ok(Decoded {
        image: img,
        width: w,
        height: h,
        format: "tiff",
        orientation: 1,
    })
}

fn map_image_err(name: &str, e: image::ImageError) -> DecodeError {
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
