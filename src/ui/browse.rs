//! Browse: the whole library as a grid — a timeline by the day each photo was taken (year and
//! month headings, a scrubber beside the grid), by folder, or in one run; sorted by date, name,
//! size or resolution — narrowed as you type by a [`PhotoFilter`] (file name, dates, camera,
//! folder, formats, shape, location). The filter, grouping and sort live in the settings
//! ([`FilterFields`], [`BrowseOrder`]), so they survive a restart.

use super::browse_order::{self, BrowseOrder, Grouping, PhotoKeys, SortKey};
use super::browse_stacks::Stacks;
use super::context::ViewContext;
use super::filter_bar::{self, FilterFields};
use super::grid_selection::FnList;
use super::results_grid::{self, GridState, Section, TileAction};
use super::selection_bar;
use super::timeline_bar;
use super::{ListKind, UiAction};
use crate::core::catalog::PhotoInfo;
use crate::core::filter::PhotoFilter;
use egui::Ui;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The browse view's data and state.
#[derive(Debug, Default)]
pub struct BrowseState {
    /// Every indexed photo, as last listed by the worker.
    pub photos: Vec<PhotoInfo>,
    /// Whether `photos` was ever loaded.
    pub loaded: bool,
    /// A listing was requested and has not arrived yet.
    pub requested: bool,
    /// The filter applied (set from the settings' [`FilterFields`] as the user types).
    pub filter: PhotoFilter,
    /// Grouping and sort (set from the settings).
    pub arrangement: BrowseOrder,
    /// Per photo: what grouping and sorting look at (computed once per listing, so regrouping
    /// 100,000 photos per keystroke stays within a frame).
    keys: Vec<PhotoKeys>,
    /// Display order: indices into `photos`.
    order: Vec<usize>,
    /// Sections over `order`.
    sections: Vec<Section>,
    /// Filter and arrangement the order was computed for.
    computed_for: Option<(PhotoFilter, BrowseOrder)>,
    /// The library's bursts.
    stacks: Stacks,
    /// For each stack's cover (index into `photos`), the photos its stack holds.
    stack_sizes: HashMap<usize, usize>,
    /// Bursts opened by the user (their keys), shown whole.
    opened: HashSet<i64>,
    /// Selection in the grid.
    pub grid: GridState,
}

impl BrowseState {
    /// Replace the listing.
    pub fn set_photos(&mut self, photos: Vec<PhotoInfo>) {
        self.keys = photos.iter().map(PhotoKeys::of).collect();
        self.photos = photos;
        self.loaded = true;
        self.requested = false;
        self.computed_for = None;
    }

    /// The bursts among the photos listed (shown as stacks).
    pub fn set_bursts(&mut self, bursts: Vec<Vec<i64>>) {
        self.stacks = Stacks::new(&bursts);
        self.computed_for = None;
    }

    /// How many photos the stack whose cover is the `i`-th photo shown holds (`None`: not a
    /// stack).
    pub fn stack_size(&self, i: usize) -> Option<usize> {
        self.order
            .get(i)
            .and_then(|j| self.stack_sizes.get(j))
            .copied()
    }

    /// Open the stack of the `i`-th photo shown (show the burst whole), or stack its burst
    /// again when it is open.
    pub fn toggle_stack(&mut self, i: usize) {
        let Some(key) = self.item(i).and_then(|p| self.stacks.burst_key(p.id)) else {
            return;
        };
        if !self.opened.remove(&key) {
            self.opened.insert(key);
        }
        self.computed_for = None;
    }

