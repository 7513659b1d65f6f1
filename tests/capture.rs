//! Capture metadata (date with offset, camera, lens, location) from EXIF: in `status`, in query
//! and dupes JSON, and back-filled into a catalog indexed before it was read — without
//! re-embedding anything.

use crate::common;

use common::exif::{Camera, save_camera_jpeg};
use common::*;
use serde_json::Value;
use std::path::Path;

fn by_name<'a>(hits: &'a [Value], name: &str) -> &'a Value {
    hits.iter()
        .find(|h| h["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} not in {hits:?}"))
}

const PHONE: Camera<'static> = Camera {
    make: "Apple",
    model: "iPhone 12 Pro",
    taken: "2019:07:04 18:22:31",
    offset: Some("+02:00"),
    lens: Some("iPhone 12 Pro back camera 4.2mm f/1.6"),
    gps: Some((48, -2)),
};

fn library(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    save_camera_jpeg(&scene(1, 640, 480), &dir.join("IMG_0001.jpg"), &PHONE);
    // The messaging-app copy: same picture, EXIF stripped.
    save_jpeg(&scene(1, 640, 480), &dir.join("whatsapp.jpg"), 70);
    save_camera_jpeg(
        &scene(2, 640, 480),
        &dir.join("DSC_0002.jpg"),
        &Camera {
            make: "NIKON CORPORATION",
            model: "NIKON D750",
            taken: "2015:12:31 23:59:59",
            ..Camera::default()
        },
    );
}

#[test]
fn capture_metadata_reaches_status_query_and_dupes_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    library(&lib);
    index_descriptor(&data, &lib);

    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["photos"], 3);
    assert_eq!(status["capture"]["with_date"], 2, "{status}");
    assert_eq!(status["capture"]["with_camera"], 2);
    assert_eq!(status["capture"]["with_gps"], 1);
    assert_eq!(status["formats"]["jpeg"], 3);

    let query = tmp.path().join("query.jpg");
    save_jpeg(&scene(1, 640, 480), &query, 85);
    let hits = lookalike_json(
        &data,
        &["query", query.to_str().expect("utf8"), "-k", "3", "--json"],
    );
    let hits = hits.as_array().expect("array");
    let phone = by_name(hits, "IMG_0001.jpg");
    assert_eq!(phone["taken"], "2019-07-04T18:22:31+02:00");
    assert_eq!(phone["camera"], "Apple iPhone 12 Pro");
    assert!(phone["lens"].as_str().is_some_and(|l| l.contains("4.2mm")));
    assert_eq!(phone["gps"]["lat"], 48.0);
    assert_eq!(phone["gps"]["lon"], -2.0);
    let nikon = by_name(hits, "DSC_0002.jpg");
    assert_eq!(nikon["taken"], "2015-12-31T23:59:59", "no offset recorded");
    assert_eq!(nikon["camera"], "NIKON D750");
    // The stripped copy has no capture date: never its file date.
    let copy = by_name(hits, "whatsapp.jpg");
    assert!(copy.get("taken").is_none(), "{copy}");
    assert!(copy.get("camera").is_none());

    let dupes = lookalike_json(&data, &["dupes", "--json"]);
    let photos: Vec<&Value> = dupes["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["photos"].as_array().expect("photos"))
        .collect();
    let phone = photos
        .iter()
        .find(|p| {
            p["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("IMG_0001.jpg"))
        })
        .expect("the original and its copy group");
    assert_eq!(phone["taken"], "2019-07-04T18:22:31+02:00");
}

#[test]
fn a_catalog_indexed_before_capture_metadata_gets_it_without_re_embedding() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    library(&lib);
    index_descriptor(&data, &lib);
    // Make it the catalog an older Lookalike wrote: no capture columns at all.
    {
        let db = rusqlite::Connection::open(data.join("catalog.sqlite")).expect("open");
        db.execute_batch("DROP INDEX IF EXISTS photos_stale_meta;")
            .expect("drop index");
        for col in [
            "taken_local",
            "taken_offset",
            "taken_ms",
            "make",
            "model",
            "lens",
            "gps_lat",
            "gps_lon",
            "meta_version",
        ] {
            db.execute_batch(&format!("ALTER TABLE photos DROP COLUMN {col};"))
                .expect("drop column");
        }
    }
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["capture"]["with_date"], 0);
    assert_eq!(status["capture"]["pending"], 3, "{status}");

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
    assert_eq!(report["embedded"], 0, "nothing is embedded again: {report}");
    assert_eq!(report["metadata_read"], 3, "{report}");
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["capture"]["with_date"], 2, "{status}");
    assert_eq!(status["capture"]["pending"], 0);

    // A third run has nothing left to read.
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
    assert_eq!(report["metadata_read"], 0, "{report}");
}

