//! Filters that narrow a list of photos by what a person remembers about them: when they were
//! taken, with which camera and lens, in which folder, in which format, their shape, whether they
//! carry a location, and their file name. One [`PhotoFilter`] serves the CLI (`query`, `dupes`)
//! and the GUI (Browse); every criterion that is set must hold (they combine with "and"; the
//! formats of [`PhotoFilter::formats`] are alternatives).
//!
//! **Dates** are whole days, inclusive at both ends. A photo's day is the day its camera recorded
//! (the local date of [`CaptureTime::local`], as the person saw it on the camera), else, for a
//! photo without a capture date, the day (UTC) its file was last modified.
//!
//! **Text** criteria (camera, lens, folder, name) are case-insensitive substrings; a blank one is
//! no criterion. The folder is matched against each folder of the photo's path ("Holidays"
//! matches `/photos/2019 Holidays/a.jpg`), against the whole folder path when it holds a `/`
//! ("2019/Holidays"), or, when absolute, as a folder prefix (`/photos/2019` holds everything
//! under it).
//!
//! [`CaptureTime::local`]: crate::core::metadata::CaptureTime::local

use crate::core::catalog::PhotoInfo;
use crate::core::image_io::formats::raw::RawKind;
use std::fmt;
use std::path::{Component, Path};

mod date;
mod format_class;
mod orientation;

pub use date::{Date, DateError, DateSpan, civil_from_days, parse_date};
pub use format_class::FormatClass;
pub use orientation::Orientation;

/// How many nearest photos a filtered query ranks at most before filtering, unless `k * 10` is
/// more (see [`PhotoFilter::query_candidates`]). Libraries up to this size are searched whole.
pub const FILTERED_QUERY_CANDIDATES: usize = 10_000;

/// Which photos to show: every criterion that is set must hold (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PhotoFilter {
    /// Taken on or after this day.
    pub after: Option<Date>,
    /// Taken on or before this day.
    pub before: Option<Date>,
    /// The camera contains this text.
    pub camera: Option<String>,
    /// The lens contains this text.
    pub lens: Option<String>,
    /// A folder of the path contains this text, or the path is under this absolute folder.
    pub folder: Option<String>,
    /// One of these formats; empty for any.
    pub formats: Vec<FormatClass>,
    /// This shape.
    pub orientation: Option<Orientation>,
    /// With (`true`) or without (`false`) a location.
    pub has_gps: Option<bool>,
    /// The file name contains this text.
    pub name: Option<String>,
}

impl PhotoFilter {
    /// Whether the filter lets every photo through.
    pub fn is_empty(&self) -> bool {
        self.after.is_none()
            && self.before.is_none()
            && [&self.camera, &self.lens, &self.folder, &self.name]
                .iter()
                .all(|t| needle(t).is_none())
            && self.formats.is_empty()
            && self.orientation.is_none()
            && self.has_gps.is_none()
    }

    /// Whether `p` passes every criterion. For many photos, [`PhotoFilter::matcher`] once.
    pub fn matches(&self, p: &PhotoInfo) -> bool {
        self.matcher().matches(p)
    }

