//! Camera RAW files through the `lookalike` binary: indexed from their largest embedded JPEG
//! preview at the full photo's size, upright; thumbnail-only and hostile RAWs are listed as
//! failures with a one-line reason, and never stop the indexer.

use crate::common;

use common::raw::{self as rb, Ifd, RawSpec, TiffRaw, Val, Writer};
use common::*;
use image::RgbImage;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DATE: &str = "2023:05:06 07:08:09";

/// One synthetic RAW of the library and what the index must say about it.
struct Sample {
    file: PathBuf,
    format: &'static str,
    /// Upright full size.
    size: (u64, u64),
    /// The picture its preview shows, upright (what a query with a JPEG of it finds).
    picture: RgbImage,
}

/// Which container a sample is written as.
#[derive(Clone, Copy)]
enum Layout {
    Tiff(TiffRaw),
    Cr3,
    Raf,
}

/// Every container the builders write: the TIFF-based RAWs, CR3 and RAF.
const EVERY_LAYOUT: [Layout; 8] = [
    Layout::Tiff(TiffRaw::Nef),
    Layout::Tiff(TiffRaw::Cr2),
    Layout::Tiff(TiffRaw::Dng),
    Layout::Tiff(TiffRaw::Arw),
    Layout::Cr3,
    Layout::Raf,
    Layout::Tiff(TiffRaw::Orf),
    Layout::Tiff(TiffRaw::Rw2),
];

fn write_raw(dir: &Path, name: &str, layout: Layout, seed: u32, orientation: u16) -> Sample {
    let preview_img = scene(seed, 1600, 1067);
    // The thumbnail is another picture: a RAW indexed from it would not be found.
    let thumb = rb::jpeg(&scene(seed + 500, 160, 120), 85);
    let preview = rb::jpeg(&preview_img, 92);
    let (make, format) = match layout {
        Layout::Tiff(TiffRaw::Nef) => ("NIKON CORPORATION", "nef"),
        Layout::Tiff(TiffRaw::Cr2) => ("Canon", "cr2"),
        Layout::Tiff(TiffRaw::Dng) => ("Google", "dng"),
        Layout::Tiff(TiffRaw::Arw) => ("SONY", "arw"),
        Layout::Tiff(TiffRaw::Orf) => ("OLYMPUS IMAGING CORP.", "orf"),
        Layout::Tiff(TiffRaw::Rw2) => ("Panasonic", "rw2"),
        Layout::Cr3 => ("Canon", "cr3"),
        Layout::Raf => ("FUJIFILM", "raf"),
    };
    let spec = RawSpec {
        make,
        model: "Test Camera",
        date_time_original: DATE,
        orientation,
        thumb: &thumb,
        preview: Some(&preview),
        raw_size: (6000, 4000),
    };
    let bytes = match layout {
        Layout::Tiff(t) => rb::tiff_raw(t, &spec),
        // PRVW: the same picture, smaller (the first track's JPEG is the larger one).
        Layout::Cr3 => rb::cr3(&spec, Some(&rb::jpeg(&scene(seed, 1200, 800), 85))),
        Layout::Raf => rb::raf(&spec),
    };
    let file = dir.join(format!("{name}.{format}"));
    std::fs::write(&file, bytes).expect("write raw");
    let (picture, size) = match orientation {
        6 => (image::imageops::rotate90(&preview_img), (4000, 6000)),
        _ => (preview_img, (6000, 4000)),
    };
    Sample {
        file,
        format,
        size,
        picture,
    }
}

