//! The duplicates view's rules, without egui: keep choice, marks, the trash plan, regrouping and
//! hiding moved photos. Graphs are made with [`CandidateGraph::from_parts`], so the groups are
//! exactly known (no files are read).

use super::*;
use crate::core::catalog::PhotoInfo;
use crate::core::dupes::graph::Edge;
use crate::core::dupes::pixel_check::PixelMatch;
use crate::core::dupes::symmetry::Symmetry;
use crate::core::dupes::{PhotoEntry, Tier};
use crate::core::trash::{TrashReport, UndoReport};

/// A photo of `side`×`side` px and `bytes` bytes with its own content hash (`hash`).
fn photo(id: i64, path: &str, side: u32, bytes: u64, hash: u8) -> PhotoEntry {
    PhotoEntry {
        info: PhotoInfo {
            id,
            path: path.into(),
            bytes,
            width: side,
            height: side,
            format: "jpeg".into(),
            mtime_ns: 1_700_000_000_000_000_000 + id,
            ..Default::default()
        },
        hash: Some([hash; 32]),
    }
}

/// A pixel-checked edge between classes `a` and `b` whose near score is `score`.
fn near(a: u32, b: u32, score: f32) -> Edge {
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

/// An edge between classes `a` and `b` without a pixel check (only the similar tier uses it).
fn similar(a: u32, b: u32) -> Edge {
    Edge {
        pixel: None,
        ..near(a, b, 0.0)
    }
}

/// A state over `graph` with default settings changed by `setup`, in a fresh data dir.
fn state_with(
    graph: CandidateGraph,
    setup: impl FnOnce(&mut DupeSettings),
) -> (DupesState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut state, warning) = DupesState::new(dir.path());
    assert_eq!(warning, None);
    setup(&mut state.settings);
    state.set_graph(Arc::new(graph));
    (state, dir)
}

/// One near group: a big `a` and its smaller copies `a2`, `a3`.
fn near_group() -> (DupesState, tempfile::TempDir) {
    let graph = CandidateGraph::from_parts(
        vec![
            photo(1, "/lib/a.jpg", 400, 4000, 1),
            photo(2, "/lib/a2.jpg", 200, 1000, 2),
            photo(3, "/lib/a3.jpg", 100, 300, 3),
        ],
        vec![near(0, 1, 0.97), near(0, 2, 0.96)],
    );
    state_with(graph, |_| {})
}

fn path(state: &DupesState, g: usize, i: usize) -> PathBuf {
    state.groups()[g].members[i].photo.path.clone()
}

fn index_of(state: &DupesState, g: usize, p: &str) -> usize {
    state.groups()[g]
        .members
        .iter()
        .position(|m| m.photo.path == Path::new(p))
        .expect("member of the group")
}

#[test]
fn the_rule_keeps_the_best_photo_first_and_never_marks_it() {
    let (mut s, _dir) = near_group();
    assert_eq!(s.groups().len(), 1);
    let group = &s.groups()[0];
    assert_eq!((group.tier, group.keep), (Tier::Near, 0));
    assert_eq!(group.kept().photo.path, Path::new("/lib/a.jpg"), "largest");
    assert!(!s.is_marked(0, 0));
    assert!(!s.toggle_mark(0, 0), "the kept photo cannot be marked");
    assert!(!s.is_marked(0, 0));
    assert!(
        s.is_marked(0, 1) && s.is_marked(0, 2),
        "near copies start marked"
    );
}

#[test]
fn choosing_another_keeper_unmarks_it_and_survives_regrouping() {
    let (mut s, _dir) = near_group();
    let a3 = index_of(&s, 0, "/lib/a3.jpg");
    assert!(s.is_marked(0, a3));
    s.set_keep(0, a3);
    assert_eq!(s.groups()[0].keep, a3);
    assert!(!s.is_marked(0, a3), "the new keeper is not marked");
    assert!(s.is_marked(0, 0), "the old keeper now is");
    assert!(!s.toggle_mark(0, a3));
    s.regroup();
    let group = &s.groups()[0];
    assert_eq!(group.keep, 0, "the kept photo comes first");
    assert_eq!(group.kept().photo.path, Path::new("/lib/a3.jpg"));
    assert!(!s.is_marked(0, 0));
}

