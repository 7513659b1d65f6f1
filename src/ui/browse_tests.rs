//! Browse's ordering, grouping, filtering and its filter row, without the worker.

use super::*;

fn photo(id: i64, path: &str, mtime_s: i64) -> PhotoInfo {
    PhotoInfo {
        id,
        path: path.into(),
        bytes: 1,
        width: 1,
        height: 1,
        format: "jpeg".into(),
        mtime_ns: mtime_s * 1_000_000_000,
        ..Default::default()
    }
}

#[test]
fn groups_by_folder_and_by_day_and_filters_names() {
    let mut b = BrowseState::default();
    b.arrangement.grouping = Grouping::Folder;
    // Sorted by path as the catalog lists them: a subfolder sorts between a folder's files.
    b.set_photos(vec![
        photo(1, "/p/b/a.jpg", 1_700_000_000),
        photo(2, "/p/b/c/y.jpg", 1_710_000_000),
        photo(3, "/p/b/x.JPG", 1_700_000_100),
    ]);
    b.refresh();
    assert_eq!(titles(&b), ["/p/b", "/p/b/c"]);
    assert_eq!(ids(&b), [3, 1, 2], "newest first within a folder");

    b.arrangement.grouping = Grouping::Timeline;
    b.refresh();
    assert_eq!(ids(&b), [2, 3, 1], "newest first");
    assert_eq!(
        titles(&b),
        [
            "2024  ·  1 photo",
            "March 2024  ·  1 photo",
            "Saturday 9 March 2024  ·  by file date (no capture date)",
            "2023  ·  2 photos",
            "November 2023  ·  2 photos",
            "Tuesday 14 November 2023  ·  by file date (no capture date)",
        ]
    );

    b.filter.name = Some("x.j".into());
    b.refresh();
    assert_eq!(b.len(), 1);
    assert_eq!(b.item(0).map(|p| p.id), Some(3), "case-insensitive");

    b.remove_ids(&[3]);
    b.refresh();
    assert!(b.is_empty());
}

#[test]
fn the_timeline_uses_the_cameras_day_and_says_where_it_used_the_files() {
    use crate::core::metadata::CaptureTime;
    let taken = |id: i64, name: &str, when: &str| PhotoInfo {
        taken: CaptureTime::parse_iso(when),
        ..photo(id, &format!("/lib/{name}"), 1_800_000_000)
    };
    let mut b = BrowseState::default();
    b.set_photos(vec![
        // 23:30 in New York is already the next day in UTC: it stays on the 4th.
        taken(1, "late.jpg", "2019-07-04T23:30:00-04:00"),
        taken(2, "noon.jpg", "2019-07-04T12:00:00+02:00"),
        taken(3, "morning.jpg", "2019-07-05T08:00:00"),
        // Copied in 2019 with no EXIF: by its file date, on the same day as photo 2.
        photo(4, "/lib/copy.jpg", 1_562_241_600), // 2019-07-04 12:00 UTC
        taken(5, "old.jpg", "2018-12-31T23:59:59"),
    ]);
    b.refresh();
    assert_eq!(ids(&b), [3, 1, 2, 4, 5]);
    assert_eq!(
        titles(&b),
        [
            "2019  ·  4 photos",
            "July 2019  ·  4 photos",
            "Friday 5 July 2019",
            "Thursday 4 July 2019",
            "Thursday 4 July 2019  ·  by file date (no capture date)",
            "2018  ·  1 photo",
            "December 2018  ·  1 photo",
            "Monday 31 December 2018",
        ]
    );
    // Headings hold no tiles; the days cover every photo once.
    let days: Vec<(usize, usize)> = b
        .sections()
        .iter()
        .filter(|s| s.level == Section::GROUP)
        .map(|s| (s.start, s.end))
        .collect();
    assert_eq!(days, [(0, 1), (1, 3), (3, 4), (4, 5)]);
    assert!(
        b.sections()
            .iter()
            .filter(|s| s.level != Section::GROUP)
            .all(|s| s.start == s.end)
    );

    // Oldest first turns the days round too.
    b.arrangement.descending = false;
    b.refresh();
    assert_eq!(ids(&b), [5, 2, 1, 4, 3]);
    assert_eq!(titles(&b)[0], "2018  ·  1 photo");
}

