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

/// How many nearest photos a filtered query ranks at most before filtering, unless `k * 10` is
/// more (see [`PhotoFilter::query_candidates`]). Libraries up to this size are searched whole.
pub const FILTERED_QUERY_CANDIDATES: usize = 10_000;

/// A calendar day (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// The day `year-month-day`; `None` when there is no such day (or the year is not 1–9999).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Self { year, month, day })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u32 {
        self.day
    }

    /// The UTC day of a time in nanoseconds since the Unix epoch (a file's modification time).
    pub fn from_unix_ns(ns: i64) -> Self {
        let days = ns.div_euclid(1_000_000_000).div_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Self { year, month, day }
    }

    /// The day a photo was taken (its camera's local date, else the date in its file name),
    /// else the UTC day its file was last modified.
    pub fn of_photo(p: &PhotoInfo) -> Self {
        p.dated()
            .and_then(|(t, _)| t.local.get(..10).and_then(Self::parse_day))
            .unwrap_or_else(|| Self::from_unix_ns(p.mtime_ns))
    }

    /// Exactly "YYYY-MM-DD".
    fn parse_day(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Self::new(
            s.get(..4)?.parse().ok()?,
            s.get(5..7)?.parse().ok()?,
            s.get(8..10)?.parse().ok()?,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_day(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a YYYY-MM-DD date")))
    }
}

/// The days a typed date stands for: one day, a whole month or a whole year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    /// The first day (what `after` takes).
    pub first: Date,
    /// The last day (what `before` takes).
    pub last: Date,
}

/// A date that could not be read; says which forms are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// What was typed.
    pub input: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a date: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019, 2019-07 or 2019-07-04)",
            self.input
        )
    }
}

impl std::error::Error for DateError {}

/// Read "2019-07-04", "2019-07" or "2019" (surrounding blanks ignored; one-digit months and days
/// allowed). A month or a year stands for all its days: `after` takes [`DateSpan::first`],
/// `before` [`DateSpan::last`].
pub fn parse_date(s: &str) -> Result<DateSpan, DateError> {
    let err = || DateError {
        input: s.trim().to_string(),
    };
    let t = s.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let num = |p: &str, max_len: usize| -> Option<u32> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let year = parts
        .first()
        .filter(|y| y.len() == 4)
        .and_then(|y| num(y, 4))
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(err)?;
    let span = match parts.as_slice() {
        [_] => Date::new(year, 1, 1).zip(Date::new(year, 12, 31)),
        [_, m] => {
            let m = num(m, 2).ok_or_else(err)?;
            Date::new(year, m, 1).zip(
                (1..=12)
                    .contains(&m)
                    .then(|| Date::new(year, m, days_in_month(year, m)))
                    .flatten(),
            )
        }
        [_, m, d] => {
            let day = num(m, 2)
                .zip(num(d, 2))
                .and_then(|(m, d)| Date::new(year, m, d))
                .ok_or_else(err)?;
            Some((day, day))
        }
        _ => None,
    };
    span.map(|(first, last)| DateSpan { first, last })
        .ok_or_else(err)
}

/// A family of file formats a person can pick.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FormatClass {
    /// JPEG.
    Jpeg,
    /// HEIC / HEIF.
    Heic,
    /// AVIF.
    Avif,
    /// JPEG XL.
    Jxl,
    /// PNG.
    Png,
    /// Camera RAW (DNG, NEF, CR2, ARW...).
    Raw,
    /// A video.
    Video,
    /// Anything else (WebP, TIFF, GIF...).
    Other,
}

impl FormatClass {
    /// Every class, in the order they are offered.
    pub const ALL: [FormatClass; 8] = [
        Self::Jpeg,
        Self::Heic,
        Self::Avif,
        Self::Jxl,
        Self::Png,
        Self::Raw,
        Self::Video,
        Self::Other,
    ];

    /// The class of a photo, by its catalog format (and, for videos, its file name).
    pub fn of(p: &PhotoInfo) -> Self {
        let f = p.format.as_str();
        match f {
            "jpeg" | "jpg" => Self::Jpeg,
            "heic" | "heif" => Self::Heic,
            "avif" => Self::Avif,
            "jxl" => Self::Jxl,
            "png" => Self::Png,
            _ if RawKind::is_raw_name(f) => Self::Raw,
            _ if crate::core::video::VIDEO_EXTS.contains(&f)
                || crate::core::video::is_video_path(&p.path) =>
            {
                Self::Video
            }
            _ => Self::Other,
        }
    }

    /// The lower-case name the CLI takes ("heic").
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Heic => "heic",
            Self::Avif => "avif",
            Self::Jxl => "jxl",
            Self::Png => "png",
            Self::Raw => "raw",
            Self::Video => "video",
            Self::Other => "other",
        }
    }

    /// The name shown to a person ("HEIC", "JPEG XL").
    pub fn label(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Heic => "HEIC",
            Self::Avif => "AVIF",
            Self::Jxl => "JPEG XL",
            Self::Png => "PNG",
            Self::Raw => "RAW",
            Self::Video => "Video",
            Self::Other => "Other",
        }
    }
}

impl std::str::FromStr for FormatClass {
    type Err = String;

    /// A class name, or a common format name of one ("jpg", "heif", "dng", "mov").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.trim_start_matches('.');
        if let Some(c) = Self::ALL.iter().find(|c| c.name() == t) {
            return Ok(*c);
        }
        match t {
            "jpg" | "jpe" => Ok(Self::Jpeg),
            "heif" | "hif" => Ok(Self::Heic),
            "jpegxl" | "jpeg-xl" => Ok(Self::Jxl),
            "videos" | "movie" => Ok(Self::Video),
            _ if RawKind::is_raw_name(t) => Ok(Self::Raw),
            _ if crate::core::video::VIDEO_EXTS.contains(&t) => Ok(Self::Video),
            _ => Err(format!(
                "unknown format `{}`: use {}",
                s.trim(),
                Self::ALL.map(Self::name).join(", ")
            )),
        }
    }
}

/// The shape of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Taller than wide.
    Portrait,
    /// Wider than tall.
    Landscape,
    /// As wide as tall.
    Square,
}

impl Orientation {
    /// Every orientation, in the order they are offered.
    pub const ALL: [Orientation; 3] = [Self::Portrait, Self::Landscape, Self::Square];

    /// The shape of an upright `width` × `height` photo; `None` when its size is unknown (0).
    pub fn of(width: u32, height: u32) -> Option<Self> {
        if width == 0 || height == 0 {
            return None;
        }
        Some(match width.cmp(&height) {
            std::cmp::Ordering::Less => Self::Portrait,
            std::cmp::Ordering::Greater => Self::Landscape,
            std::cmp::Ordering::Equal => Self::Square,
        })
    }

    /// The lower-case name ("portrait").
    pub fn name(self) -> &'static str {
        match self {
            Self::Portrait => "portrait",
            Self::Landscape => "landscape",
            Self::Square => "square",
        }
    }

    /// The name shown to a person ("Portrait").
    pub fn label(self) -> &'static str {
        match self {
            Self::Portrait => "Portrait",
            Self::Landscape => "Landscape",
            Self::Square => "Square",
        }
    }
}

impl std::str::FromStr for Orientation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Self::ALL
            .iter()
            .find(|o| o.name() == t)
            .copied()
            .ok_or_else(|| {
                format!(
                    "unknown orientation `{}`: use portrait, landscape or square",
                    s.trim()
                )
            })
    }
}

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

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        m,
        d,
    )
}

#[cfg(test)]
mod tests;
