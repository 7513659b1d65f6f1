//! Query by example, by words, or both: the query beside its nearest photos, best first.

use super::context::ViewContext;
use super::filter_bar;
use super::grid_selection::FnList;
use super::results_grid::{self, GridState, Section};
use super::selection_bar;
use super::textures::TexState;
use super::{ListKind, UiAction, welcome};
use crate::worker::thumbnails::ThumbKey;
use crate::worker::{Hit, QuerySource};
use egui::{Color32, Stroke, TextureHandle, Ui, Vec2};

/// The current query and its results.
pub struct QueryState {
    /// Id of the last request sent for this query.
    pub id: u64,
    /// The example photo (none for a search by words only).
    pub source: Option<QuerySource>,
    /// The words searched for ("" for a query by example only).
    pub words: String,
    /// Short name shown to the user.
    pub name: String,
    /// Results, best first.
    pub hits: Vec<Hit>,
    /// Waiting for an answer.
    pub pending: bool,
    /// The answer came while indexing was running (more results may come).
    pub partial: bool,
    /// Why the query failed.
    pub error: Option<String>,
    /// Texture of a pasted image (files use the thumbnail cache).
    pub pasted: Option<TextureHandle>,
    /// Selection in the grid.
    pub grid: GridState,
    /// When the last request was sent (partial results are refreshed while indexing).
    pub sent_at: std::time::Instant,
    /// Wait before refreshing partial results again (grows, so big libraries are not
    /// searched by brute force too often).
    pub refresh_every: std::time::Duration,
}

/// The results view: the query and its results, else the welcome screen on an empty library,
/// else the drop zone.
pub fn results_view_ui(ui: &mut Ui, query: &mut Option<QueryState>, cx: &mut ViewContext<'_>) {
    if let Some(q) = query {
        if !cx.keyboard {
            q.grid.scroll_to_selected = false;
        }
        results_ui(ui, q, cx);
    } else if cx.status.is_none() {
        ui.centered_and_justified(|ui| ui.spinner());
    } else if cx.library_empty() && !cx.indexing {
        welcome::welcome_ui(ui, cx);
    } else {
        drop_zone_ui(ui, cx.hovering, cx.actions);
    }
}

/// Draw the drop zone shown when there is no query; highlighted while files hover the window.
pub fn drop_zone_ui(ui: &mut Ui, hovering: bool, actions: &mut Vec<UiAction>) {
    let size = Vec2::new(ui.available_width().min(560.0), 220.0);
    ui.vertical_centered(|ui| {
        ui.add_space((ui.available_height() - size.y).max(0.0) / 3.0);
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        let visuals = ui.visuals();
        let (stroke, fill) = if hovering {
            (
                Stroke::new(3.0, visuals.selection.stroke.color),
                visuals.selection.bg_fill.gamma_multiply(0.35),
            )
        } else {
            (
                Stroke::new(1.5, visuals.weak_text_color()),
                Color32::TRANSPARENT,
            )
        };
        ui.painter().rect_filled(rect, 12.0, fill);
        ui.painter()
            .rect_stroke(rect, 12.0, stroke, egui::StrokeKind::Inside);
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect.shrink(24.0))
                .layout(egui::Layout::top_down(egui::Align::Center)),
        );
        child.add_space(28.0);
        child.heading(if hovering {
            "Drop to find similar photos"
        } else {
            "Drop a photo here"
        });
        child.label("…or paste an image or a path (Ctrl+V)");
        child.add_space(8.0);
        if child.button("Open image… (Ctrl+O)").clicked() {
            actions.push(UiAction::OpenImageDialog);
        }
    });
}

