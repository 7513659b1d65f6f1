//! The indexing pipeline: walk → diff with the catalog → read + hash → decode → prepare
//! (parallel, scoped threads) → batched embedding → catalog transaction + index insert.
//!
//! Incremental: unchanged files (size + mtime) are skipped; a file whose content hash is already
//! known reuses that photo's embeddings without decoding (a move keeps its id; a copy gets the
//! same vectors); deleted files leave the catalog and the index. Cancelling keeps all work done.

use crate::core::catalog::{Catalog, FastHash, KnownFile, KnownFiles, PhotoRecord};
use crate::core::datadir::explain_write_error;
use crate::core::embed::{Embedder, Prepared};
use crate::core::error::{Error, Result};
use crate::core::image_io;
use crate::core::index_set::IndexSet;
use crate::core::progress::{CancelFlag, Progress, ProgressUpdate};
use crate::core::scan::{self, FoundFile};
use crate::core::thumb_cache;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod process;
mod report;
mod writer;

pub use report::{IndexOptions, IndexReport, StageTimings};
use writer::Writer;

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
    // Called once per batch of a few thousand files.
    let scanned = scan::scan(roots, exclude, cancel, |n| {
        progress.update(ProgressUpdate {
            stage: "scanning",
            done: n as u64,
            total: None,
            current: None,
        });
    });
    report.stages.walk_ms = t.elapsed().as_secs_f64() * 1e3;
    report.scanned = scanned.files.len();
    crate::core::timeline::mark(format!("index: {} files walked", report.scanned));
    for w in &scanned.warnings {
        progress.warn(w);
    }
    report.warnings.extend(scanned.warnings.iter().cloned());
    // 2. Diff with the catalog.
    let known = catalog.known_files()?;
    crate::core::timeline::mark(format!("index: {} catalog rows read", known.len()));
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
            needed.iter().all(|n| k.has_embedder(n))
        }
    };
    let seen: HashSet<&OsStr, FastHash> =
        scanned.files.iter().map(|f| f.path.as_os_str()).collect();
    let mut work: Vec<FoundFile> = Vec::new();
    // Unchanged photos that lack only some embedders' vectors (a model added to an indexed
    // library): which embedders they already have. Only the missing ones run for them.
    let mut top_up: HashMap<PathBuf, Vec<bool>> = HashMap::new();
    for f in &scanned.files {
        match known.get(f.path.as_os_str()) {
            Some(k) if k.size == f.size && k.mtime_ns == f.mtime_ns && complete(&f.path, k) => {
                report.unchanged += 1;
            }
            Some(k)
                if k.size == f.size
                    && k.mtime_ns == f.mtime_ns
                    && !k.failed
                    && !(decoders_changed && is_raw(&f.path))
                    && needed.iter().any(|n| k.has_embedder(n)) =>
            {
                top_up.insert(
                    f.path.clone(),
                    needed.iter().map(|n| k.has_embedder(n)).collect(),
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
            // Seen first: at a million photos, nearly all are, and `starts_with` goes component
            // by component.
            if seen.contains(path.as_os_str())
                || !scanned
                    .complete_roots
                    .iter()
                    .any(|r| Path::new(path).starts_with(r))
            {
                continue;
            }
            {
                missing_ids.insert(k.id);
                if let Some(h) = k.hash {
                    missing.entry(h).or_default().push(k.id);
                }
            }
        }
    }
    let known_hashes: HashSet<[u8; 32], FastHash> = known
        .iter()
        // A RAW read by older decoders must not lend its old vectors to itself.
        .filter(|(p, _)| !(decoders_changed && is_raw(Path::new(p))))
        .map(|(_, k)| k)
        .filter(|k| !k.failed && needed.iter().all(|n| k.has_embedder(n)))
        .filter_map(|k| k.hash)
        .collect();
    drop(known);
    crate::core::timeline::mark(format!(
        "index: compared with the catalog, {} files to read",
        work.len()
    ));

    // 3. Decode in parallel, embed and write on this thread.
    let min_side = embedders
        .iter()
        .map(|e| e.min_input_side_px())
        .max()
        .unwrap_or(224);
    let total = work.len() as u64;
    indexes.expect_more(work.len());
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
    crate::core::timeline::mark("index: files read and written");
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
    crate::core::timeline::mark("index: removed photos and thumbnails handled");
    // 6. Capture metadata for photos indexed before it was read (a catalog from an older
    // version, or copies that reused another photo's vectors): no decoding, no embedding.
    if !cancel.is_cancelled() {
        report.metadata_read = crate::core::metadata::backfill(catalog, progress, cancel)
            .map_err(|e| explain_write_error(e, &data_dir_of(catalog)))?;
    }
    crate::core::timeline::mark(format!(
        "index: capture metadata read for {} photos",
        report.metadata_read
    ));
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
    crate::core::timeline::mark("index: indexes saved");
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
    known: &KnownFiles,
    progress: &dyn Progress,
    report: &mut IndexReport,
) {
    scanned.complete_roots.retain(|root| {
        let empty = std::fs::read_dir(root).is_ok_and(|mut d| d.next().is_none());
        // Counted only for an empty folder: a million `starts_with` are not free.
        let held = match empty {
            true => known
                .keys()
                .filter(|p| Path::new(p).starts_with(root))
                .count(),
            false => 0,
        };
        if held > 0 {
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
