//! RAW+JPEG pairs, Live Photos and sidecars travel together, and the keep rule knows what an
//! original is: a RAW is never offered for removal against its own JPEG, a copy that lost its
//! EXIF never beats one that has it, and each group says why its keeper was chosen.

use crate::common;

use common::exif::{Camera, save_camera_jpeg};
use common::raw::{RawSpec, TiffRaw, jpeg, tiff_raw};
use common::*;
use lookalike::core::catalog::PhotoInfo;
use lookalike::core::dupes::{self, DupeSettings, GraphOptions, IgnoreList, KeepRule, PhotoEntry};
use lookalike::core::library::Library;
use lookalike::core::metadata::CaptureTime;
use lookalike::core::progress::{CancelFlag, NoProgress};
use lookalike::core::trash::FolderTrash;
use std::path::{Path, PathBuf};

fn groups(data: &Path) -> Vec<dupes::DupeGroup> {
    let lib = Library::open(Some(data.to_path_buf())).expect("open");
    let graph = dupes::scan(
        &lib,
        &GraphOptions::default(),
        &NoProgress,
        &CancelFlag::new(),
    )
    .expect("scan");
    dupes::groups(&graph, &DupeSettings::default(), &IgnoreList::default())
}

fn name(p: &Path) -> String {
    p.file_name().expect("name").to_string_lossy().into_owned()
}

/// A NEF whose IFD0 holds a 160x120 thumbnail and whose preview is the full picture, written
/// next to the camera's own full-size JPEG of the same shot (more pixels than the preview,
/// a larger file): the layout that made the old resolution-first rule trash the RAW.
fn raw_and_jpeg_shot(dir: &Path, stem: &str, seed: u32) {
    let picture = scene(seed, 1200, 800);
    let preview = jpeg(&picture, 80);
    let thumb = jpeg(&image::imageops::thumbnail(&picture, 160, 107), 70);
    let nef = tiff_raw(
        TiffRaw::Nef,
        &RawSpec {
            make: "NIKON CORPORATION",
            model: "NIKON D750",
            date_time_original: "2020:08:01 10:00:00",
            orientation: 1,
            thumb: &thumb,
            preview: Some(&preview),
            raw_size: (1200, 800),
        },
    );
    std::fs::write(dir.join(format!("{stem}.NEF")), nef).expect("nef");
    save_camera_jpeg(
        &scene(seed, 1800, 1200),
        &dir.join(format!("{stem}.JPG")),
        &Camera {
            make: "NIKON CORPORATION",
            model: "NIKON D750",
            taken: "2020:08:01 10:00:00",
            ..Camera::default()
        },
    );
    std::fs::write(dir.join(format!("{stem}.xmp")), b"<x:xmpmeta/>").expect("xmp");
}

#[test]
fn a_raw_and_its_own_jpeg_are_one_item_and_the_raw_is_never_offered_for_removal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    let shoot = lib.join("2020-08 shoot");
    let exports = lib.join("exports");
    std::fs::create_dir_all(&shoot).expect("mkdir");
    std::fs::create_dir_all(&exports).expect("mkdir");
    raw_and_jpeg_shot(&shoot, "DSC_0001", 1);
    // A pair alone: never a duplicate group.
    raw_and_jpeg_shot(&shoot, "DSC_0002", 2);
    // A re-encoded copy of shot 1, elsewhere, larger than the camera's JPEG.
    save_jpeg(
        &scene(1, 2400, 1600),
        &exports.join("DSC_0001 edit.jpg"),
        95,
    );
    index_descriptor(&data, &lib);

    let gs = groups(&data);
    assert_eq!(gs.len(), 1, "only shot 1 has a duplicate: {gs:#?}");
    let g = &gs[0];
    assert_eq!(g.members.len(), 2, "the NEF and its JPEG are one item");
    let kept = g.kept();
    assert_eq!(name(&kept.photo.path), "DSC_0001.NEF", "{g:#?}");
    assert_eq!(kept.photo.format, "nef");
    // The RAW's own capture date and camera, read from its TIFF structure.
    assert_eq!(
        kept.photo.taken.as_ref().map(|t| t.local.as_str()),
        Some("2020-08-01T10:00:00")
    );
    assert_eq!(kept.photo.camera.as_deref(), Some("NIKON D750"));
    assert!(g.keep_reason.contains("RAW"), "{}", g.keep_reason);
    let mut companions: Vec<String> = kept.companions.iter().map(|c| name(&c.path)).collect();
    companions.sort();
    assert_eq!(companions, ["DSC_0001.JPG", "DSC_0001.xmp"]);
    let removable: Vec<String> = g.removable().iter().map(|m| name(&m.photo.path)).collect();
    assert_eq!(removable, ["DSC_0001 edit.jpg"]);

    // The CLI says the same, with the reason.
    let json: serde_json::Value =
        serde_json::from_str(&lookalike_ok(&data, &["dupes", "--json"])).expect("json");
    let group = &json["groups"][0];
    assert!(
        group["keep"]
            .as_str()
            .expect("keep")
            .ends_with("DSC_0001.NEF")
    );
    assert!(
        group["keep_reason"]
            .as_str()
            .expect("reason")
            .contains("RAW")
    );
}

