//! `lookalike --data-dir D bench --synthetic-library N`: write a synthetic library of `N`
//! photos into the data dir `D` through the real catalog and index code — catalog rows with
//! metadata, a 32x32 signature and one vector per active embedder (the descriptor and, with
//! `--model lite0`, Lite0's 1280-d), inserted into the HNSW indexes batch by batch as the
//! indexer does, then saved with their flat snapshots — and measure what a real library of that
//! size costs: build time, data dir bytes per photo, snapshot load time and memory, and query
//! latency and recall@10 of the snapshot and the graph against exact search.
//!
//! The vectors come from a clustered latent space (clusters of about 100 look-alike photos, like
//! `bench --synthetic`). Duplicates are as rare as in a real library: in every 20 photos, 17 are
//! originals with a picture (signature) of their own, and 3 are edited copies of two of them
//! (one photo with two copies, one with one), whose vectors and signatures are the original's
//! with a little noise. Every photo's vectors are a pure function of its number, so the exact
//! answers are computed by generating them again instead of holding them all. Run again on the
//! same data dir with the same `N`, it only measures.

use crate::core::catalog::PhotoRecord;
use crate::core::embed::registry;
use crate::core::flat_index::FlatIndex;
use crate::core::index::VectorIndex;
use crate::core::index_set::IndexSet;
use crate::core::library::{Library, META_MODEL, META_QUERY_EMBEDDER, META_QUERY_LABEL};
use crate::core::neighbours::{NeighbourSearch, dot};
use anyhow::{Result, bail};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Photos written per catalog transaction (the indexer's batches are of this order).
const BATCH: usize = 1000;
/// Photos per block of originals and their edited copies (see [`Space::original_of`]).
const COPY_BLOCK: usize = 20;
/// Query photos for latency and recall.
const QUERIES: usize = 200;

/// A deterministic random stream (xorshift) seeded from `seed`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed, never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }
    /// Uniform in [-0.5, 0.5).
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    }
}

/// The latent space: cluster centres per embedder.
struct Space {
    clusters: usize,
    /// Per embedder: (dim, non-negative like a CNN's pooled features, centres).
    embedders: Vec<(usize, bool, Vec<Vec<f32>>)>,
}

impl Space {
    fn new(n: usize, dims: &[(usize, bool)]) -> Self {
        let clusters = (n / 100).max(1);
        let embedders = dims
            .iter()
            .enumerate()
            .map(|(e, &(dim, positive))| {
                let centres = (0..clusters)
                    .into_par_iter()
                    .map(|c| {
                        let mut r = Rng::new(((e as u64) << 40) ^ c as u64 ^ 0xC0FFEE);
                        (0..dim)
                            .map(|_| if positive { r.next() + 0.5 } else { r.next() })
                            .collect()
                    })
                    .collect();
                (dim, positive, centres)
            })
            .collect();
        Self {
            clusters,
            embedders,
        }
    }

    fn cluster(&self, photo: usize) -> usize {
        photo.wrapping_mul(7919) % self.clusters
    }

    /// The photo that `photo` is an edited copy of, if it is one: in each block of 20 photos,
    /// the last two are copies of the block's first and the one before them of its second.
    fn original_of(photo: usize) -> Option<usize> {
        let block = photo - photo % COPY_BLOCK;
        match photo % COPY_BLOCK {
            17 => Some(block + 1),
            18 | 19 => Some(block),
            _ => None,
        }
    }

    /// Photo `photo`'s unit vector for embedder `e`: its cluster's centre plus noise, or, for a
    /// copy, its original's vector plus a little noise (an edit moves the embedding slightly).
    fn vector(&self, e: usize, photo: usize) -> Vec<f32> {
        let (_, positive, centres) = &self.embedders[e];
        let source = Self::original_of(photo).unwrap_or(photo);
        let mut r = Rng::new(((e as u64 + 1) << 48) ^ source as u64);
        let c = &centres[self.cluster(source)];
        let mut v: Vec<f32> = c
            .iter()
            .map(|x| {
                let y = x + 0.35 * r.next();
                if *positive { y.max(0.0) } else { y }
            })
            .collect();
        if source != photo {
            let mut edit = Rng::new(((e as u64 + 1) << 48) ^ photo as u64 ^ 0xED17);
            for x in &mut v {
                *x += 0.03 * edit.next();
                if *positive {
                    *x = x.max(0.0);
                }
            }
        }
        crate::core::embed::l2_normalize(&mut v);
        v
    }

