//! The parts that need no ffmpeg: names, sizes, times, ISO 6709, stderr lines, the hash.

use super::super::frame::{sample_times, target_size};
use super::super::probe::{container_from_ext, parse_iso6709};
use super::super::runner::first_stderr_line;
use super::super::{content_hash, ffprobe_beside, input_arg, is_video_path};
use std::path::Path;

#[test]
fn video_paths_by_extension_in_any_case() {
    for name in [
        "a.mov",
        "IMG_0001.MOV",
        "b.Mp4",
        "c.m4v",
        "d.3gp",
        "e.mkv",
        "f.webm",
        "g.MTS",
        "h.m2ts",
        "i.avi",
        "j.3g2",
    ] {
        assert!(is_video_path(Path::new(name)), "{name}");
    }
    for name in ["a.jpg", "mov", "b.heic", "c.m4a", "d", "e.mov.txt"] {
        assert!(!is_video_path(Path::new(name)), "{name}");
    }
    assert_eq!(container_from_ext(Path::new("x/IMG.MOV")), "mov");
    assert_eq!(container_from_ext(Path::new("x/clip.bin")), "video");
}

#[test]
fn frame_size_keeps_the_aspect_and_never_enlarges() {
    assert_eq!(target_size(1920, 1080, 224), (398, 224));
    assert_eq!(target_size(1080, 1920, 224), (224, 398));
    assert_eq!(target_size(320, 240, 1000), (320, 240));
    assert_eq!(target_size(100_000, 2, 224), (65_535, 2));
    let (w, h) = target_size(60_000, 60_000, 60_000);
    assert!(
        u64::from(w) * u64::from(h) * 3 <= 256 * 1024 * 1024,
        "{w}x{h}"
    );
}

#[test]
fn sample_times_follow_the_duration() {
    assert_eq!(sample_times(10.0), vec![1.0, 3.0, 5.0, 0.0]);
    let live_photo = sample_times(3.0);
    assert_eq!(live_photo.len(), 5);
    assert!((live_photo[0] - 0.3).abs() < 1e-9 && live_photo[3] == 1.0 && live_photo[4] == 0.0);
    assert_eq!(sample_times(0.5), vec![0.05, 0.15, 0.25, 0.0]);
    assert_eq!(sample_times(0.0), vec![1.0, 0.0]);
    assert_eq!(sample_times(f64::NAN), vec![1.0, 0.0]);
}

#[test]
fn iso6709_in_degrees_and_minutes() {
    assert_eq!(
        parse_iso6709("+48.8584+002.2945+035.000/"),
        Some((48.8584, 2.2945))
    );
    assert_eq!(
        parse_iso6709("-33.8688+151.2093/"),
        Some((-33.8688, 151.2093))
    );
    assert_eq!(
        parse_iso6709("+37.4219-122.0840/"),
        Some((37.4219, -122.084))
    );
    let (lat, lon) = parse_iso6709("+4851.50-00217.70/").expect("degrees and minutes");
    assert!(
        (lat - (48.0 + 51.5 / 60.0)).abs() < 1e-9
            && (lon + 2.0 + 17.7 / 3600.0 * 60.0).abs() < 1e-9
    );
    let (lat, lon) = parse_iso6709("+485130-0021742/").expect("degrees, minutes and seconds");
    assert!(
        (lat - (48.0 + 51.0 / 60.0 + 30.0 / 3600.0)).abs() < 1e-9,
        "{lat}"
    );
    assert!(
        (lon + (2.0 + 17.0 / 60.0 + 42.0 / 3600.0)).abs() < 1e-9,
        "{lon}"
    );
    for bad in [
        "",
        "48.85 2.29",
        "+91.0+000.0/",
        "+10.0+181.0/",
        "+1.0",
        "++/",
    ] {
        assert_eq!(parse_iso6709(bad), None, "{bad:?}");
    }
}

#[test]
fn stderr_lines_lose_ffmpeg_prefixes() {
    let path = Path::new("/photos/x.mp4");
    let err = b"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5629cc0571c0] moov atom not found\n/photos/x.mp4: Invalid data\n";
    assert_eq!(
        first_stderr_line(err, path).as_deref(),
        Some("moov atom not found")
    );
    let err = b"\n/photos/x.mp4: Invalid data found when processing input\n";
    assert_eq!(
        first_stderr_line(err, path).as_deref(),
        Some("Invalid data found when processing input")
    );
    assert_eq!(first_stderr_line(b"  \n", path), None);
    let long = "e".repeat(500);
    assert_eq!(
        first_stderr_line(long.as_bytes(), path).map(|l| l.chars().count()),
        Some(201)
    );
}

#[test]
fn content_hash_covers_size_and_both_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.mov");
    let mib = 1024 * 1024;
    let mut bytes: Vec<u8> = (0..10 * mib).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).expect("write");
    let base = content_hash(&path).expect("hash");
    let mut expected = blake3::Hasher::new();
    expected.update(&(bytes.len() as u64).to_le_bytes());
    expected.update(&bytes[..4 * mib]);
    expected.update(&bytes[6 * mib..]);
    assert_eq!(base, *expected.finalize().as_bytes());
    let changed = |at: usize, bytes: &mut Vec<u8>| {
        bytes[at] ^= 1;
        std::fs::write(&path, &*bytes).expect("write");
        let h = content_hash(&path).expect("hash");
        bytes[at] ^= 1;
        h
    };
    assert_ne!(changed(10, &mut bytes), base, "first 4 MiB");
    assert_ne!(changed(10 * mib - 1, &mut bytes), base, "last 4 MiB");
    assert_eq!(changed(5 * mib, &mut bytes), base, "the middle is not read");
    bytes.push(0);
    std::fs::write(&path, &bytes).expect("write");
    assert_ne!(content_hash(&path).expect("hash"), base, "size");
    // A small file is hashed whole.
    let small = dir.path().join("small.mp4");
    std::fs::write(&small, b"abc").expect("write");
    let mut expected = blake3::Hasher::new();
    expected.update(&3u64.to_le_bytes());
    expected.update(b"abc");
    assert_eq!(
        content_hash(&small).expect("hash"),
        *expected.finalize().as_bytes()
    );
    assert!(content_hash(&dir.path().join("missing.mov")).is_err());
}

#[test]
fn ffprobe_is_found_beside_ffmpeg() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ffmpeg = dir.path().join("ffmpeg-6");
    assert_eq!(ffprobe_beside(&ffmpeg), None);
    std::fs::write(dir.path().join("ffprobe-6"), b"").expect("write");
    assert_eq!(ffprobe_beside(&ffmpeg), Some(dir.path().join("ffprobe-6")));
    std::fs::write(dir.path().join("ffprobe"), b"").expect("write");
    assert_eq!(
        ffprobe_beside(&dir.path().join("my-encoder")),
        Some(dir.path().join("ffprobe"))
    );
}

#[test]
fn relative_inputs_cannot_look_like_protocols() {
    assert_eq!(
        input_arg(Path::new("http:clip.mp4")),
        Path::new("./http:clip.mp4")
    );
    let abs = std::env::temp_dir().join("a.mov");
    assert_eq!(input_arg(&abs), abs);
}
