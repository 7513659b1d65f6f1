//! Which photo of a group to keep, which may be removed, and why — in words.
//!
//! Before any criterion: photos in reference folders are kept, and a camera RAW (or a photo
//! whose RAW lies beside it) always wins over photos without one: a RAW is never offered for
//! removal because its own JPEG has more pixels or a larger file. Between two copies of the same
//! picture size, one with a caption or logo drawn over the picture never wins over the clean one
//! (the drawing adds bytes, which "larger file" would reward). Then the reorderable rule,
//! by default: highest resolution (of the picture, not the canvas: uniform margins, and caption
//! bars a copy added outside the picture, do not count), then the camera's capture data (a copy that lost its EXIF to
//! a messaging app never wins over one that has it), then the original format (HEIC, AVIF, JPEG
//! XL or RAW over a re-encode; else the format of the photo taken first), then the larger file,
//! then the photo taken first (capture time, else the file's date).

use super::graph::PhotoEntry;
use crate::core::catalog::PhotoInfo;
use crate::core::image_io::formats::raw::RawKind;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// One criterion of the keep-best rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// More pixels wins.
    Resolution,
    /// A photo with the camera's capture data (EXIF date or camera) wins over one without.
    CameraData,
    /// A camera-native format (HEIC, AVIF, JPEG XL, RAW), else the group's original format
    /// (that of the photo taken first), wins over re-encodes.
    OriginalFormat,
    /// The larger file wins.
    LargerFile,
    /// The photo taken first (capture time, else file date) wins.
    Oldest,
}

impl Criterion {
    /// What the criterion means, for the UI.
    pub fn explain(self) -> &'static str {
        match self {
            Criterion::Resolution => "highest resolution",
            Criterion::CameraData => "camera's capture data (EXIF) kept",
            Criterion::OriginalFormat => "original format over a re-encode",
            Criterion::LargerFile => "larger file",
            Criterion::Oldest => "oldest photo",
        }
    }
}

/// An ordered list of criteria; the first that tells two photos apart decides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeepRule {
    /// Criteria in order of importance.
    pub order: Vec<Criterion>,
}

impl Default for KeepRule {
    fn default() -> Self {
        Self {
            order: vec![
                Criterion::Resolution,
                Criterion::CameraData,
                Criterion::OriginalFormat,
                Criterion::LargerFile,
                Criterion::Oldest,
            ],
        }
    }
}

/// The photo a rule keeps and the reason, for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeepChoice {
    /// Index of the kept photo.
    pub index: usize,
    /// Why it beat the next best one: "the RAW original", "highest resolution (4032×3024)".
    pub reason: String,
}

/// Why a copy with more pixels than the keeper is not kept.
const ONLY_ADDS: &str = "the larger copy only adds borders or a caption bar";

/// Why a copy of the same picture size with a larger file is not kept.
const DRAWN_OVER: &str = "a copy with a caption or logo drawn over the picture is not kept";

/// What decided between two photos.
enum Decider {
    Reference,
    Raw,
    /// Nothing drawn over the picture, where the other photo has a caption or logo.
    Clean,
    Criterion(Criterion),
    Path,
}

/// Formats a camera or phone writes as its original (never a messaging app's re-encode).
fn camera_native(format: &str) -> bool {
    matches!(format, "heic" | "avif" | "jxl") || RawKind::is_raw_name(format)
}

impl KeepRule {
    /// One line for the UI: "highest resolution, then ...".
    pub fn explain(&self) -> String {
        let parts: Vec<&str> = self.order.iter().map(|c| c.explain()).collect();
        parts.join(", then ")
    }

    /// A rule saved before a criterion existed, with the new criterion in its default place
    /// (a saved order stays as the person set it otherwise).
    pub fn with_new_criteria(mut self) -> Self {
        let default = Self::default().order;
        for (i, c) in default.iter().enumerate() {
            if !self.order.contains(c) {
                let at = default[..i]
                    .iter()
                    .rev()
                    .find_map(|prev| self.order.iter().position(|o| o == prev))
                    .map_or(0, |p| p + 1);
                self.order.insert(at, *c);
            }
        }
        self
    }

