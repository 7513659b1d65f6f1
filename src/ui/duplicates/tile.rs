//! One photo of a duplicate group: thumbnail, facts (resolution, size, format, date, folder), the
//! KEEP badge or the removal mark, and the small helpers the other files share.

use crate::core::dupes::{GroupMember, Tier};
use crate::ui::format;
use crate::ui::textures::{TexState, TextureCache};
use crate::worker::thumbnails::ThumbKey;
use egui::{Color32, RichText, Sense, Stroke, Ui, Vec2};
use std::path::Path;

/// Badge colour of the kept photo.
pub const KEEP_GREEN: Color32 = Color32::from_rgb(40, 150, 70);
/// Frame colour of a photo marked to move.
pub const MARK_RED: Color32 = Color32::from_rgb(200, 60, 50);

/// What the user did on a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TileResponse {
    /// Clicked the picture (focus it).
    pub clicked: bool,
    /// Double-clicked the picture (compare it).
    pub compare: bool,
    /// Chose to keep it.
    pub keep: bool,
    /// Toggled its removal mark.
    pub toggle_mark: bool,
}

/// What a tile shows about its photo.
pub struct TileInfo<'a> {
    /// The photo.
    pub member: &'a GroupMember,
    /// It is the kept one.
    pub kept: bool,
    /// It is marked to move.
    pub marked: bool,
    /// It has the keyboard focus.
    pub focused: bool,
}

/// "exact copies", "near duplicates", "similar shots".
pub fn tier_label(t: Tier) -> &'static str {
    match t {
        Tier::Exact => "exact copies",
        Tier::Near => "near duplicates",
        Tier::Similar => "similar shots",
    }
}

/// The file name of a path (or the whole path when it has none).
pub fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// "4000×3000 · 2.1 MB · JPEG · 2024-05-17 14:03".
pub fn details(m: &GroupMember) -> String {
    format!(
        "{}×{} · {} · {} · {}",
        m.photo.width,
        m.photo.height,
        format::bytes(m.photo.bytes),
        m.photo.format.to_uppercase(),
        format::photo_date(&m.photo)
    )
}

/// "in holidays/2024" (the last two folders of the photo's path).
pub fn short_folder(p: &Path) -> String {
    let Some(parent) = p.parent() else {
        return String::new();
    };
    let names: Vec<String> = parent
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let short: Vec<&str> = names.iter().rev().map(String::as_str).collect();
    format!("in {}", short.join("/"))
}

/// The green "KEEP" badge.
pub fn keep_badge(ui: &mut Ui) {
    egui::Frame::new()
        .fill(KEEP_GREEN)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| {
            ui.label(RichText::new("KEEP").strong().color(Color32::WHITE));
        });
}

