//! The use cases are written once, in core: the GUI and the CLI give the same answer, and every
//! trash path is journaled first and undoable.

use crate::common;

use crate::gui::{TestDrop, harness, step_until, wait_event};
use common::{lookalike_ok, save_jpeg, scene, write_edits, write_library};
use lookalike::core::embed::registry;
use lookalike::core::library::Library;
use lookalike::core::progress::{CancelFlag, NoProgress};
use lookalike::core::trash::{FolderTrash, Journal, SystemTrash};
use lookalike::ui::{App, AppConfig};
use lookalike::worker::{Command, Event, WorkerConfig, WorkerHandle};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long a test waits for a worker event.
const WAIT: Duration = Duration::from_secs(60);

/// 16 scenes plus the usual edits of scene 0. Returns (library folder, the original, its edits).
fn library_with_edits(root: &Path) -> (PathBuf, PathBuf, Vec<PathBuf>) {
    let lib = root.join("photos");
    write_library(&lib, 16);
    let original = lib.join("scene000.jpg");
    let edits_dir = lib.join("edits");
    std::fs::create_dir_all(&edits_dir).expect("mkdir");
    let edits = write_edits(&scene(100, 480, 360), &edits_dir, "scene000");
    (
        lib.canonicalize().expect("abs"),
        original.canonicalize().expect("abs"),
        edits,
    )
}

#[derive(serde::Deserialize)]
struct JsonHit {
    path: PathBuf,
    score: f32,
}

