//! One representative frame of a video: ffmpeg seeks, turns the picture upright and scales it;
//! we skip black, faded and flat frames.

use super::probe::{Probed, probe_stream};
use super::runner::run_bounded;
use super::{INPUT_GUARD, VideoTools, error_from_run, failed_to_read, input_arg};
use crate::core::image_io::{DecodeError, Decoded};
use image::RgbImage;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A frame whose mean luma (0–255) is below this is dark (black, fade in/out).
const MIN_MEAN_LUMA: f64 = 40.0;
/// …or above this is washed out (fade to white).
const MAX_MEAN_LUMA: f64 = 235.0;
/// A frame whose luma standard deviation is below this is flat (one colour, fog, a blank card).
const MIN_LUMA_STDDEV: f64 = 20.0;
/// Bound on the frame we ask ffmpeg for (bytes of RGB).
const MAX_FRAME_BYTES: u64 = 256 * 1024 * 1024;

/// One representative frame, upright, scaled by ffmpeg so its shorter side is about
/// `min_side_px` (never enlarged), skipping black, faded and flat frames: tries 10 %, 30 % and
/// 50 % of the duration, then 1 s and 0 s, keeping the first frame bright and contrasted enough,
/// else the best one seen. `timeout` bounds the whole call (probe and every try).
///
/// The result's `width`/`height` are the video's displayed full size, `format` its container
/// ("mov", "mp4"…), `orientation` 1.
pub fn representative_frame(
    tools: &VideoTools,
    path: &Path,
    min_side_px: u32,
    timeout: Duration,
) -> Result<Decoded, DecodeError> {
    representative_frame_and_probe(tools, path, min_side_px, timeout).map(|(d, _)| d)
}

