//! The capture-metadata columns of `photos`: added in place to older catalogs, filled by the
//! indexer, and back-filled by a metadata-only pass (no re-embedding) for rows read before.

use super::{Catalog, path_from_bytes};
use crate::core::error::Result;
use crate::core::metadata::{CaptureInfo, CaptureTime, Gps, METADATA_VERSION};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::PathBuf;

const COLUMNS: &[(&str, &str)] = &[
    ("taken_local", "TEXT"),
    ("taken_offset", "INTEGER"),
    ("taken_ms", "INTEGER"),
    ("make", "TEXT"),
    ("model", "TEXT"),
    ("lens", "TEXT"),
    ("gps_lat", "REAL"),
    ("gps_lon", "REAL"),
    ("meta_version", "INTEGER NOT NULL DEFAULT 0"),
    // Not capture metadata: where the picture is inside the photo (see `content_box`); NULL
    // for photos indexed before it existed (their full size counts).
    ("content_box", "BLOB"),
];

/// Add the columns (capture metadata, content box) a catalog written before them lacks (in place: nothing re-embeds).
pub(super) fn add_columns(conn: &Connection) -> rusqlite::Result<()> {
    let mut st = conn.prepare("SELECT name FROM pragma_table_info('photos')")?;
    let have: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, kind) in COLUMNS {
        if !have.iter().any(|h| h == name) {
            conn.execute_batch(&format!("ALTER TABLE photos ADD COLUMN {name} {kind};"))?;
        }
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS photos_stale_meta ON photos(meta_version)
         WHERE error IS NULL;",
    )
}

/// Store `c` as photo `id`'s capture metadata, read by this version.
pub(super) fn write(conn: &Connection, id: i64, c: &CaptureInfo) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(
        "UPDATE photos SET taken_local=?2, taken_offset=?3, taken_ms=?4, make=?5, model=?6,
         lens=?7, gps_lat=?8, gps_lon=?9, meta_version=?10 WHERE id=?1",
    )?;
    st.execute(params![
        id,
        c.taken.as_ref().map(|t| t.local.clone()),
        c.taken.as_ref().and_then(|t| t.offset_minutes),
        c.taken.as_ref().map(|t| t.unix_ms),
        c.make,
        c.model,
        c.lens,
        c.gps.map(|g| g.lat),
        c.gps.map(|g| g.lon),
        METADATA_VERSION,
    ])?;
    Ok(())
}

/// Photo `id`'s stored capture metadata; `None` when it was not read by this version.
pub(super) fn read(conn: &Connection, id: i64) -> rusqlite::Result<Option<CaptureInfo>> {
    conn.query_row(
        "SELECT taken_local, taken_offset, taken_ms, make, model, lens, gps_lat, gps_lon,
                meta_version
         FROM photos WHERE id=?1",
        [id],
        |r| {
            if r.get::<_, i64>(8)? < METADATA_VERSION {
                return Ok(None);
            }
            from_row(r, 0).map(Some)
        },
    )
    .optional()
    .map(Option::flatten)
}

/// The capture columns of a row, selected in [`COLUMNS`]' order from column `at` on:
/// taken_local, taken_offset, taken_ms, make, model, lens, gps_lat, gps_lon.
pub(super) fn from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<CaptureInfo> {
    Ok(CaptureInfo {
        taken: match (
            r.get::<_, Option<String>>(at)?,
            r.get::<_, Option<i64>>(at + 2)?,
        ) {
            (Some(local), Some(unix_ms)) => Some(CaptureTime {
                local,
                offset_minutes: r.get(at + 1)?,
                unix_ms,
            }),
            _ => None,
        },
        make: r.get(at + 3)?,
        model: r.get(at + 4)?,
        lens: r.get(at + 5)?,
        gps: match (
            r.get::<_, Option<f64>>(at + 6)?,
            r.get::<_, Option<f64>>(at + 7)?,
        ) {
            (Some(lat), Some(lon)) => Some(Gps { lat, lon }),
            _ => None,
        },
    })
}

/// How many indexed photos have each kind of capture metadata.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaptureCounts {
    /// With a capture time.
    pub with_date: u64,
    /// With a camera make or model.
    pub with_camera: u64,
    /// With a location.
    pub with_gps: u64,
    /// Not read yet (a metadata pass is pending).
    pub pending: u64,
}

impl Catalog {
    /// Indexed photos whose capture metadata was read by an older version (or never): the
    /// metadata-only pass reads them again.
    pub fn stale_capture(&self) -> Result<Vec<(i64, PathBuf)>> {
        let mut st = self
            .conn
            .prepare(
                // Sorted here, not by SQLite: ordering by path makes it walk every photo
                // through the path index (3 s at 1M) instead of finding the few stale ones
                // through photos_stale_meta.
                "SELECT id, path FROM photos WHERE error IS NULL AND meta_version < ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([METADATA_VERSION], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    path_from_bytes(&r.get::<_, Vec<u8>>(1)?),
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut stale: Vec<(i64, PathBuf)> = rows
            .map(|r| r.map_err(|e| self.err(e)))
            .collect::<Result<_>>()?;
        stale.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(stale)
    }

    /// Store capture metadata for many photos in one transaction.
    pub fn set_capture(&mut self, batch: &[(i64, CaptureInfo)]) -> Result<()> {
        let path = self.path.clone();
        let err = |source| crate::core::error::Error::Catalog {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        for (id, c) in batch {
            write(&tx, *id, c).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Stored capture metadata of photo `id`; `None` until this version has read it.
    pub fn capture(&self, id: i64) -> Result<Option<CaptureInfo>> {
        read(&self.conn, id).map_err(|e| self.err(e))
    }

    /// Indexed photos per format name ("jpeg", "heic", "nef"...), most common first.
    pub fn format_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT format, count(*) AS n FROM photos WHERE error IS NULL
                 GROUP BY format ORDER BY n DESC, format",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))).collect()
    }

    /// Counts of indexed photos with a capture date, a camera, a location; and still unread.
    pub fn capture_counts(&self) -> Result<CaptureCounts> {
        self.conn
            .query_row(
                "SELECT count(taken_ms), count(coalesce(make, model)), count(gps_lat),
                        sum(meta_version < ?1)
                 FROM photos WHERE error IS NULL",
                [METADATA_VERSION],
                |r| {
                    Ok(CaptureCounts {
                        with_date: r.get::<_, i64>(0)? as u64,
                        with_camera: r.get::<_, i64>(1)? as u64,
                        with_gps: r.get::<_, i64>(2)? as u64,
                        pending: r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }
}
