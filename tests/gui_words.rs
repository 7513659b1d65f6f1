//! The search box in the GUI, with a small CLIP checkpoint the test writes: typing words shows
//! matching photos (after a pause in typing), words refine a query photo, an emptied box goes
//! back; without CLIP the box offers the download instead.

use crate::clip_support;
use crate::common::write_library;
use crate::gui::{TestDrop, harness, step_until};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use lookalike::ui::App;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn app(data: &Path, lib: &Path) -> App {
    crate::gui::descriptor_app(data, Some(lib.to_path_buf()))
}

#[test]
fn typing_words_searches_refines_a_photo_and_an_empty_box_goes_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    let photos = write_library(&lib, 5);
    std::fs::create_dir_all(data.join("models")).expect("models");
    clip_support::write_small(&data.join("models"), "clip-vit-base-patch32.safetensors");
    let mut h = harness(app(&data, &lib));
    step_until(&mut h, Duration::from_secs(120), "indexing", |a| {
        !a.is_indexing()
            && a.status()
                .is_some_and(|s| s.photos == 5 && s.words_model.is_some())
    });

    // Type in the search box: results come after the pause in typing.
    h.get_by_role(Role::TextInput).click();
    h.run_steps(2);
    h.get_by_role(Role::TextInput).type_text("a red boat");
    h.run_steps(2);
    step_until(&mut h, Duration::from_secs(30), "word results", |a| {
        a.query_words() == Some("a red boat") && !a.query_pending()
    });
    assert_eq!(h.state().query_error(), None);
    assert_eq!(h.state().results().len(), 5, "every photo, best first");
    assert!(!h.state().query_has_photo());
    assert!(h.query_by_label_contains("“a red boat”").is_some());

    // Drop a photo: its own results, the box is emptied; words typed now refine it.
    h.input_mut()
        .dropped_files
        .push(Arc::new(TestDrop(photos[0].clone())));
    step_until(&mut h, Duration::from_secs(30), "photo results", |a| {
        a.query_has_photo() && a.query_words().is_none() && !a.query_pending()
    });
    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.get_by_role(Role::TextInput).type_text("at night");
    h.key_press(egui::Key::Enter);
    step_until(&mut h, Duration::from_secs(30), "refined results", |a| {
        a.query_has_photo() && a.query_words() == Some("at night") && !a.query_pending()
    });
    let abs = photos[0].canonicalize().expect("abs");
    assert_eq!(
        h.state().results().len(),
        4,
        "the photo itself is not a result"
    );
    assert!(h.state().results().iter().all(|p| p.path != abs));

    // Escape empties the box: back to the photo's own results.
    h.get_by_role(Role::TextInput).click();
    h.run_steps(1);
    h.key_press(egui::Key::Escape);
    step_until(&mut h, Duration::from_secs(30), "back to the photo", |a| {
        a.query_has_photo() && a.query_words().is_none() && !a.query_pending()
    });
}

#[test]
fn without_clip_the_search_box_offers_the_download() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    write_library(&lib, 2);
    let mut h = harness(app(&data, &lib));
    step_until(&mut h, Duration::from_secs(60), "indexing", |a| {
        !a.is_indexing() && a.status().is_some_and(|s| s.photos == 2)
    });
    assert!(h.query_by_role(Role::TextInput).is_none());
    h.get_by_label("Search by words…").click();
    h.run_steps(2);
    assert!(h.query_by_label("Download CLIP (605 MB)").is_some());
    h.get_by_label("Not now").click();
    h.run_steps(2);
    assert!(h.query_by_label("Download CLIP (605 MB)").is_none());
}
