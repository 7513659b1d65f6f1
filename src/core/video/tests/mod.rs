//! Tests for the video module. They make small videos with the real ffmpeg, so they need it:
//! a machine without ffmpeg fails them with a message saying to install it.

mod errors;
mod frames;
mod pure;

use super::{VideoTools, tools};
use image::RgbImage;
use std::path::{Path, PathBuf};
use std::process::Command;

/// ffmpeg and ffprobe from PATH, or a failure that says what to install.
fn ffmpeg() -> &'static VideoTools {
    tools().expect(
        "the video tests need ffmpeg and ffprobe on the PATH: install ffmpeg \
         (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)",
    )
}

/// Run ffmpeg with `args` writing `name` in `dir`; panics with ffmpeg's message on failure.
fn make_video(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let result = Command::new(&ffmpeg().ffmpeg)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .output()
        .expect("run ffmpeg");
    assert!(
        result.status.success(),
        "ffmpeg could not make the test video {name}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Inputs and filter for a 320×240 picture of four coloured quadrants lasting `secs`
/// (red top-left, lime top-right, blue bottom-left, white bottom-right), labelled `[q]`.
fn quadrant_inputs(secs: u32) -> Vec<String> {
    let mut args = Vec::new();
    for colour in ["red", "lime", "blue", "white"] {
        args.push("-f".to_string());
        args.push("lavfi".to_string());
        args.push("-i".to_string());
        args.push(format!("color={colour}:s=160x120:d={secs}:r=25"));
    }
    args
}

const QUADRANTS: &str = "[0][1]hstack[top];[2][3]hstack[bottom];[top][bottom]vstack,format=yuv420p";

/// A 320×240 MPEG-4 clip of the four quadrants, `secs` long, as `name` (extra muxer `args`).
fn quadrant_video(dir: &Path, name: &str, secs: u32, extra: &[&str]) -> PathBuf {
    let mut args = quadrant_inputs(secs);
    args.extend(["-filter_complex", QUADRANTS, "-c:v", "mpeg4", "-q:v", "2"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    make_video(dir, name, &args)
}

const RED: [u8; 3] = [255, 0, 0];
const LIME: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const WHITE: [u8; 3] = [255, 255, 255];

/// The colour at the centre of each quadrant: top-left, top-right, bottom-left, bottom-right.
fn quadrant_colours(img: &RgbImage) -> [[u8; 3]; 4] {
    let (w, h) = (img.width(), img.height());
    let at = |x: u32, y: u32| img.get_pixel(x, y).0;
    [
        at(w / 4, h / 4),
        at(3 * w / 4, h / 4),
        at(w / 4, 3 * h / 4),
        at(3 * w / 4, 3 * h / 4),
    ]
}

/// Whether `got` is `want` within video-compression error.
fn close(got: [u8; 3], want: [u8; 3]) -> bool {
    got.iter()
        .zip(want)
        .all(|(g, w)| (i16::from(*g) - i16::from(w)).abs() <= 40)
}

fn assert_quadrants(img: &RgbImage, want: [[u8; 3]; 4], what: &str) {
    let got = quadrant_colours(img);
    assert!(
        got.iter().zip(want).all(|(g, w)| close(*g, w)),
        "{what}: quadrant colours {got:?}, expected {want:?}"
    );
}
