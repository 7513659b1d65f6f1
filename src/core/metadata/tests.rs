use super::*;
use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};

fn ascii(tag: Tag, s: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![s.as_bytes().to_vec()]),
    }
}

fn dms(tag: Tag, d: u32, m: u32, s_hundredths: u32) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(vec![
            Rational::from((d, 1)),
            Rational::from((m, 1)),
            Rational::from((s_hundredths, 100)),
        ]),
    }
}

/// A TIFF-structured EXIF stream with the fields a phone writes.
fn exif_stream(fields: &[Field]) -> Vec<u8> {
    let mut w = Writer::new();
    for f in fields {
        w.push_field(f);
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    w.write(&mut buf, true).expect("write exif");
    buf.into_inner()
}

fn phone_fields() -> Vec<Field> {
    vec![
        ascii(Tag::Make, "Apple"),
        ascii(Tag::Model, "iPhone 12 Pro"),
        ascii(Tag::DateTimeOriginal, "2019:07:04 18:22:31"),
        ascii(Tag::SubSecTimeOriginal, "25"),
        ascii(Tag::OffsetTimeOriginal, "+02:00"),
        ascii(Tag::DateTimeDigitized, "2001:01:01 00:00:00"),
        ascii(Tag::LensModel, "iPhone 12 Pro back camera 4.2mm f/1.6"),
        ascii(Tag::GPSLatitudeRef, "N"),
        dms(Tag::GPSLatitude, 48, 51, 2976),
        ascii(Tag::GPSLongitudeRef, "W"),
        dms(Tag::GPSLongitude, 2, 17, 4000),
    ]
}

/// A tiny JPEG with `tiff` as its APP1 EXIF.
fn jpeg_with_exif(tiff: &[u8]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 40, 40]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut plain),
            image::ImageFormat::Jpeg,
        )
        .expect("encode");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

#[test]
fn jpeg_exif_gives_time_with_offset_and_subseconds_camera_lens_and_gps() {
    let jpeg = jpeg_with_exif(&exif_stream(&phone_fields()));
    let info = read(&jpeg, PhotoFormat::Jpeg);
    let taken = info.taken.clone().expect("capture time");
    assert_eq!(taken.local, "2019-07-04T18:22:31.250");
    assert_eq!(taken.offset_minutes, Some(120));
    assert_eq!(taken.iso(), "2019-07-04T18:22:31.250+02:00");
    // 16:22:31.25 UTC that day.
    assert_eq!(taken.unix_ms, 1_562_257_351_250);
    assert_eq!(info.camera().as_deref(), Some("Apple iPhone 12 Pro"));
    assert!(info.lens.as_deref().is_some_and(|l| l.contains("4.2mm")));
    let gps = info.gps.expect("gps");
    assert!((gps.lat - (48.0 + 51.0 / 60.0 + 29.76 / 3600.0)).abs() < 1e-6);
    assert!((gps.lon + (2.0 + 17.0 / 60.0 + 40.0 / 3600.0)).abs() < 1e-6);
}

#[test]
fn create_date_is_the_fallback_and_the_mtime_never_is() {
    let jpeg = jpeg_with_exif(&exif_stream(&[
        ascii(Tag::Make, "NIKON CORPORATION"),
        ascii(Tag::Model, "NIKON D750"),
        ascii(Tag::DateTimeDigitized, "2015:12:31 23:59:59"),
    ]));
    let info = read(&jpeg, PhotoFormat::Jpeg);
    let taken = info.taken.clone().expect("CreateDate");
    assert_eq!(taken.iso(), "2015-12-31T23:59:59");
    assert_eq!(info.camera().as_deref(), Some("NIKON D750"));
    assert!(info.has_camera_data());

    // No EXIF at all: nothing, not the file date.
    let bare = jpeg_with_exif(&exif_stream(&[ascii(Tag::Software, "WhatsApp")]));
    let info = read(&bare, PhotoFormat::Jpeg);
    assert_eq!(info, CaptureInfo::default());
    assert!(!info.has_camera_data());
}

#[test]
fn blank_and_impossible_dates_and_null_island_are_dropped() {
    let jpeg = jpeg_with_exif(&exif_stream(&[
        ascii(Tag::DateTimeOriginal, "0000:00:00 00:00:00"),
        ascii(Tag::DateTimeDigitized, "    :  :     :  :  "),
        ascii(Tag::GPSLatitudeRef, "N"),
        dms(Tag::GPSLatitude, 0, 0, 0),
        ascii(Tag::GPSLongitudeRef, "E"),
        dms(Tag::GPSLongitude, 0, 0, 0),
    ]));
    let info = read(&jpeg, PhotoFormat::Jpeg);
    assert_eq!(info.taken, None);
    assert_eq!(info.gps, None);
}

#[test]
fn damaged_exif_is_empty_not_a_failure() {
    let mut tiff = exif_stream(&phone_fields());
    tiff.truncate(20);
    let jpeg = jpeg_with_exif(&tiff);
    assert_eq!(read(&jpeg, PhotoFormat::Jpeg), CaptureInfo::default());
    assert_eq!(read(b"garbage", PhotoFormat::Png), CaptureInfo::default());
}

#[test]
fn jpeg_xl_container_exif_box_is_read() {
    let tiff = exif_stream(&phone_fields());
    let mut file = b"\0\0\0\x0cJXL \r\n\x87\n".to_vec();
    let mut body = 0u32.to_be_bytes().to_vec();
    body.extend_from_slice(&tiff);
    file.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
    file.extend_from_slice(b"Exif");
    file.extend_from_slice(&body);
    let info = read(&file, PhotoFormat::Jxl);
    assert_eq!(info.model.as_deref(), Some("iPhone 12 Pro"));
}

#[test]
fn camera_name_does_not_repeat_the_maker() {
    use super::capture::camera_name;
    assert_eq!(
        camera_name(Some("Canon"), Some("Canon EOS 5D")).as_deref(),
        Some("Canon EOS 5D")
    );
    assert_eq!(
        camera_name(Some("FUJIFILM"), Some("X100V")).as_deref(),
        Some("FUJIFILM X100V")
    );
    assert_eq!(camera_name(None, Some("X100V")).as_deref(), Some("X100V"));
}