/// [`representative_frame`], with what ffprobe said about the video (read once for both:
/// the indexer keeps its capture time, camera and location).
pub fn representative_frame_and_probe(
    tools: &VideoTools,
    path: &Path,
    min_side_px: u32,
    timeout: Duration,
) -> Result<(Decoded, super::VideoProbe), DecodeError> {
    let deadline = Instant::now() + timeout;
    let probed = probe_stream(tools, path, timeout)?;
    let info = &probed.info;
    let (tw, th) = target_size(info.width, info.height, min_side_px);
    let mut best: Option<(f64, RgbImage)> = None;
    let mut first_error = None;
    for at in sample_times(info.duration_s) {
        let left = deadline.saturating_duration_since(Instant::now());
        let result = if left.is_zero() {
            Err(super::timed_out(timeout))
        } else {
            grab_frame(tools, path, &probed, at, (tw, th), left, timeout)
        };
        match result {
            Ok(Some(image)) => {
                let stats = LumaStats::of(&image);
                if stats.is_good() {
                    best = Some((f64::INFINITY, image));
                    break;
                }
                if best
                    .as_ref()
                    .is_none_or(|(score, _)| stats.score() > *score)
                {
                    best = Some((stats.score(), image));
                }
            }
            // Nothing at this time (past the end of a stream shorter than the file says).
            Ok(None) => {}
            // The time is spent: keep a frame already seen rather than nothing.
            Err(e @ DecodeError::TimedOut(_)) => {
                if best.is_some() {
                    break;
                }
                return Err(e);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match best {
        Some((_, image)) => Ok((
            Decoded {
                image,
                width: info.width,
                height: info.height,
                format: info.container,
                orientation: 1,
            },
            probed.info,
        )),
        None => Err(first_error.unwrap_or_else(|| DecodeError::Corrupt {
            format: info.container.to_string(),
            reason: "ffmpeg found no picture in this video".into(),
        })),
    }
}

/// Seek to `at` seconds and have ffmpeg write one upright frame of `size` as PPM.
/// `Ok(None)`: ffmpeg ran fine but had no frame there.
fn grab_frame(
    tools: &VideoTools,
    path: &Path,
    probed: &Probed,
    at: f64,
    (tw, th): (u32, u32),
    left: Duration,
    timeout: Duration,
) -> Result<Option<RgbImage>, DecodeError> {
    let format = probed.info.container;
    let mut filters = upright_filters(probed.info.rotation).to_string();
    if !filters.is_empty() {
        filters.push(',');
    }
    filters.push_str(&format!("scale={tw}:{th}:flags=area,format=rgb24"));
    let mut cmd = Command::new(&tools.ffmpeg);
    // We turn the picture upright ourselves (`upright_filters`), so whatever an ffmpeg version
    // does by default, the rotation is applied exactly once.
    cmd.args([
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-noautorotate",
    ])
    .args(INPUT_GUARD)
    .args(["-ss", &format!("{at:.3}"), "-i"])
    .arg(input_arg(path))
    .args(["-map", &format!("0:{}", probed.stream_index)])
    .args(["-an", "-sn", "-dn", "-frames:v", "1", "-vf", &filters])
    .args(["-f", "image2pipe", "-vcodec", "ppm", "-"]);
    let max = u64::from(tw) * u64::from(th) * 3 + 1024;
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let out = run_bounded(&mut cmd, left, max)
        .map_err(|e| error_from_run(e, "ffmpeg", format, timeout))?;
    if out.stdout.is_empty() {
        return if out.status.success() {
            Ok(None)
        } else {
            Err(failed_to_read(format, &out.stderr, path))
        };
    }
    match image::load_from_memory_with_format(&out.stdout, image::ImageFormat::Pnm) {
        Ok(img) => Ok(Some(img.to_rgb8())),
        Err(e) if out.status.success() => Err(DecodeError::Corrupt {
            format: format.to_string(),
            reason: format!("ffmpeg wrote a frame we could not read: {e}"),
        }),
        Err(_) => Err(failed_to_read(format, &out.stderr, path)),
    }
}

/// The ffmpeg filters that turn a stored picture upright, for a clockwise display rotation.
/// The same filters ffmpeg's own autorotation inserts.
fn upright_filters(rotation_cw: i32) -> &'static str {
    match rotation_cw.rem_euclid(360) {
        90 => "transpose=clock",
        180 => "hflip,vflip",
        270 => "transpose=cclock",
        _ => "",
    }
}

/// The frame size to ask for: the displayed aspect, shorter side `min_side_px` or the full size
/// when smaller, within [`MAX_FRAME_BYTES`].
pub(crate) fn target_size(width: u32, height: u32, min_side_px: u32) -> (u32, u32) {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let short = w.min(h);
    let mut scale = f64::from(min_side_px.max(1)).min(short) / short;
    let bytes = w * h * scale * scale * 3.0;
    if bytes > MAX_FRAME_BYTES as f64 {
        scale *= (MAX_FRAME_BYTES as f64 / bytes).sqrt();
    }
    let side = |v: f64| (v * scale).round().clamp(1.0, 65_535.0) as u32;
    (side(w), side(h))
}

/// Where to look, in order: 10 %, 30 %, 50 % of the duration, then 1 s and the first frame
/// (times closer than 50 ms to one already listed are dropped).
pub(crate) fn sample_times(duration_s: f64) -> Vec<f64> {
    let mut times: Vec<f64> = Vec::with_capacity(5);
    let candidates = if duration_s.is_finite() && duration_s > 0.0 {
        vec![
            duration_s * 0.1,
            duration_s * 0.3,
            duration_s * 0.5,
            1.0,
            0.0,
        ]
    } else {
        vec![1.0, 0.0]
    };
    for t in candidates {
        let known = duration_s.is_finite() && duration_s > 0.0;
        let inside = !known || t < duration_s;
        if inside && times.iter().all(|&u| (u - t).abs() >= 0.05) {
            times.push(t);
        }
    }
    times
}

/// Brightness and contrast of a frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LumaStats {
    pub mean: f64,
    pub stddev: f64,
}

impl LumaStats {
    pub(crate) fn of(image: &RgbImage) -> Self {
        let n = f64::from(image.width()) * f64::from(image.height());
        if n == 0.0 {
            return Self {
                mean: 0.0,
                stddev: 0.0,
            };
        }
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        for p in image.pixels() {
            let [r, g, b] = p.0;
            let y = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
            sum += y;
            sum_sq += y * y;
        }
        let mean = sum / n;
        let var = (sum_sq / n - mean * mean).max(0.0);
        Self {
            mean,
            stddev: var.sqrt(),
        }
    }

    /// Bright enough, not washed out, and with some contrast.
    pub(crate) fn is_good(self) -> bool {
        (MIN_MEAN_LUMA..=MAX_MEAN_LUMA).contains(&self.mean) && self.stddev >= MIN_LUMA_STDDEV
    }

    /// For choosing among frames none of which is good: contrast, discounted when dark or
    /// washed out.
    fn score(self) -> f64 {
        let dark = (self.mean / MIN_MEAN_LUMA).min(1.0);
        let bright = ((255.0 - self.mean) / (255.0 - MAX_MEAN_LUMA)).min(1.0);
        (self.stddev + 1.0) * dark * bright
    }
}
