//! The exposure of a photo (aperture, shutter, ISO, focal length), read from its EXIF when
//! someone asks (the photo info panel); the catalog does not store it.

use super::containers;
use crate::core::image_io::PhotoFormat;
use exif::{Exif, Field, In, Tag, Value};
use std::path::Path;

/// How a photo was exposed, as its camera recorded it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposure {
    /// The f-number (2.8 for f/2.8).
    pub aperture: Option<f64>,
    /// Exposure time in seconds.
    pub shutter_s: Option<f64>,
    /// ISO sensitivity.
    pub iso: Option<u32>,
    /// Focal length in millimetres.
    pub focal_mm: Option<f64>,
    /// The 35 mm equivalent focal length, when recorded.
    pub focal_35mm: Option<u32>,
}

impl Exposure {
    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Each field from `self`, else from `other`.
    fn or(self, other: Exposure) -> Exposure {
        Exposure {
            aperture: self.aperture.or(other.aperture),
            shutter_s: self.shutter_s.or(other.shutter_s),
            iso: self.iso.or(other.iso),
            focal_mm: self.focal_mm.or(other.focal_mm),
            focal_35mm: self.focal_35mm.or(other.focal_35mm),
        }
    }

    /// "f/2.8".
    pub fn aperture_text(&self) -> Option<String> {
        self.aperture.map(|a| format!("f/{}", trim(a, 1)))
    }

    /// "1/250 s", "0.5 s", "2 s".
    pub fn shutter_text(&self) -> Option<String> {
        self.shutter_s.map(|t| {
            if t < 0.5 {
                format!("1/{} s", (1.0 / t).round())
            } else {
                format!("{} s", trim(t, 1))
            }
        })
    }

    /// "ISO 400".
    pub fn iso_text(&self) -> Option<String> {
        self.iso.map(|i| format!("ISO {i}"))
    }

    /// "26 mm (35 mm equivalent: 28 mm)".
    pub fn focal_text(&self) -> Option<String> {
        match (self.focal_mm, self.focal_35mm) {
            (Some(f), Some(e)) if (f - f64::from(e)).abs() >= 0.5 => {
                Some(format!("{} mm (35 mm equivalent: {e} mm)", trim(f, 1)))
            }
            (Some(f), _) => Some(format!("{} mm", trim(f, 1))),
            (None, Some(e)) => Some(format!("{e} mm (35 mm equivalent)")),
            (None, None) => None,
        }
    }
}

/// `v` with at most `digits` decimals and no trailing zeros: 2.8, 4, 5.6.
fn trim(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The exposure in a photo's bytes; empty without EXIF. Panics in the parser are caught.
pub fn read(bytes: &[u8], format: PhotoFormat) -> Exposure {
    crate::core::guard::catch_any(|| {
        containers::parsed(bytes, format)
            .iter()
            .map(from_exif)
            .fold(Exposure::default(), Exposure::or)
    })
    .unwrap_or_default()
}

/// The exposure of the photo at `path`; an error (for a person) when it cannot be read.
pub fn read_file(path: &Path) -> Result<Exposure, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let format = crate::core::image_io::sniff_file(&bytes, path)
        .ok_or_else(|| format!("{} is not a photo Lookalike can read", path.display()))?;
    Ok(read(&bytes, format))
}

/// The exposure fields of one parsed EXIF stream.
fn from_exif(exif: &Exif) -> Exposure {
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    // APEX values are the fallback: Av = 2·log2(N), Tv = −log2(t).
    let aperture = number(field(Tag::FNumber))
        .or_else(|| number(field(Tag::ApertureValue)).map(|av| 2f64.powf(av / 2.0)));
    let shutter_s = number(field(Tag::ExposureTime))
        .or_else(|| number(field(Tag::ShutterSpeedValue)).map(|tv| 2f64.powf(-tv)));
    Exposure {
        aperture: aperture.filter(|a| a.is_finite() && *a > 0.0 && *a < 1000.0),
        shutter_s: shutter_s.filter(|t| t.is_finite() && *t > 0.0 && *t < 100_000.0),
        iso: uint(field(Tag::PhotographicSensitivity)).filter(|&i| i > 0),
        focal_mm: number(field(Tag::FocalLength)).filter(|f| f.is_finite() && *f > 0.0),
        focal_35mm: uint(field(Tag::FocalLengthIn35mmFilm)).filter(|&f| f > 0),
    }
}

/// A rational or integer field as a number; `None` for a zero denominator.
fn number(f: Option<&Field>) -> Option<f64> {
    match &f?.value {
        Value::Rational(v) => v.first().filter(|r| r.denom != 0).map(|r| r.to_f64()),
        Value::SRational(v) => v.first().filter(|r| r.denom != 0).map(|r| r.to_f64()),
        other => other.get_uint(0).map(f64::from),
    }
}

/// An integer field.
fn uint(f: Option<&Field>) -> Option<u32> {
    f?.value.get_uint(0)
}
