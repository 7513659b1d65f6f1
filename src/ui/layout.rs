//! Where everything goes: panels, the current view, windows and modals, global shortcuts.

use super::app::App;
use super::preview::{self, PreviewAction};
use super::settings::{self, THUMB_RANGE};
use super::{ListKind, UiAction, View};
use super::{browse, duplicates, results_view, status_bar, top_bar, welcome};
use crate::worker::Command;
use crate::worker::thumbnails::ThumbKey;
use egui::{Context, Id, Key, Modifiers, Panel, Ui};

/// Keyboard shortcuts that work everywhere.
pub(super) fn shortcuts(app: &mut App, ctx: &Context, actions: &mut Vec<UiAction>) {
    let cmd = Modifiers::COMMAND;
    ctx.input_mut(|i| {
        let table = [
            (cmd, Key::O, UiAction::OpenImageDialog),
            (cmd, Key::L, UiAction::AddFolderDialog),
            (Modifiers::NONE, Key::F5, UiAction::Rescan),
            (cmd, Key::Comma, UiAction::ToggleSettings),
            (cmd, Key::Num1, UiAction::SetView(View::Results)),
            (cmd, Key::Num2, UiAction::SetView(View::Browse)),
            (cmd, Key::Num3, UiAction::SetView(View::Duplicates)),
        ];
        for (m, k, a) in table {
            if i.consume_key(m, k) {
                actions.push(a);
            }
        }
        if i.consume_key(Modifiers::NONE, Key::F12) {
            app.show_debug = !app.show_debug;
        }
        let step = 16.0;
        if i.consume_key(cmd, Key::Plus) || i.consume_key(cmd, Key::Equals) {
            app.settings.thumb_px = (app.settings.thumb_px + step).min(*THUMB_RANGE.end());
        }
        if i.consume_key(cmd, Key::Minus) {
            app.settings.thumb_px = (app.settings.thumb_px - step).max(*THUMB_RANGE.start());
        }
    });
    if app.show_settings
        && app.preview.is_none()
        && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape))
    {
        app.show_settings = false;
    }
}

/// Panels, the current view, then windows and overlays.
pub(super) fn panels_ui(
    app: &mut App,
    ui: &mut Ui,
    actions: &mut Vec<UiAction>,
    wanted: &mut Vec<ThumbKey>,
) {
    let ctx = ui.ctx().clone();
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    Panel::top("top_bar").show(ui, |ui| {
        ui.add_space(2.0);
        top_bar::top_bar_ui(ui, app.view, &mut app.settings, app.indexing, actions);
        ui.add_space(2.0);
    });
    Panel::bottom("status_bar").show(ui, |ui| {
        ui.add_space(2.0);
        if let Some(p) = &app.progress {
            status_bar::progress_ui(ui, p, actions);
        }
        status_bar::status_line_ui(
            ui,
            app.status.as_ref(),
            app.indexing,
            app.last_report.as_ref(),
            actions,
        );
        ui.add_space(2.0);
    });
    let keyboard = app.preview.is_none() && app.confirm_trash.is_none();
    egui::CentralPanel::default().show(ui, |ui| {
        let thumb_px = app.settings.thumb_px;
        match app.view {
            View::Results => {
                let empty_library = app
                    .status
                    .as_ref()
                    .is_some_and(|s| s.roots.is_empty() && s.photos == 0);
                if let Some(q) = &mut app.query {
                    if !keyboard {
                        q.grid.scroll_to_selected = false;
                    }
                    results_view::results_ui(
                        ui,
                        q,
                        thumb_px,
                        &mut app.textures,
                        actions,
                        wanted,
                        keyboard,
                    );
                } else if app.status.is_none() {
                    ui.centered_and_justified(|ui| ui.spinner());
                } else if empty_library && !app.indexing {
                    welcome::welcome_ui(ui, hovering, actions);
                } else {
                    results_view::drop_zone_ui(ui, hovering, actions);
                }
            }
            View::Browse => {
                browse::browse_ui(
                    ui,
                    &mut app.browse,
                    thumb_px,
                    &mut app.textures,
                    actions,
                    wanted,
                    keyboard,
                );
            }
            View::Duplicates => {
                let lib = duplicates::LibraryInfo {
                    indexing: app.indexing,
                    photos: app.status.as_ref().map(|s| s.photos),
                };
                app.dupes.ui(ui, lib, &mut app.textures, wanted, keyboard);
            }
        }
    });
    let mut front = Vec::new();
    preview_ui(app, &ctx, actions, &mut front);
    front.append(wanted);
    *wanted = front;
    windows_ui(app, &ctx, actions);
    duplicates::undo_ui(&ctx, &mut app.dupes.state);
    app.toasts.show(&ctx);
    if hovering {
        drop_overlay(&ctx);
    }
    if app.show_debug {
        debug_overlay(app, &ctx);
    }
}

