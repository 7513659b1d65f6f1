//! Reading photos, vectors, signatures and hashes back.

use super::*;

impl Catalog {
    /// Every file in the catalog with what the indexer needs to decide whether to redo it,
    /// keyed by path. At a million photos this is the catalog's share of a re-scan: the paths
    /// are hashed as bytes (not component by component, as `Path` hashes), and the embedder
    /// names are shared between the photos instead of copied for each.
    pub fn known_files(&self) -> Result<KnownFiles> {
        let mut names: Vec<std::sync::Arc<str>> = Vec::new();
        let mut embedders: HashMap<i64, Vec<std::sync::Arc<str>>, FastHash> = HashMap::default();
        {
            let mut st = self
                .conn
                .prepare("SELECT photo_id, embedder FROM embeddings")
                .map_err(|e| self.err(e))?;
            let mut rows = st.query([]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let id: i64 = r.get(0).map_err(|e| self.err(e))?;
                let name = r
                    .get_ref(1)
                    .and_then(|v| v.as_str().map_err(Into::into))
                    .map_err(|e| self.err(e))?;
                let shared = match names.iter().find(|n| &***n == name) {
                    Some(n) => n.clone(),
                    None => {
                        names.push(name.into());
                        names[names.len() - 1].clone()
                    }
                };
                embedders.entry(id).or_default().push(shared);
            }
        }
        let mut st = self
            .conn
            .prepare("SELECT id, path, size, mtime_ns, hash, error IS NOT NULL FROM photos")
            .map_err(|e| self.err(e))?;
        let mut rows = st.query([]).map_err(|e| self.err(e))?;
        let mut out = KnownFiles::default();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let row = || -> rusqlite::Result<(i64, PathBuf, KnownFile)> {
                let id: i64 = r.get(0)?;
                let path = path_from_bytes(r.get_ref(1)?.as_blob()?);
                let hash = match r.get_ref(4)? {
                    rusqlite::types::ValueRef::Blob(b) => <[u8; 32]>::try_from(b).ok(),
                    _ => None,
                };
                let known = KnownFile {
                    id,
                    size: r.get::<_, i64>(2)? as u64,
                    mtime_ns: r.get(3)?,
                    hash,
                    failed: r.get(5)?,
                    embedders: Vec::new(),
                };
                Ok((id, path, known))
            };
            let (id, path, mut known) = row().map_err(|e| self.err(e))?;
            known.embedders = embedders.remove(&id).unwrap_or_default();
            out.insert(path.into_os_string(), known);
        }
        Ok(out)
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

    /// [`Self::vectors`] handed over `batch` at a time, in photo id order, so that a caller
    /// going through a million of them never holds them all (each batch is one query).
    pub fn for_each_vectors(
        &self,
        embedder: &str,
        batch: usize,
        mut each: impl FnMut(Vec<(i64, Vec<f32>)>),
    ) -> Result<()> {
        let mut st = self
            .conn
            .prepare(
                "SELECT photo_id, vector FROM embeddings WHERE embedder=?1 AND photo_id>?2
                 ORDER BY photo_id LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let mut after = i64::MIN;
        loop {
            let rows = st
                .query_map(params![embedder, after, batch.max(1) as i64], |r| {
                    Ok((r.get::<_, i64>(0)?, blob_to_vec(&r.get::<_, Vec<u8>>(1)?)))
                })
                .map_err(|e| self.err(e))?;
            let found: Vec<(i64, Vec<f32>)> = rows
                .map(|r| r.map_err(|e| self.err(e)))
                .collect::<Result<_>>()?;
            let Some(last) = found.last().map(|x| x.0) else {
                return Ok(());
            };
            after = last;
            let full = found.len() >= batch.max(1);
            each(found);
            if !full {
                return Ok(());
            }
        }
    }

    /// Number of photos with a vector from this embedder.
    pub fn vector_count(&self, embedder: &str) -> Result<usize> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM embeddings WHERE embedder=?1",
                [embedder],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as usize)
            .map_err(|e| self.err(e))
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
