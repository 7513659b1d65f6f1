//! The compare view: the kept photo and another one of the group side by side with one zoom and
//! pan for both, a flicker mode (A/B on Space or a timer) and a difference highlight.

use super::state::{DupesState, default_other};
use super::tile;
use crate::ui::textures::{TexState, TextureCache};
use crate::worker::thumbnails::ThumbKey;
use egui::{Color32, ColorImage, Pos2, Rect, RichText, Sense, TextureHandle, Ui, Vec2};
use image::RgbImage;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How the two photos are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMode {
    /// Left and right.
    SideBySide,
    /// One at a time, switched with Space (or a timer).
    Flicker,
    /// Bright where they differ.
    Difference,
}

/// Time between switches of the automatic flicker.
const FLICKER_EVERY: Duration = Duration::from_millis(600);
/// Zoom limits (1 = fit).
const ZOOM_RANGE: (f32, f32) = (1.0, 32.0);

/// How the open compare view shows its pair (which pair is [`DupesState::compare`]).
pub struct CompareState {
    /// Display mode.
    pub mode: CompareMode,
    /// Zoom factor over "fit" (same for both photos).
    pub zoom: f32,
    /// Offset of the image centre from the pane centre, in displayed image sizes (same for both).
    pub pan: Vec2,
    /// In flicker mode: showing the right photo.
    pub show_b: bool,
    /// Flicker by itself.
    pub auto_flicker: bool,
    last_flip: Instant,
    /// Textures of the difference highlight and of B aligned onto A, for this pair.
    diff_textures: Option<((PathBuf, PathBuf), TextureHandle, TextureHandle)>,
}

impl Default for CompareState {
    fn default() -> Self {
        Self::new()
    }
}

impl CompareState {
    /// Side by side, fitted.
    pub fn new() -> Self {
        Self {
            mode: CompareMode::SideBySide,
            zoom: 1.0,
            pan: Vec2::ZERO,
            show_b: false,
            auto_flicker: false,
            last_flip: Instant::now(),
            diff_textures: None,
        }
    }

    /// Back to "fit".
    pub fn reset_view(&mut self) {
        self.zoom = 1.0;
        self.pan = Vec2::ZERO;
    }

    /// Switch A/B in flicker mode.
    pub fn flip(&mut self) {
        self.show_b = !self.show_b;
        self.last_flip = Instant::now();
    }

    /// Where an image of `size` px is drawn in `pane` with the shared zoom and pan.
    fn image_rect(&self, pane: Rect, size: Vec2) -> Rect {
        let fit = (pane.width() / size.x.max(1.0)).min(pane.height() / size.y.max(1.0));
        let shown = size * fit * self.zoom;
        Rect::from_center_size(pane.center() + self.pan * shown, shown)
    }

