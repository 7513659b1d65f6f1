//! The data directory: catalog, index dumps, thumbnails, models, and the writer lock.

use crate::core::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Layout of a Lookalike data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The platform default (`~/.local/share/lookalike` on Linux), created if missing.
    pub fn default_path() -> Result<PathBuf> {
        directories::ProjectDirs::from("org", "Lookalike", "lookalike")
            .map(|d| d.data_dir().to_path_buf())
            .ok_or_else(|| {
                Error::Other(
                    "cannot determine a home directory for the data dir; pass --data-dir DIR"
                        .into(),
                )
            })
    }

    /// Open (creating if needed) the data directory at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        for sub in ["", "index", "thumbs", "models"] {
            let p = root.join(sub);
            std::fs::create_dir_all(&p)
                .map_err(|e| explain_write_error(Error::io("cannot create", &p, e), &root))?;
        }
        let root = root
            .canonicalize()
            .map_err(|e| Error::io("cannot resolve", &root, e))?;
        Ok(Self { root })
    }

    /// The layout of the data directory at `root`, as given: nothing is created, checked or
    /// resolved (for naming its files).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// An existing data directory, without creating or writing anything (for reading one on a
    /// read-only disk).
    pub fn open_existing(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let root = root
            .canonicalize()
            .map_err(|e| Error::io("cannot open the data dir", &root, e))?;
        Ok(Self { root })
    }

    /// The directory itself (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The SQLite catalog file.
    pub fn catalog_path(&self) -> PathBuf {
        self.root.join("catalog.sqlite")
    }
    /// Where HNSW dumps live.
    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }
    /// Disk cache of GUI thumbnails.
    pub fn thumbs_dir(&self) -> PathBuf {
        self.root.join("thumbs")
    }
    /// Downloaded model weights.
    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }
    /// The GUI's settings (model, theme, grid size...).
    pub fn settings_path(&self) -> PathBuf {
        self.root.join("settings.json")
    }
    /// Thresholds and keep rule of the duplicates view.
    pub fn dupes_settings_path(&self) -> PathBuf {
        self.root.join("dupes-settings.json")
    }
    /// "Not a duplicate" marks, by content hash.
    pub fn dupes_ignore_path(&self) -> PathBuf {
        self.root.join("dupes-ignore.json")
    }
    /// Cache of the duplicate pixel checks, by content-hash pair.
    pub fn dupes_pairs_path(&self) -> PathBuf {
        self.root.join("dupes-pairs.bin")
    }
    /// The one trash journal (every move to the trash, for undo).
    pub fn trash_journal_path(&self) -> PathBuf {
        self.root.join("trash-journal.jsonl")
    }
    /// The duplicates view's trash journal of earlier versions (merged into the one journal).
    pub fn old_dupes_journal_path(&self) -> PathBuf {
        self.root.join("dupes-journal.jsonl")
    }
    /// The single-writer lock file.
    pub fn writer_lock_path(&self) -> PathBuf {
        self.root.join("writer.lock")
    }

    /// Take the single-writer lock. Fails at once with the holder's PID when another process
    /// writes here. The OS releases the lock when a process dies, so a stale lock never blocks.
    pub fn lock_writer(&self) -> Result<WriterLock> {
        let path = self.writer_lock_path();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| explain_write_error(Error::io("cannot open", &path, e), &self.root))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut s = String::new();
                let _ = file.read_to_string(&mut s);
                let pid = s
                    .trim()
                    .parse::<u32>()
                    .map(|p| format!(" (PID {p})"))
                    .unwrap_or_default();
                return Err(Error::Locked {
                    path: self.root.clone(),
                    pid,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("cannot lock", &path, e)),
        }
        // Record our PID for the message another process shows.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        self.remove_unfinished_writes();
        Ok(WriterLock { _file: file })
    }

    /// Remove what a writer that failed or died mid-write left behind: index dumps that no
    /// `*.current` pointer names (a save interrupted by a full disk or a kill) and temp files of
    /// [`write_atomic`]. Only called with the writer lock held, so no write is in progress.
    fn remove_unfinished_writes(&self) {
        let index = self.index_dir();
        let Ok(entries) = std::fs::read_dir(&index) else {
            return;
        };
        let mut dumps = Vec::new();
        let mut published = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && !name.starts_with('.') {
                dumps.push(name);
            } else if name.ends_with(".current") {
                if let Ok(s) = std::fs::read_to_string(e.path()) {
                    published.push(s.trim().to_string());
                }
            } else if name.starts_with('.') && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        for d in dumps {
            // Only dumps named like ours ("<embedder>-<pid>-<nanos>"), never anything else.
            let ours = d
                .rsplitn(3, '-')
                .take(2)
                .all(|p| p.bytes().all(|b| b.is_ascii_digit()));
            if ours && !published.contains(&d) {
                let _ = std::fs::remove_dir_all(index.join(&d));
            }
        }
        for f in [self.root.clone(), self.thumbs_dir()] {
            if let Ok(entries) = std::fs::read_dir(&f) {
                for e in entries.flatten() {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    if name.starts_with('.') && name.ends_with(".tmp") {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
    }
}

/// How a write into the data dir failed, when the cause is the disk rather than Lookalike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteTrouble {
    /// No space left (or a quota or file-size limit reached).
    Full,
    /// The file system or folder is read-only / not writable.
    ReadOnly,
    /// A write failed for a reason the OS did not name (SQLite's "disk I/O error"): in practice
    /// a full disk, a file-size limit or a failing drive.
    Failed,
}

/// Classify an error as a full or read-only data dir.
pub fn write_trouble(e: &Error) -> Option<WriteTrouble> {
    const ENOSPC: i32 = 28;
    const EFBIG: i32 = 27;
    const EDQUOT: i32 = 122;
    const EROFS: i32 = 30;
    const EACCES: i32 = 13;
    const EPERM: i32 = 1;
    let from_os = |code: Option<i32>| match code {
        Some(ENOSPC | EFBIG | EDQUOT) => Some(WriteTrouble::Full),
        Some(EROFS | EACCES | EPERM) => Some(WriteTrouble::ReadOnly),
        _ => None,
    };
    let from_text = |s: &str| {
        let s = s.to_ascii_lowercase();
        if s.contains("no space left")
            || s.contains("disk is full")
            || s.contains("file too large")
            || s.contains("quota exceeded")
        {
            Some(WriteTrouble::Full)
        } else if s.contains("read-only file system") || s.contains("readonly database") {
            Some(WriteTrouble::ReadOnly)
        } else {
            None
        }
    };
    match e {
        Error::Io { source, .. } => {
            from_os(source.raw_os_error()).or_else(|| from_text(&source.to_string()))
        }
        Error::Catalog { source, .. } => match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Some(WriteTrouble::Full),
            Some(rusqlite::ErrorCode::ReadOnly) => Some(WriteTrouble::ReadOnly),
            Some(rusqlite::ErrorCode::SystemIoFailure) => Some(WriteTrouble::Failed),
            _ => from_text(&source.to_string()),
        },
        Error::Index(s) | Error::Other(s) => from_text(s),
        _ => None,
    }
}

/// Create and remove a temporary file in `dir`; the error names the probe file.
fn write_probe(dir: &Path) -> Result<()> {
    let probe = dir.join(format!(".write-probe.{}.tmp", std::process::id()));
    File::create(&probe).map_err(|e| Error::io("cannot write", &probe, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Whether a file can be created in `dir`.
pub fn is_writable(dir: &Path) -> bool {
    write_probe(dir).is_ok()
}

/// Turn a full-disk or read-only error into one line that names the data dir and says what to
/// do; any other error is returned unchanged.
pub fn explain_write_error(e: Error, data_dir: &Path) -> Error {
    let mut trouble = write_trouble(&e);
    // SQLite says only "unable to open database file" on a read-only file system: probe.
    if trouble.is_none()
        && let Error::Catalog { source, .. } = &e
        && source.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen)
        && let Err(pe) = write_probe(data_dir)
    {
        trouble = write_trouble(&pe);
    }
    match trouble {
        Some(WriteTrouble::Full) => Error::Other(format!(
            "the data dir {} is out of space ({e}); free some space there or pass --data-dir \
             with a folder on a disk that has room, then run the same command again (work saved \
             so far is kept)",
            data_dir.display()
        )),
        Some(WriteTrouble::ReadOnly) => Error::Other(format!(
            "the data dir {} is not writable ({e}); make it writable or pass --data-dir with a \
             writable folder",
            data_dir.display()
        )),
        Some(WriteTrouble::Failed) => Error::Other(format!(
            "cannot write to the data dir {} ({e}); check that its disk has free space and \
             works, or pass --data-dir with another folder, then run the same command again \
             (work saved so far is kept)",
            data_dir.display()
        )),
        None => e,
    }
}

/// Held while writing to a data directory; released on drop or process exit.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// `entry` as one JSON line (newline included): a line of an append-only journal.
pub fn json_line<T: serde::Serialize>(entry: &T) -> Result<Vec<u8>> {
    let mut line = serde_json::to_vec(entry)
        .map_err(|e| Error::Other(format!("cannot encode a journal line: {e}")))?;
    line.push(b'\n');
    Ok(line)
}

/// Append `entry` to the journal at `path` as one JSON line and sync it before returning.
pub fn append_json_line<T: serde::Serialize>(path: &Path, entry: &T) -> Result<()> {
    let line = json_line(entry)?;
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io("cannot open", path, e))?;
    f.write_all(&line)
        .and_then(|()| f.sync_data())
        .map_err(|e| Error::io("cannot write", path, e))
}

/// The lines of the journal at `path` that `parse` reads (it skips a torn last line), oldest
/// first; none when there is no journal yet.
pub fn read_journal<T>(path: &Path, parse: impl FnMut(&str) -> Option<T>) -> Result<Vec<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.lines().filter_map(parse).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io("cannot read", path, e)),
    }
}