    /// Photos shown, counting those in stacks.
    pub fn shown_photos(&self) -> usize {
        self.order.len() + self.stack_sizes.values().map(|n| n - 1).sum::<usize>()
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

    /// The headings over the photos shown.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Recompute order and sections when the filter, arrangement or listing changed.
    pub fn refresh(&mut self) {
        let key = (self.filter.clone(), self.arrangement);
        if self.computed_for.as_ref() == Some(&key) {
            return;
        }
        let order: Vec<usize> = if self.filter.is_empty() {
            (0..self.photos.len()).collect()
        } else {
            let m = self.filter.matcher();
            (0..self.photos.len())
                .filter(|&i| self.photos.get(i).is_some_and(|p| m.matches(p)))
                .collect()
        };
        let (order, sections) =
            browse_order::arrange(&self.photos, &self.keys, order, self.arrangement, |_| 1);
        // Stacks after sorting: a burst's cover is its first photo in the order shown.
        let mut opened_sizes = HashMap::new();
        let (order, sections) = if self.arrangement.stack_bursts && !self.stacks.is_empty() {
            let c = self.stacks.collapse(&self.photos, order, &self.opened);
            let arranged =
                browse_order::arrange(&self.photos, &self.keys, c.order, self.arrangement, |i| {
                    c.covers.get(&i).copied().unwrap_or(1)
                });
            self.stack_sizes = c.covers;
            opened_sizes = c.opened;
            arranged
        } else {
            self.stack_sizes.clear();
            (order, sections)
        };
        self.order = order;
        self.sections = sections;
        self.grid.badges = (0..self.order.len())
            .filter_map(|i| {
                let j = *self.order.get(i)?;
                let text = match (self.stack_sizes.get(&j), opened_sizes.get(&j)) {
                    (Some(n), _) => format!("Burst · {n}"),
                    (None, Some(n)) => format!("In a burst of {n}"),
                    _ => return None,
                };
                Some((i, text))
            })
            .collect();
        self.computed_for = Some(key);
        if self.grid.selected.is_some_and(|s| s >= self.order.len()) {
            self.grid.selected = None;
        }
        // A photo filtered away is no longer selected: no action reaches what is not shown.
        let shown = self
            .order
            .iter()
            .filter_map(|&j| self.photos.get(j))
            .map(|p| p.id);
        self.grid.selection.retain_shown(shown);
    }
}

fn file_name(p: &Path) -> std::borrow::Cow<'_, str> {
    p.file_name().unwrap_or(p.as_os_str()).to_string_lossy()
}

