//! Writing a large library's store: spilling a large tail to a file during a run, and saving
//! into a dump folder, either as the layers' files (linked, not copied) plus the tail as a new
//! delta, or as one new base rewritten from all of them.

use super::{FlatStore, Layer, MAX_LAYERS, Place};
use crate::core::flat_index::FlatIndex;
use crate::core::vectors_file::{self, MergeSource, ReadRows};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A save rewrites the store as one base once the rows written after the base (deltas, tail,
/// removed rows) reach the base's size divided by this.
const DELTA_SHARE: usize = 4;
/// Bytes of tail vectors from which the tail is spilled to a file (see [`spill_rows`]).
const SPILL_BYTES: usize = 256 << 20;
/// Deltas from this many rows on are written partitioned (a smaller one is scanned whole).
const DELTA_PARTITION_FROM: usize = 20_000;
/// Name of the list of removed photos in a dump folder.
pub(in crate::core::index) const REMOVED_FILE: &str = "removed.bin";

/// Tail vectors (of dimension `dim`) from which a store spills them to a file: 256 MB of them
/// (52k Lite0 vectors, 139k descriptors). `LOOKALIKE_SPILL_ROWS` sets another count (tests).
pub(in crate::core::index) fn spill_rows(dim: usize) -> usize {
    std::env::var("LOOKALIKE_SPILL_ROWS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(SPILL_BYTES / (4 * dim.max(1)))
        .max(1)
}

/// The name of delta layer `l` in a dump folder.
pub(in crate::core::index) fn delta_name(l: usize) -> String {
    format!("delta-{l}.bin")
}

/// Where a layer's file is, and its head checksum.
pub(in crate::core::index) struct LayerFile {
    pub path: PathBuf,
    pub hash: String,
    /// A file spilled during this run: not in any dump yet, removed once saved.
    pub spilled: bool,
}

impl FlatStore {
    /// Write the tail to a spill file in the index folder and make it a layer. On failure the
    /// tail stays in memory, and so does every later one.
    pub(super) fn spill(&mut self) {
        let Some(dir) = self.spill_dir.clone() else {
            return;
        };
        let _ = std::fs::create_dir_all(&dir);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = dir.join(format!(
            ".spill-{}-{}-{stamp}.bin",
            self.embedder,
            std::process::id()
        ));
        // The spills of one run hold rows of one library, spilled at one size: the first one's
        // centroids serve the others (k-means once per run, not once per spill).
        let like = self
            .layers
            .iter()
            .rev()
            .find(|l| l.file.spilled)
            .and_then(|l| l.index.partitions());
        let written = self.write_tail(&path, 1, like).and_then(|hash| {
            FlatIndex::open_file(&path, &hash, &self.embedder, self.dim)
                .map(|index| (index, hash))
                .ok_or_else(|| std::io::Error::other("cannot read back the spilled vectors"))
        });
        let (index, hash) = match written {
            Ok(found) => found,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                crate::core::timeline::mark(format!(
                    "cannot spill new vectors to {} ({e}): keeping them in memory",
                    path.display()
                ));
                self.spill_dir = None;
                return;
            }
        };
        let l = self.layers.len();
        for (row, id) in index.ids().iter().enumerate() {
            if l == 0 {
                // The first file is the base: its rows need no entry.
                self.moved.remove(id);
            } else {
                self.moved.insert(*id, Place::Layer(l as u32, row as u32));
            }
        }
        if l == 0 {
            self.base_rows = std::sync::OnceLock::new();
        }
        self.dead.push(0);
        self.layers.push(Layer {
            index,
            file: LayerFile {
                path,
                hash,
                spilled: true,
            },
        });
        self.tail.clear();
    }

    /// Write the tail, sorted by id, to `path` (partitioned from `partition_from` rows on,
    /// with the centroids of `like` while they fit); returns its head checksum.
    fn write_tail(
        &self,
        path: &Path,
        partition_from: usize,
        like: Option<&vectors_file::Partitions>,
    ) -> std::io::Result<String> {
        let items = self.sorted_tail();
        if items.len() < partition_from {
            return vectors_file::write_with(path, self.dim, &items, usize::MAX, None);
        }
        let read = |rows: Range<usize>| read_items(&items, rows);
        let source = MergeSource {
            rows: listed(&items),
            kept: None,
            read: &read,
        };
        vectors_file::write_merged(path, self.dim, &[source], like)
    }

    /// Write every live vector into the dump folder `target`; returns each file's name and
    /// checksum for the manifest (the base first, then the deltas, then the removed list).
    /// The store is unchanged: call [`Self::rebase`] once the dump is published.
    pub(in crate::core::index) fn write_dump(
        &self,
        target: &Path,
    ) -> std::io::Result<Vec<(String, String)>> {
        let base = self.layers.first().map_or(0, |b| b.index.len());
        let newer: usize = self
            .layers
            .iter()
            .skip(1)
            .map(|l| l.index.len())
            .sum::<usize>()
            + self.tail.len()
            + self.dead.iter().sum::<usize>();
        let layered = !self.layers.is_empty()
            && self.layers.len() < MAX_LAYERS
            && newer * DELTA_SHARE <= base;
        if layered {
            match self.write_layers(target) {
                Ok(files) => return Ok(files),
                // A file system without hard links: rewrite instead.
                Err(_) => clear_folder(target),
            }
        }
        let path = target.join(vectors_file::FILE);
        let hash = self.write_compacted(&path)?;
        Ok(vec![(vectors_file::FILE.to_string(), hash)])
    }

    /// The layers' files linked into `target`, the tail written as a new delta, and the list
    /// of removed photos.
    fn write_layers(&self, target: &Path) -> std::io::Result<Vec<(String, String)>> {
        let mut files = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            let name = match l {
                0 => vectors_file::FILE.to_string(),
                _ => delta_name(l),
            };
            std::fs::hard_link(&layer.file.path, target.join(&name))?;
            files.push((name, layer.file.hash.clone()));
        }
        if !self.tail.is_empty() {
            let name = delta_name(self.layers.len());
            let hash = self.write_tail(&target.join(&name), DELTA_PARTITION_FROM, None)?;
            files.push((name, hash));
        }
        let mut removed: Vec<i64> = self
            .moved
            .iter()
            .filter(|(_, p)| **p == Place::Gone)
            .map(|(id, _)| *id)
            .collect();
        if !removed.is_empty() {
            removed.sort_unstable();
            let bytes: Vec<u8> = removed.iter().flat_map(|id| id.to_le_bytes()).collect();
            crate::core::datadir::write_atomic(&target.join(REMOVED_FILE), &bytes)
                .map_err(std::io::Error::other)?;
            files.push((
                REMOVED_FILE.to_string(),
                blake3::hash(&bytes).to_hex().to_string(),
            ));
        }
        Ok(files)
    }

    /// Every live vector rewritten into one partitioned file at `path`, read a block at a
    /// time; the base's centroids are kept while they fit. Returns its head checksum.
    fn write_compacted(&self, path: &Path) -> std::io::Result<String> {
        let base_parts = self.layers.first().and_then(|b| b.index.partitions());
        let mut lists = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let rows: Vec<(usize, i64)> = layer
                .index
                .ids()
                .iter()
                .enumerate()
                .filter(|(_, id)| self.live_in(l, **id))
                .map(|(row, id)| (row, *id))
                .collect();
            // The base's rows are stored grouped by its partitions: each row's is known.
            let kept = match (l, base_parts) {
                (0, Some(parts)) => Some(
                    rows.iter()
                        .map(|(row, _)| {
                            parts
                                .offsets()
                                .partition_point(|o| *o <= *row)
                                .saturating_sub(1) as u32
                        })
                        .collect(),
                ),
                _ => None,
            };
            lists.push((rows, kept));
        }
        let reads: Vec<Box<ReadRows<'_>>> = self
            .layers
            .iter()
            .map(|layer| {
                let index = &layer.index;
                Box::new(move |rows: Range<usize>| Ok(index.read_rows(rows))) as Box<ReadRows<'_>>
            })
            .collect();
        let tail = self.sorted_tail();
        let read_tail = |rows: Range<usize>| read_items(&tail, rows);
        let mut sources: Vec<MergeSource<'_>> = lists
            .into_iter()
            .zip(&reads)
            .map(|((rows, kept), read)| MergeSource {
                rows,
                kept,
                read: read.as_ref(),
            })
            .collect();
        sources.push(MergeSource {
            rows: listed(&tail),
            kept: None,
            read: &read_tail,
        });
        vectors_file::write_merged(path, self.dim, &sources, base_parts)
    }

    /// Make the dump just written into `target` (its `files`, as [`Self::write_dump`] returned
    /// them) this store's layers: the tail is then empty and spilled files are removed.
    /// Returns `false` (and changes nothing) when it cannot be read back.
    pub(in crate::core::index) fn rebase(
        &mut self,
        target: &Path,
        files: &[(String, String)],
    ) -> bool {
        let mut layers = Vec::new();
        let mut removed = Vec::new();
        for (name, hash) in files {
            let path = target.join(name);
            if name == REMOVED_FILE {
                match read_removed(&path, hash) {
                    Some(ids) => removed = ids,
                    None => return false,
                }
                continue;
            }
            let Some(index) = FlatIndex::open_file(&path, hash, &self.embedder, self.dim) else {
                return false;
            };
            let file = LayerFile {
                path,
                hash: hash.clone(),
                spilled: false,
            };
            layers.push((index, file));
        }
        let spilled: Vec<PathBuf> = self
            .layers
            .iter()
            .filter(|l| l.file.spilled)
            .map(|l| l.file.path.clone())
            .collect();
        let (spill_dir, spill_at) = (self.spill_dir.take(), self.spill_at);
        *self = Self::from_layers(&self.embedder, self.dim, layers, &removed);
        self.spill_dir = spill_dir;
        self.spill_at = spill_at;
        for path in spilled {
            let _ = std::fs::remove_file(path);
        }
        true
    }
}

