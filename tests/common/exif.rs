//! EXIF written by the tests through `kamadak-exif`'s writer: what a camera or phone records.

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{ImageEncoder, RgbImage};
use std::path::Path;

/// What the camera recorded.
#[derive(Debug, Clone, Default)]
pub struct Camera<'a> {
    pub make: &'a str,
    pub model: &'a str,
    /// "YYYY:MM:DD HH:MM:SS".
    pub taken: &'a str,
    /// "+02:00".
    pub offset: Option<&'a str>,
    pub lens: Option<&'a str>,
    /// (lat, lon) in whole degrees (signs give the hemisphere).
    pub gps: Option<(i32, i32)>,
}

fn ascii(tag: Tag, s: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![s.as_bytes().to_vec()]),
    }
}

fn degrees(tag: Tag, d: i32) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(vec![
            Rational::from((d.unsigned_abs(), 1)),
            Rational::from((0, 1)),
            Rational::from((0, 1)),
        ]),
    }
}

/// How the camera exposed: f-number, exposure time and focal length as fractions.
#[derive(Debug, Clone, Copy)]
pub struct Shot {
    pub f_number: (u32, u32),
    pub exposure: (u32, u32),
    pub iso: u16,
    pub focal: (u32, u32),
    pub focal_35mm: u16,
}

fn rational(tag: Tag, (n, d): (u32, u32)) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(vec![Rational::from((n, d))]),
    }
}

fn short(tag: Tag, v: u16) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Short(vec![v]),
    }
}

/// The exposure fields of `shot`.
pub fn shot_fields(shot: &Shot) -> Vec<Field> {
    vec![
        rational(Tag::FNumber, shot.f_number),
        rational(Tag::ExposureTime, shot.exposure),
        short(Tag::PhotographicSensitivity, shot.iso),
        rational(Tag::FocalLength, shot.focal),
        short(Tag::FocalLengthIn35mmFilm, shot.focal_35mm),
    ]
}

/// A TIFF-structured EXIF stream (no "Exif\0\0" header) for `cam`.
pub fn tiff_stream(cam: &Camera<'_>) -> Vec<u8> {
    tiff_stream_with(cam, &[])
}

/// A TIFF-structured EXIF stream for `cam` with `extra` fields.
pub fn tiff_stream_with(cam: &Camera<'_>, extra: &[Field]) -> Vec<u8> {
    let mut fields = vec![
        ascii(Tag::Make, cam.make),
        ascii(Tag::Model, cam.model),
        ascii(Tag::DateTimeOriginal, cam.taken),
    ];
    if let Some(o) = cam.offset {
        fields.push(ascii(Tag::OffsetTimeOriginal, o));
    }
    if let Some(l) = cam.lens {
        fields.push(ascii(Tag::LensModel, l));
    }
    if let Some((lat, lon)) = cam.gps {
        fields.push(ascii(Tag::GPSLatitudeRef, if lat < 0 { "S" } else { "N" }));
        fields.push(degrees(Tag::GPSLatitude, lat));
        fields.push(ascii(Tag::GPSLongitudeRef, if lon < 0 { "W" } else { "E" }));
        fields.push(degrees(Tag::GPSLongitude, lon));
    }
    fields.extend_from_slice(extra);
    let mut w = Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    w.write(&mut buf, true).expect("write exif");
    buf.into_inner()
}

/// Save `img` as a JPEG carrying `cam`'s EXIF.
pub fn save_camera_jpeg(img: &RgbImage, path: &Path, cam: &Camera<'_>) {
    save_camera_jpeg_with(img, path, cam, &[]);
}

/// Save `img` as a JPEG carrying `cam`'s EXIF and `extra` fields.
pub fn save_camera_jpeg_with(img: &RgbImage, path: &Path, cam: &Camera<'_>, extra: &[Field]) {
    let f = std::fs::File::create(path).expect("create jpeg");
    let mut enc =
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(f), 92);
    enc.set_exif_metadata(tiff_stream_with(cam, extra))
        .expect("exif");
    enc.write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .expect("encode jpeg");
}