#[test]
fn phone_and_messenger_copies_without_exif_go_by_the_date_in_their_name() {
    // Both copied to the computer in 2024 (file date), named by the phone in 2019.
    let mut b = BrowseState::default();
    b.set_photos(vec![
        photo(1, "/lib/WhatsApp/IMG-20190704-WA0001.jpg", 1_710_000_000),
        photo(
            2,
            "/lib/Screenshots/Screenshot_20190705-081500.png",
            1_710_000_000,
        ),
        photo(3, "/lib/scan.jpg", 1_710_000_000),
    ]);
    b.arrangement.grouping = Grouping::Timeline;
    b.refresh();
    assert_eq!(ids(&b), [3, 2, 1]);
    assert_eq!(
        titles(&b),
        [
            "2024  ·  1 photo",
            "March 2024  ·  1 photo",
            "Saturday 9 March 2024  ·  by file date (no capture date)",
            "2019  ·  2 photos",
            "July 2019  ·  2 photos",
            "Friday 5 July 2019",
            "Thursday 4 July 2019",
        ]
    );
}

#[test]
fn sorts_by_name_size_and_resolution_within_groups() {
    let sized = |id: i64, path: &str, bytes: u64, (w, h): (u32, u32)| PhotoInfo {
        bytes,
        width: w,
        height: h,
        ..photo(id, path, 1_600_000_000 + id)
    };
    let mut b = BrowseState::default();
    b.set_photos(vec![
        sized(1, "/a/b.jpg", 300, (10, 10)),
        sized(2, "/a/A.jpg", 100, (40, 30)),
        sized(3, "/a/c.jpg", 200, (20, 20)),
        sized(4, "/z/0.jpg", 900, (1, 1)),
    ]);
    b.arrangement = BrowseOrder {
        grouping: Grouping::None,
        sort: SortKey::Name,
        descending: false,
        stack_bursts: true,
    };
    b.refresh();
    assert_eq!(ids(&b), [4, 2, 1, 3], "by name, ignoring case");
    assert_eq!(titles(&b), [""], "one run without a heading");
    b.arrangement.sort = SortKey::Size;
    b.arrangement.descending = true;
    b.refresh();
    assert_eq!(ids(&b), [4, 1, 3, 2]);
    b.arrangement.sort = SortKey::Resolution;
    b.refresh();
    assert_eq!(ids(&b), [2, 3, 1, 4]);
    b.arrangement.grouping = Grouping::Folder;
    b.refresh();
    assert_eq!(ids(&b), [2, 3, 1, 4], "within each folder");
    assert_eq!(titles(&b), ["/a", "/z"]);
    // Sorting by something else keeps the timeline's days newest first.
    b.arrangement.grouping = Grouping::Timeline;
    b.arrangement.descending = false;
    b.refresh();
    assert_eq!(ids(&b), [4, 1, 3, 2], "one day; smallest first within it");
}

/// Three cameras, three years, two folders, both shapes, one with a location.
fn library() -> Vec<PhotoInfo> {
    use crate::core::metadata::{CaptureTime, Gps};
    let shot = |id: i64, path: &str, taken: &str, camera: &str, (w, h): (u32, u32)| PhotoInfo {
        width: w,
        height: h,
        taken: CaptureTime::parse_iso(taken),
        camera: Some(camera.into()),
        ..photo(id, path, 1_600_000_000)
    };
    let mut gps = shot(
        2,
        "/lib/Holidays/DSCF0002.jpg",
        "2019-08-02T11:00:00",
        "FUJIFILM X100V",
        (3000, 4000),
    );
    gps.gps = Some(Gps {
        lat: 43.0,
        lon: 5.0,
    });
    vec![
        shot(
            1,
            "/lib/Holidays/DSCF0001.jpg",
            "2019-08-01T10:00:00",
            "FUJIFILM X100V",
            (4000, 3000),
        ),
        gps,
        shot(
            3,
            "/lib/Holidays/IMG_0003.jpg",
            "2020-12-24T18:00:00",
            "Apple iPhone 12",
            (3000, 4000),
        ),
        shot(
            4,
            "/lib/Work/DSCF0004.jpg",
            "2019-03-05T09:00:00",
            "FUJIFILM X100V",
            (4000, 3000),
        ),
        shot(
            5,
            "/lib/Work/DSC_0005.jpg",
            "2018-06-01T12:00:00",
            "NIKON D750",
            (4000, 3000),
        ),
    ]
}

fn ids(b: &BrowseState) -> Vec<i64> {
    (0..b.len())
        .filter_map(|i| b.item(i))
        .map(|p| p.id)
        .collect()
}

fn titles(b: &BrowseState) -> Vec<&str> {
    b.sections.iter().map(|s| s.title.as_str()).collect()
}

