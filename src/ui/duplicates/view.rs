//! The Duplicates view: summary and scan controls on top, the settings panel on the right, the
//! groups (largest savings first, virtualised) or the compare view in the middle, and the
//! "move to trash" bar at the bottom (keys in `keys.rs`).

use super::compare::{self, CompareState};
use super::folder_picker::FolderPicker;
use super::settings_panel;
use super::state::{DupesState, ScanState, default_other};
use super::tile::{self, TileInfo};
use crate::core::dupes::DupeGroup;
use crate::ui::context::ViewContext;
use crate::ui::format;
use crate::ui::textures::TextureCache;
use crate::worker::thumbnails::ThumbKey;
use egui::{Panel, RichText, Ui};

/// Side of the thumbnails in group rows.
const TILE_SIDE_PX: f32 = 170.0;

/// What the view needs to know about the library.
#[derive(Debug, Clone, Copy, Default)]
pub struct LibraryInfo {
    /// Indexing is running.
    pub indexing: bool,
    /// Indexed photos, when known.
    pub photos: Option<u64>,
}

impl LibraryInfo {
    /// What the context says about the library.
    pub fn of(cx: &ViewContext<'_>) -> Self {
        Self {
            indexing: cx.indexing,
            photos: cx.status.map(|s| s.photos),
        }
    }
}

/// The duplicates view: its state plus the folder dialog and the compare view's display.
pub struct DupesView {
    /// Groups, marks, settings.
    pub state: DupesState,
    picker: FolderPicker,
    /// Zoom, pan, mode and textures of the compare view.
    compare: CompareState,
    /// The group the compare view showed when last seen open (`None`: it was closed).
    compare_group: Option<usize>,
}

impl DupesView {
    /// Wrap a state.
    pub fn new(state: DupesState) -> Self {
        Self {
            state,
            picker: FolderPicker::default(),
            compare: CompareState::new(),
            compare_group: None,
        }
    }

    /// A compare view just opened starts afresh; on another group it fits again.
    fn sync_compare(&mut self) {
        let now = self.state.compare.map(|_| self.state.selected);
        match (self.compare_group, now) {
            (None, Some(_)) => self.compare = CompareState::new(),
            (Some(before), Some(g)) if before != g => self.compare.reset_view(),
            _ => {}
        }
        self.compare_group = now;
    }

    /// Draw the view; keys are taken only while `cx.keyboard` (no window above it).
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewContext<'_>) {
        let lib = LibraryInfo::of(cx);
        self.sync_compare();
        let state = &mut self.state;
        if let Some(folder) = self.picker.poll()
            && !state.settings.reference_folders.contains(&folder)
        {
            state.settings.reference_folders.push(folder);
            state.settings_changed();
        }
        // Scan once by itself when the view is first shown on an indexed library.
        if !state.requested
            && !state.has_graph()
            && !lib.indexing
            && lib.photos.is_some_and(|n| n > 0)
        {
            state.request_scan();
        }
        if cx.keyboard && state.confirm.is_none() {
            super::keys::keys(ui, state, &mut self.compare);
        }
        self.sync_compare();
        let state = &mut self.state;
        // The library's filter (shared with Browse and Results) narrows the groups shown.
        state.set_filter(cx.settings.browse_filter.filter());
        Panel::top("dupes_summary").show(ui, |ui| {
            ui.add_space(4.0);
            summary_ui(ui, state, lib);
            crate::ui::filter_bar::filter_panel_ui(
                ui,
                "dupes_filter",
                &mut cx.settings.browse_filter,
            );
            ui.add_space(4.0);
        });
        Panel::bottom("dupes_actions").show(ui, |ui| {
            ui.add_space(4.0);
            actions_ui(ui, state);
            ui.add_space(4.0);
        });
        if state.compare.is_some() {
            compare::compare_ui(ui, state, &mut self.compare, cx.textures, cx.wanted);
            return;
        }
        let acts = Panel::right("dupes_settings")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| settings_panel::settings_panel_ui(ui, state))
            .inner;
        if acts.add_reference {
            self.picker.open(ui.ctx());
        }
        list_ui(ui, state, lib, cx.textures, cx.wanted);
    }
}