    /// Zoom by `factor` keeping the point under `cursor` in place (in `pane`, image `size`).
    fn zoom_at(&mut self, pane: Rect, size: Vec2, cursor: Pos2, factor: f32) {
        let before = self.image_rect(pane, size);
        let at = (cursor - before.center()) / before.size();
        let old = self.zoom;
        self.zoom = (old * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
        if self.zoom <= ZOOM_RANGE.0 {
            self.pan = Vec2::ZERO;
            return;
        }
        let shown = before.size() * (self.zoom / old);
        let centre = cursor - at * shown;
        self.pan = ((centre - pane.center()) / shown).clamp(Vec2::splat(-0.5), Vec2::splat(0.5));
    }
}

/// A photo's texture: the large preview, else the grid thumbnail while it loads.
fn texture(
    path: &std::path::Path,
    textures: &mut TextureCache,
    wanted: &mut Vec<ThumbKey>,
) -> Option<TextureHandle> {
    let key = ThumbKey::preview(path);
    if let TexState::Ready(t) = textures.get(&key) {
        return Some(t.clone());
    }
    wanted.push(key);
    let thumb = ThumbKey::thumb(path);
    match textures.get(&thumb) {
        TexState::Ready(t) => Some(t.clone()),
        _ => {
            wanted.push(thumb);
            None
        }
    }
}

/// Draw one pane: the image with the shared transform and a label.
fn pane_ui(
    ui: &mut Ui,
    state: &CompareState,
    pane: Rect,
    tex: Option<&TextureHandle>,
    label: &str,
) {
    let painter = ui.painter_at(pane);
    painter.rect_filled(pane, 4.0, ui.visuals().extreme_bg_color);
    match tex {
        Some(t) => {
            let r = state.image_rect(pane, t.size_vec2());
            let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
            painter.image(t.id(), r, uv, Color32::WHITE);
        }
        None => {
            painter.text(
                pane.center(),
                egui::Align2::CENTER_CENTER,
                "loading…",
                egui::FontId::proportional(14.0),
                ui.visuals().weak_text_color(),
            );
        }
    }
    let galley = painter.layout_no_wrap(
        label.to_string(),
        egui::FontId::proportional(15.0),
        Color32::WHITE,
    );
    let at = pane.left_top() + Vec2::new(10.0, 10.0);
    painter.rect_filled(
        Rect::from_min_size(at, galley.size()).expand(4.0),
        3.0,
        Color32::from_black_alpha(160),
    );
    painter.galley(at, galley, Color32::WHITE);
}

/// The compare view of the selected group. `keyboard` is handled by the caller.
pub fn compare_ui(
    ui: &mut Ui,
    state: &mut DupesState,
    cmp: &mut CompareState,
    textures: &mut TextureCache,
    wanted: &mut Vec<ThumbKey>,
) {
    let g = state.selected;
    let Some(group) = state.groups().get(g).cloned() else {
        state.compare = None;
        return;
    };
    let n_groups = state.groups().len();
    let Some(mut other) = state.compare else {
        return;
    };
    other = other.min(group.members.len().saturating_sub(1));
    if other == group.keep && group.members.len() > 1 {
        other = default_other(&group);
    }
    let a = group.kept().clone();
    let Some(b) = group.members.get(other).cloned() else {
        state.compare = None;
        return;
    };
    let mut close = false;
    ui.horizontal_wrapped(|ui| {
        if ui.button("Back to groups (Esc)").clicked() {
            close = true;
        }
        ui.separator();
        ui.label(
            RichText::new(format!(
                "Group {} of {n_groups} · {}",
                g + 1,
                tile::tier_label(group.tier)
            ))
            .strong(),
        );
        ui.separator();
        ui.selectable_value(&mut cmp.mode, CompareMode::SideBySide, "Side by side");
        ui.selectable_value(&mut cmp.mode, CompareMode::Flicker, "Flicker (Space)");
        ui.selectable_value(&mut cmp.mode, CompareMode::Difference, "Difference (D)");
        if cmp.mode == CompareMode::Flicker {
            ui.checkbox(&mut cmp.auto_flicker, "Automatic");
        }
        if ui.button("Fit (0)").clicked() {
            cmp.reset_view();
        }
        ui.label(RichText::new("scroll: zoom · drag: pan · keys…").weak())
            .on_hover_text(
                "Arrows: previous/next group\nN: next photo of the group\nK: keep it\n\
                 X: mark or unmark it for the trash\nI: not a duplicate of A\n\
                 Space: flicker A/B\nD: difference\n0 or double-click: fit\nEsc: back",
            );
    });
    if group.members.len() > 2 {
        ui.horizontal_wrapped(|ui| {
            ui.label("Compare the kept photo with:");
            for (i, m) in group.members.iter().enumerate() {
                if i == group.keep {
                    continue;
                }
                let name = tile::file_name(&m.photo.path);
                if ui.selectable_label(other == i, name).clicked() {
                    other = i;
                }
            }
        });
    }
    // Info and actions under the images.
    let info_h = 70.0;
    let avail = ui.available_rect_before_wrap();
    let area = Rect::from_min_max(avail.min, Pos2::new(avail.max.x, avail.max.y - info_h));
    let resp = ui.allocate_rect(area, Sense::click_and_drag());
    let tex_a = texture(&a.photo.path, textures, wanted);
    let tex_b = texture(&b.photo.path, textures, wanted);
    let key = (a.photo.path.clone(), b.photo.path.clone());
    if cmp.mode != CompareMode::SideBySide {
        state.want_diff(&a.photo.path, &b.photo.path);
        if cmp.diff_textures.as_ref().is_none_or(|(k, _, _)| *k != key)
            && let Some((_, _, Ok(images))) = state
                .diff
                .as_ref()
                .filter(|(da, db, _)| *da == key.0 && *db == key.1)
        {
            let load = |name: &str, px: &RgbImage| {
                let size = [px.width() as usize, px.height() as usize];
                let image = ColorImage::from_rgb(size, px.as_raw());
                ui.ctx()
                    .load_texture(name, image, egui::TextureOptions::LINEAR)
            };
            cmp.diff_textures = Some((
                key.clone(),
                load("dupes-diff", &images.diff),
                load("dupes-aligned-b", &images.aligned_b),
            ));
        }
    }
    // This pair's difference and aligned B once computed (never another pair's, shown while
    // the new one is made); in flicker mode B is shown lined up on A's frame.
    let (diff_tex, aligned_b) = cmp
        .diff_textures
        .as_ref()
        .filter(|(k, _, _)| *k == key)
        .map(|(_, d, b)| (d.clone(), b.clone()))
        .unzip();
    let gap = 8.0;
    let panes: Vec<Rect> = if cmp.mode == CompareMode::SideBySide {
        let w = (area.width() - gap) / 2.0;
        vec![
            Rect::from_min_size(area.min, Vec2::new(w, area.height())),
            Rect::from_min_size(
                area.min + Vec2::new(w + gap, 0.0),
                Vec2::new(w, area.height()),
            ),
        ]
    } else {
        vec![area]
    };
    // Zoom and pan, measured on the pane under the pointer, applied to both.
    let size_of =
        |t: &Option<TextureHandle>| t.as_ref().map_or(Vec2::splat(100.0), |t| t.size_vec2());
    let hover = resp.hover_pos();
    if let Some(pos) = hover {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        let pinch = ui.input(egui::InputState::zoom_delta);
        let factor = pinch * (scroll / 200.0).exp();
        if (factor - 1.0).abs() > 1e-4
            && let Some(pane) = panes.iter().find(|p| p.contains(pos))
        {
            let size = if *pane == panes[0] {
                size_of(&tex_a)
            } else {
                size_of(&tex_b)
            };
            cmp.zoom_at(*pane, size, pos, factor);
        }
    }
    if resp.dragged() {
        let shown = cmp.image_rect(panes[0], size_of(&tex_a)).size();
        cmp.pan += resp.drag_delta() / shown.max(Vec2::splat(1.0));
        // Keep some of the image in view.
        cmp.pan = cmp.pan.clamp(Vec2::splat(-0.5), Vec2::splat(0.5));
    }
    if resp.double_clicked() {
        cmp.reset_view();
    }
    if cmp.mode == CompareMode::Flicker && cmp.auto_flicker {
        if cmp.last_flip.elapsed() >= FLICKER_EVERY {
            cmp.flip();
        }
        ui.ctx()
            .request_repaint_after(FLICKER_EVERY.saturating_sub(cmp.last_flip.elapsed()));
    }
    let label_a = format!("A · KEEP · {}", tile::file_name(&a.photo.path));
    let label_b = format!("B · {}", tile::file_name(&b.photo.path));
    match cmp.mode {
        CompareMode::SideBySide => {
            pane_ui(ui, cmp, panes[0], tex_a.as_ref(), &label_a);
            pane_ui(ui, cmp, panes[1], tex_b.as_ref(), &label_b);
        }
        CompareMode::Flicker => {
            let label_aligned = format!("{label_b} (aligned onto A)");
            let (t, l) = match (&aligned_b, cmp.show_b) {
                (_, false) => (tex_a.as_ref(), &label_a),
                (Some(t), true) => (Some(t), &label_aligned),
                (None, true) => (tex_b.as_ref(), &label_b),
            };
            pane_ui(ui, cmp, panes[0], t, l);
        }
        CompareMode::Difference => {
            let t = diff_tex;
            let label = match state.diff.as_ref().map(|d| &d.2) {
                Some(Err(e)) if t.is_none() => format!("Difference: {e}"),
                _ => "Difference |A − B| (bright = differs; B aligned onto A; blue = not in B)"
                    .to_string(),
            };
            pane_ui(ui, cmp, panes[0], t.as_ref(), &label);
        }
    }
    ui.add_space(4.0);
    ui.columns(2, |cols| {
        for (ui, (side, m, idx)) in cols
            .iter_mut()
            .zip([("A", &a, group.keep), ("B", &b, other)])
        {
            ui.add(
                egui::Label::new(
                    RichText::new(format!("{side}: {}", m.photo.path.display())).strong(),
                )
                .truncate(),
            );
            ui.label(tile::details(m));
            ui.horizontal(|ui| {
                if idx == group.keep {
                    tile::keep_badge(ui);
                } else {
                    if ui.button("Keep this one (K)").clicked() {
                        state.set_keep(g, idx);
                    }
                    let mut marked = state.is_marked(g, idx);
                    if m.protected {
                        ui.label(RichText::new("In a reference folder: protected").weak());
                    } else if ui.checkbox(&mut marked, "Move to trash (X)").changed() {
                        state.toggle_mark(g, idx);
                    }
                    if ui
                        .button("Not a duplicate of A (I)")
                        .on_hover_text("Never pair these two again (kept across moves)")
                        .clicked()
                    {
                        state.ignore_pair(g, idx);
                    }
                }
            });
        }
    });
    state.compare = (!close).then_some(other);
}
