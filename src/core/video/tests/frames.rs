//! Representative frames and probing of real videos made with ffmpeg.

use super::super::frame::LumaStats;
use super::super::{probe, representative_frame};
use super::*;
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

#[test]
fn skips_a_black_opening_and_shows_the_picture_upright() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1 s of black, then 2 s of quadrants: 10 % (0.3 s) and 30 % (0.9 s) are black.
    let mut args = vec!["-f", "lavfi", "-i", "color=black:s=320x240:d=1:r=25"];
    let quads = quadrant_inputs(2);
    args.extend(quads.iter().map(String::as_str));
    let filter = "[1][2]hstack[top];[3][4]hstack[bottom];[top][bottom]vstack[q];\
                  [0][q]concat=n=2:v=1:a=0,format=yuv420p";
    args.extend(["-filter_complex", filter, "-c:v", "mpeg4", "-q:v", "2"]);
    let path = make_video(dir.path(), "black_start.mp4", &args);

    let frame = representative_frame(ffmpeg(), &path, 120, T).expect("frame");
    assert_eq!(
        (frame.width, frame.height),
        (320, 240),
        "the video's full size"
    );
    assert_eq!(
        (frame.image.width(), frame.image.height()),
        (160, 120),
        "shorter side 120"
    );
    assert_eq!((frame.format, frame.orientation), ("mp4", 1));
    let stats = LumaStats::of(&frame.image);
    assert!(
        stats.mean > 60.0,
        "a black frame was kept (mean luma {})",
        stats.mean
    );
    assert_quadrants(&frame.image, [RED, LIME, BLUE, WHITE], "upright frame");
}

#[test]
fn never_enlarges_and_keeps_the_best_of_dark_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Dark all through: no frame passes; the one with most contrast (the grey bars) is kept.
    let args = [
        "-f",
        "lavfi",
        "-i",
        "color=black:s=96x64:d=0.8:r=25",
        "-f",
        "lavfi",
        "-i",
        "color=0x202020:s=48x64:d=1:r=25",
        "-f",
        "lavfi",
        "-i",
        "color=0x000000:s=48x64:d=1:r=25",
        "-filter_complex",
        "[1][2]hstack[bars];[0][bars]concat=n=2:v=1:a=0,format=yuv420p",
        "-c:v",
        "mpeg4",
        "-q:v",
        "2",
    ];
    let path = make_video(dir.path(), "dark.mkv", &args);
    let frame = representative_frame(ffmpeg(), &path, 500, T).expect("frame");
    assert_eq!(
        (frame.image.width(), frame.image.height()),
        (96, 64),
        "not enlarged"
    );
    assert_eq!(frame.format, "mkv");
    let left = frame.image.get_pixel(10, 32).0;
    let right = frame.image.get_pixel(80, 32).0;
    assert!(
        left[0] > 16 && right[0] < 16,
        "expected the grey bars frame, got {left:?} {right:?}"
    );
}

#[test]
fn a_rotated_video_comes_out_portrait_like_ffmpeg_shows_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = quadrant_video(dir.path(), "plain.mp4", 1, &[]);
    // ffmpeg 6+ has the `-display_rotation` input option; 5.x (Debian 12) takes the `rotate` tag.
    let out = dir.path().join("rotated.mov");
    let plain_s = plain.to_string_lossy().to_string();
    let modern = Command::new(&ffmpeg().ffmpeg)
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-display_rotation",
            "90",
            "-i",
        ])
        .args([plain_s.as_str(), "-c", "copy"])
        .arg(&out)
        .output()
        .expect("run ffmpeg");
    if !modern.status.success() {
        let args = [
            "-i",
            plain_s.as_str(),
            "-c",
            "copy",
            "-metadata:s:v",
            "rotate=90",
        ];
        make_video(dir.path(), "rotated.mov", &args);
    }

    let info = probe(ffmpeg(), &out, T).expect("probe");
    assert!(
        info.rotation == 90 || info.rotation == 270,
        "rotation {}",
        info.rotation
    );
    assert_eq!(
        (info.width, info.height),
        (240, 320),
        "displayed size is portrait"
    );
    assert_eq!(info.container, "mov");

    let frame = representative_frame(ffmpeg(), &out, 120, T).expect("frame");
    assert_eq!((frame.width, frame.height), (240, 320));
    assert_eq!(
        (frame.image.width(), frame.image.height()),
        (120, 160),
        "portrait frame"
    );
    // Turned once, the way the rotation says: clockwise 90 brings the bottom-left (blue) to the
    // top-left; clockwise 270 brings the top-right (lime) there.
    let want = if info.rotation == 90 {
        [BLUE, RED, WHITE, LIME]
    } else {
        [LIME, WHITE, RED, BLUE]
    };
    assert_quadrants(&frame.image, want, "rotated frame");

    // And the same way ffmpeg itself shows it (its default autorotation).
    let shown = Command::new(&ffmpeg().ffmpeg)
        .args(["-nostdin", "-loglevel", "error", "-i"])
        .arg(&out)
        .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "ppm", "-"])
        .output()
        .expect("run ffmpeg");
    let shown = image::load_from_memory(&shown.stdout)
        .expect("ppm")
        .to_rgb8();
    assert_eq!((shown.width(), shown.height()), (240, 320));
    assert_quadrants(&shown, want, "ffmpeg's own rotation");
}

