//! Files that belong to a photo and travel with it: the RAW and the camera's JPEG/HEIC of the
//! same shot (same folder, same name), a Live Photo's video, and sidecars (`.xmp`, `.aae`).
//!
//! Duplicate review shows a photo and its companions as one item, the keep rule never splits
//! them, and moving a photo to the trash moves its companions with it, in the same journal batch.

use crate::core::image_io::formats::raw::RawKind;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Renderings a camera or phone writes beside its RAW.
const RENDERINGS: &[&str] = &["jpg", "jpeg", "heic", "heif", "hif"];
/// The video half of a Live Photo (or a motion photo) beside its still.
const LIVE_VIDEOS: &[&str] = &["mov", "mp4"];
/// Sidecar files editors and phones write beside a photo.
const SIDECARS: &[&str] = &["xmp", "aae"];

/// How a companion relates to its photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanionKind {
    /// The RAW of this JPEG/HEIC.
    Raw,
    /// The camera's JPEG/HEIC of this RAW.
    Rendering,
    /// The video of a Live Photo.
    LiveVideo,
    /// An `.xmp` or `.aae` sidecar.
    Sidecar,
}

impl CompanionKind {
    /// Short badge text for the UI.
    pub fn badge(self) -> &'static str {
        match self {
            CompanionKind::Raw => "RAW",
            CompanionKind::Rendering => "JPEG",
            CompanionKind::LiveVideo => "Live",
            CompanionKind::Sidecar => "sidecar",
        }
    }
}

/// A file that travels with a photo.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Companion {
    /// Absolute path.
    #[serde(serialize_with = "crate::core::catalog::serialize_path_lossy")]
    pub path: PathBuf,
    /// How it relates to the photo.
    pub kind: CompanionKind,
}

/// Whether a lowercase extension is a camera RAW's.
pub fn is_raw_ext(ext: &str) -> bool {
    RawKind::from_extension(ext).is_some()
}

fn ext_of(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

fn stem_of(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// One folder's files by lowercase stem, with their lowercase extensions.
type Listing = HashMap<String, Vec<(PathBuf, String)>>;

/// Finds companions, listing each folder once and filing its files by name (a duplicate review
/// asks for thousands, in folders of thousands of files).
#[derive(Default)]
pub struct CompanionFinder {
    dirs: HashMap<PathBuf, Listing>,
}

impl CompanionFinder {
    /// A finder with nothing listed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The companions of the photo at `path` that exist on disk now.
    pub fn companions(&mut self, path: &Path) -> Vec<Companion> {
        let Some(dir) = path.parent() else {
            return Vec::new();
        };
        let files = self.dirs.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut listing = Listing::new();
            if let Ok(rd) = std::fs::read_dir(dir) {
                for e in rd.filter_map(|e| e.ok()) {
                    if e.file_type().is_ok_and(|t| t.is_file()) {
                        let f = e.path();
                        let ext = ext_of(&f);
                        listing.entry(stem_of(&f)).or_default().push((f, ext));
                    }
                }
            }
            listing
        });
        let (stem, ext) = (stem_of(path), ext_of(path));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let photo_is_raw = is_raw_ext(&ext);
        let photo_is_rendering = RENDERINGS.contains(&ext.as_str());
        let mut out = Vec::new();
        // Files named like the photo ("IMG_1.*"), then sidecars named after its whole name
        // ("IMG_1.CR2.xmp"): no other file can be a companion.
        let same_stem = files.get(&stem).into_iter().flatten();
        let whole_name = files.get(&name).filter(|_| name != stem);
        for (f, fext) in same_stem {
            if f == path {
                continue;
            }
            let kind = if SIDECARS.contains(&fext.as_str()) {
                // "IMG_1.xmp".
                Some(CompanionKind::Sidecar)
            } else if photo_is_raw && RENDERINGS.contains(&fext.as_str()) {
                Some(CompanionKind::Rendering)
            } else if photo_is_rendering && is_raw_ext(fext) {
                Some(CompanionKind::Raw)
            } else if photo_is_rendering && LIVE_VIDEOS.contains(&fext.as_str()) {
                Some(CompanionKind::LiveVideo)
            } else {
                None
            };
            if let Some(kind) = kind {
                out.push(Companion {
                    path: f.clone(),
                    kind,
                });
            }
        }
        for (f, fext) in whole_name.into_iter().flatten() {
            if f != path && SIDECARS.contains(&fext.as_str()) {
                out.push(Companion {
                    path: f.clone(),
                    kind: CompanionKind::Sidecar,
                });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}

/// A shareable cache of [`CompanionFinder`] answers, kept beside a duplicate graph so that
/// regrouping (a slider moved) lists no folder twice. Cloning gives an empty cache.
#[derive(Default)]
pub struct CompanionCache(std::sync::Mutex<CompanionFinder>);

impl CompanionCache {
    /// The companions of the photo at `path` (folders listed once per cache).
    pub fn companions(&self, path: &Path) -> Vec<Companion> {
        match self.0.lock() {
            Ok(mut f) => f.companions(path),
            Err(poisoned) => poisoned.into_inner().companions(path),
        }
    }
}

impl Clone for CompanionCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for CompanionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompanionCache")
    }
}

/// The companions of one photo (see [`CompanionFinder`] for many).
pub fn companions_of(path: &Path) -> Vec<Companion> {
    CompanionFinder::new().companions(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, names: &[&str]) {
        for n in names {
            std::fs::write(dir.join(n), b"x").expect("write");
        }
    }

    #[test]
    fn raw_and_jpeg_of_one_shot_travel_together_with_their_sidecars() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        touch(
            d,
            &[
                "DSC_0001.NEF",
                "DSC_0001.JPG",
                "DSC_0001.xmp",
                "DSC_0001.NEF.xmp",
                "DSC_0002.JPG",
                "DSC_0001 copy.JPG",
                "DSC_0001.png",
            ],
        );
        let kinds = |p: &str| -> Vec<(String, CompanionKind)> {
            companions_of(&d.join(p))
                .into_iter()
                .map(|c| {
                    (
                        c.path
                            .file_name()
                            .expect("name")
                            .to_string_lossy()
                            .into_owned(),
                        c.kind,
                    )
                })
                .collect()
        };
        assert_eq!(
            kinds("DSC_0001.NEF"),
            vec![
                ("DSC_0001.JPG".into(), CompanionKind::Rendering),
                ("DSC_0001.NEF.xmp".into(), CompanionKind::Sidecar),
                ("DSC_0001.xmp".into(), CompanionKind::Sidecar),
            ]
        );
        assert_eq!(
            kinds("DSC_0001.JPG"),
            vec![
                ("DSC_0001.NEF".into(), CompanionKind::Raw),
                ("DSC_0001.xmp".into(), CompanionKind::Sidecar),
            ]
        );
        // Another shot, an edited copy and a PNG export are not companions.
        assert!(kinds("DSC_0002.JPG").is_empty());
        assert!(kinds("DSC_0001 copy.JPG").is_empty());
    }

    #[test]
    fn a_live_photo_keeps_its_video_and_edit_file() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        touch(
            d,
            &[
                "IMG_4001.HEIC",
                "IMG_4001.MOV",
                "IMG_4001.AAE",
                "IMG_4002.MOV",
            ],
        );
        let c = companions_of(&d.join("IMG_4001.HEIC"));
        let kinds: Vec<CompanionKind> = c.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![CompanionKind::Sidecar, CompanionKind::LiveVideo]
        );
    }
}