#[test]
fn protected_photos_are_never_marked() {
    let graph = CandidateGraph::from_parts(
        vec![
            photo(1, "/lib/ref/a.jpg", 400, 4000, 1),
            photo(2, "/lib/ref/a2.jpg", 200, 1000, 2),
            photo(3, "/lib/new/a3.jpg", 100, 300, 3),
        ],
        vec![near(0, 1, 0.97), near(0, 2, 0.96)],
    );
    let (mut s, _dir) = state_with(graph, |set| {
        set.reference_folders = vec!["/lib/ref".into()];
    });
    assert_eq!(path(&s, 0, 0), Path::new("/lib/ref/a.jpg"));
    let a2 = index_of(&s, 0, "/lib/ref/a2.jpg");
    let a3 = index_of(&s, 0, "/lib/new/a3.jpg");
    assert!(s.groups()[0].members[a2].protected);
    assert!(!s.is_marked(0, a2));
    assert!(!s.toggle_mark(0, a2), "a protected photo cannot be marked");
    assert!(!s.is_marked(0, a2));
    assert!(s.is_marked(0, a3));
    let plan = s.plan_trash().expect("a3 is marked");
    assert_eq!(plan.files, vec![PathBuf::from("/lib/new/a3.jpg")]);
}

#[test]
fn similar_groups_start_unmarked() {
    let mut graph = CandidateGraph::from_parts(
        vec![
            photo(1, "/lib/shot1.jpg", 400, 4000, 1),
            photo(2, "/lib/shot2.jpg", 300, 3000, 2),
        ],
        vec![similar(0, 1)],
    );
    graph.class_vectors = vec![Some(vec![1.0, 0.0]), Some(vec![0.99, 0.141])];
    let (mut s, _dir) = state_with(graph, |set| set.thresholds.max_tier = Tier::Similar);
    assert_eq!(s.groups().len(), 1);
    assert_eq!(s.groups()[0].tier, Tier::Similar);
    assert!(!s.is_marked(0, 1), "similar shots need review");
    assert_eq!(s.marked_total(), (0, 0));
    assert!(s.plan_trash().is_none(), "nothing marked, nothing to move");
    assert!(s.toggle_mark(0, 1));
    assert!(s.is_marked(0, 1));
    assert_eq!(s.marked_total(), (1, 3000));
}

#[test]
fn the_trash_plan_lists_exactly_the_marked_photos() {
    let graph = CandidateGraph::from_parts(
        vec![
            photo(1, "/lib/a.jpg", 400, 4000, 1),
            photo(2, "/lib/a2.jpg", 200, 1000, 2),
            photo(3, "/lib/a3.jpg", 100, 300, 3),
            photo(4, "/lib/b.jpg", 100, 500, 4),
            photo(5, "/lib/copy/b.jpg", 100, 500, 4),
        ],
        vec![near(0, 1, 0.97), near(0, 2, 0.96)],
    );
    let (mut s, _dir) = state_with(graph, |_| {});
    assert_eq!(s.groups().len(), 2, "a near group and an exact group");
    let near_g = index_of_group(&s, "/lib/a.jpg");
    let a2 = index_of(&s, near_g, "/lib/a2.jpg");
    assert!(s.toggle_mark(near_g, a2), "unmark a2");
    let plan = s.plan_trash().expect("marked photos");
    let kept: Vec<PathBuf> = s
        .groups()
        .iter()
        .map(|g| g.kept().photo.path.clone())
        .collect();
    let mut expected: Vec<PathBuf> = (0..s.groups().len())
        .flat_map(|g| s.marked_in(g))
        .map(|m| m.photo.path.clone())
        .collect();
    let mut files = plan.files.clone();
    files.sort();
    expected.sort();
    assert_eq!(files, expected);
    assert_eq!(files.len(), 2, "a3 and one copy of b");
    assert!(files.contains(&PathBuf::from("/lib/a3.jpg")));
    assert!(!files.contains(&PathBuf::from("/lib/a2.jpg")), "unmarked");
    assert!(
        kept.iter().all(|k| !files.contains(k)),
        "never a kept photo"
    );
    assert_eq!(plan.bytes, 300 + 500);
    let crate::worker::Command::TrashGroups(groups) = &plan.command else {
        panic!("the plan moves groups");
    };
    for g in groups {
        assert_eq!(g.keep, 0);
        assert!(kept.contains(&g.kept().photo.path));
        assert_eq!(g.removable().len(), g.members.len() - 1);
    }
}

fn index_of_group(state: &DupesState, kept: &str) -> usize {
    state
        .groups()
        .iter()
        .position(|g| g.kept().photo.path == Path::new(kept))
        .expect("a group kept by that photo")
}

