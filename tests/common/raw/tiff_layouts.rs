//! The TIFF-structured RAW builders: NEF, CR2, DNG, ARW, ORF and RW2 as their cameras lay
//! them out.

use super::{Ifd, RawSpec, Val, Writer, ascii, camera, exif_ifd, jpeg_ifd, jpeg_size, with_exif};

/// Raw sensor data: a CFA image of `size` (only a few bytes of it are stored).
fn cfa_ifd(size: (u32, u32), compression: u16, bits: u16) -> Ifd {
    Ifd::new()
        .with(0xFE, Val::Long(vec![0]))
        .with(0x100, Val::Long(vec![size.0]))
        .with(0x101, Val::Long(vec![size.1]))
        .with(0x102, Val::Short(vec![bits]))
        .with(0x103, Val::Short(vec![compression]))
        .with(0x106, Val::Short(vec![32803]))
        .blob(0x111, 0x117, &[0x5A; 64])
        .with(0x115, Val::Short(vec![1]))
        .with(0x116, Val::Long(vec![size.1]))
        .with(0x11C, Val::Short(vec![1]))
        .with(0x828D, Val::Short(vec![2, 2]))
        .with(0x828E, Val::Byte(vec![0, 1, 1, 2]))
}

/// A fake lossless-JPEG (SOF3) stream, as CR2 and DNG store raw data.
pub fn lossless_jpeg(size: (u32, u32)) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x14, 14];
    j.extend((size.1 as u16).to_be_bytes());
    j.extend(((size.0 / 4) as u16).to_be_bytes());
    j.push(4);
    for c in 1..=4u8 {
        j.extend([c, 0x11, 0]);
    }
    j.extend([0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 1, 0, 0]);
    j.extend([0x3C; 48]);
    j.extend([0xFF, 0xD9]);
    j
}

/// The TIFF-structured RAW layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TiffRaw {
    Nef,
    Cr2,
    Dng,
    Arw,
    Orf,
    Rw2,
}

impl TiffRaw {
    pub fn ext(self) -> &'static str {
        match self {
            Self::Nef => "nef",
            Self::Cr2 => "cr2",
            Self::Dng => "dng",
            Self::Arw => "arw",
            Self::Orf => "orf",
            Self::Rw2 => "rw2",
        }
    }
}

