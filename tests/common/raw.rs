//! Synthetic camera RAW files for tests, laid out as cameras write them (IFD trees, maker notes,
//! ISO-BMFF boxes, the RAF header) around real JPEG previews, with a few bytes of fake sensor
//! data. `exiftool -a -G1 -s` reads them as the camera's own files. Self-contained (std and
//! `image` only) so that the library's unit tests include it too.
#![allow(dead_code, unused_imports)]

#[path = "raw/containers.rs"]
mod containers;
#[path = "raw/tiff_layouts.rs"]
mod tiff_layouts;
pub use containers::{cr3, raf};
pub use tiff_layouts::{TiffRaw, lossless_jpeg, tiff_raw};

use image::{ImageEncoder, RgbImage};
use std::io::Cursor;

/// A TIFF field value.
pub enum Val {
    Byte(Vec<u8>),
    Ascii(String),
    Short(Vec<u16>),
    Long(Vec<u32>),
    Rational(Vec<(u32, u32)>),
    Undefined(Vec<u8>),
    /// A blob written elsewhere in the file; the entry holds its offset (LONG).
    Offset(Vec<u8>),
    /// A sub-IFD; the entry holds its offset (LONG).
    Ifd(Ifd),
    /// Sub-IFDs; the entry holds their offsets (LONG[]).
    Ifds(Vec<Ifd>),
    /// An entry written as given, for damaged files.
    Raw {
        typ: u16,
        count: u32,
        value: u32,
    },
}

/// An IFD: entries (sorted when written) and the next IFD of its chain.
#[derive(Default)]
pub struct Ifd {
    pub entries: Vec<(u16, Val)>,
    pub next: Option<Box<Ifd>>,
    /// Written as the next-IFD offset instead of `next` (for loops and damage).
    pub next_offset: Option<u32>,
}

impl Ifd {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, tag: u16, v: Val) -> Self {
        self.entries.push((tag, v));
        self
    }

    /// A blob at `offset_tag` with its length in `length_tag` (strips, JPEGInterchangeFormat).
    pub fn blob(self, offset_tag: u16, length_tag: u16, data: &[u8]) -> Self {
        let len = data.len() as u32;
        self.with(offset_tag, Val::Offset(data.to_vec()))
            .with(length_tag, Val::Long(vec![len]))
    }

    pub fn then(mut self, next: Ifd) -> Self {
        self.next = Some(Box::new(next));
        self
    }
}

/// `text` as an ASCII value.
pub fn ascii(text: &str) -> Val {
    Val::Ascii(text.to_string())
}

/// Writes IFD trees in one byte order.
pub struct Writer {
    pub little: bool,
}

impl Writer {
    fn put16(&self, buf: &mut [u8], at: usize, v: u16) {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        buf[at..at + 2].copy_from_slice(&b);
    }

    fn put32(&self, buf: &mut [u8], at: usize, v: u32) {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        buf[at..at + 4].copy_from_slice(&b);
    }

    fn bytes16(&self, v: &[u16]) -> Vec<u8> {
        let mut b = vec![0; v.len() * 2];
        v.iter()
            .enumerate()
            .for_each(|(i, x)| self.put16(&mut b, i * 2, *x));
        b
    }

    fn bytes32(&self, v: &[u32]) -> Vec<u8> {
        let mut b = vec![0; v.len() * 4];
        v.iter()
            .enumerate()
            .for_each(|(i, x)| self.put32(&mut b, i * 4, *x));
        b
    }

    /// Append `data` (even-aligned); returns its offset.
    fn append(buf: &mut Vec<u8>, data: &[u8]) -> u32 {
        if buf.len() % 2 == 1 {
            buf.push(0);
        }
        let at = buf.len() as u32;
        buf.extend_from_slice(data);
        at
    }

    /// A standard 8-byte header with `magic`, IFD0 right after it.
    pub fn header(&self, magic: u16) -> Vec<u8> {
        let mut h = if self.little {
            b"II".to_vec()
        } else {
            b"MM".to_vec()
        };
        h.extend(self.bytes16(&[magic]));
        h.extend(self.bytes32(&[8]));
        h
    }

    /// Write `prefix`, then IFD0 and everything it points to; offsets count from the start of
    /// `prefix`, which must already point at IFD0 (written at `prefix.len()`). Returns the
    /// bytes and the offsets of the IFD0 chain.
    pub fn write(&self, prefix: &[u8], ifd0: &Ifd) -> (Vec<u8>, Vec<u32>) {
        let mut buf = prefix.to_vec();
        let mut chain = Vec::new();
        self.ifd(&mut buf, ifd0, Some(&mut chain));
        (buf, chain)
    }

    /// A TIFF stream (standard header) holding `ifd0`.
    pub fn tiff(&self, ifd0: &Ifd) -> Vec<u8> {
        self.write(&self.header(42), ifd0).0
    }

