//! What ffprobe says about a video: displayed size, rotation, codec, container, and the tags a
//! phone writes (creation time, make, model, ISO 6709 location).

use super::runner::run_bounded;
use super::{INPUT_GUARD, VideoTools, error_from_run, failed_to_read, input_arg};
use crate::core::image_io::DecodeError;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Largest ffprobe report we read (a file with thousands of streams or chapters is not a photo).
const MAX_PROBE_BYTES: usize = 4 * 1024 * 1024;

/// What ffprobe says about a video.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoProbe {
    /// Displayed width in pixels (pixel aspect ratio and rotation applied).
    pub width: u32,
    /// Displayed height in pixels (pixel aspect ratio and rotation applied).
    pub height: u32,
    /// Duration in seconds (0 when the file does not say).
    pub duration_s: f64,
    /// Clockwise degrees a player turns the stored picture to show it: 0, 90, 180 or 270
    /// (an iPhone clip shot in portrait says 90).
    pub rotation: i32,
    /// The video codec as ffprobe names it ("h264", "hevc", "vp9"…).
    pub codec: String,
    /// Our name for the container: "mov", "mp4", "m4v", "3gp", "3g2", "mkv", "webm", "avi",
    /// "mts", "m2ts", or "video" for anything else ffmpeg reads.
    pub container: &'static str,
    /// The recording time as the file says it (ISO 8601; Apple's local time with offset when
    /// present, else the container's `creation_time`, usually UTC).
    pub creation_time: Option<String>,
    /// Camera maker.
    pub make: Option<String>,
    /// Camera model.
    pub model: Option<String>,
    /// (latitude, longitude) in degrees, from an ISO 6709 tag.
    pub location: Option<(f64, f64)>,
}

/// A [`VideoProbe`] plus the index of the chosen video stream in the file (for `-map 0:N`).
pub(crate) struct Probed {
    pub info: VideoProbe,
    pub stream_index: u32,
}

/// Run ffprobe on `path` and read its report.
pub fn probe(
    tools: &VideoTools,
    path: &Path,
    timeout: Duration,
) -> Result<VideoProbe, DecodeError> {
    probe_stream(tools, path, timeout).map(|p| p.info)
}

/// [`probe`], also naming the video stream it described.
pub(crate) fn probe_stream(
    tools: &VideoTools,
    path: &Path,
    timeout: Duration,
) -> Result<Probed, DecodeError> {
    let guess = container_from_ext(path);
    let mut cmd = Command::new(&tools.ffprobe);
    cmd.args(["-hide_banner", "-loglevel", "error", "-of", "json"])
        .args(["-show_format", "-show_streams"])
        .args(INPUT_GUARD)
        .arg("-i")
        .arg(input_arg(path));
    let out = run_bounded(&mut cmd, timeout, MAX_PROBE_BYTES)
        .map_err(|e| error_from_run(e, "ffprobe", guess, timeout))?;
    if !out.status.success() {
        return Err(failed_to_read(guess, &out.stderr, path));
    }
    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| DecodeError::Corrupt {
        format: guess.to_string(),
        reason: format!("ffprobe's report could not be read: {e}"),
    })?;
    parse_report(&report, path)
}

