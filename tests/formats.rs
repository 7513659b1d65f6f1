//! HEIC, JPEG XL and AVIF: the fixtures of tests/fixtures/formats/ (tools/make-format-fixtures.sh)
//! decoded upright through the library, indexed through the CLI, and damaged copies reported.

use crate::common::*;
use lookalike::core::catalog::Catalog;
use lookalike::core::image_io::{DecodeError, Decoded, decode_named};
use serde_json::Value;
use std::path::{Path, PathBuf};

const AVIF_BUILT: bool = cfg!(feature = "avif");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

/// Each fixture: format, full upright size, orientation applied.
const FIXTURES: &[(&str, &str, u32, u32, u8)] = &[
    ("heic-8bit.heic", "heic", 128, 96, 1),
    ("heic-10bit.heic", "heic", 128, 96, 1),
    ("heic-irot.heic", "heic", 128, 96, 8),
    ("heic-imir.heic", "heic", 128, 96, 2),
    ("heic-irot-imir.heic", "heic", 128, 96, 5),
    // EXIF says 6 on upright pixels without irot: informational in HEIF, never applied.
    ("heic-exif.heic", "heic", 128, 96, 1),
    ("heic-grid.heic", "heic", 600, 400, 1),
    ("heic-p3.heic", "heic", 128, 96, 1),
    ("heic-p3-icc.heic", "heic", 128, 96, 1),
    ("heic-alpha.heic", "heic", 128, 96, 1),
    ("jxl-lossy.jxl", "jxl", 128, 96, 1),
    ("jxl-lossless-16bit.jxl", "jxl", 128, 96, 1),
    // Codestream orientation 6, and an Exif box that says 6 too: applied once.
    ("jxl-orient6-exif.jxl", "jxl", 128, 96, 6),
    ("jxl-alpha.jxl", "jxl", 128, 96, 1),
    ("avif-8bit.avif", "avif", 128, 96, 1),
    ("avif-10bit.avif", "avif", 128, 96, 1),
    ("avif-irot-exif.avif", "avif", 128, 96, 8),
    ("avif-imir.avif", "avif", 128, 96, 2),
    ("avif-alpha.avif", "avif", 128, 96, 1),
    ("avif-grid.avif", "avif", 128, 96, 1),
];

/// The quadrants every fixture shows upright: top-left, top-right, bottom-left, bottom-right.
const QUADRANTS: [[f64; 3]; 4] = [
    [220.0, 30.0, 30.0],
    [30.0, 170.0, 50.0],
    [30.0, 60.0, 220.0],
    [240.0, 220.0, 40.0],
];

