//! Camera RAW files, read from their largest embedded JPEG preview (the camera's own rendering,
//! as Immich and czkawka do): never from a thumbnail, never by demosaicing.
//!
//! Each container finds its previews by its own pointers (`tiff`, `cr3`, `raf`); `preview`
//! validates them and, as a last resort, scans for JPEGs; `exif` hands out the EXIF streams.

mod cr3;
mod detect;
mod exif;
mod kind;
mod mrw;
mod preview;
mod raf;
mod tiff;

#[cfg(test)]
#[path = "../../../../../tests/common/raw.rs"]
mod test_builder;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exif;

pub use kind::RawKind;

use crate::core::image_io::generic::decode_generic;
use crate::core::image_io::jpeg::{decode_jpeg_scaled, orientation_from_exif};
use crate::core::image_io::{DecodeError, Decoded, PhotoFormat, check_dimensions, corrupt};
use image::DynamicImage;
use preview::Candidate;
use std::borrow::Cow;

/// A RAW whose largest preview's longer side is below this is refused: a thumbnail cannot
/// stand for the photo in a similarity index.
pub const MIN_PREVIEW_LONG_SIDE: u32 = 1000;

/// At most this many previews are tried when the largest fails to decode.
const MAX_DECODE_TRIES: usize = 3;

/// What a container's structure says about its previews and the photo.
#[derive(Debug, Default, Clone)]
struct RawInfo {
    /// Valid JPEG previews found by the container's own pointers.
    previews: Vec<Candidate>,
    /// The RAW's own Orientation tag (1..=8).
    orientation: Option<u8>,
    /// Candidate full-photo sizes (sensor orientation), most trusted first.
    sizes: Vec<(u32, u32)>,
    /// A preview pointer leads past the end of the file (truncated or damaged).
    past_end: bool,
}

/// Recognise a camera RAW by its content, helped by its file extension (lowercase, without the
/// dot) for TIFF-structured RAWs whose content alone is ambiguous. Runs before the TIFF
/// sniffer, so a NEF is never read as a TIFF.
pub fn sniff(bytes: &[u8], ext: Option<&str>) -> Option<RawKind> {
    detect::sniff(bytes, ext)
}

