//! Files ffmpeg cannot read, files without pictures, and a stuck ffmpeg.

use super::super::runner::{RunError, run_bounded};
use super::super::{VideoTools, probe, representative_frame};
use super::*;
use crate::core::image_io::DecodeError;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);

/// A one-line message that names ffmpeg and what it said.
fn assert_one_line(err: &DecodeError, wants: &str) {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "more than one line: {msg:?}");
    assert!(msg.contains(wants), "{msg:?} does not say {wants:?}");
}

#[test]
fn a_truncated_video_gives_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = quadrant_video(dir.path(), "whole.mp4", 2, &[]);
    let bytes = std::fs::read(&whole).expect("read");
    // Without `faststart` the index (moov) is at the end: half a file has none.
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let err = probe(ffmpeg(), &cut, T).expect_err("truncated");
    assert_one_line(
        &err,
        "ffmpeg could not read this video: moov atom not found",
    );
    let err = representative_frame(ffmpeg(), &cut, 100, T).expect_err("truncated");
    assert_one_line(&err, "ffmpeg could not read this video");
    assert!(!err.to_string().contains(&*cut.to_string_lossy()), "{err}");
}

#[test]
fn a_text_file_named_mp4_gives_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("notes.mp4");
    std::fs::write(&fake, "shopping list\neggs\nmilk\n").expect("write");
    let err = representative_frame(ffmpeg(), &fake, 100, T).expect_err("not a video");
    assert_one_line(&err, "ffmpeg could not read this video: ");
    assert!(
        matches!(err, DecodeError::Corrupt { ref format, .. } if format == "mp4"),
        "{err:?}"
    );
}

#[test]
fn only_video_containers_and_local_files_are_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    // ffmpeg reads a PNG (or a playlist pointing elsewhere) whatever its name; we do not.
    let png = dir.path().join("still.mp4");
    image::RgbImage::from_pixel(32, 32, image::Rgb([200, 10, 10]))
        .save_with_format(&png, image::ImageFormat::Png)
        .expect("png");
    let err = representative_frame(ffmpeg(), &png, 16, T).expect_err("not a video container");
    assert_one_line(&err, "ffmpeg could not read this video: ");
    let playlist = dir.path().join("list.mov");
    let lines = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nhttp://127.0.0.1:9/a.ts\n#EXT-X-ENDLIST\n";
    std::fs::write(&playlist, lines).expect("write");
    let err = probe(ffmpeg(), &playlist, T).expect_err("a playlist");
    assert_one_line(&err, "Format not on whitelist");
    // A name that looks like a protocol is still a local file.
    let odd = quadrant_video(dir.path(), "http:clip.mp4", 1, &[]);
    probe(ffmpeg(), &odd, T).expect("an odd name");
}

#[test]
fn a_sound_only_file_says_it_has_no_video() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "aac",
    ];
    let path = make_video(dir.path(), "voice_memo.mp4", &args);
    let err = probe(ffmpeg(), &path, T).expect_err("no video");
    assert_one_line(&err, "no video stream");
    let err = representative_frame(ffmpeg(), &path, 100, T).expect_err("no video");
    assert_one_line(&err, "no video stream");
}

#[test]
fn a_missing_ffmpeg_is_a_read_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gone = dir.path().join("no-such-ffmpeg");
    let tools = VideoTools::new(gone.clone(), gone);
    let err = probe(&tools, dir.path(), T).expect_err("no tool");
    assert!(matches!(err, DecodeError::Read(_)), "{err:?}");
    assert_one_line(&err, "cannot run ffprobe");
}

/// Whether process `pid` is gone (not running, not a zombie). Linux only.
#[cfg(target_os = "linux")]
fn gone(pid: &str) -> bool {
    !Path::new("/proc").join(pid.trim()).exists()
}

#[test]
fn the_runner_kills_and_reaps_a_stuck_child_in_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > '{}'; exec sleep 30", pid_file.display());
    let start = Instant::now();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &script]);
    let result = run_bounded(&mut cmd, Duration::from_millis(700), 1024);
    let took = start.elapsed();
    assert!(matches!(result, Err(RunError::TimedOut)), "{result:?}");
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(3),
        "{took:?}"
    );
    #[cfg(target_os = "linux")]
    {
        let pid = std::fs::read_to_string(&pid_file).expect("pid");
        assert!(gone(&pid), "process {pid} was left running or as a zombie");
    }
}

#[test]
fn the_runner_bounds_stdout() {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "while :; do echo xxxxxxxxxxxxxxxx; done"]);
    let start = Instant::now();
    let result = run_bounded(&mut cmd, Duration::from_secs(20), 100_000);
    assert!(matches!(result, Err(RunError::TooMuchOutput)), "{result:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "printf abc; echo oops >&2; exit 3"]);
    let out = run_bounded(&mut cmd, Duration::from_secs(20), 3).expect("ran");
    assert_eq!(
        (out.stdout.as_slice(), out.status.code()),
        (&b"abc"[..], Some(3))
    );
    assert_eq!(out.stderr, b"oops\n");
}

/// Write an executable script; wait out "text file busy" (another test thread forking while
/// the file was open for writing).
#[cfg(unix)]
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    let text = format!("#!/bin/sh\nif [ \"$1\" = check ]; then exit 0; fi\n{body}\n");
    std::fs::write(&path, text).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for _ in 0..100 {
        match Command::new(&path).arg("check").status() {
            Ok(_) => return path,
            Err(e) if e.raw_os_error() == Some(26) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("cannot run the test script: {e}"),
        }
    }
    panic!("the test script stayed busy");
}

#[cfg(unix)]
#[test]
fn a_stuck_ffmpeg_is_killed_within_the_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = quadrant_video(dir.path(), "ok.mp4", 1, &[]);
    let pid_file = dir.path().join("pid");
    let body = format!("echo $$ > '{}'\nexec sleep 30", pid_file.display());
    let stuck = script(dir.path(), "ffmpeg", &body);
    // A stuck ffprobe stops `probe` and the frame; a stuck ffmpeg stops the frame after probing.
    for tools in [
        VideoTools::new(stuck.clone(), stuck.clone()),
        VideoTools::new(stuck.clone(), ffmpeg().ffprobe.clone()),
    ] {
        let start = Instant::now();
        let err =
            representative_frame(&tools, &video, 100, Duration::from_secs(1)).expect_err("stuck");
        let took = start.elapsed();
        assert_eq!(err, DecodeError::TimedOut(1));
        assert_one_line(&err, "took longer than 1 s");
        assert!(took < Duration::from_secs(3), "gave up after {took:?}");
        #[cfg(target_os = "linux")]
        {
            let pid = std::fs::read_to_string(&pid_file).expect("pid");
            assert!(gone(&pid), "ffmpeg {pid} was left running or as a zombie");
        }
        std::fs::remove_file(&pid_file).expect("remove pid");
    }
    // A child of the script keeps the pipes open after the script is killed: still no hang.
    let forks = script(dir.path(), "ffmpeg-forks", "sleep 5; echo late");
    let tools = VideoTools::new(forks.clone(), forks);
    let start = Instant::now();
    let err = probe(&tools, &video, Duration::from_millis(500)).expect_err("stuck");
    assert_eq!(err, DecodeError::TimedOut(1));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "waited for the grandchild"
    );
}
