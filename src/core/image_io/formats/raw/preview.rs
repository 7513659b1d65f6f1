//! Embedded JPEG previews: a candidate's frame size read from its SOF, its EXIF segment, and
//! the bounded scan for SOI markers used when a container's own pointers find nothing big.

/// A JPEG stream inside a RAW file, with the frame size its SOF declares (as stored: sensor
/// orientation, before any EXIF rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Candidate {
    pub offset: usize,
    pub len: usize,
    pub width: u32,
    pub height: u32,
}

/// At most this many SOI markers are looked at by [`scan`].
const MAX_SOI_PROBES: usize = 4096;
/// At most this many JPEGs are kept by [`scan`].
const MAX_SCANNED: usize = 16;
/// At most this many marker segments are read before a frame header.
const MAX_HEADER_SEGMENTS: usize = 512;

impl Candidate {
    /// The JPEG at `offset..offset + len` of `file`, when it starts with SOI and declares a
    /// frame a camera writes for previews (baseline or progressive, 8-bit).
    pub fn at(file: &[u8], offset: usize, len: usize) -> Option<Self> {
        let jpeg = file.get(offset..offset.checked_add(len)?)?;
        let (width, height) = frame_size(jpeg)?;
        Some(Candidate {
            offset,
            len,
            width,
            height,
        })
    }

    /// The candidate's bytes in `file` (empty if it does not lie inside).
    pub fn bytes<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        self.offset
            .checked_add(self.len)
            .and_then(|end| file.get(self.offset..end))
            .unwrap_or(&[])
    }

    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    pub fn long_side(&self) -> u32 {
        self.width.max(self.height)
    }
}

fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// The marker segments of a JPEG's header, up to (not including) its first scan: each as
/// (marker, payload without the length field). `None` for bytes that are not such a JPEG.
fn header_segments(jpeg: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 2usize;
    while out.len() < MAX_HEADER_SEGMENTS {
        if *jpeg.get(i)? != 0xFF {
            return None;
        }
        while *jpeg.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *jpeg.get(i)?;
        i += 1;
        match marker {
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 | 0xD9 | 0x00 => return None,
            0xDA => return Some(out),
            _ => {}
        }
        let len = usize::from(u16_be(jpeg, i)?);
        if len < 2 {
            return None;
        }
        let payload = jpeg.get(i + 2..i.checked_add(len)?)?;
        out.push((marker, payload));
        i += len;
    }
    None
}

/// The frame size a JPEG declares, for the kinds a camera writes as previews: baseline,
/// extended and progressive Huffman, 8-bit, gray, YCbCr or CMYK. Lossless JPEG (SOF3: raw
/// sensor data in CR2 and DNG) and the rare arithmetic/hierarchical kinds are `None`.
pub(super) fn frame_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    let segments = header_segments(jpeg)?;
    let (marker, sof) = segments
        .into_iter()
        .find(|&(m, _)| matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC))?;
    if !matches!(marker, 0xC0..=0xC2) {
        return None;
    }
    let precision = *sof.first()?;
    let height = u32::from(u16_be(sof, 1)?);
    let width = u32::from(u16_be(sof, 3)?);
    let components = *sof.get(5)?;
    (precision == 8 && width > 0 && height > 0 && matches!(components, 1 | 3 | 4))
        .then_some((width, height))
}

/// The APP1 EXIF payload of a JPEG (a TIFF stream, "Exif\0\0" removed).
pub(super) fn exif_payload(jpeg: &[u8]) -> Option<&[u8]> {
    header_segments(jpeg)?
        .into_iter()
        .find_map(|(m, p)| (m == 0xE1).then(|| p.strip_prefix(b"Exif\0\0")).flatten())
        .filter(|p| p.starts_with(b"II*\0") || p.starts_with(b"MM\0*"))
}

/// Where a JPEG that starts at the beginning of `b` ends (just after its EOI), walking its
/// segments and entropy-coded data. `None` for a JPEG cut short.
pub(super) fn jpeg_end(b: &[u8]) -> Option<usize> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2usize;
    loop {
        if *b.get(i)? != 0xFF {
            return None;
        }
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            0xD9 => return Some(i),
            0xD0..=0xD7 | 0x01 => continue,
            0xD8 | 0x00 => return None,
            _ => {}
        }
        let len = usize::from(u16_be(b, i)?);
        if len < 2 {
            return None;
        }
        i = i.checked_add(len)?;
        if marker == 0xDA {
            // Entropy-coded data: runs until a marker other than a stuffed 0xFF00 or a restart.
            loop {
                i += b.get(i..)?.iter().position(|&x| x == 0xFF)?;
                match *b.get(i + 1)? {
                    0x00 | 0xD0..=0xD7 => i += 2,
                    0xFF => i += 1,
                    _ => break,
                }
            }
        }
    }
}

/// Every complete JPEG (SOI to EOI, with a preview-kind frame header) found by looking at
/// the SOI markers of `file`, in file order; a bounded last resort for previews stored where
/// the container's pointers do not lead (maker notes, CIFF heaps, X3F sections).
pub(super) fn scan(file: &[u8]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut from = 0usize;
    let mut probes = 0usize;
    while out.len() < MAX_SCANNED && probes < MAX_SOI_PROBES {
        let Some(rest) = file.get(from..) else {
            break;
        };
        let Some(p) = rest.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF]) else {
            break;
        };
        let at = from + p;
        probes += 1;
        let jpeg = file.get(at..).unwrap_or(&[]);
        match frame_size(jpeg).and_then(|(w, h)| Some((w, h, jpeg_end(jpeg)?))) {
            Some((width, height, len)) => {
                out.push(Candidate {
                    offset: at,
                    len,
                    width,
                    height,
                });
                // A JPEG's own thumbnails are smaller than it: skip its inside.
                from = at + len;
            }
            None => from = at + 2,
        }
    }
    out
}
