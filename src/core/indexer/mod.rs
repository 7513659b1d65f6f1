//! The indexing pipeline: walk → diff with the catalog → read + hash → decode → prepare
//! (parallel, scoped threads) → batched embedding → catalog transaction + index insert.
//!
//! Incremental: unchanged files (size + mtime) are skipped; a file whose content hash is already
//! known reuses that photo's embeddings without decoding (a move keeps its id; a copy gets the
//! same vectors); deleted files leave the catalog and the index. Cancelling keeps all work done.

use crate::core::catalog::{Catalog, KnownFile, PhotoRecord};
use crate::core::datadir::explain_write_error;
use crate::core::embed::{Embedder, Prepared};
use crate::core::error::{Error, Result};
use crate::core::image_io;
use crate::core::index_set::IndexSet;
use crate::core::progress::{CancelFlag, Progress, ProgressUpdate};
use crate::core::scan::{self, FoundFile};
use crate::core::thumb_cache;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Tuning knobs of a run.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Decoder threads (default: available cores).
    pub decode_threads: usize,
    /// Photos per catalog transaction.
    pub write_batch: usize,
    /// Thumbnail cache to fill from the decoded pixels (see [`crate::core::thumb_cache`]).
    pub thumbs_dir: Option<PathBuf>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            decode_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            write_batch: 64,
            thumbs_dir: None,
        }
    }
}

/// Time spent per stage (read/decode/prepare are summed over decoder threads).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StageTimings {
    /// Walking folders.
    pub walk_ms: f64,
    /// Reading and hashing file bytes.
    pub read_ms: f64,
    /// Decoding (incl. DCT downscale and orientation).
    pub decode_ms: f64,
    /// Resizing and per-embedder preprocessing (the whole descriptor runs here).
    pub resize_ms: f64,
    /// Writing grid thumbnails to the cache from the decoded pixels.
    pub thumbs_ms: f64,
    /// Batched inference.
    pub embed_ms: f64,
    /// Catalog writes and index inserts.
    pub insert_ms: f64,
}

/// What an indexing run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IndexReport {
    /// Files found by the walk.
    pub scanned: usize,
    /// Files skipped as unchanged.
    pub unchanged: usize,
    /// Photos embedded (new or changed; also those of [`Self::topped_up`]).
    pub embedded: usize,
    /// Unchanged photos that only got the vectors of a model added since they were indexed
    /// (e.g. CLIP after its download): only that model ran for them.
    pub topped_up: usize,
    /// Photos whose embeddings were reused because their content was already known.
    pub reused: usize,
    /// Photos detected as moved or renamed.
    pub moved: usize,
    /// Photos removed because their file is gone.
    pub removed: usize,
    /// Files that could not be indexed in this run.
    pub failed: usize,
    /// Photos whose capture metadata was read without re-indexing them (after an upgrade).
    pub metadata_read: usize,
    /// Whether the run was cancelled (work done so far is kept).
    pub cancelled: bool,
    /// Warnings for a person (unreachable folders, bad files...).
    pub warnings: Vec<String>,
    /// Wall time of the whole run.
    pub elapsed_ms: f64,
    /// Per-stage timings.
    pub stages: StageTimings,
}

mod process;

/// Catalog key of the decoders' version the library was last indexed with.
const META_DECODERS: &str = "decoders_version";
/// Bumped when the decoders learn formats (files that failed are tried again once) or read a
/// format differently (camera RAWs: from their preview instead of their TIFF thumbnail).
/// 2: HEIC, AVIF, JPEG XL, camera RAW previews, videos.
const DECODERS_VERSION: u32 = 2;

use process::{Clocks, Outcome, process_file};

