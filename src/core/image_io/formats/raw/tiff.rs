//! TIFF-structured RAWs (NEF, CR2, DNG, ARW, ORF, RW2, PEF...): a bounded walk over IFD0, its
//! chain, SubIFDs and the EXIF IFD that collects JPEG previews, the raw image's size and the
//! orientation. Also the IFD reader the other containers use for their TIFF blocks.

use super::RawInfo;
use super::preview::{self, Candidate};
use std::ops::Range;

/// At most this many IFDs are visited in one file (real RAWs have fewer than 12).
const MAX_IFDS: usize = 64;
/// At most this many SubIFD offsets are followed from one IFD.
const MAX_SUB_IFDS: usize = 16;

/// TIFF magic numbers: standard, Panasonic RW2, Olympus ORF ("RO", "RS").
const MAGICS: [u16; 4] = [42, 0x55, 0x4F52, 0x5352];

/// A TIFF stream: its bytes (offsets count from their start) and byte order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tiff<'a> {
    pub bytes: &'a [u8],
    pub little: bool,
    pub magic: u16,
    pub ifd0: u32,
}

/// One IFD entry: where its value (or the offset to it) sits.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    /// Position of the 4-byte value-or-offset field.
    pub at: usize,
}

/// Bytes per value of a TIFF field type, `None` for unknown types.
pub(super) fn type_size(typ: u16) -> Option<usize> {
    Some(match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    })
}

impl<'a> Tiff<'a> {
    /// Parse a TIFF header ("II"/"MM", a known magic, the IFD0 offset).
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        let little = match bytes.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let mut t = Tiff {
            bytes,
            little,
            magic: 0,
            ifd0: 0,
        };
        t.magic = t.u16(2)?;
        t.ifd0 = t.u32(4)?;
        MAGICS.contains(&t.magic).then_some(t)
    }

    pub fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    pub fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// The entries of the IFD at `offset` (those that fit in the file) and the next IFD's
    /// offset (0 when the table is cut short).
    pub fn ifd(&self, offset: u32) -> Option<(Vec<Entry>, u32)> {
        let start = usize::try_from(offset).ok()?;
        let n = usize::from(self.u16(start)?);
        let table = start.checked_add(2)?;
        let fit = self.bytes.len().saturating_sub(table) / 12;
        let entries: Vec<Entry> = (0..n.min(fit))
            .filter_map(|i| {
                let at = table + i * 12;
                Some(Entry {
                    tag: self.u16(at)?,
                    typ: self.u16(at + 2)?,
                    count: self.u32(at + 4)?,
                    at: at + 8,
                })
            })
            .collect();
        let next = if n <= fit {
            self.u32(table + n * 12).unwrap_or(0)
        } else {
            0
        };
        Some((entries, next))
    }

    /// Where an entry's value bytes lie, `None` when they are not inside the stream.
    pub fn value_range(&self, e: &Entry) -> Option<Range<usize>> {
        let len = type_size(e.typ)?.checked_mul(usize::try_from(e.count).ok()?)?;
        let start = if len <= 4 {
            e.at
        } else {
            usize::try_from(self.u32(e.at)?).ok()?
        };
        let end = start.checked_add(len)?;
        (end <= self.bytes.len()).then_some(start..end)
    }

    /// The `i`th value of an integer entry (BYTE, SHORT, LONG, IFD).
    pub fn uint(&self, e: &Entry, i: u32) -> Option<u32> {
        if i >= e.count {
            return None;
        }
        let r = self.value_range(e)?;
        let i = usize::try_from(i).ok()?;
        match e.typ {
            1 => self.bytes.get(r.start + i).copied().map(u32::from),
            3 => self.u16(r.start + 2 * i).map(u32::from),
            4 | 13 => self.u32(r.start + 4 * i),
            _ => None,
        }
    }

    /// The `i`th value of a SHORT, LONG or RATIONAL entry, rounded down to an integer.
    pub fn number(&self, e: &Entry, i: u32) -> Option<u32> {
        if e.typ != 5 {
            return self.uint(e, i);
        }
        if i >= e.count {
            return None;
        }
        let r = self.value_range(e)?;
        let at = r.start + 8 * usize::try_from(i).ok()?;
        let (num, den) = (self.u32(at)?, self.u32(at + 4)?);
        (den != 0).then(|| num / den)
    }

    /// An ASCII entry's text, up to its first NUL, trimmed.
    pub fn ascii(&self, e: &Entry) -> Option<&'a str> {
        let r = self.value_range(e)?;
        let raw = self.bytes.get(r)?;
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        std::str::from_utf8(raw.get(..end)?).ok().map(str::trim)
    }
}

