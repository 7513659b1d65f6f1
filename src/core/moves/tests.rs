use super::*;
use crate::core::catalog::PhotoRecord;
use crate::core::progress::NoProgress;

/// A library with one root holding `names` (file contents = their names), indexed in the
/// catalog with one vector each. Returns (tmp, library, root, ids).
fn library(names: &[&str]) -> (tempfile::TempDir, Library, PathBuf, Vec<i64>) {
    let tmp = tempfile::tempdir().expect("tmp");
    let base = tmp.path().canonicalize().expect("canon");
    let root = base.join("photos");
    std::fs::create_dir_all(root.join("trip")).expect("mkdir");
    let mut lib = Library::open(Some(base.join("data"))).expect("open");
    lib.catalog.add_root(&root).expect("root");
    let records: Vec<PhotoRecord> = names
        .iter()
        .map(|n| {
            let path = root.join(n);
            std::fs::write(&path, n.as_bytes()).expect("write");
            PhotoRecord {
                path,
                size: n.len() as u64,
                width: 10,
                height: 10,
                format: "jpeg".into(),
                embeddings: vec![("test".into(), vec![1.0, 0.0])],
                ..PhotoRecord::default()
            }
        })
        .collect();
    let ids = lib.catalog.upsert(&records).expect("upsert");
    (tmp, lib, root, ids)
}

fn path_of(lib: &Library, id: i64) -> Option<PathBuf> {
    lib.catalog.photo(id).expect("photo").map(|p| p.path)
}

#[test]
fn numbered_names_keep_the_extension() {
    assert_eq!(files::numbered("a.jpg", 1), "a.jpg");
    assert_eq!(files::numbered("a.jpg", 2), "a (2).jpg");
    assert_eq!(files::numbered("my.photo.jpg", 3), "my.photo (3).jpg");
    assert_eq!(files::numbered(".hidden", 2), ".hidden (2)");
    assert_eq!(files::numbered("README", 2), "README (2)");
    assert_eq!(
        files::numbered_after("IMG_1.CR2.xmp", 5, 2).as_deref(),
        Some("IMG_1 (2).CR2.xmp")
    );
    assert_eq!(files::numbered_after("IMG_10.jpg", 5, 2), None);
}