fn preview_ui(
    app: &mut App,
    ctx: &Context,
    actions: &mut Vec<UiAction>,
    wanted: &mut Vec<ThumbKey>,
) {
    let Some((list, mut state)) = app.preview.clone() else {
        return;
    };
    let count = app.list_len(list);
    let Some((info, score)) = app.item(list, state.index) else {
        app.preview = None;
        return;
    };
    let action = preview::preview_ui(
        ctx,
        &mut state,
        count,
        &info,
        score,
        &mut app.textures,
        wanted,
    );
    // Prefetch the neighbours.
    for j in [state.index + 1, state.index.wrapping_sub(1)] {
        if let Some((n, _)) = app.item(list, j) {
            wanted.push(ThumbKey::preview(&n.path));
        }
    }
    let grid = match list {
        ListKind::Results => app.query.as_mut().map(|q| &mut q.grid),
        ListKind::Browse => Some(&mut app.browse.grid),
    };
    if let Some(g) = grid {
        g.selected = Some(state.index);
    }
    app.preview = Some((list, state));
    match action {
        Some(PreviewAction::Close) => app.preview = None,
        Some(PreviewAction::Tile(a)) => actions.push(UiAction::Tile(list, a)),
        None => {}
    }
}

fn windows_ui(app: &mut App, ctx: &Context, actions: &mut Vec<UiAction>) {
    if app.show_settings {
        let mut open = true;
        let mut acts = settings::SettingsActions::default();
        egui::Window::new("Settings")
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| {
                let info = settings::ModelInfo {
                    models: app.models.as_deref(),
                    download: app.download.as_ref(),
                };
                acts = settings::settings_ui(
                    ui,
                    &mut app.settings,
                    &mut app.model_draft,
                    app.status.as_ref(),
                    info,
                );
            });
        app.show_settings = open;
        if acts.apply_model {
            app.settings.model = app.model_draft.model.clone();
            app.settings.device = app.model_draft.device.clone();
            let (spec, device) = (app.settings.model.clone(), app.settings.device.clone());
            app.send(Command::SetModel { spec, device });
        }
        if acts.add_folder {
            actions.push(UiAction::AddFolderDialog);
        }
        if let Some(root) = acts.remove_folder {
            app.send(Command::RemoveRoot(root));
        }
        if acts.rescan {
            actions.push(UiAction::Rescan);
        }
        if let Some(name) = acts.download {
            app.download = Some(settings::DownloadState {
                name: name.clone(),
                done: 0,
                total: None,
            });
            app.send(Command::DownloadModel(name));
        }
    }
    if app.show_failures {
        let mut open = true;
        status_bar::failures_window(ctx, &mut open, app.failures.as_deref());
        app.show_failures = open;
    }
    if let Some(items) = app.confirm_trash.clone() {
        let (mut confirm, mut cancel) = (false, false);
        let modal = egui::Modal::new(Id::unique("confirm_trash")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading("Move to the trash?");
            for (_, p) in items.iter().take(5) {
                ui.label(p.display().to_string());
            }
            ui.label("The file goes to the system trash, where you can restore it.");
            ui.horizontal(|ui| {
                if ui.button("Move to trash (Enter)").clicked() {
                    confirm = true;
                }
                if ui.button("Cancel (Esc)").clicked() {
                    cancel = true;
                }
            });
        });
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter)) {
            confirm = true;
        }
        if modal.should_close() {
            cancel = true;
        }
        if confirm {
            app.confirm_trash = None;
            app.send(Command::Trash(items));
        } else if cancel {
            app.confirm_trash = None;
        }
    }
}

/// Highlight the whole window while files are dragged over it.
fn drop_overlay(ctx: &Context) {
    let rect = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        Id::unique("drop_overlay"),
    ));
    let v = ctx.global_style().visuals.clone();
    painter.rect_filled(
        rect.shrink(6.0),
        12.0,
        v.selection.bg_fill.gamma_multiply(0.25),
    );
    painter.rect_stroke(
        rect.shrink(6.0),
        12.0,
        egui::Stroke::new(3.0, v.selection.stroke.color),
        egui::StrokeKind::Inside,
    );
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        "Drop a photo to find similar ones, or a folder to add it",
        egui::FontId::proportional(22.0),
        v.strong_text_color(),
    );
}

fn debug_overlay(app: &App, ctx: &Context) {
    let (avg, max, over) = app.frames.summary();
    egui::Area::new(Id::unique("debug_overlay"))
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-8.0, 40.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.monospace(format!("frame avg {avg:.2} ms  max {max:.2} ms"));
                ui.monospace(format!("frames over 16 ms: {over} (of last 240)"));
                ui.monospace(format!(
                    "textures: {} ({} MB)",
                    app.textures.len(),
                    app.textures.bytes() / (1024 * 1024)
                ));
            });
        });
}
