//! Selecting several photos in Browse and acting on them, driven as a user would: click,
//! Shift-click, Ctrl+A, Escape, and "Find similar to these".

use crate::common;
use crate::gui::{descriptor_app, harness, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use lookalike::ui::{App, View};
use std::time::Duration;

/// The browse tiles' labels ("Photo name.jpg") in display order (rows, then columns).
fn tiles_in_order(h: &Harness<'_, App>) -> Vec<String> {
    let mut tiles: Vec<(f32, f32, String)> = h
        .query_all_by_label_contains("Photo ")
        .map(|n| {
            let r = n.rect();
            let label = n.accesskit_node().label().unwrap_or_default();
            (r.top(), r.left(), label)
        })
        .collect();
    tiles.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    tiles.into_iter().map(|(_, _, l)| l).collect()
}

fn is_selected(h: &Harness<'_, App>, label: &str) -> bool {
    // egui hands a widget's "selected" to AccessKit as "toggled".
    h.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

#[test]
fn click_and_shift_click_select_three_and_find_similar_to_these() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("photos");
    common::write_library(&lib, 8);
    let data = tmp.path().join("data");
    let mut h = harness(descriptor_app(&data, Some(lib)));
    step_until(&mut h, Duration::from_secs(180), "indexing", |app| {
        !app.is_indexing() && app.status().is_some_and(|s| s.photos == 8)
    });
    h.state_mut().set_view(View::Browse);
    let start = std::time::Instant::now();
    while tiles_in_order(&h).len() < 8 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "browse never listed the photos"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let tiles = tiles_in_order(&h);
    assert!(
        h.query_by_label_contains("Ctrl+A selects all").is_some(),
        "with nothing selected the bar says how to select"
    );

    // Click the second photo, Shift-click the fourth: the three from the second to the fourth.
    h.get_by_label(&tiles[1]).click();
    h.run_steps(2);
    h.get_by_label("1 selected");
    h.get_by_label(&tiles[3])
        .click_modifiers(egui::Modifiers::SHIFT);
    h.run_steps(2);
    h.get_by_label("3 selected");
    for (i, t) in tiles.iter().enumerate() {
        assert_eq!(is_selected(&h, t), (1..=3).contains(&i), "{t}");
    }

    // Ctrl-click takes one out and puts it back; Ctrl+A selects all; Escape clears.
    h.get_by_label(&tiles[2])
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    h.get_by_label("2 selected");
    assert!(!is_selected(&h, &tiles[2]));
    h.get_by_label(&tiles[2])
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(2);
    h.get_by_label("3 selected");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(2);
    h.get_by_label("8 selected");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(h.query_by_label_contains("selected").is_none());
    // Escape keeps the anchor (the last photo Ctrl-clicked, the third): Shift-click on the fifth
    // selects the third to the fifth.
    h.get_by_label(&tiles[4])
        .click_modifiers(egui::Modifiers::SHIFT);
    h.run_steps(2);
    h.get_by_label("3 selected");
    assert!((2..=4).all(|i| is_selected(&h, &tiles[i])));

    // Find similar to these: a query made of the three, none of which is among its results.
    h.get_by_label("Find similar to these").click();
    step_until(&mut h, Duration::from_secs(60), "results", |app| {
        !app.query_pending() && !app.results().is_empty()
    });
    h.run_steps(2);
    assert_eq!(h.state().view(), View::Results);
    assert!(h.state().query_error().is_none());
    let chosen: Vec<&str> = tiles[2..=4]
        .iter()
        .map(|l| l.trim_start_matches("Photo "))
        .collect();
    let results: Vec<String> = h
        .state()
        .results()
        .iter()
        .filter_map(|p| p.path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(results.len(), 5, "every other photo, ranked: {results:?}");
    assert!(
        results.iter().all(|r| !chosen.contains(&r.as_str())),
        "the selected photos are not results: {results:?} vs {chosen:?}"
    );
    h.get_by_label("3 photos");
    h.get_by_label("Like all of these, together:");
}
