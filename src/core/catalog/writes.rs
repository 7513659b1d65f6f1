//! Writing photos: one transaction per batch, each bumping the catalog's epoch.

use super::*;

impl Catalog {
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
}