/// The vectors of `items` (id, vector) at positions `rows`, concatenated: a merge source in
/// memory.
fn read_items(items: &[(i64, &[f32])], rows: Range<usize>) -> std::io::Result<Vec<f32>> {
    let picked = items
        .get(rows)
        .ok_or_else(|| std::io::Error::other("no such tail row"))?;
    Ok(picked.iter().flat_map(|(_, v)| v.iter().copied()).collect())
}

/// Every one of `items` listed for a merge source: its position and id.
fn listed(items: &[(i64, &[f32])]) -> Vec<(usize, i64)> {
    items
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (i, *id))
        .collect()
}

/// The photo ids of a dump's removed list at `path`, if its checksum is `hash`.
pub(in crate::core::index) fn read_removed(path: &Path, hash: &str) -> Option<Vec<i64>> {
    let bytes = std::fs::read(path).ok()?;
    (blake3::hash(&bytes).to_hex().as_str() == hash && bytes.len() % 8 == 0)
        .then(|| vectors_file::i64s_le(&bytes))
}

/// Remove the files of a half-written dump folder (it is written again).
fn clear_folder(target: &Path) {
    if let Ok(entries) = std::fs::read_dir(target) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Remove the spill files left in the index folder `dir` by runs that ended without saving
/// them. Only an indexing run calls it, before it writes anything: it holds the writer lock,
/// so no other run is spilling there.
pub(in crate::core::index) fn remove_spills(dir: &Path) {
    let stale: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".spill-"))
        .map(|e| e.path())
        .collect();
    for path in stale {
        let _ = std::fs::remove_file(path);
    }
}