/// The "moved" lines of the newest batch in a move journal (trash or moves) that still has files
/// away: no "restore…" line yet for that file in that batch. A file whose restore failed was
/// reported once with where it is, so it does not block undoing older batches. `key` gives a
/// line's batch, operation and file. Journal order; empty when nothing is away.
pub fn last_batch_away<T: Clone>(entries: &[T], key: impl Fn(&T) -> (&str, &str, &Path)) -> Vec<T> {
    let mut batches: Vec<&str> = Vec::new();
    for e in entries.iter().rev() {
        let (batch, op, _) = key(e);
        if op == "moved" && !batches.contains(&batch) {
            batches.push(batch);
        }
    }
    for batch in batches {
        let tried = |file: &Path| {
            entries.iter().any(|e| {
                let (b, op, f) = key(e);
                b == batch && op.starts_with("restore") && f == file
            })
        };
        let away: Vec<T> = entries
            .iter()
            .filter(|e| {
                let (b, op, f) = key(e);
                b == batch && op == "moved" && !tried(f)
            })
            .cloned()
            .collect();
        if !away.is_empty() {
            return away;
        }
    }
    Vec::new()
}

/// Write `bytes` to `path` atomically: temp file in the same folder, fsync, rename, fsync dir.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // One temp name per call: two writers of one file in one process (threads) never share a
    // temp file, so neither renames the other's half-written bytes or loses its own.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.{n}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("cannot write", path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_writing_one_file_at_once_all_succeed_and_leave_a_whole_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("settings.json");
        let texts: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 64 * 1024]).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .iter()
                .map(|t| {
                    let path = &path;
                    s.spawn(move || (0..20).all(|_| write_atomic(path, t).is_ok()))
                })
                .collect();
            for h in handles {
                assert!(h.join().unwrap_or(false), "every write succeeds");
            }
        });
        let back = std::fs::read(&path).expect("read");
        assert!(texts.contains(&back), "the file is one writer's whole text");
        let leftovers = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0, "no temp files left behind");
    }
}