/// Draw the browse view. Ctrl+F focuses the file-name filter.
pub fn browse_ui(ui: &mut Ui, state: &mut BrowseState, cx: &mut ViewContext<'_>) {
    let keyboard = cx.keyboard;
    // The filter as typed up to the last frame (a change this frame asks for the next one).
    state.filter = cx.settings.browse_filter.filter();
    state.arrangement = cx.settings.browse_order;
    state.refresh();
    let arrangement = state.arrangement;
    let mut changed = false;
    let mut reload = false;
    let fields: &mut FilterFields = &mut cx.settings.browse_filter;
    let order = &mut cx.settings.browse_order;
    ui.horizontal(|ui| {
        let label = ui.label("Filter:");
        let edit = egui::TextEdit::singleline(&mut fields.name)
            .hint_text("file name contains… (Ctrl+F)")
            .desired_width(260.0);
        let resp = ui.add(edit).labelled_by(label.id);
        changed |= resp.changed();
        if keyboard && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            resp.request_focus();
        }
        if resp.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            resp.surrender_focus();
        }
        ui.separator();
        ui.label("Group by:");
        ui.selectable_value(&mut order.grouping, Grouping::Timeline, "Date taken")
            .on_hover_text("Days under month and year headings; Ctrl+Page Up/Down steps a month");
        ui.selectable_value(&mut order.grouping, Grouping::Folder, "Folder");
        ui.selectable_value(&mut order.grouping, Grouping::None, "None");
        ui.separator();
        let sort_label = ui.label("Sort:");
        let current = SortKey::ALL
            .iter()
            .find(|(k, _)| *k == order.sort)
            .map_or("Date", |(_, l)| *l);
        egui::ComboBox::from_id_salt("browse_sort")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (k, l) in SortKey::ALL {
                    ui.selectable_value(&mut order.sort, k, l);
                }
            })
            .response
            .labelled_by(sort_label.id);
        let direction = match (order.sort, order.descending) {
            (SortKey::Date, true) => "Newest first",
            (SortKey::Date, false) => "Oldest first",
            (SortKey::Name, false) => "A to Z",
            (SortKey::Name, true) => "Z to A",
            (_, true) => "Largest first",
            (_, false) => "Smallest first",
        };
        if ui
            .button(direction)
            .on_hover_text("Click for the other way round")
            .clicked()
        {
            order.descending = !order.descending;
        }
        ui.checkbox(&mut order.stack_bursts, "Stack bursts")
            .on_hover_text(
                "Show photos the same camera took seconds apart that look alike as one tile",
            );
        ui.separator();
        ui.label(format!(
            "{} of {} photos",
            state.shown_photos(),
            state.photos.len()
        ));
        if !state.stack_sizes.is_empty() {
            ui.weak(format!(
                "({} in {} stacks)",
                state.stack_sizes.values().sum::<usize>(),
                state.stack_sizes.len()
            ));
        }
        if ui
            .button("Refresh")
            .on_hover_text("Reload the list of photos")
            .clicked()
        {
            reload = true;
        }
    });
    changed |= filter_bar::filter_row_ui(ui, fields);
    if reload {
        cx.act(UiAction::RefreshBrowse);
    }
    if changed || cx.settings.browse_order != arrangement {
        // Show the new count and grid at once rather than on the next event.
        ui.ctx().request_repaint();
    }
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
        ui.horizontal(|ui| {
            ui.label(format!(
                "No photo matches the filter ({}).",
                state.filter.describe()
            ));
            if ui.button("Clear the filter").clicked() {
                cx.settings.browse_filter = FilterFields::default();
                ui.ctx().request_repaint();
            }
        });
        return;
    }
    let count = state.order.len();
    let timeline = state.arrangement.grouping == Grouping::Timeline;
    let ids = FnList(count, |i| {
        state
            .order
            .get(i)
            .and_then(|&j| state.photos.get(j))
            .map(|p| p.id)
    });
    selection_bar::selection_bar_ui(ui, ListKind::Browse, &mut state.grid, &ids, cx);
    if keyboard {
        if timeline && !ui.ctx().egui_wants_keyboard_input() {
            let (back, on) = ui.input_mut(|i| {
                (
                    i.consume_key(egui::Modifiers::COMMAND, egui::Key::PageUp),
                    i.consume_key(egui::Modifiers::COMMAND, egui::Key::PageDown),
                )
            });
            if back || on {
                timeline_bar::step_month(&state.sections, &mut state.grid, on);
            }
        }
        // S opens or stacks again the burst under the cursor.
        if !ui.ctx().egui_wants_keyboard_input()
            && ui.ctx().memory(|m| m.focused().is_none())
            && let Some(i) = state.grid.selected
            && ui.input_mut(|inp| inp.consume_key(egui::Modifiers::NONE, egui::Key::S))
        {
            cx.act(UiAction::Tile(ListKind::Browse, TileAction::ToggleStack(i)));
        }
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
    // The timeline's scrubber takes a strip at the right; the grid the rest.
    let area = ui.available_rect_before_wrap();
    let grid_rect = if timeline {
        let bar = egui::Rect::from_min_max(
            egui::pos2(area.right() - timeline_bar::WIDTH, area.top()),
            area.max,
        );
        ui.scope_builder(egui::UiBuilder::new().max_rect(bar), |ui| {
            timeline_bar::scrubber_ui(ui, sections, grid);
        });
        egui::Rect::from_min_max(
            area.min,
            egui::pos2(area.right() - timeline_bar::WIDTH - 6.0, area.bottom()),
        )
    } else {
        area
    };
    let out = ui
        .scope_builder(egui::UiBuilder::new().max_rect(grid_rect), |ui| {
            results_grid::grid_ui(
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
            )
        })
        .inner;
    cx.wanted.extend(out.wanted);
    cx.actions.extend(
        out.actions
            .into_iter()
            .map(|a| UiAction::Tile(ListKind::Browse, a)),
    );
    selection_bar::forward(out.selection_actions, ListKind::Browse, cx);
}

#[cfg(test)]
#[path = "browse_tests.rs"]
mod tests;
