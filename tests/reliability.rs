//! Crash safety and hostile conditions: SIGKILL mid-index, read-only data dir, unreadable
//! folders, symlink loops.

use crate::common;

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
    // Every photo but the query itself, which is never its own result.
    assert_eq!(hits.len(), n as usize - 1);
    let mut paths: Vec<&str> = hits
        .iter()
        .map(|h| h["path"].as_str().expect("p"))
        .collect();
    assert!(!paths.iter().any(|p| p.ends_with("p007.jpg")));
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), n as usize - 1, "duplicate results after kills");
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

/// Runs `f` with a small tmpfs mounted at `dir` (root with mount rights only; `None` elsewhere).
#[cfg(target_os = "linux")]
struct Tmpfs(std::path::PathBuf);

#[cfg(target_os = "linux")]
impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
    fn remount(&self, opts: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "remount {opts}");
    }
}

#[cfg(target_os = "linux")]
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn small_library(dir: &Path, n: u32) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for i in 0..n {
        save_jpeg(
            &scene(i + 900, 96, 72),
            &dir.join(format!("s{i:03}.jpg")),
            85,
        );
    }
}

/// The one error line of a failed run.
fn error_line(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(lines.len(), 1, "one error line expected:\n{err}");
    lines[0].to_string()
}

/// After recovery: every photo once in catalog and index, nothing left of the failed writes.
fn assert_complete(data: &Path, lib: &Path, n: u64) {
    let st = status(data);
    assert_eq!(st["photos"].as_u64(), Some(n), "{st}");
    assert_eq!(st["failed"].as_u64(), Some(0), "{st}");
    assert_eq!(
        st["index"]["embedders"][0]["vectors"].as_u64(),
        Some(n),
        "{st}"
    );
    let q = lib.join("s003.jpg");
    let out = lookalike_ok(
        data,
        &["query", q.to_str().expect("utf8"), "-k", "500", "--json"],
    );
    let hits: Vec<Value> = serde_json::from_str(out.trim()).expect("json");
    let mut paths: Vec<&str> = hits
        .iter()
        .map(|h| h["path"].as_str().expect("p"))
        .collect();
    assert!(
        !paths.iter().any(|p| p.ends_with("s003.jpg")),
        "not the query itself"
    );
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len() as u64, n - 1, "each other photo exactly once");
    let dumps = std::fs::read_dir(data.join("index"))
        .expect("index dir")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .count();
    assert_eq!(dumps, 1, "unfinished index dumps left behind");
}

/// Disk full, for real: the data dir on a tiny tmpfs. Needs root with mount rights (a CI
/// container usually has them); skipped with a note otherwise. Then read-only: the same file
/// system remounted read-only.
#[cfg(target_os = "linux")]
#[test]
fn full_and_read_only_data_dir_on_tmpfs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    small_library(&lib, 150);
    let Some(fs) = Tmpfs::mount(&tmp.path().join("small"), "160k") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    let data = fs.0.join("data");
    let args = [
        "index".as_ref(),
        lib.as_os_str(),
        "--model".as_ref(),
        "descriptor".as_ref(),
    ];
    let out = lookalike(&data, &args);
    assert!(!out.status.success(), "160 KiB cannot hold 150 photos");
    let line = error_line(&out);
    assert!(line.contains(data.to_str().expect("utf8")), "{line}");
    assert!(
        line.contains("out of space") && line.contains("--data-dir"),
        "{line}"
    );
    // Room again: the same command finishes; nothing duplicated, nothing left over.
    fs.remount("size=64m");
    lookalike_ok(
        &data,
        &[
            "index",
            lib.to_str().expect("utf8"),
            "--model",
            "descriptor",
        ],
    );
    assert_complete(&data, &lib, 150);
    // Read-only: a clear error, and the catalog is untouched.
    save_jpeg(&scene(5000, 96, 72), &lib.join("new.jpg"), 85);
    fs.remount("ro");
    let out = lookalike(&data, &args);
    assert!(!out.status.success());
    let line = error_line(&out);
    assert!(line.contains(data.to_str().expect("utf8")), "{line}");
    assert!(line.contains("not writable"), "{line}");
    // Reading still works there: status, query and dupes answer from the catalog as it is.
    let st = lookalike(&data, &["status".as_ref(), "--json".as_ref()]);
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let st: Value = serde_json::from_slice(&st.stdout).expect("status json");
    assert_eq!(st["photos"].as_u64(), Some(150), "{st}");
    let any = lib.join("s003.jpg");
    let q = lookalike(
        &data,
        &[
            "query".as_ref(),
            any.as_os_str(),
            "-k".as_ref(),
            "3".as_ref(),
            "--json".as_ref(),
        ],
    );
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    let hits: Value = serde_json::from_slice(&q.stdout).expect("query json");
    assert_eq!(hits.as_array().map(Vec::len), Some(3), "{hits}");
    assert!(String::from_utf8_lossy(&q.stderr).contains("read-only"));
    let d = lookalike(&data, &["dupes".as_ref(), "--json".as_ref()]);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
    fs.remount("rw");
    std::fs::remove_file(lib.join("new.jpg")).expect("rm");
    assert_complete(&data, &lib, 150);
}

