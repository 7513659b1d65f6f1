//! The rows the catalog stores and returns: what the indexer writes, what it needs to decide
//! whether to redo a file, and what results and the GUI show.

use super::*;

/// One photo's row, as written by the indexer.
#[derive(Debug, Clone, Default)]
pub struct PhotoRecord {
    /// Absolute path.
    pub path: PathBuf,
    /// File size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// BLAKE3 of the file bytes.
    pub hash: Option<[u8; 32]>,
    /// Upright width (px).
    pub width: u32,
    /// Upright height (px).
    pub height: u32,
    /// EXIF orientation (1 = upright).
    pub orientation: u8,
    /// Container format ("jpeg", "png"...).
    pub format: String,
    /// Why the photo could not be indexed; `None` when it was.
    pub error: Option<String>,
    /// 32x32 grayscale rendition for pixel-level duplicate checks.
    pub signature: Option<Vec<u8>>,
    /// Embeddings by embedder id.
    pub embeddings: Vec<(String, Vec<f32>)>,
    /// Capture metadata from the file's EXIF; `None` when not read (a metadata pass reads it).
    pub capture: Option<CaptureInfo>,
    /// Where the picture is inside the photo (uniform margins trimmed).
    pub content_box: Option<crate::core::content_box::ContentBox>,
}

/// What the indexer needs to know about a file already in the catalog.
#[derive(Debug, Clone)]
pub struct KnownFile {
    /// Photo id.
    pub id: i64,
    /// Size when indexed.
    pub size: u64,
    /// Modification time when indexed.
    pub mtime_ns: i64,
    /// Content hash when indexed.
    pub hash: Option<[u8; 32]>,
    /// Whether indexing it failed.
    pub failed: bool,
    /// Embedder ids present (shared between the photos: one allocation per embedder).
    pub embedders: Vec<std::sync::Arc<str>>,
}

impl KnownFile {
    /// Whether the photo has the vector of embedder `id`.
    pub fn has_embedder(&self, id: &str) -> bool {
        self.embedders.iter().any(|e| &**e == id)
    }
}

/// A fast, non-cryptographic hasher for maps keyed by the catalog's own data (ids, paths), which
/// at a million photos hash millions of keys per re-scan.
pub type FastHash = foldhash::fast::RandomState;

/// Every file the catalog knows, by path (as bytes: `Path` hashes component by component, which
/// at a million paths costs seconds), from [`Catalog::known_files`].
pub type KnownFiles = HashMap<std::ffi::OsString, KnownFile, FastHash>;

/// Metadata shown for a photo in results and the GUI.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PhotoInfo {
    /// Photo id.
    pub id: i64,
    /// Absolute path.
    #[serde(serialize_with = "serialize_path_lossy")]
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// Upright width.
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// Format name.
    pub format: String,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Capture time from EXIF (never the file date); JSON: ISO 8601 with the offset when known.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_taken"
    )]
    pub taken: Option<CaptureTime>,
    /// Camera ("Apple iPhone 12 Pro").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// Lens model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lens: Option<String>,
    /// Location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gps: Option<Gps>,
    /// Where the picture is inside the photo (uniform margins trimmed); `None` when unknown.
    #[serde(skip)]
    pub content_box: Option<crate::core::content_box::ContentBox>,
}

impl PhotoInfo {
    /// Pixels of the picture itself: the photo's area less any uniform margins (a frame,
    /// padding, letterbox bars) around it.
    pub fn picture_pixels(&self) -> f64 {
        f64::from(self.width)
            * f64::from(self.height)
            * crate::core::content_box::area_share(self.content_box)
    }

    /// Whether the file carries camera EXIF (a capture time or a camera).
    pub fn has_camera_data(&self) -> bool {
        self.taken.is_some() || self.camera.is_some()
    }

    /// When the camera took the photo (ms since the epoch), else when its file was last
    /// modified: for ordering originals before copies only (a date in a file name is left out:
    /// WhatsApp names a copy by the day it was sent, at no time of day). Say which it is where
    /// it is shown.
    pub fn taken_or_file_ms(&self) -> i64 {
        self.taken
            .as_ref()
            .map_or(self.mtime_ns / 1_000_000, |t| t.unix_ms)
    }
}

fn serialize_taken<S: serde::Serializer>(
    t: &Option<CaptureTime>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.iso()),
        None => s.serialize_none(),
    }
}
