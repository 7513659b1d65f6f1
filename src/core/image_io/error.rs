//! The reasons a photo cannot be decoded, worded for a person.

use super::{MAX_ALLOC_BYTES, MAX_PIXELS};

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
