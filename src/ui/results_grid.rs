//! The virtualised photo grid shared by the results and browse views: only visible tiles are laid
//! out, painted and asked for thumbnails, so 100,000 photos scroll as smoothly as 100.

use super::grid_select_ui;
use super::grid_selection::{FnList, GridGeometry, Selection};
use super::grid_tile::{TileCtx, tile_ui};
use super::selection_bar::SelectionAction;
use super::textures::TextureCache;
use crate::core::catalog::PhotoInfo;
use crate::worker::thumbnails::ThumbKey;
use egui::{Align2, FontId, Id, Key, Rect, Ui, Vec2};

/// Gap between tiles (points).
const GAP: f32 = 8.0;
/// Height of the caption under a thumbnail.
const CAPTION_H: f32 = 34.0;
/// Height of a section header.
const HEADER_H: f32 = 28.0;

/// A run of items under one heading (empty title: no heading). A section may hold no items:
/// a heading above the ones that follow (the timeline's year and month).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Heading text.
    pub title: String,
    /// First item.
    pub start: usize,
    /// One past the last item.
    pub end: usize,
    /// Heading size: [`Section::YEAR`] largest, [`Section::MONTH`], [`Section::GROUP`] (a day,
    /// a folder).
    pub level: u8,
}

impl Section {
    /// A year's heading.
    pub const YEAR: u8 = 0;
    /// A month's heading.
    pub const MONTH: u8 = 1;
    /// A day's or a folder's heading.
    pub const GROUP: u8 = 2;

    /// Height and font size of this section's heading (none for an empty title).
    fn header(&self) -> (f32, f32) {
        if self.title.is_empty() {
            return (0.0, 0.0);
        }
        match self.level {
            Self::YEAR => (44.0, 24.0),
            Self::MONTH => (34.0, 18.0),
            _ => (HEADER_H, 15.0),
        }
    }
}

/// Where the sections of the last frame were, for a scrubber beside the grid.
#[derive(Debug, Default, Clone)]
pub struct GridLayout {
    /// Top of each section in the content, in points.
    pub section_tops: Vec<f32>,
    /// Height of all the content.
    pub content_height: f32,
    /// Scroll offset: the content's y at the top of the view.
    pub view_top: f32,
    /// Height of the view.
    pub view_height: f32,
}

/// Selection and scrolling state of one grid.
#[derive(Debug, Default, Clone)]
pub struct GridState {
    /// Selected item.
    pub selected: Option<usize>,
    /// Scroll the selection into view on the next frame.
    pub scroll_to_selected: bool,
    /// Columns in the last frame (for Up/Down).
    pub columns: usize,
    /// Scroll so this content offset is at the top of the view, on the next frame (a
    /// scrubber's jump).
    pub scroll_to_y: Option<f32>,
    /// The sections' layout in the last frame.
    pub layout: GridLayout,
    /// The selected photos (by id); `selected` above is the keyboard cursor.
    pub selection: Selection,
    /// The cursor moved without Shift: select its photo alone on the next draw.
    pub select_cursor: bool,
    /// Where a rubber band being dragged started, in content coordinates.
    pub band_origin: Option<egui::Pos2>,
    /// A short text on a tile's corner, by item (a stack's count).
    pub badges: std::collections::HashMap<usize, String>,
}

impl GridState {
    /// Move the selection by `delta` items within `count`, and scroll to it.
    pub fn step(&mut self, delta: isize, count: usize) {
        if count == 0 {
            self.selected = None;
            return;
        }
        let cur = self.selected.map_or(-1, |s| s as isize);
        let next = if cur < 0 && delta < 0 { 0 } else { cur + delta };
        self.selected = Some(next.clamp(0, count as isize - 1) as usize);
        self.scroll_to_selected = true;
    }

    /// Select `i` and scroll to it.
    pub fn select(&mut self, i: usize) {
        self.selected = Some(i);
        self.scroll_to_selected = true;
    }
}

/// Something the user asked to do with a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileAction {
    /// Open the large preview.
    Preview(usize),
    /// Query with this photo.
    FindSimilar(usize),
    /// Open with the default application.
    OpenExternal(usize),
    /// Show in the file manager.
    ShowInFolder(usize),
    /// Copy the path to the clipboard.
    CopyPath(usize),
    /// Move to the trash (after confirmation).
    Trash(usize),
    /// Open a burst's stack, or stack it again (Browse).
    ToggleStack(usize),
}

