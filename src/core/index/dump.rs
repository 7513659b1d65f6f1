//! Saving and loading an index: the dump folder (graph, slot list, flat snapshot, manifest),
//! published atomically through a pointer file, and verified before hnsw_rs sees it.

use super::{FlatStore, UnitCosine, VectorIndex, flat_from, flat_store};
use crate::core::datadir::write_atomic;
use crate::core::error::{Error, Result};
use crate::core::vectors_file;
use hnsw_rs::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    embedder: String,
    dim: usize,
    count: usize,
    epoch: String,
    files: Vec<(String, String)>,
}

impl VectorIndex {
    /// Dump to `dir` atomically (a crash leaves the previous dump in place). `epoch` is the
    /// catalog's epoch this index reflects.
    pub fn save(&mut self, dir: &Path, epoch: &str) -> Result<()> {
        if self.needs_compaction() {
            self.compact();
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let sub = format!("{}-{}-{}", self.embedder, std::process::id(), stamp);
        let target = dir.join(&sub);
        std::fs::create_dir_all(&target).map_err(|e| Error::io("cannot create", &target, e))?;
        let (count, files) = match &self.flat {
            Some(f) => {
                // A large library's dump: its snapshot files (see flat_store.rs).
                let files = f
                    .write_dump(&target)
                    .map_err(|e| Error::io("cannot write", &target, e))?;
                (f.len(), files)
            }
            // hnsw_rs cannot dump a graph without points (a first run cancelled before it
            // wrote a photo): the manifest alone says the index is empty.
            None if self.hnsw.get_nb_point() == 0 => (0, Vec::new()),
            None => self.dump_graph(&target)?,
        };
        let manifest = Manifest {
            embedder: self.embedder.clone(),
            dim: self.dim,
            count,
            epoch: epoch.to_string(),
            files,
        };
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Index(format!("cannot encode manifest: {e}")))?;
        write_atomic(&target.join("manifest.json"), &json)?;
        // Publish: the pointer file names the current dump; older dumps are then removed.
        let pointer = pointer_path(dir, &self.embedder);
        let previous = std::fs::read_to_string(&pointer).ok();
        write_atomic(&pointer, sub.as_bytes())?;
        if let Some(f) = &mut self.flat {
            // Later searches read the new files (the old ones are removed below).
            if !f.rebase(&target, &manifest.files) {
                return Err(Error::Index(format!(
                    "cannot read back the index just saved in {}",
                    target.display()
                )));
            }
        }
        if let Some(prev) = previous {
            let prev = prev.trim();
            if !prev.is_empty() && prev != sub && !prev.contains('/') && !prev.contains("..") {
                let _ = std::fs::remove_dir_all(dir.join(prev));
            }
        }
        self.dirty = false;
        Ok(())
    }

    /// Write the graph, its slot list and its flat snapshot into the dump folder `target`;
    /// returns the live count and each file's checksum.
    fn dump_graph(&self, target: &Path) -> Result<(usize, Vec<(String, String)>)> {
        self.hnsw
            .file_dump(target, "hnsw")
            .map_err(|e| Error::Index(format!("cannot save index in {}: {e}", target.display())))?;
        let mut pairs: Vec<(usize, i64)> = self.slots.iter().map(|(s, i)| (*s, *i)).collect();
        pairs.sort_unstable();
        let mut slot_bytes = Vec::with_capacity(pairs.len() * 17);
        for (slot, id) in &pairs {
            slot_bytes.extend((*slot as u64).to_le_bytes());
            slot_bytes.extend(id.to_le_bytes());
            slot_bytes.push(u8::from(self.tombstones.contains(slot)));
        }
        write_atomic(&target.join("slots.bin"), &slot_bytes)?;
        // The flat snapshot one-shot queries read (see vectors_file.rs and flat_index.rs).
        let points = self.live_points();
        let mut live: Vec<(i64, &[f32])> = points.iter().map(|(id, p)| (*id, p.get_v())).collect();
        live.sort_unstable_by_key(|x| x.0);
        let flat_path = target.join(vectors_file::FILE);
        let flat_hash = vectors_file::write(&flat_path, self.dim, &live)
            .map_err(|e| Error::io("cannot write", &flat_path, e))?;
        drop(live);
        drop(points);
        let mut files = vec![(vectors_file::FILE.to_string(), flat_hash)];
        for name in ["hnsw.hnsw.graph", "hnsw.hnsw.data", "slots.bin"] {
            let p = target.join(name);
            let bytes = std::fs::read(&p).map_err(|e| Error::io("cannot read", &p, e))?;
            if let Ok(f) = std::fs::File::open(&p) {
                let _ = f.sync_all();
            }
            files.push((name.to_string(), blake3::hash(&bytes).to_hex().to_string()));
        }
        Ok((pairs.len(), files))
    }
}