#[test]
fn trashing_a_photo_moves_its_pair_and_sidecars_in_one_batch_and_undo_brings_all_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib_dir, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib_dir).expect("mkdir");
    raw_and_jpeg_shot(&lib_dir, "DSC_0005", 5);
    save_jpeg(&scene(6, 640, 480), &lib_dir.join("other.jpg"), 90);
    index_descriptor(&data, &lib_dir);
    let mut lib = Library::open(Some(data.clone())).expect("open");
    let jpg = lib
        .catalog
        .photo_id(&lib_dir.join("DSC_0005.JPG"))
        .expect("catalog")
        .expect("the JPEG is indexed");
    let trash = tmp.path().join("trash");
    let mover = FolderTrash::new(&trash);
    // From Results or Browse: the person trashes the JPEG.
    let report = lib.trash_photos(&mover, &[jpg]).expect("trash");
    let mut moved: Vec<String> = report.moved.iter().map(|p| name(p)).collect();
    moved.sort();
    assert_eq!(moved, ["DSC_0005.JPG", "DSC_0005.NEF", "DSC_0005.xmp"]);
    assert!(lib_dir.join("other.jpg").exists());
    // Both photos left the catalog.
    assert_eq!(lib.status().expect("status").photos, 1);
    // One undo puts the three back.
    let undo = lib.undo_trash(&mover).expect("undo");
    assert_eq!(undo.restored.len(), 3, "{undo:?}");
    for n in ["DSC_0005.JPG", "DSC_0005.NEF", "DSC_0005.xmp"] {
        assert!(lib_dir.join(n).exists(), "{n} restored");
    }
}

fn entry(id: i64, name: &str, w: u32, h: u32, bytes: u64, format: &str) -> PhotoEntry {
    PhotoEntry {
        info: PhotoInfo {
            id,
            path: PathBuf::from(format!("/photos/{name}")),
            bytes,
            width: w,
            height: h,
            format: format.into(),
            mtime_ns: id,
            ..Default::default()
        },
        hash: None,
    }
}

fn taken(mut e: PhotoEntry, ms: i64) -> PhotoEntry {
    e.info.taken = Some(CaptureTime {
        local: "2019-01-01T00:00:00".into(),
        offset_minutes: None,
        unix_ms: ms,
    });
    e.info.camera = Some("Apple iPhone 12".into());
    e
}

