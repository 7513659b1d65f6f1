//! The first-launch screen: what Lookalike does and how to start. It proposes the platform's
//! pictures folder (`directories::UserDirs`) with the number of photos it holds, counted before
//! anything is indexed, and starts indexing it with one click.
//!
//! The count walks the folder on a thread of its own (file names only, nothing is opened), so a
//! frame never waits; its state lives in egui's memory, so this screen needs no field in the app.

use super::UiAction;
use super::context::ViewContext;
use crate::core::progress::CancelFlag;
use crate::worker::Command;
use egui::{RichText, Stroke, Ui, Vec2};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The proposed folder and its count, shared with the counting thread.
#[derive(Debug)]
pub struct PicturesCount {
    /// The folder.
    pub dir: PathBuf,
    /// Files seen so far.
    seen: AtomicUsize,
    /// Photos found (set when done).
    photos: AtomicUsize,
    /// The walk has ended.
    done: AtomicBool,
}

impl PicturesCount {
    /// Photos in the folder, once counted.
    pub fn photos(&self) -> Option<usize> {
        self.done
            .load(Ordering::Acquire)
            .then(|| self.photos.load(Ordering::Relaxed))
    }

    /// Start counting the photos under `dir`; `repaint` is called as the count grows.
    pub fn start(dir: PathBuf, repaint: impl Fn() + Send + 'static) -> Arc<Self> {
        let count = Arc::new(Self {
            dir: dir.clone(),
            seen: AtomicUsize::new(0),
            photos: AtomicUsize::new(0),
            done: AtomicBool::new(false),
        });
        let shared = Arc::clone(&count);
        let spawned = std::thread::Builder::new()
            .name("lookalike-count".into())
            .spawn(move || {
                let mut last = Instant::now();
                let found = crate::core::scan::scan(&[dir], None, &CancelFlag::new(), |n| {
                    shared.seen.store(n, Ordering::Relaxed);
                    if last.elapsed() > Duration::from_millis(200) {
                        last = Instant::now();
                        repaint();
                    }
                });
                let photos = found.files.iter().filter(|f| is_photo(&f.path)).count();
                shared.photos.store(photos, Ordering::Relaxed);
                shared.done.store(true, Ordering::Release);
                repaint();
            });
        if spawned.is_err() {
            // No thread: propose the folder without a count.
            count.done.store(true, Ordering::Release);
        }
        count
    }
}

/// A photo by its name (what the indexer reads first; videos are not counted).
fn is_photo(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(crate::core::image_io::is_photo_extension)
}

/// The platform's pictures folder, when it exists (`~/Pictures` where the desktop names none).
pub fn pictures_dir() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    dirs.picture_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.home_dir().join("Pictures"))
        .canonicalize()
        .ok()
        .filter(|p| p.is_dir())
}

/// The proposal of this run: the pictures folder, counted once (kept in egui's memory).
fn proposal(ui: &Ui) -> Option<Arc<PicturesCount>> {
    let id = egui::Id::unique("lookalike-welcome-pictures");
    if let Some(p) = ui.data(|d| d.get_temp::<Option<Arc<PicturesCount>>>(id)) {
        return p;
    }
    let ctx = ui.ctx().clone();
    let p = pictures_dir().map(|dir| PicturesCount::start(dir, move || ctx.request_repaint()));
    ui.data_mut(|d| d.insert_temp(id, p.clone()));
    p
}

/// Draw the welcome screen (an empty library, nothing indexing).
pub fn welcome_ui(ui: &mut Ui, cx: &mut ViewContext<'_>) {
    let pictures = proposal(ui);
    welcome_with(ui, cx, pictures.as_deref());
}

/// The welcome screen proposing `pictures` (tests pass their own).
pub fn welcome_with(ui: &mut Ui, cx: &mut ViewContext<'_>, pictures: Option<&PicturesCount>) {
    ui.vertical_centered(|ui| {
        ui.add_space((ui.available_height() * 0.12).max(12.0));
        ui.label(RichText::new("Lookalike").size(34.0).strong());
        ui.add_space(6.0);
        ui.label(
            RichText::new(
                "Find similar photos in your library — by example, on your own computer.",
            )
            .size(16.0),
        );
        ui.add_space(18.0);
        ui.label(
            "1. Choose the folder that holds your photos. Lookalike indexes it in the background.",
        );
        ui.label("2. Drop a photo on the window, paste one (Ctrl+V) or open one (Ctrl+O).");
        ui.label("3. Browse the most similar photos, preview them, open or tidy them up.");
        ui.add_space(18.0);
        start_buttons(ui, cx, pictures);
        ui.add_space(18.0);
        drop_zone(ui, cx.hovering);
        ui.add_space(18.0);
        ui.weak("Everything stays on this computer. Photos are never modified.");
    });
}

/// Under a query made while the library is empty: why there are no results and how to start.
pub fn empty_library_ui(ui: &mut Ui, cx: &mut ViewContext<'_>) {
    let pictures = proposal(ui);
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        ui.label(
            RichText::new(
                "Your library is empty: there is nothing to compare this photo with yet.",
            )
            .size(16.0),
        );
        ui.add_space(12.0);
        start_buttons(ui, cx, pictures.as_deref());
    });
}

