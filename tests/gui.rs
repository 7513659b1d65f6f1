//! GUI tests with egui_kittest: the real `App` (worker threads, catalog, index) without a window
//! or GPU. Each test makes its own photos and data dir in a tempdir.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use image::{Rgb, RgbImage};
use lookalike::ui::settings::ThemeChoice;
use lookalike::ui::{App, AppConfig};
use lookalike::worker::{Command, Event, QuerySource, WorkerConfig, WorkerHandle};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A dropped file as the window system would hand it over.
#[derive(Debug)]
pub(crate) struct TestDrop(pub(crate) PathBuf);

impl egui::DroppedFile for TestDrop {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Tiny deterministic generator (tests must not depend on a RNG crate's stream).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// A photo-like picture: sky and ground gradients, a horizon, a few coloured blobs, grain.
fn synth_photo(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut rng = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555);
    let col = |rng: &mut Lcg| {
        [
            rng.range(0, 256) as f32,
            rng.range(0, 256) as f32,
            rng.range(0, 256) as f32,
        ]
    };
    let (sky_top, sky_low, ground) = (col(&mut rng), col(&mut rng), col(&mut rng));
    let horizon = h as f32 * (0.3 + rng.range(0, 40) as f32 / 100.0);
    let blobs: Vec<([f32; 3], f32, f32, f32)> = (0..rng.range(3, 7))
        .map(|_| {
            (
                col(&mut rng),
                rng.range(0, w) as f32,
                rng.range(0, h) as f32,
                rng.range(w / 12, w / 4) as f32,
            )
        })
        .collect();
    let mut img = RgbImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (xf, yf) = (x as f32, y as f32);
        let mut c = if yf < horizon {
            let t = yf / horizon;
            [0, 1, 2].map(|i| sky_top[i] * (1.0 - t) + sky_low[i] * t)
        } else {
            let t = (yf - horizon) / (h as f32 - horizon);
            [0, 1, 2].map(|i| ground[i] * (1.0 - 0.5 * t))
        };
        for (bc, bx, by, r) in &blobs {
            let d = ((xf - bx).powi(2) + (yf - by).powi(2)).sqrt();
            if d < *r {
                let a = 1.0 - d / r;
                c = [0, 1, 2].map(|i| c[i] * (1.0 - a) + bc[i] * a);
            }
        }
        let grain = (rng.next() % 9) as f32 - 4.0;
        *px = Rgb(c.map(|v| (v + grain).clamp(0.0, 255.0) as u8));
    }
    img
}

/// An edited copy: cropped a little, brighter, smaller, re-encoded as JPEG.
fn edited_copy(src: &RgbImage) -> RgbImage {
    let (w, h) = src.dimensions();
    let crop = image::imageops::crop_imm(src, w / 20, h / 20, w - w / 10, h - h / 10).to_image();
    let mut small = image::imageops::resize(
        &crop,
        w * 3 / 4,
        h * 3 / 4,
        image::imageops::FilterType::Triangle,
    );
    for p in small.pixels_mut() {
        *p = Rgb(p.0.map(|v| v.saturating_add(12)));
    }
    small
}

/// A library of `n` photos plus an edited copy of photo 3. Returns (folder, original, copy name).
fn make_library(root: &Path, n: u64) -> (PathBuf, PathBuf, String) {
    let lib = root.join("photos");
    std::fs::create_dir_all(lib.join("trip")).expect("create library");
    let mut original = PathBuf::new();
    for i in 0..n {
        let img = synth_photo(i, 320, 240);
        let dir = if i % 2 == 0 {
            lib.clone()
        } else {
            lib.join("trip")
        };
        let path = dir.join(format!("photo_{i:02}.jpg"));
        img.save(&path).expect("save photo");
        if i == 3 {
            original = path.clone();
            edited_copy(&img)
                .save(lib.join("photo_03_edited.jpg"))
                .expect("save copy");
        }
    }
    (lib, original, "photo_03_edited.jpg".into())
}

fn new_app(data_dir: &Path, library: Option<PathBuf>) -> App {
    App::new(
        AppConfig {
            data_dir: Some(data_dir.to_path_buf()),
            library,
            query: None,
            scan_on_start: true,
            thumb_threads: 1,
            trash_dir: None,
        },
        Box::new(|| {}),
    )
}

