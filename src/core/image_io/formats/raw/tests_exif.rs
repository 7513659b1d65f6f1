//! `kamadak-exif` reads capture time, camera and orientation from the EXIF streams
//! [`exif_blobs`] gives for each RAW structure, synthetic and real (`tests/fixtures/raw`).

use super::test_builder::{self as b, RawSpec, TiffRaw};
use super::*;
use ::exif::{In, Tag, Value};

const DATE: &str = "2022:03:04 05:06:07";

fn spec<'a>(thumb: &'a [u8], preview: &'a [u8]) -> RawSpec<'a> {
    RawSpec {
        make: "Canon",
        model: "Canon EOS R6",
        date_time_original: DATE,
        orientation: 8,
        thumb,
        preview: Some(preview),
        raw_size: (5472, 3648),
    }
}

fn read(blob: &[u8]) -> ::exif::Exif {
    ::exif::Reader::new()
        .read_raw(blob.to_vec())
        .expect("kamadak-exif reads the blob")
}

fn ascii(e: &::exif::Exif, tag: Tag) -> Option<String> {
    match &e.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(v) => Some(String::from_utf8_lossy(v.first()?).trim().to_string()),
        _ => None,
    }
}

fn assert_camera(blob: &[u8], model: &str, date: &str, what: &str) {
    assert!(
        blob.starts_with(b"II*\0") || blob.starts_with(b"MM\0*"),
        "{what}: not a standard TIFF stream"
    );
    let e = read(blob);
    assert_eq!(ascii(&e, Tag::Model).as_deref(), Some(model), "{what}");
    assert_eq!(
        ascii(&e, Tag::DateTimeOriginal).as_deref(),
        Some(date),
        "{what}"
    );
}

fn pictures() -> (Vec<u8>, Vec<u8>) {
    let img = |w, h| image::RgbImage::from_pixel(w, h, image::Rgb([90, 120, 150]));
    (b::jpeg(&img(160, 120), 80), b::jpeg(&img(1200, 800), 80))
}

#[test]
fn tiff_raws_are_their_own_exif_orf_and_rw2_once_patched() {
    let (thumb, preview) = pictures();
    let s = spec(&thumb, &preview);
    for (layout, kind) in [
        (TiffRaw::Nef, RawKind::Nef),
        (TiffRaw::Cr2, RawKind::Cr2),
        (TiffRaw::Dng, RawKind::Dng),
        (TiffRaw::Arw, RawKind::Arw),
        (TiffRaw::Orf, RawKind::Orf),
        (TiffRaw::Rw2, RawKind::Rw2),
    ] {
        let file = b::tiff_raw(layout, &s);
        let blobs = exif_blobs(&file, kind);
        assert_camera(&blobs[0], s.model, DATE, kind.name());
        let e = read(&blobs[0]);
        let orientation = e
            .get_field(Tag::Orientation, In::PRIMARY)
            .and_then(|f| f.value.get_uint(0));
        assert_eq!(orientation, Some(8), "{kind:?}");
        match layout {
            TiffRaw::Orf | TiffRaw::Rw2 => {
                // The file itself is refused for its magic; the patched copy is the same bytes.
                assert!(::exif::Reader::new().read_raw(file.clone()).is_err());
                assert!(matches!(blobs[0], Cow::Owned(_)));
                assert_eq!(blobs[0].len(), file.len());
            }
            _ => assert!(matches!(blobs[0], Cow::Borrowed(b) if b.len() == file.len())),
        }
        if layout == TiffRaw::Rw2 {
            // Then the JpgFromRaw's own EXIF.
            assert_camera(&blobs[1], s.model, DATE, "rw2 JpgFromRaw");
        }
    }
}