    fn ifd(&self, buf: &mut Vec<u8>, ifd: &Ifd, chain: Option<&mut Vec<u32>>) -> u32 {
        let at = Self::append(buf, &[]) as usize;
        let mut entries: Vec<&(u16, Val)> = ifd.entries.iter().collect();
        entries.sort_by_key(|e| e.0);
        let n = entries.len();
        buf.resize(at + 2 + 12 * n + 4, 0);
        self.put16(buf, at, n as u16);
        let mut chain = chain;
        if let Some(c) = chain.as_deref_mut() {
            c.push(at as u32);
        }
        for (i, (tag, val)) in entries.into_iter().enumerate() {
            let e = at + 2 + 12 * i;
            let simple = |typ: u16, count: usize, bytes: Vec<u8>| (typ, count as u32, bytes);
            let (typ, count, field) = match val {
                Val::Byte(v) => simple(1, v.len(), v.clone()),
                Val::Ascii(s) => {
                    let mut b = s.as_bytes().to_vec();
                    b.push(0);
                    simple(2, b.len(), b)
                }
                Val::Short(v) => simple(3, v.len(), self.bytes16(v)),
                Val::Long(v) => simple(4, v.len(), self.bytes32(v)),
                Val::Rational(v) => {
                    let flat: Vec<u32> = v.iter().flat_map(|&(a, b)| [a, b]).collect();
                    simple(5, v.len(), self.bytes32(&flat))
                }
                Val::Undefined(v) => simple(7, v.len(), v.clone()),
                Val::Offset(data) => (4, 1, self.bytes32(&[Self::append(buf, data)])),
                Val::Ifd(child) => (4, 1, self.bytes32(&[self.ifd(buf, child, None)])),
                Val::Ifds(children) => {
                    let offs: Vec<u32> = children.iter().map(|c| self.ifd(buf, c, None)).collect();
                    simple(4, offs.len(), self.bytes32(&offs))
                }
                Val::Raw { typ, count, value } => (*typ, *count, self.bytes32(&[*value])),
            };
            self.put16(buf, e, *tag);
            self.put16(buf, e + 2, typ);
            self.put32(buf, e + 4, count);
            if field.len() <= 4 {
                buf[e + 8..e + 8 + field.len()].copy_from_slice(&field);
            } else {
                let off = Self::append(buf, &field);
                self.put32(buf, e + 8, off);
            }
        }
        let next = match (&ifd.next_offset, &ifd.next) {
            (Some(o), _) => *o,
            (None, Some(next)) => self.ifd(buf, next, chain),
            (None, None) => 0,
        };
        self.put32(buf, at + 2 + 12 * n, next);
        at as u32
    }
}

/// A JPEG of `img`.
pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode jpeg");
    out
}

/// The width and height a JPEG declares.
pub fn jpeg_size(jpeg: &[u8]) -> (u32, u32) {
    image::ImageReader::with_format(Cursor::new(jpeg), image::ImageFormat::Jpeg)
        .into_dimensions()
        .expect("jpeg dimensions")
}

/// `jpeg` with an APP1 EXIF segment holding the TIFF stream `exif`.
pub fn with_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((exif.len() + 8) as u16).to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(exif);
    out.extend(&jpeg[2..]);
    out
}

/// Rewrite the frame size a JPEG's SOF declares (for hostile files).
pub fn set_sof_size(jpeg: &mut [u8], w: u16, h: u16) {
    let at = jpeg
        .windows(2)
        .position(|p| p == [0xFF, 0xC0])
        .expect("baseline SOF");
    jpeg[at + 5..at + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[at + 7..at + 9].copy_from_slice(&w.to_be_bytes());
}

/// What a synthetic RAW holds.
pub struct RawSpec<'a> {
    pub make: &'a str,
    pub model: &'a str,
    /// "YYYY:MM:DD HH:MM:SS".
    pub date_time_original: &'a str,
    pub orientation: u16,
    /// A small JPEG (cameras write 160x120).
    pub thumb: &'a [u8],
    /// The large JPEG preview; `None` for a RAW with only its thumbnail.
    pub preview: Option<&'a [u8]>,
    /// The raw image's size (sensor orientation).
    pub raw_size: (u32, u32),
}

/// The EXIF IFD cameras write (a few fields and the capture time).
pub fn exif_ifd(spec: &RawSpec) -> Ifd {
    Ifd::new()
        .with(0x829A, Val::Rational(vec![(1, 250)]))
        .with(0x829D, Val::Rational(vec![(56, 10)]))
        .with(0x8827, Val::Short(vec![200]))
        .with(0x9000, Val::Undefined(b"0231".to_vec()))
        .with(0x9003, ascii(spec.date_time_original))
        .with(0x9004, ascii(spec.date_time_original))
        .with(0x920A, Val::Rational(vec![(50, 1)]))
}

/// IFD0's camera fields.
pub fn camera(ifd: Ifd, spec: &RawSpec) -> Ifd {
    ifd.with(0x10F, ascii(spec.make))
        .with(0x110, ascii(spec.model))
        .with(0x112, Val::Short(vec![spec.orientation]))
        .with(0x11A, Val::Rational(vec![(300, 1)]))
        .with(0x11B, Val::Rational(vec![(300, 1)]))
        .with(0x128, Val::Short(vec![2]))
        .with(0x131, ascii("Firmware 1.00"))
        .with(0x132, ascii(spec.date_time_original))
}

/// A JPEG in its own IFD (old-style JPEG: JPEGInterchangeFormat/Length).
pub fn jpeg_ifd(jpeg: &[u8], new_subfile_type: u32) -> Ifd {
    Ifd::new()
        .with(0xFE, Val::Long(vec![new_subfile_type]))
        .with(0x103, Val::Short(vec![6]))
        .with(0x11A, Val::Rational(vec![(300, 1)]))
        .with(0x11B, Val::Rational(vec![(300, 1)]))
        .with(0x128, Val::Short(vec![2]))
        .blob(0x201, 0x202, jpeg)
        .with(0x213, Val::Short(vec![2]))
}