/// The first entry with `tag`.
pub(super) fn find(entries: &[Entry], tag: u16) -> Option<&Entry> {
    entries.iter().find(|e| e.tag == tag)
}

/// An image described by an IFD: its size, and whether it is a JPEG preview or raw data.
#[derive(Debug, Clone, Copy)]
struct Image {
    new_subfile_type: Option<u32>,
    width: u32,
    height: u32,
    is_preview: bool,
}

/// Compression schemes only camera raw data uses (Sony, Nikon, Pentax, Panasonic, Kodak,
/// Samsung, Epson; 99 is lossless JPEG in some DNG writers).
const RAW_COMPRESSIONS: [u32; 12] = [
    99, 262, 32767, 32769, 32770, 32772, 32867, 34316, 34713, 34892, 65000, 65535,
];

/// What a walk over a TIFF-structured RAW found.
#[derive(Debug, Default)]
pub(super) struct Walk {
    pub info: RawInfo,
    /// IFD0's Make.
    pub make: Option<String>,
    /// IFD0 carries DNGVersion.
    pub dng: bool,
    /// A full-resolution image that is raw sensor data (CFA or linear raw, or a raw-only
    /// compression) was found.
    pub has_sensor_data: bool,
}

/// Walk a TIFF-structured RAW: previews (as offsets into `t.bytes`), orientation, sizes.
pub(super) fn walk(t: &Tiff) -> Walk {
    let mut out = Walk::default();
    let mut images: Vec<Image> = Vec::new();
    let mut crops: Vec<(u32, u32)> = Vec::new();
    let mut exif_dims: Option<(u32, u32)> = None;
    let mut visited: Vec<u32> = Vec::new();
    // (offset, is IFD0, follow its next-IFD link)
    let mut queue: Vec<(u32, bool, bool)> = vec![(t.ifd0, true, true)];
    while let Some((offset, is_ifd0, follow)) = queue.pop() {
        if offset == 0 || visited.contains(&offset) || visited.len() >= MAX_IFDS {
            continue;
        }
        visited.push(offset);
        let Some((entries, next)) = t.ifd(offset) else {
            continue;
        };
        let get = |tag| find(&entries, tag).and_then(|e| t.uint(e, 0));
        if is_ifd0 {
            read_ifd0(t, &entries, &mut out);
        }
        let compression = get(0x103);
        let photometric = get(0x106);
        let before = out.info.previews.len();
        // JPEGInterchangeFormat / Length (thumbnails, ARW/DNG previews, NEF JpgFromRaw).
        if let (Some(o), Some(l)) = (get(0x201), get(0x202)) {
            push_pointer(&mut out.info, t.bytes, o, l);
        }
        // A single-strip image compressed as JPEG (CR2 IFD0, DNG previews).
        if matches!(compression, Some(6 | 7))
            && let (Some(so), Some(sc)) = (find(&entries, 0x111), find(&entries, 0x117))
            && so.count == 1
            && let (Some(o), Some(l)) = (t.uint(so, 0), t.uint(sc, 0))
        {
            push_pointer(&mut out.info, t.bytes, o, l);
        }
        // Panasonic JpgFromRaw: the JPEG is the entry's own value.
        if let Some(e) = find(&entries, 0x2E).filter(|e| e.typ == 7)
            && let Some(r) = t.value_range(e)
        {
            push_pointer(&mut out.info, t.bytes, r.start as u64, r.len() as u64);
        }
        let is_preview = out.info.previews.len() > before && matches!(compression, Some(6 | 7));
        if let (Some(width), Some(height)) = (get(0x100), get(0x101)) {
            let new_subfile_type = get(0xFE);
            let sensor = matches!(photometric, Some(32803 | 34892))
                || compression.is_some_and(|c| RAW_COMPRESSIONS.contains(&c));
            if sensor && !is_preview && u64::from(width) * u64::from(height) >= 1_000_000 {
                out.has_sensor_data = true;
            }
            images.push(Image {
                new_subfile_type,
                width,
                height,
                is_preview,
            });
        }
        // DNG DefaultCropSize: the photo's size inside the sensor's borders.
        if let Some(e) = find(&entries, 0xC620)
            && let (Some(w), Some(h)) = (t.number(e, 0), t.number(e, 1))
        {
            crops.push((w, h));
        }
        // EXIF PixelXDimension / PixelYDimension (CR2 and others).
        if let (Some(w), Some(h)) = (get(0xA002), get(0xA003)) {
            exif_dims.get_or_insert((w, h));
        }
        if let Some(e) = find(&entries, 0x14A) {
            for i in 0..e.count.min(MAX_SUB_IFDS as u32) {
                match t.uint(e, i) {
                    Some(o) => queue.push((o, false, false)),
                    None => break,
                }
            }
        }
        if let Some(o) = get(0x8769) {
            queue.push((o, false, false));
        }
        if follow {
            queue.push((next, false, true));
        }
    }
    let mut raws: Vec<(u32, u32)> = images
        .iter()
        .filter(|i| !i.is_preview && matches!(i.new_subfile_type, None | Some(0)))
        .map(|i| (i.width, i.height))
        .collect();
    raws.sort_by_key(|&(w, h)| std::cmp::Reverse(u64::from(w) * u64::from(h)));
    let sizes = &mut out.info.sizes;
    sizes.extend(crops);
    sizes.extend(raws.first().copied());
    sizes.extend(exif_dims);
    out
}

