//! One window per data dir: a second `lookalike PHOTO` (what the file manager's "Open with"
//! runs) hands its photo to the window already open and exits. The "window" here is this test
//! process: it claims the data dir as the first launch does, then the real binary runs as the
//! second launch, and the request it hands over is applied to a real `App` in a kittest harness.

use crate::common;
use crate::gui::{harness, step_until};
use egui_kittest::kittest::Queryable;
use lookalike::ui::instance::{self, Claim, OpenRequest, Rendezvous, Transport};
use lookalike::ui::{App, AppConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The runtime folder of a test's launches (`$XDG_RUNTIME_DIR`), inside its tempdir.
fn runtime_dir(data_dir: &Path) -> PathBuf {
    let dir = data_dir.with_file_name("run");
    std::fs::create_dir_all(&dir).expect("runtime dir");
    dir.canonicalize().expect("canonical")
}

/// Claim `data_dir`'s window as the first launch does; returns its inbox.
fn open_window(data_dir: &Path) -> crossbeam_channel::Receiver<OpenRequest> {
    std::fs::create_dir_all(data_dir).expect("data dir");
    let rv = Rendezvous::in_dir(
        &runtime_dir(data_dir).join("lookalike"),
        &data_dir.canonicalize().expect("canonical"),
        Transport::native(),
    );
    match instance::claim(&rv, &OpenRequest::default(), Duration::from_secs(2)) {
        Ok(Claim::Primary(server)) => server.serve(Box::new(|| {})).expect("serve"),
        other => panic!("the test should own the window: {other:?}"),
    }
}

/// Run `lookalike --data-dir DATA ARGS` as a second launch; killed after a minute (a launch that
/// failed to hand over would open a window where a display exists).
fn second_launch(data_dir: &Path, args: &[&Path]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .env("XDG_RUNTIME_DIR", runtime_dir(data_dir))
        .env_remove("FLATPAK_ID")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lookalike");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the second launch did not exit: it should hand over and stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_second_launch_hands_its_photo_to_the_open_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, lib) = (tmp.path().join("data"), tmp.path().join("lib"));
    let photos = common::write_library(&lib, 6);
    common::index_descriptor(&data, &lib);
    let inbox = open_window(&data);

    // The file manager runs `lookalike PHOTO` from its own folder: a relative path arrives
    // absolute.
    let out = {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lookalike"));
        child
            .current_dir(&lib)
            .env("XDG_RUNTIME_DIR", runtime_dir(&data))
            .env_remove("FLATPAK_ID")
            .arg("--data-dir")
            .arg(&data)
            .arg("scene002.jpg");
        child.output().expect("run lookalike")
    };
    assert!(out.status.success(), "second launch: {}", stderr(&out));
    assert!(
        stderr(&out).contains("window already open"),
        "it says where the photo went: {}",
        stderr(&out)
    );
    let request = inbox
        .recv_timeout(Duration::from_secs(10))
        .expect("the open window got a request");
    let photo: PathBuf = photos[2].canonicalize().expect("canonical");
    assert_eq!(
        request,
        OpenRequest {
            library: None,
            query: Some(photo.clone())
        }
    );

    // The window searches for it (the photo itself is the query, not a result).
    let app = App::new(
        AppConfig {
            data_dir: Some(data.clone()),
            scan_on_start: false,
            thumb_threads: 1,
            ..AppConfig::default()
        },
        Box::new(|| {}),
    );
    let mut h = harness(app);
    step_until(&mut h, Duration::from_secs(30), "library status", |app| {
        app.status().is_some()
    });
    h.state_mut().open_request(request);
    step_until(&mut h, Duration::from_secs(30), "results", |app| {
        !app.query_pending() && !app.results().is_empty()
    });
    assert!(
        h.query_by_label("scene002.jpg").is_some(),
        "the query panel shows the photo"
    );
    assert!(h.state().results().iter().all(|r| r.path != photo));
}

#[test]
fn a_second_launch_with_a_folder_adds_it_in_the_open_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, lib) = (tmp.path().join("data"), tmp.path().join("more photos"));
    common::write_library(&lib, 1);
    let inbox = open_window(&data);
    let out = second_launch(&data, &[&lib]);
    assert!(out.status.success(), "second launch: {}", stderr(&out));
    let request = inbox
        .recv_timeout(Duration::from_secs(10))
        .expect("request");
    assert_eq!(
        request.library,
        Some(lib.canonicalize().expect("canonical"))
    );
    assert_eq!(request.query, None);
}

#[test]
fn a_launch_names_a_missing_photo_instead_of_opening_a_window() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let missing = tmp.path().join("no such photo.jpg");
    let out = second_launch(&data, &[&missing]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("does not exist"),
        "one clear line: {}",
        stderr(&out)
    );
}

#[test]
fn a_photo_argument_does_not_shadow_the_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    // `--data-dir` before a command still works, and a command after a photo is refused.
    let status = common::lookalike_ok(&data, &["status", "--json"]);
    assert!(status.contains("\"photos\""), "{status}");
    let out = common::lookalike(&data, &["a.jpg".as_ref(), "status".as_ref()]);
    assert!(!out.status.success());
}
