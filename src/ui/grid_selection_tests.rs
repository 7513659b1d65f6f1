//! Tests of the grid selection's rules and geometry.

use super::*;

const IDS: [i64; 6] = [10, 11, 12, 13, 14, 15];

fn sel(s: &Selection, list: &[i64]) -> Vec<i64> {
    s.ids_in_order(list)
}

const PLAIN: ClickMods = ClickMods {
    toggle: false,
    range: false,
};
const CTRL: ClickMods = ClickMods {
    toggle: true,
    range: false,
};
const SHIFT: ClickMods = ClickMods {
    toggle: false,
    range: true,
};
const CTRL_SHIFT: ClickMods = ClickMods {
    toggle: true,
    range: true,
};

#[test]
fn click_ctrl_and_shift_follow_file_manager_rules() {
    let list = &IDS[..];
    let mut s = Selection::default();
    s.click(1, PLAIN, list);
    assert_eq!(sel(&s, list), [11]);
    s.click(2, PLAIN, list);
    assert_eq!(sel(&s, list), [12], "a plain click selects only that photo");
    s.click(4, SHIFT, list);
    assert_eq!(sel(&s, list), [12, 13, 14], "Shift selects from the anchor");
    s.click(0, SHIFT, list);
    assert_eq!(
        sel(&s, list),
        [10, 11, 12],
        "the anchor stays; the range replaces"
    );
    s.click(5, CTRL, list);
    assert_eq!(sel(&s, list), [10, 11, 12, 15], "Ctrl adds one");
    s.click(11 - 10, CTRL, list);
    assert_eq!(sel(&s, list), [10, 12, 15], "Ctrl again removes it");
    // Ctrl-click moved the anchor to position 1: Ctrl+Shift adds 1..=3.
    s.click(3, CTRL_SHIFT, list);
    assert_eq!(sel(&s, list), [10, 11, 12, 13, 15]);
    s.clear();
    assert!(s.is_empty());
    s.click(5, SHIFT, list);
    assert_eq!(
        sel(&s, list),
        [11, 12, 13, 14, 15],
        "Escape keeps the anchor"
    );
}

#[test]
fn shift_click_without_anchor_selects_one_and_ctrl_a_selects_all() {
    let list = &IDS[..];
    let mut s = Selection::default();
    s.click(3, SHIFT, list);
    assert_eq!(sel(&s, list), [13]);
    s.select_all(list);
    assert_eq!(s.len(), 6);
    s.select_only(2, list);
    s.extend_to(0, list);
    assert_eq!(sel(&s, list), [10, 11, 12], "Shift+Left twice from 2");
    s.extend_to(4, list);
    assert_eq!(sel(&s, list), [12, 13, 14], "the range follows the cursor");
}

#[test]
fn a_refilter_never_leaves_hidden_photos_selected() {
    let mut s = Selection::default();
    s.select_all(&IDS[..]);
    // Re-sorted: the same photos in another order keep their selection.
    let resorted = [15, 14, 13, 12, 11, 10];
    assert_eq!(sel(&s, &resorted), resorted);
    // Filtered: 11 and 13 are hidden. Even before pruning, actions see only shown photos.
    let filtered = [10, 12, 14, 15];
    assert_eq!(sel(&s, &filtered), filtered);
    s.retain_shown(filtered);
    assert_eq!(s.len(), 4);
    // The filter cleared: the hidden photos do not come back selected.
    assert_eq!(sel(&s, &IDS), [10, 12, 14, 15]);
    // An anchor that was filtered away is forgotten: Shift-click selects one.
    let mut s = Selection::default();
    s.click(1, PLAIN, &IDS[..]);
    s.retain_shown(filtered);
    assert!(s.is_empty());
    s.click(3, SHIFT, &filtered[..]);
    assert_eq!(sel(&s, &filtered), [15]);
}

#[test]
fn anchor_follows_its_photo_after_a_resort() {
    let mut s = Selection::default();
    s.click(1, PLAIN, &IDS[..]); // photo 11
    let resorted = [15, 14, 13, 12, 11, 10];
    s.click(2, SHIFT, &resorted[..]); // 13: range 13..=11 in the new order
    assert_eq!(sel(&s, &resorted), [13, 12, 11]);
}

/// Two sections: 5 photos then 3, 3 columns of 100×120 tiles with 10 px gaps; the second
/// section's tiles start at y = 300 (two rows and a header above).
fn geometry() -> GridGeometry {
    GridGeometry {
        cols: 3,
        cell: egui::vec2(100.0, 120.0),
        gap: 10.0,
        sections: vec![(28.0, 0, 5), (300.0, 5, 8)],
    }
}

#[test]
fn rubber_band_touches_tiles_not_gaps() {
    let g = geometry();
    let r = |x0: f32, y0: f32, x1: f32, y1: f32| {
        Rect::from_min_max(Pos2::new(x0, y0), Pos2::new(x1, y1))
    };
    // Inside tile 0 only.
    assert_eq!(g.indices_in(r(10.0, 40.0, 20.0, 50.0)), [0]);
    // Across the gap between columns 0 and 1 of the first row.
    assert_eq!(g.indices_in(r(90.0, 40.0, 115.0, 50.0)), [0, 1]);
    // Entirely inside a gap: nothing.
    assert_eq!(
        g.indices_in(r(102.0, 40.0, 108.0, 50.0)),
        Vec::<usize>::new()
    );
    assert_eq!(
        g.index_at(Pos2::new(105.0, 40.0)),
        None,
        "a gap is empty space"
    );
    assert_eq!(g.index_at(Pos2::new(115.0, 40.0)), Some(1));
    // Down the third column through both sections: 2 (row 0); row 1 has only 3, 4.
    assert_eq!(g.indices_in(r(230.0, 30.0, 240.0, 420.0)), [2, 7]);
    // The whole grid.
    assert_eq!(
        g.indices_in(r(-5.0, 0.0, 400.0, 1000.0)),
        (0..8).collect::<Vec<_>>()
    );
    // The gap and header between the sections (the first section's tiles end at 278).
    assert_eq!(
        g.indices_in(r(0.0, 280.0, 400.0, 295.0)),
        Vec::<usize>::new()
    );
    assert_eq!(g.indices_in(r(0.0, 275.0, 400.0, 295.0)), [3, 4]);
    assert_eq!(g.tile_rect(6).map(|t| t.min), Some(Pos2::new(110.0, 300.0)));
}

#[test]
fn rubber_band_replaces_or_with_ctrl_adds() {
    let list = &IDS[..];
    let mut s = Selection::default();
    s.click(5, PLAIN, list);
    s.begin_band(false);
    s.update_band([0, 1, 2], list);
    assert_eq!(sel(&s, list), [10, 11, 12]);
    s.update_band([0, 1], list);
    assert_eq!(sel(&s, list), [10, 11], "shrinking the band unselects");
    s.end_band();
    s.begin_band(true);
    s.update_band([4], list);
    assert_eq!(sel(&s, list), [10, 11, 14], "with Ctrl the band adds");
    s.update_band([], list);
    assert_eq!(
        sel(&s, list),
        [10, 11],
        "and takes back what it no longer touches"
    );
    s.end_band();
    assert!(!s.banding());
}
