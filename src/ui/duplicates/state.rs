//! What the duplicates view knows: the scanned graph, the settings it is grouped with, the groups,
//! the user's keep choices and removal marks, and the commands waiting for the worker.
//!
//! No egui here (the compare view's zoom, pan and textures belong to the view), so the rules
//! (what is marked, what moves) are testable on their own. Keep choices and marks are keyed by
//! path, so they survive regrouping with other thresholds.

use crate::core::dupes::diff_image::DiffImages;
use crate::core::dupes::{self, CandidateGraph, DupeGroup, DupeSettings, IgnoreList};
use crate::core::filter::PhotoFilter;
use crate::worker::Command;
use crate::worker::dupes::DupesCommand;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Where the scan is.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanState {
    /// No scan running.
    Idle,
    /// A scan is running.
    Running {
        /// Stage name.
        stage: String,
        /// Items done.
        done: u64,
        /// Items in the stage, when known.
        total: Option<u64>,
    },
    /// The last scan failed or was cancelled.
    Failed(String),
}

/// The state of the duplicates view.
pub struct DupesState {
    pub(super) graph: Option<Arc<CandidateGraph>>,
    /// Thresholds, keep rule and reference folders (persisted in the data dir).
    pub settings: DupeSettings,
    pub(super) saved_settings: DupeSettings,
    pub(super) ignore: IgnoreList,
    pub(super) groups: Vec<DupeGroup>,
    /// Photos the user chose to keep (override of the keep rule in their group).
    pub(super) keep_pins: HashSet<PathBuf>,
    /// Explicit marks: `true` = remove, `false` = leave alone.
    pub(super) marks: HashMap<PathBuf, bool>,
    /// Photos moved away since the scan (hidden until undone).
    pub(super) moved: HashSet<PathBuf>,
    /// The group with the keyboard focus.
    pub selected: usize,
    /// The photo with the keyboard focus in the selected group.
    pub member: usize,
    /// Scroll the list to the selected group on the next frame.
    pub scroll_to_selected: bool,
    /// Groups drawn in the last frame (some maybe only in part).
    pub visible_rows: std::ops::Range<usize>,
    /// Scan progress.
    pub scan: ScanState,
    /// The library changed since the scan.
    pub stale: bool,
    /// A scan was asked for (the view scans once by itself).
    pub requested: bool,
    /// The user asked to stop the running scan (the app tells the worker).
    pub cancel_requested: bool,
    /// The compare view is open, with this member of the selected group on the right (B).
    pub compare: Option<usize>,
    /// A move the user asked for, handed to the window's one trash confirmation.
    pub confirm: Option<crate::ui::trash::TrashPlan>,
    /// Last difference images: (a, b, images or error).
    pub diff: Option<(PathBuf, PathBuf, Result<DiffImages, String>)>,
    /// Time the last regrouping took.
    pub regroup_ms: f64,
    /// Only groups with a photo passing this filter are shown (the window's filter).
    pub(super) filter: PhotoFilter,
    /// Groups before the filter.
    pub(super) unfiltered: usize,
    pub(super) data_dir: PathBuf,
    pub(super) outbox: Vec<Command>,
}

impl DupesState {
    /// Load the settings and ignore list of `data_dir`; the string is a warning for the user.
    pub fn new(data_dir: &Path) -> (Self, Option<String>) {
        let settings = DupeSettings::load(data_dir);
        let (ignore, warning) = match IgnoreList::load(data_dir) {
            Ok(l) => (l, None),
            // Not loaded from the file: saving is a no-op, so the damaged file stays for the user.
            Err(e) => (IgnoreList::default(), Some(e.to_string())),
        };
        let state = Self {
            graph: None,
            saved_settings: settings.clone(),
            settings,
            ignore,
            groups: Vec::new(),
            keep_pins: HashSet::new(),
            marks: HashMap::new(),
            moved: HashSet::new(),
            selected: 0,
            member: 0,
            scroll_to_selected: false,
            visible_rows: 0..0,
            scan: ScanState::Idle,
            stale: false,
            requested: false,
            cancel_requested: false,
            compare: None,
            confirm: None,
            diff: None,
            regroup_ms: 0.0,
            filter: PhotoFilter::default(),
            unfiltered: 0,
            data_dir: data_dir.to_path_buf(),
            outbox: Vec::new(),
        };
        (state, warning)
    }

