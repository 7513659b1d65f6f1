//! Recognising a camera RAW: content signatures first, then the extension for TIFF-structured
//! RAWs, then (conservatively) a camera maker's TIFF carrying both a large JPEG preview and
//! raw sensor data, such as a NEF renamed `.tif`.

use super::tiff::{self, Tiff};
use super::{MIN_PREVIEW_LONG_SIDE, RawKind, raf};

/// Kinds that are not TIFF files inside, so an extension alone never makes a TIFF one of them.
const NOT_TIFF: [RawKind; 5] = [
    RawKind::Cr3,
    RawKind::Raf,
    RawKind::Crw,
    RawKind::Mrw,
    RawKind::X3f,
];

/// See [`super::sniff`].
pub(super) fn sniff(b: &[u8], ext: Option<&str>) -> Option<RawKind> {
    let at = |range: std::ops::Range<usize>| b.get(range).unwrap_or(&[]);
    if at(4..8) == b"ftyp" && at(8..12) == b"crx " {
        return Some(RawKind::Cr3);
    }
    if b.starts_with(raf::MAGIC) {
        return Some(RawKind::Raf);
    }
    if [b"IIRO", b"IIRS", b"MMOR"]
        .iter()
        .any(|m| b.starts_with(*m))
    {
        return Some(RawKind::Orf);
    }
    if b.starts_with(b"IIU\0") {
        return Some(match ext {
            Some("raw") => RawKind::PanasonicRaw,
            Some("rwl") => RawKind::Rwl,
            _ => RawKind::Rw2,
        });
    }
    if b.starts_with(b"\0MRM") {
        return Some(RawKind::Mrw);
    }
    if b.starts_with(b"FOVb") {
        return Some(RawKind::X3f);
    }
    if (b.starts_with(b"II") || b.starts_with(b"MM")) && at(6..14) == b"HEAPCCDR" {
        return Some(RawKind::Crw);
    }
    // Phase One: its own "IIII" header, alone or after a TIFF header.
    let phase_one = |h: &[u8]| h == b"IIII" || h == b"MMMM";
    if phase_one(at(0..4)) {
        return Some(RawKind::Iiq);
    }
    let t = Tiff::new(b).filter(|t| t.magic == 42)?;
    if at(8..11) == b"CR\x02" {
        return Some(RawKind::Cr2);
    }
    if phase_one(at(8..12)) {
        return Some(RawKind::Iiq);
    }
    let (ifd0, _) = t.ifd(t.ifd0)?;
    if tiff::find(&ifd0, 0xC612).is_some() {
        return Some(RawKind::Dng);
    }
    if let Some(kind) = ext.and_then(RawKind::from_extension) {
        return (!NOT_TIFF.contains(&kind)).then_some(kind);
    }
    // A TIFF without a RAW extension: only a camera maker's file with a large JPEG preview
    // and full-resolution sensor data is a RAW; a TIFF photo (RGB pixels) stays a TIFF.
    let make = tiff::find(&ifd0, 0x10F).and_then(|e| t.ascii(e))?;
    let kind = maker_kind(make)?;
    let walk = tiff::walk(&t);
    let big_preview = walk
        .info
        .previews
        .iter()
        .any(|c| c.long_side() >= MIN_PREVIEW_LONG_SIDE);
    (walk.has_sensor_data && big_preview).then_some(kind)
}

/// The RAW kind a camera maker writes as a TIFF-structured file.
fn maker_kind(make: &str) -> Option<RawKind> {
    let make = make.to_ascii_lowercase();
    let has = |s: &str| make.contains(s);
    Some(if has("nikon") {
        RawKind::Nef
    } else if has("canon") {
        RawKind::Cr2
    } else if has("sony") {
        RawKind::Arw
    } else if has("pentax") || has("ricoh") {
        RawKind::Pef
    } else if has("samsung") {
        RawKind::Srw
    } else if has("olympus") || has("om digital") {
        RawKind::Orf
    } else if has("panasonic") {
        RawKind::Rw2
    } else if has("leica") {
        RawKind::Rwl
    } else if has("hasselblad") {
        RawKind::ThreeFr
    } else if has("phase one") {
        RawKind::Iiq
    } else if has("leaf") {
        RawKind::Mos
    } else if has("mamiya") {
        RawKind::Mef
    } else if has("kodak") {
        RawKind::Dcr
    } else if has("epson") {
        RawKind::Erf
    } else {
        return None;
    })
}
