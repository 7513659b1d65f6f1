//! Browse: the whole library as a grid, grouped by folder or by month, filtered by file name as
//! you type.

use super::context::ViewContext;
use super::format;
use super::results_grid::{self, GridState, Section};
use super::{ListKind, UiAction};
use crate::core::catalog::PhotoInfo;
use egui::Ui;
use std::path::Path;

/// How the library is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// One section per folder, by path.
    #[default]
    Folder,
    /// One section per month, newest first.
    Date,
}

/// What the filter and the grouping look at.
#[derive(Debug, Clone)]
struct PhotoKeys {
    name_lower: String,
    folder: String,
    month: String,
}

/// The browse view's data and state.
#[derive(Debug, Default)]
pub struct BrowseState {
    /// Every indexed photo, as last listed by the worker.
    pub photos: Vec<PhotoInfo>,
    /// Whether `photos` was ever loaded.
    pub loaded: bool,
    /// A listing was requested and has not arrived yet.
    pub requested: bool,
    /// File-name filter (case-insensitive substring).
    pub filter: String,
    /// Grouping.
    pub grouping: Grouping,
    /// Per photo: lower-case file name, folder and month (computed once per listing, so
    /// filtering 100,000 names per keystroke stays within a frame).
    keys: Vec<PhotoKeys>,
    /// Display order: indices into `photos`.
    order: Vec<usize>,
    /// Sections over `order`.
    sections: Vec<Section>,
    /// Filter and grouping the order was computed for.
    computed_for: Option<(String, Grouping)>,
    /// Selection in the grid.
    pub grid: GridState,
}

impl BrowseState {
    /// Replace the listing.
    pub fn set_photos(&mut self, photos: Vec<PhotoInfo>) {
        self.keys = photos
            .iter()
            .map(|p| PhotoKeys {
                name_lower: file_name(&p.path).to_lowercase(),
                folder: p
                    .path
                    .parent()
                    .map_or_else(String::new, |d| d.display().to_string()),
                // The month it was taken; photos without a capture date by their file's month.
                month: match &p.taken {
                    Some(t) => t.local.chars().take(7).collect(),
                    None => format!("{} (file dates)", format::year_month(p.mtime_ns)),
                },
            })
            .collect();
        self.photos = photos;
        self.loaded = true;
        self.requested = false;
        self.computed_for = None;
    }

    /// Drop photos that were removed (trashed).
    pub fn remove_ids(&mut self, ids: &[i64]) {
        if self.photos.iter().any(|p| ids.contains(&p.id)) {
            let photos = std::mem::take(&mut self.photos)
                .into_iter()
                .filter(|p| !ids.contains(&p.id))
                .collect();
            let (loaded, requested) = (self.loaded, self.requested);
            self.set_photos(photos);
            (self.loaded, self.requested) = (loaded, requested);
        }
    }

    /// Number of photos shown.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is shown.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `i`-th photo shown.
    pub fn item(&self, i: usize) -> Option<&PhotoInfo> {
        self.order.get(i).and_then(|&j| self.photos.get(j))
    }

    /// Recompute order and sections when the filter, grouping or listing changed.
    pub fn refresh(&mut self) {
        let key = (self.filter.clone(), self.grouping);
        if self.computed_for.as_ref() == Some(&key) {
            return;
        }
        let needle = self.filter.trim().to_lowercase();
        let keys = &self.keys;
        let mut order: Vec<usize> = (0..keys.len())
            .filter(|&i| needle.is_empty() || keys[i].name_lower.contains(&needle))
            .collect();
        match self.grouping {
            // Stable: within a folder, photos stay in path order.
            Grouping::Folder => order.sort_by(|&a, &b| keys[a].folder.cmp(&keys[b].folder)),
            Grouping::Date => order.sort_by(|&a, &b| {
                self.photos[b]
                    .taken_or_file_ms()
                    .cmp(&self.photos[a].taken_or_file_ms())
            }),
        }
        let group_of = |i: usize| match self.grouping {
            Grouping::Folder => &keys[i].folder,
            Grouping::Date => &keys[i].month,
        };
        let mut sections: Vec<Section> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let title = group_of(i);
            match sections.last_mut() {
                Some(s) if &s.title == title => s.end = pos + 1,
                _ => sections.push(Section {
                    title: title.clone(),
                    start: pos,
                    end: pos + 1,
                }),
            }
        }
        self.order = order;
        self.sections = sections;
        self.computed_for = Some(key);
        if self.grid.selected.is_some_and(|s| s >= self.order.len()) {
            self.grid.selected = None;
        }
    }
}

