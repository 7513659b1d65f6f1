//! Crash safety and hostile conditions: SIGKILL mid-index, read-only data dir, unreadable
//! folders, symlink loops.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn status(data: &Path) -> Value {
    serde_json::from_str(&lookalike_ok(data, &["status", "--json"])).expect("status json")
}

#[test]
fn killed_indexing_loses_nothing_and_leaves_no_stale_lock() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    // Larger photos so a run takes long enough to be killed in the middle.
    std::fs::create_dir_all(&lib).expect("mkdir");
    let n = 60u32;
    for i in 0..n {
        save_jpeg(
            &scene(i + 500, 1600, 1200),
            &lib.join(format!("p{i:03}.jpg")),
            92,
        );
    }
    // Kill at increasing delays; each run resumes where the last stopped.
    let delays_ms = [150u64, 300, 450, 600, 800, 1000];
    for d in delays_ms {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lookalike"))
            .arg("--data-dir")
            .arg(&data)
            .arg("index")
            .arg(&lib)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(d));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    // Let it finish: no stale lock, every photo exactly once.
    let out = lookalike_ok(&data, &["index", lib.to_str().expect("utf8"), "--json"]);
    let report: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(report["photos"].as_u64(), Some(u64::from(n)), "{report}");
    let st = status(&data);
    assert_eq!(st["photos"].as_u64(), Some(u64::from(n)));
    assert_eq!(st["failed"].as_u64(), Some(0), "{st}");
    let vectors = st["index"]["embedders"][0]["vectors"].as_u64();
    assert_eq!(vectors, Some(u64::from(n)), "{st}");
    // The index answers and returns each photo once.
    let q = lib.join("p007.jpg");
    let out = lookalike_ok(
        &data,
        &["query", q.to_str().expect("utf8"), "-k", "60", "--json"],
    );
    let hits: Vec<Value> = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(hits.len(), n as usize);
    let mut paths: Vec<&str> = hits
        .iter()
        .map(|h| h["path"].as_str().expect("p"))
        .collect();
    assert!(paths[0].ends_with("p007.jpg"));
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), n as usize, "duplicate results after kills");
}

#[cfg(unix)]
#[test]
fn read_only_data_dir_gives_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    if is_root() {
        // root ignores permission bits; nothing to test here.
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    write_library(&lib, 2);
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let out = lookalike(&data, &["index".as_ref(), lib.as_os_str()]);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(data.to_str().expect("utf8")), "{err}");
}

#[cfg(unix)]
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_library_are_not_followed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let outside = tmp.path().join("outside");
    let data = tmp.path().join("data");
    write_library(&lib, 3);
    write_library(&outside, 2);
    std::os::unix::fs::symlink(&lib, lib.join("loop")).expect("symlink");
    std::os::unix::fs::symlink(&outside, lib.join("elsewhere")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("scene000.jpg"), lib.join("link.jpg"))
        .expect("symlink");
    let out = lookalike_ok(&data, &["index", lib.to_str().expect("utf8"), "--json"]);
    let report: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(report["photos"].as_u64(), Some(3), "{report}");
}

#[test]
fn data_dir_inside_the_library_is_skipped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    write_library(&lib, 3);
    let data = lib.join(".lookalike-data-visible");
    let data2 = lib.join("data-not-hidden");
    let out = lookalike_ok(&data, &["index", lib.to_str().expect("utf8"), "--json"]);
    let report: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(report["photos"].as_u64(), Some(3));
    // A non-hidden data dir with thumbnails in it is excluded too.
    std::fs::create_dir_all(data2.join("thumbs")).expect("mkdir");
    save_jpeg(&scene(1, 64, 64), &data2.join("thumbs").join("t.jpg"), 80);
    let out = lookalike_ok(&data2, &["index", lib.to_str().expect("utf8"), "--json"]);
    let report: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(report["photos"].as_u64(), Some(3), "{report}");
}