/// Draw the query panel and the results grid.
pub fn results_ui(ui: &mut Ui, query: &mut QueryState, cx: &mut ViewContext<'_>) {
    let (thumb_px, keyboard) = (cx.settings.thumb_px, cx.keyboard);
    egui::Panel::left("query_panel")
        .resizable(false)
        .exact_size(220.0)
        .show(ui, |ui| {
            ui.add_space(6.0);
            ui.strong("Query");
            let side = 200.0;
            let tex = match (&query.pasted, &query.source) {
                (Some(t), _) => Some(t.clone()),
                (None, Some(QuerySource::File(p) | QuerySource::Photo { path: p, .. })) => {
                    let key = ThumbKey::thumb(p);
                    match cx.textures.get(&key) {
                        TexState::Ready(t) => Some(t.clone()),
                        TexState::Failed(reason) => {
                            ui.colored_label(ui.visuals().warn_fg_color, reason.to_string());
                            None
                        }
                        TexState::Missing => {
                            cx.wanted.insert(0, key);
                            None
                        }
                    }
                }
                _ => None,
            };
            match tex {
                _ if query.source.is_none() => {}
                // "Find similar to these": no one picture is the query.
                _ if matches!(query.source, Some(QuerySource::Photos { .. })) => {
                    ui.label("Like all of these, together:");
                }
                Some(t) => {
                    let s = t.size_vec2();
                    let scale = (side / s.x).min(side / s.y);
                    ui.add(
                        egui::Image::new((t.id(), s * scale))
                            .alt_text(format!("Query {}", query.name)),
                    );
                }
                None => {
                    ui.add_sized([side, side * 0.66], egui::Spinner::new());
                }
            }
            if query.source.is_some() {
                ui.label(&query.name);
            }
            if !query.words.trim().is_empty() {
                let prefix = if query.source.is_some() { "but " } else { "" };
                ui.label(
                    egui::RichText::new(format!("{prefix}“{}”", query.words.trim()))
                        .size(16.0)
                        .strong(),
                );
            }
            if let Some(QuerySource::File(p) | QuerySource::Photo { path: p, .. }) = &query.source {
                ui.weak(
                    p.parent()
                        .map_or_else(String::new, |d| d.display().to_string()),
                );
            }
            ui.add_space(8.0);
            if query.pending && query.hits.is_empty() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Searching…");
                });
            } else if let Some(e) = &query.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            } else {
                ui.label(format!(
                    "{} {} photos",
                    query.hits.len(),
                    if query.words.trim().is_empty() {
                        "similar"
                    } else {
                        "matching"
                    }
                ));
                if query.partial {
                    ui.weak("Indexing is still running: results will be refreshed when it ends.");
                }
            }
            ui.add_space(8.0);
            if ui.button("Clear query").clicked() {
                cx.act(UiAction::ClearQuery);
            }
        });
    egui::CentralPanel::default().show(ui, |ui| {
        // The library's filter (shared with Browse and Duplicates) narrows the results too.
        filter_bar::filter_panel_ui(ui, "results_filter", &mut cx.settings.browse_filter);
        if query.hits.is_empty() {
            if cx.library_empty() && !cx.indexing {
                welcome::empty_library_ui(ui, cx);
            } else if !query.pending && query.error.is_none() {
                let filter = cx.settings.browse_filter.filter();
                if filter.is_empty() {
                    ui.label(
                        "No similar photos yet: the library may still be indexing, or it is empty.",
                    );
                } else {
                    ui.horizontal(|ui| {
                        ui.label(format!(
                            "No photo passes the filter ({}).",
                            filter.describe()
                        ));
                        if ui.button("Clear the filter").clicked() {
                            cx.settings.browse_filter = filter_bar::FilterFields::default();
                        }
                    });
                }
            }
            return;
        }
        let count = query.hits.len();
        let hits = &query.hits;
        let ids = FnList(count, |i| hits.get(i).map(|h| h.info.id));
        selection_bar::selection_bar_ui(ui, ListKind::Results, &mut query.grid, &ids, cx);
        if keyboard {
            for a in results_grid::grid_keys(ui, &mut query.grid, count) {
                cx.act(UiAction::Tile(ListKind::Results, a));
            }
        }
        let sections = [Section {
            title: String::new(),
            start: 0,
            end: count,
            level: Section::GROUP,
        }];
        let hits = &query.hits;
        let out = results_grid::grid_ui(
            ui,
            "results_grid",
            &sections,
            thumb_px,
            cx.textures,
            &mut query.grid,
            |i| hits.get(i).map(|h| (&h.info, Some(h.score))),
            |i| {
                hits.get(i).map_or_else(String::new, |h| {
                    let name = h
                        .info
                        .path
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                    format!("Result {}: {name}, similarity {:.3}", i + 1, h.score)
                })
            },
        );
        cx.wanted.extend(out.wanted);
        cx.actions.extend(
            out.actions
                .into_iter()
                .map(|a| UiAction::Tile(ListKind::Results, a)),
        );
        selection_bar::forward(out.selection_actions, ListKind::Results, cx);
    });
}