#[test]
fn keep_rule_prefers_camera_originals_and_says_why() {
    let rule = KeepRule::default();
    // Same size: the copy that kept its EXIF wins over the messaging-app copy, even when the
    // stripped one is a larger, older file.
    let with_exif = taken(entry(1, "IMG_1.jpg", 1600, 1200, 300_000, "jpeg"), 1_000);
    let mut stripped = entry(2, "IMG_1-WA0001.jpg", 1600, 1200, 900_000, "jpeg");
    stripped.info.mtime_ns = -5;
    let choice = rule
        .choose_with(&[&with_exif, &stripped], &[false, false], &[])
        .expect("choice");
    assert_eq!(choice.index, 0);
    assert!(choice.reason.contains("capture data"), "{}", choice.reason);

    // HEIC original over its JPEG export of the same size.
    let heic = taken(entry(3, "IMG_2.HEIC", 4032, 3024, 2_000_000, "heic"), 1_000);
    let export = taken(entry(4, "IMG_2.jpg", 4032, 3024, 4_000_000, "jpeg"), 1_000);
    let choice = rule
        .choose_with(&[&export, &heic], &[false, false], &[])
        .expect("choice");
    assert_eq!(choice.index, 1);
    assert_eq!(choice.reason, "original format (HEIC)");

    // Oldest is the capture time, not the file date (a phone dump rewrites every mtime).
    let mut first = taken(entry(5, "a.jpg", 800, 600, 1_000, "jpeg"), 1_000);
    first.info.mtime_ns = 9_000_000_000;
    let later = taken(entry(6, "b.jpg", 800, 600, 1_000, "jpeg"), 2_000);
    let choice = rule
        .choose_with(&[&later, &first], &[false, false], &[])
        .expect("choice");
    assert_eq!(choice.index, 1);
    assert_eq!(choice.reason, "taken first");

    // A RAW-backed item beats any number of pixels.
    let big = taken(entry(7, "big.jpg", 8000, 6000, 9_000_000, "jpeg"), 1_000);
    let paired = entry(8, "DSC_1.JPG", 1600, 1067, 500_000, "jpeg");
    let choice = rule
        .choose_with(&[&big, &paired], &[false, true], &[])
        .expect("choice");
    assert_eq!(choice.index, 1);
    assert_eq!(choice.reason, "its RAW original lies beside it");
}

#[test]
fn a_saved_rule_from_before_gets_the_new_criterion_in_its_default_place() {
    use lookalike::core::dupes::keep::Criterion;
    let old = KeepRule {
        order: vec![
            Criterion::LargerFile,
            Criterion::Resolution,
            Criterion::OriginalFormat,
            Criterion::Oldest,
        ],
    };
    assert_eq!(
        old.with_new_criteria().order,
        [
            Criterion::LargerFile,
            Criterion::Resolution,
            Criterion::CameraData,
            Criterion::OriginalFormat,
            Criterion::Oldest,
        ]
    );
}

#[test]
fn a_heic_original_and_its_smaller_stripped_jpeg_copy_group_and_the_heic_is_kept() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(lib.join("WhatsApp Images")).expect("mkdir");
    let picture = scene(21, 1600, 1200);
    let heic = heifer::encode_rgb8(
        picture.width(),
        picture.height(),
        picture.as_raw(),
        &heifer::EncodeOptions {
            quality: 70,
            ..Default::default()
        },
    )
    .expect("encode heic");
    std::fs::write(lib.join("IMG_3001.HEIC"), heic).expect("write");
    // The messaging copy: smaller, re-encoded, EXIF gone.
    let copy = image::imageops::resize(&picture, 800, 600, image::imageops::FilterType::Triangle);
    save_jpeg(
        &copy,
        &lib.join("WhatsApp Images/IMG-20190704-WA0001.jpg"),
        75,
    );
    write_library(&lib, 3);
    index_descriptor(&data, &lib);
    let gs = groups(&data);
    assert_eq!(gs.len(), 1, "{gs:#?}");
    let g = &gs[0];
    assert_eq!(g.members.len(), 2);
    assert_eq!(name(&g.kept().photo.path), "IMG_3001.HEIC");
    assert_eq!(g.kept().photo.format, "heic");
    assert_eq!((g.kept().photo.width, g.kept().photo.height), (1600, 1200));
}

#[test]
fn a_copy_padded_with_a_frame_never_beats_its_source() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(lib.join("prints")).expect("mkdir");
    let picture = scene(41, 1000, 1000);
    save_jpeg(&picture, &lib.join("IMG_4100.jpg"), 90);
    // The framed print: the same pixels on a white canvas 1.3x the size (more canvas pixels,
    // a larger file).
    let mut framed = image::RgbImage::from_pixel(1300, 1300, image::Rgb([255, 255, 255]));
    image::imageops::overlay(&mut framed, &picture, 150, 150);
    save_jpeg(&framed, &lib.join("prints/IMG_4100 framed.jpg"), 95);
    write_library(&lib, 3);
    index_descriptor(&data, &lib);
    let gs = groups(&data);
    let g = gs
        .iter()
        .find(|g| {
            g.members
                .iter()
                .any(|m| name(&m.photo.path) == "IMG_4100.jpg")
        })
        .unwrap_or_else(|| panic!("the framed copy groups with its source: {gs:#?}"));
    assert_eq!(name(&g.kept().photo.path), "IMG_4100.jpg", "{g:#?}");
    assert!(g.keep_reason.contains("borders"), "{}", g.keep_reason);
}
