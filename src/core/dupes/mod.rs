//! Duplicate finding: exact copies, near duplicates (the same picture edited) and similar photos
//! (the same scene), with a keep-best rule, reference folders, an ignore list and a trash with undo.
//!
//! Flow: [`load_input`] gathers photos, hashes, signatures and vectors from the catalog;
//! [`graph::CandidateGraph::build`] asks the HNSW index for the k nearest of each distinct content
//! and pixel-checks the closer pairs on aligned signatures; [`groups`] turns the graph into groups
//! with the current [`Thresholds`] — cheap, so a slider can regroup on every change.

pub mod added_band;
mod band_candidates;
mod caption_band;
pub mod cluster;
pub mod diff_image;
mod extended_canvas;
pub mod frame_alignment;
pub mod graph;
pub mod ignore;
pub mod keep;
pub mod overlay;
pub mod pair_cache;
pub mod pixel_check;
mod pixel_math;
mod pixel_measure;
pub mod symmetry;

pub use cluster::{Thresholds, Tier};
pub use graph::{CandidateGraph, GraphInput, GraphOptions, PhotoEntry};
pub use ignore::IgnoreList;
pub use keep::KeepRule;
pub use pair_cache::PairCache;

use crate::core::catalog::PhotoInfo;
use crate::core::datadir::{DataDir, write_atomic};
use crate::core::embed::descriptor::Descriptor;
use crate::core::error::{Error, Result};
use crate::core::library::{Library, META_QUERY_EMBEDDER};
use crate::core::progress::{CancelFlag, Progress};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What the user chose for duplicates; persisted in the data dir.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DupeSettings {
    /// Per-tier thresholds.
    pub thresholds: Thresholds,
    /// Which photo of a group is kept.
    pub keep_rule: KeepRule,
    /// Folders whose photos are never offered for removal.
    pub reference_folders: Vec<PathBuf>,
}

impl DupeSettings {
    /// Load from `data_dir` (defaults when absent or unreadable: settings are not precious).
    pub fn load(data_dir: &Path) -> Self {
        let mut s: Self = std::fs::read(DataDir::at(data_dir).dupes_settings_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        s.keep_rule = s.keep_rule.with_new_criteria();
        s
    }

    /// Save atomically to `data_dir`.
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Other(format!("cannot encode duplicate settings: {e}")))?;
        write_atomic(&DataDir::at(data_dir).dupes_settings_path(), &json)
    }
}

/// One photo of a group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupMember {
    /// Catalog metadata.
    pub photo: PhotoInfo,
    /// Content hash.
    #[serde(skip)]
    pub hash: Option<[u8; 32]>,
    /// Relation to the group's centre photo.
    pub relation: Tier,
    /// Score of that relation (1 for identical copies).
    pub score: f32,
    /// In a reference folder: never offered for removal.
    pub protected: bool,
    /// Files that travel with this photo (its RAW or JPEG mate, Live Photo video, sidecars):
    /// shown as one item, kept or trashed together.
    pub companions: Vec<crate::core::pairs::Companion>,
    /// Ids of the group's photos that show this one's picture without what is drawn over it
    /// here (a caption, a logo): the keep rule prefers them. Found for a group's keeper only.
    #[serde(skip)]
    pub clean_versions: Vec<i64>,
}

impl GroupMember {
    /// Whether this item is a camera RAW or has its RAW beside it.
    pub fn raw_backed(&self) -> bool {
        crate::core::image_io::formats::raw::RawKind::is_raw_name(&self.photo.format)
            || self
                .companions
                .iter()
                .any(|c| c.kind == crate::core::pairs::CompanionKind::Raw)
    }

    /// Size of the photo and its companions.
    pub fn total_bytes(&self) -> u64 {
        self.photo.bytes
            + self
                .companions
                .iter()
                .filter_map(|c| std::fs::metadata(&c.path).ok())
                .map(|m| m.len())
                .sum::<u64>()
    }
}

/// A group of duplicates with the photo to keep.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DupeGroup {
    /// Loosest relation inside the group.
    pub tier: Tier,
    /// Photos, centre first.
    pub members: Vec<GroupMember>,
    /// Index in `members` of the photo to keep.
    pub keep: usize,
    /// Why the keep rule chose it, in words ("the RAW original", "highest resolution ...");
    /// "chosen by hand" once a person overrides it.
    pub keep_reason: String,
}

impl DupeGroup {
    /// Whether the group is a burst: its photos are one camera's shots seconds apart (see
    /// [`crate::core::bursts`]) — similar shots to pick the best of, more than copies.
    pub fn is_burst(&self) -> bool {
        crate::core::bursts::is_burst(self.members.iter().map(|m| &m.photo))
    }