/// IFD0's own fields: orientation, make, DNG version, Panasonic sensor borders.
fn read_ifd0(t: &Tiff, entries: &[Entry], out: &mut Walk) {
    let get = |tag| find(entries, tag).and_then(|e| t.uint(e, 0));
    out.info.orientation = get(0x112).filter(|o| (1..=8).contains(o)).map(|o| o as u8);
    out.make = find(entries, 0x10F)
        .and_then(|e| t.ascii(e))
        .map(str::to_string);
    out.dng = find(entries, 0xC612).is_some();
    if t.magic == 0x55 {
        // RW2: the crop inside the sensor's borders (top, left, bottom, right).
        if let (Some(top), Some(left), Some(bottom), Some(right)) =
            (get(0x04), get(0x05), get(0x06), get(0x07))
            && bottom > top
            && right > left
        {
            out.info.sizes.push((right - left, bottom - top));
        }
        if let (Some(w), Some(h)) = (get(0x02), get(0x03)) {
            out.info.sizes.push((w, h));
        }
    }
}

/// Add the JPEG at `offset`/`len` of `file` as a preview candidate; note one that lies past
/// the end of the file.
pub(super) fn push_pointer(
    info: &mut RawInfo,
    file: &[u8],
    offset: impl Into<u64>,
    len: impl Into<u64>,
) {
    let (offset, len) = (offset.into(), len.into());
    if len == 0 {
        return;
    }
    if offset.saturating_add(len) > file.len() as u64 {
        info.past_end = true;
        return;
    }
    if let Some(c) = Candidate::at(file, offset as usize, len as usize) {
        info.previews.push(c);
    }
}

/// The previews, orientation and sizes of a TIFF-structured RAW.
pub(super) fn inspect(bytes: &[u8]) -> RawInfo {
    Tiff::new(bytes).map(|t| walk(&t).info).unwrap_or_default()
}

/// The APP1 EXIF payload of the Panasonic JpgFromRaw (tag 0x2E) in IFD0.
pub(super) fn rw2_jpeg_exif<'a>(t: &Tiff<'a>) -> Option<&'a [u8]> {
    let (entries, _) = t.ifd(t.ifd0)?;
    let e = find(&entries, 0x2E)?;
    let r = t.value_range(e)?;
    preview::exif_payload(t.bytes.get(r)?)
}
