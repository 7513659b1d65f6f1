//! The SQLite catalog: the source of truth for photos, their metadata and embeddings.
//!
//! WAL mode, one transaction per batch. Paths are stored as raw bytes so non-UTF-8 names
//! round-trip. A catalog that SQLite cannot read is moved aside (never silently emptied).

mod capture;
mod dating;

pub use capture::CaptureCounts;
pub use dating::DateSource;

use crate::core::error::{Error, Result};
use crate::core::metadata::{CaptureInfo, CaptureTime, Gps};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SCHEMA_VERSION: i64 = 2;

/// One photo's row, as written by the indexer.
#[derive(Debug, Clone, Default)]
pub struct PhotoRecord {
    /// Absolute path.
    pub path: PathBuf,
    /// File size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// BLAKE3 of the file bytes.
    pub hash: Option<[u8; 32]>,
    /// Upright width (px).
    pub width: u32,
    /// Upright height (px).
    pub height: u32,
    /// EXIF orientation (1 = upright).
    pub orientation: u8,
    /// Container format ("jpeg", "png"...).
    pub format: String,
    /// Why the photo could not be indexed; `None` when it was.
    pub error: Option<String>,
    /// 32x32 grayscale rendition for pixel-level duplicate checks.
    pub signature: Option<Vec<u8>>,
    /// Embeddings by embedder id.
    pub embeddings: Vec<(String, Vec<f32>)>,
    /// Capture metadata from the file's EXIF; `None` when not read (a metadata pass reads it).
    pub capture: Option<CaptureInfo>,
    /// Where the picture is inside the photo (uniform margins trimmed).
    pub content_box: Option<crate::core::content_box::ContentBox>,
}

/// What the indexer needs to know about a file already in the catalog.
#[derive(Debug, Clone)]
pub struct KnownFile {
    /// Photo id.
    pub id: i64,
    /// Size when indexed.
    pub size: u64,
    /// Modification time when indexed.
    pub mtime_ns: i64,
    /// Content hash when indexed.
    pub hash: Option<[u8; 32]>,
    /// Whether indexing it failed.
    pub failed: bool,
    /// Embedder ids present.
    pub embedders: Vec<String>,
}

/// Metadata shown for a photo in results and the GUI.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PhotoInfo {
    /// Photo id.
    pub id: i64,
    /// Absolute path.
    #[serde(serialize_with = "serialize_path_lossy")]
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// Upright width.
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// Format name.
    pub format: String,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Capture time from EXIF (never the file date); JSON: ISO 8601 with the offset when known.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_taken"
    )]
    pub taken: Option<CaptureTime>,
    /// Camera ("Apple iPhone 12 Pro").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// Lens model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lens: Option<String>,
    /// Location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gps: Option<Gps>,
    /// Where the picture is inside the photo (uniform margins trimmed); `None` when unknown.
    #[serde(skip)]
    pub content_box: Option<crate::core::content_box::ContentBox>,
}

impl PhotoInfo {
    /// Pixels of the picture itself: the photo's area less any uniform margins (a frame,
    /// padding, letterbox bars) around it.
    pub fn picture_pixels(&self) -> f64 {
        f64::from(self.width)
            * f64::from(self.height)
            * crate::core::content_box::area_share(self.content_box)
    }

    /// Whether the file carries camera EXIF (a capture time or a camera).
    pub fn has_camera_data(&self) -> bool {
        self.taken.is_some() || self.camera.is_some()
    }

    /// When the camera took the photo (ms since the epoch), else when its file was last
    /// modified: for ordering originals before copies only (a date in a file name is left out:
    /// WhatsApp names a copy by the day it was sent, at no time of day). Say which it is where
    /// it is shown.
    pub fn taken_or_file_ms(&self) -> i64 {
        self.taken
            .as_ref()
            .map_or(self.mtime_ns / 1_000_000, |t| t.unix_ms)
    }
}