#[test]
fn probe_reads_apple_tags_and_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = [
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        "com.apple.quicktime.location.ISO6709=+48.8584+002.2945+035.000/",
        "-metadata",
        "creation_time=2021-06-05T14:30:00Z",
        "-metadata",
        "com.apple.quicktime.make=Apple",
        "-metadata",
        "com.apple.quicktime.model=iPhone 12",
    ];
    let path = quadrant_video(dir.path(), "IMG_0001.MOV", 2, &extra);
    let info = probe(ffmpeg(), &path, T).expect("probe");
    assert_eq!((info.width, info.height, info.rotation), (320, 240, 0));
    assert!(
        (info.duration_s - 2.0).abs() < 0.2,
        "duration {}",
        info.duration_s
    );
    assert_eq!((info.codec.as_str(), info.container), ("mpeg4", "mov"));
    let when = info.creation_time.as_deref().unwrap_or("");
    assert!(
        when.starts_with("2021-06-05T14:30:00"),
        "creation time {when:?}"
    );
    assert_eq!(info.make.as_deref(), Some("Apple"));
    assert_eq!(info.model.as_deref(), Some("iPhone 12"));
    let (lat, lon) = info.location.expect("location");
    assert!(
        (lat - 48.8584).abs() < 1e-6 && (lon - 2.2945).abs() < 1e-6,
        "{lat} {lon}"
    );
}

#[test]
fn probe_reads_an_android_style_location_tag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = [
        "-metadata",
        "location=+37.4219-122.0840/",
        "-metadata",
        "creation_time=2020-01-02T03:04:05Z",
    ];
    let path = quadrant_video(dir.path(), "clip.mp4", 1, &extra);
    let info = probe(ffmpeg(), &path, T).expect("probe");
    let (lat, lon) = info.location.expect("location");
    assert!(
        (lat - 37.4219).abs() < 1e-6 && (lon + 122.084).abs() < 1e-6,
        "{lat} {lon}"
    );
    let when = info.creation_time.as_deref().unwrap_or("");
    assert!(
        when.starts_with("2020-01-02T03:04:05"),
        "creation time {when:?}"
    );
    assert_eq!((info.make, info.container), (None, "mp4"));
}

/// Timing, not a check: `cargo test --lib core::video::tests::frames::time_a_1080p_clip --
/// --ignored --nocapture` (set `LOOKALIKE_TIMING_VIDEO` to time a file of your own).
#[test]
#[ignore = "timing only"]
fn time_a_1080p_clip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = match std::env::var_os("LOOKALIKE_TIMING_VIDEO") {
        Some(p) => PathBuf::from(p),
        None => {
            let args = [
                "-f",
                "lavfi",
                "-i",
                "testsrc2=s=1920x1080:d=10:r=30",
                "-c:v",
                "libx264",
            ];
            let args = [&args[..], &["-preset", "veryfast", "-pix_fmt", "yuv420p"]].concat();
            make_video(dir.path(), "hd.mp4", &args)
        }
    };
    for round in 0..3 {
        let start = std::time::Instant::now();
        let info = probe(ffmpeg(), &path, T).expect("probe");
        let probed = start.elapsed();
        let frame = representative_frame(ffmpeg(), &path, 224, T).expect("frame");
        println!(
            "round {round}: probe {probed:?}, frame (probe included) {:?}: {}x{} → {}x{}, {:.1} s {}",
            start.elapsed() - probed,
            frame.width,
            frame.height,
            frame.image.width(),
            frame.image.height(),
            info.duration_s,
            info.codec
        );
    }
}