/// Decode the largest embedded JPEG preview of a RAW, upright (the RAW's own orientation), with
/// `width`/`height` those of the full photo. A RAW whose preview is missing or too small to
/// stand for the photo is refused with a reason.
pub fn decode(bytes: &[u8], kind: RawKind, min_side_px: u32) -> Result<Decoded, DecodeError> {
    let name = kind.name();
    let mut info = inspect(bytes, kind);
    let structured_best = info.previews.iter().map(Candidate::long_side).max();
    if structured_best.is_none_or(|s| s < MIN_PREVIEW_LONG_SIDE) {
        info.previews.extend(preview::scan(bytes));
    }
    let mut previews = std::mem::take(&mut info.previews);
    previews.sort_by_key(|c| (std::cmp::Reverse(c.area()), c.offset));
    previews.dedup_by_key(|c| c.offset);
    let mut oversized = None;
    previews.retain(|c| match check_dimensions(c.width, c.height) {
        Ok(()) => true,
        Err(e) => {
            oversized.get_or_insert(e);
            false
        }
    });
    let largest = match (previews.first(), oversized) {
        (Some(c), _) if c.long_side() >= MIN_PREVIEW_LONG_SIDE => *c,
        (_, Some(e)) => return Err(e),
        (_, None) if info.past_end => {
            return Err(corrupt(
                name,
                "its preview lies past the end of the file (truncated)",
            ));
        }
        (best, None) => return Err(no_preview(name, best)),
    };
    let mut first_error = None;
    for c in previews
        .iter()
        .filter(|c| c.long_side() >= MIN_PREVIEW_LONG_SIDE)
        .take(MAX_DECODE_TRIES)
    {
        match decode_preview(c.bytes(bytes), min_side_px) {
            Ok(d) => return Ok(finish(d, c, &info, kind)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(match first_error {
        Some(DecodeError::Corrupt { reason, .. }) => corrupt(
            name,
            format!(
                "its {}x{} JPEG preview: {reason}",
                largest.width, largest.height
            ),
        ),
        Some(DecodeError::UnsupportedVariant { reason, .. }) => DecodeError::UnsupportedVariant {
            format: name.to_string(),
            reason: format!("its JPEG preview: {reason}"),
        },
        Some(e) => e,
        None => no_preview(name, None),
    })
}

/// The EXIF streams (TIFF-structured, "II*\0"/"MM\0*" headed) of a RAW, most complete first:
/// where capture time, camera, lens and GPS are read from.
pub fn exif_blobs(bytes: &[u8], kind: RawKind) -> Vec<Cow<'_, [u8]>> {
    exif::blobs(bytes, kind)
}

/// The container's own account of its previews, orientation and size.
fn inspect(bytes: &[u8], kind: RawKind) -> RawInfo {
    match kind {
        RawKind::Cr3 => cr3::inspect(bytes),
        RawKind::Raf => raf::inspect(bytes),
        RawKind::Mrw => mrw::ttw(bytes)
            .map(|ttw| RawInfo {
                // Offsets inside the TTW block are its own: keep only what is not an offset.
                previews: Vec::new(),
                past_end: false,
                ..tiff::inspect(ttw)
            })
            .unwrap_or_default(),
        RawKind::Crw | RawKind::X3f => RawInfo::default(),
        _ => tiff::inspect(bytes),
    }
}

/// The refusal for a RAW without a preview big enough to index.
fn no_preview(name: &str, best: Option<&Candidate>) -> DecodeError {
    let found = match best {
        Some(c) => format!("no embedded preview larger than {}x{}", c.width, c.height),
        None => "no embedded JPEG preview".to_string(),
    };
    DecodeError::UnsupportedVariant {
        format: name.to_string(),
        reason: format!("{found}; Lookalike reads RAW files from the camera's JPEG preview"),
    }
}

/// Decode a preview JPEG as the JPEG decoder path does: DCT-domain downscaling, the general
/// decoder for CMYK and for files the fast path refuses. Its own EXIF orientation is applied.
fn decode_preview(jpeg: &[u8], min_side_px: u32) -> Result<Decoded, DecodeError> {
    match decode_jpeg_scaled(jpeg, min_side_px) {
        Ok(Some(d)) => Ok(d),
        Ok(None) => decode_generic(jpeg, PhotoFormat::Jpeg),
        Err(e) => decode_generic(jpeg, PhotoFormat::Jpeg).map_err(|_| e),
    }
}

/// The orientation that undoes `o` (rotations by 90° swap; flips undo themselves).
fn inverse(o: u8) -> u8 {
    match o {
        6 => 8,
        8 => 6,
        o => o,
    }
}

/// The decoded preview turned upright by the RAW's own orientation (undoing a different one
/// the preview's EXIF applied), sized as the full photo.
fn finish(d: Decoded, c: &Candidate, info: &RawInfo, kind: RawKind) -> Decoded {
    let applied = d.orientation;
    let mut image = d.image;
    let orientation = match info.orientation {
        Some(wanted) if wanted != applied => {
            let mut img = DynamicImage::ImageRgb8(image);
            img.apply_orientation(orientation_from_exif(inverse(applied)));
            img.apply_orientation(orientation_from_exif(wanted));
            image = img.into_rgb8();
            wanted
        }
        Some(wanted) => wanted,
        None => applied,
    };
    let (w, h) = full_size(info, c);
    let (width, height) = if orientation >= 5 { (h, w) } else { (w, h) };
    Decoded {
        image,
        width,
        height,
        format: kind.name(),
        orientation,
    }
}

/// The full photo's size in sensor orientation: the first size the container gives that is
/// plausible for this preview (within limits, no smaller, same landscape/portrait shape),
/// else the preview's own.
fn full_size(info: &RawInfo, c: &Candidate) -> (u32, u32) {
    let landscape = |w: u32, h: u32| w >= h;
    let square = |w: u32, h: u32| w == h;
    info.sizes
        .iter()
        .copied()
        .find(|&(w, h)| {
            w > 0
                && h > 0
                && check_dimensions(w, h).is_ok()
                && u64::from(w) * u64::from(h) >= c.area()
                && (landscape(w, h) == landscape(c.width, c.height)
                    || square(w, h)
                    || square(c.width, c.height))
        })
        .unwrap_or((c.width, c.height))
}