impl TileAction {
    /// The item the action is about.
    pub fn index(self) -> usize {
        match self {
            TileAction::Preview(i)
            | TileAction::FindSimilar(i)
            | TileAction::OpenExternal(i)
            | TileAction::ShowInFolder(i)
            | TileAction::CopyPath(i)
            | TileAction::Trash(i)
            | TileAction::ToggleStack(i) => i,
        }
    }
}

/// What the grid produced this frame.
#[derive(Debug, Default)]
pub struct GridOutput {
    /// Requested actions.
    pub actions: Vec<TileAction>,
    /// Thumbnails of visible tiles that are not loaded yet, top first.
    pub wanted: Vec<ThumbKey>,
    /// Actions on the selection chosen in a selected tile's menu.
    pub selection_actions: Vec<SelectionAction>,
}

/// Keyboard handling for a grid when no widget has keyboard focus: arrows, Home/End, Page keys,
/// Enter/Space preview, F find similar, O open, Delete trash, Ctrl+C copy path.
pub fn grid_keys(ui: &Ui, state: &mut GridState, count: usize) -> Vec<TileAction> {
    let mut out = Vec::new();
    // A focused widget (text field, or a button reached with Tab) keeps the keys; tiles never
    // take focus, and Escape clears it.
    let focused = ui.ctx().memory(|m| m.focused().is_some());
    if count == 0 || focused || ui.ctx().egui_wants_keyboard_input() {
        return out;
    }
    let cols = state.columns.max(1) as isize;
    let page = cols * 4;
    ui.input_mut(|i| {
        let m = egui::Modifiers::NONE;
        let moves = [
            (Key::ArrowRight, 1),
            (Key::ArrowLeft, -1),
            (Key::ArrowDown, cols),
            (Key::ArrowUp, -cols),
            (Key::PageDown, page),
            (Key::PageUp, -page),
            (Key::Home, -(count as isize)),
            (Key::End, count as isize),
        ];
        for (key, delta) in moves {
            if i.consume_key(m, key) {
                state.step(delta, count);
                state.select_cursor = true;
            }
        }
        if let Some(sel) = state.selected.filter(|s| *s < count) {
            if i.consume_key(m, Key::Enter) || i.consume_key(m, Key::Space) {
                out.push(TileAction::Preview(sel));
            }
            if i.consume_key(m, Key::F) {
                out.push(TileAction::FindSimilar(sel));
            }
            if i.consume_key(m, Key::O) {
                out.push(TileAction::OpenExternal(sel));
            }
            if i.consume_key(m, Key::Delete) {
                out.push(TileAction::Trash(sel));
            }
            if i.events.iter().any(|e| matches!(e, egui::Event::Copy)) {
                out.push(TileAction::CopyPath(sel));
            }
        }
    });
    out
}