    /// A 32x32 grey signature: the picture of the photo (or of its original, for a copy) plus
    /// per-photo noise. Look-alikes of one cluster are different pictures.
    fn signature(&self, photo: usize) -> Vec<u8> {
        let side = crate::core::signature::SIGNATURE_SIDE as usize;
        let source = Self::original_of(photo).unwrap_or(photo);
        let mut base = Rng::new(0x5167 ^ ((source as u64) << 20));
        let mut noise = Rng::new(0xA11CE ^ photo as u64);
        (0..side * side)
            .map(|_| (128.0 + 200.0 * base.next() + 20.0 * noise.next()).clamp(0.0, 255.0) as u8)
            .collect()
    }
}

fn record(space: &Space, ids: &[String], photo: usize) -> PhotoRecord {
    PhotoRecord {
        path: PathBuf::from(format!(
            "/synthetic-library/DCIM/{:04}/IMG_{photo:07}.jpg",
            photo / 1000
        )),
        size: 3_000_000 + (photo % 1_000_000) as u64,
        mtime_ns: 1_700_000_000_000_000_000 + photo as i64,
        hash: Some(*blake3::hash(&(photo as u64).to_le_bytes()).as_bytes()),
        width: 4032,
        height: 3024,
        orientation: 1,
        format: "jpeg".into(),
        signature: Some(space.signature(photo)),
        // Read from every photo by the indexer (here: none found), so no later run reads the
        // files again for it.
        capture: Some(Default::default()),
        embeddings: ids
            .iter()
            .enumerate()
            .map(|(e, id)| (id.clone(), space.vector(e, photo)))
            .collect(),
        ..Default::default()
    }
}

/// Write `n` synthetic photos into `data_dir` (which must not hold a catalog yet) with the
/// embedders of `model`, then measure it.
pub fn run(data_dir: Option<&Path>, model: &str, n: usize, add: usize) -> Result<()> {
    let Some(data_dir) = data_dir else {
        bail!("give --data-dir D for the synthetic library (a new, empty folder)");
    };
    let existing = data_dir.join("catalog.sqlite").exists();
    let mut lib = Library::open(Some(data_dir.to_path_buf()))?;
    if existing && lib.catalog.counts()?.0 != n as u64 {
        bail!(
            "{} already holds a catalog that is not a synthetic library of {n} photos",
            data_dir.display()
        );
    }
    let active = registry::build(model, lib.data_dir.root(), "cpu")?;
    let refs = active.refs();
    let ids: Vec<String> = refs.iter().map(|e| e.id().to_string()).collect();
    let dims: Vec<(usize, bool)> = refs
        .iter()
        .map(|e| (e.dim(), e.id() != active.descriptor().id()))
        .collect();
    if existing && add > 0 {
        // New photos in an indexed library, as the next indexing run writes them.
        let space = Space::new(n, &dims);
        let _lock = lib.data_dir.lock_writer()?;
        let t = Instant::now();
        let mut indexes = IndexSet::new(&lib.data_dir.index_dir(), &refs);
        indexes.expect_more(add);
        indexes.open_all(&lib.catalog)?;
        let open_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        write_photos(&mut lib, &space, &ids, &mut indexes, n..n + add, None)?;
        let write_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        indexes.save(&lib.catalog)?;
        println!(
            "library: {add} photos added to {n}: indexes opened in {open_s:.1} s, written in \
             {write_s:.1} s, saved in {:.1} s (a later run measures {} photos)",
            t.elapsed().as_secs_f64(),
            n + add
        );
        return Ok(());
    }
    if existing {
        // Written by an earlier run (the photos are a function of their number): measure only.
        let space = Space::new(n, &dims);
        report_sizes(lib.data_dir.root(), n);
        for (e, id) in ids.iter().enumerate() {
            measure_queries(&lib, &space, e, id, n)?;
        }
        return Ok(());
    }
    {
        let _lock = lib.data_dir.lock_writer()?;
        lib.catalog.set_meta(META_MODEL, &active.spec)?;
        lib.catalog
            .set_meta(META_QUERY_EMBEDDER, active.primary().id())?;
        lib.catalog
            .set_meta(META_QUERY_LABEL, &active.primary().label())?;
    }
    let t = Instant::now();
    let space = Space::new(n, &dims);
    let mut indexes = IndexSet::new(&lib.data_dir.index_dir(), &refs);
    indexes.expect_more(n);
    let times = write_photos(&mut lib, &space, &ids, &mut indexes, 0..n, Some(t))?;
    let (gen_s, catalog_s, graph_s) = (times[0], times[1], times[2]);
    let t_save = Instant::now();
    indexes.save(&lib.catalog)?;
    let save_s = t_save.elapsed().as_secs_f64();
    drop(indexes);
    println!(
        "library: {n} photos in {:.1} s (generate {gen_s:.1} s, catalog {catalog_s:.1} s, \
         graph inserts {graph_s:.1} s, save {save_s:.1} s)",
        t.elapsed().as_secs_f64()
    );
    report_sizes(lib.data_dir.root(), n);
    for (e, id) in ids.iter().enumerate() {
        measure_queries(&lib, &space, e, id, n)?;
    }
    Ok(())
}

