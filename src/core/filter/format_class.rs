//! The families of file formats a person can pick (JPEG, HEIC, RAW, ...).

use super::*;

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
