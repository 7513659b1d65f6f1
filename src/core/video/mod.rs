//! Videos in a photo library, read through the user's own ffmpeg (no codec is bundled).
//!
//! [`is_video_path`] says which files are videos; [`tools`] finds `ffmpeg` and `ffprobe` once;
//! [`probe`] reads a video's size, rotation and phone tags; [`representative_frame`] asks ffmpeg
//! for one upright, scaled, non-black frame to index like a photo; [`content_hash`] fingerprints
//! a multi-gigabyte file without reading it all. Every ffmpeg run has a time bound: a stuck one is
//! killed and reaped ([`runner`]).

mod frame;
mod probe;
mod runner;
#[cfg(test)]
mod tests;

pub use frame::{representative_frame, representative_frame_and_probe};
pub use probe::{VideoProbe, probe};

use crate::core::image_io::{DecodeError, Decoded};
use runner::{RunError, run_bounded};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Lowercase extensions treated as videos.
pub const VIDEO_EXTS: &[&str] = &[
    "mov", "mp4", "m4v", "3gp", "3g2", "mkv", "avi", "webm", "mts", "m2ts",
];

/// Environment variable that may name ffmpeg's path (ffprobe is looked for beside it).
pub const FFMPEG_ENV: &str = "LOOKALIKE_FFMPEG";

/// Input options for every ffmpeg and ffprobe run on a library file: only the demuxers of the
/// containers in [`VIDEO_EXTS`] (so a playlist or concat script named `.mp4` cannot make ffmpeg
/// open other files or the network) and only the local-file protocol.
const INPUT_GUARD: [&str; 4] = [
    "-format_whitelist",
    "mov,matroska,avi,mpegts",
    "-protocol_whitelist",
    "file",
];

/// `path` as an ffmpeg input: a relative path gets `./` so a name like `a:b.mov` is not read
/// as a protocol.
fn input_arg(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        Path::new(".").join(path)
    }
}

/// How many bytes [`content_hash`] reads from each end of the file.
const HASH_END_BYTES: u64 = 4 * 1024 * 1024;

/// Whether `path`'s extension is one of [`VIDEO_EXTS`] (any case).
pub fn is_video_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTS.iter().any(|v| e.eq_ignore_ascii_case(v)))
}

/// The ffmpeg and ffprobe executables to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoTools {
    /// Path of `ffmpeg`.
    pub ffmpeg: PathBuf,
    /// Path of `ffprobe`.
    pub ffprobe: PathBuf,
    /// First line of `ffmpeg -version` (e.g. "ffmpeg version 5.1.6-0+deb12u1"), empty when
    /// built with [`VideoTools::new`].
    pub version: String,
}

impl VideoTools {
    /// Tools at these paths, unchecked.
    pub fn new(ffmpeg: PathBuf, ffprobe: PathBuf) -> Self {
        Self {
            ffmpeg,
            ffprobe,
            version: String::new(),
        }
    }

    /// Look the tools up now (no caching): `LOOKALIKE_FFMPEG` when set (ffprobe beside it, else
    /// on PATH), else `ffmpeg` and `ffprobe` on PATH. `None` when either is missing or ffmpeg
    /// does not run.
    pub fn locate() -> Option<Self> {
        let from_env = std::env::var_os(FFMPEG_ENV).filter(|v| !v.is_empty());
        let ffmpeg = match from_env {
            Some(named) => {
                let named = PathBuf::from(named);
                if named.components().count() == 1 && !named.is_file() {
                    find_on_path(&named.to_string_lossy())?
                } else {
                    named.is_file().then_some(named)?
                }
            }
            None => find_on_path("ffmpeg")?,
        };
        let ffprobe = ffprobe_beside(&ffmpeg).or_else(|| find_on_path("ffprobe"))?;
        let out = run_bounded(
            Command::new(&ffmpeg).arg("-version"),
            Duration::from_secs(10),
            1024 * 1024,
        )
        .ok()?;
        if !out.status.success() {
            return None;
        }
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        Some(Self {
            ffmpeg,
            ffprobe,
            version,
        })
    }
}

