//! Browse: the whole library as a grid, grouped by folder or by month, narrowed as you type by
//! a [`PhotoFilter`] (file name, dates, camera, folder, formats, shape, location). What is typed
//! lives in the settings ([`FilterFields`]), so the filter survives a restart.

use super::context::ViewContext;
use super::filter_bar::{self, FilterFields};
use super::format;
use super::results_grid::{self, GridState, Section};
use super::{ListKind, UiAction};
use crate::core::catalog::PhotoInfo;
use crate::core::filter::PhotoFilter;
use egui::Ui;
use std::path::Path;

/// How the library is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    /// One section per folder, by path.
    #[default]
    Folder,
    /// One section per month, newest first.
    Date,
}

/// What the grouping looks at.
#[derive(Debug, Clone)]
struct PhotoKeys {
    folder: String,
    month: String,
}

/// The browse view's data and state.
#[derive(Debug, Default)]
pub struct BrowseState {
    /// Every indexed photo, as last listed by the worker.
    pub photos: Vec<PhotoInfo>,
    /// Whether `photos` was ever loaded.
    pub loaded: bool,
    /// A listing was requested and has not arrived yet.
    pub requested: bool,
    /// The filter applied (set from the settings' [`FilterFields`] as the user types).
    pub filter: PhotoFilter,
    /// Grouping.
    pub grouping: Grouping,
    /// Per photo: folder and month (computed once per listing, so regrouping 100,000 photos
    /// per keystroke stays within a frame).
    keys: Vec<PhotoKeys>,
    /// Display order: indices into `photos`.
    order: Vec<usize>,
    /// Sections over `order`.
    sections: Vec<Section>,
    /// Filter and grouping the order was computed for.
    computed_for: Option<(PhotoFilter, Grouping)>,
    /// Selection in the grid.
    pub grid: GridState,
}

impl BrowseState {
    /// Replace the listing.
    pub fn set_photos(&mut self, photos: Vec<PhotoInfo>) {
        self.keys = photos
            .iter()
            .map(|p| PhotoKeys {
                folder: p
                    .path
                    .parent()
                    .map_or_else(String::new, |d| d.display().to_string()),
                // The month it was taken; photos without a capture date by their file's month.
                month: match &p.taken {
                    Some(t) => t.local.chars().take(7).collect(),
                    None => format!("{} (file dates)", format::year_month(p.mtime_ns)),
                },
            })
            .collect();
        self.photos = photos;
        self.loaded = true;
        self.requested = false;
        self.computed_for = None;
    }

    /// Drop photos that were removed (trashed).
    pub fn remove_ids(&mut self, ids: &[i64]) {
        if self.photos.iter().any(|p| ids.contains(&p.id)) {
            let photos = std::mem::take(&mut self.photos)
                .into_iter()
                .filter(|p| !ids.contains(&p.id))
                .collect();
            let (loaded, requested) = (self.loaded, self.requested);
            self.set_photos(photos);
            (self.loaded, self.requested) = (loaded, requested);
        }
    }

    /// Number of photos shown.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is shown.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `i`-th photo shown.
    pub fn item(&self, i: usize) -> Option<&PhotoInfo> {
        self.order.get(i).and_then(|&j| self.photos.get(j))
    }

    /// Recompute order and sections when the filter, grouping or listing changed.
    pub fn refresh(&mut self) {
        let key = (self.filter.clone(), self.grouping);
        if self.computed_for.as_ref() == Some(&key) {
            return;
        }
        let keys = &self.keys;
        let mut order: Vec<usize> = if self.filter.is_empty() {
            (0..keys.len()).collect()
        } else {
            let m = self.filter.matcher();
            (0..keys.len())
                .filter(|&i| self.photos.get(i).is_some_and(|p| m.matches(p)))
                .collect()
        };
        match self.grouping {
            // Stable: within a folder, photos stay in path order.
            Grouping::Folder => order.sort_by(|&a, &b| keys[a].folder.cmp(&keys[b].folder)),
            Grouping::Date => order.sort_by(|&a, &b| {
                self.photos[b]
                    .taken_or_file_ms()
                    .cmp(&self.photos[a].taken_or_file_ms())
            }),
        }
        let group_of = |i: usize| match self.grouping {
            Grouping::Folder => &keys[i].folder,
            Grouping::Date => &keys[i].month,
        };
        let mut sections: Vec<Section> = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let title = group_of(i);
            match sections.last_mut() {
                Some(s) if &s.title == title => s.end = pos + 1,
                _ => sections.push(Section {
                    title: title.clone(),
                    start: pos,
                    end: pos + 1,
                }),
            }
        }
        self.order = order;
        self.sections = sections;
        self.computed_for = Some(key);
        if self.grid.selected.is_some_and(|s| s >= self.order.len()) {
            self.grid.selected = None;
        }
    }
}

fn file_name(p: &Path) -> std::borrow::Cow<'_, str> {
    p.file_name().unwrap_or(p.as_os_str()).to_string_lossy()
}