    /// The photo that is kept.
    pub fn kept(&self) -> &GroupMember {
        &self.members[self.keep.min(self.members.len().saturating_sub(1))]
    }

    /// Override the keep choice; `false` when `index` is out of range.
    pub fn set_keep(&mut self, index: usize) -> bool {
        if index < self.members.len() {
            if index != self.keep {
                self.keep_reason = "chosen by hand".to_string();
            }
            self.keep = index;
            true
        } else {
            false
        }
    }

    /// Photos that would go to the trash: all but the kept one and protected ones.
    pub fn removable(&self) -> Vec<&GroupMember> {
        self.members
            .iter()
            .enumerate()
            .filter(|(i, m)| *i != self.keep && !m.protected)
            .map(|(_, m)| m)
            .collect()
    }

    /// Bytes freed by removing [`DupeGroup::removable`].
    pub fn reclaimable_bytes(&self) -> u64 {
        self.removable().iter().map(|m| m.photo.bytes).sum()
    }

    /// Content hashes of the members (for "not a duplicate").
    pub fn hashes(&self) -> Vec<[u8; 32]> {
        self.members.iter().filter_map(|m| m.hash).collect()
    }
}

/// Gather what the graph needs from the library's catalog.
pub fn load_input(lib: &Library) -> Result<GraphInput> {
    let hashes = lib.catalog.hashes()?;
    let photos = lib
        .catalog
        .photos()?
        .into_iter()
        .map(|info| PhotoEntry {
            hash: hashes.get(&info.id).copied(),
            info,
        })
        .collect();
    let vectors: HashMap<i64, Vec<f32>> =
        lib.catalog.vectors(Descriptor::ID)?.into_iter().collect();
    let semantic = match lib.catalog.meta(META_QUERY_EMBEDDER)? {
        Some(e) if e != Descriptor::ID => Some(
            lib.catalog
                .vectors(&e)?
                .into_iter()
                .collect::<HashMap<_, _>>(),
        ),
        _ => None,
    };
    Ok(GraphInput {
        photos,
        signatures: lib.catalog.signatures()?,
        vectors,
        semantic: semantic.filter(|s| !s.is_empty()),
    })
}

