//! The egui side of a grid's selection: the rubber band dragged on empty grid space, a click on
//! empty space that clears, the modifier keys of a click, and how a selected tile is marked
//! (an accent border and a check mark). The rules themselves are in [`super::grid_selection`].

use super::grid_selection::{ClickMods, GridGeometry, IdList};
use super::results_grid::GridState;
use egui::{Color32, Id, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};

/// The modifier keys of this frame's click: those the button event carried (a key may be let go
/// later in the same frame), else those held now.
pub fn click_mods(ui: &Ui) -> ClickMods {
    ui.input(|i| {
        let m = i
            .events
            .iter()
            .rev()
            .find_map(|e| match e {
                egui::Event::PointerButton {
                    pressed: false,
                    modifiers,
                    ..
                } => Some(*modifiers),
                _ => None,
            })
            .unwrap_or(i.modifiers);
        ClickMods {
            toggle: m.command,
            range: m.shift,
        }
    })
}

/// The rubber band and clicks on empty space, over the grid's content (`origin` is the
/// content's top left on screen, `viewport` the visible part in content coordinates). Call it
/// before the tiles are laid out, so that they stay on top for clicks; a drag that starts on a
/// tile is not a band.
pub fn band_ui(
    ui: &mut Ui,
    id: Id,
    origin: Pos2,
    viewport: Rect,
    geometry: &GridGeometry,
    state: &mut GridState,
    list: &(impl IdList + ?Sized),
) {
    let visible = viewport.translate(origin.to_vec2());
    let bg = ui.interact(visible, id, Sense::drag());
    let to_content = |p: Pos2| p - origin.to_vec2();
    if bg.drag_started() {
        let start = ui
            .input(|i| i.pointer.press_origin())
            .or(bg.interact_pointer_pos())
            .map(to_content);
        if let Some(start) = start.filter(|p| geometry.index_at(*p).is_none()) {
            state.band_origin = Some(start);
            state.selection.begin_band(click_mods(ui).toggle);
        }
    }
    if let Some(start) = state.band_origin {
        match bg.interact_pointer_pos().filter(|_| bg.dragged()) {
            Some(now) => {
                let band = Rect::from_two_pos(start, to_content(now));
                state.selection.update_band(geometry.indices_in(band), list);
                let on_screen = band.translate(origin.to_vec2());
                let visuals = ui.visuals();
                let painter = ui.painter();
                painter.rect_filled(
                    on_screen,
                    2.0,
                    visuals.selection.bg_fill.gamma_multiply(0.25),
                );
                painter.rect_stroke(
                    on_screen,
                    2.0,
                    Stroke::new(1.0, visuals.selection.stroke.color),
                    StrokeKind::Inside,
                );
                // Near an edge, scroll so the band can reach photos out of view.
                let edge = 24.0;
                if now.y < visible.top() + edge {
                    ui.scroll_with_delta(Vec2::new(0.0, 12.0));
                } else if now.y > visible.bottom() - edge {
                    ui.scroll_with_delta(Vec2::new(0.0, -12.0));
                }
            }
            None => {
                state.band_origin = None;
                state.selection.end_band();
            }
        }
    }
    // A click on empty space (not a tile, not a drag) selects nothing.
    let clicked_empty = ui.input(|i| {
        i.pointer.primary_clicked()
            && !i.modifiers.command
            && !i.modifiers.shift
            && i.pointer
                .interact_pos()
                .is_some_and(|p| visible.contains(p) && geometry.index_at(to_content(p)).is_none())
    });
    if clicked_empty && bg.contains_pointer() {
        state.selection.clear();
    }
}

/// Mark a selected tile (over its thumbnail): an accent border and a check mark in a filled
/// circle at its top left.
pub fn paint_selected(ui: &Ui, rect: Rect) {
    let visuals = ui.visuals();
    let accent = visuals.selection.stroke.color;
    let painter = ui.painter();
    painter.rect_stroke(rect, 6.0, Stroke::new(3.0, accent), StrokeKind::Inside);
    let c = rect.min + Vec2::splat(14.0);
    painter.circle_filled(c, 10.0, accent);
    let tick = Stroke::new(2.2, contrast(accent));
    painter.line_segment([c + Vec2::new(-5.0, 0.0), c + Vec2::new(-1.5, 3.5)], tick);
    painter.line_segment([c + Vec2::new(-1.5, 3.5), c + Vec2::new(5.0, -4.0)], tick);
}

/// Mark the keyboard cursor's tile when it is not selected: a thin outline.
pub fn paint_cursor(ui: &Ui, rect: Rect) {
    let stroke = Stroke::new(1.5, ui.visuals().selection.stroke.color.gamma_multiply(0.8));
    ui.painter()
        .rect_stroke(rect, 6.0, stroke, StrokeKind::Inside);
}

/// Black or white, whichever reads on `c`.
fn contrast(c: Color32) -> Color32 {
    let luma = 0.299 * f32::from(c.r()) + 0.587 * f32::from(c.g()) + 0.114 * f32::from(c.b());
    if luma > 140.0 {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}
