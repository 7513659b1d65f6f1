//! Which photos of a grid are selected, and how clicks, keys and a rubber band change that — the
//! rules of file managers: a click selects one photo, Ctrl/Cmd-click toggles one, Shift-click
//! selects the range from the anchor (the last photo clicked without Shift), Ctrl+Shift-click
//! adds that range, Ctrl+A selects all, Escape clears, and a rubber band selects the photos it
//! touches (with Ctrl, adds them).
//!
//! The selection holds photo ids, not positions, so it survives a re-sort; after a re-filter
//! [`Selection::retain_shown`] drops the photos no longer shown, and [`Selection::ids_in_order`]
//! only ever returns shown photos, so an action never reaches a photo the user cannot see.
//!
//! Pure logic (positions and ids in, sets out), tested without a window.

use egui::{Pos2, Rect};
use std::collections::HashSet;

/// The photos of a grid, in display order: what the selection needs to know about them.
pub trait IdList {
    /// Number of photos shown.
    fn count(&self) -> usize;
    /// The id of the photo at position `i`.
    fn id_at(&self, i: usize) -> Option<i64>;
}

impl IdList for [i64] {
    fn count(&self) -> usize {
        self.len()
    }
    fn id_at(&self, i: usize) -> Option<i64> {
        self.get(i).copied()
    }
}

/// An [`IdList`] from a count and a function (a view's filtered order).
pub struct FnList<F: Fn(usize) -> Option<i64>>(pub usize, pub F);

impl<F: Fn(usize) -> Option<i64>> IdList for FnList<F> {
    fn count(&self) -> usize {
        self.0
    }
    fn id_at(&self, i: usize) -> Option<i64> {
        (i < self.0).then(|| (self.1)(i)).flatten()
    }
}

/// The modifier keys of a click.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClickMods {
    /// Ctrl (Cmd on macOS): toggle, or add.
    pub toggle: bool,
    /// Shift: a range from the anchor.
    pub range: bool,
}

/// The selected photos of one grid.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    ids: HashSet<i64>,
    /// Where Shift ranges start: a photo id, with its position when last seen (a hint).
    anchor: Option<(i64, usize)>,
    /// The selection when a rubber band started (what it adds to).
    band_base: Option<HashSet<i64>>,
}

impl Selection {
    /// How many photos are selected.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether the photo `id` is selected.
    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    /// Select nothing (the anchor stays, so Shift-click still ranges from it).
    pub fn clear(&mut self) {
        self.ids.clear();
    }

    /// A click on the photo at `index`.
    pub fn click(&mut self, index: usize, mods: ClickMods, list: &(impl IdList + ?Sized)) {
        let Some(id) = list.id_at(index) else {
            return;
        };
        match (mods.range, self.anchor_index(list)) {
            (true, Some(from)) => {
                if !mods.toggle {
                    self.ids.clear();
                }
                self.add_range(from, index, list);
            }
            _ if mods.toggle => {
                if !self.ids.remove(&id) {
                    self.ids.insert(id);
                }
                self.anchor = Some((id, index));
            }
            _ => self.select_only(index, list),
        }
    }

    /// Select only the photo at `index`, and make it the anchor (a plain click or arrow key).
    pub fn select_only(&mut self, index: usize, list: &(impl IdList + ?Sized)) {
        self.ids.clear();
        if let Some(id) = list.id_at(index) {
            self.ids.insert(id);
            self.anchor = Some((id, index));
        }
    }

    /// Select the range from the anchor to `index` (Shift+arrow keys); without an anchor, only
    /// `index`.
    pub fn extend_to(&mut self, index: usize, list: &(impl IdList + ?Sized)) {
        match self.anchor_index(list) {
            Some(from) => {
                self.ids.clear();
                self.add_range(from, index, list);
            }
            None => self.select_only(index, list),
        }
    }

    /// Select every photo shown (Ctrl+A).
    pub fn select_all(&mut self, list: &(impl IdList + ?Sized)) {
        self.ids = (0..list.count()).filter_map(|i| list.id_at(i)).collect();
    }

    /// A rubber band starts; with `additive` (Ctrl) it adds to the selection, else replaces it.
    pub fn begin_band(&mut self, additive: bool) {
        self.band_base = Some(if additive {
            self.ids.clone()
        } else {
            HashSet::new()
        });
    }

    /// The rubber band now touches the photos at `indices`.
    pub fn update_band(
        &mut self,
        indices: impl IntoIterator<Item = usize>,
        list: &(impl IdList + ?Sized),
    ) {
        let Some(base) = &self.band_base else {
            return;
        };
        let mut ids = base.clone();
        let mut last = None;
        for i in indices {
            if let Some(id) = list.id_at(i) {
                ids.insert(id);
                last = Some((id, i));
            }
        }
        self.ids = ids;
        if last.is_some() {
            self.anchor = last;
        }
    }

