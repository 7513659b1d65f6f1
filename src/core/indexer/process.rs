//! One file on a decoder thread: read, hash, sniff, capture metadata, decode (or a video's
//! representative frame through ffmpeg), thumbnail, and prepare for every embedder.

use crate::core::catalog::PhotoRecord;
use crate::core::embed::{Embedder, Prepared};
use crate::core::image_io::{self, DecodeError, Decoded};
use crate::core::metadata::CaptureInfo;
use crate::core::scan::FoundFile;
use crate::core::signature::signature_of;
use crate::core::thumb_cache;
use crate::core::video;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Result of processing one file on a decoder thread.
pub(super) enum Outcome {
    /// Decoded and prepared for every embedder.
    Prepared {
        record: Box<PhotoRecord>,
        inputs: Vec<Prepared>,
    },
    /// Content already in the catalog: reuse its embeddings.
    Known { file: FoundFile, hash: [u8; 32] },
    /// Could not be indexed.
    Failed {
        file: FoundFile,
        hash: Option<[u8; 32]>,
        reason: String,
    },
    /// Not an image at all (no image extension, unknown content): ignored.
    Ignored,
    /// The file is gone since the walk (deleted, or its drive unplugged): nothing is recorded,
    /// so it is read again when it comes back.
    Vanished,
}

/// Whether a person expects the file to be a photo (camera RAWs included): if such a file
/// fails, it is reported rather than ignored.
fn looks_like_photo_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(image_io::is_photo_extension)
}

#[derive(Default)]
pub(super) struct Clocks {
    pub(super) read: AtomicU64,
    pub(super) decode: AtomicU64,
    pub(super) prepare: AtomicU64,
    pub(super) thumbs: AtomicU64,
}