impl VectorIndex {
    /// Whether `dir` holds an intact-looking dump of `embedder` that reflects catalog `epoch`
    /// (its files are verified when it is loaded).
    pub fn dump_is_current(dir: &Path, embedder: &str, dim: usize, epoch: &str) -> bool {
        current_manifest(dir, embedder, dim).is_ok_and(|(_, m)| m.epoch == epoch)
    }

    /// The current dump of a large library's `embedder` in `dir` (snapshot files, no graph),
    /// when it reflects catalog `epoch`: what answers a one-shot query when the dump holds
    /// deltas beside its base snapshot.
    pub fn open_current_layers(
        dir: &Path,
        embedder: &str,
        dim: usize,
        epoch: &str,
    ) -> Option<Self> {
        // The manifest alone tells a graph's dump (not loaded here: seconds) from snapshots.
        let (_, manifest) = current_manifest(dir, embedder, dim).ok()?;
        if manifest.epoch != epoch || manifest.files.iter().any(|(n, _)| n == "slots.bin") {
            return None;
        }
        let (idx, dump_epoch) = load_dump(dir, embedder, dim).ok()?;
        (dump_epoch == epoch && idx.is_flat()).then_some(idx)
    }

    /// Path and checksum of `name` in the current dump of `embedder` in `dir`, when that dump
    /// is for this embedder and dimension and reflects catalog `epoch`.
    pub(crate) fn current_dump_file(
        dir: &Path,
        embedder: &str,
        dim: usize,
        epoch: &str,
        name: &str,
    ) -> Option<(PathBuf, String)> {
        let (target, manifest) = current_manifest(dir, embedder, dim).ok()?;
        if manifest.epoch != epoch {
            return None;
        }
        // A snapshot with deltas beside it is not the whole index: open the index instead.
        let layered = manifest
            .files
            .iter()
            .any(|(n, _)| n.starts_with("delta-") || n == flat_store::REMOVED_FILE);
        if layered && name == vectors_file::FILE {
            return None;
        }
        let (_, hash) = manifest.files.iter().find(|(n, _)| n == name)?;
        Some((target.join(name), hash.clone()))
    }
}

fn pointer_path(dir: &Path, embedder: &str) -> PathBuf {
    dir.join(format!("{embedder}.current"))
}

/// The folder and manifest of the current dump of `embedder` (`dim`-d vectors) in `dir`; the
/// error string says why there is none.
fn current_manifest(
    dir: &Path,
    embedder: &str,
    dim: usize,
) -> std::result::Result<(PathBuf, Manifest), String> {
    let (target, manifest) = read_manifest(dir, embedder)?;
    if manifest.embedder != embedder || manifest.dim != dim {
        return Err(format!(
            "index was built by {} ({}-d), not {embedder}",
            manifest.embedder, manifest.dim
        ));
    }
    Ok((target, manifest))
}

/// The dump folder the pointer of `embedder` names, with its manifest (not yet checked
/// against the embedder).
fn read_manifest(dir: &Path, embedder: &str) -> std::result::Result<(PathBuf, Manifest), String> {
    let sub = std::fs::read_to_string(pointer_path(dir, embedder))
        .map_err(|_| "no saved index".to_string())?;
    let sub = sub.trim();
    if sub.is_empty() || sub.contains('/') || sub.contains("..") {
        return Err("index pointer file is corrupt".into());
    }
    let target = dir.join(sub);
    let manifest: Manifest = std::fs::read(target.join("manifest.json"))
        .map_err(|e| format!("index manifest unreadable: {e}"))
        .and_then(|b| {
            serde_json::from_slice(&b).map_err(|e| format!("index manifest corrupt: {e}"))
        })?;
    Ok((target, manifest))
}