/// Disk full without mount rights: a file-size limit (RLIMIT_FSIZE via `prlimit`, SIGXFSZ
/// ignored) makes writes into the data dir fail like a full disk.
#[cfg(target_os = "linux")]
#[test]
fn file_size_limit_gives_a_clear_error_then_the_next_run_completes() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    small_library(&lib, 150);
    let out = Command::new("bash")
        .arg("-c")
        .arg(r#"trap "" XFSZ; exec prlimit --fsize=60000 -- "$@""#)
        .arg("bash")
        .arg(env!("CARGO_BIN_EXE_lookalike"))
        .arg("--data-dir")
        .arg(&data)
        .args([
            "index".as_ref(),
            lib.as_os_str(),
            "--model".as_ref(),
            "descriptor".as_ref(),
        ])
        .output()
        .expect("run");
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let line = error_line(&out);
    assert!(line.contains(data.to_str().expect("utf8")), "{line}");
    assert!(line.contains("--data-dir"), "{line}");
    lookalike_ok(
        &data,
        &[
            "index",
            lib.to_str().expect("utf8"),
            "--model",
            "descriptor",
        ],
    );
    assert_complete(&data, &lib, 150);
}

/// An unplugged drive: the library folder is gone, or is an empty mount point. Its photos stay
/// in the catalog (not treated as deleted), queries still answer, and when it is back indexing
/// carries on with nothing to redo.
#[test]
fn unplugged_library_folder_keeps_its_photos_and_recovers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("drive");
    let parked = tmp.path().join("parked");
    let data = tmp.path().join("data");
    small_library(&lib, 6);
    let lib_s = lib.to_str().expect("utf8").to_string();
    lookalike_ok(&data, &["index", &lib_s, "--model", "descriptor"]);
    // Gone entirely.
    std::fs::rename(&lib, &parked).expect("unplug");
    let out = lookalike(&data, &["index".as_ref(), lib.as_os_str()]);
    assert!(!out.status.success());
    assert_eq!(status(&data)["photos"].as_u64(), Some(6));
    // An empty mount point where the drive was.
    std::fs::create_dir_all(&lib).expect("mount point");
    let out = lookalike(
        &data,
        &["index".as_ref(), lib.as_os_str(), "--json".as_ref()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["removed"].as_u64(), Some(0), "{report}");
    let warned = report["warnings"].to_string();
    assert!(warned.contains("unplugged"), "{warned}");
    assert_eq!(status(&data)["photos"].as_u64(), Some(6));
    // Queries answer with the (missing) paths instead of failing.
    let q = parked.join("s002.jpg");
    let out = lookalike_ok(&data, &["query", q.to_str().expect("utf8"), "--json"]);
    let hits: Vec<Value> = serde_json::from_str(out.trim()).expect("json");
    assert!(hits[0]["path"].as_str().expect("p").ends_with("s002.jpg"));
    // Plugged back in: nothing to redo, nothing removed.
    std::fs::remove_dir(&lib).expect("rmdir");
    std::fs::rename(&parked, &lib).expect("plug");
    let out = lookalike_ok(&data, &["index", &lib_s, "--json"]);
    let report: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(report["unchanged"].as_u64(), Some(6), "{report}");
    assert_eq!(report["removed"].as_u64(), Some(0), "{report}");
    assert_eq!(report["embedded"].as_u64(), Some(0), "{report}");
}

/// The drive is unplugged while indexing runs: files not read yet are skipped, not recorded as
/// failed (which would keep them out until they change), and are indexed when it is back.
#[test]
fn library_unplugged_mid_index_is_resumed_when_back() {
    use lookalike::core::embed::descriptor::Descriptor;
    use lookalike::core::library::Library;
    use lookalike::core::progress::{CancelFlag, NoProgress, Progress, ProgressUpdate};
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Unplug {
        from: std::path::PathBuf,
        to: std::path::PathBuf,
        done: AtomicBool,
    }
    impl Progress for Unplug {
        fn update(&self, u: ProgressUpdate) {
            if u.stage == "indexing" && !self.done.swap(true, Ordering::SeqCst) {
                std::fs::rename(&self.from, &self.to).expect("unplug");
            }
        }
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("drive");
    let parked = tmp.path().join("parked");
    small_library(&lib, 120);
    let mut library = Library::open(Some(tmp.path().join("data"))).expect("open");
    let d = Descriptor::new();
    let unplug = Unplug {
        from: lib.clone(),
        to: parked.clone(),
        done: AtomicBool::new(false),
    };
    let roots = [lib.clone()];
    let r = library
        .index(&roots, "descriptor", &[&d], 0, &unplug, &CancelFlag::new())
        .expect("index survives the unplug");
    let (photos, failed) = library.catalog.counts().expect("counts");
    assert_eq!(failed, 0, "{r:?}");
    assert!(
        photos < 120,
        "the unplug came too late to test anything: {r:?}"
    );
    std::fs::rename(&parked, &lib).expect("plug");
    let r = library
        .index(
            &roots,
            "descriptor",
            &[&d],
            0,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("index again");
    assert_eq!(library.catalog.counts().expect("counts"), (120, 0), "{r:?}");
}
