//! The capture fields of one parsed EXIF stream.

use super::capture::{CaptureInfo, CaptureTime, Gps};
use exif::{Exif, Field, In, Tag, Value};

/// Capture time, camera, lens and location from `exif`.
pub(super) fn from_exif(exif: &Exif) -> CaptureInfo {
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    let taken = capture_time(
        field(Tag::DateTimeOriginal),
        field(Tag::SubSecTimeOriginal),
        field(Tag::OffsetTimeOriginal),
    )
    .or_else(|| {
        capture_time(
            field(Tag::DateTimeDigitized),
            field(Tag::SubSecTimeDigitized),
            field(Tag::OffsetTimeDigitized),
        )
    });
    let gps = match (
        degrees(field(Tag::GPSLatitude)),
        degrees(field(Tag::GPSLongitude)),
    ) {
        (Some(lat), Some(lon)) => {
            let south = text(field(Tag::GPSLatitudeRef)).is_some_and(|r| r.starts_with('S'));
            let west = text(field(Tag::GPSLongitudeRef)).is_some_and(|r| r.starts_with('W'));
            let (lat, lon) = (
                if south { -lat } else { lat },
                if west { -lon } else { lon },
            );
            // 0,0 is what cameras write when they had no fix.
            ((lat.abs() <= 90.0 && lon.abs() <= 180.0) && (lat != 0.0 || lon != 0.0))
                .then_some(Gps { lat, lon })
        }
        _ => None,
    };
    CaptureInfo {
        taken,
        make: text(field(Tag::Make)),
        model: text(field(Tag::Model)),
        lens: text(field(Tag::LensModel)),
        gps,
    }
}

/// A trimmed, non-empty ASCII field.
fn text(f: Option<&Field>) -> Option<String> {
    let Value::Ascii(parts) = &f?.value else {
        return None;
    };
    let raw = parts.first()?;
    let s = String::from_utf8_lossy(raw);
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

/// The bytes of an ASCII field.
fn ascii(f: Option<&Field>) -> Option<Vec<u8>> {
    match &f?.value {
        Value::Ascii(parts) => parts.first().cloned(),
        _ => None,
    }
}

fn capture_time(
    date: Option<&Field>,
    subsec: Option<&Field>,
    offset: Option<&Field>,
) -> Option<CaptureTime> {
    let mut dt = exif::DateTime::from_ascii(&ascii(date)?).ok()?;
    if let Some(s) = ascii(subsec) {
        let _ = dt.parse_subsec(&s);
    }
    if let Some(o) = ascii(offset) {
        let _ = dt.parse_offset(&o);
    }
    CaptureTime::from_parts(
        i32::from(dt.year),
        u32::from(dt.month),
        u32::from(dt.day),
        u32::from(dt.hour),
        u32::from(dt.minute),
        u32::from(dt.second),
        dt.nanosecond.map(|n| n / 1_000_000),
        dt.offset.map(i32::from),
    )
}

/// Degrees from a GPS (degrees, minutes, seconds) rational triple.
fn degrees(f: Option<&Field>) -> Option<f64> {
    let Value::Rational(r) = &f?.value else {
        return None;
    };
    let part = |i: usize| {
        r.get(i)
            .filter(|v| v.denom != 0)
            .map_or(0.0, |v| v.to_f64())
    };
    if r.is_empty() || r[0].denom == 0 {
        return None;
    }
    let d = part(0) + part(1) / 60.0 + part(2) / 3600.0;
    d.is_finite().then_some(d)
}
