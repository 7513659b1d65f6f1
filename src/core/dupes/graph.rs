//! The candidate graph: photos folded into exact-copy classes, and scored edges between classes
//! found through the HNSW index (k nearest per class, never all pairs). Built once per scan; every
//! regrouping with other thresholds reads it again without touching the index or the disk.

pub use super::edge::Edge;
pub use super::graph_options::GraphOptions;
pub use super::input::{GraphInput, PhotoEntry};

use super::added_band::{self, PictureRows};
use super::band_candidates::{self, Bars};
use super::pair_cache::{PairCache, PairKey};
use super::pixel_check::{self, PixelMatch};
use super::symmetry;
use crate::core::error::{Error, Result};
use crate::core::index::VectorIndex;
use crate::core::neighbours::dot;
use crate::core::progress::{CancelFlag, Progress, ProgressUpdate};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

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
    /// Norm of each class's colour block when the class is colourful
    /// ([`symmetry::colour_norm`]), worked out once per class; empty in a graph made from parts
    /// (see [`CandidateGraph::colour_norm`]).
    pub(crate) class_colour: Vec<Option<f32>>,
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
pub(super) fn tick(progress: &dyn Progress, stage: &'static str, n: u64, total: u64, every: u64) {
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
            mut signatures,
            mut vectors,
            mut semantic,
        } = input;
        // 1. Exact classes.
        let classes = Self::from_parts(photos, Vec::new());
        let (photos, classes) = (classes.photos, classes.classes);
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
        // How colourful each class is, once: colours are compared per edge and per group member.
        let class_colour: Vec<Option<f32>> = class_vectors
            .par_iter()
            .map(|v| v.as_deref().and_then(symmetry::colour_norm))
            .collect();
        // 2. Candidate pairs through the index.
        let (mut edges, search_ms) = super::candidates::propose(
            &classes,
            &photos,
            &class_vectors,
            index,
            opts,
            progress,
            cancel,
        )?;
        crate::core::timeline::mark("dupes: candidate pairs proposed");
        // 3. Pixel checks (cached ones reused) and semantic scores.
        let started = Instant::now();
        let done = AtomicU64::new(0);
        let checked = AtomicU64::new(0);
        let hits = AtomicU64::new(0);
        let edge_count = edges.len() as u64;
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
                        let norm = |c: u32| class_colour[c as usize];
                        symmetry::colour_agreement_of(x, norm(e.a), y, norm(e.b))
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
        // Each class's signature, looked up once for the passes below.
        let sigs: Vec<Option<&[u8]>> = (0..classes.len())
            .map(|c| signatures.get(&rep_id(c)).map(Vec::as_slice))
            .collect();
        // One pass over the signatures: the caption bars of each (photos with one are compared
        // with photos the descriptor places far from them) and its mean gray level.
        let (bars, class_gray): (Vec<Option<Bars>>, Vec<Option<f32>>) = sigs
            .par_iter()
            .map(|s| match s {
                Some(s) => (band_candidates::bars(s), mean_gray(s)),
                None => (None, None),
            })
            .unzip();
        crate::core::timeline::mark("dupes: signatures looked at for caption bars");
        let (extra, extra_checks) = band_candidates::edges(
            &edges,
            &band_candidates::Context {
                classes: &classes,
                photos: &photos,
                sigs: &sigs,
                vectors: &class_vectors,
                colour: &class_colour,
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
        super::extended_canvas::rescore(&mut edges, &classes, &photos, &sigs, &bars);
        let class_rows = added_band::per_class(&edges, &classes, &photos, &sigs);
        drop(sigs);
        // Moved out of the input, not copied: the input is dropped here.
        let framed_alike =
            super::overlay::signatures_to_keep(&edges, &classes, &photos, &mut signatures);
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
            class_colour,
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
            class_colour: Vec::new(),
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

    /// The norm of class `c`'s colour block when it is colourful ([`symmetry::colour_norm`]).
    pub(crate) fn colour_norm(&self, c: u32) -> Option<f32> {
        match self.class_colour.get(c as usize) {
            Some(norm) => *norm,
            None => self
                .class_vectors
                .get(c as usize)?
                .as_deref()
                .and_then(symmetry::colour_norm),
        }
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

/// Mean gray level (0-255) of a signature; `None` when it is empty.
fn mean_gray(sig: &[u8]) -> Option<f32> {
    if sig.is_empty() {
        return None;
    }
    // Exact in `f32` (a sum of whole numbers under 2^24), as a sum of `f32`s was.
    let sum = sig.iter().fold(0u32, |s, &v| s.wrapping_add(u32::from(v)));
    Some(sum as f32 / sig.len() as f32)
}