/// A TIFF-structured RAW as `layout`'s cameras write it.
pub fn tiff_raw(layout: TiffRaw, spec: &RawSpec) -> Vec<u8> {
    let le = Writer { little: true };
    let (w, h) = spec.raw_size;
    let thumb_size = jpeg_size(spec.thumb);
    match layout {
        // IFD0: 160x120 RGB thumbnail; SubIFD0: the JPEG; SubIFD1: raw; maker note: a preview.
        TiffRaw::Nef => {
            let preview_ifd = Ifd::new()
                .with(0x103, Val::Short(vec![6]))
                .blob(0x201, 0x202, spec.thumb);
            let maker = Ifd::new()
                .with(0x01, Val::Undefined(b"0210".to_vec()))
                .with(0x11, Val::Ifd(preview_ifd));
            let mut note = b"Nikon\0\x02\x10\0\0".to_vec();
            note.extend(le.tiff(&maker));
            let mut subs = Vec::new();
            if let Some(p) = spec.preview {
                subs.push(jpeg_ifd(p, 1));
            }
            subs.push(cfa_ifd(spec.raw_size, 34713, 14));
            let ifd0 = camera(Ifd::new(), spec)
                .with(0xFE, Val::Long(vec![1]))
                .with(0x100, Val::Long(vec![160]))
                .with(0x101, Val::Long(vec![120]))
                .with(0x102, Val::Short(vec![8, 8, 8]))
                .with(0x103, Val::Short(vec![1]))
                .with(0x106, Val::Short(vec![2]))
                .blob(0x111, 0x117, &[0x80; 160 * 120 * 3])
                .with(0x115, Val::Short(vec![3]))
                .with(0x116, Val::Long(vec![120]))
                .with(0x14A, Val::Ifds(subs))
                .with(
                    0x8769,
                    Val::Ifd(exif_ifd(spec).with(0x927C, Val::Undefined(note))),
                );
            le.tiff(&ifd0)
        }
        // IFD0: the preview JPEG as a strip; IFD1: thumbnail; IFD2: small RGB; IFD3: raw.
        TiffRaw::Cr2 => {
            let big = spec.preview.unwrap_or(spec.thumb);
            let (pw, ph) = jpeg_size(big);
            let exif = exif_ifd(spec)
                .with(0xA002, Val::Long(vec![w]))
                .with(0xA003, Val::Long(vec![h]));
            let ifd3 = Ifd::new()
                .with(0x103, Val::Short(vec![6]))
                .blob(0x111, 0x117, &lossless_jpeg(spec.raw_size))
                .with(0xC5D8, Val::Long(vec![1]))
                .with(0xC640, Val::Short(vec![1, (w / 2) as u16, (w / 2) as u16]));
            let ifd2 = Ifd::new()
                .with(0x100, Val::Long(vec![24]))
                .with(0x101, Val::Long(vec![16]))
                .with(0x102, Val::Short(vec![16, 16, 16]))
                .with(0x103, Val::Short(vec![1]))
                .with(0x106, Val::Short(vec![2]))
                .blob(0x111, 0x117, &[0x40; 24 * 16 * 6])
                .with(0x115, Val::Short(vec![3]))
                .with(0x116, Val::Long(vec![16]))
                .with(0x11C, Val::Short(vec![1]))
                .then(ifd3);
            let ifd1 = jpeg_ifd(spec.thumb, 1).then(ifd2);
            let ifd0 = camera(Ifd::new(), spec)
                .with(0x100, Val::Long(vec![pw]))
                .with(0x101, Val::Long(vec![ph]))
                .with(0x102, Val::Short(vec![8, 8, 8]))
                .with(0x103, Val::Short(vec![6]))
                .blob(0x111, 0x117, big)
                .with(0x8769, Val::Ifd(exif))
                .then(ifd1);
            let mut prefix = le.header(42);
            prefix[4..8].copy_from_slice(&16u32.to_le_bytes());
            prefix.extend(b"CR\x02\0\0\0\0\0");
            let (mut out, chain) = le.write(&prefix, &ifd0);
            out[12..16].copy_from_slice(&chain[3].to_le_bytes());
            out
        }
        // Big-endian. IFD0: JPEG thumbnail; SubIFDs: raw (with DefaultCropSize), preview.
        TiffRaw::Dng => {
            let be = Writer { little: false };
            let raw = cfa_ifd((w + 16, h + 12), 1, 16)
                .with(0xC61F, Val::Long(vec![8, 6]))
                .with(0xC620, Val::Long(vec![w, h]));
            let mut subs = vec![raw];
            if let Some(p) = spec.preview {
                let (pw, ph) = jpeg_size(p);
                subs.push(ycbcr_jpeg_ifd(p, (pw, ph)));
            }
            let ifd0 = camera(ycbcr_jpeg_ifd(spec.thumb, thumb_size), spec)
                .with(0x14A, Val::Ifds(subs))
                .with(0x8769, Val::Ifd(exif_ifd(spec)))
                .with(0xC612, Val::Byte(vec![1, 4, 0, 0]))
                .with(0xC613, Val::Byte(vec![1, 1, 0, 0]))
                .with(0xC614, ascii(spec.model));
            be.tiff(&ifd0)
        }
        // IFD0: the preview (PreviewImageStart/Length); IFD1: thumbnail; SubIFD: raw.
        TiffRaw::Arw => {
            let mut ifd0 = camera(Ifd::new(), spec)
                .with(0xFE, Val::Long(vec![1]))
                .with(0x100, Val::Long(vec![thumb_size.0]))
                .with(0x101, Val::Long(vec![thumb_size.1]))
                .with(0x103, Val::Short(vec![6]))
                .with(0x14A, Val::Ifds(vec![cfa_ifd(spec.raw_size, 32767, 12)]))
                .with(0x8769, Val::Ifd(exif_ifd(spec)))
                .then(jpeg_ifd(spec.thumb, 1));
            if let Some(p) = spec.preview {
                ifd0 = ifd0.blob(0x201, 0x202, p);
            }
            le.tiff(&ifd0)
        }
        // "IIRO". IFD0: raw; maker note: thumbnail and (CameraSettings) the preview.
        TiffRaw::Orf => {
            let mut settings = Ifd::new().with(0x0000, Val::Undefined(b"0100".to_vec()));
            if let Some(p) = spec.preview {
                settings = settings
                    .with(0x0100, Val::Long(vec![1]))
                    .blob(0x0101, 0x0102, p);
            }
            let maker = Ifd::new()
                .with(0x0000, Val::Undefined(b"0100".to_vec()))
                .with(0x0100, Val::Undefined(spec.thumb.to_vec()))
                .with(0x2020, Val::Ifd(settings));
            let (note, _) = le.write(b"OLYMPUS\0II\x03\0", &maker);
            let ifd0 = camera(cfa_ifd(spec.raw_size, 1, 16), spec).with(
                0x8769,
                Val::Ifd(exif_ifd(spec).with(0x927C, Val::Undefined(note))),
            );
            le.write(&le.header(0x4F52), &ifd0).0
        }
        // "IIU\0". IFD0: sensor size and borders, raw strips, JpgFromRaw (a JPEG with EXIF).
        TiffRaw::Rw2 => {
            let app1 = le.tiff(
                &camera(Ifd::new(), spec)
                    .with(0x8769, Val::Ifd(exif_ifd(spec)))
                    .then(jpeg_ifd(spec.thumb, 1)),
            );
            let jpg_from_raw = with_exif(spec.preview.unwrap_or(spec.thumb), &app1);
            let ifd0 = camera(Ifd::new(), spec)
                .with(0x01, Val::Undefined(b"0450".to_vec()))
                .with(0x02, Val::Short(vec![(w + 16) as u16]))
                .with(0x03, Val::Short(vec![(h + 8) as u16]))
                .with(0x04, Val::Short(vec![4]))
                .with(0x05, Val::Short(vec![8]))
                .with(0x06, Val::Short(vec![(h + 4) as u16]))
                .with(0x07, Val::Short(vec![(w + 8) as u16]))
                .with(0x09, Val::Short(vec![1]))
                .with(0x0A, Val::Short(vec![12]))
                .with(0x0B, Val::Short(vec![34316]))
                .with(0x17, Val::Short(vec![200]))
                .with(0x2E, Val::Undefined(jpg_from_raw))
                .blob(0x111, 0x117, &[0x5A; 64])
                .with(0x116, Val::Long(vec![h + 8]))
                .with(0x8769, Val::Ifd(exif_ifd(spec)));
            let mut prefix = b"IIU\0\x18\0\0\0".to_vec();
            prefix.extend([
                0x88, 0xe7, 0x74, 0xd8, 0xf8, 0x25, 0x1d, 0x4d, 0x94, 0x7a, 0x6e, 0x77, 0x82, 0x2b,
                0x5d, 0x6a,
            ]);
            le.write(&prefix, &ifd0).0
        }
    }
}

/// A JPEG stored as a single YCbCr strip (compression 7), as DNG previews are.
fn ycbcr_jpeg_ifd(jpeg: &[u8], size: (u32, u32)) -> Ifd {
    Ifd::new()
        .with(0xFE, Val::Long(vec![1]))
        .with(0x100, Val::Long(vec![size.0]))
        .with(0x101, Val::Long(vec![size.1]))
        .with(0x102, Val::Short(vec![8, 8, 8]))
        .with(0x103, Val::Short(vec![7]))
        .with(0x106, Val::Short(vec![6]))
        .blob(0x111, 0x117, jpeg)
        .with(0x115, Val::Short(vec![3]))
        .with(0x116, Val::Long(vec![size.1]))
}
