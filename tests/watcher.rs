//! The library watcher: photos created, renamed and deleted in a library folder while the app
//! runs reach the catalog and Browse without pressing anything; temporary files are ignored and
//! a burst of files becomes one scan.

use crate::common::{save_jpeg, scene};
use crate::gui::{harness, wait_event};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lookalike::ui::{App, View};
use lookalike::worker::{Command, Event, WorkerConfig, WorkerHandle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a change may take to show (quiet period, scan, listing) on a slow machine.
const FOLLOW: Duration = Duration::from_secs(60);

/// A library of `n` photos in `dir`.
fn library(dir: &Path, n: u32) -> PathBuf {
    let lib = dir.join("photos");
    std::fs::create_dir_all(lib.join("trip")).expect("library folder");
    for i in 0..n {
        save_jpeg(&scene(i, 160, 120), &lib.join(format!("photo_{i}.jpg")), 90);
    }
    lib
}

/// An app on `data` with the descriptor model (fast) and the settings' default watching.
fn app(data: &Path, lib: PathBuf) -> App {
    crate::gui::descriptor_app(data, Some(lib))
}

/// Run frames until the window shows `label` (and, with `photos`, the status counts them).
fn until_shown(h: &mut Harness<'_, App>, label: &str, photos: u64) {
    let start = Instant::now();
    loop {
        h.step();
        let counted = h.state().status().is_some_and(|s| s.photos == photos);
        if counted && !h.state().is_indexing() && h.query_by_label(label).is_some() {
            return;
        }
        assert!(
            start.elapsed() < FOLLOW,
            "timed out waiting for {label:?} with {photos} photos; messages: {:?}",
            h.state().toast_texts()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn browse_follows_files_created_renamed_and_deleted_while_the_app_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = library(tmp.path(), 3);
    let mut h = harness(app(&tmp.path().join("data"), lib.clone()));
    assert!(h.state().settings().watch, "watching is on by default");
    h.state_mut().set_view(View::Browse);
    until_shown(&mut h, "3 of 3 photos", 3);
    h.get_by_label("Photo photo_1.jpg");

    // Created: written under a temporary name first, as a download or an editor does.
    let part = lib.join("new.jpg.part");
    save_jpeg(&scene(40, 160, 120), &part, 90);
    std::fs::rename(&part, lib.join("new.jpg")).expect("rename into place");
    until_shown(&mut h, "4 of 4 photos", 4);
    h.get_by_label("Photo new.jpg");

    // Renamed into a sub-folder: the same photo under its new name.
    std::fs::rename(lib.join("photo_1.jpg"), lib.join("trip").join("moved.jpg")).expect("move");
    until_shown(&mut h, "Photo moved.jpg", 4);
    assert!(h.query_by_label("Photo photo_1.jpg").is_none());
    let report = h.state().last_report().expect("a report");
    assert_eq!(report.embedded, 0, "a move is not re-read as a new photo");

    // Deleted.
    std::fs::remove_file(lib.join("photo_2.jpg")).expect("delete");
    until_shown(&mut h, "3 of 3 photos", 3);
    assert!(h.query_by_label("Photo photo_2.jpg").is_none());
}

/// The worker, watching, on a library of `n` photos; returns it once the first scan ended.
fn watching_worker(tmp: &Path, n: u32) -> (WorkerHandle, PathBuf) {
    let lib = library(tmp, n);
    let worker = WorkerHandle::spawn(
        WorkerConfig {
            data_dir: tmp.join("data"),
            model: "descriptor".into(),
            prefer_library_model: false,
            device: "cpu".into(),
            add_roots: vec![lib.clone()],
            scan_on_start: true,
            thumb_threads: 1,
            trash_dir: None,
        },
        Box::new(|| {}),
    );
    worker.send(Command::SetWatch(true)).expect("send");
    wait_event(&worker, FOLLOW, "first scan", |e| {
        matches!(e, Event::IndexFinished(_)).then_some(())
    });
    (worker, lib)
}

/// Every event for `wait`.
fn events_for(worker: &WorkerHandle, wait: Duration) -> Vec<Event> {
    let start = Instant::now();
    let mut out = Vec::new();
    while start.elapsed() < wait {
        while let Some(ev) = worker.try_recv() {
            out.push(ev);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    out
}

#[test]
fn a_burst_of_files_is_one_scan_and_temporary_files_none() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (worker, lib) = watching_worker(tmp.path(), 2);

    // Temporary and hidden files only: nothing to do.
    std::fs::write(lib.join("a.jpg.crdownload"), b"partial").expect("write");
    std::fs::write(lib.join(".a.jpg.swp"), b"swap").expect("write");
    std::fs::write(lib.join("b.jpg~"), b"backup").expect("write");
    std::fs::write(lib.join("c.tmp"), b"tmp").expect("write");
    let quiet = events_for(&worker, Duration::from_secs(4));
    assert!(
        !quiet.iter().any(|e| matches!(e, Event::IndexStarted)),
        "temporary files started a scan: {quiet:?}"
    );

    // A bulk copy: many files, one scan that finds them all.
    let burst = 150u32;
    for i in 0..burst {
        let path = lib.join("trip").join(format!("copy_{i:03}.jpg"));
        save_jpeg(&scene(100 + i, 64, 48), &path, 80);
    }
    let mut said = Vec::new();
    let report = wait_event(&worker, FOLLOW, "the scan after the burst", |e| match e {
        Event::Progress(p) => {
            said.extend(p.changes_in.clone());
            None
        }
        Event::IndexFinished(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(
        report.embedded + report.reused,
        burst as usize,
        "{report:?}"
    );
    let lib_abs = lib.canonicalize().expect("canonical");
    assert!(
        said.contains(&lib_abs),
        "the progress names the folder with changes: {said:?}"
    );
    let after = events_for(&worker, Duration::from_secs(4));
    assert!(
        !after.iter().any(|e| matches!(e, Event::IndexStarted)),
        "one burst, one scan (the scan's own reads are not changes): {after:?}"
    );

    // Off: changes wait for a rescan.
    worker.send(Command::SetWatch(false)).expect("send");
    std::thread::sleep(Duration::from_millis(200));
    save_jpeg(&scene(9, 160, 120), &lib.join("later.jpg"), 90);
    let off = events_for(&worker, Duration::from_secs(4));
    assert!(
        !off.iter().any(|e| matches!(e, Event::IndexStarted)),
        "watching off: {off:?}"
    );
}
