//! The SQLite catalog: the source of truth for photos, their metadata and embeddings.
//!
//! WAL mode, one transaction per batch. Paths are stored as raw bytes so non-UTF-8 names
//! round-trip. A catalog that SQLite cannot read is moved aside (never silently emptied).

mod capture;
mod codec;
mod dating;
mod reads;
mod records;
mod writes;

pub use capture::CaptureCounts;
pub use codec::{path_from_bytes, path_to_bytes, serialize_path_lossy};
pub use dating::DateSource;
pub use records::{FastHash, KnownFile, KnownFiles, PhotoInfo, PhotoRecord};

use codec::*;

use crate::core::error::{Error, Result};
use crate::core::metadata::{CaptureInfo, CaptureTime, Gps};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SCHEMA_VERSION: i64 = 2;

/// The catalog database.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

impl Catalog {
    /// Open or create the catalog. A file SQLite cannot read is renamed to
    /// `catalog.sqlite.corrupt-<unix time>` and a fresh catalog created; the returned string then
    /// says so, for the caller to show.
    pub fn open(path: &Path) -> Result<(Self, Option<String>)> {
        match Self::open_inner(path) {
            Ok(c) => Ok((c, None)),
            Err(Error::Catalog { source, .. }) if is_corruption(&source) => {
                let ts = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let aside = path.with_extension(format!("sqlite.corrupt-{ts}"));
                std::fs::rename(path, &aside)
                    .map_err(|e| Error::io("cannot move aside", path, e))?;
                for ext in ["sqlite-wal", "sqlite-shm"] {
                    let _ = std::fs::remove_file(path.with_extension(ext));
                }
                let c = Self::open_inner(path)?;
                Ok((
                    c,
                    Some(format!(
                        "the catalog was unreadable ({source}); it was moved to {} and a new one started: re-index your library",
                        aside.display()
                    )),
                ))
            }
            Err(e) => Err(e),
        }
    }

    fn open_inner(path: &Path) -> Result<Self> {
        let err = |source| Error::Catalog {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;
             CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS roots(path BLOB PRIMARY KEY);
             CREATE TABLE IF NOT EXISTS photos(
                id INTEGER PRIMARY KEY,
                path BLOB NOT NULL UNIQUE,
                size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                hash BLOB,
                width INTEGER NOT NULL DEFAULT 0,
                height INTEGER NOT NULL DEFAULT 0,
                orientation INTEGER NOT NULL DEFAULT 1,
                format TEXT NOT NULL DEFAULT '',
                error TEXT,
                signature BLOB,
                content_box BLOB,
                taken_local TEXT,
                taken_offset INTEGER,
                taken_ms INTEGER,
                make TEXT,
                model TEXT,
                lens TEXT,
                gps_lat REAL,
                gps_lon REAL,
                meta_version INTEGER NOT NULL DEFAULT 0);
             CREATE INDEX IF NOT EXISTS photos_hash ON photos(hash);
             CREATE TABLE IF NOT EXISTS embeddings(
                photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
                embedder TEXT NOT NULL,
                vector BLOB NOT NULL,
                PRIMARY KEY(photo_id, embedder));
             CREATE INDEX IF NOT EXISTS embeddings_by_embedder ON embeddings(embedder);",
        )
        .map_err(err)?;
        capture::add_columns(&conn).map_err(err)?;
        // Lets `counts` and `failures` skip the photo rows (200 ms -> 2 ms at 100k photos).
        // Only an optimisation: a read-only catalog opens without it.
        let _ = conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS photos_failed ON photos(id) WHERE error IS NOT NULL;",
        );
        // Holds what a re-scan compares with the files, so `known_files` reads 100 bytes a
        // photo instead of its whole row with the signature (1M photos: 0.4 s instead of 7 s).
        // Built once when an older catalog is opened (4 s at 1M photos).
        let _ = conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS photos_known ON photos(path, size, mtime_ns, hash, error);",
        );
        let mut c = Self {
            conn,
            path: path.to_path_buf(),
        };
        if c.meta("schema_version")?.is_none() {
            c.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        }
        Ok(c)
    }

    /// Open an existing catalog for reading only, on a read-only disk or folder (nothing can be
    /// writing it there, so SQLite is told it is immutable and needs no lock or shared-memory
    /// file). Fails when there is no catalog.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        use rusqlite::OpenFlags;
        let err = |source| Error::Catalog {
            path: path.to_path_buf(),
            source,
        };
        if !path.is_file() {
            return Err(Error::Other(format!(
                "there is no catalog at {}: nothing is indexed there",
                path.display()
            )));
        }
        let uri = format!("file:{}?immutable=1", uri_escape(&path_to_bytes(path)));
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        let c = Self {
            conn,
            path: path.to_path_buf(),
        };
        c.meta("schema_version")?;
        Ok(c)
    }

    fn err(&self, source: rusqlite::Error) -> Error {
        Error::Catalog {
            path: self.path.clone(),
            source,
        }
    }

    /// The catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key=?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Set a metadata value.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta(key,value) VALUES(?1,?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A counter bumped by every change to embeddings; an index dump records the epoch it
    /// reflects so a stale dump is detected.
    pub fn epoch(&self) -> Result<String> {
        Ok(self.meta("epoch")?.unwrap_or_else(|| "0".into()))
    }

    /// Library folders added so far.
    pub fn roots(&self) -> Result<Vec<PathBuf>> {
        let mut st = self
            .conn
            .prepare("SELECT path FROM roots ORDER BY path")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map(|b| path_from_bytes(&b)).map_err(|e| self.err(e)))
            .collect()
    }

    /// Remember a library folder.
    pub fn add_root(&mut self, root: &Path) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO roots(path) VALUES(?1)",
                [path_to_bytes(root)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forget a library folder and every photo under it.
    pub fn remove_root(&mut self, root: &Path) -> Result<usize> {
        let ids: Vec<i64> = self
            .known_files()?
            .into_iter()
            .filter(|(p, _)| Path::new(p).starts_with(root))
            .map(|(_, k)| k.id)
            .collect();
        self.delete_photos(&ids)?;
        self.conn
            .execute("DELETE FROM roots WHERE path=?1", [path_to_bytes(root)])
            .map_err(|e| self.err(e))?;
        Ok(ids.len())
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt)
    )
}