/// The damaged and hostile RAWs, by name.
fn write_hostile(dir: &Path) -> Vec<PathBuf> {
    let le = Writer { little: true };
    let thumb = rb::jpeg(&scene(900, 160, 120), 85);
    let with_thumb = || {
        Ifd::new()
            .with(0x10F, rb::ascii("NIKON CORPORATION"))
            .with(0x103, Val::Short(vec![6]))
            .blob(0x201, 0x202, &thumb)
    };
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    let far = Ifd::new()
        .with(0x103, Val::Short(vec![6]))
        .with(
            0x201,
            Val::Raw {
                typ: 4,
                count: 1,
                value: 0xFFFF_0000,
            },
        )
        .with(0x202, Val::Long(vec![2_000_000]));
    files.push((
        "past_end.nef",
        le.tiff(&with_thumb().with(0x14A, Val::Ifds(vec![far]))),
    ));
    let mut looped = with_thumb().with(
        0x14A,
        Val::Raw {
            typ: 4,
            count: 1,
            value: 8,
        },
    );
    looped.next_offset = Some(8);
    files.push(("ifd_loop.nef", le.tiff(&looped)));
    let huge = with_thumb().with(
        0x14A,
        Val::Raw {
            typ: 4,
            count: 1_000_000_000,
            value: 8,
        },
    );
    files.push(("subifd_count.nef", le.tiff(&huge)));
    let camera = |layout, preview: Option<&[u8]>| {
        let spec = RawSpec {
            make: "NIKON CORPORATION",
            model: "Test Camera",
            date_time_original: DATE,
            orientation: 1,
            thumb: &thumb,
            preview,
            raw_size: (6000, 4000),
        };
        rb::tiff_raw(layout, &spec)
    };
    let mut bomb = rb::jpeg(&scene(901, 1600, 1067), 80);
    rb::set_sof_size(&mut bomb, 60000, 60000);
    files.push(("bomb.nef", camera(TiffRaw::Nef, Some(&bomb))));
    files.push(("thumb_only.nef", camera(TiffRaw::Nef, None)));
    // A CR2 cut in the middle of its preview (its IFD0 strip).
    let preview = rb::jpeg(&scene(902, 1600, 1067), 90);
    let cr2 = camera(TiffRaw::Cr2, Some(&preview));
    let at = cr2
        .windows(64)
        .position(|w| w == &preview[..64])
        .expect("preview in cr2");
    files.push(("truncated.cr2", cr2[..at + preview.len() / 2].to_vec()));
    files
        .into_iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).expect("write hostile");
            p
        })
        .collect()
}