fn months(b: &BrowseState) -> Vec<&str> {
    b.sections
        .iter()
        .filter(|s| s.level == Section::MONTH)
        .map(|s| s.title.as_str())
        .collect()
}

#[test]
fn filters_combine_and_sections_follow_them() {
    let mut b = BrowseState::default();
    b.arrangement.grouping = Grouping::Folder;
    b.set_photos(library());
    b.refresh();
    assert_eq!(b.len(), 5);
    assert_eq!(titles(&b), ["/lib/Holidays", "/lib/Work"]);

    b.filter = FilterFields {
        after: "2019".into(),
        camera: "x100v".into(),
        ..FilterFields::default()
    }
    .filter();
    b.refresh();
    assert_eq!(ids(&b), [2, 1, 4], "newest first within a folder");
    assert_eq!(titles(&b), ["/lib/Holidays", "/lib/Work"]);

    b.filter.folder = Some("holidays".into());
    b.refresh();
    assert_eq!(ids(&b), [2, 1]);
    assert_eq!(
        titles(&b),
        ["/lib/Holidays"],
        "empty sections are not shown"
    );

    b.arrangement.grouping = Grouping::Timeline;
    b.refresh();
    assert_eq!(ids(&b), [2, 1], "newest first");
    assert_eq!(
        titles(&b),
        [
            "2019  ·  2 photos",
            "August 2019  ·  2 photos",
            "Friday 2 August 2019",
            "Thursday 1 August 2019"
        ]
    );

    b.filter.orientation = Some(crate::core::filter::Orientation::Portrait);
    b.refresh();
    assert_eq!(ids(&b), [2]);
    b.filter.orientation = None;
    b.filter.has_gps = Some(true);
    b.refresh();
    assert_eq!(ids(&b), [2]);

    // A year ending: everything up to 2019, by month.
    b.filter = FilterFields {
        before: "2019".into(),
        ..FilterFields::default()
    }
    .filter();
    b.refresh();
    assert_eq!(ids(&b), [2, 1, 4, 5]);
    assert_eq!(
        months(&b),
        [
            "August 2019  ·  2 photos",
            "March 2019  ·  1 photo",
            "June 2018  ·  1 photo"
        ]
    );

    b.filter = FilterFields {
        name: "dsc_".into(),
        ..FilterFields::default()
    }
    .filter();
    b.refresh();
    assert_eq!(ids(&b), [5]);

    b.filter = PhotoFilter::default();
    b.arrangement.grouping = Grouping::Folder;
    b.refresh();
    assert_eq!(b.len(), 5);
}

#[test]
fn the_filter_is_part_of_the_refresh_key() {
    let mut b = BrowseState::default();
    b.set_photos(library());
    b.refresh();
    b.grid.selected = Some(4);
    b.filter.camera = Some("nikon".into());
    b.refresh();
    assert_eq!(ids(&b), [5]);
    assert_eq!(b.grid.selected, None, "a selection past the end is dropped");
    // The same key again changes nothing; a new listing recomputes.
    b.refresh();
    assert_eq!(ids(&b), [5]);
    let mut more = library();
    more.push(PhotoInfo {
        camera: Some("NIKON Z6".into()),
        ..photo(6, "/lib/Work/DSC_0006.jpg", 1_600_000_000)
    });
    b.set_photos(more);
    b.refresh();
    assert_eq!(
        ids(&b),
        [6, 5],
        "the 2020 file before the photo taken in 2018"
    );
    b.remove_ids(&[5]);
    b.refresh();
    assert_eq!(ids(&b), [6]);
}