#[test]
fn regrouping_keeps_marks_by_path() {
    let graph = CandidateGraph::from_parts(
        vec![
            photo(1, "/lib/a.jpg", 400, 4000, 1),
            photo(2, "/lib/a2.jpg", 200, 1000, 2),
            photo(3, "/lib/b.jpg", 400, 3000, 3),
            photo(4, "/lib/b2.jpg", 200, 900, 4),
        ],
        vec![near(0, 1, 0.97), near(2, 3, 0.85)],
    );
    let (mut s, _dir) = state_with(graph, |_| {});
    assert_eq!(
        s.groups().len(),
        1,
        "b~b2 is below the default near threshold"
    );
    assert!(s.toggle_mark(0, 1), "unmark a2");
    assert!(!s.is_marked(0, 1));
    s.settings.thresholds.near = 0.8;
    s.settings_changed();
    assert_eq!(s.groups().len(), 2);
    let ga = index_of_group(&s, "/lib/a.jpg");
    let gb = index_of_group(&s, "/lib/b.jpg");
    assert!(
        !s.is_marked(ga, index_of(&s, ga, "/lib/a2.jpg")),
        "still unmarked"
    );
    assert!(
        s.is_marked(gb, index_of(&s, gb, "/lib/b2.jpg")),
        "new group: default"
    );
    assert_ne!(ga, gb);
}

#[test]
fn moved_photos_are_hidden_until_restored() {
    let (mut s, _dir) = near_group();
    s.open_compare();
    assert!(s.compare.is_some());
    let report = TrashReport {
        moved: vec![PathBuf::from("/lib/a2.jpg")],
        moved_ids: vec![2],
        ..TrashReport::default()
    };
    s.on_trashed(&report);
    assert_eq!(s.compare, None, "the compare view closes");
    assert_eq!(s.groups()[0].members.len(), 2);
    assert!(s.groups()[0].members.iter().all(|m| m.photo.id != 2));
    s.on_trashed(&TrashReport {
        moved: vec![PathBuf::from("/lib/a3.jpg")],
        ..TrashReport::default()
    });
    assert!(s.groups().is_empty(), "a group of one is no group");
    s.on_restored(&UndoReport {
        restored: vec![PathBuf::from("/lib/a2.jpg"), PathBuf::from("/lib/a3.jpg")],
        manual: Vec::new(),
    });
    assert_eq!(s.groups().len(), 1);
    assert_eq!(s.groups()[0].members.len(), 3);
    assert_eq!(s.groups()[0].kept().photo.path, Path::new("/lib/a.jpg"));
}

#[test]
fn selection_and_compare_follow_the_groups() {
    let (mut s, _dir) = near_group();
    s.member = 0;
    s.open_compare();
    assert_eq!(
        s.compare,
        Some(1),
        "the kept photo focused: B is the first other one"
    );
    s.member = 2;
    s.open_compare();
    assert_eq!(s.compare, Some(2), "B is the focused photo");
    s.select_group(5);
    assert_eq!(s.selected, 0, "clamped to the groups there are");
    s.ignore_group(0);
    assert!(s.groups().is_empty());
    assert_eq!(s.compare, None);
    assert!(
        s.take_outbox().iter().any(|c| matches!(
            c,
            crate::worker::Command::Dupes(DupesCommand::SaveIgnore(_))
        )),
        "the ignore list is saved"
    );
}

#[test]
fn the_filter_shows_only_groups_with_a_passing_photo_and_trashes_nothing_hidden() {
    let graph = CandidateGraph::from_parts(
        vec![
            photo(1, "/lib/Holidays/a.jpg", 400, 4000, 1),
            photo(2, "/lib/Holidays/a2.jpg", 200, 1000, 2),
            photo(3, "/lib/Work/b.jpg", 400, 4000, 3),
            photo(4, "/lib/Downloads/b2.jpg", 200, 1000, 4),
            photo(5, "/lib/Work/c.jpg", 400, 4000, 5),
            photo(6, "/lib/Work/c2.jpg", 200, 1000, 6),
        ],
        vec![near(0, 1, 0.97), near(2, 3, 0.97), near(4, 5, 0.97)],
    );
    let (mut state, _dir) = state_with(graph, |_| {});
    assert_eq!(state.groups().len(), 3);
    assert_eq!(state.unfiltered(), (3, false));

    let filter = |folder: &str| PhotoFilter {
        folder: Some(folder.into()),
        ..PhotoFilter::default()
    };
    state.set_filter(filter("downloads"));
    let kept: Vec<&str> = state
        .groups()
        .iter()
        .map(|g| g.kept().photo.path.to_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kept,
        ["/lib/Work/b.jpg"],
        "a group with one photo in the folder"
    );
    assert_eq!(state.unfiltered(), (3, true));
    // What would be trashed is only what is shown.
    let removable: Vec<i64> = state
        .groups()
        .iter()
        .flat_map(|g| g.removable().into_iter().map(|m| m.photo.id))
        .collect();
    assert_eq!(removable, [4]);

    state.set_filter(filter("nowhere"));
    assert!(state.groups().is_empty());
    state.set_filter(PhotoFilter::default());
    assert_eq!(
        state.groups().len(),
        3,
        "clearing the filter shows every group"
    );
}
