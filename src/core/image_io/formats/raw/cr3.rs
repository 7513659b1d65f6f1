//! Canon CR3 (ISO-BMFF): the PRVW preview in its uuid box, the THMB thumbnail, the full-size
//! JPEG of the first track, and the CMT1..CMT4 TIFF blocks (IFD0, EXIF, maker note, GPS).

use super::RawInfo;
use super::preview::Candidate;
use super::tiff::{self, Tiff};
use std::ops::Range;

/// The top-level uuid box holding the PRVW preview.
const PRVW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];
/// Canon's uuid box inside `moov` holding CMT1..CMT4 and THMB.
const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];
/// At most this many boxes are read at one level.
const MAX_BOXES: usize = 1024;

/// One ISO-BMFF box: its type, uuid (for `uuid` boxes) and payload range in the file.
#[derive(Debug, Clone)]
struct Bmff {
    typ: [u8; 4],
    uuid: Option<[u8; 16]>,
    body: Range<usize>,
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_be(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// The boxes inside `range` of `b` (a box running past the range is cut to it, and ends the
/// list).
fn boxes(b: &[u8], range: Range<usize>) -> Vec<Bmff> {
    let mut out = Vec::new();
    let end = range.end.min(b.len());
    let mut pos = range.start;
    while pos.saturating_add(8) <= end && out.len() < MAX_BOXES {
        let (Some(size), Some(typ)) = (u32_be(b, pos), b.get(pos + 4..pos + 8)) else {
            break;
        };
        let Ok(typ) = <[u8; 4]>::try_from(typ) else {
            break;
        };
        let (size, mut header) = match size {
            0 => ((end - pos) as u64, 8),
            1 => match u64_be(b, pos + 8) {
                Some(s) => (s, 16),
                None => break,
            },
            s => (u64::from(s), 8),
        };
        let uuid = if &typ == b"uuid" {
            let u = b
                .get(pos + header..pos + header + 16)
                .and_then(|u| <[u8; 16]>::try_from(u).ok());
            header += 16;
            u
        } else {
            None
        };
        if size < header as u64 {
            break;
        }
        let box_end = usize::try_from(size)
            .ok()
            .and_then(|s| pos.checked_add(s))
            .map_or(end, |e| e.min(end));
        let body_start = (pos + header).min(box_end);
        out.push(Bmff {
            typ,
            uuid,
            body: body_start..box_end,
        });
        if box_end >= end || box_end <= pos {
            break;
        }
        pos = box_end;
    }
    out
}

/// The first child of `parent` with type `typ`.
fn child(b: &[u8], parent: &Bmff, typ: &[u8; 4]) -> Option<Bmff> {
    boxes(b, parent.body.clone())
        .into_iter()
        .find(|x| &x.typ == typ)
}

/// The JPEG inside a PRVW or THMB box: it follows a short header of sizes.
fn jpeg_in(b: &[u8], body: &Range<usize>) -> Option<Candidate> {
    let head = b.get(body.start..body.end.min(body.start + 64))?;
    let p = head.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF])?;
    let start = body.start + p;
    Candidate::at(b, start, body.end - start)
}

/// The top-level boxes and `moov`'s Canon uuid box children.
fn canon_boxes(b: &[u8]) -> (Vec<Bmff>, Vec<Bmff>, Vec<Bmff>) {
    let top = boxes(b, 0..b.len());
    let moov: Vec<Bmff> = top
        .iter()
        .find(|x| &x.typ == b"moov")
        .map(|m| boxes(b, m.body.clone()))
        .unwrap_or_default();
    let canon: Vec<Bmff> = moov
        .iter()
        .find(|x| x.uuid == Some(CANON_UUID))
        .map(|c| boxes(b, c.body.clone()))
        .unwrap_or_default();
    (top, moov, canon)
}

/// The payloads of the CMT1 (IFD0), CMT2 (EXIF), CMT3 (maker note) and CMT4 (GPS) boxes.
pub(super) fn cmt_blocks(b: &[u8]) -> [Option<&[u8]>; 4] {
    let (_, _, canon) = canon_boxes(b);
    [b"CMT1", b"CMT2", b"CMT3", b"CMT4"].map(|name| {
        canon
            .iter()
            .find(|x| &x.typ == name)
            .and_then(|x| b.get(x.body.clone()))
            .filter(|p| Tiff::new(p).is_some())
    })
}

/// The first sample (offset, size) of a `trak`: in CR3 the first track's is the full-size JPEG.
fn first_sample(b: &[u8], trak: &Bmff) -> Option<(u64, u64)> {
    let mdia = child(b, trak, b"mdia")?;
    let minf = child(b, &mdia, b"minf")?;
    let stbl = child(b, &minf, b"stbl")?;
    let stsz = child(b, &stbl, b"stsz")?;
    let s = stsz.body.start;
    let size = match u32_be(b, s + 4)? {
        0 => u32_be(b, s + 12)?,
        n => n,
    };
    let offset = if let Some(co64) = child(b, &stbl, b"co64") {
        u64_be(b, co64.body.start + 8)?
    } else {
        let stco = child(b, &stbl, b"stco")?;
        u64::from(u32_be(b, stco.body.start + 8)?)
    };
    Some((offset, u64::from(size)))
}

/// The previews, orientation and size of a CR3.
pub(super) fn inspect(b: &[u8]) -> RawInfo {
    let (top, moov, canon) = canon_boxes(b);
    let mut info = RawInfo::default();
    // Orientation and ImageWidth/ImageLength from CMT1 (its offsets are its own).
    if let Some(cmt1) = cmt_blocks(b)[0] {
        let cmt = tiff::inspect(cmt1);
        info.orientation = cmt.orientation;
        info.sizes = cmt.sizes;
    }
    if let Some(thmb) = canon.iter().find(|x| &x.typ == b"THMB") {
        info.previews.extend(jpeg_in(b, &thmb.body));
    }
    for uuid in top.iter().filter(|x| x.uuid == Some(PRVW_UUID)) {
        for prvw in boxes(b, uuid.body.start.saturating_add(8)..uuid.body.end)
            .iter()
            .filter(|x| &x.typ == b"PRVW")
        {
            info.previews.extend(jpeg_in(b, &prvw.body));
        }
    }
    if let Some(trak) = moov.iter().find(|x| &x.typ == b"trak")
        && let Some((offset, len)) = first_sample(b, trak)
    {
        tiff::push_pointer(&mut info, b, offset, len);
    }
    info
}