/// An app on `data` with the model-free descriptor pinned in its settings (fast, and independent
/// of which CNN is the default), scanning `library` at start.
pub(crate) fn descriptor_app(data: &Path, library: Option<PathBuf>) -> App {
    std::fs::create_dir_all(data).expect("data dir");
    std::fs::write(data.join("settings.json"), br#"{"model": "descriptor"}"#).expect("settings");
    new_app(data, library)
}

pub(crate) fn harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(400)
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app)
}

/// Run frames until `done` holds, failing after `timeout`.
pub(crate) fn step_until(
    h: &mut Harness<'_, App>,
    timeout: Duration,
    what: &str,
    done: impl Fn(&App) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}; messages: {:?}",
            h.state().toast_texts()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn label_of(h: &Harness<'_, App>, contains: &str) -> String {
    let node = h.get_by_label_contains(contains).accesskit_node();
    node.label().or_else(|| node.value()).unwrap_or_default()
}

#[test]
fn drop_query_shows_edited_copy_first_and_preview_opens_and_closes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (lib, original, copy_name) = make_library(tmp.path(), 12);
    let data = tmp.path().join("data");
    let mut h = harness(descriptor_app(&data, Some(lib)));

    step_until(&mut h, Duration::from_secs(180), "indexing", |app| {
        !app.is_indexing()
            && app.last_report().is_some()
            && app.status().is_some_and(|s| s.photos == 13)
    });

    h.input_mut()
        .dropped_files
        .push(Arc::new(TestDrop(original.clone())));
    step_until(&mut h, Duration::from_secs(60), "query results", |app| {
        !app.query_pending() && !app.results().is_empty()
    });
    h.run_steps(3);

    let first = &h.state().results()[0];
    assert_eq!(
        first.path.file_name().and_then(|n| n.to_str()),
        Some(copy_name.as_str()),
        "results: {:?}",
        h.state()
            .results()
            .iter()
            .map(|p| &p.path)
            .collect::<Vec<_>>()
    );
    assert!(
        h.state().results().iter().all(|p| p.path != original),
        "the query photo itself is not a result"
    );
    let tile = label_of(&h, "Result 1:");
    assert!(tile.contains(&copy_name), "first tile is {tile:?}");
    assert!(
        tile.contains("similarity"),
        "tile label has the score: {tile:?}"
    );

    // Select the first result and open the preview with Space.
    h.get_by_label_contains("Result 1:").click();
    h.run_steps(2);
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert!(h.state().preview_open(), "Space opens the preview");
    let heading = label_of(&h, "Preview:");
    assert!(heading.contains(&copy_name), "preview shows {heading:?}");

    // Next photo, then close with the button.
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("2 of").is_some(),
        "Right shows the next photo"
    );
    h.get_by_label("Close preview").click();
    h.run_steps(2);
    assert!(
        !h.state().preview_open(),
        "the close button closes the preview"
    );

    // Open again and close with Escape.
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert!(h.state().preview_open(), "Enter opens the preview");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().preview_open(), "Escape closes the preview");

    // The library's filter narrows the results: only photos in the "trip" folder, asked again.
    h.get_by_label("Filter").click();
    h.run_steps(2);
    h.get_by_label("Folder:").click();
    h.run_steps(1);
    h.get_by_label("Folder:").type_text("trip");
    h.run_steps(2);
    step_until(&mut h, Duration::from_secs(60), "filtered results", |app| {
        !app.query_pending()
            && !app.results().is_empty()
            && app
                .results()
                .iter()
                .all(|p| p.path.parent().is_some_and(|d| d.ends_with("trip")))
    });
    assert!(
        h.state().results().len() >= 4,
        "the best photos in the folder, not only those in the first results: {}",
        h.state().results().len()
    );
}

#[test]
fn welcome_then_settings_persist_across_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    {
        let mut h = harness(new_app(&data, None));
        step_until(&mut h, Duration::from_secs(30), "library status", |app| {
            app.status().is_some()
        });
        h.run();
        assert!(
            h.query_by_label("Choose photo library…").is_some(),
            "welcome screen shown"
        );
        assert_eq!(h.state().settings().theme, ThemeChoice::Dark);

        h.get_by_label("Settings").click();
        h.run();
        h.get_by_label("Light").click();
        h.run();
        assert_eq!(h.state().settings().theme, ThemeChoice::Light);
        // Closing the app (dropping it) stops the worker after it saved the settings.
    }
    assert!(
        data.join("settings.json").is_file(),
        "settings were written"
    );
    let mut h = harness(new_app(&data, None));
    step_until(&mut h, Duration::from_secs(30), "library status", |app| {
        app.status().is_some()
    });
    assert_eq!(
        h.state().settings().theme,
        ThemeChoice::Light,
        "theme survives a restart"
    );
}

