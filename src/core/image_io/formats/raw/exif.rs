//! A RAW's EXIF as standard TIFF streams for `kamadak-exif`: the file itself (its magic
//! patched for ORF/RW2), CR3's CMT blocks merged into one TIFF, RAF's JPEG APP1, MRW's TTW.

use super::tiff::{Entry, Tiff, type_size};
use super::{RawKind, cr3, mrw, preview, raf, tiff};
use std::borrow::Cow;

/// Pointer tags dropped when IFDs are copied (their offsets mean nothing in the copy).
const POINTERS: [u16; 8] = [0x111, 0x117, 0x14A, 0x201, 0x202, 0x8769, 0x8825, 0xA005];
/// At most this many bytes of values are copied out of one IFD.
const MAX_COPIED: usize = 4 << 20;
/// At most this many entries are copied out of one IFD.
const MAX_FIELDS: usize = 4096;

/// See [`super::exif_blobs`].
pub(super) fn blobs(b: &[u8], kind: RawKind) -> Vec<Cow<'_, [u8]>> {
    let mut out: Vec<Cow<'_, [u8]>> = Vec::new();
    match kind {
        RawKind::Cr3 => {
            let [cmt1, cmt2, _, cmt4] = cr3::cmt_blocks(b);
            if let Some(merged) = cmt1.and_then(|c| merge(c, cmt2, cmt4)) {
                out.push(Cow::Owned(merged));
            }
            out.extend(cmt1.into_iter().chain(cmt2).map(Cow::Borrowed));
        }
        RawKind::Raf => out.extend(raf::exif(b).map(Cow::Borrowed)),
        RawKind::Mrw => out.extend(mrw::ttw(b).filter(|t| is_standard(t)).map(Cow::Borrowed)),
        RawKind::Crw | RawKind::X3f => {
            let mut jpegs = preview::scan(b);
            jpegs.sort_by_key(|c| std::cmp::Reverse(c.area()));
            out.extend(
                jpegs
                    .iter()
                    .find_map(|c| preview::exif_payload(c.bytes(b)))
                    .map(Cow::Borrowed),
            );
        }
        _ => {
            let Some(t) = Tiff::new(b) else {
                return out;
            };
            if t.magic == 42 {
                out.push(Cow::Borrowed(b));
            } else {
                let mut patched = b.to_vec();
                let magic: [u8; 2] = if t.little { [42, 0] } else { [0, 42] };
                if let Some(m) = patched.get_mut(2..4) {
                    m.copy_from_slice(&magic);
                }
                out.push(Cow::Owned(patched));
            }
            if t.magic == 0x55 {
                out.extend(tiff::rw2_jpeg_exif(&t).map(Cow::Borrowed));
            }
        }
    }
    out
}

/// A TIFF stream with the standard magic.
fn is_standard(b: &[u8]) -> bool {
    b.starts_with(b"II*\0") || b.starts_with(b"MM\0*")
}

/// One IFD entry copied out with its value bytes (in the source's byte order).
struct Field {
    tag: u16,
    typ: u16,
    count: u32,
    value: Vec<u8>,
}

/// The entries of a TIFF stream's IFD0, values included, pointers left out.
fn fields(t: &Tiff) -> Vec<Field> {
    let Some((entries, _)) = t.ifd(t.ifd0) else {
        return Vec::new();
    };
    let mut copied = 0usize;
    let mut out: Vec<Field> = Vec::new();
    for e in entries
        .iter()
        .filter(|e| !POINTERS.contains(&e.tag))
        .take(MAX_FIELDS)
    {
        let Some(value) = value(t, e) else {
            continue;
        };
        copied += value.len();
        if copied > MAX_COPIED || out.iter().any(|f| f.tag == e.tag) {
            continue;
        }
        out.push(Field {
            tag: e.tag,
            typ: e.typ,
            count: e.count,
            value: value.to_vec(),
        });
    }
    out.sort_by_key(|f| f.tag);
    out
}

fn value<'a>(t: &Tiff<'a>, e: &Entry) -> Option<&'a [u8]> {
    type_size(e.typ)?;
    t.bytes.get(t.value_range(e)?)
}

/// One TIFF built from CR3's CMT1 (IFD0) with CMT2 as its EXIF IFD and CMT4 as its GPS IFD,
/// so that a reader finds DateTimeOriginal where EXIF puts it. Blocks in another byte order
/// than CMT1's are left out.
fn merge(cmt1: &[u8], cmt2: Option<&[u8]>, cmt4: Option<&[u8]>) -> Option<Vec<u8>> {
    let t1 = Tiff::new(cmt1)?;
    let sub = |blob: Option<&[u8]>| {
        blob.and_then(Tiff::new)
            .filter(|t| t.little == t1.little)
            .map(|t| fields(&t))
            .unwrap_or_default()
    };
    let (exif, gps) = (sub(cmt2), sub(cmt4));
    let mut ifd0 = fields(&t1);
    for (tag, fields) in [(0x8769u16, &exif), (0x8825u16, &gps)] {
        if !fields.is_empty() {
            ifd0.push(Field {
                tag,
                typ: 4,
                count: 1,
                value: vec![0; 4],
            });
        }
    }
    ifd0.sort_by_key(|f| f.tag);
    let w = Writer { little: t1.little };
    let mut out: Vec<u8> = if t1.little {
        b"II*\0".to_vec()
    } else {
        b"MM\0*".to_vec()
    };
    out.extend(w.u32(8));
    let pointers = w.ifd(&mut out, &ifd0);
    for (tag, fields) in [(0x8769u16, &exif), (0x8825u16, &gps)] {
        if fields.is_empty() {
            continue;
        }
        let at = u32::try_from(out.len()).ok()?;
        w.ifd(&mut out, fields);
        let slot = pointers.iter().find(|(t, _)| *t == tag)?.1;
        out.get_mut(slot..slot + 4)?.copy_from_slice(&w.u32(at));
    }
    Some(out)
}

/// Writes IFDs in one byte order.
struct Writer {
    little: bool,
}

impl Writer {
    fn u16(&self, v: u16) -> [u8; 2] {
        if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    /// Append an IFD (no next IFD) and its out-of-line values; returns where each entry's
    /// value field is.
    fn ifd(&self, out: &mut Vec<u8>, fields: &[Field]) -> Vec<(u16, usize)> {
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let start = out.len();
        let mut data_at = start + 2 + 12 * fields.len() + 4;
        let mut data: Vec<u8> = Vec::new();
        let mut slots = Vec::with_capacity(fields.len());
        out.extend(self.u16(fields.len() as u16));
        for f in fields {
            out.extend(self.u16(f.tag));
            out.extend(self.u16(f.typ));
            out.extend(self.u32(f.count));
            slots.push((f.tag, out.len()));
            if f.value.len() <= 4 {
                let mut inline = f.value.clone();
                inline.resize(4, 0);
                out.extend(inline);
            } else {
                out.extend(self.u32(data_at as u32));
                data.extend(&f.value);
                if f.value.len() % 2 == 1 {
                    data.push(0);
                }
                data_at = start + 2 + 12 * fields.len() + 4 + data.len();
            }
        }
        out.extend(self.u32(0));
        out.extend(data);
        slots
    }
}