/// Draw one photo tile `side_px` wide.
pub fn tile_ui(
    ui: &mut Ui,
    info: &TileInfo<'_>,
    side_px: f32,
    textures: &mut TextureCache,
    wanted: &mut Vec<ThumbKey>,
) -> TileResponse {
    let mut out = TileResponse::default();
    let m = info.member;
    ui.allocate_ui(Vec2::new(side_px, side_px + 110.0), |ui| {
        ui.set_width(side_px);
        ui.vertical(|ui| {
            let (rect, resp) = ui.allocate_exact_size(Vec2::splat(side_px), Sense::click());
            let painter = ui.painter_at(rect);
            painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
            let key = ThumbKey::thumb(&m.photo.path);
            match textures.get(&key) {
                TexState::Ready(t) => {
                    let size = t.size_vec2();
                    let scale = (side_px / size.x).min(side_px / size.y);
                    let r = egui::Rect::from_center_size(rect.center(), size * scale);
                    let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                    painter.image(t.id(), r, uv, Color32::WHITE);
                }
                TexState::Failed(why) => {
                    painter.text(
                        rect.center(),
                        egui::Align2::CENTER_CENTER,
                        "cannot show",
                        egui::FontId::proportional(12.0),
                        ui.visuals().error_fg_color,
                    );
                    let _ = why;
                }
                TexState::Missing => wanted.push(key),
            }
            let (stroke, badge) = if info.kept {
                (Stroke::new(3.0, KEEP_GREEN), Some(("KEEP", KEEP_GREEN)))
            } else if info.marked {
                (Stroke::new(3.0, MARK_RED), Some(("TRASH", MARK_RED)))
            } else if m.protected {
                (
                    Stroke::new(1.0, ui.visuals().weak_text_color()),
                    Some(("REFERENCE", Color32::from_rgb(60, 90, 160))),
                )
            } else {
                (Stroke::new(1.0, ui.visuals().weak_text_color()), None)
            };
            painter.rect_stroke(rect, 4.0, stroke, egui::StrokeKind::Inside);
            if info.focused {
                // Outside the picture: the clipped painter would hide it.
                ui.painter().rect_stroke(
                    rect.expand(2.0),
                    5.0,
                    Stroke::new(2.0, ui.visuals().selection.stroke.color),
                    egui::StrokeKind::Outside,
                );
            }
            if let Some((text, fill)) = badge {
                let galley = painter.layout_no_wrap(
                    text.to_string(),
                    egui::FontId::proportional(13.0),
                    Color32::WHITE,
                );
                let at = rect.left_top() + Vec2::new(6.0, 6.0);
                painter.rect_filled(
                    egui::Rect::from_min_size(at, galley.size()).expand(3.0),
                    3.0,
                    fill,
                );
                painter.galley(at, galley, Color32::WHITE);
            }
            let resp = resp.on_hover_text(m.photo.path.display().to_string());
            out.clicked = resp.clicked();
            out.compare = resp.double_clicked();
            ui.add(egui::Label::new(RichText::new(file_name(&m.photo.path)).strong()).truncate());
            ui.label(format!(
                "{}×{} · {} · {}",
                m.photo.width,
                m.photo.height,
                format::bytes(m.photo.bytes),
                m.photo.format.to_uppercase()
            ));
            ui.label(RichText::new(format::photo_date(&m.photo)).weak());
            if let Some(camera) = &m.photo.camera {
                ui.add(egui::Label::new(RichText::new(camera).weak()).truncate());
            }
            if !m.companions.is_empty() {
                // "+ RAW · sidecar": files that are kept or trashed with this photo.
                let badges: Vec<&str> = m.companions.iter().map(|c| c.kind.badge()).collect();
                let list: Vec<String> = m
                    .companions
                    .iter()
                    .map(|c| c.path.display().to_string())
                    .collect();
                ui.label(
                    RichText::new(format!("+ {}", badges.join(" · ")))
                        .small()
                        .color(ui.visuals().warn_fg_color),
                )
                .on_hover_text(format!(
                    "Travels with this photo (kept or moved to the trash together):\n{}",
                    list.join("\n")
                ));
            }
            let folder = m
                .photo
                .path
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            ui.add(egui::Label::new(RichText::new(short_folder(&m.photo.path)).weak()).truncate())
                .on_hover_text(&folder);
            ui.horizontal(|ui| {
                if info.kept {
                    keep_badge(ui);
                } else {
                    if ui
                        .small_button("Keep")
                        .on_hover_text("Keep this photo instead (K)")
                        .clicked()
                    {
                        out.keep = true;
                    }
                    if m.protected {
                        ui.label(RichText::new("protected").weak())
                            .on_hover_text("In a reference folder: never moved");
                    } else {
                        let mut marked = info.marked;
                        if ui
                            .checkbox(&mut marked, "Trash")
                            .on_hover_text("Mark or unmark for the trash (X)")
                            .changed()
                        {
                            out.toggle_mark = true;
                        }
                    }
                }
            });
        });
    });
    out
}

/// Height a tile of `side_px` takes, for the virtualised list.
pub fn tile_height(ui: &Ui, side_px: f32) -> f32 {
    let row = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    side_px + 4.0 * row + ui.spacing().interact_size.y + 8.0
}