/// Build the candidate graph of an indexed library (loads the descriptor index). Pixel checks
/// of earlier scans are reused from the data dir's pair cache, and new ones added to it.
pub fn scan(
    lib: &Library,
    opts: &GraphOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<CandidateGraph> {
    let input = load_input(lib)?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    if input.vectors.is_empty() {
        return Err(Error::Other(format!(
            "no photos are indexed in {}: run `lookalike index LIBRARY_DIR` first",
            lib.data_dir.root().display()
        )));
    }
    let index = lib.open_index(&Descriptor::new())?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let root = lib.data_dir.root();
    let mut cache = PairCache::load(root);
    let graph = CandidateGraph::build(input, &index, opts, &mut cache, progress, cancel)?;
    // The cache only saves work: a data dir that cannot take it (read-only, full) still gets
    // its groups, and the next scan checks those pairs again.
    let _ = cache.save(root);
    Ok(graph)
}

/// The last step of every indexing run (CLI and GUI): pixel-check the new duplicate candidate
/// pairs, so `dupes` and the Duplicates view answer at once. Skipped when the run was
/// cancelled or changed nothing (and the pair cache exists). A cancellation here loses nothing:
/// the next scan checks what is missing. `Err` only for a real failure, which callers show as a
/// warning: the index itself is complete.
pub fn check_after_index(
    lib: &Library,
    report: &crate::core::indexer::IndexReport,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<()> {
    let changed = report.embedded + report.reused + report.moved + report.removed > 0;
    let has_photos = lib.catalog.counts()?.0 > 0;
    let cache_exists = lib.data_dir.dupes_pairs_path().exists();
    if report.cancelled || !has_photos || (!changed && cache_exists) {
        return Ok(());
    }
    let opts = GraphOptions::with_mirror(DupeSettings::load(lib.data_dir.root()).thresholds.mirror);
    match scan(lib, &opts, progress, cancel) {
        Ok(_) | Err(Error::Cancelled) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Group the graph with `settings`, skipping what `ignore` marks; largest savings first.
pub fn groups(
    graph: &CandidateGraph,
    settings: &DupeSettings,
    ignore: &IgnoreList,
) -> Vec<DupeGroup> {
    // Resolve ignore marks to class indices once, so grouping does no hashing per edge.
    let mut class_of_hex: HashMap<String, u32> = HashMap::new();
    if !ignore.is_empty() {
        for c in 0..graph.classes.len() as u32 {
            if let Some(h) = graph.representative(c).hash {
                class_of_hex.insert(ignore::hash_hex(&h), c);
            }
        }
    }
    let ignored_pairs: HashSet<(u32, u32)> = ignore
        .pairs()
        .filter_map(|(a, b)| Some((*class_of_hex.get(a)?, *class_of_hex.get(b)?)))
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    let ignored_copies: HashSet<u32> = ignore
        .copies()
        .filter_map(|h| class_of_hex.get(h).copied())
        .collect();
    let pair_ignored = |a: u32, b: u32| ignored_pairs.contains(&(a.min(b), a.max(b)));
    let copies_ignored = |c: u32| ignored_copies.contains(&c);
    let class_groups =
        cluster::group_classes(graph, &settings.thresholds, &pair_ignored, &copies_ignored);
    let mut out: Vec<DupeGroup> = class_groups
        .into_iter()
        .filter_map(|g| {
            let mut members = Vec::new();
            let mut class_of_id: HashMap<i64, u32> = HashMap::new();
            for (c, relation, score) in &g.classes {
                for (i, &p) in graph.classes[*c as usize].iter().enumerate() {
                    let entry = &graph.photos[p as usize];
                    // Copies of the centre are exact; copies of a member share its relation.
                    let (relation, score) = if i > 0 && *c == g.center {
                        (Tier::Exact, 1.0)
                    } else {
                        (*relation, *score)
                    };
                    class_of_id.insert(entry.info.id, *c);
                    let mut photo = entry.info.clone();
                    // A caption bar added outside the picture is no more picture than a frame.
                    if let Some(rows) = graph.class_rows.get(*c as usize).copied().flatten() {
                        photo.content_box = Some(rows.narrow(photo.content_box));
                    }
                    members.push(GroupMember {
                        photo,
                        hash: entry.hash,
                        relation,
                        score,
                        protected: keep::in_reference(
                            &entry.info.path,
                            &settings.reference_folders,
                        ),
                        companions: graph.companions.companions(&entry.info.path),
                        clean_versions: Vec::new(),
                    });
                }
            }
            let members = merge_companions(members);
            if members.len() < 2 {
                // A RAW and its own JPEG (or a Live Photo and its video) are one item, not
                // duplicates of each other.
                return None;
            }
            let mut group = with_keeper(g.tier, members, settings)?;
            // A keeper with a caption or logo drawn over the picture that a member of the same
            // picture size lacks gives way to it, as long as the next keeper has one too.
            for _ in 0..group.members.len() {
                let kept = group.kept();
                let Some(&kc) = class_of_id.get(&kept.photo.id) else {
                    break;
                };
                let size = kept.photo.picture_pixels();
                let clean: Vec<i64> = group
                    .members
                    .iter()
                    .filter(|m| (m.photo.picture_pixels() - size).abs() <= 0.03 * size)
                    .filter_map(|m| Some((m.photo.id, *class_of_id.get(&m.photo.id)?)))
                    .filter(|&(_, c)| c != kc && graph.drawn_over(kc, c))
                    .map(|(id, _)| id)
                    .collect();
                if clean.is_empty() {
                    break;
                }
                let keep = group.keep;
                group.members[keep].clean_versions.extend(clean);
                group = with_keeper(group.tier, group.members, settings)?;
            }
            Some(group)
        })
        .collect();
    sort_by_savings(&mut out);
    out
}

/// A group of `members` with the keeper the keep rule chooses (and why).
fn with_keeper(
    tier: Tier,
    members: Vec<GroupMember>,
    settings: &DupeSettings,
) -> Option<DupeGroup> {
    let entries: Vec<PhotoEntry> = members
        .iter()
        .map(|m| PhotoEntry {
            info: m.photo.clone(),
            hash: m.hash,
        })
        .collect();
    let refs: Vec<&PhotoEntry> = entries.iter().collect();
    let raw_backed: Vec<bool> = members.iter().map(GroupMember::raw_backed).collect();
    let ids: HashSet<i64> = members.iter().map(|m| m.photo.id).collect();
    let drawn_over: Vec<bool> = members
        .iter()
        .map(|m| m.clean_versions.iter().any(|id| ids.contains(id)))
        .collect();
    let choice = settings.keep_rule.choose_with_drawn(
        &refs,
        &raw_backed,
        &drawn_over,
        &settings.reference_folders,
    )?;
    Some(DupeGroup {
        tier,
        members,
        keep: choice.index,
        keep_reason: choice.reason,
    })
}

/// Largest savings first; ties by the kept photo's path.
fn sort_by_savings(groups: &mut [DupeGroup]) {
    groups.sort_by(|a, b| {
        b.reclaimable_bytes()
            .cmp(&a.reclaimable_bytes())
            .then(a.kept().photo.path.cmp(&b.kept().photo.path))
    });
}

/// Only the members of `groups` that pass `filter`: a group keeps its matching members and is
/// dropped when fewer than two match (members outside the filter are neither listed nor
/// trashed). A group whose kept photo no longer matches gets a new one from the keep rule, among
/// the matching members; largest savings first, as [`groups`] orders them.
pub fn filter_groups(
    groups: Vec<DupeGroup>,
    filter: &crate::core::filter::PhotoFilter,
    settings: &DupeSettings,
) -> Vec<DupeGroup> {
    if filter.is_empty() {
        return groups;
    }
    let m = filter.matcher();
    let mut out: Vec<DupeGroup> = groups
        .into_iter()
        .filter_map(|g| {
            let kept_id = g.kept().photo.id;
            let members: Vec<GroupMember> = g
                .members
                .into_iter()
                .filter(|member| m.matches(&member.photo))
                .collect();
            if members.len() < 2 {
                return None;
            }
            // The loosest relation left (relations are to the group's centre).
            let tier = members.iter().map(|x| x.relation).max().unwrap_or(g.tier);
            if let Some(keep) = members.iter().position(|x| x.photo.id == kept_id) {
                return Some(DupeGroup {
                    tier,
                    members,
                    keep,
                    keep_reason: g.keep_reason,
                });
            }
            with_keeper(tier, members, settings)
        })
        .collect();
    sort_by_savings(&mut out);
    out
}

/// Move the removable photos of `groups` (never a group's keeper or a protected photo) to the
/// trash through the one journaled trash path ([`Library::trash`]).
pub fn trash_groups(
    lib: &mut Library,
    mover: &dyn crate::core::trash::Mover,
    groups: &[DupeGroup],
) -> Result<crate::core::trash::TrashReport> {
    use crate::core::trash::TrashRequest;
    // Never move a kept or protected photo, nor anything that travels with one.
    let keep: HashSet<&Path> = groups
        .iter()
        .flat_map(|g| {
            g.members
                .iter()
                .enumerate()
                .filter(|(i, m)| *i == g.keep || m.protected)
                .flat_map(|(_, m)| {
                    std::iter::once(m.photo.path.as_path())
                        .chain(m.companions.iter().map(|c| c.path.as_path()))
                })
        })
        .collect();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut requests: Vec<TrashRequest> = Vec::new();
    for m in groups.iter().flat_map(|g| g.removable()) {
        if keep.contains(m.photo.path.as_path()) || !seen.insert(m.photo.path.clone()) {
            continue;
        }
        requests.push(TrashRequest {
            id: Some(m.photo.id),
            path: m.photo.path.clone(),
            hash: m.hash.as_ref().map(ignore::hash_hex),
            bytes: m.photo.bytes,
        });
        for c in &m.companions {
            if !keep.contains(c.path.as_path()) && seen.insert(c.path.clone()) {
                requests.push(lib.companion_request(&c.path)?);
            }
        }
    }
    lib.trash(mover, &requests)
}

/// Fold members that are companions of another member (a RAW's own JPEG, a Live Photo's
/// video) into that member: the RAW (else the still photo) stands for the pair.
fn merge_companions(mut members: Vec<GroupMember>) -> Vec<GroupMember> {
    use crate::core::pairs::{Companion, CompanionKind};
    // Stand-ins first: RAWs, then stills, so a JPEG folds into its RAW and a video into its still.
    let rank = |m: &GroupMember| {
        if m.raw_backed()
            && crate::core::image_io::formats::raw::RawKind::is_raw_name(&m.photo.format)
        {
            0
        } else if crate::core::video::is_video_path(&m.photo.path) {
            2
        } else {
            1
        }
    };
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| rank(&members[i]));
    let mut absorbed = vec![false; members.len()];
    for &i in &order {
        if absorbed[i] {
            continue;
        }
        for &j in &order {
            if i == j || absorbed[j] {
                continue;
            }
            let mate = members[i]
                .companions
                .iter()
                .any(|c| c.path == members[j].photo.path && c.kind != CompanionKind::Sidecar);
            if mate {
                absorbed[j] = true;
                let extra: Vec<Companion> = members[j].companions.clone();
                let protected = members[j].protected;
                let host = &mut members[i];
                for c in extra {
                    if c.path != host.photo.path && !host.companions.contains(&c) {
                        host.companions.push(c);
                    }
                }
                host.protected |= protected;
            }
        }
    }
    members
        .into_iter()
        .zip(absorbed)
        .filter(|(_, a)| !a)
        .map(|(m, _)| m)
        .collect()
}
