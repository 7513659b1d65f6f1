//! The photo info panel beside the preview: opened and closed with `I` (and its button), it
//! shows the capture date with its time zone, camera, lens, the exposure read from the file's
//! EXIF by the worker, dimensions, size, format and the coordinates, which `C` copies.

use crate::common::exif::{Camera, Shot, save_camera_jpeg_with, shot_fields};
use crate::common::{save_jpeg, scene};
use crate::gui::{harness, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lookalike::ui::{App, View};
use std::path::Path;
use std::time::{Duration, Instant};

const PHONE: Camera<'static> = Camera {
    make: "Apple",
    model: "iPhone 12 Pro",
    taken: "2019:07:04 18:22:31",
    offset: Some("+02:00"),
    lens: Some("iPhone 12 Pro back camera 4.2mm f/1.6"),
    gps: Some((48, -2)),
};

const SHOT: Shot = Shot {
    f_number: (16, 10),
    exposure: (1, 250),
    iso: 100,
    focal: (42, 10),
    focal_35mm: 26,
};

fn app(data: &Path, lib: &Path) -> App {
    crate::gui::descriptor_app(data, Some(lib.to_path_buf()))
}

/// Run frames until the window shows the label `text`.
fn until_label(h: &mut Harness<'_, App>, text: &str) {
    let start = Instant::now();
    while h.query_all_by_label(text).next().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {text:?}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn info_panel_shows_capture_exposure_and_location_and_copies_coordinates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("photos");
    std::fs::create_dir_all(&lib).expect("library");
    let extra = shot_fields(&SHOT);
    save_camera_jpeg_with(
        &scene(1, 400, 300),
        &lib.join("IMG_0001.jpg"),
        &PHONE,
        &extra,
    );
    save_jpeg(&scene(2, 400, 300), &lib.join("plain.jpg"), 90);
    let mut h = harness(app(&tmp.path().join("data"), &lib));
    h.state_mut().set_view(View::Browse);
    step_until(&mut h, Duration::from_secs(120), "indexing", |app| {
        !app.is_indexing() && app.status().is_some_and(|s| s.photos == 2)
    });
    until_label(&mut h, "Photo IMG_0001.jpg");

    // Keyboard only: select, open the preview, open the panel.
    h.get_by_label("Photo IMG_0001.jpg").click();
    h.run_steps(2);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert!(h.state().preview_open());
    assert!(
        h.query_by_label("Photo info").is_none(),
        "closed by default"
    );
    h.key_press(egui::Key::I);
    until_label(&mut h, "f/1.6");
    assert!(h.state().settings().show_info, "the choice is kept");
    for text in [
        "2019-07-04 18:22:31 (UTC+02:00)",
        "Apple iPhone 12 Pro",
        "iPhone 12 Pro back camera 4.2mm f/1.6",
        "1/250 s",
        "ISO 100",
        "4.2 mm (35 mm equivalent: 26 mm)",
        "400 × 300 px (0.1 MP)",
        "JPEG",
        "48.000000, -2.000000",
        "48°0'0.0\" N, 2°0'0.0\" W",
        "Open in map (M)",
    ] {
        assert!(
            h.query_all_by_label(text).next().is_some(),
            "the panel shows {text:?}"
        );
    }
    h.key_press(egui::Key::C);
    h.run_steps(2);
    assert!(
        h.state()
            .toast_texts()
            .iter()
            .any(|t| t.contains("Copied 48.000000, -2.000000")),
        "C copies the coordinates: {:?}",
        h.state().toast_texts()
    );

    // The other photo has no EXIF: the panel says so instead of guessing.
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    if h.query_by_label("Preview: plain.jpg").is_none() {
        h.key_press(egui::Key::ArrowLeft);
        h.run_steps(2);
    }
    h.get_by_label("Preview: plain.jpg");
    let start = Instant::now();
    while h.query_all_by_label("not recorded").count() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no exposure, no location"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(h.query_by_label_contains("Copy coordinates").is_none());

    // I closes it; the button opens it again.
    h.key_press(egui::Key::I);
    h.run_steps(2);
    assert!(h.query_by_label("Photo info").is_none());
    assert!(!h.state().settings().show_info);
    h.get_by_label("Info (I)").click();
    h.run_steps(2);
    assert!(h.query_by_label("Photo info").is_some());
}