/// The GUI (with the default model, Lite0) and `lookalike query` rank the same photos in the
/// same order for the same query, both leave the query photo itself out, and both put the
/// edited copies of the query first — Lite0 fused with the descriptor.
#[test]
fn gui_and_cli_rank_the_same_list_with_lite0_edited_copies_first() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (lib, original, edits) = library_with_edits(tmp.path());
    let data = tmp.path().join("data");
    lookalike_ok(
        &data,
        &["index", lib.to_str().expect("utf-8"), "--model", "lite0"],
    );
    let k = 12;
    let out = lookalike_ok(
        &data,
        &[
            "query",
            original.to_str().expect("utf-8"),
            "-k",
            &k.to_string(),
            "--json",
        ],
    );
    let cli: Vec<JsonHit> = serde_json::from_str(&out).expect("query JSON");
    assert_eq!(cli.len(), k);
    assert!(
        cli.iter().all(|h| h.path != original),
        "the query photo itself is not a result"
    );
    for w in cli.windows(2) {
        assert!(w[0].score >= w[1].score, "best first");
    }
    let top: Vec<&PathBuf> = cli.iter().take(edits.len()).map(|h| &h.path).collect();
    for e in &edits {
        let e = e.canonicalize().expect("abs");
        assert!(
            top.contains(&&e),
            "edited copy {} ranks first: {top:?}",
            e.display()
        );
    }

    // The GUI, with no model chosen in it: it opens the library with Lite0 and queries a drop.
    std::fs::write(data.join("settings.json"), format!(r#"{{"results": {k}}}"#)).expect("settings");
    let app = App::new(
        AppConfig {
            data_dir: Some(data.clone()),
            library: None,
            query: None,
            scan_on_start: false,
            thumb_threads: 1,
            trash_dir: None,
        },
        Box::new(|| {}),
    );
    let mut h = harness(app);
    step_until(&mut h, Duration::from_secs(60), "library status", |app| {
        app.status()
            .is_some_and(|s| !s.model_label.contains("loading"))
    });
    assert_eq!(h.state().status().expect("status").model_spec, "lite0");
    h.input_mut()
        .dropped_files
        .push(Arc::new(TestDrop(original.clone())));
    step_until(&mut h, Duration::from_secs(60), "GUI results", |app| {
        !app.query_pending() && !app.results().is_empty()
    });
    let gui: Vec<PathBuf> = h.state().results().iter().map(|p| p.path.clone()).collect();
    let cli_paths: Vec<PathBuf> = cli.iter().map(|h| h.path.clone()).collect();
    assert_eq!(gui, cli_paths, "the GUI and the CLI rank the same list");
}

/// Write an index of `lib` with the descriptor; returns the photo ids by path.
fn index_descriptor(data: &Path, lib: &Path) -> Vec<(i64, PathBuf)> {
    let mut library = Library::open(Some(data.to_path_buf())).expect("open");
    let active = registry::build("descriptor", data, "cpu").expect("descriptor");
    let refs = active.refs();
    library
        .index(
            &[lib.to_path_buf()],
            &active.spec,
            &refs,
            active.primary,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("index");
    library
        .catalog
        .photos()
        .expect("photos")
        .into_iter()
        .map(|p| (p.id, p.path))
        .collect()
}

fn worker(data: &Path, trash_dir: Option<PathBuf>) -> WorkerHandle {
    WorkerHandle::spawn(
        WorkerConfig {
            data_dir: data.to_path_buf(),
            model: "descriptor".into(),
            prefer_library_model: false,
            device: "cpu".into(),
            add_roots: Vec::new(),
            scan_on_start: false,
            thumb_threads: 1,
            trash_dir,
        },
        Box::new(|| {}),
    )
}

/// Trash from Results or Browse goes through the one journaled path: the intent line is in the
/// journal before the file moves, the photo leaves the catalog, and Undo puts it back and
/// indexes it again.
#[test]
fn results_and_browse_trash_is_journaled_first_and_undoable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let lib = tmp.path().join("photos");
    write_library(&lib, 6);
    let data = tmp.path().join("data");
    let photos = index_descriptor(&data, &lib);
    let (id, path) = photos[2].clone();
    let w = worker(&data, Some(tmp.path().join("trash")));
    w.send(Command::Trash(vec![id])).expect("send");
    let report = wait_event(&w, WAIT, "trashed", |e| match e {
        Event::Trashed(r) => Some(r.clone()),
        Event::TrashFailed(m) => panic!("trash failed: {m}"),
        Event::Error(e) => panic!("worker error: {e}"),
        _ => None,
    });
    assert_eq!(report.moved, vec![path.clone()]);
    assert_eq!(report.moved_ids, vec![id]);
    assert!(!path.exists(), "moved away");
    let entries = Journal::new(&data).entries().expect("journal");
    let intent = entries
        .iter()
        .position(|e| e.op == "intent" && e.path == path);
    let moved = entries
        .iter()
        .position(|e| e.op == "moved" && e.path == path);
    assert!(
        matches!((intent, moved), (Some(i), Some(m)) if i < m),
        "intent journaled before the move: {entries:?}"
    );
    let status = wait_event(&w, WAIT, "status", |e| match e {
        Event::Status(s) => Some(s.clone()),
        Event::Error(e) => panic!("worker error: {e}"),
        _ => None,
    });
    assert_eq!(status.photos, 5, "the photo left the catalog");

    w.send(Command::UndoTrash).expect("send");
    let undo = wait_event(&w, WAIT, "restored", |e| match e {
        Event::Restored(r) => Some(r.clone()),
        Event::Error(e) => panic!("worker error: {e}"),
        _ => None,
    });
    assert_eq!(undo.restored, vec![path.clone()]);
    assert!(path.exists(), "back at its path");
    let report = wait_event(&w, WAIT, "rescan", |e| match e {
        Event::IndexFinished(r) => Some(r.clone()),
        Event::Error(e) => panic!("worker error: {e}"),
        _ => None,
    });
    assert_eq!(
        report.embedded + report.reused,
        1,
        "indexed again: {report:?}"
    );
}

/// Journals of earlier versions stay undoable: `dupes-journal.jsonl` (same format) and the
/// Results/Browse lines `{time_unix, id, path}` are read as one journal and merged into it on
/// the next write.
#[test]
fn old_journals_are_merged_and_stay_undoable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let trash_dir = tmp.path().join("trash");
    std::fs::create_dir_all(&trash_dir).expect("mkdir");
    let lib = tmp.path().join("photos");
    std::fs::create_dir_all(&lib).expect("mkdir");
    // A duplicates batch moved by an earlier version into the folder trash.
    let old = lib.join("old.jpg");
    let old_trashed = trash_dir.join("old.jpg");
    save_jpeg(&scene(7, 64, 48), &old_trashed, 90);
    let line = serde_json::json!({"op": "moved", "batch": "100-1", "path": old,
        "hash": null, "bytes": 10, "trashed_to": old_trashed, "time": 100, "error": null});
    std::fs::write(data.join("dupes-journal.jsonl"), format!("{line}\n")).expect("write");
    // A Results trash of an earlier version, journaled after the move, later in time.
    let legacy = lib.join("legacy.jpg");
    std::fs::write(
        data.join("trash-journal.jsonl"),
        format!(
            "{}\n",
            serde_json::json!({"time_unix": 200, "id": 9, "path": legacy})
        ),
    )
    .expect("write");
    let journal = Journal::new(&data);
    let entries = journal.entries().expect("entries");
    assert_eq!(entries.len(), 2, "both journals are read: {entries:?}");
    assert_eq!(entries[1].path, legacy);
    assert_eq!(entries[1].op, "moved");
    // The newest batch is the legacy line; the folder trash cannot restore it (it was in the
    // system trash), so it is reported for a manual restore...
    let library = Library::open(Some(data.clone())).expect("open");
    let first = library
        .undo_trash(&FolderTrash::new(&trash_dir))
        .expect("undo");
    assert_eq!(first.manual.len(), 1, "{first:?}");
    assert!(
        !data.join("dupes-journal.jsonl").exists(),
        "merged into the one journal on the first write"
    );
    // ...and the older duplicates batch is still there to undo, from the merged journal.
    let second = library
        .undo_trash(&FolderTrash::new(&trash_dir))
        .expect("undo");
    assert_eq!(second.restored, vec![old.clone()]);
    assert!(old.exists());
}

