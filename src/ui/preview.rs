//! The large preview: one photo over the window, with zoom, fit and next/previous.
//!
//! Keys: Left/Right previous/next, + and - zoom, 0 fit, 1 actual size, F find similar,
//! O open with the default app, I the photo info panel (with C copy coordinates, M open in
//! map), Escape or Space close.

use super::browse::BrowseState;
use super::context::ViewContext;
use super::format;
use super::info_panel::{self, InfoAction};
use super::lists::{self, Lists};
use super::results_grid::TileAction;
use super::results_view::QueryState;
use super::textures::{TexState, TextureCache};
use super::{ListKind, UiAction};
use crate::core::catalog::PhotoInfo;
use crate::core::metadata::Exposure;
use crate::worker::Command;
use crate::worker::thumbnails::ThumbKey;
use egui::{Context, Id, Key, Modal, Modifiers, Vec2};
use std::path::PathBuf;

/// Which photo is previewed and how.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewState {
    /// Index into the list the preview was opened from.
    pub index: usize,
    /// Zoom relative to "fit in window" (1 = fit).
    pub zoom: f32,
    /// Show at 100% (one image pixel per screen pixel) instead of `zoom`.
    pub actual_size: bool,
    /// Show the photo info panel (kept in the settings across previews).
    pub show_info: bool,
    /// The exposure the worker read for a photo (the info panel's; see
    /// [`Command::PhotoDetails`]).
    pub details: Option<(PathBuf, Result<Exposure, String>)>,
    /// The photo whose exposure was last asked for.
    pub asked: Option<PathBuf>,
    /// What the info panel asked for this frame.
    pub info_action: Option<InfoAction>,
}

impl PreviewState {
    /// Preview item `index`, fitted to the window.
    pub fn new(index: usize) -> Self {
        Self {
            index,
            zoom: 1.0,
            actual_size: false,
            show_info: false,
            details: None,
            asked: None,
            info_action: None,
        }
    }
}

/// What the user did in the preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewAction {
    /// Close it.
    Close,
    /// Act on the previewed photo (find similar, open...).
    Tile(TileAction),
}

/// The preview of item `open.1.index` of a list, while one is open: draws it, asks for the
/// neighbours' previews, keeps the list's selection on the shown photo, and closes it when the
/// photo is gone. Its buttons become [`UiAction`]s.
pub fn preview_window(
    ctx: &Context,
    open: &mut Option<(ListKind, PreviewState)>,
    query: &mut Option<QueryState>,
    browse: &mut BrowseState,
    cx: &mut ViewContext<'_>,
) {
    let Some((list, mut state)) = open.clone() else {
        return;
    };
    let shown = Lists {
        query: query.as_ref(),
        browse,
    };
    let count = shown.len(list);
    let Some((info, score)) = shown.item(list, state.index) else {
        *open = None;
        return;
    };
    state.show_info = cx.settings.show_info;
    let action = preview_ui(ctx, &mut state, count, &info, score, cx.textures, cx.wanted);
    cx.settings.show_info = state.show_info;
    info_panel_requests(ctx, &mut state, &info, cx);
    // Prefetch the neighbours.
    for j in [state.index + 1, state.index.wrapping_sub(1)] {
        if let Some((n, _)) = shown.item(list, j) {
            cx.wanted.push(ThumbKey::preview(&n.path));
        }
    }
    if let Some(g) = lists::grid_mut(list, query, browse) {
        g.selected = Some(state.index);
    }
    *open = match action {
        Some(PreviewAction::Close) => None,
        Some(PreviewAction::Tile(a)) => {
            cx.act(UiAction::Tile(list, a));
            Some((list, state))
        }
        None => Some((list, state)),
    };
}