    /// The rubber band ended.
    pub fn end_band(&mut self) {
        self.band_base = None;
    }

    /// Whether a rubber band is being dragged.
    pub fn banding(&self) -> bool {
        self.band_base.is_some()
    }

    /// Keep only photos still shown (after a re-filter or a new listing); `shown` lists the ids
    /// shown now.
    pub fn retain_shown(&mut self, shown: impl IntoIterator<Item = i64>) {
        if self.ids.is_empty() && self.anchor.is_none() {
            return;
        }
        let shown: HashSet<i64> = shown.into_iter().collect();
        self.ids.retain(|id| shown.contains(id));
        if let Some(base) = &mut self.band_base {
            base.retain(|id| shown.contains(id));
        }
        if self.anchor.is_some_and(|(id, _)| !shown.contains(&id)) {
            self.anchor = None;
        }
    }

    /// The selected photos that are shown, in display order.
    pub fn ids_in_order(&self, list: &(impl IdList + ?Sized)) -> Vec<i64> {
        if self.ids.is_empty() {
            return Vec::new();
        }
        (0..list.count())
            .filter_map(|i| list.id_at(i))
            .filter(|id| self.ids.contains(id))
            .collect()
    }

    /// Where the anchor is shown now, if it is.
    fn anchor_index(&mut self, list: &(impl IdList + ?Sized)) -> Option<usize> {
        let (id, hint) = self.anchor?;
        if list.id_at(hint) == Some(id) {
            return Some(hint);
        }
        let found = (0..list.count()).find(|&i| list.id_at(i) == Some(id));
        self.anchor = found.map(|i| (id, i));
        found
    }

    fn add_range(&mut self, a: usize, b: usize, list: &(impl IdList + ?Sized)) {
        let (lo, hi) = (a.min(b), a.max(b));
        self.ids.extend((lo..=hi).filter_map(|i| list.id_at(i)));
    }
}

/// Where the tiles of a grid are, in content coordinates (0,0 = the grid's top left): what a
/// rubber band and a click on empty space are checked against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridGeometry {
    /// Tiles per row.
    pub cols: usize,
    /// Size of a tile.
    pub cell: egui::Vec2,
    /// Gap between tiles.
    pub gap: f32,
    /// Per section: the top of its first tile row, its first item and one past its last.
    pub sections: Vec<(f32, usize, usize)>,
}

impl GridGeometry {
    /// The rectangle of the tile at `index` (None outside every section).
    pub fn tile_rect(&self, index: usize) -> Option<Rect> {
        let cols = self.cols.max(1);
        let &(top, start, _) = self
            .sections
            .iter()
            .find(|(_, s, e)| (*s..*e).contains(&index))?;
        let (r, c) = ((index - start) / cols, (index - start) % cols);
        let min = Pos2::new(
            c as f32 * (self.cell.x + self.gap),
            top + r as f32 * (self.cell.y + self.gap),
        );
        Some(Rect::from_min_size(min, self.cell))
    }

    /// The tile under `p`, if any (not a gap, header or empty space).
    pub fn index_at(&self, p: Pos2) -> Option<usize> {
        self.indices_in(Rect::from_min_max(p, p)).into_iter().next()
    }

    /// Every tile `band` touches, in display order.
    pub fn indices_in(&self, band: Rect) -> Vec<usize> {
        let cols = self.cols.max(1);
        let (w, h) = (self.cell.x + self.gap, self.cell.y + self.gap);
        if w <= 0.0 || h <= 0.0 {
            return Vec::new();
        }
        // Columns whose tile (not gap) the band's x range meets.
        let col_range: Vec<usize> = (0..cols)
            .filter(|&c| {
                let x0 = c as f32 * w;
                band.max.x >= x0 && band.min.x <= x0 + self.cell.x
            })
            .collect();
        let mut out = Vec::new();
        for &(top, start, end) in &self.sections {
            let rows = (end.saturating_sub(start)).div_ceil(cols);
            if rows == 0 || band.max.y < top || band.min.y > top + rows as f32 * h {
                continue;
            }
            let first = (((band.min.y - top) / h).floor().max(0.0) as usize).min(rows);
            let last = (((band.max.y - top) / h).floor().max(0.0) as usize + 1).min(rows);
            for r in first..last {
                let y0 = top + r as f32 * h;
                if band.max.y < y0 || band.min.y > y0 + self.cell.y {
                    continue;
                }
                for &c in &col_range {
                    let i = start + r * cols + c;
                    if i < end {
                        out.push(i);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "grid_selection_tests.rs"]
mod tests;