fn file_name(p: &Path) -> std::borrow::Cow<'_, str> {
    p.file_name().unwrap_or(p.as_os_str()).to_string_lossy()
}

/// Draw the browse view. Ctrl+F focuses the filter.
pub fn browse_ui(ui: &mut Ui, state: &mut BrowseState, cx: &mut ViewContext<'_>) {
    let keyboard = cx.keyboard;
    state.refresh();
    ui.horizontal(|ui| {
        let label = ui.label("Filter:");
        let edit = egui::TextEdit::singleline(&mut state.filter)
            .hint_text("file name contains… (Ctrl+F)")
            .desired_width(260.0);
        let resp = ui.add(edit).labelled_by(label.id);
        if keyboard && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            resp.request_focus();
        }
        if resp.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            resp.surrender_focus();
        }
        ui.separator();
        ui.label("Group by:");
        ui.selectable_value(&mut state.grouping, Grouping::Folder, "Folder");
        ui.selectable_value(&mut state.grouping, Grouping::Date, "Month");
        ui.separator();
        ui.label(format!(
            "{} of {} photos",
            state.order.len(),
            state.photos.len()
        ));
        if ui
            .button("Refresh")
            .on_hover_text("Reload the list of photos")
            .clicked()
        {
            cx.act(UiAction::RefreshBrowse);
        }
    });
    ui.separator();
    if !state.loaded {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Loading the library…");
        });
        return;
    }
    if state.photos.is_empty() {
        ui.label(
            "No photos are indexed yet. Add a library folder, or wait for indexing to finish.",
        );
        return;
    }
    if state.order.is_empty() {
        ui.label("No file name matches the filter.");
        return;
    }
    let count = state.order.len();
    if keyboard {
        for a in results_grid::grid_keys(ui, &mut state.grid, count) {
            cx.act(UiAction::Tile(ListKind::Browse, a));
        }
    }
    let BrowseState {
        photos,
        order,
        sections,
        grid,
        ..
    } = state;
    let out = results_grid::grid_ui(
        ui,
        "browse_grid",
        sections,
        cx.settings.thumb_px,
        cx.textures,
        grid,
        |i| order.get(i).and_then(|&j| photos.get(j)).map(|p| (p, None)),
        |i| {
            order
                .get(i)
                .and_then(|&j| photos.get(j))
                .map_or_else(String::new, |p| format!("Photo {}", file_name(&p.path)))
        },
    );
    cx.wanted.extend(out.wanted);
    cx.actions.extend(
        out.actions
            .into_iter()
            .map(|a| UiAction::Tile(ListKind::Browse, a)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(id: i64, path: &str, mtime_s: i64) -> PhotoInfo {
        PhotoInfo {
            id,
            path: path.into(),
            bytes: 1,
            width: 1,
            height: 1,
            format: "jpeg".into(),
            mtime_ns: mtime_s * 1_000_000_000,
            ..Default::default()
        }
    }

    #[test]
    fn groups_by_folder_and_month_and_filters_names() {
        let mut b = BrowseState::default();
        // Sorted by path as the catalog lists them: a subfolder sorts between a folder's files.
        b.set_photos(vec![
            photo(1, "/p/b/a.jpg", 1_700_000_000),
            photo(2, "/p/b/c/y.jpg", 1_710_000_000),
            photo(3, "/p/b/x.JPG", 1_700_000_100),
        ]);
        b.refresh();
        let titles: Vec<&str> = b.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["/p/b", "/p/b/c"]);
        assert_eq!(b.item(1).map(|p| p.id), Some(3));

        b.grouping = Grouping::Date;
        b.refresh();
        assert_eq!(b.item(0).map(|p| p.id), Some(2), "newest first");
        assert_eq!(b.sections.len(), 2);

        b.filter = "x.j".into();
        b.refresh();
        assert_eq!(b.len(), 1);
        assert_eq!(b.item(0).map(|p| p.id), Some(3), "case-insensitive");

        b.remove_ids(&[3]);
        b.refresh();
        assert!(b.is_empty());
    }
}
