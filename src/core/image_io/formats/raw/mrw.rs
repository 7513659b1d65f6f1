//! Minolta MRW: a "\0MRM" header of blocks, one of which ("\0TTW") is a TIFF stream holding
//! IFD0 and the EXIF; the preview lives in its maker note (found by the SOI scan).

/// At most this many header blocks are read.
const MAX_BLOCKS: usize = 64;

fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The TIFF stream of the TTW block.
pub(super) fn ttw(b: &[u8]) -> Option<&[u8]> {
    if !b.starts_with(b"\0MRM") {
        return None;
    }
    let header_end = 8usize.checked_add(usize::try_from(u32_be(b, 4)?).ok()?)?;
    let mut at = 8usize;
    for _ in 0..MAX_BLOCKS {
        if at.checked_add(8)? > header_end {
            return None;
        }
        let name = b.get(at..at + 4)?;
        let len = usize::try_from(u32_be(b, at + 4)?).ok()?;
        let body = at + 8;
        if name == b"\0TTW" {
            return b.get(body..body.checked_add(len)?.min(b.len()));
        }
        at = body.checked_add(len)?;
    }
    None
}