#[test]
fn typed_fields_become_a_filter_and_persist() {
    use crate::core::filter::{FormatClass, Orientation};
    let typed = FilterFields {
        name: " img ".into(),
        after: "2019-07".into(),
        before: "2019-0".into(), // still being typed
        camera: "X100V".into(),
        folder: String::new(),
        formats: vec![FormatClass::Raw, FormatClass::Heic],
        orientation: Some(Orientation::Landscape),
        has_gps: true,
    };
    let f = typed.filter();
    assert_eq!(
        f.after.map(|d| d.to_string()).as_deref(),
        Some("2019-07-01")
    );
    assert_eq!(f.before, None, "a date being typed is left out");
    assert!(typed.before_error().is_some_and(|e| e.contains("YYYY-MM")));
    assert_eq!(typed.after_error(), None);
    assert_eq!(f.name.as_deref(), Some("img"));
    assert_eq!(f.folder, None);
    assert_eq!(
        f.formats,
        [FormatClass::Heic, FormatClass::Raw],
        "in menu order"
    );
    assert_eq!(f.has_gps, Some(true));
    assert!(!typed.is_clear());
    assert!(FilterFields::default().is_clear());
    assert!(FilterFields::default().filter().is_empty());
    let only_bad_date = FilterFields {
        after: "20".into(),
        ..FilterFields::default()
    };
    assert!(
        !only_bad_date.is_clear(),
        "Clear can empty a half-typed date"
    );

    // Saved with the settings and read back at the next start.
    let dir = tempfile::tempdir().expect("tmp");
    let settings = crate::ui::settings::Settings {
        browse_filter: typed.clone(),
        ..Default::default()
    };
    let path = crate::ui::settings::Settings::path(dir.path());
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, settings.to_json()).expect("write");
    let (back, warning) = crate::ui::settings::Settings::load(dir.path());
    assert_eq!(warning, None);
    assert_eq!(back.browse_filter, typed);
    // Settings written before filters existed still load.
    std::fs::write(&path, br#"{"thumb_px": 100.0}"#).expect("write");
    let (old, warning) = crate::ui::settings::Settings::load(dir.path());
    assert_eq!(warning, None);
    assert!(old.browse_filter.is_clear());
}

/// What `browse_ui` borrows, owned by the test harness.
struct Frame {
    browse: BrowseState,
    settings: crate::ui::settings::Settings,
    textures: crate::ui::textures::TextureCache,
    toasts: crate::ui::toasts::Toasts,
    commands: crate::ui::context::CommandSender,
    actions: Vec<UiAction>,
}

fn draw(ui: &mut Ui, f: &mut Frame) {
    let mut wanted = Vec::new();
    let mut cx = ViewContext {
        settings: &mut f.settings,
        status: None,
        indexing: false,
        textures: &mut f.textures,
        wanted: &mut wanted,
        toasts: &mut f.toasts,
        commands: &mut f.commands,
        actions: &mut f.actions,
        keyboard: true,
        hovering: false,
    };
    browse_ui(ui, &mut f.browse, &mut cx);
}

#[test]
fn the_count_follows_typing_and_clear_empties_the_filter() {
    use egui_kittest::kittest::Queryable;
    let mut browse = BrowseState::default();
    browse.set_photos(library());
    let frame = Frame {
        browse,
        settings: crate::ui::settings::Settings::default(),
        textures: crate::ui::textures::TextureCache::default(),
        toasts: crate::ui::toasts::Toasts::default(),
        commands: crate::ui::context::CommandSender::default(),
        actions: Vec::new(),
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 700.0))
        .build_ui_state(draw, frame);
    h.run();
    h.get_by_label("5 of 5 photos");

    h.get_by_label("Camera:").click();
    h.run();
    h.get_by_label("Camera:").type_text("x100");
    h.run();
    h.get_by_label("3 of 5 photos");
    assert_eq!(h.state().settings.browse_filter.camera, "x100");

    h.get_by_label("Folder:").click();
    h.run();
    h.get_by_label("Folder:").type_text("work");
    h.run();
    h.get_by_label("1 of 5 photos");

    h.get_by_label("Has GPS").click();
    h.run();
    h.get_by_label("0 of 5 photos");
    h.get_by_label_contains("No photo matches the filter");

    h.get_by_label("Clear").click();
    h.run();
    h.get_by_label("5 of 5 photos");
    assert!(h.state().settings.browse_filter.is_clear());
}

#[test]
fn bursts_show_as_stacks_with_their_count_and_can_be_unstacked() {
    use crate::core::metadata::CaptureTime;
    let taken = |id: i64, when: &str| PhotoInfo {
        taken: CaptureTime::parse_iso(when),
        ..photo(id, &format!("/lib/DSCF{id:04}.JPG"), 1_800_000_000)
    };
    let mut b = BrowseState::default();
    b.set_photos(vec![
        taken(1, "2021-06-03T14:30:10"),
        taken(2, "2021-06-03T14:30:11"),
        taken(3, "2021-06-03T14:30:12"),
        taken(4, "2021-06-03T18:00:00"),
    ]);
    b.set_bursts(vec![vec![1, 2, 3]]);
    b.refresh();
    assert_eq!(ids(&b), [4, 3], "the burst is one tile: its newest photo");
    assert_eq!(b.stack_size(1), Some(3));
    assert_eq!(b.stack_size(0), None);
    assert_eq!(b.shown_photos(), 4);
    assert_eq!(b.grid.badges.get(&1).map(String::as_str), Some("Burst · 3"));
    assert_eq!(
        months(&b),
        ["June 2021  ·  4 photos"],
        "headings count the photos in stacks"
    );

    // Opening the stack (S, or its menu) shows the burst whole; again stacks it.
    b.toggle_stack(1);
    b.refresh();
    assert_eq!(ids(&b), [4, 3, 2, 1]);
    assert_eq!(
        b.grid.badges.get(&3).map(String::as_str),
        Some("In a burst of 3")
    );
    b.toggle_stack(2);
    b.refresh();
    assert_eq!(ids(&b), [4, 3]);
    // A photo outside any burst has nothing to open.
    b.toggle_stack(0);
    b.refresh();
    assert_eq!(ids(&b), [4, 3]);

    b.arrangement.stack_bursts = false;
    b.refresh();
    assert_eq!(ids(&b), [4, 3, 2, 1]);
    assert!(b.grid.badges.is_empty());
}

