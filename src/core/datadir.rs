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
            std::fs::create_dir_all(&p).map_err(|e| Error::io("cannot create", &p, e))?;
        }
        let root = root
            .canonicalize()
            .map_err(|e| Error::io("cannot resolve", &root, e))?;
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

    /// Take the single-writer lock. Fails at once with the holder's PID when another process
    /// writes here. The OS releases the lock when a process dies, so a stale lock never blocks.
    pub fn lock_writer(&self) -> Result<WriterLock> {
        let path = self.root.join("writer.lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io("cannot open", &path, e))?;
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
        Ok(WriterLock { _file: file })
    }
}

/// Held while writing to a data directory; released on drop or process exit.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// Write `bytes` to `path` atomically: temp file in the same folder, fsync, rename, fsync dir.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
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