/// Count, bytes, scan progress and the scan button.
fn summary_ui(ui: &mut Ui, state: &mut DupesState, lib: LibraryInfo) {
    ui.horizontal_wrapped(|ui| {
        match state.scan.clone() {
            ScanState::Running { stage, done, total } => {
                ui.spinner();
                let count = match total {
                    Some(t) if t > 0 => format!(" {done} of {t}"),
                    _ if done > 0 => format!(" {done}"),
                    _ => String::new(),
                };
                ui.label(format!("Looking for duplicates: {stage}{count}…"));
                if ui.button("Cancel").clicked() {
                    state.cancel_requested = true;
                }
                return;
            }
            ScanState::Failed(why) => {
                ui.label(RichText::new(why).color(ui.visuals().error_fg_color));
            }
            ScanState::Idle => {}
        }
        if state.has_graph() {
            let groups = state.groups().len();
            let photos: usize = state.groups().iter().map(|g| g.members.len()).sum();
            ui.label(
                RichText::new(format!(
                    "{groups} group{} · {photos} photos · {} reclaimable",
                    if groups == 1 { "" } else { "s" },
                    format::bytes(state.reclaimable_total())
                ))
                .strong()
                .size(16.0),
            );
            ui.label(RichText::new(format!("(of {} photos scanned)", state.photo_count())).weak());
            if let (all, true) = state.unfiltered() {
                ui.label(
                    RichText::new(format!("{groups} of {all} groups pass the filter"))
                        .color(ui.visuals().warn_fg_color),
                );
            }
        }
        let scan_text = if state.has_graph() {
            "Scan again"
        } else {
            "Find duplicates"
        };
        if ui
            .add_enabled(!lib.indexing, egui::Button::new(scan_text))
            .on_disabled_hover_text("Wait for indexing to finish")
            .clicked()
        {
            state.request_scan();
        }
        if state.stale {
            ui.label(
                RichText::new("The library changed since this scan")
                    .color(ui.visuals().warn_fg_color),
            );
        }
    });
}

/// The "move to trash" bar.
fn actions_ui(ui: &mut Ui, state: &mut DupesState) {
    ui.horizontal(|ui| {
        let (n, bytes) = state.marked_total();
        let text = format!(
            "Move {n} marked photo{} ({}) to the trash…",
            if n == 1 { "" } else { "s" },
            format::bytes(bytes)
        );
        if ui
            .add_enabled(n > 0, egui::Button::new(RichText::new(text).strong()))
            .on_hover_text("Asks first. Files go to the trash, never deleted; you can undo.")
            .clicked()
        {
            state.confirm = state.plan_trash();
        }
        ui.label(
            RichText::new(
                "Marked photos go to the trash (never deleted). Similar shots start unmarked.",
            )
            .weak(),
        );
        ui.label(RichText::new("Keys…").weak()).on_hover_text(
            "Up/Down: group\nLeft/Right: photo\nK: keep it\nX: mark or unmark it\n\
             Enter: compare\nDelete: move the marked photos",
        );
    });
}