/// Draw the preview of `info` (item `state.index` of `count`). Pushes the textures it needs to
/// `wanted` (the large image first, then neighbours' thumbnails).
pub fn preview_ui(
    ctx: &Context,
    state: &mut PreviewState,
    count: usize,
    info: &PhotoInfo,
    score: Option<f32>,
    textures: &mut TextureCache,
    wanted: &mut Vec<ThumbKey>,
) -> Option<PreviewAction> {
    let mut action = None;
    let index = state.index;
    ctx.input_mut(|i| {
        if i.consume_key(Modifiers::NONE, Key::ArrowRight) && index + 1 < count {
            state.index += 1;
            state.zoom = 1.0;
        }
        if i.consume_key(Modifiers::NONE, Key::ArrowLeft) && index > 0 {
            state.index -= 1;
            state.zoom = 1.0;
        }
        if i.consume_key(Modifiers::NONE, Key::Plus) || i.consume_key(Modifiers::NONE, Key::Equals)
        {
            zoom_by(state, 1.25);
        }
        if i.consume_key(Modifiers::NONE, Key::Minus) {
            zoom_by(state, 0.8);
        }
        if i.consume_key(Modifiers::NONE, Key::Num0) {
            state.zoom = 1.0;
            state.actual_size = false;
        }
        if i.consume_key(Modifiers::NONE, Key::Num1) {
            state.actual_size = true;
        }
        if i.consume_key(Modifiers::NONE, Key::Space) {
            action = Some(PreviewAction::Close);
        }
        if i.consume_key(Modifiers::NONE, Key::F) {
            action = Some(PreviewAction::Tile(TileAction::FindSimilar(index)));
        }
        if i.consume_key(Modifiers::NONE, Key::O) {
            action = Some(PreviewAction::Tile(TileAction::OpenExternal(index)));
        }
        if i.consume_key(Modifiers::NONE, Key::I) {
            state.show_info = !state.show_info;
        }
    });
    if state.show_info
        && let Some(a) = info_panel::info_keys(ctx, info)
    {
        state.info_action = Some(a);
    }
    if state.index != index {
        // The caller shows the new photo next frame.
        return action;
    }
    let big = ThumbKey::preview(&info.path);
    let small = ThumbKey::thumb(&info.path);
    let screen = ctx.content_rect().size();
    let size = Vec2::new(screen.x * 0.92, screen.y * 0.9);
    let name = info
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let modal = Modal::new(Id::unique("preview")).show(ctx, |ui| {
        ui.set_width(size.x);
        ui.set_height(size.y);
        ui.horizontal(|ui| {
            ui.heading(format!("Preview: {name}"));
            ui.label(format!("{} of {count}", index + 1));
            if let Some(s) = score {
                ui.label(format!("similarity {:.1}%", s * 100.0));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Close preview").clicked() {
                    action = Some(PreviewAction::Close);
                }
                if ui.button("Open (O)").clicked() {
                    action = Some(PreviewAction::Tile(TileAction::OpenExternal(index)));
                }
                if ui.button("Find similar (F)").clicked() {
                    action = Some(PreviewAction::Tile(TileAction::FindSimilar(index)));
                }
                if ui
                    .selectable_label(state.show_info, "Info (I)")
                    .on_hover_text("Show or hide the photo info panel")
                    .clicked()
                {
                    state.show_info = !state.show_info;
                }
                ui.separator();
                if ui
                    .add_enabled(index + 1 < count, egui::Button::new("Next"))
                    .clicked()
                {
                    state.index += 1;
                    state.zoom = 1.0;
                }
                if ui
                    .add_enabled(index > 0, egui::Button::new("Previous"))
                    .clicked()
                {
                    state.index -= 1;
                    state.zoom = 1.0;
                }
                ui.separator();
                if ui.button("+").on_hover_text("Zoom in (+)").clicked() {
                    zoom_by(state, 1.25);
                }
                if ui.button("−").on_hover_text("Zoom out (-)").clicked() {
                    zoom_by(state, 0.8);
                }
                if ui.button("100%").on_hover_text("Actual size (1)").clicked() {
                    state.actual_size = true;
                }
                if ui
                    .button("Fit")
                    .on_hover_text("Fit in window (0)")
                    .clicked()
                {
                    state.zoom = 1.0;
                    state.actual_size = false;
                }
            });
        });
        ui.weak(format!(
            "{} · {}×{} px · {} · {} · {}",
            info.path.display(),
            info.width,
            info.height,
            info.format.to_uppercase(),
            format::bytes(info.bytes),
            format::photo_date(info)
        ));
        let capture: Vec<String> = [
            info.camera.clone(),
            info.lens.clone(),
            info.gps.map(|g| format!("{:.5}, {:.5}", g.lat, g.lon)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !capture.is_empty() {
            ui.weak(capture.join(" · "));
        }
        ui.separator();
        if state.show_info {
            let exposure = state
                .details
                .as_ref()
                .filter(|(p, _)| *p == info.path)
                .map(|(_, e)| e);
            let mut asked = None;
            egui::Panel::right("preview_info")
                .resizable(false)
                .exact_size(320.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("preview_info_scroll")
                        .show(ui, |ui| {
                            asked = info_panel::info_panel_ui(ui, info, exposure)
                        });
                });
            if asked.is_some() {
                state.info_action = asked;
            }
        }
        let area = ui.available_size();
        let tex = match textures.get(&big) {
            TexState::Ready(t) => Some(t.clone()),
            TexState::Failed(reason) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("Cannot show this photo: {reason}"),
                );
                None
            }
            TexState::Missing => {
                wanted.push(big.clone());
                match textures.get(&small) {
                    TexState::Ready(t) => Some(t.clone()),
                    _ => {
                        wanted.push(small.clone());
                        ui.spinner();
                        None
                    }
                }
            }
        };
        if let Some(tex) = tex {
            // The image's true size: a thumbnail stands in while the large one decodes.
            let full = Vec2::new(info.width.max(1) as f32, info.height.max(1) as f32);
            let fit = (area.x / full.x).min(area.y / full.y).min(1.0);
            let ppp = ui.ctx().pixels_per_point();
            let scale = if state.actual_size {
                1.0 / ppp
            } else {
                fit * state.zoom
            };
            let shown = full * scale;
            egui::ScrollArea::both()
                .id_salt("preview_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let pad = ((area - shown) / 2.0).max(Vec2::ZERO);
                    ui.add_space(pad.y);
                    ui.horizontal(|ui| {
                        ui.add_space(pad.x);
                        ui.add(egui::Image::new((tex.id(), shown)).alt_text(name.clone()));
                    });
                });
        }
    });
    if modal.should_close() {
        action = Some(PreviewAction::Close);
    }
    action
}

/// Ask the worker for the shown photo's exposure while the info panel is open, and carry out
/// what the panel asked for (copy, open in map).
fn info_panel_requests(
    ctx: &Context,
    state: &mut PreviewState,
    info: &PhotoInfo,
    cx: &mut ViewContext<'_>,
) {
    if state.show_info && state.asked.as_ref() != Some(&info.path) {
        state.asked = Some(info.path.clone());
        cx.send(Command::PhotoDetails(info.path.clone()));
    }
    match state.info_action.take() {
        Some(InfoAction::Copy(text)) => {
            cx.toasts.info(format!("Copied {text}"));
            ctx.copy_text(text);
        }
        Some(InfoAction::OpenMap(url)) => {
            if let Err(e) = super::actions::open_external(std::path::Path::new(&url)) {
                cx.toasts.error(format!("Cannot open the map: {e}"));
            }
        }
        None => {}
    }
}

fn zoom_by(state: &mut PreviewState, factor: f32) {
    state.actual_size = false;
    state.zoom = (state.zoom * factor).clamp(0.1, 16.0);
}