pub(super) fn add(clock: &AtomicU64, since: Instant) {
    clock.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

/// `have[i]`: the photo is unchanged and already has embedder `i`'s vector (a top-up run adds
/// the others); its prepared input for `i` is left empty and its thumbnail is not redone.
pub(super) fn process_file(
    file: &FoundFile,
    embedders: &[&dyn Embedder],
    have: Option<&[bool]>,
    min_side: u32,
    known_hashes: &HashSet<[u8; 32], crate::core::catalog::FastHash>,
    thumbs_dir: Option<&Path>,
    clocks: &Clocks,
) -> Outcome {
    if video::is_video_path(&file.path) {
        return process_video(
            file,
            embedders,
            have,
            min_side,
            known_hashes,
            thumbs_dir,
            clocks,
        );
    }
    let t = Instant::now();
    let bytes = match image_io::read_file(&file.path) {
        Ok(b) => b,
        Err(_) if std::fs::symlink_metadata(&file.path).is_err() => return Outcome::Vanished,
        Err(e) => return failed(file, None, e),
    };
    let hash: [u8; 32] = *blake3::hash(&bytes).as_bytes();
    add(&clocks.read, t);
    let Some(format) = image_io::sniff_file(&bytes, &file.path) else {
        let reason = image_io::unknown(&bytes);
        if !looks_like_photo_name(&file.path) && !matches!(reason, DecodeError::Unsupported(_)) {
            return Outcome::Ignored;
        }
        return failed(file, Some(hash), reason);
    };
    if known_hashes.contains(&hash) {
        return Outcome::Known {
            file: file.clone(),
            hash,
        };
    }
    let t = Instant::now();
    let capture = crate::core::metadata::read(&bytes, format);
    add(&clocks.read, t);
    let t = Instant::now();
    let decoded = image_io::decode_bounded_as(bytes, format, min_side, image_io::DECODE_TIMEOUT);
    add(&clocks.decode, t);
    match decoded {
        Ok(d) => prepare(file, hash, d, capture, embedders, have, thumbs_dir, clocks),
        Err(e) => failed(file, Some(hash), e),
    }
}

/// The outcome of a file that could not be indexed, with the reason a person reads.
fn failed(file: &FoundFile, hash: Option<[u8; 32]>, reason: impl ToString) -> Outcome {
    Outcome::Failed {
        file: file.clone(),
        hash,
        reason: reason.to_string(),
    }
}

/// Why videos are listed but not indexed on a machine without ffmpeg.
pub(super) const NO_FFMPEG: &str = "video: install ffmpeg to include videos";

/// A video: hashed by its ends (never read whole), indexed from one representative frame that
/// the user's own ffmpeg extracts; listed with a reason when ffmpeg is missing.
fn process_video(
    file: &FoundFile,
    embedders: &[&dyn Embedder],
    have: Option<&[bool]>,
    min_side: u32,
    known_hashes: &HashSet<[u8; 32], crate::core::catalog::FastHash>,
    thumbs_dir: Option<&Path>,
    clocks: &Clocks,
) -> Outcome {
    let t = Instant::now();
    let hash = match video::content_hash(&file.path) {
        Ok(h) => h,
        Err(_) if std::fs::symlink_metadata(&file.path).is_err() => return Outcome::Vanished,
        Err(e) => return failed(file, None, format!("cannot read file: {e}")),
    };
    add(&clocks.read, t);
    let Some(tools) = video::tools() else {
        return failed(file, Some(hash), NO_FFMPEG);
    };
    if known_hashes.contains(&hash) {
        return Outcome::Known {
            file: file.clone(),
            hash,
        };
    }
    let t = Instant::now();
    let decoded = video::representative_frame_and_probe(tools, &file.path, min_side, VIDEO_TIMEOUT);
    add(&clocks.decode, t);
    match decoded {
        Ok((d, probe)) => prepare(
            file,
            hash,
            d,
            video_capture(&probe),
            embedders,
            have,
            thumbs_dir,
            clocks,
        ),
        Err(e) => failed(file, Some(hash), e),
    }
}

/// Per-video bound on ffprobe plus frame extraction.
const VIDEO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a video's container says about its recording.
fn video_capture(p: &video::VideoProbe) -> CaptureInfo {
    CaptureInfo {
        taken: p
            .creation_time
            .as_deref()
            .and_then(crate::core::metadata::CaptureTime::parse_iso),
        make: p.make.clone(),
        model: p.model.clone(),
        lens: None,
        gps: p
            .location
            .map(|(lat, lon)| crate::core::metadata::Gps { lat, lon }),
    }
}

/// Thumbnail, per-embedder preparation and the pixel signature of a decoded photo.
#[allow(clippy::too_many_arguments)]
fn prepare(
    file: &FoundFile,
    hash: [u8; 32],
    decoded: Decoded,
    capture: CaptureInfo,
    embedders: &[&dyn Embedder],
    have: Option<&[bool]>,
    thumbs_dir: Option<&Path>,
    clocks: &Clocks,
) -> Outcome {
    if let Some(dir) = thumbs_dir.filter(|_| have.is_none()) {
        let t = Instant::now();
        thumb_cache::store_from_decoded(dir, &file.path, file.size, file.mtime_ns, &decoded);
        add(&clocks.thumbs, t);
    }
    let t = Instant::now();
    // Embedders and the signature see the picture without the frame or padding a copy added.
    let (picture, content_box) = crate::core::content_box::picture_of(&decoded.image);
    let mut inputs = Vec::with_capacity(embedders.len());
    for (i, e) in embedders.iter().enumerate() {
        if have.is_some_and(|h| h.get(i).copied().unwrap_or(false)) {
            inputs.push(Prepared::default());
            continue;
        }
        let prepared = crate::core::guard::catch_any(|| e.prepare(&picture));
        match prepared {
            Ok(Ok(p)) => inputs.push(p),
            Ok(Err(err)) => return failed(file, Some(hash), err),
            Err(_) => return failed(file, Some(hash), "preprocessing crashed on this image"),
        }
    }
    let signature = signature_of(&picture);
    drop(picture);
    add(&clocks.prepare, t);
    Outcome::Prepared {
        record: Box::new(PhotoRecord {
            path: file.path.clone(),
            size: file.size,
            mtime_ns: file.mtime_ns,
            hash: Some(hash),
            width: decoded.width,
            height: decoded.height,
            orientation: decoded.orientation,
            format: decoded.format.to_string(),
            error: None,
            signature: Some(signature),
            embeddings: Vec::new(),
            capture: Some(capture),
            content_box: Some(content_box),
        }),
        inputs,
    }
}
