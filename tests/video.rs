//! Videos in a library: indexed from a representative frame through the user's ffmpeg, so a
//! clip finds its look-alike photos; listed with "install ffmpeg" where there is none; a Live
//! Photo's video is one item with its still in duplicate review.

use crate::common;

use common::*;
use std::path::Path;
use std::process::Command;

/// A 2 s clip of `still` (a phone clip of the same scene), written by ffmpeg.
fn clip_of(still: &Path, out: &Path) {
    let ok = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-loop",
            "1",
            "-t",
            "2",
            "-i",
        ])
        .arg(still)
        .args(["-vf", "format=yuv420p", "-c:v", "libx264", "-r", "10"])
        .arg(out)
        .status()
        .expect("the video tests need ffmpeg on the PATH: apt-get install ffmpeg");
    assert!(ok.success(), "ffmpeg failed");
}

#[test]
fn a_video_is_indexed_from_a_frame_and_found_by_its_photo() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib).expect("mkdir");
    let still = tmp.path().join("still.png");
    scene(7, 640, 480).save(&still).expect("png");
    clip_of(&still, &lib.join("clip.mp4"));
    write_library(&lib, 4);
    index_descriptor(&data, &lib);
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["photos"], 5, "{status}");
    assert_eq!(status["formats"]["mp4"], 1, "{status}");
    let query = tmp.path().join("query.jpg");
    save_jpeg(&scene(7, 640, 480), &query, 90);
    let hits = lookalike_json(
        &data,
        &["query", query.to_str().expect("utf8"), "-k", "2", "--json"],
    );
    let first = &hits[0];
    assert!(
        first["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("clip.mp4")),
        "{hits:#}"
    );
    assert_eq!(first["width"], 640);
    assert_eq!(first["height"], 480);
}

#[test]
fn without_ffmpeg_videos_are_listed_with_what_to_do() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib).expect("mkdir");
    let still = tmp.path().join("still.png");
    scene(8, 320, 240).save(&still).expect("png");
    clip_of(&still, &lib.join("IMG_0100.MOV"));
    write_library(&lib, 2);
    let out = Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .env("LOOKALIKE_FFMPEG", tmp.path().join("no-such-ffmpeg"))
        .arg("--data-dir")
        .arg(&data)
        .args([
            "index",
            lib.to_str().expect("utf8"),
            "--model",
            "descriptor",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["photos"], 2);
    let failures = status["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{status}");
    assert!(
        failures[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("IMG_0100.MOV"))
    );
    assert_eq!(
        failures[0]["reason"],
        "video: install ffmpeg to include videos"
    );

    // With ffmpeg back on the PATH, the next run picks the video up.
    index_descriptor(&data, &lib);
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["photos"], 3, "{status}");
    assert_eq!(status["failed"], 0);
}

#[test]
fn a_live_photo_and_its_video_are_one_item_not_duplicates() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib).expect("mkdir");
    let img = scene(9, 640, 480);
    save_jpeg(&img, &lib.join("IMG_0200.JPG"), 92);
    clip_of(&lib.join("IMG_0200.JPG"), &lib.join("IMG_0200.MOV"));
    write_library(&lib, 2);
    index_descriptor(&data, &lib);
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["photos"], 4, "{status}");
    // They look alike (so without pairing they would be a duplicate group)...
    let hits = lookalike_json(
        &data,
        &[
            "query",
            lib.join("IMG_0200.JPG").to_str().expect("utf8"),
            "-k",
            "1",
            "--json",
        ],
    );
    assert!(
        hits[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("IMG_0200.MOV")),
        "{hits:#}"
    );
    assert!(hits[0]["score"].as_f64().expect("score") > 0.9, "{hits:#}");
    // ...but review shows them as one item.
    let dupes = lookalike_json(&data, &["dupes", "--json", "--tier", "similar"]);
    let groups = dupes["groups"].as_array().expect("groups");
    for g in groups {
        let names: Vec<&str> = g["photos"]
            .as_array()
            .expect("photos")
            .iter()
            .filter_map(|p| p["path"].as_str())
            .collect();
        assert!(
            !(names.iter().any(|n| n.ends_with("IMG_0200.JPG"))
                && names.iter().any(|n| n.ends_with("IMG_0200.MOV"))),
            "a Live Photo's still and video are not duplicates of each other: {dupes:#}"
        );
    }
}
