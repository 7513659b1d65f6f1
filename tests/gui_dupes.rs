//! GUI tests of the Duplicates view with egui_kittest: the real `App` (worker threads, catalog)
//! with a candidate graph made from synthetic edges over generated photo files, so the grouping
//! thresholds are exactly known. Files move only into a temporary folder, never the user's trash.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use image::{Rgb, RgbImage};
use lookalike::core::catalog::PhotoInfo;
use lookalike::core::dupes::graph::Edge;
use lookalike::core::dupes::pixel_check::PixelMatch;
use lookalike::core::dupes::symmetry::Symmetry;
use lookalike::core::dupes::{CandidateGraph, PhotoEntry};
use lookalike::ui::{App, AppConfig, View};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A small picture with a colour of its own.
fn picture(seed: u8) -> RgbImage {
    RgbImage::from_fn(96, 64, |x, y| {
        Rgb([
            seed.wrapping_mul(40).wrapping_add(x as u8),
            (y as u8).wrapping_mul(3),
            seed.wrapping_mul(90),
        ])
    })
}

/// Four photo files: a, its copy a2, b, its copy b2 (the copies smaller). Returns their entries.
fn photos(lib: &Path) -> Vec<PhotoEntry> {
    std::fs::create_dir_all(lib).expect("create library");
    let names = ["a.png", "a2.png", "b.png", "b2.png"];
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let path = lib.join(name);
            let img = picture(i as u8 / 2);
            let img = if i % 2 == 1 {
                image::imageops::resize(&img, 48, 32, image::imageops::FilterType::Triangle)
            } else {
                img
            };
            img.save(&path).expect("save photo");
            let bytes = std::fs::metadata(&path).expect("stat").len();
            PhotoEntry {
                info: PhotoInfo {
                    id: i as i64 + 1,
                    path,
                    bytes,
                    width: img.width(),
                    height: img.height(),
                    format: "png".into(),
                    mtime_ns: 1_700_000_000_000_000_000 + i as i64,
                    ..Default::default()
                },
                hash: Some([i as u8 + 1; 32]),
            }
        })
        .collect()
}

/// A pixel-checked edge whose near score is `score`.
fn edge(a: u32, b: u32, score: f32) -> Edge {
    Edge {
        a,
        b,
        similarity: 0.95,
        semantic: None,
        pixel: Some(PixelMatch {
            ncc: score,
            trimmed: score,
            detail: 1.0,
            coverage: 0.9,
            agreement: 1.0,
        }),
        symmetry: Symmetry::IDENTITY,
        colour: None,
    }
}

/// An app on the Duplicates view with the synthetic graph: a~a2 at 0.97, b~b2 at 0.85, so the
/// default near threshold (0.9) makes one group and 0.8 makes two.
fn dupes_app(root: &Path) -> (App, Vec<PathBuf>) {
    let data = root.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(data.join("settings.json"), br#"{"model": "descriptor"}"#).expect("settings");
    let entries = photos(&root.join("photos"));
    let paths = entries.iter().map(|e| e.info.path.clone()).collect();
    let graph = CandidateGraph::from_parts(entries, vec![edge(0, 1, 0.97), edge(2, 3, 0.85)]);
    let mut app = App::new(
        AppConfig {
            data_dir: Some(data),
            library: None,
            query: None,
            scan_on_start: false,
            thumb_threads: 1,
            trash_dir: Some(root.join("trash")),
        },
        Box::new(|| {}),
    );
    app.set_view(View::Duplicates);
    app.dupes_mut().set_graph(Arc::new(graph));
    (app, paths)
}

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app)
}

/// Run frames until `done` holds, failing after `timeout`.
fn step_until(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}; messages: {:?}",
            h.state().toast_texts()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn steps(h: &mut Harness<'_, App>, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

#[test]
fn near_threshold_slider_regroups_without_rescan() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (app, paths) = dupes_app(tmp.path());
    let mut h = harness(app);
    steps(&mut h, 4);
    assert_eq!(h.state().dupes().groups().len(), 1);
    h.get_by_label_contains("1 group ·");
    assert!(
        h.query_by_label("Group 2 · near duplicates · 2 photos")
            .is_none()
    );

    h.get_by_role_and_label(Role::Slider, "Near threshold")
        .set_value_accesskit(0.8);
    steps(&mut h, 4);
    let groups = h.state().dupes().groups();
    assert_eq!(groups.len(), 2, "lowering the threshold joins b and b2");
    let in_groups: Vec<&PathBuf> = groups
        .iter()
        .flat_map(|g| g.members.iter().map(|m| &m.photo.path))
        .collect();
    assert!(in_groups.contains(&&paths[3]), "b2 is grouped now");
    h.get_by_label_contains("2 groups ·");
    h.get_by_label("Group 2 · near duplicates · 2 photos");

    // Raising it above both pairs leaves nothing; no scan was asked for on the way.
    h.get_by_role_and_label(Role::Slider, "Near threshold")
        .set_value_accesskit(0.99);
    steps(&mut h, 4);
    assert!(h.state().dupes().groups().is_empty());
    h.get_by_label("No duplicates at these settings");

    // The threshold is saved in the data dir once the pointer is up.
    let saved = tmp.path().join("data").join("dupes-settings.json");
    step_until(&mut h, "saved settings", |_| {
        std::fs::read_to_string(&saved).is_ok_and(|s| s.contains("0.99"))
    });
}