#[test]
fn cr3_cmt_blocks_merge_into_one_exif_tiff() {
    let (thumb, preview) = pictures();
    let s = spec(&thumb, &preview);
    let file = b::cr3(&s, Some(&preview));
    let blobs = exif_blobs(&file, RawKind::Cr3);
    assert_eq!(blobs.len(), 3);
    assert_camera(&blobs[0], s.model, DATE, "merged CMT1+CMT2+CMT4");
    let merged = read(&blobs[0]);
    assert!(merged.get_field(Tag::GPSVersionID, In::PRIMARY).is_some());
    assert_eq!(
        merged
            .get_field(Tag::ExposureTime, In::PRIMARY)
            .map(|f| f.display_value().to_string()),
        Some("1/250".to_string())
    );
    // Then CMT1 (IFD0) and CMT2 (the EXIF fields, stored as its IFD0) as they are.
    assert_eq!(
        ascii(&read(&blobs[1]), Tag::Model).as_deref(),
        Some(s.model)
    );
    let cmt2 = read(&blobs[2]);
    let date = cmt2.get_field(Tag(::exif::Context::Tiff, 0x9003), In::PRIMARY);
    assert!(date.is_some(), "CMT2 holds DateTimeOriginal");
}

#[test]
fn raf_exif_is_its_jpegs_app1() {
    let (thumb, preview) = pictures();
    let s = spec(&thumb, &preview);
    let file = b::raf(&s);
    let blobs = exif_blobs(&file, RawKind::Raf);
    assert_eq!(blobs.len(), 1);
    assert_camera(&blobs[0], s.model, DATE, "raf");
}

#[test]
fn garbage_gives_no_blobs() {
    for kind in RawKind::ALL {
        for bytes in [
            &b""[..],
            b"II*\0\xff\xff\xff\xff",
            b"\0MRM\xff\xff\xff\xff",
            &[0xFF; 40],
        ] {
            for blob in exif_blobs(bytes, kind) {
                let _ = ::exif::Reader::new().read_raw(blob.to_vec());
            }
        }
    }
}

/// Real camera files from ExifTool's test suite (pixel data stripped by its author): each is
/// recognised, its EXIF read, and, having no preview left, refused with a reason.
#[test]
fn real_camera_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/raw");
    let cases = [
        (
            "CanonRaw.cr2",
            RawKind::Cr2,
            "Canon EOS 350D DIGITAL",
            "2005:08:03 18:59:18",
        ),
        (
            "CanonRaw.cr3",
            RawKind::Cr3,
            "Canon EOS M50",
            "2018:02:21 12:08:56",
        ),
        (
            "DNG.dng",
            RawKind::Dng,
            "Canon EOS 350D DIGITAL",
            "2005:08:03 18:59:18",
        ),
        (
            "FujiFilm.raf",
            RawKind::Raf,
            "FinePix S5Pro",
            "2007:05:22 13:58:30",
        ),
        (
            "Nikon.nef",
            RawKind::Nef,
            "NIKON D70",
            "2004:06:09 16:02:35",
        ),
        (
            "Panasonic.rw2",
            RawKind::Rw2,
            "DMC-LX3",
            "2008:08:06 15:21:56",
        ),
        (
            "PhaseOne.iiq",
            RawKind::Iiq,
            "Credo 40",
            "2013:06:19 15:44:21",
        ),
    ];
    for (name, kind, model, date) in cases {
        let bytes = std::fs::read(dir.join(name)).expect("fixture");
        let ext = name.rsplit('.').next().map(str::to_ascii_lowercase);
        assert_eq!(sniff(&bytes, ext.as_deref()), Some(kind), "{name}");
        // The content alone, except for NEF (a TIFF that only its extension tells apart).
        if kind != RawKind::Nef {
            assert_eq!(sniff(&bytes, None), Some(kind), "{name}");
        }
        let blobs = exif_blobs(&bytes, kind);
        assert!(!blobs.is_empty(), "{name}");
        assert_camera(&blobs[0], model, date, name);
        let err = decode(&bytes, kind, 224).expect_err("stripped previews");
        let text = err.to_string();
        assert!(
            text.contains("preview") && !text.contains('\n'),
            "{name}: {text}"
        );
    }
}
