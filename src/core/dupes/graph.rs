//! The candidate graph: photos folded into exact-copy classes, and scored edges between classes
//! found through the HNSW index (k nearest per class, never all pairs). Built once per scan; every
//! regrouping with other thresholds reads it again without touching the index or the disk.

use super::added_band::{self, PictureRows};
use super::pair_cache::{PairCache, PairKey};
use super::pixel_check::{self, PixelMatch};
use super::symmetry::{self, Symmetry};
use crate::core::catalog::PhotoInfo;
use crate::core::error::{Error, Result};
use crate::core::index::VectorIndex;
use crate::core::neighbours::dot;
use crate::core::progress::{CancelFlag, Progress, ProgressUpdate};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// One photo with what grouping and keep-best need.
#[derive(Debug, Clone)]
pub struct PhotoEntry {
    /// Catalog metadata (id, path, bytes, dimensions, format, mtime).
    pub info: PhotoInfo,
    /// BLAKE3 of the file bytes (`None` only for legacy rows).
    pub hash: Option<[u8; 32]>,
}

/// Everything the graph is built from, gathered from the catalog (or made up by a benchmark).
#[derive(Debug, Default)]
pub struct GraphInput {
    /// Indexed photos.
    pub photos: Vec<PhotoEntry>,
    /// 32x32 signatures by photo id.
    pub signatures: HashMap<i64, Vec<u8>>,
    /// Descriptor vectors by photo id (the space the index was built on).
    pub vectors: HashMap<i64, Vec<f32>>,
    /// Vectors of a semantic model (a CNN) by photo id, when the library has one: the similar tier
    /// then uses them instead of the descriptor.
    pub semantic: Option<HashMap<i64, Vec<f32>>>,
}

/// How the graph is built.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// Neighbours asked of the index per photo.
    pub k: usize,
    /// Candidate list size of each search (recall/speed trade-off).
    pub ef: usize,
    /// Also look for mirrored and quarter-turned copies.
    pub mirror: bool,
    /// Edges with a descriptor cosine below this are dropped.
    pub min_similarity: f32,
    /// Edges at or above this descriptor cosine get the pixel check.
    pub pixel_check_from: f32,
    /// Linked neighbours at or above this cosine also lend their own links as candidates.
    pub hop_from: f32,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self {
            k: 10,
            ef: 32,
            mirror: false,
            min_similarity: 0.45,
            pixel_check_from: 0.45,
            hop_from: 0.8,
        }
    }
}

impl GraphOptions {
    /// The defaults, looking for mirrored and quarter-turned copies when `mirror` is set.
    pub fn with_mirror(mirror: bool) -> Self {
        Self {
            mirror,
            ..Self::default()
        }
    }
}

/// A scored pair of exact-copy classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Class index (`a < b`).
    pub a: u32,
    /// Class index.
    pub b: u32,
    /// Descriptor cosine (after applying `symmetry` to `a`).
    pub similarity: f32,
    /// Semantic-model cosine, when the library has such vectors.
    pub semantic: Option<f32>,
    /// Pixel-level alignment of the signatures; `None` when not checked (too dissimilar).
    pub pixel: Option<PixelMatch>,
    /// How `a` was turned to look like `b` (identity unless mirror search found it).
    pub symmetry: Symmetry,
    /// Cosine of the two colour layouts (`None` when either photo is nearly colourless): low for
    /// a recoloured variant, which is the same design but not the same picture.
    pub colour: Option<f32>,
}

/// Time and counts of a build, for benchmarks and the status line.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct BuildStats {
    /// Photos in the graph.
    pub photos: usize,
    /// Exact-copy classes (distinct contents).
    pub classes: usize,
    /// Edges kept.
    pub edges: usize,
    /// Pairs that got the full pixel alignment in this build.
    pub pixel_checked: u64,
    /// Pairs whose pixel check came from the cache of earlier scans.
    pub pixel_cached: u64,
    /// Index searches.
    pub search_ms: f64,
    /// Pixel checks.
    pub verify_ms: f64,
}