/// The real freedesktop trash, under a temporary XDG_DATA_HOME: this test runs itself again in
/// a child process with that environment, so the user's own trash is never touched.
#[test]
fn results_trash_and_undo_through_the_real_system_trash() {
    let tmp = tempfile::tempdir().expect("tempdir");
    if std::env::var_os("LOOKALIKE_REAL_TRASH_CHILD").is_none() {
        // The test's path inside this test binary (without the crate name).
        let name = "results_trash_and_undo_through_the_real_system_trash";
        let filter = match module_path!().split_once("::") {
            Some((_, module)) => format!("{module}::{name}"),
            None => name.to_string(),
        };
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args([
                filter.as_str(),
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("LOOKALIKE_REAL_TRASH_CHILD", "1")
            .env("XDG_DATA_HOME", tmp.path().join("xdg"))
            .output()
            .expect("run child");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("1 passed"),
            "child test failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let lib = tmp.path().join("photos");
    write_library(&lib, 4);
    let data = tmp.path().join("data");
    let photos = index_descriptor(&data, &lib);
    let (id, path) = photos[1].clone();
    let w = worker(&data, None);
    w.send(Command::Trash(vec![id])).expect("send");
    let report = wait_event(&w, WAIT, "trashed", |e| match e {
        Event::Trashed(r) => Some(r.clone()),
        Event::TrashFailed(m) => panic!("trash failed: {m}"),
        Event::Error(e) => panic!("worker error: {e}"),
        _ => None,
    });
    assert_eq!(report.moved, vec![path.clone()], "{report:?}");
    assert!(!path.exists());
    w.send(Command::UndoTrash).expect("send");
    let undo = wait_event(&w, WAIT, "restored", |e| match e {
        Event::Restored(r) => Some(r.clone()),
        Event::Error(e) => panic!("worker error: {e}"),
        _ => None,
    });
    assert_eq!(undo.restored, vec![path.clone()], "{undo:?}");
    assert!(path.exists(), "back from the system trash");
    drop(w);
    // The CLI's `undo` answers from the same journal: nothing is left to put back.
    let library = Library::open(Some(data.clone())).expect("open");
    let again = library.undo_trash(&SystemTrash).expect("undo");
    assert!(again.restored.is_empty() && again.manual.is_empty());
}