#[test]
fn heic_avif_and_jpeg_xl_capture_metadata_is_read_from_their_containers() {
    use lookalike::core::image_io::PhotoFormat;
    use lookalike::core::metadata;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats");
    // Written by heif-enc, avifenc and cjxl (a Brotli-compressed Exif box) from one JPEG:
    // see tests/fixtures/formats/README.md.
    for (file, format) in [
        ("heic-exif.heic", PhotoFormat::Heic),
        ("avif-irot-exif.avif", PhotoFormat::Avif),
        ("jxl-orient6-exif.jxl", PhotoFormat::Jxl),
    ] {
        let bytes = std::fs::read(dir.join(file)).expect("fixture");
        let info = metadata::read(&bytes, format);
        let taken = info
            .taken
            .clone()
            .unwrap_or_else(|| panic!("{file}: no date"));
        assert_eq!(taken.local, "2021-06-05T14:03:22", "{file}");
        assert_eq!(
            info.camera().as_deref(),
            Some("Lookalike Fixture Cam"),
            "{file}"
        );
        let gps = info.gps.unwrap_or_else(|| panic!("{file}: no gps"));
        assert!(
            (gps.lat - 48.8584).abs() < 1e-3 && (gps.lon - 2.2945).abs() < 1e-3,
            "{file}"
        );
    }
}

#[test]
fn after_an_upgrade_heic_it_could_not_read_and_raws_it_read_from_thumbnails_are_read_again() {
    use common::raw::{RawSpec, TiffRaw, jpeg, tiff_raw};
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib).expect("mkdir");
    let picture = scene(31, 1200, 800);
    let thumb = jpeg(&image::imageops::thumbnail(&picture, 160, 107), 70);
    let nef = tiff_raw(
        TiffRaw::Nef,
        &RawSpec {
            make: "NIKON CORPORATION",
            model: "NIKON D750",
            date_time_original: "2020:08:01 10:00:00",
            orientation: 1,
            thumb: &thumb,
            preview: Some(&jpeg(&picture, 85)),
            raw_size: (1200, 800),
        },
    );
    std::fs::write(lib.join("DSC_0001.NEF"), nef).expect("nef");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/scene-original.heic"),
        lib.join("IMG_0001.HEIC"),
    )
    .expect("heic");
    write_library(&lib, 2);
    let index = || {
        lookalike_json(
            &data,
            &[
                "index",
                lib.to_str().expect("utf8"),
                "--model",
                "descriptor",
                "--json",
            ],
        )
    };
    index();
    // What an older Lookalike left: the HEIC failed as unsupported, the NEF read as a TIFF
    // from its 160x120 thumbnail.
    {
        let db = rusqlite::Connection::open(data.join("catalog.sqlite")).expect("open");
        db.execute_batch(
            "DELETE FROM meta WHERE key='decoders_version';
             UPDATE photos SET error='HEIC/HEIF images are not supported', signature=NULL
               WHERE path LIKE '%.HEIC';
             DELETE FROM embeddings WHERE photo_id IN (SELECT id FROM photos WHERE path LIKE '%.HEIC');
             UPDATE photos SET format='tiff', width=160, height=120 WHERE path LIKE '%.NEF';",
        )
        .expect("downgrade");
    }
    let report = index();
    assert_eq!(
        report["embedded"], 2,
        "the HEIC and the NEF are read again: {report}"
    );
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["failed"], 0, "{status}");
    assert_eq!(status["formats"]["heic"], 1, "{status}");
    assert_eq!(status["formats"]["nef"], 1, "{status}");
    assert!(status["formats"].get("tiff").is_none(), "{status}");
    // Once: the next run has nothing to do.
    let report = index();
    assert_eq!(report["embedded"], 0, "{report}");
    assert_eq!(report["unchanged"], 4, "{report}");
}