fn serialize_taken<S: serde::Serializer>(
    t: &Option<CaptureTime>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.iso()),
        None => s.serialize_none(),
    }
}

/// The catalog database.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

/// Encode a path losslessly as bytes.
pub fn path_to_bytes(p: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().as_bytes().to_vec()
    }
}

/// Serialize a path as a string; bytes that are not UTF-8 become U+FFFD (JSON needs text).
pub fn serialize_path_lossy<S: serde::Serializer>(
    p: &Path,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// Percent-encode a path for an SQLite `file:` URI (everything but unreserved bytes and `/`).
fn uri_escape(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode a path stored by [`path_to_bytes`].
pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(b))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(b).into_owned())
    }
}

fn vec_to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn blob_to_vec(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn box_to_blob(b: crate::core::content_box::ContentBox) -> Vec<u8> {
    b.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn box_from_blob(b: Option<Vec<u8>>) -> Option<crate::core::content_box::ContentBox> {
    let b = b?;
    if b.len() != 8 {
        return None;
    }
    let v = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    Some([v(0), v(1), v(2), v(3)])
}

fn hash_from_blob(b: Option<Vec<u8>>) -> Option<[u8; 32]> {
    b.and_then(|v| v.try_into().ok())
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
            .filter(|(p, _)| p.starts_with(root))
            .map(|(_, k)| k.id)
            .collect();
        self.delete_photos(&ids)?;
        self.conn
            .execute("DELETE FROM roots WHERE path=?1", [path_to_bytes(root)])
            .map_err(|e| self.err(e))?;
        Ok(ids.len())
    }

    /// Every file in the catalog with what the indexer needs to decide whether to redo it.
    pub fn known_files(&self) -> Result<HashMap<PathBuf, KnownFile>> {
        let mut embedders: HashMap<i64, Vec<String>> = HashMap::new();
        {
            let mut st = self
                .conn
                .prepare("SELECT photo_id, embedder FROM embeddings")
                .map_err(|e| self.err(e))?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| self.err(e))?;
            for r in rows {
                let (id, e) = r.map_err(|e| self.err(e))?;
                embedders.entry(id).or_default().push(e);
            }
        }
        let mut st = self
            .conn
            .prepare("SELECT id, path, size, mtime_ns, hash, error IS NOT NULL FROM photos")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for r in rows {
            let (id, path, size, mtime_ns, hash, failed) = r.map_err(|e| self.err(e))?;
            out.insert(
                path_from_bytes(&path),
                KnownFile {
                    id,
                    size: size as u64,
                    mtime_ns,
                    hash: hash_from_blob(hash),
                    failed,
                    embedders: embedders.remove(&id).unwrap_or_default(),
                },
            );
        }
        Ok(out)
    }

    /// Insert or replace photos (matched by path) with their embeddings, in one transaction.
    /// Returns the photo ids in input order.
    pub fn upsert(&mut self, records: &[PhotoRecord]) -> Result<Vec<i64>> {
        let path = self.path.clone();
        let err = |source| Error::Catalog {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut ids = Vec::with_capacity(records.len());
        {
            let mut up = tx
                .prepare_cached(
                    "INSERT INTO photos(path,size,mtime_ns,hash,width,height,orientation,format,error,signature,content_box)
                     VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)
                     ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,
                       hash=excluded.hash, width=excluded.width, height=excluded.height,
                       orientation=excluded.orientation, format=excluded.format,
                       error=excluded.error, signature=excluded.signature,
                       content_box=excluded.content_box, meta_version=0
                     RETURNING id",
                )
                .map_err(err)?;
            let mut del = tx
                .prepare_cached("DELETE FROM embeddings WHERE photo_id=?1")
                .map_err(err)?;
            let mut emb = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO embeddings(photo_id,embedder,vector) VALUES(?1,?2,?3)",
                )
                .map_err(err)?;
            for r in records {
                let id: i64 = up
                    .query_row(
                        params![
                            path_to_bytes(&r.path),
                            r.size as i64,
                            r.mtime_ns,
                            r.hash.map(|h| h.to_vec()),
                            r.width,
                            r.height,
                            r.orientation,
                            r.format,
                            r.error,
                            r.signature,
                            r.content_box.map(box_to_blob)
                        ],
                        |row| row.get(0),
                    )
                    .map_err(err)?;
                if let (None, Some(c)) = (&r.error, &r.capture) {
                    capture::write(&tx, id, c).map_err(err)?;
                }
                del.execute([id]).map_err(err)?;
                for (e, v) in &r.embeddings {
                    emb.execute(params![id, e, vec_to_blob(v)]).map_err(err)?;
                }
                ids.push(id);
            }
        }
        tx.execute(
            "INSERT INTO meta(key,value) VALUES('epoch','1')
                 ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER)+1",
            [],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Record that a photo moved (same content): keeps its id and embeddings.
    pub fn move_photo(&mut self, id: i64, new_path: &Path, size: u64, mtime_ns: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE photos SET path=?2, size=?3, mtime_ns=?4 WHERE id=?1",
                params![id, path_to_bytes(new_path), size as i64, mtime_ns],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A complete record (metadata + embeddings) of the photo with this content hash, for
    /// copying to a new path without decoding again.
    pub fn record_by_hash(&self, hash: &[u8; 32]) -> Result<Option<PhotoRecord>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, width, height, orientation, format, signature, content_box FROM photos
                 WHERE hash=?1 AND error IS NULL LIMIT 1",
                [hash.to_vec()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, u32>(2)?,
                        r.get::<_, u8>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<Vec<u8>>>(5)?,
                        box_from_blob(r.get(6)?),
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, width, height, orientation, format, signature, content_box)) = row else {
            return Ok(None);
        };
        let mut st = self
            .conn
            .prepare_cached("SELECT embedder, vector FROM embeddings WHERE photo_id=?1")
            .map_err(|e| self.err(e))?;
        let embeddings = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    blob_to_vec(&r.get::<_, Vec<u8>>(1)?),
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        let capture = capture::read(&self.conn, id).map_err(|e| self.err(e))?;
        Ok(Some(PhotoRecord {
            capture,
            content_box,
            hash: Some(*hash),
            width,
            height,
            orientation,
            format,
            signature,
            embeddings,
            ..Default::default()
        }))
    }

    /// Remove photos (and their embeddings).
    pub fn delete_photos(&mut self, ids: &[i64]) -> Result<()> {
        let path = self.path.clone();
        let err = |source| Error::Catalog {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut st = tx
                .prepare_cached("DELETE FROM photos WHERE id=?1")
                .map_err(err)?;
            for id in ids {
                st.execute([id]).map_err(err)?;
            }
        }
        tx.execute(
            "INSERT INTO meta(key,value) VALUES('epoch','1')
                 ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER)+1",
            [],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// All vectors of one embedder, by photo id.
    pub fn vectors(&self, embedder: &str) -> Result<Vec<(i64, Vec<f32>)>> {
        let mut st = self
            .conn
            .prepare("SELECT photo_id, vector FROM embeddings WHERE embedder=?1 ORDER BY photo_id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([embedder], |r| {
                Ok((r.get::<_, i64>(0)?, blob_to_vec(&r.get::<_, Vec<u8>>(1)?)))
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// Photo ids that have a vector from this embedder.
    pub fn ids_with(&self, embedder: &str) -> Result<Vec<i64>> {
        let mut st = self
            .conn
            .prepare("SELECT photo_id FROM embeddings WHERE embedder=?1")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([embedder], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// One photo's vector from one embedder.
    pub fn vector(&self, id: i64, embedder: &str) -> Result<Option<Vec<f32>>> {
        self.conn
            .query_row(
                "SELECT vector FROM embeddings WHERE photo_id=?1 AND embedder=?2",
                params![id, embedder],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map(|o| o.map(|b| blob_to_vec(&b)))
            .map_err(|e| self.err(e))
    }

    /// Embedder ids present in the catalog with their vector counts.
    pub fn embedder_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT embedder, COUNT(*) FROM embeddings GROUP BY embedder ORDER BY embedder",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// Metadata of one photo.
    pub fn photo(&self, id: i64) -> Result<Option<PhotoInfo>> {
        self.conn
            .query_row(
                "SELECT id, path, size, width, height, format, mtime_ns, taken_local, taken_offset,
                 taken_ms, make, model, lens, gps_lat, gps_lon, content_box FROM photos WHERE id=?1",
                [id],
                row_to_info,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The id of the photo at `path` (as stored: absolute), if the catalog has it.
    pub fn photo_id(&self, path: &Path) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT id FROM photos WHERE path=?1",
                [path_to_bytes(path)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Content hashes of the photos `ids` that have one.
    pub fn hashes_of(&self, ids: &[i64]) -> Result<HashMap<i64, [u8; 32]>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT hash FROM photos WHERE id=?1")
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for &id in ids {
            let blob: Option<Option<Vec<u8>>> = stmt
                .query_row([id], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(h) = hash_from_blob(blob.flatten()) {
                out.insert(id, h);
            }
        }
        Ok(out)
    }

    /// Metadata of every indexed (not failed) photo, ordered by path.
    pub fn photos(&self) -> Result<Vec<PhotoInfo>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, path, size, width, height, format, mtime_ns, taken_local, taken_offset,
                 taken_ms, make, model, lens, gps_lat, gps_lon, content_box FROM photos
                 WHERE error IS NULL ORDER BY path",
            )
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], row_to_info).map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// The 32x32 grayscale signatures of indexed photos, by id.
    pub fn signatures(&self) -> Result<HashMap<i64, Vec<u8>>> {
        let mut st = self
            .conn
            .prepare("SELECT id, signature FROM photos WHERE signature IS NOT NULL")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// The 32x32 grayscale signature of one indexed photo, if it has one.
    pub fn signature(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.conn
            .query_row(
                "SELECT signature FROM photos WHERE id=?1 AND signature IS NOT NULL",
                params![id],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Content hashes of indexed photos, by id.
    pub fn hashes(&self) -> Result<HashMap<i64, [u8; 32]>> {
        let mut st = self
            .conn
            .prepare("SELECT id, hash FROM photos WHERE hash IS NOT NULL AND error IS NULL")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for r in rows {
            let (id, h) = r.map_err(|e| self.err(e))?;
            if let Some(h) = hash_from_blob(h) {
                out.insert(id, h);
            }
        }
        Ok(out)
    }

    /// Number of indexed photos and of failed files.
    pub fn counts(&self) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM photos), \
                        (SELECT count(*) FROM photos WHERE error IS NOT NULL)",
                [],
                |r| {
                    let (all, failed) = (r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64);
                    Ok((all.saturating_sub(failed), failed))
                },
            )
            .map_err(|e| self.err(e))
    }

    /// Files that could not be indexed, with the reason.
    pub fn failures(&self) -> Result<Vec<(PathBuf, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT path, error FROM photos WHERE error IS NOT NULL ORDER BY path")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| {
            r.map(|(p, e)| (path_from_bytes(&p), e))
                .map_err(|e| self.err(e))
        })
        .collect()
    }
}

fn row_to_info(r: &rusqlite::Row<'_>) -> rusqlite::Result<PhotoInfo> {
    let capture = capture::from_row(r, 7)?;
    Ok(PhotoInfo {
        id: r.get(0)?,
        path: path_from_bytes(&r.get::<_, Vec<u8>>(1)?),
        bytes: r.get::<_, i64>(2)? as u64,
        width: r.get(3)?,
        height: r.get(4)?,
        format: r.get(5)?,
        mtime_ns: r.get(6)?,
        camera: capture.camera(),
        taken: capture.taken,
        lens: capture.lens,
        gps: capture.gps,
        content_box: box_from_blob(r.get(15)?),
    })
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt)
    )
}