/// Draw a grid of `count` items (`item(i)` gives the photo and its score) grouped in `sections`.
/// `label(i)` is the accessible name of a tile.
#[allow(clippy::too_many_arguments)]
pub fn grid_ui<'a>(
    ui: &mut Ui,
    id_salt: &str,
    sections: &[Section],
    thumb_px: f32,
    textures: &mut TextureCache,
    state: &mut GridState,
    item: impl Fn(usize) -> Option<(&'a PhotoInfo, Option<f32>)>,
    label: impl Fn(usize) -> String,
) -> GridOutput {
    let mut out = GridOutput::default();
    let cell = Vec2::new(thumb_px + 8.0, thumb_px + 8.0 + CAPTION_H);
    let scroll_to = std::mem::take(&mut state.scroll_to_selected);
    let count = sections.iter().map(|s| s.end).max().unwrap_or(0);
    let ids = FnList(count, |j| item(j).map(|(p, _)| p.id));
    if std::mem::take(&mut state.select_cursor)
        && let Some(cur) = state.selected
    {
        state.selection.select_only(cur, &ids);
    }
    let mut area = egui::ScrollArea::vertical()
        .id_salt(id_salt)
        .auto_shrink([false, false]);
    if let Some(y) = state.scroll_to_y.take() {
        area = area.vertical_scroll_offset(y.max(0.0));
    }
    area.show_viewport(ui, |ui, viewport| {
        let width = ui.available_width();
        let cols = (((width + GAP) / (cell.x + GAP)).floor() as usize).max(1);
        state.columns = cols;
        // Share the spare width between the columns so the grid fills the view.
        let cell = Vec2::new(((width + GAP) / cols as f32 - GAP).max(cell.x), cell.y);
        let row_h = cell.y + GAP;
        // Offsets of each section (headers and tile rows).
        let mut y = 0.0;
        let mut layout = Vec::with_capacity(sections.len());
        for s in sections {
            let (header, _) = s.header();
            let rows = (s.end.saturating_sub(s.start)).div_ceil(cols);
            layout.push((y, header));
            y += header + rows as f32 * row_h;
        }
        state.layout = GridLayout {
            section_tops: layout.iter().map(|(t, _)| *t).collect(),
            content_height: y,
            view_top: viewport.min.y,
            view_height: viewport.height(),
        };
        ui.set_height(y.max(1.0));
        ui.set_width(width);
        let origin = ui.max_rect().min;
        let geometry = GridGeometry {
            cols,
            cell,
            gap: GAP,
            sections: sections
                .iter()
                .zip(&layout)
                .map(|(s, (sy, header))| (sy + header, s.start, s.end))
                .collect(),
        };
        let band_id = Id::unique((id_salt, "band"));
        grid_select_ui::band_ui(ui, band_id, origin, viewport, &geometry, state, &ids);
        for (s, (sy, header)) in sections.iter().zip(&layout) {
            let rows = (s.end.saturating_sub(s.start)).div_ceil(cols);
            let s_end = sy + header + rows as f32 * row_h;
            let sel_in = state.selected.filter(|i| (s.start..s.end).contains(i));
            if scroll_to && let Some(sel) = sel_in {
                let r = (sel - s.start) / cols;
                let top = origin.y + sy + header + r as f32 * row_h;
                let rect = Rect::from_min_size(egui::pos2(origin.x, top), Vec2::new(width, cell.y));
                ui.scroll_to_rect(rect, None);
            }
            if s_end < viewport.min.y || *sy > viewport.max.y {
                continue;
            }
            if *header > 0.0 {
                let pos = origin + Vec2::new(0.0, sy + header / 2.0);
                ui.painter().text(
                    pos,
                    Align2::LEFT_CENTER,
                    &s.title,
                    FontId::proportional(s.header().1),
                    ui.visuals().strong_text_color(),
                );
            }
            let first_row = ((viewport.min.y - sy - header) / row_h).floor().max(0.0) as usize;
            let last_row =
                (((viewport.max.y - sy - header) / row_h).ceil().max(0.0) as usize).min(rows);
            for r in first_row..last_row {
                for c in 0..cols {
                    let i = s.start + r * cols + c;
                    if i >= s.end {
                        break;
                    }
                    let Some((info, score)) = item(i) else {
                        continue;
                    };
                    let min = origin
                        + Vec2::new(c as f32 * (cell.x + GAP), sy + header + r as f32 * row_h);
                    let rect = Rect::from_min_size(min, cell);
                    let ctx = TileCtx {
                        id: Id::unique((id_salt, "tile", i)),
                        index: i,
                        selected: state.selection.contains(info.id),
                        cursor: state.selected == Some(i),
                        selection_len: state.selection.len(),
                        thumb_px,
                        badge: state.badges.get(&i).map(String::as_str),
                    };
                    let res = tile_ui(ui, rect, &ctx, info, score, &label(i), textures, &mut out);
                    if res.clicked {
                        state
                            .selection
                            .click(i, grid_select_ui::click_mods(ui), &ids);
                    }
                    // A right-click outside the selection acts on that photo alone.
                    if res.secondary && !ctx.selected {
                        state.selection.select_only(i, &ids);
                    }
                    if res.clicked || res.secondary || res.action.is_some() {
                        state.selected = Some(i);
                    }
                    out.actions.extend(res.action);
                    out.selection_actions.extend(res.on_selection);
                }
            }
        }
    });
    out
}