/// A measurement, not a check (`cargo test --release --lib -- --ignored --nocapture
/// browse_at_100k`): Browse's CPU cost with 100,000 photos over ten years, in bursts of
/// three — regrouping per choice or keystroke, and frames while scrolling the timeline with
/// a filter set (layout and tessellation, as the window does them; no GPU).
#[test]
#[ignore = "measurement; run with --ignored --nocapture"]
fn browse_at_100k() {
    use crate::core::metadata::CaptureTime;
    use std::time::Instant;
    let n = 100_000i64;
    let base = 1_300_000_000i64; // 2011
    let photos: Vec<PhotoInfo> = (0..n)
        .map(|i| {
            // Three shots a few seconds apart, then an hour or so to the next scene.
            let t = base + (i / 3) * 3_137 + (i % 3) * 2;
            let secs = t.rem_euclid(86_400);
            let days = t.div_euclid(86_400);
            let (y, m, d) = crate::ui::format::civil_from_days(days);
            let iso = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
                secs / 3600,
                secs % 3600 / 60,
                secs % 60
            );
            PhotoInfo {
                taken: if i % 10 == 0 {
                    None
                } else {
                    CaptureTime::parse_iso(&iso)
                },
                camera: Some(if i % 4 == 0 { "X100V" } else { "iPhone 12" }.into()),
                width: 4000,
                height: if i % 5 == 0 { 6000 } else { 3000 },
                bytes: 2_000_000 + (i as u64 * 7919) % 3_000_000,
                ..photo(i, &format!("/lib/{}/IMG_{i:06}.JPG", i / 500), t)
            }
        })
        .collect();
    let bursts: Vec<Vec<i64>> = (0..n / 3)
        .map(|b| vec![3 * b, 3 * b + 1, 3 * b + 2])
        .collect();
    let mut b = BrowseState::default();
    let t = Instant::now();
    b.set_photos(photos);
    b.set_bursts(bursts);
    println!("listing keys: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    for (name, grouping, stack) in [
        ("timeline, stacked", Grouping::Timeline, true),
        ("timeline", Grouping::Timeline, false),
        ("folder", Grouping::Folder, false),
        ("none", Grouping::None, false),
    ] {
        b.arrangement.grouping = grouping;
        b.arrangement.stack_bursts = stack;
        let t = Instant::now();
        b.refresh();
        println!(
            "regroup {name}: {:.1} ms ({} tiles, {} sections)",
            t.elapsed().as_secs_f64() * 1e3,
            b.len(),
            b.sections().len()
        );
    }
    b.arrangement = BrowseOrder::default();
    let mut settings = crate::ui::settings::Settings::default();
    settings.browse_filter.camera = "iphone".into();
    let frame = Frame {
        browse: b,
        settings,
        textures: crate::ui::textures::TextureCache::default(),
        toasts: crate::ui::toasts::Toasts::default(),
        commands: crate::ui::context::CommandSender::default(),
        actions: Vec::new(),
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(draw, frame);
    let t = Instant::now();
    h.run();
    println!(
        "first frames (filter applied): {:.1} ms, {} of 100000 shown",
        t.elapsed().as_secs_f64() * 1e3,
        h.state().browse.shown_photos()
    );
    let mut times = Vec::new();
    let content = h.state().browse.grid.layout.content_height;
    for step in 0..200 {
        h.state_mut().browse.grid.scroll_to_y = Some(content * step as f32 / 200.0);
        let t = Instant::now();
        h.step();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "scrolling frames: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} frames",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1],
        times.len()
    );
}