/// Draw the browse view. Ctrl+F focuses the file-name filter.
pub fn browse_ui(ui: &mut Ui, state: &mut BrowseState, cx: &mut ViewContext<'_>) {
    let keyboard = cx.keyboard;
    // The filter as typed up to the last frame (a change this frame asks for the next one).
    state.filter = cx.settings.browse_filter.filter();
    state.refresh();
    let fields: &mut FilterFields = &mut cx.settings.browse_filter;
    let grouping = state.grouping;
    let mut changed = false;
    let mut reload = false;
    ui.horizontal(|ui| {
        let label = ui.label("Filter:");
        let edit = egui::TextEdit::singleline(&mut fields.name)
            .hint_text("file name contains… (Ctrl+F)")
            .desired_width(260.0);
        let resp = ui.add(edit).labelled_by(label.id);
        changed |= resp.changed();
        if keyboard && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F)) {
            resp.request_focus();
        }
        if resp.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            resp.surrender_focus();
        }
        ui.separator();
        ui.label("Group by:");
        ui.selectable_value(&mut state.grouping, Grouping::Folder, "Folder");
        ui.selectable_value(&mut state.grouping, Grouping::Date, "Month");
        ui.separator();
        ui.label(format!(
            "{} of {} photos",
            state.order.len(),
            state.photos.len()
        ));
        if ui
            .button("Refresh")
            .on_hover_text("Reload the list of photos")
            .clicked()
        {
            reload = true;
        }
    });
    changed |= filter_bar::filter_row_ui(ui, fields);
    if reload {
        cx.act(UiAction::RefreshBrowse);
    }
    if changed || state.grouping != grouping {
        // Show the new count and grid at once rather than on the next event.
        ui.ctx().request_repaint();
    }
    ui.separator();
    if !state.loaded {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Loading the library…");
        });
        return;
    }
    if state.photos.is_empty() {
        ui.label(
            "No photos are indexed yet. Add a library folder, or wait for indexing to finish.",
        );
        return;
    }
    if state.order.is_empty() {
        ui.horizontal(|ui| {
            ui.label(format!(
                "No photo matches the filter ({}).",
                state.filter.describe()
            ));
            if ui.button("Clear the filter").clicked() {
                cx.settings.browse_filter = FilterFields::default();
                ui.ctx().request_repaint();
            }
        });
        return;
    }
    let count = state.order.len();
    if keyboard {
        for a in results_grid::grid_keys(ui, &mut state.grid, count) {
            cx.act(UiAction::Tile(ListKind::Browse, a));
        }
    }
    let BrowseState {
        photos,
        order,
        sections,
        grid,
        ..
    } = state;
    let out = results_grid::grid_ui(
        ui,
        "browse_grid",
        sections,
        cx.settings.thumb_px,
        cx.textures,
        grid,
        |i| order.get(i).and_then(|&j| photos.get(j)).map(|p| (p, None)),
        |i| {
            order
                .get(i)
                .and_then(|&j| photos.get(j))
                .map_or_else(String::new, |p| format!("Photo {}", file_name(&p.path)))
        },
    );
    cx.wanted.extend(out.wanted);
    cx.actions.extend(
        out.actions
            .into_iter()
            .map(|a| UiAction::Tile(ListKind::Browse, a)),
    );
}

#[cfg(test)]
mod tests {
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
    fn groups_by_folder_and_month_and_filters_names() {
        let mut b = BrowseState::default();
        // Sorted by path as the catalog lists them: a subfolder sorts between a folder's files.
        b.set_photos(vec![
            photo(1, "/p/b/a.jpg", 1_700_000_000),
            photo(2, "/p/b/c/y.jpg", 1_710_000_000),
            photo(3, "/p/b/x.JPG", 1_700_000_100),
        ]);
        b.refresh();
        let titles: Vec<&str> = b.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["/p/b", "/p/b/c"]);
        assert_eq!(b.item(1).map(|p| p.id), Some(3));

        b.grouping = Grouping::Date;
        b.refresh();
        assert_eq!(b.item(0).map(|p| p.id), Some(2), "newest first");
        assert_eq!(b.sections.len(), 2);

        b.filter.name = Some("x.j".into());
        b.refresh();
        assert_eq!(b.len(), 1);
        assert_eq!(b.item(0).map(|p| p.id), Some(3), "case-insensitive");

        b.remove_ids(&[3]);
        b.refresh();
        assert!(b.is_empty());
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

    #[test]
    fn filters_combine_and_sections_follow_them() {
        let mut b = BrowseState::default();
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
        assert_eq!(ids(&b), [1, 2, 4]);
        assert_eq!(titles(&b), ["/lib/Holidays", "/lib/Work"]);

        b.filter.folder = Some("holidays".into());
        b.refresh();
        assert_eq!(ids(&b), [1, 2]);
        assert_eq!(
            titles(&b),
            ["/lib/Holidays"],
            "empty sections are not shown"
        );

        b.grouping = Grouping::Date;
        b.refresh();
        assert_eq!(ids(&b), [2, 1], "newest first");
        assert_eq!(titles(&b), ["2019-08"]);

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
        assert_eq!(titles(&b), ["2019-08", "2019-03", "2018-06"]);

        b.filter = FilterFields {
            name: "dsc_".into(),
            ..FilterFields::default()
        }
        .filter();
        b.refresh();
        assert_eq!(ids(&b), [5]);

        b.filter = PhotoFilter::default();
        b.grouping = Grouping::Folder;
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
        assert_eq!(ids(&b), [5, 6]);
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
}