/// Photos, exact-copy classes and scored candidate edges.
#[derive(Debug, Clone, Default)]
pub struct CandidateGraph {
    /// All photos.
    pub photos: Vec<PhotoEntry>,
    /// Exact-copy classes: indices into `photos` (byte-identical files).
    pub classes: Vec<Vec<u32>>,
    /// Edges between classes.
    pub edges: Vec<Edge>,
    /// Whether mirror/rotation search was on.
    pub mirror: bool,
    /// Descriptor vector of each class (for medoid checks while grouping).
    pub(crate) class_vectors: Vec<Option<Vec<f32>>>,
    /// Semantic vector of each class, if any.
    pub(crate) class_semantic: Vec<Option<Vec<f32>>>,
    /// Signatures of the classes near a copy framed alike, which the keep rule compares for a
    /// caption or logo drawn over one of them (see [`super::overlay`]).
    pub(crate) framed_alike: HashMap<u32, Vec<u8>>,
    /// Mean gray level (0-255) of each class's signature: which colour scheme of a design a
    /// grayscale copy came from, when its pixels match several alike (grayscale keeps brightness).
    pub(crate) class_gray: Vec<Option<f32>>,
    /// Where the picture lies in each class's frame when a near copy showed that caption bars
    /// were added above or below it (the canvas extended): the keep rule counts only the picture.
    pub(crate) class_rows: Vec<Option<PictureRows>>,
    /// Build statistics.
    pub stats: BuildStats,
    /// Companions (RAW/JPEG mates, Live Photo videos, sidecars) of photos already asked about.
    pub(crate) companions: crate::core::pairs::CompanionCache,
}

/// Report progress of `stage` every `every` items (the loops are parallel: any thread may).
fn tick(progress: &dyn Progress, stage: &'static str, n: u64, total: u64, every: u64) {
    if n.is_multiple_of(every) {
        progress.update(ProgressUpdate {
            stage,
            done: n,
            total: Some(total),
            current: None,
        });
    }
}

