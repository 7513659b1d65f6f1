//! Where everything goes: the bars, the current view, then windows and overlays. Each panel
//! gets its own state and the frame's [`ViewContext`]; the app owns the state and lends it here
//! for one frame ([`Panels`]).

use super::browse::BrowseState;
use super::context::ViewContext;
use super::duplicates::DupesView;
use super::frame_stats::FrameStats;
use super::preview::{self, PreviewState};
use super::results_view::{self, QueryState};
use super::settings_window::SettingsWindow;
use super::status_bar::{self, FailuresWindow};
use super::textures::TextureCache;
use super::top_bar;
use super::trash::TrashFlow;
use super::words_box::WordsBox;
use super::{ListKind, View};
use crate::core::indexer::IndexReport;
use crate::worker::IndexProgress;
use egui::{Context, Id, Panel, Ui};

/// The app's views and windows, lent to the layout for one frame.
pub(super) struct Panels<'a> {
    /// The view shown.
    pub(super) view: View,
    /// Indexing progress, while indexing.
    pub(super) progress: Option<&'a IndexProgress>,
    /// The last finished indexing run.
    pub(super) last_report: Option<&'a IndexReport>,
    /// The results view's query.
    pub(super) query: &'a mut Option<QueryState>,
    /// The search box.
    pub(super) words: &'a mut WordsBox,
    /// The browse view.
    pub(super) browse: &'a mut BrowseState,
    /// The duplicates view.
    pub(super) dupes: &'a mut DupesView,
    /// The open preview and the list it belongs to.
    pub(super) preview: &'a mut Option<(ListKind, PreviewState)>,
    /// The settings window.
    pub(super) settings: &'a mut SettingsWindow,
    /// The window of failed files.
    pub(super) failures: &'a mut FailuresWindow,
    /// The trash confirmation and undo offer.
    pub(super) trash: &'a mut TrashFlow,
    /// Where trashed photos go, for the confirmation.
    pub(super) trash_place: &'a str,
    /// Frame times, when the debug overlay is on.
    pub(super) debug: Option<&'a FrameStats>,
}

/// Panels, the current view, then windows and overlays.
pub(super) fn panels_ui(ui: &mut Ui, p: Panels<'_>, cx: &mut ViewContext<'_>) {
    let ctx = ui.ctx().clone();
    Panel::top("top_bar").show(ui, |ui| {
        ui.add_space(2.0);
        top_bar::top_bar_ui(ui, p.view, p.words, cx);
        ui.add_space(2.0);
    });
    Panel::bottom("status_bar").show(ui, |ui| {
        ui.add_space(2.0);
        status_bar::status_bar_ui(ui, p.progress, p.last_report, cx);
        ui.add_space(2.0);
    });
    egui::CentralPanel::default().show(ui, |ui| match p.view {
        View::Results => results_view::results_view_ui(ui, p.query, cx),
        View::Browse => super::browse::browse_ui(ui, p.browse, cx),
        View::Duplicates => p.dupes.ui(ui, cx),
    });
    // The preview's images come before the grids' thumbnails.
    let grids = cx.wanted.len();
    preview::preview_window(&ctx, p.preview, p.query, p.browse, cx);
    cx.wanted.rotate_left(grids);
    p.settings.ui(&ctx, cx);
    super::words_box::clip_offer_ui(&ctx, p.words, cx.actions);
    p.failures.ui(&ctx);
    if let Some(plan) = p.dupes.state.confirm.take() {
        p.trash.ask(plan);
    }
    if let Some(cmd) = p.trash.confirm_ui(&ctx, p.trash_place) {
        cx.send(cmd);
    }
    if let Some(cmd) = p.trash.undo_ui(&ctx) {
        cx.send(cmd);
    }
    cx.toasts.show(&ctx);
    if cx.hovering {
        drop_overlay(&ctx);
    }
    if let Some(frames) = p.debug {
        debug_overlay(frames, cx.textures, &ctx);
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

fn debug_overlay(frames: &FrameStats, textures: &TextureCache, ctx: &Context) {
    let (avg, max, over) = frames.summary();
    egui::Area::new(Id::unique("debug_overlay"))
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-8.0, 40.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.monospace(format!("frame avg {avg:.2} ms  max {max:.2} ms"));
                ui.monospace(format!("frames over 16 ms: {over} (of last 240)"));
                ui.monospace(format!(
                    "textures: {} ({} MB)",
                    textures.len(),
                    textures.bytes() / (1024 * 1024)
                ));
            });
        });
}