/// The virtualised list of groups.
fn list_ui(
    ui: &mut Ui,
    state: &mut DupesState,
    lib: LibraryInfo,
    textures: &mut TextureCache,
    wanted: &mut Vec<ThumbKey>,
) {
    if !state.has_graph() {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading("Duplicates");
            if lib.photos == Some(0) {
                ui.label("Add a library folder first; duplicates are found among indexed photos.");
            } else if lib.indexing {
                ui.label("Indexing is running; the scan starts when it is done.");
            } else if !matches!(state.scan, ScanState::Running { .. }) {
                ui.label("Finds exact copies, edited copies and similar shots.");
            }
        });
        return;
    }
    if state.groups().is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading("No duplicates at these settings");
            ui.label(format!(
                "Among {} photos. Lower a threshold or show more tiers on the right.",
                state.photo_count()
            ));
        });
        return;
    }
    let header_h = ui.spacing().interact_size.y + 6.0;
    let row_h = header_h + tile::tile_height(ui, TILE_SIDE_PX) + 30.0;
    let mut area = egui::ScrollArea::vertical()
        .id_salt("dupes_groups")
        .auto_shrink([false, false]);
    let shown = &state.visible_rows;
    let fully_shown = state.selected > shown.start && state.selected + 1 < shown.end;
    if std::mem::take(&mut state.scroll_to_selected) && !fully_shown {
        let spacing = ui.spacing().item_spacing.y;
        area = area.vertical_scroll_offset(state.selected as f32 * (row_h + spacing));
    }
    let n = state.groups().len();
    area.show_rows(ui, row_h, n, |ui, range| {
        state.visible_rows = range.clone();
        for g in range {
            group_ui(ui, state, g, row_h, textures, wanted);
        }
    });
}

/// One group: header with tier, count and savings, then its photos.
fn group_ui(
    ui: &mut Ui,
    state: &mut DupesState,
    g: usize,
    row_h: f32,
    textures: &mut TextureCache,
    wanted: &mut Vec<ThumbKey>,
) {
    let Some(group) = state.groups().get(g).cloned() else {
        return;
    };
    let selected = g == state.selected;
    let stroke = if selected {
        ui.visuals().selection.stroke
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    egui::Frame::group(ui.style())
        .stroke(stroke)
        .show(ui, |ui| {
            ui.set_height(row_h - 18.0);
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(RichText::new(header(g, &group)).strong());
                let marked: u64 = state.marked_in(g).iter().map(|m| m.photo.bytes).sum();
                ui.label(format!(
                    "{} reclaimable · {} marked",
                    format::bytes(group.reclaimable_bytes()),
                    format::bytes(marked)
                ));
                ui.label(RichText::new(format!("keeps: {}", group.keep_reason)).weak());
                if ui.button("Compare").on_hover_text("Enter").clicked() {
                    state.select_group(g);
                    state.compare = Some(default_other(&group));
                }
                if ui
                    .button("Not a duplicate")
                    .on_hover_text("Never group these photos again (kept across moves and renames)")
                    .clicked()
                {
                    state.ignore_group(g);
                }
            });
            egui::ScrollArea::horizontal()
                .id_salt(("dupes_row", g))
                .show(ui, |ui| {
                    ui.horizontal_top(|ui| {
                        for (i, m) in group.members.iter().enumerate() {
                            let info = TileInfo {
                                member: m,
                                kept: i == group.keep,
                                marked: state.is_marked(g, i),
                                focused: selected && i == state.member,
                            };
                            let r = tile::tile_ui(ui, &info, TILE_SIDE_PX, textures, wanted);
                            if r.clicked || r.keep || r.toggle_mark || r.compare {
                                state.selected = g;
                                state.member = i;
                            }
                            if r.keep {
                                state.set_keep(g, i);
                            }
                            if r.toggle_mark {
                                state.toggle_mark(g, i);
                            }
                            if r.compare {
                                state.open_compare();
                            }
                        }
                    });
                });
        });
}

/// "Group 3 · near duplicates · 4 photos"; "Group 5 · similar · burst of 4 shots".
fn header(g: usize, group: &DupeGroup) -> String {
    if group.is_burst() {
        return format!(
            "Group {} · {} · burst of {} shots",
            g + 1,
            tile::tier_label(group.tier),
            group.members.len()
        );
    }
    format!(
        "Group {} · {} · {} photos",
        g + 1,
        tile::tier_label(group.tier),
        group.members.len()
    )
}
