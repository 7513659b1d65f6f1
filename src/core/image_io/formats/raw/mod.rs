//! Camera RAW files, read from their largest embedded JPEG preview (the camera's own rendering,
//! as Immich and czkawka do): never from a thumbnail, never by demosaicing.

mod kind;

pub use kind::RawKind;

use crate::core::image_io::{DecodeError, Decoded};
use std::borrow::Cow;

/// Recognise a camera RAW by its content, helped by its file extension (lowercase, without the
/// dot) for TIFF-structured RAWs whose content alone is ambiguous. Runs before the TIFF
/// sniffer, so a NEF is never read as a TIFF.
pub fn sniff(_bytes: &[u8], _ext: Option<&str>) -> Option<RawKind> {
    None
}

/// Decode the largest embedded JPEG preview of a RAW, upright (the RAW's own orientation), with
/// `width`/`height` those of the full photo. A RAW whose preview is missing or too small to
/// stand for the photo is refused with a reason.
pub fn decode(_bytes: &[u8], kind: RawKind, _min_side_px: u32) -> Result<Decoded, DecodeError> {
    Err(DecodeError::Unsupported(kind.name()))
}

/// The EXIF streams (TIFF-structured, "II*\0"/"MM\0*" headed) of a RAW, most complete first:
/// where capture time, camera, lens and GPS are read from.
pub fn exif_blobs(_bytes: &[u8], _kind: RawKind) -> Vec<Cow<'_, [u8]>> {
    Vec::new()
}
