//! The RAW builders that are not TIFF files: Canon CR3 (ISO-BMFF) and Fujifilm RAF.

use super::{Ifd, RawSpec, Val, Writer, ascii, camera, exif_ifd, jpeg_ifd, with_exif};

/// The uuid box of CR3's PRVW preview.
const PRVW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];
/// Canon's uuid box inside `moov`.
const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];

/// An ISO-BMFF box.
fn bx(typ: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend(typ);
    b.extend(body);
    b
}

fn uuid_box(uuid: &[u8; 16], body: &[u8]) -> Vec<u8> {
    let mut inner = uuid.to_vec();
    inner.extend(body);
    bx(b"uuid", &inner)
}

fn be16(v: u32) -> [u8; 2] {
    (v as u16).to_be_bytes()
}

/// A video track whose one sample (a JPEG or raw data) is at `offset`, `len` bytes long.
fn trak(id: u32, size: (u32, u32), offset: u64, len: u32) -> Vec<u8> {
    let mut tkhd = vec![0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0];
    tkhd.extend(id.to_be_bytes());
    tkhd.extend([0; 4 + 4 + 8 + 2 + 2 + 2 + 2 + 36]);
    tkhd.extend((size.0 << 16).to_be_bytes());
    tkhd.extend((size.1 << 16).to_be_bytes());
    let mdhd = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0x55, 0xC4, 0, 0,
    ];
    let mut hdlr = vec![0; 8];
    hdlr.extend(b"vide");
    hdlr.extend([0; 13]);
    let mut craw = vec![0, 0, 0, 0, 0, 0, 0, 1];
    craw.extend([0; 16]);
    craw.extend(be16(size.0));
    craw.extend(be16(size.1));
    craw.extend([0, 0x48, 0, 0, 0, 0x48, 0, 0, 0, 0, 0, 0, 0, 1]);
    craw.extend([0; 32]);
    craw.extend([0, 24, 0xFF, 0xFF]);
    let mut stsd = vec![0, 0, 0, 0, 0, 0, 0, 1];
    stsd.extend(bx(b"CRAW", &craw));
    let mut stsz = vec![0; 4];
    stsz.extend(len.to_be_bytes());
    stsz.extend(1u32.to_be_bytes());
    let mut co64 = vec![0, 0, 0, 0, 0, 0, 0, 1];
    co64.extend(offset.to_be_bytes());
    let stbl = [
        bx(b"stsd", &stsd),
        bx(b"stts", &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
        bx(
            b"stsc",
            &[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
        ),
        bx(b"stsz", &stsz),
        bx(b"co64", &co64),
    ]
    .concat();
    let mut dref = vec![0, 0, 0, 0, 0, 0, 0, 1];
    dref.extend(bx(b"url ", &[0, 0, 0, 1]));
    let minf = [
        bx(b"vmhd", &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        bx(b"dinf", &bx(b"dref", &dref)),
        bx(b"stbl", &stbl),
    ]
    .concat();
    let mdia = [bx(b"mdhd", &mdhd), bx(b"hdlr", &hdlr), bx(b"minf", &minf)].concat();
    bx(b"trak", &[bx(b"tkhd", &tkhd), bx(b"mdia", &mdia)].concat())
}

/// A THMB or PRVW box body: a header of sizes, then the JPEG.
fn picture_box(typ: &[u8; 4], jpeg: &[u8]) -> Vec<u8> {
    let (w, h) = super::jpeg_size(jpeg);
    let mut body = if typ == b"THMB" {
        let mut b = vec![0, 0, 0, 0];
        b.extend(be16(w));
        b.extend(be16(h));
        b.extend((jpeg.len() as u32).to_be_bytes());
        b.extend([0, 1, 0, 0]);
        b
    } else {
        let mut b = vec![0, 0, 0, 0, 0, 1];
        b.extend(be16(w));
        b.extend(be16(h));
        b.extend([0, 1]);
        b.extend((jpeg.len() as u32).to_be_bytes());
        b
    };
    body.extend(jpeg);
    bx(typ, &body)
}

/// A Canon CR3: CMT1..CMT4 and THMB (the thumbnail) in moov's Canon uuid box, the first track's
/// full-size JPEG (`spec.preview`, or the thumbnail), a raw track, and `prvw` as PRVW.
pub fn cr3(spec: &RawSpec, prvw: Option<&[u8]>) -> Vec<u8> {
    let le = Writer { little: true };
    let (w, h) = spec.raw_size;
    let full = spec.preview.unwrap_or(spec.thumb);
    let full_size = super::jpeg_size(full);
    let cmt1 = le.tiff(
        &camera(Ifd::new(), spec)
            .with(0x100, Val::Long(vec![w]))
            .with(0x101, Val::Long(vec![h])),
    );
    let cmt2 = le.tiff(
        &exif_ifd(spec)
            .with(0xA002, Val::Long(vec![w]))
            .with(0xA003, Val::Long(vec![h])),
    );
    let cmt3 = le.tiff(&Ifd::new().with(0x0006, ascii("Canon EOS")));
    let cmt4 = le.tiff(&Ifd::new().with(0x0000, Val::Byte(vec![2, 3, 0, 0])));
    let canon = [
        bx(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00"),
        bx(b"CMT1", &cmt1),
        bx(b"CMT2", &cmt2),
        bx(b"CMT3", &cmt3),
        bx(b"CMT4", &cmt4),
        picture_box(b"THMB", spec.thumb),
    ]
    .concat();
    let raw_data = [0x5Au8; 64];
    let head = |mdat_data: u64| {
        let mut mvhd = vec![0; 12];
        mvhd.extend([0, 0, 0, 1]);
        mvhd.extend([0; 84]);
        let moov = [
            uuid_box(&CANON_UUID, &canon),
            bx(b"mvhd", &mvhd),
            trak(1, full_size, mdat_data, full.len() as u32),
            trak(
                3,
                (w + 288, h + 56),
                mdat_data + full.len() as u64,
                raw_data.len() as u32,
            ),
        ]
        .concat();
        let mut ftyp = b"crx ".to_vec();
        ftyp.extend(1u32.to_be_bytes());
        ftyp.extend(b"crx isom");
        let mut out = [bx(b"ftyp", &ftyp), bx(b"moov", &moov)].concat();
        if let Some(p) = prvw {
            let mut body = vec![0, 0, 0, 0, 0, 0, 0, 1];
            body.extend(picture_box(b"PRVW", p));
            out.extend(uuid_box(&PRVW_UUID, &body));
        }
        out
    };
    let header_len = head(0).len() as u64;
    let mut out = head(header_len + 8);
    out.extend(bx(b"mdat", &[full, &raw_data[..]].concat()));
    out
}

/// A Fujifilm RAF: the header, the embedded JPEG (`spec.preview`, or the thumbnail) with
/// EXIF and its own thumbnail, the CFA header records and a few bytes of CFA data.
pub fn raf(spec: &RawSpec) -> Vec<u8> {
    let le = Writer { little: true };
    let (w, h) = spec.raw_size;
    let app1 = le.tiff(
        &camera(Ifd::new(), spec)
            .with(0x8769, Val::Ifd(exif_ifd(spec)))
            .then(jpeg_ifd(spec.thumb, 1)),
    );
    let jpeg = with_exif(spec.preview.unwrap_or(spec.thumb), &app1);
    let mut records = 4u32.to_be_bytes().to_vec();
    for (tag, a, b) in [
        (0x100u16, h + 8, w + 16),
        (0x110, 4, 8),
        (0x111, h, w),
        (0x130, 0, 0),
    ] {
        records.extend(tag.to_be_bytes());
        records.extend(4u16.to_be_bytes());
        records.extend(be16(a));
        records.extend(be16(b));
    }
    let cfa = [0x5Au8; 64];
    let jpeg_at = 148u32;
    let records_at = jpeg_at + jpeg.len() as u32;
    let cfa_at = records_at + records.len() as u32;
    let mut out = b"FUJIFILMCCD-RAW 0201FF383501".to_vec();
    let mut name = spec.model.as_bytes().to_vec();
    name.resize(32, 0);
    out.extend(name);
    out.extend(b"0100");
    out.extend([0; 20]);
    for v in [
        jpeg_at,
        jpeg.len() as u32,
        records_at,
        records.len() as u32,
        cfa_at,
        cfa.len() as u32,
    ] {
        out.extend(v.to_be_bytes());
    }
    out.resize(jpeg_at as usize, 0);
    out.extend(jpeg);
    out.extend(records);
    out.extend(cfa);
    out
}