    /// Use a graph (from a scan, or made by a test) and group it.
    pub fn set_graph(&mut self, graph: Arc<CandidateGraph>) {
        self.graph = Some(graph);
        self.moved.clear();
        self.stale = false;
        self.scan = ScanState::Idle;
        self.regroup();
    }

    /// Whether a graph is loaded.
    pub fn has_graph(&self) -> bool {
        self.graph.is_some()
    }

    /// Whether the loaded graph was built with mirror search.
    pub fn graph_has_mirror(&self) -> bool {
        self.graph.as_ref().is_some_and(|g| g.mirror)
    }

    /// Photos in the scanned graph.
    pub fn photo_count(&self) -> usize {
        self.graph.as_ref().map_or(0, |g| g.photos.len())
    }

    /// The groups, largest savings first.
    pub fn groups(&self) -> &[DupeGroup] {
        &self.groups
    }

    /// Ask the worker for a scan.
    pub fn request_scan(&mut self) {
        self.requested = true;
        self.scan = ScanState::Running {
            stage: "starting".into(),
            done: 0,
            total: None,
        };
        self.outbox.push(Command::Dupes(DupesCommand::Scan {
            mirror: self.settings.thresholds.mirror,
        }));
    }

    /// Show only groups with a photo passing `filter` (regroups when it changed). Marks are
    /// kept; what a hidden group would trash is not trashed.
    pub fn set_filter(&mut self, filter: PhotoFilter) {
        if filter != self.filter {
            self.filter = filter;
            self.regroup();
        }
    }

    /// Groups found before the filter, and whether a filter is set.
    pub fn unfiltered(&self) -> (usize, bool) {
        (self.unfiltered, !self.filter.is_empty())
    }