fn file_name(v: &Value) -> String {
    Path::new(v["path"].as_str().expect("path"))
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn raws_are_indexed_from_their_preview_and_hostile_ones_fail_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    write_library(&lib, 6);
    let mut samples = Vec::new();
    for (i, layout) in EVERY_LAYOUT.into_iter().enumerate() {
        samples.push(write_raw(
            &lib,
            &format!("raw{i}"),
            layout,
            11 + i as u32,
            1,
        ));
    }
    // Shot in portrait: stored sideways with Orientation 6.
    samples.push(write_raw(
        &lib,
        "portrait",
        Layout::Tiff(TiffRaw::Nef),
        40,
        6,
    ));
    samples.push(write_raw(&lib, "portrait_cr3", Layout::Cr3, 41, 6));
    let hostile = write_hostile(&lib);

    let started = std::time::Instant::now();
    let report = lookalike_json(
        &data,
        &[
            "index",
            lib.to_str().expect("utf8"),
            "--model",
            "descriptor",
            "--json",
        ],
    );
    let took = started.elapsed();
    assert_eq!(
        report["photos"].as_u64(),
        Some(6 + samples.len() as u64),
        "{report}"
    );
    assert!(took.as_secs() < 45, "indexing took {took:?}");

    // Every hostile file is a failure with a one-line reason.
    let status = lookalike_json(&data, &["status", "--json"]);
    let failures = status["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), hostile.len(), "{status}");
    let reason = |name: &str| -> String {
        let f = failures
            .iter()
            .find(|f| file_name(f) == name)
            .unwrap_or_else(|| panic!("{name} not among the failures: {failures:?}"));
        let r = f["reason"].as_str().expect("reason").to_string();
        assert!(
            !r.contains('\n') && !r.contains("took longer") && !r.contains("crashed"),
            "{name}: {r}"
        );
        r
    };
    for (name, want) in [
        ("thumb_only.nef", "no embedded preview larger than 160x120"),
        ("ifd_loop.nef", "no embedded preview larger than 160x120"),
        (
            "subifd_count.nef",
            "no embedded preview larger than 160x120",
        ),
        ("past_end.nef", "past the end of the file"),
        ("bomb.nef", "60000x60000"),
        ("truncated.cr2", "truncated"),
    ] {
        let r = reason(name);
        assert!(r.contains(want), "{name}: {r}");
    }
    assert!(reason("thumb_only.nef").contains("preview"));

    // Each RAW: found first by a JPEG of its preview's picture, with its kind and full size.
    for s in &samples {
        let q = tmp.path().join("query.jpg");
        save_jpeg(&s.picture, &q, 92);
        let hits = lookalike_json(
            &data,
            &["query", q.to_str().expect("utf8"), "-k", "3", "--json"],
        );
        let first = &hits[0];
        let name = s
            .file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert_eq!(file_name(first), name, "{hits}");
        assert_eq!(first["format"], s.format, "{first}");
        assert_eq!(
            (first["width"].as_u64(), first["height"].as_u64()),
            (Some(s.size.0), Some(s.size.1)),
            "{first}"
        );
    }
}

/// The builders write what exiftool reads as the cameras' own files (skipped without
/// exiftool, Debian's `libimage-exiftool-perl`).
#[test]
fn synthetic_raws_are_read_by_exiftool_as_camera_files() {
    if std::process::Command::new("exiftool")
        .arg("-ver")
        .output()
        .is_err()
    {
        eprintln!("exiftool not installed: skipped");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let mut files = Vec::new();
    for (i, layout) in EVERY_LAYOUT.into_iter().enumerate() {
        files.push(write_raw(
            tmp.path(),
            &format!("x{i}"),
            layout,
            60 + i as u32,
            6,
        ));
    }
    let out = std::process::Command::new("exiftool")
        .args(["-j", "-a", "-G1", "-n"])
        .args(files.iter().map(|s| &s.file))
        .output()
        .expect("run exiftool");
    let all: Value = serde_json::from_slice(&out.stdout).expect("exiftool json");
    for (s, tags) in files.iter().zip(all.as_array().expect("array")) {
        let name = s.format;
        assert_eq!(
            tags["File:FileType"].as_str(),
            Some(&*name.to_uppercase()),
            "{tags}"
        );
        let tag = |suffix: &str| -> Vec<&Value> {
            let obj = tags.as_object().expect("object");
            obj.iter()
                .filter(|(k, _)| k.ends_with(suffix))
                .map(|(_, v)| v)
                .collect()
        };
        assert!(
            tag(":Model").iter().all(|v| *v == "Test Camera") && !tag(":Model").is_empty(),
            "{name}"
        );
        assert!(
            tag(":DateTimeOriginal").contains(&&Value::from(DATE)),
            "{name}: {tags}"
        );
        assert!(
            tag(":Orientation").contains(&&Value::from(6)),
            "{name}: {tags}"
        );
        // The full size: DNG's crop inside the sensor's borders, the others' image size.
        let size = if name == "dng" {
            ":DefaultCropSize"
        } else {
            "Composite:ImageSize"
        };
        assert_eq!(tag(size), [&Value::from("6000 4000")], "{name}: {tags}");
        // Among the previews exiftool extracts is the large one (tens of kB; the thumbnail
        // is a few kB).
        let largest = [":PreviewImage", ":JpgFromRaw"]
            .iter()
            .flat_map(|t| tag(t))
            .filter_map(|v| v.as_str()?.split(' ').nth(2)?.parse::<u64>().ok())
            .max();
        assert!(
            largest.is_some_and(|n| n > 20_000),
            "{name}: {largest:?} {tags}"
        );
    }
}

/// Not a check: wraps each JPEG of `$LOOKALIKE_BENCH_JPEGS` as the full-size preview of a
/// NEF-structured RAW in `$LOOKALIKE_BENCH_RAWS`, for `lookalike bench` on RAW previews
/// (docs/performance.md). `cargo test --test tests raw::write_bench_raws -- --ignored`.
#[test]
#[ignore]
fn write_bench_raws() {
    let (Some(src), Some(out)) = (
        std::env::var_os("LOOKALIKE_BENCH_JPEGS"),
        std::env::var_os("LOOKALIKE_BENCH_RAWS"),
    ) else {
        panic!("set LOOKALIKE_BENCH_JPEGS and LOOKALIKE_BENCH_RAWS");
    };
    std::fs::create_dir_all(&out).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("jpegs").flatten() {
        let preview = std::fs::read(e.path()).expect("read");
        let img = image::load_from_memory(&preview).expect("decode").to_rgb8();
        let thumb = rb::jpeg(&image::imageops::thumbnail(&img, 160, 120), 70);
        let nef = rb::tiff_raw(
            TiffRaw::Nef,
            &RawSpec {
                make: "NIKON CORPORATION",
                model: "NIKON D750",
                date_time_original: "2020:08:01 10:00:00",
                orientation: 1,
                thumb: &thumb,
                preview: Some(&preview),
                raw_size: (img.width(), img.height()),
            },
        );
        let name = Path::new(&e.file_name()).with_extension("nef");
        std::fs::write(Path::new(&out).join(name), nef).expect("write");
    }
}
