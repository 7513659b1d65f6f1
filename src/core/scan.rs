//! Recursive library walk: finds candidate image files under one or more roots.
//!
//! Symlinked folders are not followed (no loops, nothing outside the library); symlinked files
//! are followed only when their target lies inside a library root. Unreadable folders and files
//! that vanish mid-walk are reported and skipped. Hidden folders and the data dir are skipped.
//! Content sniffing (magic bytes) happens later, only for files that are new or changed.

use crate::core::progress::CancelFlag;
use std::path::{Path, PathBuf};

/// One regular file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
}

/// Result of walking the roots.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Candidate files.
    pub files: Vec<FoundFile>,
    /// Problems met on the way (unreadable folders...), worded for a person.
    pub warnings: Vec<String>,
    /// Roots that were walked completely (deletions under them are trustworthy).
    pub complete_roots: Vec<PathBuf>,
}

/// Extensions that are certainly neither photos nor videos we index; everything else is
/// sniffed (videos: see [`crate::core::video::VIDEO_EXTS`]).
const NOT_IMAGES: &[&str] = &[
    "wmv", "mp3", "wav", "aac", "m4a", "flac", "ogg", "txt", "json", "xml", "xmp", "ini", "db",
    "sqlite", "pdf", "doc", "docx", "zip", "gz", "tar", "7z", "rar", "html", "htm", "js", "css",
    "md", "pp3", "dop", "aae", "thm", "lrv", "exe", "dll", "so",
];

/// Whether a file name is worth sniffing as an image (or reading as a video).
pub fn may_be_image(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => !NOT_IMAGES.contains(&ext.to_ascii_lowercase().as_str()),
        None => true,
    }
}

/// Modification time of file metadata in ns since the epoch (0 when unknown).
pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Walk `roots` recursively, skipping `exclude` (the data dir). `on_file` is called with the
/// running count, once per batch of files read, so callers can show progress. The walk lists
/// each folder, keeps the names that may be photos, and reads their size and time on all cores.
pub fn scan(
    roots: &[PathBuf],
    exclude: Option<&Path>,
    cancel: &CancelFlag,
    mut on_file: impl FnMut(usize),
) -> ScanResult {
    let mut out = ScanResult::default();
    let canon_roots: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    for root in roots {
        let root = match root.canonicalize() {
            Ok(r) if r.is_dir() => r,
            Ok(r) => {
                out.warnings
                    .push(format!("{} is not a folder; skipped", r.display()));
                continue;
            }
            Err(e) => {
                out.warnings.push(format!(
                    "library folder {} is not available (unplugged drive?): {e}; its photos are kept",
                    root.display()
                ));
                continue;
            }
        };
        let mut complete = true;
        let mut stack = vec![root.clone()];
        let mut listed: Vec<(PathBuf, bool)> = Vec::new();
        while let Some(dir) = stack.pop() {
            if cancel.is_cancelled() {
                complete = false;
                break;
            }
            if exclude.is_some_and(|ex| dir.starts_with(ex)) {
                continue;
            }
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    out.warnings.push(if dir == root {
                        format!(
                            "library folder {} is not available (unplugged drive?): {e}; its photos are kept",
                            dir.display()
                        )
                    } else {
                        format!("cannot read folder {}: {e}; its photos are kept", dir.display())
                    });
                    complete = false;
                    continue;
                }
            };
            let mut subdirs = Vec::new();
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(ft) = entry.file_type() else { continue };
                let hidden = entry.file_name().as_encoded_bytes().first() == Some(&b'.');
                if ft.is_dir() {
                    if !hidden {
                        subdirs.push(path);
                    }
                    continue;
                }
                // Filtered by name before any `stat`: most of a walk's time is the stat calls.
                if hidden || !may_be_image(&path) || !(ft.is_file() || ft.is_symlink()) {
                    continue;
                }
                listed.push((path, ft.is_symlink()));
                if listed.len() >= STAT_BATCH {
                    stat_all(&mut listed, &canon_roots, &mut out.files);
                    on_file(out.files.len());
                }
            }
            subdirs.sort();
            stack.extend(subdirs.into_iter().rev());
        }
        stat_all(&mut listed, &canon_roots, &mut out.files);
        on_file(out.files.len());
        if complete {
            out.complete_roots.push(root);
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.files.dedup_by(|a, b| a.path == b.path);
    out
}

/// Files listed per batch of parallel `stat` calls.
const STAT_BATCH: usize = 4096;

/// Size and modification time of the `listed` files (path, whether it is a link), read on
/// a few threads of its own (not the shared rayon pool, whose threads a paused run may hold)
/// and appended to `files`; `listed` is emptied. A link is followed only when its target stays
/// inside one of `canon_roots`; a file that vanished since it was listed is left out.
fn stat_all(
    listed: &mut Vec<(PathBuf, bool)>,
    canon_roots: &[PathBuf],
    files: &mut Vec<FoundFile>,
) {
    let stat = |(path, link): (PathBuf, bool)| -> Option<FoundFile> {
        let meta = if link {
            let target = path.canonicalize().ok()?;
            if !canon_roots.iter().any(|r| target.starts_with(r)) {
                return None;
            }
            std::fs::metadata(&target).ok().filter(|m| m.is_file())?
        } else {
            std::fs::symlink_metadata(&path)
                .ok()
                .filter(|m| m.is_file())?
        };
        Some(FoundFile {
            size: meta.len(),
            mtime_ns: mtime_ns(&meta),
            path,
        })
    };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    if listed.len() < 256 || threads == 1 {
        files.extend(listed.drain(..).filter_map(stat));
        return;
    }
    let per = listed.len().div_ceil(threads);
    let mut chunks = Vec::new();
    while !listed.is_empty() {
        let rest = listed.split_off(per.min(listed.len()));
        chunks.push(std::mem::replace(listed, rest));
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || chunk.into_iter().filter_map(stat).collect::<Vec<_>>()))
            .collect();
        for h in handles {
            if let Ok(found) = h.join() {
                files.extend(found);
            }
        }
    });
}