    /// Index of the photo to keep among `photos` (`None` for an empty slice); RAW-backed photos
    /// are those whose format is a camera RAW.
    pub fn choose(&self, photos: &[&PhotoEntry], reference: &[PathBuf]) -> Option<usize> {
        let raw: Vec<bool> = photos
            .iter()
            .map(|p| RawKind::is_raw_name(&p.info.format))
            .collect();
        self.choose_with(photos, &raw, reference).map(|c| c.index)
    }

    /// The photo to keep among `photos` and why. `raw_backed[i]` says whether photo `i` is a
    /// camera RAW or has its RAW beside it (see [`crate::core::pairs`]).
    pub fn choose_with(
        &self,
        photos: &[&PhotoEntry],
        raw_backed: &[bool],
        reference: &[PathBuf],
    ) -> Option<KeepChoice> {
        self.choose_with_drawn(photos, raw_backed, &[], reference)
    }

    /// [`KeepRule::choose_with`], where `drawn_over[i]` says that photo `i` has something drawn
    /// over the picture (a caption, a logo) that another photo of the group lacks (see
    /// [`super::overlay`]): between two photos of the same picture size the clean one is kept,
    /// whatever the criteria say (the drawing adds bytes, which "larger file" would reward).
    pub fn choose_with_drawn(
        &self,
        photos: &[&PhotoEntry],
        raw_backed: &[bool],
        drawn_over: &[bool],
        reference: &[PathBuf],
    ) -> Option<KeepChoice> {
        let original_format = photos
            .iter()
            .min_by_key(|p| p.info.taken_or_file_ms())
            .map(|p| p.info.format.clone())
            .unwrap_or_default();
        let raw = |i: usize| raw_backed.get(i).copied().unwrap_or(false);
        let drawn = |i: usize| drawn_over.get(i).copied().unwrap_or(false);
        let compare = |i: usize, j: usize| -> (Ordering, Decider) {
            let (a, b) = (&photos[i].info, &photos[j].info);
            let (ra, rb) = (
                in_reference(&a.path, reference),
                in_reference(&b.path, reference),
            );
            if ra != rb {
                return (ra.cmp(&rb), Decider::Reference);
            }
            if raw(i) != raw(j) {
                return (raw(i).cmp(&raw(j)), Decider::Raw);
            }
            let (da, db) = (drawn(i), drawn(j));
            let (pa, pb) = (a.picture_pixels(), b.picture_pixels());
            if da != db && (pa - pb).abs() <= 0.03 * pa.max(pb) {
                return (db.cmp(&da), Decider::Clean);
            }
            for c in &self.order {
                let o = criterion(*c, a, b, &original_format);
                if o != Ordering::Equal {
                    return (o, Decider::Criterion(*c));
                }
            }
            // Deterministic last resort: the shorter, then smaller path.
            let (pa, pb) = (a.path.as_os_str(), b.path.as_os_str());
            (pb.len().cmp(&pa.len()).then(pb.cmp(pa)), Decider::Path)
        };
        let index = (0..photos.len()).max_by(|&i, &j| compare(i, j).0)?;
        // The reason is what set the keeper apart from the best of the others.
        let runner_up = (0..photos.len())
            .filter(|&j| j != index)
            .max_by(|&i, &j| compare(i, j).0);
        let reason = match runner_up {
            None => "the only photo".to_string(),
            Some(j) => {
                let kept = &photos[index].info;
                match compare(index, j).1 {
                    Decider::Reference => "in a reference folder".to_string(),
                    Decider::Raw if RawKind::is_raw_name(&kept.format) => {
                        format!("the RAW original ({})", kept.format.to_uppercase())
                    }
                    Decider::Raw => "its RAW original lies beside it".to_string(),
                    Decider::Clean => {
                        format!(
                            "the clean picture ({}×{}; {DRAWN_OVER})",
                            kept.width, kept.height
                        )
                    }
                    Decider::Criterion(Criterion::Resolution)
                        if u64::from(kept.width) * u64::from(kept.height)
                            < u64::from(photos[j].info.width)
                                * u64::from(photos[j].info.height) =>
                    {
                        format!(
                            "largest picture ({}×{}; {ONLY_ADDS})",
                            kept.width, kept.height
                        )
                    }
                    Decider::Criterion(c) => reason_for(c, kept),
                    Decider::Path => "identical: the shortest path".to_string(),
                }
            }
        };
        // Say so when a photo with more pixels lost because they are borders or a caption bar.
        let kept = &photos[index].info;
        let canvas = |p: &PhotoInfo| f64::from(p.width) * f64::from(p.height);
        let padded = photos.iter().any(|p| {
            canvas(&p.info) > 1.03 * canvas(kept)
                && p.info.picture_pixels() <= 1.03 * kept.picture_pixels()
        });
        let reason = if padded && !reason.contains(ONLY_ADDS) {
            format!("{reason}; {ONLY_ADDS}")
        } else {
            reason
        };
        // And when a larger file of the same picture size lost because of a drawing over it.
        let overdrawn = (0..photos.len()).any(|j| {
            let other = &photos[j].info;
            let (pk, po) = (kept.picture_pixels(), other.picture_pixels());
            drawn(j)
                && !drawn(index)
                && other.bytes > kept.bytes
                && (pk - po).abs() <= 0.03 * pk.max(po)
        });
        let reason = if overdrawn && !reason.contains(DRAWN_OVER) {
            format!("{reason}; {DRAWN_OVER}")
        } else {
            reason
        };
        Some(KeepChoice { index, reason })
    }
}