/// The ffmpeg and ffprobe executables (looked up once, see [`VideoTools::locate`]), `None`
/// when absent.
pub fn tools() -> Option<&'static VideoTools> {
    static TOOLS: OnceLock<Option<VideoTools>> = OnceLock::new();
    TOOLS.get_or_init(VideoTools::locate).as_ref()
}

/// `ffprobe` in the folder of `ffmpeg`, named like it (`ffmpeg-6` → `ffprobe-6`, `.exe` kept).
fn ffprobe_beside(ffmpeg: &Path) -> Option<PathBuf> {
    let name = ffmpeg.file_name()?.to_string_lossy();
    let probe_name = if name.contains("ffmpeg") {
        name.replacen("ffmpeg", "ffprobe", 1)
    } else {
        format!("ffprobe{}", std::env::consts::EXE_SUFFIX)
    };
    let candidate = ffmpeg.with_file_name(probe_name);
    candidate.is_file().then_some(candidate)
}

/// The first executable file called `name` (plus `.exe` on Windows) in a PATH folder.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&path)
        .map(|dir| dir.join(&file))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Content hash for change detection without reading a multi-GB file: blake3 of the size
/// (little-endian u64), the first 4 MiB and the last 4 MiB (a file of 8 MiB or less is hashed
/// whole, each byte once).
pub fn content_hash(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut hasher = blake3::Hasher::new();
    hasher.update(&size.to_le_bytes());
    let head = size.min(HASH_END_BYTES);
    let mut buf = vec![0u8; usize::try_from(head).unwrap_or(0)];
    file.read_exact(&mut buf)?;
    hasher.update(&buf);
    let tail_start = size.saturating_sub(HASH_END_BYTES).max(head);
    if tail_start < size {
        buf.resize(usize::try_from(size - tail_start).unwrap_or(0), 0);
        file.seek(SeekFrom::Start(tail_start))?;
        file.read_exact(&mut buf)?;
        hasher.update(&buf);
    }
    Ok(*hasher.finalize().as_bytes())
}

/// The error for a tool that ran past its time.
fn timed_out(timeout: Duration) -> DecodeError {
    // Whole seconds, rounded up so a sub-second bound does not read "0 s".
    let secs = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    DecodeError::TimedOut(secs)
}

/// A [`RunError`] of `tool` on a `format` file as a [`DecodeError`].
fn error_from_run(e: RunError, tool: &str, format: &str, timeout: Duration) -> DecodeError {
    match e {
        RunError::Spawn(e) => DecodeError::Read(format!("cannot run {tool}: {e}")),
        RunError::TimedOut => timed_out(timeout),
        RunError::TooMuchOutput => DecodeError::Corrupt {
            format: format.to_string(),
            reason: format!("{tool} wrote more than expected for this video"),
        },
    }
}

/// ffmpeg (or ffprobe) exited with an error on the file at `path`.
fn failed_to_read(format: &str, stderr: &[u8], path: &Path) -> DecodeError {
    let reason = match runner::first_stderr_line(stderr, path) {
        Some(line) => format!("ffmpeg could not read this video: {line}"),
        None => "ffmpeg could not read this video".to_string(),
    };
    DecodeError::Corrupt {
        format: format.to_string(),
        reason,
    }
}

/// Decode the photo or video at `path` for showing or querying: a photo through the guarded
/// image decoders, a video through its representative frame (needs ffmpeg).
pub fn decode_file(path: &Path, min_side_px: u32) -> Result<Decoded, DecodeError> {
    if is_video_path(path) {
        let tools = tools().ok_or(DecodeError::Unsupported(
            "video files (install ffmpeg to include videos)",
        ))?;
        return representative_frame(tools, path, min_side_px, std::time::Duration::from_secs(60));
    }
    let bytes = crate::core::image_io::read_file(path)?;
    crate::core::image_io::decode_named(&bytes, path, min_side_px)
}