/// Wait for the first event matching `pick`, failing after `timeout`.
pub(crate) fn wait_event<T>(
    worker: &WorkerHandle,
    timeout: Duration,
    what: &str,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        while let Some(ev) = worker.try_recv() {
            if let Some(t) = pick(&ev) {
                return t;
            }
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn worker_pauses_answers_queries_while_indexing_and_cancels() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (lib, original, _) = make_library(tmp.path(), 160);
    let worker = WorkerHandle::spawn(
        WorkerConfig {
            data_dir: tmp.path().join("data"),
            model: "descriptor".into(),
            prefer_library_model: false,
            device: "cpu".into(),
            add_roots: Vec::new(),
            scan_on_start: false,
            thumb_threads: 1,
            trash_dir: None,
        },
        Box::new(|| {}),
    );
    worker.send(Command::AddRoot(lib)).expect("send");
    wait_event(&worker, Duration::from_secs(30), "start", |e| {
        matches!(e, Event::IndexStarted).then_some(())
    });
    worker.send(Command::Pause).expect("send");
    let paused_at = wait_event(&worker, Duration::from_secs(60), "pause", |e| match e {
        Event::Progress(p) if p.paused => Some(p.done),
        Event::IndexFinished(_) => panic!("indexing ended before the pause took effect"),
        _ => None,
    });
    // The first paused report may be the last sampled one; the indexer then reports where it
    // really stopped (the photos already in flight finish). After that, nothing advances.
    std::thread::sleep(Duration::from_millis(400));
    let mut paused_at = paused_at;
    while let Some(ev) = worker.try_recv() {
        match ev {
            Event::Progress(p) if p.paused => paused_at = paused_at.max(p.done),
            Event::IndexFinished(_) => panic!("indexing ended while paused"),
            _ => {}
        }
    }
    // While paused, nothing advances, and queries are answered from what is indexed so far.
    worker
        .send(Command::Query {
            id: 7,
            source: QuerySource::File(original),
            k: 5,
        })
        .expect("send");
    let (partial, n) = wait_event(&worker, Duration::from_secs(30), "query", |e| match e {
        Event::QueryResults {
            id: 7,
            hits,
            partial,
        } => Some((*partial, hits.len())),
        Event::QueryFailed { message, .. } => panic!("query failed: {message}"),
        Event::Progress(p) => {
            assert!(p.done <= paused_at, "progress advanced while paused");
            None
        }
        _ => None,
    });
    assert!(partial, "answered during the indexing run");
    assert!(n <= 5);
    worker.send(Command::CancelIndexing).expect("send");
    let report = wait_event(&worker, Duration::from_secs(60), "cancel", |e| match e {
        Event::IndexFinished(r) => Some(r.clone()),
        _ => None,
    });
    assert!(report.cancelled, "the run stopped early");
    assert!(report.embedded < 161, "not everything was indexed");
}

/// A library indexed from the command line with the descriptor opens in the GUI with that
/// model: the GUI must not start re-embedding it with its default (Lite0) when the user has
/// not chosen a model in the GUI yet.
#[test]
fn gui_uses_the_model_a_cli_indexed_library_was_built_with() {
    use lookalike::core::embed::registry;
    use lookalike::core::library::Library;
    use lookalike::core::progress::{CancelFlag, NoProgress};
    let tmp = tempfile::tempdir().expect("tempdir");
    let (lib_dir, _, _) = make_library(tmp.path(), 12);
    let data = tmp.path().join("data");
    {
        let mut lib = Library::open(Some(data.clone())).expect("open");
        let active = registry::build("descriptor", &data, "cpu").expect("descriptor");
        let refs = active.refs();
        lib.index(
            &[lib_dir],
            &active.spec,
            &refs,
            active.primary,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("index");
    }
    assert!(!data.join("settings.json").exists());
    let mut h = harness(new_app(&data, None));
    step_until(&mut h, Duration::from_secs(60), "library status", |app| {
        app.status()
            .is_some_and(|s| !s.model_label.contains("loading"))
    });
    let status = h.state().status().expect("status").clone();
    assert_eq!(status.model_spec, "descriptor", "{status:?}");
    assert_eq!(h.state().settings().model, "descriptor");
    assert!(
        !status.model_label.contains("Lite0"),
        "GUI switched the library to another model: {}",
        status.model_label
    );
}
