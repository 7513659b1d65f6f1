//! Capture metadata (when, with what, where) read from a photo's EXIF, whatever its container:
//! JPEG, TIFF, PNG, WebP, HEIC/AVIF, JPEG XL and camera RAW.
//!
//! The capture time is DateTimeOriginal (with OffsetTimeOriginal and SubSecTimeOriginal), else
//! DateTimeDigitized ("CreateDate"), else none: never silently the file's modification time.

mod backfill;
mod capture;
mod containers;
pub mod exposure;
mod fields;
mod name_date;

pub use backfill::backfill;
pub use capture::{CaptureInfo, CaptureTime, Gps, camera_name};
pub use exposure::Exposure;
pub use name_date::capture_time_in_name;

use crate::core::image_io::PhotoFormat;

/// Bumped when what [`read`] extracts changes: catalog rows read by an older version get a
/// metadata-only pass (no re-embedding).
pub const METADATA_VERSION: i64 = 1;

/// Read the capture metadata of a photo's bytes. Never fails: a file without EXIF (or with a
/// damaged one) has an empty [`CaptureInfo`]. Panics in the EXIF parser are caught.
pub fn read(bytes: &[u8], format: PhotoFormat) -> CaptureInfo {
    crate::core::guard::catch_any(|| {
        containers::parsed(bytes, format)
            .iter()
            .map(fields::from_exif)
            .fold(CaptureInfo::default(), CaptureInfo::or)
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests;