    /// The filter with its texts prepared, to test many photos.
    pub fn matcher(&self) -> Matcher<'_> {
        let folder = needle(&self.folder).map(|n| {
            let raw = self.folder.as_deref().unwrap_or_default().trim();
            if Path::new(raw).is_absolute() {
                FolderNeedle::Under(Path::new(raw))
            } else if n.contains('/') || n.contains(std::path::MAIN_SEPARATOR) {
                FolderNeedle::InPath(n)
            } else {
                FolderNeedle::InComponent(n)
            }
        });
        Matcher {
            filter: self,
            camera: needle(&self.camera),
            lens: needle(&self.lens),
            folder,
            name: needle(&self.name),
        }
    }

    /// The filter in one line for a person: "taken 2019-01-01…2019-12-31 · camera X100V · in
    /// Holidays"; "no filter" when empty.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        match (self.after, self.before) {
            (Some(a), Some(b)) if a == b => parts.push(format!("taken {a}")),
            (Some(a), Some(b)) => parts.push(format!("taken {a}…{b}")),
            (Some(a), None) => parts.push(format!("taken from {a}")),
            (None, Some(b)) => parts.push(format!("taken until {b}")),
            (None, None) => {}
        }
        let text = |t: &Option<String>| {
            t.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        if let Some(c) = text(&self.camera) {
            parts.push(format!("camera {c}"));
        }
        if let Some(l) = text(&self.lens) {
            parts.push(format!("lens {l}"));
        }
        if let Some(f) = text(&self.folder) {
            parts.push(format!("in {f}"));
        }
        if !self.formats.is_empty() {
            let names: Vec<&str> = self.formats.iter().map(|f| f.label()).collect();
            parts.push(names.join(" or "));
        }
        if let Some(o) = self.orientation {
            parts.push(o.name().to_string());
        }
        match self.has_gps {
            Some(true) => parts.push("with location".into()),
            Some(false) => parts.push("without location".into()),
            None => {}
        }
        if let Some(n) = text(&self.name) {
            parts.push(format!("name contains \"{n}\""));
        }
        if parts.is_empty() {
            "no filter".into()
        } else {
            parts.join(" · ")
        }
    }

    /// How many nearest photos a query for `k` results ranks before this filter is applied:
    /// `k` without a filter; with one, the whole library when it has at most
    /// [`FILTERED_QUERY_CANDIDATES`] photos (exact), else the larger of that many and `k * 10`.
    /// So on a larger library a filter that few of the nearest photos pass can return fewer
    /// than `k` results.
    pub fn query_candidates(&self, k: usize, library_photos: usize) -> usize {
        if self.is_empty() {
            return k;
        }
        let wanted = k.saturating_mul(10).max(FILTERED_QUERY_CANDIDATES);
        library_photos.min(wanted).max(k)
    }

    /// Keep the first `k` of `ranked` (best first, [`Self::query_candidates`] of them) whose
    /// photo passes this filter.
    pub fn narrow<T>(&self, ranked: &mut Vec<T>, photo: impl Fn(&T) -> &PhotoInfo, k: usize) {
        if !self.is_empty() {
            let m = self.matcher();
            ranked.retain(|h| m.matches(photo(h)));
        }
        ranked.truncate(k);
    }
}

/// A blank text is no criterion; others are compared in lower case.
fn needle(t: &Option<String>) -> Option<String> {
    t.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

#[derive(Debug)]
enum FolderNeedle<'a> {
    /// An absolute folder: the photo is in it or below it.
    Under(&'a Path),
    /// Text with a separator: a substring of the folder path.
    InPath(String),
    /// Plain text: a substring of one folder name.
    InComponent(String),
}

/// A [`PhotoFilter`] ready to test many photos (its texts lower-cased once).
#[derive(Debug)]
pub struct Matcher<'a> {
    filter: &'a PhotoFilter,
    camera: Option<String>,
    lens: Option<String>,
    folder: Option<FolderNeedle<'a>>,
    name: Option<String>,
}

impl Matcher<'_> {
    /// Whether `p` passes every criterion.
    pub fn matches(&self, p: &PhotoInfo) -> bool {
        let f = self.filter;
        if f.after.is_some() || f.before.is_some() {
            let day = Date::of_photo(p);
            if f.after.is_some_and(|a| day < a) || f.before.is_some_and(|b| day > b) {
                return false;
            }
        }
        if !f.formats.is_empty() && !f.formats.contains(&FormatClass::of(p)) {
            return false;
        }
        if let Some(o) = f.orientation
            && Orientation::of(p.width, p.height) != Some(o)
        {
            return false;
        }
        if let Some(want) = f.has_gps
            && p.gps.is_some() != want
        {
            return false;
        }
        let text_ok = |n: &Option<String>, hay: Option<&str>| {
            n.as_deref()
                .is_none_or(|n| hay.is_some_and(|h| contains_ci(h, n)))
        };
        if !text_ok(&self.camera, p.camera.as_deref()) || !text_ok(&self.lens, p.lens.as_deref()) {
            return false;
        }
        if let Some(n) = &self.name {
            let name = p.path.file_name().unwrap_or_default().to_string_lossy();
            if !contains_ci(&name, n) {
                return false;
            }
        }
        match &self.folder {
            None => true,
            Some(FolderNeedle::Under(dir)) => p.path.parent().is_some_and(|d| d.starts_with(dir)),
            Some(FolderNeedle::InPath(n)) => p
                .path
                .parent()
                .is_some_and(|d| contains_ci(&d.to_string_lossy(), n)),
            Some(FolderNeedle::InComponent(n)) => p.path.parent().is_some_and(|d| {
                d.components().any(|c| match c {
                    Component::Normal(s) => contains_ci(&s.to_string_lossy(), n),
                    _ => false,
                })
            }),
        }
    }
}

/// Whether `hay` contains `needle_lower` (already lower-case), ignoring case; no allocation for
/// ASCII text.
fn contains_ci(hay: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle_lower.as_bytes());
        return h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle_lower)
}

#[cfg(test)]
mod tests;
