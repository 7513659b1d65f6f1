//! Fujifilm RAF: a big-endian header pointing at the embedded JPEG (bytes 84/88) and at the
//! CFA header whose records give the raw image's size (bytes 92/96).

use super::RawInfo;
use super::preview;
use super::tiff::push_pointer;

pub(super) const MAGIC: &[u8] = b"FUJIFILMCCD-RAW";

/// At most this many CFA header records are read.
const MAX_RECORDS: u32 = 256;

fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The embedded JPEG's bytes (offset at 84, length at 88), when inside the file.
pub(super) fn jpeg(b: &[u8]) -> Option<&[u8]> {
    let offset = usize::try_from(u32_be(b, 84)?).ok()?;
    let len = usize::try_from(u32_be(b, 88)?).ok()?;
    b.get(offset..offset.checked_add(len)?)
}

/// The sizes the CFA header records give, most useful first: RawImageCroppedSize (0x111),
/// then RawImageFullSize (0x100). Each record stores height, then width.
fn cfa_sizes(b: &[u8]) -> Vec<(u32, u32)> {
    let (Some(start), Some(len)) = (u32_be(b, 92), u32_be(b, 96)) else {
        return Vec::new();
    };
    let (Ok(start), Ok(len)) = (usize::try_from(start), usize::try_from(len)) else {
        return Vec::new();
    };
    let end = start.saturating_add(len).min(b.len());
    let (mut cropped, mut full) = (None, None);
    let count = u32_be(b, start).unwrap_or(0).min(MAX_RECORDS);
    let mut at = start + 4;
    for _ in 0..count {
        let (Some(tag), Some(size)) = (u16_be(b, at), u16_be(b, at + 2)) else {
            break;
        };
        let data = at + 4;
        let next = data + usize::from(size);
        if next > end {
            break;
        }
        if size >= 4
            && let (Some(h), Some(w)) = (u16_be(b, data), u16_be(b, data + 2))
        {
            let hw = (u32::from(w), u32::from(h));
            match tag {
                0x111 => cropped = Some(hw),
                0x100 => full = Some(hw),
                _ => {}
            }
        }
        at = next;
    }
    cropped.into_iter().chain(full).collect()
}

/// The previews and sizes of a RAF (its orientation is the embedded JPEG's own EXIF tag).
pub(super) fn inspect(b: &[u8]) -> RawInfo {
    let mut info = RawInfo::default();
    if let (Some(offset), Some(len)) = (u32_be(b, 84), u32_be(b, 88)) {
        push_pointer(&mut info, b, offset, len);
    }
    info.sizes = cfa_sizes(b);
    info
}

/// The embedded JPEG's EXIF (a TIFF stream).
pub(super) fn exif(b: &[u8]) -> Option<&[u8]> {
    preview::exif_payload(jpeg(b)?)
}
