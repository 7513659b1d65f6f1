//! Which format a file is: magic bytes first, then the name for formats without one.

use super::{DecodeError, PhotoFormat, formats};
use std::path::Path;

/// Sniff the image format from the first bytes. `None` when it is not an image we decode.
pub fn sniff_format(head: &[u8]) -> Option<PhotoFormat> {
    sniff_with_extension(head, None)
}

/// [`sniff_format`], helped by the file's extension (lowercase) where content alone is
/// ambiguous: camera RAWs that are TIFF files inside.
fn sniff_with_extension(head: &[u8], ext: Option<&str>) -> Option<PhotoFormat> {
    // Photo containers the `image` crate does not decode for us, and camera RAWs before the
    // TIFF sniffer claims them (most RAWs are TIFF-structured).
    if formats::heic::sniff(head) {
        return Some(PhotoFormat::Heic);
    }
    if formats::avif::sniff(head) {
        return Some(PhotoFormat::Avif);
    }
    if formats::jxl::sniff(head) {
        return Some(PhotoFormat::Jxl);
    }
    if let Some(kind) = formats::raw::sniff(head, ext) {
        return Some(PhotoFormat::Raw(kind));
    }
    // BigTIFF, which `image::guess_format` does not know (the `tiff` crate reads it).
    if head.starts_with(b"II\x2b\0") || head.starts_with(b"MM\0\x2b") {
        return Some(PhotoFormat::Tiff);
    }
    // Before `image` takes it for a netpbm P7 file.
    if formats::niche::xv_thumb::sniff(head) {
        return Some(PhotoFormat::XvThumb);
    }
    image::guess_format(head)
        .ok()
        .and_then(PhotoFormat::from_image_format)
        .or_else(|| formats::sniff(head))
}

/// Sniff the format of a file's bytes, falling back to its name for formats without a magic
/// number (TGA, headerless DIB). `None` when it is not an image we decode.
pub fn sniff_file(bytes: &[u8], path: &Path) -> Option<PhotoFormat> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if let Some(f) = sniff_with_extension(bytes, ext.as_deref()) {
        return Some(f);
    }
    if bytes.is_empty() {
        return None;
    }
    let ext = ext?;
    match ext.as_str() {
        "tga" | "icb" | "vda" | "vst" => Some(PhotoFormat::Tga),
        "dib" if formats::rewrap::sniff_dib(bytes) => Some(PhotoFormat::Dib),
        _ => None,
    }
}

/// Name a known image format that we do not decode (so a person is told why a photo is
/// missing), from its magic bytes.
pub fn known_unsupported(head: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return match &head[8..12] {
            // HEIC/HEIF is decoded (formats::heic); AVIF only with the `avif` cargo feature.
            b"avif" | b"avis" if !cfg!(feature = "avif") => Some("AVIF"),
            _ => None,
        };
    }
    // JPEG XL is decoded (formats::jxl), camera RAWs from their previews (formats::raw).
    if starts(b"%!PS") {
        Some("PostScript (EPS)")
    } else if starts(b"%PDF") {
        Some("PDF")
    } else if starts(&[0x76, 0x2f, 0x31, 0x01]) {
        Some("OpenEXR")
    } else if starts(b"#?RADIANCE") || starts(b"#?RGBE") {
        Some("Radiance HDR")
    } else {
        None
    }
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