/// Mean colour of the middle half of quadrant `q` (0..4, row by row).
fn quadrant_mean(img: &image::RgbImage, q: u32) -> [f64; 3] {
    let (w, h) = img.dimensions();
    let (x0, y0) = ((q % 2) * w / 2 + w / 8, (q / 2) * h / 2 + h / 8);
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for y in y0..y0 + h / 4 {
        for x in x0..x0 + w / 4 {
            let p = img.get_pixel(x, y);
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

fn decode_fixture(name: &str, min_side: u32) -> Result<Decoded, DecodeError> {
    let path = fixtures().join(name);
    let bytes = std::fs::read(&path).expect("fixture (run tools/make-format-fixtures.sh)");
    decode_named(&bytes, &path, min_side)
}

/// The quadrants in place; in the `*-alpha` files the bottom-right one is transparent, so white.
fn assert_quadrants(name: &str, img: &image::RgbImage) {
    for (q, want) in QUADRANTS.iter().enumerate() {
        let want = if q == 3 && name.contains("alpha") {
            &[255.0; 3]
        } else {
            want
        };
        let got = quadrant_mean(img, q as u32);
        let off = (0..3).map(|c| (got[c] - want[c]).abs()).fold(0.0, f64::max);
        assert!(
            off < 30.0,
            "{name}: quadrant {q} is {got:?}, expected about {want:?} (wrong orientation or colours)"
        );
    }
}

#[test]
fn fixtures_decode_upright_with_their_quadrants_in_place() {
    for &(name, format, w, h, orientation) in FIXTURES {
        let decoded = decode_fixture(name, 64);
        if format == "avif" && !AVIF_BUILT {
            let err = decoded.expect_err("AVIF without the avif feature");
            assert!(err.to_string().contains("--features avif"), "{name}: {err}");
            continue;
        }
        let d = decoded.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.format, format, "{name}");
        assert_eq!((d.width, d.height), (w, h), "{name}: full upright size");
        assert_eq!(d.orientation, orientation, "{name}: transform applied");
        // Reduced as a JPEG's DCT scaling does: the smallest eighth of the size whose shorter
        // side is still at least 64, same aspect.
        let (iw, ih) = d.image.dimensions();
        let short = w.min(h);
        let eighths = (1..=8).find(|n| short * n / 8 >= 64).unwrap_or(8);
        assert_eq!(iw.min(ih), short * eighths / 8, "{name}: decoded {iw}x{ih}");
        assert!((f64::from(iw) / f64::from(ih) - f64::from(w) / f64::from(h)).abs() < 0.05);
        // The P3 files' colours change in the conversion (their own test below).
        if !name.starts_with("heic-p3") {
            assert_quadrants(name, &d.image);
        }
    }
}

#[test]
fn display_p3_heic_is_converted_to_srgb() {
    // Tagged by an nclx box, and by a Display P3 ICC profile as iPhones do.
    for name in ["heic-p3.heic", "heic-p3-icc.heic"] {
        let d = decode_fixture(name, 96).expect(name);
        // The top-left patch is P3 (200, 100, 50): about (215, 92, 31) in sRGB.
        let got = quadrant_mean(&d.image, 0);
        for (c, want) in [215.0, 92.0, 31.0].into_iter().enumerate() {
            assert!(
                (got[c] - want).abs() < 9.0,
                "{name}: P3 patch decoded as {got:?}"
            );
        }
        // P3 (30, 170, 50) green: about (0, 172, 12) in sRGB; upright like the others.
        let got = quadrant_mean(&d.image, 1);
        let ok = got[0] < 12.0 && (got[1] - 172.0).abs() < 9.0 && got[2] < 25.0;
        assert!(ok, "{name}: P3 green decoded as {got:?}");
    }
}

#[test]
fn small_requests_keep_the_full_size_and_large_ones_are_not_enlarged() {
    let d = decode_fixture("heic-grid.heic", 224).expect("grid");
    assert_eq!((d.width, d.height), (600, 400));
    // 400 px short side, 224 asked: 5/8 of the size (250 px), as a JPEG would decode.
    assert_eq!(d.image.dimensions(), (375, 250));
    let d = decode_fixture("jxl-lossy.jxl", 1000).expect("jxl");
    assert_eq!(d.image.dimensions(), (128, 96));
}

/// `index --json` with `--model` when given (the default model otherwise).
fn index_json(data: &Path, lib: &Path, model: Option<&str>) -> Value {
    let mut args = vec!["index", lib.to_str().expect("utf8"), "--json"];
    if let Some(m) = model {
        args.extend(["--model", m]);
    }
    let out = lookalike_ok(data, &args);
    serde_json::from_str(out.trim()).expect("index --json")
}

fn failures(data: &Path) -> Vec<(String, String)> {
    let st: Value =
        serde_json::from_str(&lookalike_ok(data, &["status", "--json"])).expect("status");
    st["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            let path = Path::new(f["path"].as_str().expect("path"));
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, f["reason"].as_str().expect("reason").to_string())
        })
        .collect()
}

#[test]
fn the_indexer_records_format_and_upright_size() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib).expect("mkdir");
    for &(name, ..) in FIXTURES {
        std::fs::copy(fixtures().join(name), lib.join(name)).expect("copy");
    }
    index_json(&data, &lib, Some("descriptor"));
    let catalog = Catalog::open_read_only(&data.join("catalog.sqlite")).expect("catalog");
    let photos = catalog.photos().expect("photos");
    let failed = failures(&data);
    for &(name, format, w, h, _) in FIXTURES {
        let found = photos.iter().find(|p| p.path.ends_with(name));
        if format == "avif" && !AVIF_BUILT {
            assert!(found.is_none(), "{name} indexed without a decoder");
            let reason = failed.iter().find(|(n, _)| n == name).map(|(_, r)| r);
            let reason = reason.unwrap_or_else(|| panic!("{name} not reported: {failed:?}"));
            assert!(reason.contains("build with --features avif"), "{reason}");
            continue;
        }
        let p = found.unwrap_or_else(|| panic!("{name} not indexed: {failed:?}"));
        assert_eq!(
            (p.format.as_str(), p.width, p.height),
            (format, w, h),
            "{name}"
        );
    }
}

