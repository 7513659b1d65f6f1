//! Browse: the whole library as a grid, grouped by folder or by month, filtered by file name as
//! you type.

use super::UiAction;
use super::format;
use super::results_grid::{self, GridState, Section};
use super::textures::TextureCache;
use crate::core::catalog::PhotoInfo;
use crate::worker::thumbnails::ThumbKey;
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
        self.photos = photos;
        self.loaded = true;
        self.requested = false;
        self.computed_for = None;
    }

    /// Drop photos that were removed (trashed).
    pub fn remove_ids(&mut self, ids: &[i64]) {
        let before = self.photos.len();
        self.photos.retain(|p| !ids.contains(&p.id));
        if self.photos.len() != before {
            self.computed_for = None;
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
        let mut order: Vec<usize> = (0..self.photos.len())
            .filter(|&i| {
                needle.is_empty()
                    || file_name(&self.photos[i].path)
                        .to_lowercase()
                        .contains(&needle)
            })
            .collect();
        let group_of = |p: &PhotoInfo| match self.grouping {
            Grouping::Folder => p
                .path
                .parent()
                .map_or_else(String::new, |d| d.display().to_string()),
            Grouping::Date => format::year_month(p.mtime_ns),
        };
        match self.grouping {
            // `photos` arrives sorted by path, which already groups folders together.
            Grouping::Folder => {}
            Grouping::Date => {
                order.sort_by(|&a, &b| self.photos[b].mtime_ns.cmp(&self.photos[a].mtime_ns))
            }
        }
        let mut sections: Vec<Section> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let title = group_of(&self.photos[i]);
            match sections.last_mut() {
                Some(s) if s.title == title => s.end = pos + 1,
                _ => sections.push(Section {
                    title,
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
pub fn browse_ui(
    ui: &mut Ui,
    state: &mut BrowseState,
    thumb_px: f32,
    textures: &mut TextureCache,
    actions: &mut Vec<UiAction>,
    wanted: &mut Vec<ThumbKey>,
    keyboard: bool,
) {
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
            actions.push(UiAction::RefreshBrowse);
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
            actions.push(UiAction::Tile(super::ListKind::Browse, a));
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
        thumb_px,
        textures,
        grid,
        |i| order.get(i).and_then(|&j| photos.get(j)).map(|p| (p, None)),
        |i| {
            order
                .get(i)
                .and_then(|&j| photos.get(j))
                .map_or_else(String::new, |p| format!("Photo {}", file_name(&p.path)))
        },
    );
    wanted.extend(out.wanted);
    actions.extend(
        out.actions
            .into_iter()
            .map(|a| UiAction::Tile(super::ListKind::Browse, a)),
    );
}