/// Write photos `range` through the catalog and `indexes` in batches, as the indexer does;
/// returns the seconds spent generating, writing the catalog and inserting into the indexes.
/// With `started`, prints progress every tenth of the range.
fn write_photos(
    lib: &mut Library,
    space: &Space,
    ids: &[String],
    indexes: &mut IndexSet,
    range: std::ops::Range<usize>,
    started: Option<Instant>,
) -> Result<[f64; 3]> {
    let n = range.len();
    let (mut gen_s, mut catalog_s, mut graph_s) = (0.0, 0.0, 0.0);
    let mut next_report = n / 10;
    for start in range.clone().step_by(BATCH) {
        let end = (start + BATCH).min(range.end);
        let t0 = Instant::now();
        let records: Vec<PhotoRecord> = (start..end)
            .into_par_iter()
            .map(|p| record(space, ids, p))
            .collect();
        let t1 = Instant::now();
        indexes.open_all(&lib.catalog)?;
        let photo_ids = lib.catalog.upsert(&records)?;
        let t2 = Instant::now();
        for (ei, idx) in indexes.loaded_mut() {
            let fresh: Vec<(i64, Vec<f32>)> = records
                .iter()
                .zip(&photo_ids)
                .map(|(r, id)| (*id, r.embeddings[ei].1.clone()))
                .collect();
            idx.insert_many(&fresh);
        }
        gen_s += (t1 - t0).as_secs_f64();
        catalog_s += (t2 - t1).as_secs_f64();
        graph_s += t2.elapsed().as_secs_f64();
        if let Some(t) = started
            && end - range.start >= next_report
        {
            println!(
                "library: {end} photos written, {:.0} s",
                t.elapsed().as_secs_f64()
            );
            next_report += n / 10;
        }
    }
    Ok([gen_s, catalog_s, graph_s])
}