/// Read an ffprobe `-of json -show_format -show_streams` report.
pub(crate) fn parse_report(report: &Value, path: &Path) -> Result<Probed, DecodeError> {
    let format = &report["format"];
    let container = container_name(format["format_name"].as_str().unwrap_or(""), path);
    let streams = report["streams"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let is_video = |s: &&Value| s["codec_type"].as_str() == Some("video");
    let is_cover = |s: &&Value| s["disposition"]["attached_pic"].as_i64() == Some(1);
    let stream = streams
        .iter()
        .filter(is_video)
        .find(|s| !is_cover(s))
        .ok_or_else(|| DecodeError::UnsupportedVariant {
            format: container.to_string(),
            reason: "it has no video stream (sound only?)".into(),
        })?;
    let stored_w = json_u32(&stream["width"]);
    let stored_h = json_u32(&stream["height"]);
    if stored_w == 0 || stored_h == 0 {
        return Err(DecodeError::Corrupt {
            format: container.to_string(),
            reason: "ffmpeg found no picture size in this video".into(),
        });
    }
    let stored_w = apply_sample_aspect(stored_w, stream["sample_aspect_ratio"].as_str());
    let rotation = rotation_clockwise(stream);
    let (width, height) = if rotation % 180 == 90 {
        (stored_h, stored_w)
    } else {
        (stored_w, stored_h)
    };
    let duration_s = [&format["duration"], &stream["duration"]]
        .into_iter()
        .filter_map(json_f64)
        .find(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(0.0);
    let tags = [&format["tags"], &stream["tags"]];
    let tag = |keys: &[&str]| find_tag(&tags, keys);
    let info = VideoProbe {
        width,
        height,
        duration_s,
        rotation,
        codec: stream["codec_name"]
            .as_str()
            .unwrap_or("unknown")
            .to_string(),
        container,
        creation_time: tag(&["com.apple.quicktime.creationdate", "creation_time", "date"]),
        make: tag(&[
            "com.apple.quicktime.make",
            "make",
            "com.android.manufacturer",
        ]),
        model: tag(&["com.apple.quicktime.model", "model", "com.android.model"]),
        location: tag(&[
            "com.apple.quicktime.location.ISO6709",
            "location",
            "location-eng",
        ])
        .and_then(|s| parse_iso6709(&s)),
    };
    let stream_index = stream["index"]
        .as_u64()
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(0);
    Ok(Probed { info, stream_index })
}

/// The first non-empty tag among `keys` (compared without case: Matroska tags are upper case),
/// looked up in the container's tags first.
fn find_tag(tag_sets: &[&Value], keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        tag_sets.iter().find_map(|tags| {
            tags.as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
    })
}

/// Clockwise display rotation (0, 90, 180, 270) from the display matrix ffprobe reports
/// (counter-clockwise degrees), or from the legacy `rotate` tag (clockwise) of older ffprobes.
fn rotation_clockwise(stream: &Value) -> i32 {
    let from_matrix = stream["side_data_list"].as_array().and_then(|list| {
        list.iter()
            .find_map(|sd| sd.get("rotation").and_then(json_f64))
            .map(|ccw| -ccw)
    });
    let degrees = from_matrix.or_else(|| stream["tags"]["rotate"].as_str()?.trim().parse().ok());
    match degrees {
        // Round to the nearest quarter turn.
        Some(d) if d.is_finite() => ((d / 90.0).round() as i64 * 90).rem_euclid(360) as i32,
        _ => 0,
    }
}

/// Stored width stretched by the sample (pixel) aspect ratio, e.g. 1440 × 4:3 → 1920.
fn apply_sample_aspect(width: u32, sar: Option<&str>) -> u32 {
    let Some((n, d)) = sar.and_then(|s| s.split_once(':')) else {
        return width;
    };
    match (n.parse::<u64>(), d.parse::<u64>()) {
        (Ok(n), Ok(d)) if n > 0 && d > 0 && n != d => {
            let w = (u64::from(width) * n + d / 2) / d;
            u32::try_from(w.clamp(1, 65_535)).unwrap_or(width)
        }
        _ => width,
    }
}

fn json_u32(v: &Value) -> u32 {
    v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// ffprobe writes numbers as strings ("12.345") in some fields and as numbers in others.
fn json_f64(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// Our container name from ffprobe's `format_name` and the file's extension.
fn container_name(format_name: &str, path: &Path) -> &'static str {
    let ext = container_from_ext(path);
    let names: Vec<&str> = format_name.split(',').collect();
    let has = |n: &str| names.contains(&n);
    if has("mov") || has("mp4") {
        match ext {
            "mov" | "mp4" | "m4v" | "3gp" | "3g2" => ext,
            _ => "mp4",
        }
    } else if has("matroska") || has("webm") {
        if ext == "webm" { "webm" } else { "mkv" }
    } else if has("avi") {
        "avi"
    } else if has("mpegts") {
        if ext == "m2ts" { "m2ts" } else { "mts" }
    } else {
        "video"
    }
}

/// Our container name from the file's extension alone (before ffprobe has said anything).
pub(crate) fn container_from_ext(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    super::VIDEO_EXTS
        .iter()
        .find(|e| **e == ext)
        .copied()
        .unwrap_or("video")
}

/// (latitude, longitude) from an ISO 6709 string such as `+48.8584+002.2945+035.000/`
/// (decimal degrees, as phones write it) or its degrees-minutes(-seconds) forms
/// (`+4851.50+00217.67/`).
pub(crate) fn parse_iso6709(s: &str) -> Option<(f64, f64)> {
    let s = s.trim();
    let (lat, rest) = signed_part(s)?;
    let (lon, _) = signed_part(rest)?;
    let lat = angle(lat, 2)?;
    let lon = angle(lon, 3)?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// Split `+DDD.ddd…` (sign, digits, optional fraction) off the front of `s`.
fn signed_part(s: &str) -> Option<(&str, &str)> {
    let first = s.chars().next()?;
    if first != '+' && first != '-' {
        return None;
    }
    let end = s[1..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(s.len(), |i| i + 1);
    (end > 1).then(|| s.split_at(end))
}

/// Degrees from a signed ISO 6709 part whose degree field has `deg_digits` digits; longer
/// integer parts carry minutes (+2 digits) and seconds (+4 digits).
fn angle(part: &str, deg_digits: usize) -> Option<f64> {
    let (sign, body) = part.split_at(1);
    let sign = if sign == "-" { -1.0 } else { 1.0 };
    let int_len = body.find('.').unwrap_or(body.len());
    let value: f64 = body.parse().ok()?;
    let degrees = if int_len <= deg_digits {
        value
    } else if int_len == deg_digits + 2 {
        let deg = (value / 100.0).trunc();
        deg + (value - deg * 100.0) / 60.0
    } else if int_len == deg_digits + 4 {
        let deg = (value / 10_000.0).trunc();
        let min = ((value - deg * 10_000.0) / 100.0).trunc();
        deg + min / 60.0 + (value - deg * 10_000.0 - min * 100.0) / 3600.0
    } else {
        return None;
    };
    degrees.is_finite().then_some(sign * degrees)
}