/// "Index Pictures" with its count when there is a pictures folder, and "Choose photo library…".
fn start_buttons(ui: &mut Ui, cx: &mut ViewContext<'_>, pictures: Option<&PicturesCount>) {
    let big = |text: &str| {
        egui::Button::new(RichText::new(text).size(18.0)).min_size(Vec2::new(260.0, 40.0))
    };
    let mut choose_is_main = true;
    if let Some(p) = pictures {
        let place = display_dir(&p.dir);
        match p.photos() {
            Some(0) => {
                ui.label(format!("{place} holds no photos yet."));
            }
            Some(n) => {
                ui.label(format!("{place} holds {} {}.", thousands(n), plural(n)));
                choose_is_main = false;
            }
            None => {
                ui.spinner();
                ui.label(format!(
                    "Counting the photos in {place}… {} files so far",
                    thousands(p.seen.load(Ordering::Relaxed))
                ));
                choose_is_main = false;
            }
        }
        ui.add_space(8.0);
        if !choose_is_main {
            let name = p.dir.file_name().map_or_else(
                || "this folder".to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            if ui
                .add(big(&format!("Index {name}")))
                .on_hover_text(format!(
                    "Add {} to the library and index it",
                    p.dir.display()
                ))
                .clicked()
            {
                cx.send(Command::AddRoot(p.dir.clone()));
            }
            ui.add_space(6.0);
        }
    }
    let choose = if choose_is_main {
        ui.add(big("Choose photo library…"))
    } else {
        ui.button("Choose photo library…")
    };
    if choose.on_hover_text("Ctrl+L").clicked() {
        cx.act(UiAction::AddFolderDialog);
    }
}

fn drop_zone(ui: &mut Ui, hovering: bool) {
    let size = Vec2::new(ui.available_width().min(520.0), 110.0);
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let v = ui.visuals();
    let (stroke, fill) = if hovering {
        (
            Stroke::new(3.0, v.selection.stroke.color),
            v.selection.bg_fill.gamma_multiply(0.35),
        )
    } else {
        (
            Stroke::new(1.5, v.weak_text_color()),
            egui::Color32::TRANSPARENT,
        )
    };
    ui.painter().rect_filled(rect, 12.0, fill);
    ui.painter()
        .rect_stroke(rect, 12.0, stroke, egui::StrokeKind::Inside);
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        if hovering {
            "Drop: a folder is added to the library, a photo is searched"
        } else {
            "…or drop a photo folder here"
        },
        egui::FontId::proportional(16.0),
        v.text_color(),
    );
}

/// `~/Pictures` rather than `/home/ann/Pictures`.
fn display_dir(dir: &Path) -> String {
    let home = directories::UserDirs::new().map(|d| d.home_dir().to_path_buf());
    match home.and_then(|h| dir.strip_prefix(&h).ok().map(Path::to_path_buf)) {
        Some(rel) if !rel.as_os_str().is_empty() => {
            format!("~{}{}", std::path::MAIN_SEPARATOR, rel.display())
        }
        _ => dir.display().to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "photo" } else { "photos" }
}

/// 12345 → "12,345".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(plural(1), "photo");
        assert_eq!(plural(2), "photos");
    }

    /// What the welcome screen borrows, owned by a test.
    #[derive(Default)]
    struct Screen {
        settings: crate::ui::settings::Settings,
        textures: crate::ui::textures::TextureCache,
        wanted: Vec<crate::worker::thumbnails::ThumbKey>,
        toasts: crate::ui::toasts::Toasts,
        commands: crate::ui::context::CommandSender,
        actions: Vec<UiAction>,
    }

    #[test]
    fn offers_the_pictures_folder_with_its_count_and_starts_in_one_click() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let pictures = tmp.path().join("Pictures");
        std::fs::create_dir_all(&pictures).expect("mkdir");
        for name in ["a.jpg", "b.png", "c.heic"] {
            std::fs::write(pictures.join(name), b"x").expect("write");
        }
        let count = PicturesCount::start(pictures.clone(), || {});
        let start = Instant::now();
        while count.photos().is_none() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut h = egui_kittest::Harness::new_ui_state(
            move |ui, s: &mut Screen| {
                let mut cx = ViewContext {
                    settings: &mut s.settings,
                    status: None,
                    indexing: false,
                    textures: &mut s.textures,
                    wanted: &mut s.wanted,
                    toasts: &mut s.toasts,
                    commands: &mut s.commands,
                    actions: &mut s.actions,
                    keyboard: true,
                    hovering: false,
                };
                welcome_with(ui, &mut cx, Some(&count));
            },
            Screen::default(),
        );
        h.run();
        use egui_kittest::kittest::Queryable;
        assert!(h.query_by_label_contains("holds 3 photos").is_some());
        assert!(h.query_by_label("Choose photo library…").is_some());
        h.get_by_label("Index Pictures").click();
        h.run();
        let sent = h.state_mut().commands.take();
        assert!(
            matches!(sent.as_slice(), [Command::AddRoot(p)] if *p == pictures),
            "one click adds the folder: {sent:?}"
        );
    }

    #[test]
    fn counts_the_photos_of_a_folder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("2024")).expect("mkdir");
        for name in [
            "a.jpg",
            "2024/b.HEIC",
            "2024/c.nef",
            "notes.txt",
            "clip.mp4",
        ] {
            std::fs::write(tmp.path().join(name), b"x").expect("write");
        }
        let count = PicturesCount::start(tmp.path().to_path_buf(), || {});
        let start = Instant::now();
        while count.photos().is_none() && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(count.photos(), Some(3));
    }
}