/// How `a` compares with `b` on one criterion (Greater: `a` is better).
fn criterion(c: Criterion, a: &PhotoInfo, b: &PhotoInfo, original_format: &str) -> Ordering {
    match c {
        // The picture's pixels, not the canvas's: a copy padded with a frame or borders does not
        // gain by them. Within 3 % counts as the same size (margins are found to a pixel or
        // two of the decoded photo, and a re-encode may round a side).
        Criterion::Resolution => {
            let (pa, pb) = (a.picture_pixels(), b.picture_pixels());
            if (pa - pb).abs() > 0.03 * pa.max(pb) {
                pa.total_cmp(&pb)
            } else {
                // The same picture: the copy that did not add borders around it wins.
                let share = |p: &PhotoInfo| crate::core::content_box::area_share(p.content_box);
                let (sa, sb) = (share(a), share(b));
                if (sa - sb).abs() > 0.01 {
                    sa.total_cmp(&sb)
                } else {
                    Ordering::Equal
                }
            }
        }
        Criterion::CameraData => a.has_camera_data().cmp(&b.has_camera_data()),
        Criterion::OriginalFormat => {
            let score = |p: &PhotoInfo| {
                if camera_native(&p.format) {
                    2
                } else {
                    u8::from(p.format == original_format)
                }
            };
            score(a).cmp(&score(b))
        }
        Criterion::LargerFile => a.bytes.cmp(&b.bytes),
        Criterion::Oldest => match (&a.taken, &b.taken) {
            (Some(ta), Some(tb)) => tb.unix_ms.cmp(&ta.unix_ms),
            _ => b.mtime_ns.cmp(&a.mtime_ns),
        },
    }
}

/// Why `kept` won on criterion `c`, for a person.
fn reason_for(c: Criterion, kept: &PhotoInfo) -> String {
    match c {
        Criterion::Resolution => format!("highest resolution ({}×{})", kept.width, kept.height),
        Criterion::CameraData => {
            "has the camera's capture data (the others lost their EXIF)".to_string()
        }
        Criterion::OriginalFormat => {
            format!("original format ({})", kept.format.to_uppercase())
        }
        Criterion::LargerFile => "larger file (less compression)".to_string(),
        Criterion::Oldest if kept.taken.is_some() => "taken first".to_string(),
        Criterion::Oldest => "oldest file".to_string(),
    }
}

/// Whether `path` lies under one of the reference folders.
pub fn in_reference(path: &Path, reference: &[PathBuf]) -> bool {
    reference.iter().any(|r| path.starts_with(r))
}
