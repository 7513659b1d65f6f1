//! One tile of the photo grid: the thumbnail, its name and size, a score or a stack's count,
//! the selection marks, the hover card and the context menu.

use super::format;
use super::grid_select_ui;
use super::results_grid::{GridOutput, TileAction};
use super::selection_bar::SelectionAction;
use super::textures::{TexState, TextureCache};
use crate::core::catalog::PhotoInfo;
use crate::worker::thumbnails::ThumbKey;
use egui::{Align2, Color32, FontId, Id, Rect, Role, Sense, Ui, Vec2};

pub(super) struct TileResult {
    pub(super) action: Option<TileAction>,
    /// An action on the whole selection, from a selected tile's menu.
    pub(super) on_selection: Option<SelectionAction>,
    pub(super) clicked: bool,
    pub(super) secondary: bool,
}

pub(super) struct TileCtx<'b> {
    pub(super) id: Id,
    pub(super) index: usize,
    /// Part of the selection.
    pub(super) selected: bool,
    /// The keyboard cursor is on it.
    pub(super) cursor: bool,
    /// How many photos are selected.
    pub(super) selection_len: usize,
    pub(super) thumb_px: f32,
    /// Text on the thumbnail's corner (a stack's count).
    pub(super) badge: Option<&'b str>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn tile_ui(
    ui: &mut Ui,
    rect: Rect,
    t: &TileCtx<'_>,
    info: &PhotoInfo,
    score: Option<f32>,
    label: &str,
    textures: &mut TextureCache,
    out: &mut GridOutput,
) -> TileResult {
    let resp = ui.interact(rect, t.id, Sense::CLICK);
    resp.widget_info(|| egui::WidgetInfo::selected(Role::Button, true, t.selected, label));
    let visuals = ui.visuals();
    let painter = ui.painter();
    if t.selected {
        painter.rect_filled(rect, 6.0, visuals.selection.bg_fill.gamma_multiply(0.6));
    } else if resp.hovered() {
        painter.rect_filled(rect, 6.0, visuals.widgets.hovered.weak_bg_fill);
    }
    let img_area = Rect::from_min_size(
        egui::pos2(rect.center().x - t.thumb_px / 2.0, rect.top() + 4.0),
        Vec2::splat(t.thumb_px),
    );
    let key = ThumbKey::thumb(&info.path);
    match textures.get(&key) {
        TexState::Ready(tex) => {
            let size = tex.size_vec2();
            let scale = (img_area.width() / size.x).min(img_area.height() / size.y);
            let img_rect = Rect::from_center_size(img_area.center(), size * scale);
            let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(tex.id(), img_rect, uv, Color32::WHITE);
        }
        TexState::Failed(reason) => {
            painter.rect_filled(img_area, 4.0, visuals.extreme_bg_color);
            painter.text(
                img_area.center(),
                Align2::CENTER_CENTER,
                if reason == crate::worker::thumbnails::MISSING {
                    "file missing"
                } else {
                    "cannot show"
                },
                FontId::proportional(12.0),
                visuals.warn_fg_color,
            );
        }
        TexState::Missing => {
            painter.rect_filled(img_area, 4.0, visuals.extreme_bg_color);
            out.wanted.push(key);
        }
    }
    if t.selected {
        grid_select_ui::paint_selected(ui, rect);
    } else if t.cursor {
        grid_select_ui::paint_cursor(ui, rect);
    }
    if let Some(badge) = t.badge {
        // A stack: its count on the thumbnail's corner.
        let galley =
            painter.layout_no_wrap(badge.to_owned(), FontId::proportional(11.0), Color32::WHITE);
        let pill = Rect::from_min_size(
            egui::pos2(
                img_area.right() - galley.size().x - 10.0,
                img_area.top() + 4.0,
            ),
            galley.size() + Vec2::new(8.0, 4.0),
        );
        painter.rect_filled(pill, 4.0, Color32::from_black_alpha(190));
        painter.galley(pill.min + Vec2::new(4.0, 2.0), galley, Color32::WHITE);
    }
    let name = info
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let text_top = img_area.bottom() + 3.0;
    let font = FontId::proportional(12.0);
    let color = visuals.text_color();
    let mut name_rect = Rect::from_min_size(
        egui::pos2(rect.left() + 4.0, text_top),
        Vec2::new(rect.width() - 8.0, 15.0),
    );
    if let Some(s) = score {
        let score_text = format!("{:.1}%", s * 100.0);
        let galley = painter.layout_no_wrap(score_text, font.clone(), visuals.strong_text_color());
        let pos = egui::pos2(rect.right() - 4.0 - galley.size().x, text_top);
        name_rect.set_right(pos.x - 4.0);
        painter.galley(pos, galley, color);
    }
    let name_galley = painter.layout(name, font.clone(), color, f32::INFINITY);
    let clipped = painter.with_clip_rect(name_rect.intersect(painter.clip_rect()));
    clipped.galley(name_rect.min, name_galley, color);
    let sub = format!(
        "{}×{} · {}",
        info.width,
        info.height,
        format::bytes(info.bytes)
    );
    painter.text(
        egui::pos2(rect.left() + 4.0, text_top + 16.0),
        Align2::LEFT_TOP,
        sub,
        FontId::proportional(11.0),
        visuals.weak_text_color(),
    );
    let resp = resp.on_hover_ui(|ui| {
        ui.label(info.path.display().to_string());
        ui.label(format!(
            "{}×{} px · {} · {} · {}",
            info.width,
            info.height,
            info.format,
            format::bytes(info.bytes),
            format::photo_date(info)
        ));
        if let Some(camera) = &info.camera {
            ui.label(camera);
        }
        if let Some(s) = score {
            ui.label(format!("similarity {s:.4}"));
        }
    });
    let mut action = None;
    if resp.double_clicked() {
        action = Some(TileAction::Preview(t.index));
    }
    let (clicked, secondary) = (resp.clicked(), resp.secondary_clicked());
    let mut on_selection = None;
    resp.context_menu(|ui| {
        if t.selected && t.selection_len > 1 {
            ui.weak(format!("{} selected", t.selection_len));
            for a in SelectionAction::ALL {
                if ui
                    .button(format!("{} ({})", a.label(), a.key_hint()))
                    .clicked()
                {
                    on_selection = Some(a);
                    ui.close();
                }
            }
            return;
        }
        let items = [
            ("Preview (Space)", TileAction::Preview(t.index)),
            ("Find similar (F)", TileAction::FindSimilar(t.index)),
            (
                "Open with default app (O)",
                TileAction::OpenExternal(t.index),
            ),
            ("Show in folder", TileAction::ShowInFolder(t.index)),
            ("Copy path (Ctrl+C)", TileAction::CopyPath(t.index)),
            ("Move to trash… (Delete)", TileAction::Trash(t.index)),
        ];
        for (text, a) in items {
            if ui.button(text).clicked() {
                action = Some(a);
                ui.close();
            }
        }
        if t.badge.is_some() && ui.button("Open or stack the burst (S)").clicked() {
            action = Some(TileAction::ToggleStack(t.index));
            ui.close();
        }
    });
    TileResult {
        action,
        on_selection,
        clicked,
        secondary,
    }
}