/// Index `roots` into `catalog` and `indexes` (one per embedder, same order as `embedders`;
/// loaded only when something changes).
#[allow(clippy::too_many_arguments)]
pub fn run_index(
    catalog: &mut Catalog,
    indexes: &mut IndexSet,
    embedders: &[&dyn Embedder],
    roots: &[PathBuf],
    exclude: Option<&Path>,
    opts: &IndexOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<IndexReport> {
    let started = Instant::now();
    let mut report = IndexReport::default();
    if embedders.is_empty() || embedders.len() != indexes.len() {
        return Err(Error::Other(
            "internal: one index per embedder is required".into(),
        ));
    }
    // 1. Walk.
    let t = Instant::now();
    let scanned = scan::scan(roots, exclude, cancel, |n| {
        if n % 256 == 0 {
            progress.update(ProgressUpdate {
                stage: "scanning",
                done: n as u64,
                total: None,
                current: None,
            });
        }
    });
    report.stages.walk_ms = t.elapsed().as_secs_f64() * 1e3;
    report.scanned = scanned.files.len();
    for w in &scanned.warnings {
        progress.warn(w);
    }
    report.warnings.extend(scanned.warnings.iter().cloned());
    // 2. Diff with the catalog.
    let known = catalog.known_files()?;
    let mut scanned = scanned;
    keep_photos_of_empty_roots(&mut scanned, &known, progress, &mut report);
    let needed: Vec<String> = embedders.iter().map(|e| e.id().to_string()).collect();
    // A video listed while ffmpeg was missing is read again once ffmpeg is there.
    let videos_readable = crate::core::video::tools().is_some();
    // Files an older version could not read (HEIC "not supported"), and RAWs it read as TIFFs
    // from their thumbnail, are read again once after an upgrade of the decoders.
    let decoders_changed =
        catalog.meta(META_DECODERS)?.as_deref() != Some(DECODERS_VERSION.to_string().as_str());
    let is_raw = |path: &Path| {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(image_io::formats::raw::RawKind::from_extension)
            .is_some()
    };
    let complete = |path: &Path, k: &KnownFile| {
        if decoders_changed && (k.failed || is_raw(path)) {
            false
        } else if k.failed {
            !(videos_readable && crate::core::video::is_video_path(path))
        } else {
            needed.iter().all(|n| k.embedders.contains(n))
        }
    };
    let seen: HashSet<&Path> = scanned.files.iter().map(|f| f.path.as_path()).collect();
    let mut work: Vec<FoundFile> = Vec::new();
    // Unchanged photos that lack only some embedders' vectors (a model added to an indexed
    // library): which embedders they already have. Only the missing ones run for them.
    let mut top_up: HashMap<PathBuf, Vec<bool>> = HashMap::new();
    for f in &scanned.files {
        match known.get(&f.path) {
            Some(k) if k.size == f.size && k.mtime_ns == f.mtime_ns && complete(&f.path, k) => {
                report.unchanged += 1;
            }
            Some(k)
                if k.size == f.size
                    && k.mtime_ns == f.mtime_ns
                    && !k.failed
                    && !(decoders_changed && is_raw(&f.path))
                    && needed.iter().any(|n| k.embedders.contains(n)) =>
            {
                top_up.insert(
                    f.path.clone(),
                    needed.iter().map(|n| k.embedders.contains(n)).collect(),
                );
                work.push(f.clone());
            }
            _ => work.push(f.clone()),
        }
    }
    let scan_complete = !cancel.is_cancelled();
    // Photos under fully walked roots whose files are gone: candidates for moves, else removal.
    let mut missing: HashMap<[u8; 32], Vec<i64>> = HashMap::new();
    let mut missing_ids: HashSet<i64> = HashSet::new();
    if scan_complete {
        for (path, k) in &known {
            let under = scanned.complete_roots.iter().any(|r| path.starts_with(r));
            if under && !seen.contains(path.as_path()) {
                missing_ids.insert(k.id);
                if let Some(h) = k.hash {
                    missing.entry(h).or_default().push(k.id);
                }
            }
        }
    }
    let known_hashes: HashSet<[u8; 32]> = known
        .iter()
        // A RAW read by older decoders must not lend its old vectors to itself.
        .filter(|(p, _)| !(decoders_changed && is_raw(p)))
        .map(|(_, k)| k)
        .filter(|k| !k.failed && needed.iter().all(|n| k.embedders.contains(n)))
        .filter_map(|k| k.hash)
        .collect();
    drop(known);

    // 3. Decode in parallel, embed and write on this thread.
    let min_side = embedders
        .iter()
        .map(|e| e.min_input_side_px())
        .max()
        .unwrap_or(224);
    let total = work.len() as u64;
    let batch_size = embedders
        .iter()
        .map(|e| e.preferred_batch())
        .max()
        .unwrap_or(16)
        .clamp(1, opts.write_batch.max(1));
    let clocks = Clocks::default();
    let next = AtomicUsize::new(0);
    let threads = opts.decode_threads.clamp(1, 16);
    let (tx, rx) = crossbeam_channel::bounded::<Outcome>(batch_size * 2 + threads);
    let mut pending: Vec<(PhotoRecord, Vec<Prepared>)> = Vec::new();
    let mut failed_records: Vec<PhotoRecord> = Vec::new();
    let mut embed_time = Duration::ZERO;
    let mut insert_time = Duration::ZERO;
    let mut done = 0u64;
    let mut vanished = 0usize;
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (work, next, clocks, known_hashes, top_up) =
                (&work, &next, &clocks, &known_hashes, &top_up);
            s.spawn(move || {
                loop {
                    if cancel.is_cancelled() {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = work.get(i) else { break };
                    let outcome = process_file(
                        file,
                        embedders,
                        top_up.get(&file.path).map(Vec::as_slice),
                        min_side,
                        known_hashes,
                        opts.thumbs_dir.as_deref(),
                        clocks,
                    );
                    if tx.send(outcome).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut writer = Writer {
            catalog: &mut *catalog,
            indexes: &mut *indexes,
            embedders,
            embed_time: Duration::ZERO,
            insert_time: Duration::ZERO,
        };
        let mut run = || -> Result<()> {
            for outcome in rx.iter() {
                done += 1;
                match outcome {
                    Outcome::Prepared { record, inputs } => {
                        progress.update(ProgressUpdate {
                            stage: "indexing",
                            done,
                            total: Some(total),
                            current: Some(record.path.display().to_string()),
                        });
                        pending.push((*record, inputs));
                    }
                    Outcome::Known { file, hash } => {
                        let claimed = missing.get_mut(&hash).and_then(|ids| ids.pop());
                        if let Some(id) = claimed {
                            missing_ids.remove(&id);
                        }
                        writer.known(&file, &hash, claimed, &mut report)?;
                    }
                    Outcome::Failed { file, hash, reason } => {
                        progress.warn(&format!("{}: {reason}", file.path.display()));
                        report.failed += 1;
                        failed_records.push(PhotoRecord {
                            path: file.path,
                            size: file.size,
                            mtime_ns: file.mtime_ns,
                            hash,
                            error: Some(reason),
                            ..Default::default()
                        });
                    }
                    Outcome::Ignored => {}
                    Outcome::Vanished => vanished += 1,
                }
                if pending.len() >= batch_size || failed_records.len() >= opts.write_batch {
                    writer.flush(&mut pending, &mut failed_records, &mut report)?;
                }
                if cancel.is_cancelled() {
                    break;
                }
            }
            writer.flush(&mut pending, &mut failed_records, &mut report)
        };
        let result = run();
        drop(rx);
        embed_time = writer.embed_time;
        insert_time = writer.insert_time;
        if let Err(e) = result {
            cancel.cancel();
            if let Ok(mut slot) = first_error.lock() {
                *slot = Some(e);
            }
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        // Save what was indexed before the failure; the catalog already has it.
        indexes.save_loaded_best_effort(catalog);
        return Err(explain_write_error(e, &data_dir_of(catalog)));
    }
    report.cancelled = cancel.is_cancelled();
    if decoders_changed && !report.cancelled && scan_complete {
        catalog
            .set_meta(META_DECODERS, &DECODERS_VERSION.to_string())
            .map_err(|e| explain_write_error(e, &data_dir_of(catalog)))?;
    }
    if vanished > 0 {
        let w = format!(
            "{vanished} files disappeared while indexing (deleted, or their drive was unplugged); \
             they are indexed when they are back"
        );
        progress.warn(&w);
        report.warnings.push(w);
    }
    // 4. Remove photos whose files are gone (only after a complete walk and run).
    if !report.cancelled && !missing_ids.is_empty() {
        let t = Instant::now();
        let ids: Vec<i64> = missing_ids.into_iter().collect();
        indexes.open_all(catalog)?;
        catalog
            .delete_photos(&ids)
            .map_err(|e| explain_write_error(e, &data_dir_of(catalog)))?;
        for (_, idx) in indexes.loaded_mut() {
            for id in &ids {
                idx.remove(*id);
            }
        }
        report.removed = ids.len();
        insert_time += t.elapsed();
    }
    // 5. Thumbnails of photos deleted, moved or edited since the last run are never shown
    // again: drop them (best effort, it is a cache).
    let changed = report.removed + report.moved + report.embedded + report.reused;
    if let Some(dir) = opts
        .thumbs_dir
        .as_deref()
        .filter(|_| changed > 0 && !report.cancelled)
        && let Ok(photos) = catalog.photos()
    {
        thumb_cache::prune(
            dir,
            photos
                .iter()
                .map(|p| (p.path.as_path(), p.bytes, p.mtime_ns)),
        );
    }
    // 6. Capture metadata for photos indexed before it was read (a catalog from an older
    // version, or copies that reused another photo's vectors): no decoding, no embedding.
    if !cancel.is_cancelled() {
        report.metadata_read = crate::core::metadata::backfill(catalog, progress, cancel)
            .map_err(|e| explain_write_error(e, &data_dir_of(catalog)))?;
    }
    // 7. Persist the indexes.
    progress.update(ProgressUpdate {
        stage: "saving index",
        done: 0,
        total: None,
        current: None,
    });
    let t = Instant::now();
    indexes
        .save(catalog)
        .map_err(|e| explain_write_error(e, &data_dir_of(catalog)))?;
    insert_time += t.elapsed();
    let ns = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64 / 1e6;
    report.stages.read_ms = ns(&clocks.read);
    report.stages.decode_ms = ns(&clocks.decode);
    report.stages.resize_ms = ns(&clocks.prepare);
    report.stages.thumbs_ms = ns(&clocks.thumbs);
    report.stages.embed_ms = embed_time.as_secs_f64() * 1e3;
    report.stages.insert_ms = insert_time.as_secs_f64() * 1e3;
    report.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(report)
}

/// A library folder that is now completely empty while the catalog holds photos under it is
/// most likely an unplugged drive's mount point: its photos are kept, not removed.
fn keep_photos_of_empty_roots(
    scanned: &mut scan::ScanResult,
    known: &HashMap<PathBuf, KnownFile>,
    progress: &dyn Progress,
    report: &mut IndexReport,
) {
    scanned.complete_roots.retain(|root| {
        let empty = std::fs::read_dir(root).is_ok_and(|mut d| d.next().is_none());
        let held = known.keys().filter(|p| p.starts_with(root)).count();
        if empty && held > 0 {
            let w = format!(
                "library folder {} is empty: is its drive unplugged? Its {held} photos are kept; \
                 plug the drive in and index again",
                root.display()
            );
            progress.warn(&w);
            report.warnings.push(w);
            return false;
        }
        true
    });
}

/// Writes finished photos to the catalog and the indexes (runs on the calling thread).
struct Writer<'a> {
    catalog: &'a mut Catalog,
    indexes: &'a mut IndexSet,
    embedders: &'a [&'a dyn Embedder],
    embed_time: Duration,
    insert_time: Duration,
}

impl Writer<'_> {
    /// Embed the pending batch and write it (plus failed files) in one transaction.
    fn flush(
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
    fn known(
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

/// The data dir holding a catalog file.
fn data_dir_of(catalog: &Catalog) -> PathBuf {
    catalog
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// The index folder beside a catalog file.
pub fn catalog_index_dir(catalog: &Catalog) -> PathBuf {
    catalog
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .join("index")
}