#[test]
fn keep_override_mark_and_trash_with_undo() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (app, paths) = dupes_app(tmp.path());
    let mut h = harness(app);
    steps(&mut h, 4);
    // The rule keeps the larger a.png, shown first; a2 is marked for the trash.
    let kept = |h: &Harness<'_, App>| h.state().dupes().groups()[0].kept().photo.path.clone();
    assert_eq!(kept(&h), paths[0]);
    assert!(h.state().dupes().is_marked(0, 1));
    h.get_by_label_contains("Move 1 marked photo (");

    // → focuses a2, K keeps it instead; a.png becomes the marked one.
    h.key_press(egui::Key::ArrowRight);
    steps(&mut h, 2);
    h.key_press(egui::Key::K);
    steps(&mut h, 2);
    assert_eq!(kept(&h), paths[1], "K overrides the keep rule");
    let a_index = h.state().dupes().groups()[0]
        .members
        .iter()
        .position(|m| m.photo.path == paths[0])
        .expect("a.png in the group");
    assert!(h.state().dupes().is_marked(0, a_index));

    // X unmarks the focused photo; X again marks it.
    h.state_mut().dupes_mut().member = a_index;
    h.key_press(egui::Key::X);
    steps(&mut h, 2);
    assert!(!h.state().dupes().is_marked(0, a_index), "X unmarks");
    h.get_by_label_contains("Move 0 marked photos");
    h.key_press(egui::Key::X);
    steps(&mut h, 2);
    assert!(h.state().dupes().is_marked(0, a_index), "X marks again");

    // Move: confirmation first, then into the temporary trash folder.
    h.get_by_label_contains("Move 1 marked photo (").click();
    steps(&mut h, 3);
    assert!(paths[0].exists(), "nothing moves before the confirmation");
    h.get_by_label("Move 1 to the trash (Enter)").click();
    step_until(&mut h, "the move", |_| !paths[0].exists());
    assert!(tmp.path().join("trash").join("a.png").is_file());
    assert!(paths[1].exists(), "the kept photo stays");
    step_until(&mut h, "the group to go", |app| {
        app.dupes().groups().is_empty()
    });

    // Undo puts it back (the offer shows from the frame after the move: areas size first).
    steps(&mut h, 3);
    h.get_by_label("Undo").click();
    step_until(&mut h, "the undo", |_| paths[0].exists());
    step_until(&mut h, "the group to return", |app| {
        app.dupes().groups().len() == 1
    });
}

#[test]
fn not_a_duplicate_is_remembered_by_content() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (app, _) = dupes_app(tmp.path());
    let mut h = harness(app);
    steps(&mut h, 4);
    assert_eq!(h.state().dupes().groups().len(), 1);
    h.get_by_label("Not a duplicate").click();
    steps(&mut h, 4);
    assert!(h.state().dupes().groups().is_empty(), "the group is gone");
    let saved = tmp.path().join("data").join("dupes-ignore.json");
    // Keyed by content hash (the photos' hashes are [1; 32] and [2; 32]).
    step_until(&mut h, "the ignore list", |_| {
        std::fs::read_to_string(&saved).is_ok_and(|s| s.contains(&"01".repeat(32)))
    });
    drop(h);

    // A new app on the same data dir (as after a restart) still keeps them apart.
    let (app, _) = dupes_app(tmp.path());
    let mut h = harness(app);
    steps(&mut h, 2);
    assert!(h.state().dupes().groups().is_empty());
}

#[test]
fn view_scans_an_indexed_library_on_the_worker() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(data.join("settings.json"), br#"{"model": "descriptor"}"#).expect("settings");
    let entries = photos(&tmp.path().join("photos"));
    let copy = tmp.path().join("photos").join("a copy.png");
    std::fs::copy(&entries[0].info.path, &copy).expect("copy");
    let mut app = App::new(
        AppConfig {
            data_dir: Some(data),
            library: Some(tmp.path().join("photos")),
            query: None,
            scan_on_start: true,
            thumb_threads: 1,
            trash_dir: None,
        },
        Box::new(|| {}),
    );
    app.set_view(View::Duplicates);
    let mut h = harness(app);
    // Opening the view on an indexed library scans it by itself, after indexing.
    step_until(&mut h, "the duplicate scan", |app| app.dupes().has_graph());
    assert_eq!(h.state().dupes().photo_count(), 5);
    let exact = h
        .state()
        .dupes()
        .groups()
        .iter()
        .find(|g| g.members.iter().any(|m| m.photo.path == copy))
        .expect("the byte copy is in a group")
        .clone();
    let paths: Vec<&PathBuf> = exact.members.iter().map(|m| &m.photo.path).collect();
    assert!(paths.contains(&&entries[0].info.path), "with its original");
}
