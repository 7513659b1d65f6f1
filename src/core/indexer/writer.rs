//! Writing finished photos to the catalog and the indexes, batch by batch.

use super::*;

/// Writes finished photos to the catalog and the indexes (runs on the calling thread).
pub(super) struct Writer<'a> {
    pub(super) catalog: &'a mut Catalog,
    pub(super) indexes: &'a mut IndexSet,
    pub(super) embedders: &'a [&'a dyn Embedder],
    pub(super) embed_time: Duration,
    pub(super) insert_time: Duration,
}

impl Writer<'_> {
    /// Embed the pending batch and write it (plus failed files) in one transaction.
    pub(super) fn flush(
        &mut self,
        pending: &mut Vec<(PhotoRecord, Vec<Prepared>)>,
        failed: &mut Vec<PhotoRecord>,
        report: &mut IndexReport,
    ) -> Result<()> {
        if pending.is_empty() && failed.is_empty() {
            return Ok(());
        }
        let t = Instant::now();
        let mut ok = vec![true; pending.len()];
        // Catalog ids of the top-ups (photos with an empty input), whose kept vectors are read.
        let mut kept_id: Vec<Option<i64>> = Vec::with_capacity(pending.len());
        for (rec, inputs) in pending.iter() {
            kept_id.push(if inputs.iter().any(|p| p.data.is_empty()) {
                self.catalog.photo_id(&rec.path)?
            } else {
                None
            });
        }
        let mut vectors: Vec<Vec<Vec<f32>>> = Vec::with_capacity(self.embedders.len());
        for (ei, e) in self.embedders.iter().enumerate() {
            // An empty input: the photo already has this embedder's vector (a top-up).
            let (todo, inputs): (Vec<usize>, Vec<Prepared>) = pending
                .iter()
                .enumerate()
                .filter(|(_, (_, p))| !p[ei].data.is_empty())
                .map(|(j, (_, p))| (j, p[ei].clone()))
                .unzip();
            let mut column = vec![Vec::new(); pending.len()];
            if !inputs.is_empty() {
                let out = e.embed_batch(&inputs)?;
                if out.len() != inputs.len() {
                    return Err(Error::Other(format!("{} returned a wrong batch", e.id())));
                }
                for (j, v) in todo.into_iter().zip(out) {
                    column[j] = v;
                }
            }
            for j in 0..pending.len() {
                if column[j].is_empty()
                    && let Some(id) = kept_id[j]
                {
                    column[j] = self.catalog.vector(id, e.id())?.unwrap_or_default();
                }
                if !crate::core::index::valid_vector(&column[j], e.dim()) {
                    ok[j] = false;
                }
            }
            vectors.push(column);
        }
        self.embed_time += t.elapsed();
        let t = Instant::now();
        let mut records: Vec<PhotoRecord> = Vec::with_capacity(pending.len() + failed.len());
        for (j, (mut rec, inputs)) in pending.drain(..).enumerate() {
            if ok[j] && inputs.iter().any(|p| p.data.is_empty()) {
                report.topped_up += 1;
            }
            if ok[j] {
                rec.embeddings = self
                    .embedders
                    .iter()
                    .enumerate()
                    .map(|(ei, e)| (e.id().to_string(), vectors[ei][j].clone()))
                    .collect();
                report.embedded += 1;
            } else {
                rec.error = Some("the embedder produced an invalid vector for this image".into());
                rec.signature = None;
                report.failed += 1;
            }
            records.push(rec);
        }
        records.append(failed);
        // Load the indexes before the catalog changes (see IndexSet::open_all).
        self.indexes.open_all(self.catalog)?;
        let ids = self.catalog.upsert(&records)?;
        for (ei, idx) in self.indexes.loaded_mut() {
            let eid = self.embedders[ei].id();
            let mut fresh: Vec<(i64, Vec<f32>)> = Vec::new();
            for (r, id) in records.iter().zip(&ids) {
                match r.embeddings.iter().find(|(e, _)| e == eid) {
                    Some((_, v)) => fresh.push((*id, v.clone())),
                    None => idx.remove(*id),
                }
            }
            idx.insert_many(&fresh);
        }
        self.insert_time += t.elapsed();
        Ok(())
    }

    /// A file whose content is already in the catalog: move the record (when `claimed` names
    /// a photo whose file is gone) or copy its embeddings to the new path.
    pub(super) fn known(
        &mut self,
        file: &FoundFile,
        hash: &[u8; 32],
        claimed: Option<i64>,
        report: &mut IndexReport,
    ) -> Result<()> {
        let t = Instant::now();
        if let Some(id) = claimed {
            self.catalog
                .move_photo(id, &file.path, file.size, file.mtime_ns)?;
            report.moved += 1;
        } else if let Some(mut rec) = self.catalog.record_by_hash(hash)? {
            rec.path = file.path.clone();
            rec.size = file.size;
            rec.mtime_ns = file.mtime_ns;
            self.indexes.open_all(self.catalog)?;
            let ids = self.catalog.upsert(std::slice::from_ref(&rec))?;
            for (ei, idx) in self.indexes.loaded_mut() {
                let eid = self.embedders[ei].id();
                if let Some((_, v)) = rec.embeddings.iter().find(|(e, _)| e == eid) {
                    idx.insert_many(&[(ids[0], v.clone())]);
                }
            }
            report.reused += 1;
        }
        self.insert_time += t.elapsed();
        Ok(())
    }
}