impl VectorIndex {
    /// The dimension of the index saved for `embedder` in `dir` (from its manifest), to open
    /// it without the embedder's model; `None` when none is saved or it cannot be read.
    pub fn saved_dim(dir: &Path, embedder: &str) -> Option<usize> {
        let (_, manifest) = read_manifest(dir, embedder).ok()?;
        (manifest.embedder == embedder).then_some(manifest.dim)
    }
}

/// Load and verify a dump; the error string says why it is unusable.
pub(super) fn load_dump(
    dir: &Path,
    embedder: &str,
    dim: usize,
) -> std::result::Result<(VectorIndex, String), String> {
    let (target, manifest) = current_manifest(dir, embedder, dim)?;
    if manifest.count == 0 && manifest.files.is_empty() {
        let mut idx = VectorIndex::new(embedder, dim, 0);
        idx.dirty = false;
        return Ok((idx, manifest.epoch));
    }
    if !manifest.files.iter().any(|(n, _)| n == "slots.bin") {
        // A large library's dump: its snapshot files alone.
        let mut layers = Vec::new();
        let mut removed = Vec::new();
        for (name, hash) in &manifest.files {
            let path = target.join(name);
            if name == flat_store::REMOVED_FILE {
                removed = flat_store::read_removed(&path, hash)
                    .ok_or("index removed list is corrupt (checksum mismatch)")?;
                continue;
            }
            let index = crate::core::flat_index::FlatIndex::open_file(&path, hash, embedder, dim)
                .ok_or_else(|| {
                format!("index snapshot {name} is corrupt (checksum mismatch)")
            })?;
            let file = flat_store::LayerFile {
                path,
                hash: hash.clone(),
                spilled: false,
            };
            layers.push((index, file));
        }
        if layers.is_empty() {
            return Err("index manifest lists no files".into());
        }
        let mut idx = VectorIndex::new(embedder, dim, 0);
        idx.flat = Some(FlatStore::from_layers(embedder, dim, layers, &removed));
        idx.dirty = false;
        return Ok((idx, manifest.epoch));
    }
    // The flat snapshot is not part of the graph; FlatIndex verifies it when it reads it.
    for (name, hash) in manifest
        .files
        .iter()
        .filter(|(n, _)| n != vectors_file::FILE)
    {
        let bytes =
            std::fs::read(target.join(name)).map_err(|e| format!("index file {name}: {e}"))?;
        if blake3::hash(&bytes).to_hex().as_str() != hash {
            return Err(format!("index file {name} is corrupt (checksum mismatch)"));
        }
    }
    let slot_bytes = std::fs::read(target.join("slots.bin")).map_err(|e| e.to_string())?;
    let mut slots = HashMap::new();
    let mut live = HashMap::new();
    let mut tombstones = HashSet::new();
    for c in slot_bytes.chunks_exact(17) {
        let slot = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as usize;
        let id = i64::from_le_bytes([c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]]);
        slots.insert(slot, id);
        if c[16] == 0 {
            live.insert(id, slot);
        } else {
            tombstones.insert(slot);
        }
    }
    if slots.len() != manifest.count {
        return Err("index slot list does not match its manifest".into());
    }
    let next_slot = slots.keys().max().map_or(0, |m| m + 1);
    let target_for_load = target.clone();
    let hnsw = crate::core::guard::catch(move || {
        // hnsw_rs ties the graph's lifetime to its loader: leak the (small) loader so the graph
        // can be owned for the rest of the process. This happens once per index load.
        let io: &'static mut HnswIo = Box::leak(Box::new(HnswIo::new(&target_for_load, "hnsw")));
        io.load_hnsw::<f32, UnitCosine>()
    })
    .map_err(|_| "index loader crashed on the dump".to_string())?
    .map_err(|e| format!("index dump unreadable: {e}"))?;
    if hnsw.get_nb_point() != slots.len() {
        return Err("index dump has the wrong number of points".into());
    }
    Ok((
        VectorIndex {
            embedder: embedder.to_string(),
            dim,
            hnsw,
            slots,
            live,
            tombstones,
            next_slot,
            dirty: false,
            rebuild_reason: None,
            flat: None,
            flat_from: flat_from(),
            dir: None,
        },
        manifest.epoch,
    ))
}
