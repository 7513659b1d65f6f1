//! Where each container keeps its EXIF: the TIFF-structured streams `kamadak-exif` parses.

use crate::core::image_io::PhotoFormat;
use crate::core::image_io::formats::raw;
use exif::Exif;
use std::io::Cursor;

/// The parsed EXIF of a file, most complete stream first.
pub(super) fn parsed(bytes: &[u8], format: PhotoFormat) -> Vec<Exif> {
    let raw_streams: Vec<Vec<u8>> = match format {
        PhotoFormat::Raw(kind) => raw::exif_blobs(bytes, kind)
            .into_iter()
            .map(|b| b.into_owned())
            .collect(),
        PhotoFormat::Jxl => jxl_exif(bytes).into_iter().collect(),
        PhotoFormat::Heic | PhotoFormat::Avif => {
            if let Some(exif) = container_exif(bytes) {
                return vec![exif];
            }
            heif_exif(bytes).into_iter().collect()
        }
        _ => return container_exif(bytes).into_iter().collect(),
    };
    raw_streams
        .into_iter()
        .filter_map(|s| tolerant(reader().read_raw(s)))
        .collect()
}

/// A reader that keeps the fields it could parse when some entries are damaged (RAW files
/// often have maker-note pointers outside the stream).
fn reader() -> exif::Reader {
    let mut r = exif::Reader::new();
    r.continue_on_error(true);
    r
}

/// The parsed fields, including a partial result.
fn tolerant(r: Result<Exif, exif::Error>) -> Option<Exif> {
    r.or_else(|e| e.distill_partial_result(|_| {})).ok()
}

/// JPEG APP1, TIFF, PNG eXIf, WebP EXIF and HEIF `Exif` items, as `kamadak-exif` finds them.
fn container_exif(bytes: &[u8]) -> Option<Exif> {
    tolerant(reader().read_from_container(&mut Cursor::new(bytes)))
}

/// HEIC/AVIF files `kamadak-exif` does not take: the `Exif` item as `heifer` finds it.
fn heif_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let meta = heifer::read_metadata(bytes).ok()?;
    let exif = meta.exif?;
    // HEIF's Exif item starts with a 4-byte offset to the TIFF header.
    let tiff = ["II*\0".as_bytes(), "MM\0*".as_bytes()]
        .iter()
        .filter_map(|m| exif.windows(4).position(|w| w == *m))
        .min()?;
    Some(strip_exif_prefix(&exif[tiff..]).to_vec())
}

/// JPEG XL: the container's `Exif` box (4-byte TIFF header offset, then the stream). Brotli
/// compressed (`brob`) boxes are not read.
fn jxl_exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0usize;
    let mut boxes = 0;
    while at + 8 <= bytes.len() && boxes < 10_000 {
        boxes += 1;
        let size32 = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as u64;
        let kind = &bytes[at + 4..at + 8];
        let (header, size) = match size32 {
            0 => (8u64, (bytes.len() - at) as u64),
            1 => {
                let s = u64::from_be_bytes(bytes.get(at + 8..at + 16)?.try_into().ok()?);
                (16, s)
            }
            s => (8, s),
        };
        if size < header {
            return None;
        }
        let end = at.checked_add(usize::try_from(size).ok()?)?;
        let body = bytes.get(at + header as usize..end.min(bytes.len()))?;
        if kind == b"Exif" {
            return exif_box_payload(body);
        }
        // cjxl stores the Exif box Brotli-compressed: `brob` + the inner type + the stream.
        if kind == b"brob" && body.get(..4) == Some(b"Exif".as_slice()) {
            use std::io::Read;
            let mut out = Vec::new();
            brotli_decompressor::Decompressor::new(body.get(4..)?, 4096)
                .take(MAX_EXIF_BYTES)
                .read_to_end(&mut out)
                .ok()?;
            return exif_box_payload(&out);
        }
        at = end;
    }
    None
}

/// Largest EXIF stream we decompress (a JPEG's APP1 holds at most 64 KiB; be generous).
const MAX_EXIF_BYTES: u64 = 4 * 1024 * 1024;

/// An `Exif` box's body: a 4-byte offset to the TIFF header, then the stream.
fn exif_box_payload(body: &[u8]) -> Option<Vec<u8>> {
    let offset = u32::from_be_bytes(body.get(..4)?.try_into().ok()?) as usize;
    body.get(4usize.checked_add(offset)?..).map(<[u8]>::to_vec)
}

/// The TIFF stream of an EXIF payload that may start with "Exif\0\0".
fn strip_exif_prefix(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"Exif\0\0").unwrap_or(b)
}