/// Bytes per top-level entry of the data dir and per index file, per photo.
fn report_sizes(root: &Path, n: usize) {
    fn size(p: &Path) -> u64 {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => std::fs::read_dir(p)
                .map(|d| d.flatten().map(|e| size(&e.path())).sum())
                .unwrap_or(0),
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    let total = size(root);
    let per = |b: u64| b as f64 / n.max(1) as f64;
    println!(
        "data dir: {:.2} GB, {:.0} bytes per photo",
        total as f64 / 1e9,
        per(total)
    );
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    // One level deeper inside the index folder: each dump's files.
    let index = root.join("index");
    for dump in std::fs::read_dir(&index).into_iter().flatten().flatten() {
        if dump.path().is_dir() {
            entries.extend(
                std::fs::read_dir(dump.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    entries.sort();
    for p in entries {
        let b = size(&p);
        if per(b) >= 1.0 {
            let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            println!("  {name:<60} {:>8.0} bytes per photo", per(b));
        }
    }
}

fn percentile(times: &mut [f64], q: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    times[((times.len() as f64 - 1.0) * q).round() as usize]
}

/// Snapshot load time and memory; query latency and recall@10 of the snapshot and the graph
/// for embedder `e` (catalog id `id`).
fn measure_queries(lib: &Library, space: &Space, e: usize, id: &str, n: usize) -> Result<()> {
    let dim = space.embedders[e].0;
    let queries: Vec<usize> = (0..QUERIES.min(n)).map(|q| (q * 7919 + 13) % n).collect();
    let qvecs: Vec<Vec<f32>> = queries.iter().map(|&p| space.vector(e, p)).collect();
    // Exact answers: generate every vector again (once), keep the 10 best per query.
    let t = Instant::now();
    let mut sorted_ids = lib.catalog.ids_with(id)?;
    sorted_ids.sort_unstable();
    let keep = |mut v: Vec<(f32, i64)>| {
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        v.truncate(10);
        v
    };
    let per_chunk: Vec<Vec<Vec<(f32, i64)>>> = sorted_ids
        .par_chunks(4096)
        .enumerate()
        .map(|(c, chunk)| {
            let mut best: Vec<Vec<(f32, i64)>> = vec![Vec::new(); qvecs.len()];
            for (i, pid) in chunk.iter().enumerate() {
                let v = space.vector(e, c * 4096 + i);
                for (b, q) in best.iter_mut().zip(&qvecs) {
                    b.push((dot(&v, q), *pid));
                    if b.len() >= 64 {
                        *b = keep(std::mem::take(b));
                    }
                }
            }
            best.into_iter().map(keep).collect()
        })
        .collect();
    let truth: Vec<HashSet<i64>> = (0..qvecs.len())
        .map(|q| {
            let all: Vec<(f32, i64)> = per_chunk.iter().flat_map(|c| c[q].clone()).collect();
            keep(all).into_iter().map(|x| x.1).collect()
        })
        .collect();
    println!(
        "{id}: exact top 10 of {} queries in {:.1} s",
        qvecs.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let flat = FlatIndex::open(&lib.data_dir.index_dir(), &lib.catalog, id, dim)?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    if let Some(flat) = flat {
        println!(
            "{id}: snapshot opened in {open_ms:.0} ms, {:.0} MB in memory ({})",
            flat.memory_bytes() as f64 / 1e6,
            if flat.is_quantized_on_disk() {
                "codes; full vectors stay on disk"
            } else {
                "full vectors in memory"
            }
        );
        report_search(id, "snapshot", &flat, &qvecs, &truth);
    } else {
        println!("{id}: no current snapshot");
    }
    let t = Instant::now();
    let graph = VectorIndex::open(&lib.data_dir.index_dir(), &lib.catalog, id, dim)?;
    if graph.is_flat() {
        println!(
            "{id}: index (no graph past {} photos) loaded in {:.1} s ({} photos)",
            crate::core::index::flat_from(),
            t.elapsed().as_secs_f64(),
            graph.len()
        );
    } else {
        println!(
            "{id}: graph loaded in {:.1} s ({} photos, default ef {})",
            t.elapsed().as_secs_f64(),
            graph.len(),
            crate::core::index::default_ef(graph.len(), 10)
        );
    }
    let what = if graph.is_flat() { "flat" } else { "graph" };
    report_search(id, what, &graph, &qvecs, &truth);
    Ok(())
}

fn report_search(
    id: &str,
    what: &str,
    index: &dyn NeighbourSearch,
    qvecs: &[Vec<f32>],
    truth: &[HashSet<i64>],
) {
    let mut times = Vec::with_capacity(qvecs.len());
    let mut recall = 0.0;
    for (q, t) in qvecs.iter().zip(truth) {
        let start = Instant::now();
        let got = index.search(q, 10);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        recall += got.iter().filter(|h| t.contains(&h.id)).count() as f64 / 10.0;
    }
    println!(
        "{id}: {what:<8} query p50 {:.2} ms, p99 {:.2} ms, recall@10 {:.3}",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.99),
        recall / qvecs.len() as f64
    );
}