    /// Commands for the worker (the app sends them).
    pub fn take_outbox(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    /// Group the graph again with the current settings (no rescan).
    pub fn regroup(&mut self) {
        let Some(graph) = &self.graph else {
            self.groups.clear();
            return;
        };
        let started = Instant::now();
        let mut groups = dupes::groups(graph, &self.settings, &self.ignore);
        if !self.moved.is_empty() {
            for g in &mut groups {
                let kept = g.kept().photo.path.clone();
                g.members.retain(|m| !self.moved.contains(&m.photo.path));
                g.keep = g
                    .members
                    .iter()
                    .position(|m| m.photo.path == kept)
                    .unwrap_or(0);
            }
            groups.retain(|g| g.members.len() > 1);
        }
        for g in &mut groups {
            if let Some(i) = g
                .members
                .iter()
                .position(|m| self.keep_pins.contains(&m.photo.path))
            {
                g.keep = i;
            }
            // The kept photo first: it is what the others are compared with.
            if g.keep < g.members.len() {
                let kept = g.members.remove(g.keep);
                g.members.insert(0, kept);
                g.keep = 0;
            }
        }
        self.unfiltered = groups.len();
        if !self.filter.is_empty() {
            let m = self.filter.matcher();
            groups.retain(|g| g.members.iter().any(|x| m.matches(&x.photo)));
        }
        groups.sort_by(|a, b| {
            b.reclaimable_bytes()
                .cmp(&a.reclaimable_bytes())
                .then(a.kept().photo.path.cmp(&b.kept().photo.path))
        });
        self.groups = groups;
        self.regroup_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.clamp_selection();
    }

    fn clamp_selection(&mut self) {
        self.selected = self.selected.min(self.groups.len().saturating_sub(1));
        let n = self
            .groups
            .get(self.selected)
            .map_or(0, |g| g.members.len());
        self.member = self.member.min(n.saturating_sub(1));
        if let Some(other) = &mut self.compare {
            if self.groups.is_empty() {
                self.compare = None;
            } else {
                *other = (*other).min(n.saturating_sub(1));
            }
        }
    }

    /// "Not a duplicate": remember the group's contents as unrelated (persisted) and regroup.
    pub fn ignore_group(&mut self, g: usize) {
        let Some(group) = self.groups.get(g) else {
            return;
        };
        let hashes = group.hashes();
        self.ignore.ignore_group(&hashes);
        self.outbox.push(Command::Dupes(DupesCommand::SaveIgnore(
            self.ignore.clone(),
        )));
        self.compare = None;
        self.regroup();
    }

    /// "Not a duplicate" for one pair: the kept photo of group `g` and its member `i`.
    pub fn ignore_pair(&mut self, g: usize, i: usize) {
        let Some(group) = self.groups.get(g) else {
            return;
        };
        let (Some(a), Some(b)) = (group.kept().hash, group.members.get(i).and_then(|m| m.hash))
        else {
            return;
        };
        self.ignore.ignore_pair(&a, &b);
        self.outbox.push(Command::Dupes(DupesCommand::SaveIgnore(
            self.ignore.clone(),
        )));
        self.regroup();
    }

    /// Thresholds, keep rule or reference folders changed: regroup (saved by
    /// [`DupesState::flush_settings`] once the pointer is released).
    pub fn settings_changed(&mut self) {
        self.regroup();
    }

    /// Persist the settings if they changed.
    pub fn flush_settings(&mut self) {
        if self.settings == self.saved_settings {
            return;
        }
        match serde_json::to_vec_pretty(&self.settings) {
            Ok(contents) => self.outbox.push(Command::WriteFile {
                path: crate::core::datadir::DataDir::at(&self.data_dir).dupes_settings_path(),
                contents,
            }),
            Err(e) => log_unreachable(&e),
        }
        self.saved_settings = self.settings.clone();
    }

    /// Ask for the difference image of two photos (unless it is the one shown).
    pub fn want_diff(&mut self, a: &Path, b: &Path) {
        if self
            .diff
            .as_ref()
            .is_some_and(|(da, db, _)| da == a && db == b)
        {
            return;
        }
        self.diff = Some((
            a.to_path_buf(),
            b.to_path_buf(),
            Err("computing the difference…".into()),
        ));
        self.outbox.push(Command::Dupes(DupesCommand::Diff {
            a: a.to_path_buf(),
            b: b.to_path_buf(),
        }));
    }

    /// Select group `g` (clamped) and its first photo.
    pub fn select_group(&mut self, g: usize) {
        let g = g.min(self.groups.len().saturating_sub(1));
        if g != self.selected {
            self.selected = g;
            self.member = 0;
            if let Some(other) = &mut self.compare {
                *other = self.groups.get(g).map_or(0, default_other);
            }
        }
        self.scroll_to_selected = true;
    }

    /// Open the compare view on the selected group, with the focused photo on the right (the
    /// first other photo when the kept one has the focus).
    pub fn open_compare(&mut self) {
        let Some(group) = self.groups.get(self.selected) else {
            return;
        };
        let other = if self.member == group.keep || self.member >= group.members.len() {
            default_other(group)
        } else {
            self.member
        };
        self.compare = Some(other);
    }

    /// The library changed (indexing finished): the scan may be out of date.
    pub fn library_changed(&mut self) {
        if self.graph.is_some() {
            self.stale = true;
        }
    }
}

/// The photo compared with the kept one by default: the first other member.
pub fn default_other(g: &DupeGroup) -> usize {
    usize::from(g.keep == 0).min(g.members.len().saturating_sub(1))
}

/// Settings always encode; this only documents the impossible branch.
fn log_unreachable(e: &serde_json::Error) {
    debug_assert!(false, "settings must encode: {e}");
}

#[cfg(test)]
mod tests;