#[test]
fn copy_never_overwrites_and_leaves_the_sources() {
    let (tmp, mut lib, root, ids) = library(&["a.jpg", "trip/a.jpg", "b.jpg"]);
    let dest = tmp.path().join("out");
    std::fs::create_dir_all(&dest).expect("mkdir");
    // Something already called b.jpg there: it must survive untouched.
    std::fs::write(dest.join("b.jpg"), b"keep me").expect("write");
    let report = lib
        .transfer_photos(
            TransferKind::Copy,
            &ids,
            &dest,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("copy");
    assert_eq!(report.photos, 3);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(
        report.renamed, 2,
        "trip/a.jpg and b.jpg took numbered names"
    );
    assert_eq!(std::fs::read(dest.join("a.jpg")).expect("a"), b"a.jpg");
    assert_eq!(
        std::fs::read(dest.join("a (2).jpg")).expect("a2"),
        b"trip/a.jpg"
    );
    assert_eq!(std::fs::read(dest.join("b.jpg")).expect("b"), b"keep me");
    assert_eq!(std::fs::read(dest.join("b (2).jpg")).expect("b2"), b"b.jpg");
    // The sources and the catalog are as they were; no temporary file is left behind.
    for (id, name) in ids.iter().zip(["a.jpg", "trip/a.jpg", "b.jpg"]) {
        assert!(root.join(name).exists());
        assert_eq!(path_of(&lib, *id), Some(root.join(name)));
    }
    let left: Vec<_> = std::fs::read_dir(&dest)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(
        !MoveJournal::new(lib.data_dir.root()).path().exists(),
        "copies are not journaled"
    );
}

#[test]
fn move_inside_the_library_then_undo_restores_paths_and_catalog() {
    let (_tmp, mut lib, root, ids) = library(&["a.jpg", "a.xmp", "b.jpg"]);
    let dest = root.join("trip");
    std::fs::write(dest.join("a.jpg"), b"other").expect("write");
    // Only a.jpg and b.jpg are asked for; a.xmp is a.jpg's sidecar and travels with it.
    let asked = [ids[0], ids[2]];
    let report = lib
        .transfer_photos(
            TransferKind::Move,
            &asked,
            &dest,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("move");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.photos, 2);
    assert!(!root.join("a.jpg").exists() && !root.join("a.xmp").exists());
    assert_eq!(
        std::fs::read(dest.join("a (2).jpg")).expect("moved"),
        b"a.jpg"
    );
    assert_eq!(
        std::fs::read(dest.join("a (2).xmp")).expect("sidecar"),
        b"a.xmp",
        "the sidecar keeps the photo's number"
    );
    assert_eq!(std::fs::read(dest.join("a.jpg")).expect("kept"), b"other");
    // The catalog follows: same ids, new paths.
    assert_eq!(path_of(&lib, ids[0]), Some(dest.join("a (2).jpg")));
    assert_eq!(path_of(&lib, ids[1]), Some(dest.join("a (2).xmp")));
    assert_eq!(path_of(&lib, ids[2]), Some(dest.join("b.jpg")));
    assert!(lib.catalog.vector(ids[0], "test").expect("vec").is_some());

    let undo = lib.undo_move().expect("undo");
    assert_eq!(undo.restored.len(), 3);
    assert!(undo.manual.is_empty(), "{:?}", undo.manual);
    assert!(!undo.rescan);
    for (id, name) in ids.iter().zip(["a.jpg", "a.xmp", "b.jpg"]) {
        assert_eq!(
            std::fs::read(root.join(name)).expect("back"),
            name.as_bytes()
        );
        assert_eq!(path_of(&lib, *id), Some(root.join(name)));
    }
    assert_eq!(std::fs::read(dest.join("a.jpg")).expect("kept"), b"other");
    assert!(!dest.join("b.jpg").exists());
    // Nothing left to undo.
    let again = lib.undo_move().expect("undo again");
    assert!(again.restored.is_empty() && again.manual.is_empty());
}

#[test]
fn move_out_of_the_library_leaves_the_catalog_and_undo_asks_for_a_rescan() {
    let (tmp, mut lib, root, ids) = library(&["a.jpg", "b.jpg"]);
    let dest = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let report = lib
        .transfer_photos(
            TransferKind::Move,
            &ids[..1],
            &dest,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("move");
    assert_eq!(report.left_library, [ids[0]]);
    assert_eq!(path_of(&lib, ids[0]), None, "it left the library");
    assert_eq!(path_of(&lib, ids[1]), Some(root.join("b.jpg")));
    assert!(dest.join("a.jpg").exists() && !root.join("a.jpg").exists());

    // Something took its old name meanwhile: undo never overwrites it.
    std::fs::write(root.join("a.jpg"), b"new").expect("write");
    let undo = lib.undo_move().expect("undo");
    assert!(undo.restored.is_empty());
    assert_eq!(undo.manual.len(), 1);
    assert!(undo.manual[0].1.contains("stays at"), "{:?}", undo.manual);
    assert_eq!(std::fs::read(root.join("a.jpg")).expect("new"), b"new");
    assert!(dest.join("a.jpg").exists());
}

#[test]
fn undo_of_a_move_out_brings_the_file_back_for_the_next_scan() {
    let (tmp, mut lib, root, ids) = library(&["a.jpg"]);
    let dest = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&dest).expect("mkdir");
    lib.transfer_photos(
        TransferKind::Move,
        &ids,
        &dest,
        &NoProgress,
        &CancelFlag::new(),
    )
    .expect("move");
    let undo = lib.undo_move().expect("undo");
    assert_eq!(undo.restored, [root.join("a.jpg")]);
    assert!(
        undo.rescan,
        "the photo had left the catalog: a scan indexes it again"
    );
    assert_eq!(std::fs::read(root.join("a.jpg")).expect("back"), b"a.jpg");
}

#[test]
fn moving_into_its_own_folder_moves_nothing() {
    let (_tmp, mut lib, root, ids) = library(&["a.jpg"]);
    let report = lib
        .transfer_photos(
            TransferKind::Move,
            &ids,
            &root,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("move");
    assert!(report.done.is_empty());
    assert_eq!(report.failed.len(), 1);
    assert!(root.join("a.jpg").exists());
    assert!(!root.join("a (2).jpg").exists());
}

#[test]
fn a_cross_device_style_copy_is_verified_and_keeps_the_time() {
    let tmp = tempfile::tempdir().expect("tmp");
    let from = tmp.path().join("x.jpg");
    std::fs::write(&from, vec![7u8; 200_000]).expect("write");
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    std::fs::File::options()
        .write(true)
        .open(&from)
        .and_then(|f| f.set_modified(old))
        .expect("mtime");
    let to = tmp.path().join("y.jpg");
    assert_eq!(files::copy_verified(&from, &to).expect("copy"), 200_000);
    assert_eq!(std::fs::read(&to).expect("read").len(), 200_000);
    let mtime = std::fs::metadata(&to)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(mtime, old);
    let again = files::copy_verified(&from, &to);
    assert_eq!(
        again.map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::AlreadyExists)
    );
}