impl CandidateGraph {
    /// Build the graph: classes by content hash, then k nearest neighbours per class, then pixel
    /// checks on the closer pairs (reusing and filling `cache`). Parallel over the available
    /// cores; honours `cancel`.
    pub fn build(
        input: GraphInput,
        index: &VectorIndex,
        opts: &GraphOptions,
        cache: &mut PairCache,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<Self> {
        let GraphInput {
            photos,
            signatures,
            mut vectors,
            mut semantic,
        } = input;
        // 1. Exact classes.
        let classes = Self::from_parts(photos, Vec::new());
        let (photos, classes) = (classes.photos, classes.classes);
        let photo_list = &photos;
        let class_of_id: HashMap<i64, u32> = classes
            .iter()
            .enumerate()
            .flat_map(|(c, members)| {
                members
                    .iter()
                    .map(move |&m| (photo_list[m as usize].info.id, c as u32))
            })
            .collect();
        let rep_id = |c: usize| photos[classes[c][0] as usize].info.id;
        let class_vectors: Vec<Option<Vec<f32>>> = (0..classes.len())
            .map(|c| vectors.remove(&rep_id(c)))
            .collect();
        drop(vectors);
        // Moved, not copied: at 1M photos a second copy of the Lite0 vectors is 5 GB.
        let class_semantic: Vec<Option<Vec<f32>>> = match &mut semantic {
            Some(s) => (0..classes.len()).map(|c| s.remove(&rep_id(c))).collect(),
            None => vec![None; classes.len()],
        };
        drop(semantic);
        // 2. Candidates. Straight copies: the index's own neighbour links, widened by one hop
        //    through close neighbours (HNSW's heuristic keeps one of several near-identical
        //    points in a list; the others are one hop away). Mirror/rotation variants are not
        //    in the index, so those are searched for (off by default).
        let started = Instant::now();
        let done = AtomicU64::new(0);
        let total = classes.len() as u64;
        // The index's links are one long step at a large library's size (a self-join of its
        // snapshot): look at the cancel flag on both sides of it.
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let links = index.neighbour_links();
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let member_ids = |c: usize| classes[c].iter().map(|&m| photos[m as usize].info.id);
        let class_links: Vec<Vec<(u32, f32)>> = (0..classes.len())
            .into_par_iter()
            .map(|c| {
                let mut out: Vec<(u32, f32)> = member_ids(c)
                    .filter_map(|id| links.get(&id))
                    .flatten()
                    .filter_map(|nb| class_of_id.get(&nb.id).map(|&o| (o, nb.score)))
                    .filter(|&(o, _)| o as usize != c)
                    .collect();
                out.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.total_cmp(&x.1)));
                out.dedup_by_key(|x| x.0);
                out
            })
            .collect();
        drop(links);
        let symmetries: Vec<Symmetry> = if opts.mirror {
            Symmetry::all()
                .into_iter()
                .filter(|s| !s.is_identity())
                .collect()
        } else {
            Vec::new()
        };
        let largest_class = classes.iter().map(Vec::len).max().unwrap_or(1);
        // Identical copies share one vector and crowd a result list: ask for more in that case.
        let k = opts.k + largest_class.min(64);
        let raw: Vec<Vec<Edge>> = (0..classes.len())
            .into_par_iter()
            .map(|c| {
                if cancel.is_cancelled() {
                    return Vec::new();
                }
                let n = done.fetch_add(1, Ordering::Relaxed);
                tick(progress, "finding candidates", n, total, 4096);
                let Some(v) = &class_vectors[c] else {
                    return Vec::new();
                };
                let mut out: Vec<Edge> = Vec::new();
                let edge = |other: u32, score: f32, sym: Symmetry| {
                    let (a, b, symmetry) = if (c as u32) < other {
                        (c as u32, other, sym)
                    } else {
                        (other, c as u32, sym.inverse())
                    };
                    Edge {
                        a,
                        b,
                        similarity: score.clamp(-1.0, 1.0),
                        semantic: None,
                        pixel: None,
                        symmetry,
                        colour: None,
                    }
                };
                // Linked classes and, through the close ones, their links; scored exactly.
                let mut seen: Vec<u32> = class_links[c].iter().map(|x| x.0).collect();
                for &(o, score) in &class_links[c] {
                    if score >= opts.hop_from {
                        seen.extend(class_links[o as usize].iter().map(|x| x.0));
                    }
                }
                seen.sort_unstable();
                seen.dedup();
                let mut scored: Vec<(u32, f32)> = seen
                    .into_iter()
                    .filter(|&o| o as usize != c)
                    .filter_map(|o| class_vectors[o as usize].as_ref().map(|w| (o, dot(v, w))))
                    .filter(|&(_, s)| s >= opts.min_similarity)
                    .collect();
                scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
                scored.truncate(opts.k);
                out.extend(
                    scored
                        .into_iter()
                        .map(|(o, s)| edge(o, s, Symmetry::IDENTITY)),
                );
                for &sym in &symmetries {
                    let Some(query) = sym.apply_descriptor(v) else {
                        continue;
                    };
                    for nb in index.search_ef(&query, k, opts.ef.max(k)) {
                        let Some(&other) = class_of_id.get(&nb.id) else {
                            continue;
                        };
                        if other as usize == c || nb.score < opts.min_similarity {
                            continue;
                        }
                        out.push(edge(other, nb.score, sym));
                    }
                }
                out
            })
            .collect();
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let search_ms = started.elapsed().as_secs_f64() * 1e3;
        // 3. One edge per (pair, symmetry): the best similarity.
        let mut best: HashMap<(u32, u32, Symmetry), Edge> = HashMap::new();
        for e in raw.into_iter().flatten() {
            best.entry((e.a, e.b, e.symmetry))
                .and_modify(|old| {
                    if e.similarity > old.similarity {
                        *old = e;
                    }
                })
                .or_insert(e);
        }
        let mut edges: Vec<Edge> = best.into_values().collect();
        edges.sort_by_key(|e| (e.a, e.b));
        // 4. Pixel checks (cached ones reused) and semantic scores.
        let started = Instant::now();
        let checked = AtomicU64::new(0);
        let hits = AtomicU64::new(0);
        let edge_count = edges.len() as u64;
        done.store(0, Ordering::Relaxed);
        let sig_of = |c: u32| signatures.get(&photos[classes[c as usize][0] as usize].info.id);
        let hash_of = |c: u32| photos[classes[c as usize][0] as usize].hash;
        let cache_ref = &*cache;
        // Per checked edge: its cache key, with the result when it was aligned just now (`None`
        // when the cache answered).
        let checks: Vec<Option<(PairKey, Option<PixelMatch>)>> = edges
            .par_iter_mut()
            .map(|e| {
                if cancel.is_cancelled() {
                    return None;
                }
                let n = done.fetch_add(1, Ordering::Relaxed);
                tick(
                    progress,
                    "checking pixels of close pairs",
                    n,
                    edge_count,
                    1024,
                );
                if let (Some(x), Some(y)) =
                    (&class_semantic[e.a as usize], &class_semantic[e.b as usize])
                {
                    e.semantic = Some(dot(x, y));
                }
                if let (Some(x), Some(y)) =
                    (&class_vectors[e.a as usize], &class_vectors[e.b as usize])
                {
                    e.colour = if e.symmetry.is_identity() {
                        symmetry::colour_agreement(x, y)
                    } else {
                        e.symmetry
                            .apply_descriptor(x)
                            .and_then(|x| symmetry::colour_agreement(&x, y))
                    };
                }
                if e.similarity < opts.pixel_check_from {
                    return None;
                }
                let key = match (hash_of(e.a), hash_of(e.b)) {
                    (Some(ha), Some(hb)) => Some(PairKey::new(&ha, &hb, e.symmetry)),
                    _ => None,
                };
                if let Some(k) = key
                    && let Some(m) = cache_ref.get(&k)
                {
                    hits.fetch_add(1, Ordering::Relaxed);
                    e.pixel = Some(m);
                    return Some((k, None));
                }
                let (Some(sa), Some(sb)) = (sig_of(e.a), sig_of(e.b)) else {
                    return None;
                };
                let sa: Cow<[u8]> = if e.symmetry.is_identity() {
                    Cow::Borrowed(sa)
                } else {
                    Cow::Owned(e.symmetry.apply_signature(sa)?)
                };
                let m = pixel_check::match_signatures(&sa, sb)?;
                checked.fetch_add(1, Ordering::Relaxed);
                e.pixel = Some(m);
                key.map(|k| (k, Some(m)))
            })
            .collect();
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        crate::core::timeline::mark("dupes: close pairs pixel-checked");
        // Photos with a caption bar, which the descriptor places far from their source.
        let bars = super::band_candidates::per_class(&classes, &photos, &signatures);
        crate::core::timeline::mark("dupes: signatures looked at for caption bars");
        let (extra, extra_checks) = super::band_candidates::edges(
            &edges,
            &super::band_candidates::Context {
                classes: &classes,
                photos: &photos,
                signatures: &signatures,
                vectors: &class_vectors,
                semantic: &class_semantic,
                bars: &bars,
            },
            cache,
        );
        let new = extra_checks.iter().filter(|c| c.1.is_some()).count() as u64;
        checked.fetch_add(new, Ordering::Relaxed);
        hits.fetch_add(extra_checks.len() as u64 - new, Ordering::Relaxed);
        if !extra.is_empty() {
            edges.extend(extra);
            edges.sort_by_key(|e| (e.a, e.b));
        }
        for (k, m) in checks.into_iter().flatten().chain(extra_checks) {
            match m {
                Some(m) => cache.insert(k, m),
                None => cache.touch(k),
            }
        }
        // Copies whose canvas a caption bar extended: measured again on the picture's rows.
        super::extended_canvas::rescore(&mut edges, &classes, &photos, &signatures, &bars);
        let class_rows = added_band::per_class(&edges, &classes, &photos, &signatures);
        let framed_alike =
            super::overlay::signatures_to_keep(&edges, &classes, &photos, &signatures);
        let class_gray = (0..classes.len() as u32)
            .map(|c| {
                let sig = sig_of(c).filter(|s| !s.is_empty())?;
                Some(sig.iter().map(|&v| f32::from(v)).sum::<f32>() / sig.len() as f32)
            })
            .collect();
        crate::core::timeline::mark("dupes: caption bars measured");
        let stats = BuildStats {
            photos: photos.len(),
            classes: classes.len(),
            edges: edges.len(),
            pixel_checked: checked.into_inner(),
            pixel_cached: hits.into_inner(),
            search_ms,
            verify_ms: started.elapsed().as_secs_f64() * 1e3,
        };
        Ok(Self {
            photos,
            classes,
            edges,
            mirror: opts.mirror,
            class_vectors,
            class_semantic,
            framed_alike,
            class_gray,
            class_rows,
            stats,
            companions: Default::default(),
        })
    }

    /// A graph from ready-made parts (tests, tools): classes are formed by content hash in photo
    /// order, and `edges` refer to those class indices.
    pub fn from_parts(photos: Vec<PhotoEntry>, edges: Vec<Edge>) -> Self {
        let mut by_hash: HashMap<[u8; 32], usize> = HashMap::new();
        let mut classes: Vec<Vec<u32>> = Vec::new();
        for (i, p) in photos.iter().enumerate() {
            match p.hash.and_then(|h| by_hash.get(&h).copied()) {
                Some(c) => classes[c].push(i as u32),
                None => {
                    if let Some(h) = p.hash {
                        by_hash.insert(h, classes.len());
                    }
                    classes.push(vec![i as u32]);
                }
            }
        }
        let n = classes.len();
        let edges: Vec<Edge> = edges
            .into_iter()
            .filter(|e| (e.a as usize) < n && (e.b as usize) < n && e.a != e.b)
            .collect();
        Self {
            stats: BuildStats {
                photos: photos.len(),
                classes: n,
                edges: edges.len(),
                ..BuildStats::default()
            },
            photos,
            classes,
            edges,
            mirror: false,
            class_vectors: vec![None; n],
            class_semantic: vec![None; n],
            framed_alike: HashMap::new(),
            class_gray: vec![None; n],
            class_rows: vec![None; n],
            companions: Default::default(),
        }
    }

    /// Whether class `a` has something drawn over the picture (a caption, a logo) that class `b`,
    /// a copy framed alike, lacks.
    pub(crate) fn drawn_over(&self, a: u32, b: u32) -> bool {
        super::overlay::class_drawn_over(&self.framed_alike, a, b)
    }

    /// The representative photo of a class.
    pub fn representative(&self, class: u32) -> &PhotoEntry {
        &self.photos[self.classes[class as usize][0] as usize]
    }

    /// Cosine between two classes in the space the similar tier uses (semantic when present).
    pub fn class_similarity(&self, a: u32, b: u32) -> Option<f32> {
        let pick = |v: &[Option<Vec<f32>>]| match (&v[a as usize], &v[b as usize]) {
            (Some(x), Some(y)) => Some(dot(x, y)),
            _ => None,
        };
        pick(&self.class_semantic).or_else(|| pick(&self.class_vectors))
    }
}