#[test]
fn a_heic_and_its_smaller_jpeg_copy_are_nearest_neighbours() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    write_library(&lib, 8);
    for name in ["scene-original.heic", "scene-copy.jpg"] {
        std::fs::copy(fixtures().join(name), lib.join(name)).expect("copy");
    }
    let report = index_json(&data, &lib, None);
    assert_eq!(report["photos"].as_u64(), Some(10), "{report}");
    let nearest = |q: &str| -> String {
        let q = lib.join(q);
        let out = lookalike_ok(
            &data,
            &["query", q.to_str().expect("utf8"), "-k", "1", "--json"],
        );
        let hits: Value = serde_json::from_str(out.trim()).expect("query --json");
        let path = hits[0]["path"].as_str().expect("a hit");
        Path::new(path)
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(nearest("scene-original.heic"), "scene-copy.jpg");
    assert_eq!(nearest("scene-copy.jpg"), "scene-original.heic");
}

/// `bytes` with every `ispe` box's size set to 60000x60000.
fn huge_ispe(mut bytes: Vec<u8>) -> Vec<u8> {
    let at: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"ispe")
        .map(|(i, _)| i)
        .collect();
    assert!(!at.is_empty(), "no ispe box");
    for i in at {
        bytes[i + 8..i + 12].copy_from_slice(&60_000u32.to_be_bytes());
        bytes[i + 12..i + 16].copy_from_slice(&60_000u32.to_be_bytes());
    }
    bytes
}

/// A JPEG XL codestream that declares 60000x60000, then zeros where its frames would be.
fn huge_jxl() -> Vec<u8> {
    let mut bits: Vec<bool> = Vec::new();
    let put =
        |v: u32, n: u32, bits: &mut Vec<bool>| (0..n).for_each(|i| bits.push(v >> i & 1 == 1));
    put(0, 1, &mut bits); // not div8
    put(2, 2, &mut bits); // height: 1 + u(18)
    put(59_999, 18, &mut bits);
    put(0, 3, &mut bits); // no ratio: width follows
    put(2, 2, &mut bits);
    put(59_999, 18, &mut bits);
    put(1, 1, &mut bits); // metadata all default
    let mut out = vec![0xff, 0x0a];
    out.extend(bits.chunks(8).map(|c| {
        c.iter()
            .enumerate()
            .fold(0u8, |b, (i, &v)| b | (u8::from(v) << i))
    }));
    // Some bytes of (empty) frame data: jxl-oxide reads a little past the header before it
    // reports the size.
    out.extend([0u8; 1024]);
    out
}

/// The first box (`ftyp`, or JPEG XL's signature box and `ftyp`) followed by noise.
fn garbage_after_ftyp(bytes: &[u8]) -> Vec<u8> {
    let first = u32::from_be_bytes(bytes[..4].try_into().expect("4")) as usize;
    let keep = if &bytes[4..8] == b"JXL " {
        first + u32::from_be_bytes(bytes[first..first + 4].try_into().expect("4")) as usize
    } else {
        first
    };
    let mut out = bytes[..keep].to_vec();
    let mut s = 0x2545_f491_u32;
    out.extend((0..4000).map(|_| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s as u8
    }));
    out
}

#[test]
fn damaged_and_hostile_files_fail_with_a_reason_and_never_crash() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    write_library(&lib, 2);
    let read = |n: &str| std::fs::read(fixtures().join(n)).expect("fixture");
    let mut bad: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, ext) in [
        ("heic-grid.heic", "heic"),
        ("jxl-orient6-exif.jxl", "jxl"),
        ("avif-irot-exif.avif", "avif"),
    ] {
        let b = read(name);
        bad.push((format!("truncated.{ext}"), b[..b.len() / 2].to_vec()));
        bad.push((format!("garbage.{ext}"), garbage_after_ftyp(&b)));
        let huge = if ext == "jxl" {
            huge_jxl()
        } else {
            huge_ispe(b.clone())
        };
        bad.push((format!("huge.{ext}"), huge));
    }
    for (name, bytes) in &bad {
        std::fs::write(lib.join(name), bytes).expect("write");
        // Straight through the library: an error, not a panic caught on the way.
        let err = decode_named(bytes, &lib.join(name), 224).expect_err(name);
        assert!(!matches!(err, DecodeError::Panicked(_)), "{name}: {err}");
        if name.starts_with("huge") && (AVIF_BUILT || !name.ends_with("avif")) {
            assert!(
                matches!(err, DecodeError::TooManyPixels(60_000, 60_000)),
                "{name}: {err}"
            );
        }
    }
    let report = index_json(&data, &lib, Some("descriptor"));
    assert_eq!(report["photos"].as_u64(), Some(2), "{report}");
    let failed = failures(&data);
    for (name, _) in &bad {
        let (_, reason) = failed
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not reported: {failed:?}"));
        assert!(
            !reason.is_empty() && !reason.contains('\n'),
            "{name}: {reason:?}"
        );
    }
}
